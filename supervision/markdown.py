"""The one place where Markdown typed by users becomes safe HTML."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import bleach
import markdown as md
from bleach.linkifier import LinkifyFilter
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6", "hr", "a",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _safe_rel(attrs: dict, new: bool = False) -> dict:
    """Every link opens nothing of ours and passes on no ranking."""
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = "noopener nofollow"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=False,  # raw HTML typed by a user is shown as text, not dropped silently
    filters=[lambda source: LinkifyFilter(source, callbacks=[_safe_rel], skip_tags={"pre", "code"})],
)


class _NoRawHtml(md.extensions.Extension):
    """Raw HTML typed by a user is shown as text: Markdown never passes it through."""

    def extendMarkdown(self, markdown: md.Markdown) -> None:  # noqa: N802 (the library's name)
        markdown.preprocessors.deregister("html_block")
        markdown.inlinePatterns.deregister("html")


# A map item sits under the page's own h1 and h2: a "# Heading" typed in one is a small heading there.
HEADING_SHIFT = 2
_HEADINGS = {f"h{n}": f"h{min(n + HEADING_SHIFT, 6)}" for n in range(1, 7)}


class _FitTheItem(Treeprocessor):
    """Headings moved down to fit inside a map item; images made plain links (or their alt text).

    No image is ever loaded: a remote image would tell a third party who reads the record, and when.
    """

    def run(self, root: Element) -> None:
        for parent in list(root.iter()):  # a list: images are removed on the way
            if parent.tag in _HEADINGS:
                parent.tag = _HEADINGS[parent.tag]
            for child in [c for c in parent if c.tag == "img"]:
                self._no_image(parent, child)

    @staticmethod
    def _no_image(parent: Element, img: Element) -> None:
        src, alt, title = img.get("src", ""), img.get("alt", ""), img.get("title")
        if urlsplit(src).scheme.lower() in ("http", "https"):
            img.attrib.clear()
            img.tag = "a"
            img.set("href", src)
            if title:
                img.set("title", title)
            img.text = alt or src
            return
        # Anything else (javascript:, data:, a path of ours) links nowhere: the alt text stays, as words.
        words = alt + (img.tail or "")
        before = None
        for child in parent:
            if child is img:
                break
            before = child
        if before is None:
            parent.text = (parent.text or "") + words
        else:
            before.tail = (before.tail or "") + words
        parent.remove(img)


class _NoImagesSmallHeadings(md.extensions.Extension):
    def extendMarkdown(self, markdown: md.Markdown) -> None:  # noqa: N802 (the library's name)
        markdown.treeprocessors.register(_FitTheItem(markdown), "fit_the_item", 15)  # after "inline" (20)


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    # A Markdown instance is not thread-safe, so each render makes its own.
    html = md.Markdown(extensions=["sane_lists", _NoRawHtml(), _NoImagesSmallHeadings()],
                       output_format="html").convert(text)
    return _cleaner.clean(html)


def render_markdown(text: str | None) -> Markup:
    """Markdown → HTML cleaned to an allow-list. Cached by content: items repeat across pages."""
    return Markup(_render(text or ""))
