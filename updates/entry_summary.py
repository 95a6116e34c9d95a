"""An entry's summary block, "What we know so far" (issue 22), as the page
and the poll send it: one partial (updates/_summary.html), rendered from the
entry's stored, sanitised summary HTML (updates/changes.py set_summary
writes it), so the reader script only replaces the block's contents.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string


def summary_block(html: str, updated: datetime | None, zone: ZoneInfo) -> str:
    """The contents of the page's `.entry-summary-content`, below the block's
    heading, or "" when the entry has no summary (the page hides the block)."""
    if not html:
        return ""
    # In the entry's zone, as the updates' times (the |timezone filter: the
    # time filter alone would show the server's).
    context = {"html": html, "updated": updated, "zone": zone}
    return render_to_string("updates/_summary.html", context).strip()
