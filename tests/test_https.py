"""HTTPS in production: on by default, and correct behind a TLS proxy.

Each case loads the settings in a fresh interpreter, as a server would, and
asks the app over plain HTTP with Django's test client; the last ones ask
real servers, gunicorn behind Varnish, with the redirect on.
"""

import json
import os
import re
import runpy
import secrets
import subprocess
import sys
from urllib.parse import urlencode

import pytest

from tests.servers import (
    PROJECT,
    SITE,
    get,
    start_stack,
)

# /favicon.ico needs no database, so the fresh interpreter needs none either;
# static files come from the source folders, as no collectstatic has run.
ASK = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
storages = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    response = Client().get("/favicon.ico", headers=json.loads(HEADERS))
print(json.dumps([response.status_code, response.get("Location")]))
"""


def ask_production(headers: dict, **env) -> tuple[int, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECURE_", "TRUST_")) and k != "DEBUG"
    }
    clean.update(
        DJANGO_SETTINGS_MODULE="liveblog.settings",
        SECRET_KEY="insecure-key-for-tests-only",
        ALLOWED_HOSTS="live.example.com",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", ASK.replace("HEADERS", repr(json.dumps(headers)))],
        env=clean,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    status, location = json.loads(result.stdout.strip().splitlines()[-1])
    return status, location


def test_with_debug_off_plain_http_is_redirected_to_https_by_default():
    status, location = ask_production({"Host": "live.example.com"})

    assert status == 301
    assert location == "https://live.example.com/favicon.ico"


def test_behind_a_trusted_tls_proxy_an_https_request_is_not_redirected_again():
    status, location = ask_production(
        {"Host": "live.example.com", "X-Forwarded-Proto": "https"},
        TRUST_X_FORWARDED_PROTO="true",
    )

    # The favicon's own redirect to the static file, not a loop to https.
    assert status == 301
    assert location == "/static/liveblog/favicon.svg"


def test_without_trust_a_client_cannot_claim_https_with_x_forwarded_proto():
    status, location = ask_production({"Host": "live.example.com", "X-Forwarded-Proto": "https"})

    assert status == 301
    assert location.startswith("https://")


# Through the real servers: Varnish with deploy/varnish.vcl in front of
# gunicorn (gunicorn.conf.py) with the production HTTPS settings (issue 24).
SCHEME_CLAIMS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Ssl": "on",
    "X-Forwarded-Protocol": "ssl",
    "Front-End-Https": "on",
    "X-Url-Scheme": "https",
    "Forwarded": "for=192.0.2.1;proto=https",
}
PASSWORD = secrets.token_urlsafe(16)
SEED = f"""
from django.contrib.auth import get_user_model
from entries.models import Entry
Entry.objects.create(title="Keynote", slug="keynote", status="live")
get_user_model().objects.create_superuser("author", password={PASSWORD!r})
"""
PAGE = "/entries/keynote/"
# What docs/deploy.md and .env.example give production.
HSTS = "max-age=31536000; includeSubDomains; preload"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The origin with the redirect on; each test puts a Varnish of its own
    in front of it (stack.another_cdn), as some play the TLS terminator."""
    folder = tmp_path_factory.mktemp("https")
    env = {
        "SECURE_SSL_REDIRECT": "true",
        "TRUST_X_FORWARDED_PROTO": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
    }
    with start_stack(
        folder,
        database_url=f"sqlite:///{folder}/db.sqlite3",
        migrate=True,
        seed=SEED,
        workers=1,
        cdn=False,
        env=env,
    ) as stack:
        yield stack


def is_the_redirect(response) -> bool:
    return response.status == 301 and response.headers["location"] == f"https://{SITE}{PAGE}"


@pytest.mark.servers
@pytest.mark.parametrize("header", SCHEME_CLAIMS)
def test_a_client_claiming_https_through_the_cdn_is_redirected_and_nothing_is_cached_for_others(
    stack, header
):
    with stack.another_cdn() as cdn:
        claims = [get(cdn.port, PAGE, {header: SCHEME_CLAIMS[header]}) for _ in range(2)]
        plain = get(cdn.port, PAGE)

    assert all(is_the_redirect(claim) for claim in claims), [c.status for c in claims]
    assert is_the_redirect(plain), plain.status


