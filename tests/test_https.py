"""HTTPS in production: on by default, and correct behind a TLS proxy.

Each case loads the settings in a fresh interpreter, as a server would, and
asks the app over plain HTTP with Django's test client; the last ones ask
real servers, gunicorn behind Varnish, with the redirect on.
"""

import json
import os
import runpy
import subprocess
import sys

import pytest

from tests.servers import (
    PROJECT,
    SITE,
    VARNISHD,
    Gunicorn,
    Varnish,
    get,
    manage,
    production_environment,
    require,
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
SEED = 'from entries.models import Entry; Entry.objects.create(title="Keynote", slug="keynote", status="live")'
PAGE = "/entries/keynote/"


@pytest.fixture(scope="module")
def redirecting_origin(tmp_path_factory):
    require(VARNISHD, "apt-get install varnish")
    folder = tmp_path_factory.mktemp("https")
    env = production_environment(f"sqlite:///{folder}/db.sqlite3", folder / "static")
    env.update(SECURE_SSL_REDIRECT="true", TRUST_X_FORWARDED_PROTO="true")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "shell", "-c", SEED)
    with Gunicorn(env, folder, workers=1) as origin:
        yield origin


def is_the_redirect(response) -> bool:
    return response.status == 301 and response.headers["location"] == f"https://{SITE}{PAGE}"


@pytest.mark.servers
@pytest.mark.parametrize("header", SCHEME_CLAIMS)
def test_a_client_claiming_https_through_the_cdn_is_redirected_and_nothing_is_cached_for_others(
    redirecting_origin, header
):
    with Varnish(redirecting_origin.port) as cdn:
        claims = [get(cdn.port, PAGE, {header: SCHEME_CLAIMS[header]}) for _ in range(2)]
        plain = get(cdn.port, PAGE)

    assert all(is_the_redirect(claim) for claim in claims), [c.status for c in claims]
    assert is_the_redirect(plain), plain.status


@pytest.mark.servers
@pytest.mark.parametrize("header", ["X-Forwarded-Ssl", "X-Forwarded-Protocol"])
def test_gunicorn_believes_no_scheme_header_but_x_forwarded_proto_from_its_proxy(
    redirecting_origin, header
):
    # Straight from 127.0.0.1, which FORWARDED_ALLOW_IPS trusts: as a CDN
    # that lets the header through would send it.
    claim = get(redirecting_origin.port, PAGE, {header: SCHEME_CLAIMS[header]})
    https = get(redirecting_origin.port, PAGE, {"X-Forwarded-Proto": "https"})

    assert is_the_redirect(claim), claim.status
    assert https.status == 200


@pytest.mark.servers
def test_behind_a_trusted_terminator_https_and_plain_http_never_share_a_cached_answer(
    redirecting_origin,
):
    with Varnish(redirecting_origin.port, tls_terminators=("127.0.0.1",)) as cdn:
        https = [get(cdn.port, PAGE, {"X-Forwarded-Proto": "https"}) for _ in range(2)]
        plain = get(cdn.port, PAGE)
        http = get(cdn.port, PAGE, {"X-Forwarded-Proto": "http"})

    assert [answer.status for answer in https] == [200, 200]
    assert https[1].headers["x-cache"] == "HIT"
    assert is_the_redirect(plain) and is_the_redirect(http)


def test_gunicorn_trusts_exactly_the_one_scheme_header_docs_deploy_md_names():
    config = runpy.run_path(str(PROJECT / "gunicorn.conf.py"))

    assert config["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}
    assert config["forwarder_headers"] == ""
