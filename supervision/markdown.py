"""The one place where Markdown typed by users becomes safe HTML."""

from __future__ import annotations

from functools import lru_cache

import bleach
import markdown as md
from bleach.linkifier import LinkifyFilter
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


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    # A Markdown instance is not thread-safe, so each render makes its own.
    html = md.Markdown(extensions=["sane_lists", _NoRawHtml()], output_format="html").convert(text)
    return _cleaner.clean(html)


def render_markdown(text: str | None) -> Markup:
    """Markdown → HTML cleaned to an allow-list. Cached by content: items repeat across pages."""
    return Markup(_render(text or ""))
