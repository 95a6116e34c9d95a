"""What a reader's request pays for: only what a public answer uses (issue 25).

Sessions, sign-in and messages run under ADMIN_URL only; the CSP header is
built once per process; the ETag is compared only when the request asks.
Timings are `make bench`'s; these pin the work itself.
"""

from unittest import mock

import csp.middleware
import django.middleware.http
import pytest
from csp.constants import NONCE, SELF
from csp.decorators import csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as StockCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import include, path, reverse

import liveblog.middleware
import liveblog.urls
from tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db


def reads_the_user(request):
    return HttpResponse(f"Hello {request.user}")


@csp_update({"img-src": "data:"})
def allows_data_images(request):
    return HttpResponse("An inline image")


def uses_a_nonce(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


# For the tests marked `urls` below: the project's routes and three views of
# the kind no public view may (or does yet) be.
urlpatterns = [
    path("reads-the-user", reads_the_user),
    path("allows-data-images", allows_data_images),
    path("uses-a-nonce", uses_a_nonce),
    path("", include(liveblog.urls)),
]


@pytest.fixture
def entry():
    entry = make_entry(slug="keynote")
    make_update(entry)
    return entry


def public_urls(entry) -> list[str]:
    return [
        "/",
        entry.get_absolute_url(),
        entry.poll_url() + f"?since={entry.revision}",
        reverse("updates:feed", kwargs={"slug": entry.slug}),
        "/entries/no-such-entry/",
    ]


def test_a_public_request_never_touches_the_session_sign_in_or_messages(client, entry):
    for url in public_urls(entry):
        request = client.get(url, HTTP_COOKIE="sessionid=stale; messages=old").wsgi_request

        assert not hasattr(request, "session"), url
        assert not hasattr(request, "user"), url
        assert not hasattr(request, "_messages"), url


def test_the_admin_still_has_its_session_sign_in_and_messages(admin_client):
    request = admin_client.get(reverse("admin:index")).wsgi_request

    assert request.session.session_key
    assert request.user.is_staff
    assert hasattr(request, "_messages")


@pytest.mark.urls("tests.test_public_path_costs")
def test_a_public_view_that_reads_the_user_fails_loudly(client):
    with pytest.raises(AttributeError, match="user"):
        client.get("/reads-the-user")


def test_a_signed_in_editor_gets_the_same_public_page_as_anyone(client, admin_client, entry):
    anonymous = client.get(entry.get_absolute_url())
    signed_in = admin_client.get(entry.get_absolute_url())

    assert signed_in.content == anonymous.content
    assert not signed_in.cookies


def stock_csp(url: str, response: HttpResponse) -> dict[str, str]:
    """The CSP headers django-csp itself gives this response."""
    bare = HttpResponse()
    for name in vars(response):
        if name.startswith("_csp"):
            setattr(bare, name, getattr(response, name))
    request = RequestFactory().get(url)
    StockCSPMiddleware(lambda request: bare)(request)
    return {
        header: bare[header]
        for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only")
        if header in bare
    }


def csp_headers(response) -> dict[str, str]:
    return {
        header: response[header]
        for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only")
        if header in response
    }


def test_the_csp_header_is_byte_for_byte_django_csps(client, admin_client, entry):
    for url in [*public_urls(entry), reverse("admin:login")]:
        response = client.get(url)

        assert csp_headers(response) == stock_csp(url, response), url
    desk = admin_client.get(reverse("admin:index"))
    assert csp_headers(desk) == stock_csp("/admin/", desk)


def test_the_csp_header_is_built_once_per_process(client, entry):
    client.get(entry.get_absolute_url())
    with (
        mock.patch.object(
            csp.middleware, "build_policy", wraps=csp.middleware.build_policy
        ) as stock,
        mock.patch.object(
            liveblog.middleware, "build_policy", wraps=liveblog.middleware.build_policy
        ) as ours,
    ):
        for url in public_urls(entry):
            response = client.get(url)
            assert "default-src 'self'" in response["Content-Security-Policy"]

    assert stock.call_count + ours.call_count == 0


@pytest.mark.urls("tests.test_public_path_costs")
def test_a_views_own_policy_changes_still_reach_its_header(client):
    response = client.get("/allows-data-images")

    assert "img-src 'self' https: blob: data:" in response["Content-Security-Policy"]
    assert csp_headers(response) == stock_csp("/allows-data-images", response)


@pytest.mark.urls("tests.test_public_path_costs")
def test_a_nonce_and_changed_settings_reach_the_header(client, settings):
    policy = settings.CONTENT_SECURITY_POLICY
    client.get("/uses-a-nonce")  # the header built for the settings before
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**policy["DIRECTIVES"], "script-src": [SELF, NONCE]}
    }

    response = client.get("/uses-a-nonce")
    nonce = response.content.decode().split("'")[1]

    assert f"script-src 'self' 'nonce-{nonce}'" in response["Content-Security-Policy"]
    plain = client.get("/")
    assert "script-src 'self'" in plain["Content-Security-Policy"]
    assert "nonce" not in plain["Content-Security-Policy"]


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error_on_every_request(client, entry):
    # As django-csp: a nonce made then would be in no header (the shared
    # object that says so keeps no state between requests).
    requests = [client.get(url).wsgi_request for url in public_urls(entry)]

    for request in requests:
        with pytest.raises(CSPNonceError):
            str(request.csp_nonce)
        assert not request.csp_nonce


@pytest.mark.parametrize("method", ["get", "head"])
def test_an_unconditional_request_gets_its_etag_without_a_comparison(client, entry, method):
    url = entry.poll_url() + f"?since={entry.revision}"
    spy = mock.Mock(side_effect=django.middleware.http.get_conditional_response)
    with (
        mock.patch.object(django.middleware.http, "get_conditional_response", spy),
        mock.patch.object(liveblog.middleware, "get_conditional_response", spy),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 200
        assert response["ETag"]
        assert spy.call_count == 0

        revalidated = getattr(client, method)(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert revalidated.status_code == 304
        assert spy.call_count == 1
