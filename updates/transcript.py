"""The live-blog notes format, read and written.

A transcript is Markdown in which each update starts with its local time in
bold at the start of a line, `**10:19** text`, and runs until the next such
marker; it may span paragraphs and hold images, links, quotes, lists and
code. A bold line right after the time, `**10:19** **Headline**`, is the
update's headline (issue 22), its text starting on the next line; a star
or a backslash in it is escaped with a backslash. A photo is written as a
Markdown image at the end of its update's text, `![alt](<url> "caption")`,
so an update of photos alone (with or without a headline) reads back as an
update: as images in its text, since a transcript carries no files. Times
carry no date: the importer is given the first day and the zone, and a
time earlier than the one before it means the next day (unless
the clocks just went back and the time is the repeated hour's second pass).
Export writes the same form, so import, export and import again gives the
same updates; `differences` tells an exporter where the form cannot say
what the entry holds (updates days apart, text that looks like a marker).

Nothing here touches the database: the commands `import_liveblog` and
`export_liveblog` do, through the change log.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# A marker at the start of a line: **H:MM** or **HH:MM**, optionally with
# seconds, then the update's first line (possibly empty).
MARKER = re.compile(r"\*\*([0-2]?\d):([0-5]\d)(?::([0-5]\d))?\*\*(?:[ \t]+|$)")
# A fenced code block's opening line (CommonMark: up to three spaces, then at
# least three backticks or tildes); lines inside it are code, never markers.
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
# The rest of a marker's line when it is all bold: the update's headline,
# where a backslash escapes the next character and a lone * is itself.
HEADLINE = re.compile(r"\*\*((?:\\.|[^\\*]|\*(?!\*))+)\*\*[ \t]*")
# What export escapes in a headline, and import unescapes: only these, so a
# hand-written backslash (C:\notes) stays as it is.
HEADLINE_ESCAPED = re.compile(r"\\([\\*])")
# Characters that would be markup in an image's alt text (emphasis, code,
# links, HTML, entities, strikethrough), escaped to read back as written.
ALT_MARKUP = re.compile(r"([\\`*_\[\]<>&~])")


class TranscriptError(ValueError):
    """A transcript that cannot be imported; the message says why, in one line."""


@dataclass(frozen=True)
class Item:
    clock: time
    text: str
    line: int
    headline: str = ""


@dataclass(frozen=True)
class Timed:
    published: datetime  # in UTC
    text: str
    line: int
    note: str = ""  # why the time needed a decision (a daylight-saving gap or overlap)
    headline: str = ""


class _Fences:
    """Follows fenced code blocks line by line, as CommonMark reads them."""

    def __init__(self):
        self.open = ""  # the opening fence's characters while inside a block

    def inside_after(self, line: str) -> bool:
        """Whether the line is code (inside a block, or its fences); updates the state."""
        match = FENCE.match(line)
        if self.open:
            closing = match and not match.group(2).strip()
            if (
                closing
                and match.group(1)[0] == self.open[0]
                and len(match.group(1)) >= len(self.open)
            ):
                self.open = ""
            return True
        # A backtick fence's info string may not hold a backtick.
        if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
            self.open = match.group(1)
            return True
        return False


def parse(text: str) -> tuple[str, list[Item]]:
    """Split a transcript into what precedes the first marker and its updates.

    A marker inside a fenced code block is code, not an update; a marker
    with nothing after it before the next is dropped.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fences = _Fences()
    preamble: list[str] = []
    items: list[tuple[time, int, str, list[str]]] = []
    for number, line in enumerate(lines, start=1):
        marker = None if fences.open else MARKER.match(line)
        if marker is None:
            fences.inside_after(line)
            (items[-1][3] if items else preamble).append(line)
            continue
        hours, minutes, seconds = (int(group or 0) for group in marker.groups())
        if hours > 23:
            raise TranscriptError(
                _("line %(line)s: %(time)s is not a time of day.")
                % {"line": number, "time": f"{hours}:{minutes:02d}"}
            )
        rest = line[marker.end() :]
        headline = HEADLINE.fullmatch(rest)
        if headline:
            text = HEADLINE_ESCAPED.sub(r"\1", headline.group(1)).strip()
            items.append((time(hours, minutes, seconds), number, text, []))
            continue
        # The first line of an update may itself open a code block.
        fences.inside_after(rest)
        items.append((time(hours, minutes, seconds), number, "", [rest]))
    parsed = [
        Item(clock, "\n".join(body).strip(), number, headline)
        for clock, number, headline, body in items
        if "\n".join(body).strip() or headline
    ]
    return "\n".join(preamble).strip(), parsed


def _resolve(
    day: date, clock: time, zone: ZoneInfo, after: datetime | None
) -> tuple[datetime, str]:
    """The moment a local time names, resolving daylight-saving gaps and overlaps."""
    naive = datetime.combine(day, clock)
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, ""
    values = {"time": f"{clock:%H:%M}", "day": day, "zone": zone.key}
    moved = first.astimezone(UTC).astimezone(zone)
    if moved.replace(tzinfo=None) != naive:
        # In a gap: the clocks jumped over this time. Read with the offset in
        # force before the jump, it lands just after the jump.
        return moved, _(
            "%(time)s on %(day)s in %(zone)s does not exist (clocks went forward): "
            "read as %(moved)s"
        ) % {**values, "moved": f"{moved:%H:%M %Z}"}
    # In an overlap the time happens twice: the first, unless that would put
    # it before the update above it.
    if after is None or first.astimezone(UTC) >= after:
        return first, _(
            "%(time)s on %(day)s in %(zone)s happens twice (clocks went back): "
            "took the first, %(abbreviation)s"
        ) % {**values, "abbreviation": f"{first:%Z}"}
    return second, _(
        "%(time)s on %(day)s in %(zone)s happens twice (clocks went back): "
        "took the second, %(abbreviation)s"
    ) % {**values, "abbreviation": f"{second:%Z}"}


