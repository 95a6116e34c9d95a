"""The author's tool: the Django admin, used under time pressure."""

import re
import time
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from entries.models import Entry
from tests.factories import NO_PHOTOS, make_entry, make_update
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db

ADD_UPDATE = reverse("admin:updates_liveupdate_add")


# The update form's photo inline, empty.
def test_the_entry_list_shows_status_update_count_last_update_and_a_post_link(staff_client):
    entry = make_entry(title="Keynote", status=Entry.Status.LIVE)
    make_update(entry, published=datetime(2026, 7, 1, 16, 0, tzinfo=UTC))
    make_update(entry, published=datetime(2026, 7, 1, 16, 5, tzinfo=UTC))
    make_update(entry, published=datetime(2026, 7, 1, 16, 40, tzinfo=UTC)).delete()
    make_entry(title="Quiet draft", status=Entry.Status.DRAFT)

    page = staff_client.get(reverse("admin:entries_entry_changelist")).content.decode()

    row = page[page.index(">Keynote<") :].split("</tr>")[0]
    assert '<td class="field-status">Live</td>' in row
    # The deleted update is neither counted nor the last one.
    assert '<td class="field-update_count">2</td>' in row
    last_update = re.search(r'<td class="field-last_update[^"]*">([^<]*)</td>', row).group(1)
    assert re.fullmatch(r"July 1, 2026, 4:05\W+p\.m\.", last_update), last_update
    desk = reverse("admin:entries_entry_desk", args=[entry.pk])
    assert f'href="{desk}"' in row and ">Post updates<" in row
    draft_row = page[page.index(">Quiet draft<") :].split("</tr>")[0]
    assert '<td class="field-update_count">0</td>' in draft_row


@pytest.mark.parametrize("entries", [3, 30])
def test_the_entry_list_takes_a_fixed_number_of_queries(
    staff_client, django_assert_num_queries, entries
):
    for _ in range(entries):
        make_update(make_entry())
    staff_client.get(reverse("admin:entries_entry_changelist"))  # warm the session

    with django_assert_num_queries(5):
        staff_client.get(reverse("admin:entries_entry_changelist"))


def test_the_entry_form_links_to_posting_updates_too(staff_client):
    entry = make_entry()

    page = staff_client.get(reverse("admin:entries_entry_change", args=[entry.pk])).content.decode()

    assert f'href="{reverse("admin:entries_entry_desk", args=[entry.pk])}"' in page


def test_the_post_link_opens_the_add_form_with_the_entry_filled_in(staff_client):
    entry = make_entry(title="Keynote")

    page = staff_client.get(f"{ADD_UPDATE}?entry={entry.pk}").content.decode()

    assert f'<option value="{entry.pk}" selected>Keynote</option>' in page
    assert 'name="content"' in page
    assert 'rows="14"' in page


def test_the_entry_field_is_an_autocomplete_not_a_select_of_every_entry(staff_client):
    for n in range(5):
        make_entry(title=f"Old entry {n}")

    page = staff_client.get(ADD_UPDATE).content.decode()

    assert "admin-autocomplete" in page
    assert "Old entry 3" not in page


def test_posting_sets_the_author_and_publishes_at_save_time(staff_client):
    entry = make_entry()

    form = staff_client.get(ADD_UPDATE).content.decode()
    opened = timezone.now().replace(microsecond=0)
    time.sleep(1.1)  # the author types for a while after opening the form
    staff_client.post(
        ADD_UPDATE, {"entry": entry.pk, "content": "Kick-off!", "_save": "Save", **NO_PHOTOS}
    )
    saved = timezone.now()

    update = LiveUpdate.objects.get()
    assert 'name="published_0"' not in form
    assert update.author == staff_client.user
    assert opened < update.published <= saved
    assert update.published.microsecond == 0
    assert update.html == "<p>Kick-off!</p>"
    assert update.revision == 1


