"""The reader script (static/liveblog/live.js) in real Chromium: new, edited
and deleted updates reach an open page without a reload.

Each test opens an entry page served by pytest-django's live server, changes
the entry on the server, and checks what a reader sees. Debian's Chromium
is required: .ci/run installs it; locally these tests skip without it.
"""

import pytest

from tests.factories import make_entry, make_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_update_appears_and_edits_and_deletions_follow_without_reload(reader):
    entry = make_entry(title="Keynote")
    first = make_update(entry, "Doors open")
    page = reader.open(entry)
    page.evaluate("window.notReloaded = true")

    added = make_update(entry, "The keynote **starts**")
    page.locator(f"#update-{added.pk} strong", has_text="starts").wait_for()
    first.content = "Doors open at 9"
    first.save()
    page.locator(f"#update-{first.pk}", has_text="Doors open at 9").wait_for()
    added.delete()
    page.locator(f"#update-{added.pk}").wait_for(state="detached")

    assert page.evaluate("window.notReloaded") is True
    assert reader.update_ids() == [first.pk]
    assert reader.errors == []
