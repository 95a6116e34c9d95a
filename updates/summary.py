"""Plain text, a headline and images from an update's sanitised HTML.

For what shows an update outside its page: feed titles, structured data,
share previews. The HTML is the stored, sanitised rendering (liveblog/markdown.py),
so what is read here is exactly what readers see.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

BLOCKS = {
    "p", "blockquote", "pre", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "br", "table", "tr", "div", "article", "header",
}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
HEADLINE_LENGTH = 110  # what search engines show of a headline
TEASER_LENGTH = 100  # about two lines of a key events list on a phone
# A sentence ends at . ! ? or … (a closing quote or bracket may follow)
# before a space: "3.5" and "example.com" go on.
SENTENCE = re.compile(r"(.*?[.!?…][\"'”’)\]]*)(?=\s)")


@dataclass
class InlineImage:
    """An <img> in an update's HTML."""

    src: str
    alt: str


@dataclass
class Summary:
    text: str = ""
    images: list[InlineImage] = field(default_factory=list)

    @property
    def headline(self) -> str:
        """The first line of text (an image's alt text if there is none), shortened."""
        first = next((line for line in self.text.splitlines() if line.strip()), "")
        if not first and self.images:
            first = self.images[0].alt
        first = " ".join(first.split())
        if len(first) > HEADLINE_LENGTH:
            first = first[: HEADLINE_LENGTH - 1].rsplit(" ", 1)[0] + "…"
        return first


class TextReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images: list[InlineImage] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self.parts.append("\n")
        if tag == "img":
            values = dict(attrs)
            if values.get("src"):
                self.images.append(InlineImage(values["src"], values.get("alt") or ""))

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def shorten(text: str, length: int) -> str:
    """`text` within `length` characters, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


class _OpeningReader(TextReader):
    """TextReader that also tells whether the text opens with a heading."""

    def __init__(self):
        super().__init__()
        self.heading_depth = 0
        self.opens_with_heading: bool | None = None

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        self.heading_depth += tag in HEADINGS

    def handle_endtag(self, tag):
        super().handle_endtag(tag)
        self.heading_depth -= tag in HEADINGS and self.heading_depth > 0

    def handle_data(self, data):
        super().handle_data(data)
        if self.opens_with_heading is None and data.strip():
            self.opens_with_heading = self.heading_depth > 0


def teaser(html: str, length: int = TEASER_LENGTH) -> str:
    """What a list of key events shows of an update (issue 20): the heading it
    opens with, else its first sentence, within about `length` characters."""
    reader = _OpeningReader()
    reader.feed(html)
    reader.close()
    text = summary_of(reader.parts, reader.images).text
    first = next(iter(text.splitlines()), "")
    if not reader.opens_with_heading:
        sentence = SENTENCE.match(first + " ")
        first = sentence.group(1) if sentence else first
    return shorten(first, length)


def summary_of(parts: list[str], images: list[InlineImage]) -> Summary:
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return Summary("\n".join(line for line in lines if line), images)


def summarise(html: str) -> Summary:
    reader = TextReader()
    reader.feed(html)
    reader.close()
    return summary_of(reader.parts, reader.images)
