"""Headers every response carries, and what no response a CDN may share carries."""

import logging

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from liveblog.middleware import DatabaseUnavailableMiddleware, ResponseHeadersMiddleware
from tests.checks import assert_shared

pytestmark = pytest.mark.django_db

# What CsrfViewMiddleware replaces on any page: not a token of the right length.
MALFORMED_CSRF_COOKIE = "csrftoken=short"


def test_a_malformed_csrf_cookie_gets_no_cookie_back_on_a_shared_response(client, public_urls):
    shared = ["entries:index", "entries:detail", "updates:poll", "updates:feed"]
    for url in [url for name in shared for url in public_urls[name]]:
        response = client.get(url, HTTP_COOKIE=f"{MALFORMED_CSRF_COOKIE}; sessionid=stale")

        assert_shared(response, url)


def test_the_admin_still_gets_its_csrf_cookie(client):
    response = client.get(reverse("admin:login"), HTTP_COOKIE=MALFORMED_CSRF_COOKIE)

    assert "csrftoken" in response.cookies
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "url", ["/", "/entries/no-such-entry/", "/healthz", "/admin/login/", "/favicon.ico"]
)
def test_every_response_says_nosniff_and_sets_referrer_and_permissions_policies(client, url):
    response = client.get(url)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_outage_log_line_keeps_the_path_encoded(caplog):
    request = RequestFactory().get("/entries/x%0AINFO%20forged%20line/")
    middleware = DatabaseUnavailableMiddleware(lambda request: None)

    with caplog.at_level(logging.WARNING, logger="liveblog.middleware"):
        middleware.process_exception(request, OperationalError("gone"))

    (message,) = [record.getMessage() for record in caplog.records]
    assert "\n" not in message
    assert "/entries/x%0AINFO%20forged%20line/" in message


@pytest.mark.parametrize(
    ("vary", "left"),
    [
        ("Cookie, Accept-Encoding", "Accept-Encoding"),
        ("Accept-Language, cookie", "Accept-Language"),
        ("Cookie", None),
        (None, None),
    ],
)
def test_a_shared_response_loses_cookies_and_vary_cookie_but_keeps_other_vary_fields(vary, left):
    def view(request):
        response = HttpResponse("Shared")
        response["Cache-Control"] = "public, max-age=0, s-maxage=10"
        if vary is not None:
            response["Vary"] = vary
        response.set_cookie("csrftoken", "fresh")
        return response

    response = ResponseHeadersMiddleware(view)(RequestFactory().get("/"))

    assert response.get("Vary") == left
    assert not response.cookies


def test_a_private_response_keeps_its_cookies_and_vary():
    def view(request):
        response = HttpResponse("Mine")
        response["Cache-Control"] = "private, no-store"
        response["Vary"] = "Cookie"
        response.set_cookie("sessionid", "abc")
        return response

    response = ResponseHeadersMiddleware(view)(RequestFactory().get("/"))

    assert response["Vary"] == "Cookie"
    assert "sessionid" in response.cookies