@pytest.mark.servers
@pytest.mark.parametrize("header", ["X-Forwarded-Ssl", "X-Forwarded-Protocol"])
def test_gunicorn_believes_no_scheme_header_but_x_forwarded_proto_from_its_proxy(stack, header):
    # Straight from 127.0.0.1, which FORWARDED_ALLOW_IPS trusts: as a CDN
    # that lets the header through would send it.
    claim = get(stack.origin.port, PAGE, {header: SCHEME_CLAIMS[header]})
    https = get(stack.origin.port, PAGE, {"X-Forwarded-Proto": "https"})

    assert is_the_redirect(claim), claim.status
    assert https.status == 200


@pytest.mark.servers
def test_behind_a_trusted_terminator_https_and_plain_http_never_share_a_cached_answer(
    stack,
):
    with stack.another_cdn(tls_terminators=("127.0.0.1",)) as cdn:
        https = [get(cdn.port, PAGE, {"X-Forwarded-Proto": "https"}) for _ in range(2)]
        plain = get(cdn.port, PAGE)
        http = get(cdn.port, PAGE, {"X-Forwarded-Proto": "http"})

    assert [answer.status for answer in https] == [200, 200]
    assert https[1].headers["x-cache"] == "HIT"
    assert is_the_redirect(plain) and is_the_redirect(http)


def cookie_attributes(answers) -> dict[str, set[str]]:
    """Each cookie the answers set: its name → its attribute names, lower case."""
    found = {}
    for answer in answers:
        for line in answer.headers.get_all("Set-Cookie"):
            name, *attributes = (part.strip() for part in line.split(";"))
            found[name.split("=", 1)[0]] = {part.split("=", 1)[0].lower() for part in attributes}
    return found


@pytest.mark.servers
def test_signing_in_over_https_through_the_cdn_sets_secure_httponly_cookies_and_hsts(
    stack,
):
    https = {"X-Forwarded-Proto": "https"}
    with stack.another_cdn(tls_terminators=("127.0.0.1",)) as cdn:
        pages = [get(cdn.port, PAGE, https) for _ in range(2)]
        plain = get(cdn.port, PAGE)
        form = get(cdn.port, "/admin/login/", https)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)[1].decode()
        csrf = re.search(r"csrftoken=([^;]+)", form.headers["set-cookie"])[1]
        fields = {"csrfmiddlewaretoken": token, "username": "author", "password": PASSWORD,
                  "next": "/admin/"}  # fmt: skip
        signed_in = get(
            cdn.port, "/admin/login/",
            {**https, "Cookie": f"csrftoken={csrf}", "Origin": f"https://{SITE}",
             "Content-Type": "application/x-www-form-urlencoded"},
            method="POST", body=urlencode(fields).encode(),
        )  # fmt: skip

    assert [page.status for page in pages] == [200, 200] and pages[1].headers["x-cache"] == "HIT"
    assert signed_in.status == 302, signed_in.body[:300]
    # Signing in sets a session cookie and a new CSRF token, both kept from
    # scripts and from plain HTTP.
    cookies = cookie_attributes([form, signed_in])
    assert set(cookies) == {"csrftoken", "sessionid"}
    assert all({"secure", "httponly"} <= attributes for attributes in cookies.values()), cookies
    assert cookie_attributes([signed_in]).keys() == {"csrftoken", "sessionid"}
    for answer in (*pages, form, signed_in):
        assert answer.headers["strict-transport-security"] == HSTS
    assert is_the_redirect(plain) and "strict-transport-security" not in plain.headers


def test_gunicorn_trusts_exactly_the_one_scheme_header_docs_deploy_md_names():
    config = runpy.run_path(str(PROJECT / "gunicorn.conf.py"))

    assert config["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}
    assert config["forwarder_headers"] == ""
