import pytest
from django.urls import reverse

from entries.models import Entry
from tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db


def preview_url(entry) -> str:
    return reverse("entry_preview", kwargs={"slug": entry.slug})


def test_previews_live_under_the_admins_url_prefix():
    entry = make_entry(slug="launch")

    assert preview_url(entry) == "/admin/preview/entries/launch/"


def test_staff_can_preview_a_draft_privately(staff_client):
    entry = make_entry(status=Entry.Status.DRAFT, title="Embargoed launch")
    make_update(entry, "Not yet")

    response = staff_client.get(preview_url(entry))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Embargoed launch" in page and "Not yet" in page
    assert "Draft: only staff can see this" in page
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_preview_does_not_poll_the_public_endpoint_which_404s_drafts(staff_client):
    entry = make_entry(status=Entry.Status.DRAFT)

    page = staff_client.get(preview_url(entry)).content.decode()

    assert 'data-poll-url=""' in page


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    entry = make_entry(status=Entry.Status.DRAFT, title="Embargoed launch")

    response = client.get(preview_url(entry))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admins_view_on_site_link_opens_the_preview(staff_client):
    entry = make_entry(status=Entry.Status.DRAFT)

    page = staff_client.get(reverse("admin:entries_entry_change", args=[entry.pk])).content
    assert preview_url(entry).encode() in page
