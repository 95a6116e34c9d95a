"""Signing out of the admin clears what the desk kept in the browser (issue 19)."""

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ada", is_staff=True))
    return client


@pytest.mark.django_db
def test_signing_out_tells_the_browser_to_clear_this_sites_storage(staff_client):
    response = staff_client.post(reverse("admin:logout"))

    assert response.status_code == 200
    assert response["Clear-Site-Data"] == '"storage"'
    assert "_auth_user_id" not in staff_client.session


@pytest.mark.django_db
def test_a_get_to_the_sign_out_page_neither_signs_out_nor_clears_anything(staff_client):
    response = staff_client.get(reverse("admin:logout"))

    assert response.status_code == 405
    assert "Clear-Site-Data" not in response
    assert "_auth_user_id" in staff_client.session


@pytest.mark.django_db
def test_signing_out_still_refuses_a_post_without_its_csrf_token(django_user_model):
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_user("ada", is_staff=True))

    response = client.post(reverse("admin:logout"))

    assert response.status_code == 403
    assert "Clear-Site-Data" not in response
