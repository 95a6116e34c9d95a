"""The stored <article> of each update: the one module that writes it and reads it back.

Each write to an update stores its rendered fragment (the
updates/_update.html partial in the entry's time zone; updates/changes.py
says when), so pages and polls only join stored strings. What a fragment
states about its update is read back here and nowhere else (the reader
script reads the same attributes):

- `data-id="<id>"` on the <article>, which also carries the anchor
  `id="update-<id>"` that links (`#update-<id>`) point to, and its time
  links to its permalink (`?update=<id>#update-<id>`, permalink below);
- `data-revision`, the entry revision of its last change;
- the first `<time datetime>`: when it was published, in the entry's zone,
  to the second (whole seconds: updates/paging.py's cursors rely on it);
- its headline, if it has one: `<h2 class="update-headline">`, plain text;
- the body, `<div class="update-body">`: its sanitised HTML and photos;
  each embed's preview in it links to the original with
  `<a class="embed-preview" href>` (templates/updates/_embed.html).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.template.loader import get_template
from django.utils import translation

from entries.models import written_in
from updates.summary import Summary, TextReader, summary_of

# Lookbehind on a space: `data-id` must not match inside another attribute.
ID = re.compile(r'(?<= )data-id="([0-9]+)"')
ANCHOR = re.compile(r' id="update-[0-9]+"')
PUBLISHED = re.compile(r'<time datetime="([^"]+)"')
ARTICLE = re.compile(r"(?=<article\b)")


def anchor(update_id: int) -> str:
    """What `#…` in a link to the update names."""
    return f"update-{update_id}"


def permalink(update_id: int, entry_url: str = "") -> str:
    """A link to an update that works at any age: the entry page that holds
    it (`?update=`, updates/pages.py), scrolled to it. Relative to the entry's
    page when `entry_url` is empty, as the stored fragments carry it: a slug
    may change, the query and the anchor do not."""
    return f"{entry_url}?update={update_id}#{anchor(update_id)}"


def render_fragment(update, zone, bylines: bool = False, photos=None, language: str = "") -> str:
    """An update's <article> as the page and the poll show it, in the entry's
    time zone and language (Entry.language_code; the site's by default).

    Stored with the update when it is saved (updates/changes.py), so that
    neither the page nor the poll renders a template per update: its labels
    and time format are baked in, whoever's request saved it.
    """
    # Historical models (data migrations) have no photos; a caller that knows
    # there are none (a bulk post) says so and saves a query per update.
    if photos is None:
        photos = update.photos.all() if update.pk and hasattr(update, "photos") else []
    context = {
        "update": update,
        "zone": zone,
        "byline": bylines and byline(update.author),
        "photos": photos,
        "permalink": permalink(update.pk),
    }
    with translation.override(written_in(language)):
        return get_template("updates/_update.html").render(context).strip()


def byline(user) -> str:
    """An author's name as readers (and the desk) see it: the full name, else the username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def order_of(fragment: str) -> tuple[datetime, int]:
    """Where a fragment falls in the page's (published, id) order, as it states them."""
    return (
        datetime.fromisoformat(PUBLISHED.search(fragment).group(1)),
        int(ID.search(fragment).group(1)),
    )


def holds(fragments: list[str], update_id: int) -> bool:
    """Whether one of these fragments is the update's."""
    return any(int(ID.search(fragment).group(1)) == update_id for fragment in fragments)


def find(html: str, update_id: int) -> str | None:
    """The update's fragment among a page's joined fragments, if it is there."""
    return next(
        (chunk for chunk in split(html) if int(ID.search(chunk).group(1)) == update_id), None
    )


def split(html: str) -> list[str]:
    """The fragments of a page's joined fragments, in the order given."""
    return [chunk for chunk in ARTICLE.split(html) if chunk.startswith("<article")]


def without_id(fragment: str) -> str:
    """A copy to show elsewhere on the page (the pinned update at the top),
    without the anchor: a link must lead to the update in the stream. (The
    reader script looks for updates among the stream's own children.)"""
    return ANCHOR.sub("", fragment, count=1)


@dataclass
class Fragment:
    id: int
    published: str  # ISO 8601 in the entry's zone, as the fragment carries it
    summary: Summary
    headline: str = ""  # the author's, if any (the summary's is the text's first line)
    embeds: list[str] = field(default_factory=list)  # the links its embeds preview


class _FragmentReader(TextReader):
    """Reads fragments: id, published time and the body's text and images."""

    def __init__(self):
        super().__init__()
        self.fragments: list[Fragment] = []
        self.body_depth = 0  # open <div>s inside the current update-body
        self.in_headline = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "article" and (values.get("data-id") or "").isdigit():
            self.finish()
            self.current = Fragment(int(values["data-id"]), "", Summary())
            self.fragments.append(self.current)
        elif self.body_depth:
            if tag == "div":
                self.body_depth += 1
            elif tag == "a" and "embed-preview" in (values.get("class") or "").split():
                self.current.embeds.append(values.get("href") or "")
            super().handle_starttag(tag, attrs)
        elif tag == "time" and self.fragments and not self.current.published:
            self.current.published = values.get("datetime") or ""
        elif tag == "div" and "update-body" in (values.get("class") or "").split():
            self.body_depth = 1
        elif (
            self.fragments
            and tag == "h2"
            and "update-headline" in (values.get("class") or "").split()
        ):
            self.in_headline = True

    def handle_endtag(self, tag):
        if self.in_headline and tag == "h2":
            self.in_headline = False
        elif self.body_depth:
            if tag == "div":
                self.body_depth -= 1
            super().handle_endtag(tag)

    def handle_data(self, data):
        if self.in_headline:
            self.current.headline += data
        elif self.body_depth:
            super().handle_data(data)

    def finish(self):
        if self.fragments:
            self.current.summary = summary_of(self.parts, self.images)
        self.parts, self.images, self.body_depth = [], [], 0


def read_fragments(html: str) -> list[Fragment]:
    """Each update in a page's joined fragments, in the order given."""
    reader = _FragmentReader()
    reader.feed(html)
    reader.close()
    reader.finish()
    return reader.fragments
