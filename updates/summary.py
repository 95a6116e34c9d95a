"""Plain text, a headline and images from an update's sanitised HTML.

For what shows an update outside its page: feed titles, structured data,
share previews. The HTML is the stored, sanitised rendering (liveblog/markdown.py),
so what is read here is exactly what readers see.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

BLOCKS = {
    "p", "blockquote", "pre", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "br", "table", "tr", "div", "article", "header",
}  # fmt: skip
HEADLINE_LENGTH = 110  # what search engines show of a headline


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


def summary_of(parts: list[str], images: list[InlineImage]) -> Summary:
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return Summary("\n".join(line for line in lines if line), images)


def summarise(html: str) -> Summary:
    reader = TextReader()
    reader.feed(html)
    reader.close()
    return summary_of(reader.parts, reader.images)
