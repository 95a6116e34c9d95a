from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from entries.models import Entry
from tests.checks import assert_shared
from tests.factories import make_entry

pytestmark = pytest.mark.django_db


def test_it_lists_live_entries_before_ended_ones_and_hides_drafts(client):
    make_entry(title="Last week's launch", status=Entry.Status.ENDED)
    make_entry(title="Today's keynote", status=Entry.Status.LIVE)
    make_entry(title="Secret draft", status=Entry.Status.DRAFT)

    page = client.get(reverse("entries:index")).content.decode()

    assert page.index("Today&#x27;s keynote") < page.index("Last week&#x27;s launch")
    assert "Secret draft" not in page


def test_ended_entries_are_listed_by_their_latest_coverage_first(client):
    now = timezone.now()
    for title, days_ago in [("Spring launch", 200), ("Autumn keynote", 30), ("Summer match", 90)]:
        entry = make_entry(title=title, status=Entry.Status.ENDED)
        Entry.objects.filter(pk=entry.pk).update(coverage_start=now - timedelta(days=days_ago))

    page = client.get(reverse("entries:index")).content.decode()

    positions = [page.index(title) for title in ("Autumn", "Summer", "Spring")]
    assert positions == sorted(positions)


def test_signed_in_staff_get_the_same_public_list(staff_client, client):
    make_entry(title="Secret draft", status=Entry.Status.DRAFT)

    staff = staff_client.get(reverse("entries:index"))

    assert "Secret draft" not in staff.content.decode()
    assert staff.content == client.get(reverse("entries:index")).content
    assert_shared(staff)


def test_the_list_is_public_and_sets_no_cookie(client):
    make_entry()

    response = client.get(reverse("entries:index"))

    assert_shared(response)


@pytest.mark.parametrize("entries", [5, 50])
def test_the_list_takes_one_query(client, django_assert_num_queries, entries):
    for _ in range(entries):
        make_entry()

    with django_assert_num_queries(1):
        client.get(reverse("entries:index"))


def test_browsers_asking_for_favicon_ico_are_sent_to_the_site_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/liveblog/favicon.svg"
