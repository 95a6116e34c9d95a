"""`manage.py check --deploy` is clean with the production environment of .env.example."""

import os
import re
import secrets
import subprocess
import sys

import pytest

from tests.servers import PROJECT


def production_env() -> dict:
    env = {}
    for line in (PROJECT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    # Secrets are left empty there, to be generated for each site.
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["LIVEBLOG_PURGE_TOKEN"] = secrets.token_urlsafe(32)
    return env


def check_deploy(**overrides) -> subprocess.CompletedProcess:
    """`manage.py check --deploy` in the environment .env.example describes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(production_env(), **overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_in_production():
    result = check_deploy()

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_example_environment_names_every_variable_settings_read():
    sources = "".join(
        path.read_text()
        for path in (
            PROJECT / "liveblog" / "settings.py",
            PROJECT / "liveblog" / "environment.py",
            PROJECT / "gunicorn.conf.py",
        )
    )

    read = set(re.findall(r'env(?:_bool|_list|_int|_float)?\(\s*"([A-Z_]+)"', sources))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', sources))
    # The numbers of both files, and the proxies they share, are read by helpers.
    assert {"LIVEBLOG_POLL_MEMO_SECONDS", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"} <= read

    assert read <= set(production_env())


def test_check_deploy_warns_when_site_url_is_missing():
    result = check_deploy(SITE_URL="")

    assert result.returncode == 1
    assert "(liveblog.W001) SITE_URL is not set" in result.stderr


@pytest.mark.parametrize("token", ["", "too-short-to-be-a-secret"])
def test_check_deploy_warns_when_varnish_is_purged_without_a_long_enough_token(token):
    result = check_deploy(LIVEBLOG_PURGE_TOKEN=token)

    assert result.returncode == 1
    assert "(liveblog.W002) LIVEBLOG_PURGE_TOKEN is unset" in result.stderr


def test_check_deploy_warns_when_pages_get_a_stream_that_nothing_publishes_to():
    result = check_deploy(GRIP_VERIFY_KEY=secrets.token_urlsafe(32), PUSHPIN_PUBLISH_URLS="")

    assert result.returncode == 1
    assert "(liveblog.W003) GRIP_VERIFY_KEY is set but nothing is published to" in result.stderr


def test_check_deploy_warns_when_pushpins_key_is_short():
    result = check_deploy(GRIP_VERIFY_KEY="changeme", PUSHPIN_PUBLISH_URLS="http://127.0.0.1:5561")

    assert result.returncode == 1
    assert "(liveblog.W004) GRIP_VERIFY_KEY is shorter than 32" in result.stderr


def test_push_configured_in_full_passes_the_deploy_check():
    result = check_deploy(
        GRIP_VERIFY_KEY=secrets.token_urlsafe(32), PUSHPIN_PUBLISH_URLS="http://127.0.0.1:5561"
    )

    assert result.returncode == 0, result.stderr


def test_without_varnish_to_purge_no_token_is_needed():
    result = check_deploy(LIVEBLOG_PURGE_TOKEN="", VARNISH_URLS="")

    assert result.returncode == 0, result.stderr