def test_save_and_add_another_returns_a_blank_form_for_the_same_entry(staff_client):
    entry = make_entry()

    response = staff_client.post(
        ADD_UPDATE,
        {"entry": entry.pk, "content": "One", "_addanother": "1", **NO_PHOTOS},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"{ADD_UPDATE}?entry={entry.pk}"
    page = response.content.decode()
    assert f'<option value="{entry.pk}" selected>' in page
    assert ">One</textarea>" not in page
    assert "was added successfully" in page


def test_an_empty_update_is_refused_with_a_message(staff_client):
    entry = make_entry()

    response = staff_client.post(ADD_UPDATE, {"entry": entry.pk, "content": "", **NO_PHOTOS})

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert LiveUpdate.objects.count() == 0
    assert Entry.objects.get(pk=entry.pk).revision == 0


def test_editing_an_update_in_the_admin_takes_the_next_revision(staff_client):
    entry = make_entry()
    update = make_update(entry, "Tpyo")

    staff_client.post(
        reverse("admin:updates_liveupdate_change", args=[update.pk]),
        {
            "content": "Typo fixed",
            "published_0": update.published.strftime("%Y-%m-%d"),
            "published_1": update.published.strftime("%H:%M:%S"),
            **NO_PHOTOS,
        },
    )

    update.refresh_from_db()
    assert (update.content, update.revision) == ("Typo fixed", 2)


def test_view_on_site_opens_the_update_at_its_place_on_the_entry_page(staff_client):
    entry = make_entry(slug="keynote")
    update = make_update(entry)

    page = staff_client.get(reverse("admin:updates_liveupdate_change", args=[update.pk]))
    link = re.search(r'<a href="([^"]+)" class="viewsitelink">', page.content.decode())[1]
    opened = staff_client.get(link)

    assert opened.status_code == 302
    assert opened["Location"].endswith(f"/entries/keynote/?update={update.pk}#update-{update.pk}")


def test_an_updates_entry_cannot_be_changed_once_posted(staff_client):
    entry, other = make_entry(), make_entry()
    update = make_update(entry, "Posted to the first entry")
    url = reverse("admin:updates_liveupdate_change", args=[update.pk])

    form = staff_client.get(url).content.decode()
    staff_client.post(
        url,
        {
            "entry": other.pk,
            "content": "Still here",
            "published_0": update.published.strftime("%Y-%m-%d"),
            "published_1": update.published.strftime("%H:%M:%S"),
            **NO_PHOTOS,
        },
    )

    update.refresh_from_db()
    assert 'name="entry"' not in form
    assert (update.entry, update.content) == (entry, "Still here")


def test_the_add_form_has_no_published_field_but_the_change_form_does(staff_client):
    update = make_update(make_entry())

    add_form = staff_client.get(ADD_UPDATE).content.decode()
    change_form = staff_client.get(
        reverse("admin:updates_liveupdate_change", args=[update.pk])
    ).content.decode()

    assert 'name="published_0"' not in add_form
    assert 'name="published_0"' in change_form


def test_the_update_list_is_newest_first_and_hides_deleted_updates(staff_client):
    entry = make_entry()
    make_update(entry, "Older")
    make_update(entry, "Newer")
    make_update(entry, "Removed").delete()

    page = staff_client.get(reverse("admin:updates_liveupdate_changelist")).content.decode()

    assert page.index("Newer") < page.index("Older")
    assert "Removed" not in page


def test_the_update_list_can_be_searched_and_filtered_by_entry(staff_client):
    first, second = make_entry(), make_entry()
    make_update(first, "Penalty saved")
    make_update(second, "Corner kick")
    url = reverse("admin:updates_liveupdate_changelist")

    searched = staff_client.get(url, {"q": "penalty"}).content.decode()
    filtered = staff_client.get(url, {"entry__id__exact": second.pk}).content.decode()

    assert "Penalty saved" in searched and "Corner kick" not in searched
    assert "Corner kick" in filtered and "Penalty saved" not in filtered


def test_going_live_and_ending_are_one_action_each(staff_client):
    entry = make_entry(status=Entry.Status.DRAFT)
    url = reverse("admin:entries_entry_changelist")

    staff_client.post(url, {"action": "go_live", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert entry.status == Entry.Status.LIVE
    assert entry.coverage_start is not None

    staff_client.post(url, {"action": "end_coverage", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert entry.status == Entry.Status.ENDED
    assert entry.coverage_end >= entry.coverage_start


def test_reopening_an_ended_entry_says_when_open_pages_show_it(staff_client):
    entry = make_entry(status=Entry.Status.ENDED)

    response = staff_client.post(
        reverse("admin:entries_entry_changelist"),
        {"action": "go_live", "_selected_action": [entry.pk]},
        follow=True,
    )

    assert "show it live again within about a minute" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Entry.Status.LIVE


def test_reopening_an_ended_entry_clears_its_end_and_keeps_its_start(staff_client):
    entry = make_entry(status=Entry.Status.DRAFT)
    entry.go_live()
    started = entry.coverage_start
    entry.end()
    assert entry.coverage_end is not None

    staff_client.post(
        reverse("admin:entries_entry_changelist"),
        {"action": "go_live", "_selected_action": [entry.pk]},
    )

    entry.refresh_from_db()
    assert entry.coverage_end is None
    assert entry.coverage_start == started


def test_an_unknown_time_zone_is_refused(staff_client):
    response = staff_client.post(
        reverse("admin:entries_entry_add"),
        {"title": "T", "slug": "t", "status": "draft", "timezone": "Mars/Olympus", "intro": ""},
    )

    assert response.status_code == 200
    assert "Mars/Olympus is not an IANA time zone name" in response.content.decode()
    assert not Entry.objects.exists()
