// After a form answers with something to read further down (a preview, an error summary),
// move the focus there, so keyboard and screen-reader users land on it, and scroll it into view.
document.addEventListener("DOMContentLoaded", () => {
  const target = document.querySelector("[data-focus-on-load]");
  if (target) {
    target.focus();
    target.scrollIntoView({ block: "start" });
  }
});
