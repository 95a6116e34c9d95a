"""Plain text, a headline and images from an update's sanitised HTML.

For what shows an update outside its page: feed titles, structured data,
share previews. The HTML is the stored, sanitised rendering (rendering.py),
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
class Image:
    src: str
    alt: str


@dataclass
class Summary:
    text: str = ""
    images: list[Image] = field(default_factory=list)

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


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images: list[Image] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self.parts.append("\n")
        if tag == "img":
            values = dict(attrs)
            if values.get("src"):
                self.images.append(Image(values["src"], values.get("alt") or ""))

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def _summary(parts: list[str], images: list[Image]) -> Summary:
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return Summary("\n".join(line for line in lines if line), images)


def summarise(html: str) -> Summary:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return _summary(reader.parts, reader.images)


@dataclass
class Fragment:
    id: int
    published: str  # ISO 8601 in the entry's zone, as the fragment carries it
    summary: Summary


class _FragmentReader(_Reader):
    """Reads stored <article> fragments (updates/_update.html): id, time and body."""

    def __init__(self):
        super().__init__()
        self.fragments: list[Fragment] = []
        self.body_depth = 0  # open <div>s inside the current update-body

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "article" and (values.get("id") or "").startswith("update-"):
            self.finish()
            self.current = Fragment(int(values["id"].removeprefix("update-")), "", Summary())
            self.fragments.append(self.current)
        elif self.body_depth:
            if tag == "div":
                self.body_depth += 1
            super().handle_starttag(tag, attrs)
        elif tag == "time" and self.fragments and not self.current.published:
            self.current.published = values.get("datetime") or ""
        elif tag == "div" and "update-body" in (values.get("class") or "").split():
            self.body_depth = 1

    def handle_endtag(self, tag):
        if self.body_depth:
            if tag == "div":
                self.body_depth -= 1
            super().handle_endtag(tag)

    def handle_data(self, data):
        if self.body_depth:
            super().handle_data(data)

    def finish(self):
        if self.fragments:
            self.current.summary = _summary(self.parts, self.images)
        self.parts, self.images, self.body_depth = [], [], 0


def read_fragments(html: str) -> list[Fragment]:
    """Each update in a page's joined fragments, in the order given."""
    reader = _FragmentReader()
    reader.feed(html)
    reader.close()
    reader.finish()
    return reader.fragments
