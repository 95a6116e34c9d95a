"""The admin login against brute force (django-axes): 5 failures for one
username from one address lock that pair out for 15 minutes."""

import logging

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from liveblog.http import client_address

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def editors(django_user_model):
    for name in ("editor", "other"):
        django_user_model.objects.create_user(name, password=PASSWORD, is_staff=True)


def sign_in(client, username, password, address):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        HTTP_X_FORWARDED_FOR=address,
    )


def fail_five_times(client, username, address):
    for _ in range(4):
        assert sign_in(client, username, "wrong", address).status_code == 200
    # The fifth failure already gets the lockout page.
    assert sign_in(client, username, "wrong", address).status_code == 429


def test_five_failures_lock_the_username_and_address_out_even_with_the_right_password(
    client, editors, caplog
):
    with caplog.at_level(logging.WARNING, logger="axes"):
        fail_five_times(client, "editor", "198.51.100.7")
        locked = sign_in(client, "editor", PASSWORD, "198.51.100.7")

    assert locked.status_code == 429
    assert "Too many failed sign-ins for editor from your address" in locked.content.decode()
    assert "0:15:00" in locked.content.decode()
    lockouts = [record.getMessage() for record in caplog.records if "Locking out" in record.msg]
    assert lockouts and "198.51.100.7" in lockouts[0] and "editor" in lockouts[0]


def test_the_same_username_from_another_address_and_another_username_still_sign_in(client, editors):
    fail_five_times(client, "editor", "198.51.100.7")

    assert sign_in(client, "editor", PASSWORD, "198.51.100.8").status_code == 302
    client.logout()
    assert sign_in(client, "other", PASSWORD, "198.51.100.7").status_code == 302


def test_four_failures_then_the_right_password_signs_in(client, editors):
    for _ in range(4):
        sign_in(client, "editor", "wrong", "198.51.100.7")

    assert sign_in(client, "editor", PASSWORD, "198.51.100.7").status_code == 302


def test_axes_reset_username_lifts_the_lock(client, editors):
    fail_five_times(client, "editor", "198.51.100.7")

    call_command("axes_reset_username", "editor")

    assert sign_in(client, "editor", PASSWORD, "198.51.100.7").status_code == 302


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy():
    factory = RequestFactory()
    behind_cdn = factory.get("/", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7")
    direct = factory.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert client_address(behind_cdn) == "198.51.100.7"  # from 127.0.0.1, the CDN
    assert client_address(direct) == "203.0.113.5"


def test_a_trusted_proxy_network_is_read_as_gunicorn_reads_it(settings):
    # gunicorn takes networks in FORWARDED_ALLOW_IPS; so must the lockout.
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.0/8", "not-an-address"]
    factory = RequestFactory()
    inside = factory.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.7")
    outside = factory.get("/", REMOTE_ADDR="11.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert client_address(inside) == "198.51.100.7"
    assert client_address(outside) == "11.1.2.3"
