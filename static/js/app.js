// Small enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy-target]");
  if (copy) {
    const source = document.getElementById(copy.dataset.copyTarget);
    const status = copy.parentElement.querySelector(".copy-status");
    navigator.clipboard.writeText(source.value).then(
      () => { if (status) status.textContent = "Copied."; },
      () => { source.select(); if (status) status.textContent = "Select all and copy (Ctrl+C)."; }
    );
  }
  if (event.target.closest("[data-print]")) window.print();
});

// In an "add item" box, Enter saves and Shift+Enter starts a new line: type, Enter, next item.
document.addEventListener("keydown", (event) => {
  const box = event.target.closest("textarea[data-submit-on-enter]");
  if (box && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    if (box.value.trim()) box.form.requestSubmit();
  }
});
