"""The entry a page shows, remembered for at most a second.

An entry page at 200 updates is assembled from stored fragments that each
worker keeps by revision (updates/paging.py); what is left per request is
reading the entry itself, about a fifth of the page's cost. So, like the
poll's entry state (updates/entry_state.py, which says why that is safe),
each worker keeps the entry it last read per slug for
LIVEBLOG_POLL_MEMO_SECONDS (1 s; 0 turns it off).

What it costs: a change to the entry (its title, its status, a new
revision) shows in the origin's pages at most that much later, and the CDN
purger purges each change again once that time has passed (liveblog/purge.py);
a page at an older revision is completed by the reader script's first poll,
as a cached page is. Readers never change the instance: templates only read it.
"""

import time

from django.conf import settings

from entries.models import Entry

# Enough for every entry being read at once; made-up slugs are never
# remembered (only entries that exist are; drafts too, for their tagged 404).
MAX_REMEMBERED = 1000

_memo: dict[str, tuple[float, Entry]] = {}


def entry(slug: str) -> Entry | None:
    """The entry with this slug, published or not; None if there is none."""
    lifetime = settings.LIVEBLOG_POLL_MEMO_SECONDS
    now = time.monotonic()
    remembered = _memo.get(slug)
    if remembered is not None and now - remembered[0] < lifetime:
        return remembered[1]
    found = Entry.objects.filter(slug=slug).first()
    if found is None:
        _memo.pop(slug, None)
        return None
    if lifetime > 0:
        if len(_memo) >= MAX_REMEMBERED:
            _memo.clear()
        _memo[slug] = (now, found)
    return found


def forget_all() -> None:
    """For tests."""
    _memo.clear()
