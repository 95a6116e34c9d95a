"""Cache and security headers on every response, as a CDN and a browser see them."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from entries.models import Entry
from liveblog import purge
from tests.checks import assert_sets_no_cookie
from tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str | None]:
    parts = (p.strip() for p in response.get("Cache-Control", "").split(","))
    return {k: v for k, _, v in (p.partition("=") for p in parts if p)}


def test_no_public_response_sets_a_cookie_or_varies_on_cookie(client, public_urls):
    # What a returning admin's browser sends: it must change nothing.
    client.cookies["sessionid"] = "expired-session-key-0123456789"
    client.cookies["csrftoken"] = "t" * 32
    urls = [url for group in public_urls.values() for url in group] + [
        "/static/liveblog/live.js",
        "/static/liveblog/embeds.js",
        "/entries/no-such-entry/",
        "/entries/no-such-entry/updates.json",
        public_urls["updates:poll"][0] + "?since=abc",
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        assert_sets_no_cookie(response, url)


@pytest.mark.parametrize("url_name", ["page", "poll", "index"])
def test_live_pages_and_polls_are_shared_for_ten_seconds_but_revalidated_by_browsers(
    client, url_name
):
    entry = make_entry()
    url = {"page": entry.get_absolute_url(), "poll": entry.poll_url(), "index": "/"}[url_name]

    cache = directives(client.get(url))

    assert cache == {
        "public": "",
        "max-age": "0",
        "s-maxage": "10",
        "stale-while-revalidate": "5",
        "stale-if-error": "3600",
    }


@pytest.mark.parametrize("url_name", ["page", "poll", "older page", "index"])
def test_reader_responses_name_what_they_depend_on_in_every_cdns_tag_header(client, url_name):
    entry = make_entry()
    make_update(entry)
    url = {
        "page": entry.get_absolute_url(),
        "poll": entry.poll_url() + "?since=0",
        "older page": entry.poll_url() + "?before=9999999999-1",
        "index": "/",
    }[url_name]
    tag = "index" if url_name == "index" else f"entry-{entry.pk}"

    response = client.get(url)

    assert response.status_code == 200
    assert response["Surrogate-Key"] == response["xkey"] == response["Cache-Tag"] == tag


@pytest.mark.parametrize("url_name", ["entries:detail", "updates:poll", "updates:feed"])
def test_a_drafts_404_and_an_unknown_slugs_404_carry_the_same_kind_of_tag_and_no_entry_id(
    client, url_name
):
    draft = make_entry(status=Entry.Status.DRAFT, slug="embargoed-launch")

    of_a_draft = client.get(reverse(url_name, kwargs={"slug": draft.slug}))
    of_no_entry = client.get(reverse(url_name, kwargs={"slug": "not-written-yet"}))

    assert of_a_draft.status_code == of_no_entry.status_code == 404
    # A CDN keeps 404s a few seconds: the slug's tag is purged when an entry
    # appears under it (liveblog/purge.py). Where a CDN passes the headers
    # on, they must not tell a draft's slug from a made-up one.
    for response, slug in ((of_a_draft, draft.slug), (of_no_entry, "not-written-yet")):
        tags = {response["Surrogate-Key"], response["xkey"], response["Cache-Tag"]}
        assert tags == {purge.slug_tag(slug)}
        assert re.fullmatch(r"slug-[0-9a-f]{16}", purge.slug_tag(slug))
        assert directives(response) == {"no-store": ""}
    assert of_a_draft.content.replace(b"embargoed-launch", b"") == of_no_entry.content.replace(
        b"not-written-yet", b""
    )


def test_every_error_says_no_store_django_s_own_pages_too(client):
    entry = make_entry()
    errors = {
        "bad since": (400, client.get(entry.poll_url() + "?since=x")),
        "bad cursor on the page": (400, client.get(entry.get_absolute_url() + "?before=x")),
        "unknown host": (400, client.get("/", headers={"Host": "elsewhere.example"})),
        "unknown address": (404, client.get("/no/such/page")),
        "unknown entry": (404, client.get("/entries/no-such-entry/")),
        "POST to the page": (405, client.post(entry.get_absolute_url())),
        "DELETE to the poll": (405, client.delete(entry.poll_url())),
        "admin form without CSRF token": (
            403,
            Client(enforce_csrf_checks=True).post(reverse("admin:login"), {"username": "x"}),
        ),
    }

    for name, (status, response) in errors.items():
        assert response.status_code == status, name
        assert "no-store" in directives(response), name
        assert "public" not in directives(response), name


def test_an_ended_entry_is_cached_for_an_hour_by_the_cdn_but_revalidated_by_browsers(client):
    entry = make_entry(status=Entry.Status.ENDED)
    make_update(entry)

    for url in (
        entry.poll_url(),
        entry.poll_url() + "?since=0",
        entry.poll_url() + f"?before={2**33}-1",
        entry.get_absolute_url(),
        reverse("updates:feed", kwargs={"slug": entry.slug}),
    ):
        found = directives(client.get(url))
        assert (found["max-age"], found["s-maxage"]) == ("0", "3600"), url


@pytest.mark.parametrize("kind", ["page", "poll"])
def test_a_client_with_the_current_etag_gets_304_without_a_body(client, kind):
    entry = make_entry()
    make_update(entry)
    url = entry.get_absolute_url() if kind == "page" else entry.poll_url() + "?since=0"
    first = client.get(url)

    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    make_update(entry)
    changed = client.get(url, headers={"If-None-Match": first["ETag"]})

    assert first["ETag"]
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert directives(again)["s-maxage"] == "10"
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_the_admin_is_never_cacheable(staff_client):
    login = Client().get(reverse("admin:login"))
    index = staff_client.get(reverse("admin:index"))
    change_list = staff_client.get(reverse("admin:updates_liveupdate_changelist"))

    for response in (login, index, change_list):
        assert response.status_code == 200
        assert {"private", "no-store"} <= set(directives(response))
        assert "public" not in directives(response)


def test_the_health_endpoint_checks_the_database_and_is_never_cached(
    client, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = client.get(reverse("healthz"))

    assert response.json() == {"status": "ok"}
    assert "no-store" in directives(response)


def test_the_health_endpoint_answers_probes_by_ip_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["live.example.com"]

    response = client.get(reverse("healthz"), headers={"Host": "10.0.0.7:8000"})

    assert response.status_code == 200
    assert client.get("/", headers={"Host": "10.0.0.7:8000"}).status_code == 400


def test_every_page_has_a_strict_content_security_policy_and_security_headers(client):
    entry = make_entry()

    for response in (
        client.get("/"),
        client.get(entry.get_absolute_url()),
        client.get("/entries/missing/"),
        client.get(reverse("admin:login")),
    ):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
