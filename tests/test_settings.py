"""Settings come from the environment, strictly parsed, with safe defaults.

Each case imports the settings in a fresh interpreter, as a server would.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps([s.DEBUG, s.SECRET_KEY != '', s.ALLOWED_HOSTS, s.USE_TZ, "
    "s.DATABASES['default']['ENGINE'], str(s.DATABASES['default']['NAME'])]))"
)


def load_settings(**env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "liveblog.settings"
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        env={**clean, **env},
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_a_secret_key_and_debug_off_it_refuses_to_start_naming_the_variable():
    result = load_settings()

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", ["yes", "1", "on", "ture"])
def test_debug_accepts_only_true_or_false(value):
    result = load_settings(DEBUG=value, SECRET_KEY="k")

    assert result.returncode != 0
    assert f"DEBUG must be 'true' or 'false', got '{value}'" in result.stderr


def test_the_defaults_are_debug_off_no_hosts_and_utc_aware():
    result = load_settings(SECRET_KEY="k", DATABASE_URL=f"sqlite:///{PROJECT / 'db.sqlite3'}")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f'[false, true, [], true, "django.db.backends.sqlite3", "{PROJECT / "db.sqlite3"}"]'
    )


def test_debug_true_in_any_case_works_without_a_committed_secret():
    result = load_settings(DEBUG="TRUE")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[true, true,")


def test_hosts_and_database_come_from_the_environment():
    result = load_settings(
        SECRET_KEY="k",
        ALLOWED_HOSTS="live.example.com, www.example.com",
        DATABASE_URL="postgres://u:p@db.internal:5432/liveblog",
    )

    assert result.returncode == 0, result.stderr
    assert '["live.example.com", "www.example.com"]' in result.stdout
    assert '"django.db.backends.postgresql", "liveblog"]' in result.stdout


def test_with_debug_off_a_missing_database_url_is_an_error_not_a_private_sqlite_file():
    result = load_settings(SECRET_KEY="k")

    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must be set when DEBUG is off" in result.stderr


def test_with_debug_on_the_development_database_is_a_local_sqlite_file():
    result = load_settings(DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith(f'sqlite3", "{PROJECT / "db.sqlite3"}"]')


@pytest.mark.parametrize("value", ["1.5", "-1", "soon"])
def test_a_poll_memo_longer_than_a_second_or_unreadable_refuses_to_start(value):
    result = load_settings(
        SECRET_KEY="x" * 50, DATABASE_URL="sqlite:///db.sqlite3", LIVEBLOG_POLL_MEMO_SECONDS=value
    )

    assert result.returncode != 0
    assert "LIVEBLOG_POLL_MEMO_SECONDS" in result.stderr


@pytest.mark.parametrize("value", ["live.example.com", "https://live.example.com/blog", "ftp://x"])
def test_site_url_must_be_a_scheme_and_host(value):
    result = load_settings(SECRET_KEY="k", SITE_URL=value)

    assert result.returncode != 0
    assert (
        f"SITE_URL must be a scheme and host such as https://live.example.com, got '{value}'"
        in (result.stderr)
    )


def test_site_url_loses_a_trailing_slash():
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings as s; print(s.SITE_URL)"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "liveblog.settings", "SECRET_KEY": "k",
             "SITE_URL": "https://live.example.com/"},
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.stdout.strip() == "https://live.example.com"


PRINT_MEDIA_STORAGE = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps(s.STORAGES['default'], sort_keys=True))"
)


def media_storage(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MEDIA_S3_")}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_MEDIA_STORAGE],
        env={**clean, "DJANGO_SETTINGS_MODULE": "liveblog.settings", "SECRET_KEY": "k", **env},
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_photos_go_to_the_s3_bucket_the_media_s3_variables_name():
    storage = media_storage(
        MEDIA_S3_BUCKET="liveblog-photos",
        MEDIA_S3_ENDPOINT_URL="https://s3.eu-west-1.example.net",
        MEDIA_S3_REGION="eu-west-1",
        MEDIA_S3_CUSTOM_DOMAIN="photos.example.com",
        MEDIA_S3_DEFAULT_ACL="public-read",
    )

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "liveblog-photos",
        "endpoint_url": "https://s3.eu-west-1.example.net",
        "region_name": "eu-west-1",
        "custom_domain": "photos.example.com",
        "default_acl": "public-read",
        # Whatever the bucket (tests/test_photo_storage.py uses these too).
        "querystring_auth": False,
        "file_overwrite": True,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }


def test_an_s3_bucket_alone_leaves_the_rest_to_boto3_and_the_bucket_policy():
    storage = media_storage(MEDIA_S3_BUCKET="liveblog-photos", MEDIA_S3_REGION="")

    assert storage["OPTIONS"]["bucket_name"] == "liveblog-photos"
    for option in ("endpoint_url", "region_name", "custom_domain", "default_acl"):
        assert storage["OPTIONS"][option] is None, option


def test_without_a_bucket_photos_are_files_under_media_root():
    assert media_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


PRINT_NAMED = (
    "import json, sys; from django.conf import settings as s; "
    "print(json.dumps({name: getattr(s, name) for name in sys.argv[1:]}))"
)
PRINT_GUNICORN = (
    "import json, runpy, sys; config = runpy.run_path('gunicorn.conf.py'); "
    "print(json.dumps({name: config[name] for name in sys.argv[1:]}))"
)


def read_in_a_fresh_process(program: str, names: list[str], **env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", program, *names],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "liveblog.settings", "SECRET_KEY": "k", **env},
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LIVEBLOG_PAGE_MEMO_SIZE", "many"),
        ("LIVEBLOG_PAGE_MEMO_SIZE", "-1"),
        ("CONN_MAX_AGE", "a minute"),
        ("SECURE_HSTS_SECONDS", "-1"),
        ("SECURE_HSTS_SECONDS", "1e6"),
    ],
)
def test_a_number_setting_it_cannot_read_stops_it_with_a_message_naming_the_variable(name, value):
    result = load_settings(SECRET_KEY="k", DATABASE_URL="sqlite:///db.sqlite3", **{name: value})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be a whole number from 0, got '{value}'" in (
        result.stderr
    )


def test_a_poll_memo_it_cannot_read_names_the_variable_and_the_range():
    result = load_settings(
        SECRET_KEY="k", DATABASE_URL="sqlite:///db.sqlite3", LIVEBLOG_POLL_MEMO_SECONDS="nan"
    )

    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: LIVEBLOG_POLL_MEMO_SECONDS must be a number of seconds "
        "from 0 to 1, got 'nan'" in result.stderr
    )


def test_zero_is_a_meaningful_value_for_the_memo_size_connection_age_and_hsts():
    names = ["LIVEBLOG_PAGE_MEMO_SIZE", "SECURE_HSTS_SECONDS", "LIVEBLOG_POLL_MEMO_SECONDS"]
    zero = dict.fromkeys([*names, "CONN_MAX_AGE"], "0")

    values = read_in_a_fresh_process(PRINT_NAMED, [*names, "DATABASES"], **zero)

    assert [values[name] for name in names] == [0, 0, 0.0]
    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize("name", ["WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_MAX_REQUESTS"])
def test_gunicorn_stops_with_a_message_naming_a_number_it_cannot_read(name):
    result = subprocess.run(
        [sys.executable, "-c", PRINT_GUNICORN, "workers"],
        env={**os.environ, name: "two"},
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be a whole number" in result.stderr


@pytest.mark.parametrize("value", ["eventlet", "Sync", "gevent"])
def test_gunicorn_stops_with_a_message_naming_a_worker_class_it_does_not_offer(value):
    result = subprocess.run(
        [sys.executable, "-c", PRINT_GUNICORN, "worker_class"],
        env={**os.environ, "GUNICORN_WORKER_CLASS": value},
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode != 0
    assert (
        f"ImproperlyConfigured: GUNICORN_WORKER_CLASS must be one of sync, gthread, got {value!r}"
        in result.stderr
    )


def test_a_sync_worker_is_one_thread_whatever_gunicorn_threads_says():
    # gunicorn runs gthread instead of sync when threads > 1.
    values = read_in_a_fresh_process(
        PRINT_GUNICORN, ["worker_class", "threads"], GUNICORN_WORKER_CLASS="sync",
        GUNICORN_THREADS="4",
    )  # fmt: skip
    threaded = read_in_a_fresh_process(
        PRINT_GUNICORN, ["worker_class", "threads"], GUNICORN_WORKER_CLASS="gthread",
        GUNICORN_THREADS="3",
    )  # fmt: skip

    assert values == {"worker_class": "sync", "threads": 1}
    assert threaded == {"worker_class": "gthread", "threads": 3}


def test_an_empty_access_log_turns_gunicorns_access_log_off():
    values = read_in_a_fresh_process(PRINT_GUNICORN, ["accesslog"], GUNICORN_ACCESS_LOG="")

    assert values == {"accesslog": None}


@pytest.mark.parametrize("proxies", [None, "10.0.0.7", "10.0.0.7, 10.0.0.8"])
def test_gunicorn_and_django_trust_the_same_proxies(proxies, monkeypatch):
    if proxies is None:
        monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    else:
        monkeypatch.setenv("FORWARDED_ALLOW_IPS", proxies)

    django = read_in_a_fresh_process(PRINT_NAMED, ["FORWARDED_ALLOW_IPS"])
    gunicorn = read_in_a_fresh_process(PRINT_GUNICORN, ["forwarded_allow_ips"])

    assert django["FORWARDED_ALLOW_IPS"] == gunicorn["forwarded_allow_ips"].split(",")


@pytest.mark.parametrize(
    ("value", "starts"),
    [("de", True), ("en-gb", True), ("", True), ("fr", False), ("english", False)],
)
def test_the_sites_language_is_one_we_ship_or_a_variant_of_one(value, starts):
    result = load_settings(
        SECRET_KEY="x" * 50, DATABASE_URL="sqlite:///db.sqlite3", LANGUAGE_CODE=value
    )

    assert (result.returncode == 0) is starts, result.stderr
    if not starts:
        assert (
            f"LANGUAGE_CODE must be one of en, de, es (or a variant such as en-gb), got {value!r}"
            in result.stderr
        )
