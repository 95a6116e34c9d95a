"""The entry a page or a poll reads, remembered for at most a second.

The poll at the current revision is the hottest request the origin serves
(docs/api.md): without a CDN, or while one starts cold, every open page asks
every few seconds. Most answers only need the entry's (id, status, revision,
time zone): `entry_state`. An entry page at 200 updates is assembled from
stored fragments that each worker keeps by revision (updates/paging.py);
what is left per request is reading the entry itself, about a fifth of the
page's cost: `entry`. So each worker keeps the last one it read per slug
for LIVEBLOG_POLL_MEMO_SECONDS (1 s; 0 turns the memos off), and answers
up-to-date polls and pages without touching the database.

Why a poll can never send a change twice or lose one: an answer built from
a remembered state at revision R is exactly the answer the origin gave when
it read the entry at R, which was already allowed to be read a moment
before the rows (updates/changes.py: rows above R are left for the next
poll, which asks from R). A reader that has already seen a later revision
(`since` above R, from another worker or a fresher cache) is never answered
from the memo: the entry is read again. A page at an older revision is
completed by the reader script's first poll, as a cached page is.

What it costs: a commit, or a change to the entry (its title, its status),
shows in the origin's answers at most LIVEBLOG_POLL_MEMO_SECONDS after it
(the age is counted from before the read): an entry turned back into a
draft may still be polled and shown for that long. So the CDN purger
(liveblog/purge.py) purges each change again once that time has passed: a
CDN miss just after the first purge may have stored an answer from a state
read before the commit. Readers never change what is remembered: templates
only read it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from entries.models import Entry, Lifecycle
from liveblog.memo import Timed

# Enough for every entry being read at once; made-up slugs are never
# remembered (only entries that exist are; drafts too, for their tagged 404).
MAX_REMEMBERED = 1000


def lifetime() -> float:
    return settings.LIVEBLOG_POLL_MEMO_SECONDS


@dataclass(frozen=True)
class EntryState(Lifecycle):
    """What the poll needs of an entry."""

    pk: int
    slug: str
    status: str
    revision: int
    timezone: str
    language: str
    # The summary ("What we know so far") and the revision of its last
    # change: read with the rest, so that a poll carrying it costs no query.
    # Bounded by its length limit (updates/changes.py SUMMARY_MAX_CHARS).
    summary_html: str
    summary_updated: datetime | None
    summary_revision: int
    # The entry page's path: reversing a URL on every poll costs about as
    # much as the rest of an up-to-date answer.
    url: str


_entries: Timed[Entry] = Timed(lifetime, MAX_REMEMBERED)
_states: Timed[EntryState] = Timed(lifetime, MAX_REMEMBERED)


def entry(slug: str) -> Entry | None:
    """The entry with this slug, published or not; None if there is none."""
    return _entries.get(slug, lambda: Entry.objects.filter(slug=slug).first())


def entry_state(slug: str, at_least: int | None = None) -> EntryState | None:
    """The entry's state, remembered if younger than the memo's lifetime and
    at least at revision `at_least`; None if there is no such entry."""
    return _states.get(
        slug,
        lambda: read_state(slug),
        lambda state: at_least is None or state.revision >= at_least,
    )


def read_state(slug: str) -> EntryState | None:
    return _state_of(Entry.objects.filter(slug=slug))


def read_state_by_id(entry_id: int) -> EntryState | None:
    """The entry's state as it is now, never remembered (for pushed events)."""
    return _state_of(Entry.objects.filter(pk=entry_id))


def _state_of(entries) -> EntryState | None:
    row = entries.values_list(
        "pk", "slug", "status", "revision", "timezone", "language",
        "summary_html", "summary_updated", "summary_revision",
    ).first()  # fmt: skip
    if row is None:
        return None
    return EntryState(*row, url=reverse("entries:detail", kwargs={"slug": row[1]}))
