"""Update content is Markdown, rendered once on save and sanitised with nh3."""

from html.parser import HTMLParser

import pytest

from liveblog.markdown import render_markdown
from tests.factories import make_entry, make_update


def test_it_renders_the_markdown_authors_use_during_an_event():
    html = render_markdown(
        "**Goal** for _Spain_ and `code`\n\n"
        "> a quote\n\n"
        "- one\n- two\n\n"
        "```\nprint('hi')\n```\n\n"
        "[report](https://example.com/report) ![The stadium](https://example.com/s.jpg)"
    )

    assert "<strong>Goal</strong>" in html
    assert "<em>Spain</em>" in html
    assert "<code>code</code>" in html
    assert "<blockquote>" in html
    assert "<li>one</li>" in html
    assert "<pre><code>print(&#39;hi&#39;)" in html or "<pre><code>print('hi')" in html
    assert '<img src="https://example.com/s.jpg" alt="The stadium" loading="lazy">' in html


def test_links_get_nofollow_noopener():
    html = render_markdown("[site](https://example.com) and https://example.org")

    assert html.count('rel="nofollow noopener"') == 2


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="#" onclick="alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java\tscript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
        "[x](data:text/html,<script>alert(1)</script>)",
        '<iframe src="https://evil.example"></iframe>',
        "<svg onload=alert(1)>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<form action=https://evil.example><input></form>",
    ],
)
def test_hostile_content_cannot_run_script(hostile):
    elements = parse(render_markdown(hostile))

    for tag, attributes in elements:
        assert tag in {"p", "a", "img", "br"}, tag
        for name, value in attributes:
            assert not name.startswith("on"), name
            assert name != "style"
            if name in {"href", "src"}:
                assert value.lower().startswith(("https:", "http:", "#", "/")), value


@pytest.mark.django_db
def test_updates_store_their_html_when_saved():
    update = make_update(make_entry(), "Score: *2-1* <script>alert(1)</script>")

    assert update.html == "<p>Score: <em>2-1</em> &lt;script&gt;alert(1)&lt;/script&gt;</p>"


@pytest.mark.django_db
def test_the_entry_intro_is_rendered_too():
    entry = make_entry(intro="Follow **along** <img src=x onerror=alert(1)>")

    assert "<strong>along</strong>" in entry.intro_html
    assert [tag for tag, _ in parse(entry.intro_html)] == ["p", "strong"]


def parse(html: str) -> list[tuple[str, list]]:
    """The elements in html, with their attributes, as a browser would see them."""
    elements = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            elements.append((tag, attrs))

    Collector().feed(html)
    return elements
