"""A database that stops answering, in-process: readers get a 503 they can
retry, never a 500 or a traceback, and the next request after it is back
succeeds without a restart. (tests/test_database_faults.py proves the same
with real servers and a PostgreSQL that is really stopped.)
"""

from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db


@contextmanager
def database_down():
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def entry():
    entry = make_entry(slug="keynote")
    make_update(entry, "Saved before the outage")
    return entry


def test_a_poll_during_an_outage_is_a_json_503_with_retry_after(client, entry):
    with database_down():
        response = client.get(entry.poll_url())

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Content-Type"] == "application/json"
    assert "unavailable" in response.json()["error"]
    assert "no-store" in response["Cache-Control"]


def test_a_page_during_an_outage_is_an_html_503_without_a_traceback(client, entry):
    with database_down():
        response = client.get(entry.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "unavailable" in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert "no-store" in response["Cache-Control"]


def test_the_health_endpoint_reports_the_outage_with_503(client):
    with database_down():
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert "no-store" in response["Cache-Control"]


def test_the_first_request_after_the_outage_succeeds(client, entry):
    with database_down():
        assert client.get(entry.poll_url()).status_code == 503

    response = client.get(entry.poll_url())

    assert response.status_code == 200
    assert response.json()["updates"][0]["html"].count("Saved before the outage") == 1


def test_other_errors_are_not_disguised_as_outages(client, entry):
    def fail(execute, sql, params, many, context):
        raise ZeroDivisionError

    with connection.execute_wrapper(fail), pytest.raises(ZeroDivisionError):
        client.get(entry.poll_url())
