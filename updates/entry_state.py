"""What the poll needs to know about an entry, remembered for at most a second.

The poll at the current revision is the hottest request the origin serves
(docs/api.md): without a CDN, or while one starts cold, every open page asks
every few seconds. Most answers only need the entry's (id, status, revision,
time zone), so each worker process keeps the last one it read per slug for
LIVEBLOG_POLL_MEMO_SECONDS (1 s; 0 turns the memo off) and answers
up-to-date polls without touching the database.

Why it can never send a change twice or lose one: an answer built from a
remembered state at revision R is exactly the answer the origin gave when
it read the entry at R, which was already allowed to be read a moment
before the rows (updates/changes.py: rows above R are left for the next
poll, which asks from R). A reader that has already seen a later revision
(`since` above R, from another worker or a fresher cache) is never answered
from the memo: the entry is read again.

What it costs: a commit shows in the origin's answers at most
LIVEBLOG_POLL_MEMO_SECONDS after it (the age is counted from before the
read), and so does a change of status: an entry turned back into a draft
may still be polled for that long (and its page shown: entries/remembered.py
keeps the page's entry by the same rule). So the CDN
purger (liveblog/purge.py) purges each change again once that time has
passed: a CDN miss just after the first purge may have stored an answer
from a state read before the commit.
"""

import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from entries.models import Entry

# Enough for every entry being polled at once; a flood of made-up slugs is
# never remembered (only entries that exist are).
MAX_REMEMBERED = 1000

_memo: dict[str, tuple[float, "EntryState"]] = {}


@dataclass(frozen=True)
class EntryState:
    pk: int
    slug: str
    status: str
    revision: int
    timezone: str
    # The entry page's path: reversing a URL on every poll costs about as
    # much as the rest of an up-to-date answer.
    url: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo keeps its own cache

    @property
    def is_published(self) -> bool:
        return self.status != Entry.Status.DRAFT

    @property
    def has_ended(self) -> bool:
        return self.status == Entry.Status.ENDED


def entry_state(slug: str, at_least: int | None = None) -> EntryState | None:
    """The entry's state, remembered if younger than the memo's lifetime and
    at least at revision `at_least`; None if there is no such entry."""
    lifetime = settings.LIVEBLOG_POLL_MEMO_SECONDS
    now = time.monotonic()
    remembered = _memo.get(slug)
    if remembered is not None:
        read_at, state = remembered
        if now - read_at < lifetime and (at_least is None or state.revision >= at_least):
            return state
    row = (
        Entry.objects.filter(slug=slug)
        .values_list("pk", "slug", "status", "revision", "timezone")
        .first()
    )
    if row is None:
        _memo.pop(slug, None)
        return None
    state = EntryState(*row, url=reverse("entries:detail", kwargs={"slug": row[1]}))
    if lifetime > 0:
        if len(_memo) >= MAX_REMEMBERED:
            _memo.clear()
        _memo[slug] = (now, state)
    return state


def forget_all() -> None:
    """For tests."""
    _memo.clear()
