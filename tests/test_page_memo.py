"""A reader's page rendered once per URL and remembered entry (updates/pages.py):
what a page served again costs, and that readers cannot tell it from a
fresh render (issue 25)."""

from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse

import liveblog.middleware
from entries.models import Entry
from liveblog import memo
from tests.factories import make_entry, make_update
from updates import pages

pytestmark = pytest.mark.django_db


def page(client, entry, **params):
    return client.get(reverse("entries:detail", kwargs={"slug": entry.slug}), params)


def fresh(client, entry, **params):
    """The page as a process that remembers nothing renders it."""
    memo.forget_all()
    with override_settings(LIVEBLOG_POLL_MEMO_SECONDS=0):
        return page(client, entry, **params)


def test_a_page_served_again_within_the_second_is_not_rendered_again(
    client, clock, django_assert_num_queries
):
    entry = make_entry()
    make_update(entry, "Kick-off")
    first = page(client, entry)

    with django_assert_num_queries(0):
        again = page(client, entry)

    assert "entries/detail.html" in [template.name for template in first.templates]
    assert again.templates == []
    assert again.content == first.content


def test_a_remembered_page_is_not_hashed_again_for_its_etag(client, clock):
    entry = make_entry()
    make_update(entry)
    etag = page(client, entry)["ETag"]

    with mock.patch.object(
        liveblog.middleware, "set_response_etag", wraps=liveblog.middleware.set_response_etag
    ) as hashing:
        again = page(client, entry)

    assert again["ETag"] == etag
    hashing.assert_not_called()


def test_a_remembered_page_has_the_bytes_and_headers_of_a_fresh_render(client, clock):
    entry = make_entry()
    for n in range(3):
        make_update(entry, f"Update {n}", key_event=n == 1)
    page(client, entry)

    remembered = page(client, entry)
    rendered = fresh(client, entry)

    assert remembered.templates == []
    assert remembered.status_code == rendered.status_code == 200
    assert remembered.content == rendered.content
    assert list(remembered.items()) == list(rendered.items())
    assert remembered["ETag"] and "Set-Cookie" not in remembered


def test_a_remembered_page_answers_a_revalidation_with_304(client, clock):
    entry = make_entry()
    make_update(entry)
    etag = page(client, entry)["ETag"]

    response = client.get(entry.get_absolute_url(), headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""


def test_each_query_is_remembered_as_its_own_page(client, clock, settings):
    settings.LIVEBLOG_PAGE_SIZE = 2
    entry = make_entry()
    updates = [make_update(entry, f"Update {n}") for n in range(5)]
    oldest = updates[0]
    urls = [{}, {"update": oldest.pk}, {"update": 999_999}, {"utm_source": "feed"}]
    first = {str(params): page(client, entry, **params).content for params in urls}

    again = {str(params): page(client, entry, **params) for params in urls}
    rendered = {str(params): fresh(client, entry, **params).content for params in urls}

    assert all(response.templates == [] for response in again.values())
    assert {url: response.content for url, response in again.items()} == first == rendered
    assert f'id="update-{oldest.pk}"'.encode() in first[str({"update": oldest.pk})]
    assert f'id="update-{oldest.pk}"'.encode() not in first[str({})]


def test_an_older_page_is_remembered_with_its_own_canonical_link(client, clock, settings):
    settings.LIVEBLOG_PAGE_SIZE = 2
    entry = make_entry()
    for n in range(5):
        make_update(entry, f"Update {n}")
    earlier = page(client, entry).content.decode().split('data-before="')[1].split('"')[0]

    plain = page(client, entry, before=earlier).content.decode()
    tracked = page(client, entry, before=earlier, utm_source="feed").content.decode()

    assert (
        f'rel="canonical" href="http://testserver/entries/{entry.slug}/?before={earlier}"' in plain
    )
    assert "utm_source=feed" in tracked and "utm_source" not in plain


@override_settings(SITE_URL="", ALLOWED_HOSTS=["one.example", "two.example"])
def test_without_site_url_each_host_gets_its_own_page(client, clock):
    entry = make_entry()
    make_update(entry)

    one = client.get(entry.get_absolute_url(), headers={"Host": "one.example"}).content
    two = client.get(entry.get_absolute_url(), headers={"Host": "two.example"}).content

    assert b"http://one.example/" in one and b"two.example" not in one
    assert b"http://two.example/" in two and b"one.example" not in two


def test_a_page_is_never_served_past_the_entry_it_was_rendered_from(client, clock, settings):
    # The permalink's page is rendered at 0.9 s from the entry read at 0:
    # once that entry is read again, the page must be rendered again, even
    # though the page itself is younger than a second.
    settings.LIVEBLOG_PAGE_SIZE = 2
    entry = make_entry(title="Cup final")
    update = make_update(entry)
    page(client, entry)
    clock.now += 0.9
    page(client, entry, update=update.pk)
    Entry.objects.filter(pk=entry.pk).update(title="Cup final: extra time")

    clock.now += 0.2
    page(client, entry)  # the entry read again
    after = page(client, entry, update=update.pk).content.decode()

    assert "Cup final: extra time" in after


def test_a_bad_query_is_still_refused_and_never_remembered(client, clock):
    entry = make_entry()

    for _ in range(2):
        response = page(client, entry, before="yesterday")
        assert response.status_code == 400
        assert "no-store" in response["Cache-Control"]

    assert len(pages._rendered) == 0


def test_staff_previews_are_rendered_every_time_and_kept_private(staff_client, clock):
    entry = make_entry(status=Entry.Status.DRAFT)
    preview = reverse("entry_preview", kwargs={"slug": entry.slug})
    staff_client.get(preview)

    again = staff_client.get(preview)

    assert "entries/detail.html" in [template.name for template in again.templates]
    assert "private" in again["Cache-Control"] and "no-store" in again["Cache-Control"]
    assert "ETag" not in again
    assert len(pages._rendered) == 0


def test_a_worker_keeps_a_bounded_number_of_pages(client, clock):
    entry = make_entry()
    make_update(entry)

    for n in range(pages.MAX_RENDERED + 5):
        page(client, entry, utm_source=n)

    assert 0 < len(pages._rendered) <= pages.MAX_RENDERED
