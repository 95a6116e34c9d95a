"""A right-to-left test catalog: every string of ours in Hebrew letters.

Not a translation (none is shipped for a right-to-left language): each
Latin letter of every message becomes a Hebrew one, placeholders and
markup kept, so the page is laid out right to left as a real Hebrew
catalog would make it. Written straight into a .mo file (GNU's format,
which Python's gettext reads), so it needs no GNU gettext. Used by
tests/test_languages.py and `make screenshots` (docs/screenshots/entry-rtl.png).
"""

import gettext
import re
import string
import struct
from pathlib import Path

LANGUAGE = ("he", "עברית")
ROOT = Path(__file__).resolve().parent.parent
# The German catalog lists every message of ours; its translations are not used.
SOURCE = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.mo"
HEBREW = "אבגדהוזחטיכלמנסעפצקרשתםןףץ"
LETTERS = str.maketrans(string.ascii_lowercase + string.ascii_uppercase, HEBREW * 2)
KEPT = re.compile(r"(%\(\w+\)s|%%|<[^>]*>)")


def pseudo(text: str) -> str:
    return "".join(
        part if KEPT.fullmatch(part) else part.translate(LETTERS) for part in KEPT.split(text)
    )


def messages() -> dict[str, str]:
    """.mo keys (a plural's "msgid\\0msgid") and their pseudo-translations."""
    with SOURCE.open("rb") as source:
        catalog = gettext.GNUTranslations(source)._catalog
    entries, plurals = {}, {}
    for key in catalog:
        if key == "":
            continue
        if isinstance(key, tuple):
            plurals.setdefault(key[0], set()).add(key[1])
        else:
            entries[key] = pseudo(key.split("\x04")[-1])
    for msgid in plurals:
        # Python's gettext looks plurals up by their singular alone.
        entries[f"{msgid}\x00{msgid}"] = f"{pseudo(msgid)}\x00{pseudo(msgid)}"
    return entries


def write_mo(path: Path, entries: dict[str, str]) -> None:
    entries = {
        "": "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n",
        **entries,
    }
    keys = sorted(entries)
    ids = [key.encode() for key in keys]
    strs = [entries[key].encode() for key in keys]
    start = 7 * 4 + 16 * len(keys)
    id_table, str_table, offset = [], [], start
    for data in ids:
        id_table += [len(data), offset]
        offset += len(data) + 1
    for data in strs:
        str_table += [len(data), offset]
        offset += len(data) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    body = struct.pack(f"{len(id_table)}i", *id_table) + struct.pack(
        f"{len(str_table)}i", *str_table
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + body + b"".join(data + b"\0" for data in ids + strs))


def write_catalog(folder: Path) -> Path:
    """A locale folder (for LOCALE_PATHS) holding the Hebrew test catalog."""
    write_mo(folder / LANGUAGE[0] / "LC_MESSAGES" / "django.mo", messages())
    return folder
