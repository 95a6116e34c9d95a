"""HTTPS in production: on by default, and correct behind a TLS proxy.

Each case loads the settings in a fresh interpreter, as a server would, and
asks the app over plain HTTP with Django's test client.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
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
