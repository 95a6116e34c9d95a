"""Whether a page still says anything in English (issue 23): tests/test_languages.py
and tests/test_languages_browser.py.

Two ways: none of our own messages (every msgid of a language's catalog
whose translation differs) shows as a text or a label, and none of a handful
of English words that neither German nor Spanish uses shows at all, which
also catches a string nobody marked for translation.
"""

import gettext
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
# Words of English sentences that neither German nor Spanish has.
ENGLISH_WORDS = {
    "the", "and", "your", "you", "this", "that", "with", "update", "updates", "new",
    "first", "latest", "older", "newer", "events", "order", "skip", "follow", "times",
    "pinned", "edited", "post", "save", "delete", "edit", "cancel", "remove", "coverage",
    "ended", "draft", "found", "request", "not", "yet", "what", "know", "far", "share",
    "copy", "copied", "since", "visit", "ago", "jump",
}  # fmt: skip
# Identical in German or Spanish, or a name.
NAMES = {"Liveblog", "Markdown", "Live", "Atom", "UTC", "Europe/Berlin", "Europe/Madrid"}


class VisibleText(HTMLParser):
    """What a reader or an author may read: text, labels, titles,
    placeholders; and the scripts' texts, from their JSON catalogs."""

    LABELS = ("title", "aria-label", "placeholder", "alt", "label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.in_script = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in ("script", "style"):
            self.in_script = values.get("type") or tag
        for name in self.LABELS:
            if values.get(name):
                self.texts.append(values[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.in_script = None

    def handle_data(self, data):
        if self.in_script == "application/json":
            self.texts.extend(strings_in(json.loads(data)))
        elif self.in_script is None and data.strip():
            self.texts.append(data.strip())


def strings_in(value) -> list[str]:
    if isinstance(value, dict):
        return [text for part in value.values() for text in strings_in(part)]
    return [value] if isinstance(value, str) else []


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def our_messages(language: str) -> list[str]:
    """Our msgids whose translation into `language` differs from them."""
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    found = set()
    for key, translated in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04")[-1]
        if msgid and translated != msgid:
            found.add(msgid)
    return sorted(found)


PLACEHOLDER = re.compile(r"%\(\w+\)s")
TAG = re.compile(r"<[^>]+>")


def english_in(texts: list[str], language: str) -> list[str]:
    """The texts that are one of our messages in English, or hold English words."""
    patterns = []
    for msgid in our_messages(language):
        # A message with markup shows as several texts: each part must be gone.
        for part in TAG.split(msgid) if TAG.search(msgid) else [msgid]:
            literal = PLACEHOLDER.sub("\0", part.replace("%%", "%")).strip()
            # Words, not placeholders and punctuation only ("%(date)s, %(time)s").
            if re.search(r"[A-Za-z]", literal) and literal not in NAMES:
                regex = ".+?".join(re.escape(piece) for piece in literal.split("\0"))
                patterns.append(re.compile(regex))
    left = []
    for text in texts:
        # Not placeholders' names (the scripts fill them in) nor acronyms (GET, POST).
        words = {
            word.lower()
            for word in re.findall(r"[A-Za-z]+", PLACEHOLDER.sub("", text))
            if not word.isupper()
        }
        if any(pattern.fullmatch(text) for pattern in patterns) or words & ENGLISH_WORDS:
            left.append(text)
    return left


def assert_no_english(html: str, language: str, what: str) -> None:
    left = english_in(visible_texts(html), language)
    assert left == [], f"{what} in {language} still says: {left}"
