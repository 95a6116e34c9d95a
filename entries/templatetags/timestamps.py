"""Machine-readable times for `<time datetime>`.

HTML allows at most three fractional digits of a second, and Django's `c`
date format writes Python's six; readers only ever see minutes anyway.
"""

from datetime import datetime

from django import template

register = template.Library()


@register.filter
def iso_seconds(value: datetime | None) -> str:
    """The moment as ISO 8601 to the second, in the zone it carries."""
    return value.isoformat(timespec="seconds") if value else ""
