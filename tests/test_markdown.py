from html.parser import HTMLParser

import pytest

from supervision.markdown import ALLOWED_TAGS, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<svg onload="alert(1)"><circle/></svg>',
    '<a href="http://x" onclick="alert(1)">x</a>',
    "<iframe src='https://example.test'></iframe>",
    "<b onmouseover=alert(1)>broken <i>tags",
    '<<script>script>alert(1)<</script>/script>',
    "![img](javascript:alert(1))",
    "![x](http://tracker.example/pixel.png)",
    '![x" onerror="alert(1)](https://e.example/a.png "t\" onload=\"alert(1)")',
    "# <script>alert(1)</script>",
    "![<img src=x onerror=alert(1)>](data:image/png;base64,AAAA)",
]


class _Elements(HTMLParser):
    """The real elements and attributes of an HTML fragment (escaped text is not an element)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_is_inert(text):
    elements = _Elements(str(render_markdown(text))).found
    for tag, attrs in elements:
        assert tag in ALLOWED_TAGS, tag
        assert not [name for name in attrs if name.startswith("on")], attrs
        if "href" in attrs:
            assert attrs["href"].split(":")[0] in ("http", "https", "mailto"), attrs


def test_markdown_formats_and_links_get_safe_rel():
    html = str(render_markdown("**Mum** took _the children_ to [school](https://school.example/)\n\n- one\n- two"))
    assert "<strong>Mum</strong>" in html
    assert "<em>the children</em>" in html
    assert '<a href="https://school.example/" rel="noopener nofollow">school</a>' in html
    assert "<ul>" in html and "<li>one</li>" in html


def test_raw_html_is_shown_as_text_not_dropped():
    html = str(render_markdown("Dad said <b>never</b> again"))
    assert "&lt;b&gt;never&lt;/b&gt;" in html


def test_bare_urls_become_safe_links():
    html = str(render_markdown("See https://www.gov.uk/guidance"))
    assert 'rel="noopener nofollow"' in html


@pytest.mark.parametrize("text, html", [
    ("# Worries at night", "<h3>Worries at night</h3>"),
    ("## Past harm", "<h4>Past harm</h4>"),
    ("Setext\n======", "<h3>Setext</h3>"),
    ("### Small", "<h5>Small</h5>"),
    ("###### Smallest", "<h6>Smallest</h6>"),
])
def test_headings_render_moved_down_to_fit_a_map_item(text, html):
    rendered = str(render_markdown(text))
    assert rendered == html
    assert "&lt;h" not in rendered  # never the tag shown as text


def test_a_remote_image_becomes_a_link_and_is_never_loaded():
    html = str(render_markdown("Her drawing: ![the house of worries](https://drive.example/house.png)"))
    assert html == ('<p>Her drawing: <a href="https://drive.example/house.png" rel="noopener nofollow">'
                    "the house of worries</a></p>")
    assert "<img" not in html and "&lt;img" not in html
    assert "https://x.example/p.png</a>" in str(render_markdown("![](https://x.example/p.png)"))


@pytest.mark.parametrize("text, html", [
    ("![Mum's note](javascript:alert(1))", "<p>Mum's note</p>"),
    ("before ![a *b*](data:image/png;base64,AAAA) after", "<p>before a *b* after</p>"),
    ("**Dad** ![x](/static/logo.png) said", "<p><strong>Dad</strong> x said</p>"),
])
def test_any_other_image_leaves_only_its_words(text, html):
    assert str(render_markdown(text)) == html


def test_raw_html_headings_and_images_are_still_shown_as_text():
    html = str(render_markdown('<h1>Big</h1> and <img src="https://e.example/x.png">'))
    assert "&lt;h1&gt;Big&lt;/h1&gt;" in html and "&lt;img" in html
    assert [tag for tag, _ in _Elements(html).found] == ["p"]
