"""What readers and the desk may ask for in a query string: `since`, `before`, `update`.

- `since=<revision>`: the changes after an entry revision (the poll, the
  desk's stream); a whole number from 0 that a PostgreSQL bigint holds.
- `before=<published unix seconds>-<update id>`: a page of older updates,
  those before a cursor (the page, the poll; updates/paging.py). Published
  times are whole seconds, so a cursor names one place in the (published,
  id) order for good.
- `update=<id>`: an update's permalink, the entry page that holds it
  (updates/pages.py); a whole number from 1 that a PostgreSQL bigint holds.

Each may be given once; anything else is a BadParameter, whose message the
views send with a 400.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.translation import gettext as _

from updates.fragments import order_of

CURSOR = re.compile(r"[0-9]{1,12}-[0-9]{1,19}")
# The largest value a PostgreSQL bigint (ids, revisions) holds.
MAX_BIGINT = 2**63 - 1


class BadParameter(ValueError):
    """A query parameter that is malformed or given twice; the message says which."""


@dataclass(frozen=True)
class Cursor:
    published: datetime
    id: int

    def __str__(self) -> str:
        return f"{int(self.published.timestamp())}-{self.id}"

    @classmethod
    def after(cls, row: dict | str) -> "Cursor":
        if isinstance(row, dict):
            return cls(row["published"], row["id"])
        # The page reads fragments only (turning 200 rows into dicts with
        # datetimes costs more than the rest of the query); a fragment names
        # its update and its published time (updates/fragments.py).
        return cls(*order_of(row))


def parse_since(query) -> int | None:
    """The `since` revision from the query string, None when absent."""
    values = query.getlist("since")
    if not values:
        return None
    if len(values) > 1:
        raise BadParameter(_("The 'since' parameter must be given at most once."))
    value = values[0]
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) > MAX_BIGINT:
        raise BadParameter(_("The 'since' parameter must be a revision: a whole number from 0."))
    return int(value)


def parse_update(query) -> int | None:
    """The `update` id of a permalink from the query string, None when absent."""
    values = query.getlist("update")
    if not values:
        return None
    value = values[0]
    if (
        len(values) > 1
        or not (value.isascii() and value.isdigit())
        or len(value) > 19
        or not 0 < int(value) <= MAX_BIGINT
    ):
        raise BadParameter(_("The 'update' parameter must be an update's number, given once."))
    return int(value)


def parse_before(query) -> Cursor | None:
    """The `before` cursor from the query string, None when absent."""
    values = query.getlist("before")
    if not values:
        return None
    message = _("The 'before' parameter must be a cursor <published unix seconds>-<update id>.")
    if len(values) > 1 or not CURSOR.fullmatch(values[0]):
        raise BadParameter(message)
    seconds, update_id = (int(part) for part in values[0].split("-"))
    try:
        published = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise BadParameter(message) from error
    if update_id > MAX_BIGINT:
        raise BadParameter(message)
    return Cursor(published, update_id)