def _second_pass(day: date, clock: time, zone: ZoneInfo, after: datetime) -> bool:
    """Whether an earlier-looking time is the repeated hour after clocks went back.

    `**01:50**` then `**01:10**` on the night clocks go back at 02:00 is ten
    past one in the second pass, twenty minutes later, not the next day.
    """
    naive = datetime.combine(day, clock)
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    return first.utcoffset() != second.utcoffset() and second.astimezone(UTC) > after


def assign_times(items: list[Item], first_day: date, zone: ZoneInfo) -> list[Timed]:
    """Give each update its moment: a time earlier than the last means the next day."""
    day, previous_clock, previous = first_day, None, None
    timed = []
    for item in items:
        if (
            previous_clock is not None
            and item.clock < previous_clock
            and not _second_pass(day, item.clock, zone, previous)
        ):
            day += timedelta(days=1)
        moment, note = _resolve(day, item.clock, zone, previous)
        previous_clock, previous = item.clock, moment.astimezone(UTC)
        timed.append(Timed(previous, item.text, item.line, note, item.headline))
    return timed


def format_update(published: datetime, text: str, zone: ZoneInfo, headline: str = "") -> str:
    local = published.astimezone(zone)
    clock = f"{local:%H:%M}" if local.second == 0 else f"{local:%H:%M:%S}"
    text = text.strip()
    if headline:
        escaped = headline.replace("\\", "\\\\").replace("*", "\\*")
        return f"**{clock}** **{escaped}**" + (f"\n{text}" if text else "")
    # A fence must start its own line; so must anything indented, and a
    # bold first line, which would be read back as a headline.
    first = text.split("\n", 1)[0]
    separator = "\n" if FENCE.match(first) or HEADLINE.fullmatch(first) else " "
    return f"**{clock}**{separator}{text}"


def with_photos(text: str, photos: list[tuple[str, str, str]]) -> str:
    """An update's text followed by its photos, (alt, url, caption) each, as
    Markdown images, one per line, after a blank line."""
    images = []
    for alt, url, caption in photos:
        # Collapsed to one line: a blank line would end the image's paragraph.
        alt = ALT_MARKUP.sub(r"\\\1", " ".join(alt.split()))
        caption = " ".join(caption.split())
        title = caption.replace("\\", "\\\\").replace('"', '\\"').replace("&", "\\&")
        images.append(f"![{alt}](<{url}>" + (f' "{title}")' if caption else ")"))
    return "\n\n".join(part for part in (text.strip(), "\n".join(images)) if part)


# (published, text, headline): an update as the form holds it.
Written = tuple[datetime, str, str]


def write(updates: list[Written], zone: ZoneInfo, preamble: str = "") -> str:
    """A transcript of updates in publishing order, after an optional preamble."""
    parts = [preamble.strip()] if preamble.strip() else []
    parts += [
        format_update(published, text, zone, headline) for published, text, headline in updates
    ]
    return "\n\n".join(parts) + "\n" if parts else ""


def differences(updates: list[Written], written: str, zone: ZoneInfo) -> list[str]:
    """Where importing `written` would not give back `updates`, one line each.

    The form has no dates, so updates more than a day apart (or out of
    order) come back on the wrong day; text with a line that looks like a
    marker comes back split.
    """
    if not updates:
        return []
    _preamble, items = parse(written)
    first_day = updates[0][0].astimezone(zone).date()
    timed = assign_times(items, first_day, zone)
    problems = []
    if len(timed) != len(updates):
        problems.append(
            ngettext(
                "%(count)s update is written but %(read)s would be read back: some text has a "
                "line that starts like a time marker, **HH:MM**, or an update's first line "
                "holds nothing but spaces.",
                "%(count)s updates are written but %(read)s would be read back: some text has a "
                "line that starts like a time marker, **HH:MM**, or an update's first line "
                "holds nothing but spaces.",
                len(updates),
            )
            % {"count": len(updates), "read": len(timed)}
        )
        return problems
    for (published, text, headline), read in zip(updates, timed, strict=True):
        if read.published != published.astimezone(UTC).replace(microsecond=0):
            local = published.astimezone(zone)
            problems.append(
                _("line %(line)s: the update of %(written)s would be read back as %(read)s.")
                % {
                    "line": read.line,
                    "written": f"{local:%Y-%m-%d %H:%M:%S %Z}",
                    "read": f"{read.published.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}",
                }
            )
        elif read.text != text.strip():
            problems.append(
                _("line %(line)s: the update's text would be read back changed.")
                % {"line": read.line}
            )
        elif read.headline != headline:
            problems.append(
                _("line %(line)s: the update's headline would be read back changed.")
                % {"line": read.line}
            )
    return problems
