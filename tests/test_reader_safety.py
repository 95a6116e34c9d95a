"""The reader script in real Chromium, against what could hurt a reader:
hostile update content, and a page that runs under a strict Content
Security Policy.
"""

import pytest
from django.urls import reverse

from tests.factories import make_entry, make_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hostile_update_content_never_runs(reader):
    entry = make_entry()
    page = reader.open(entry)

    hostile = make_update(
        entry,
        "<script>alert('script')</script> <img src=x onerror=alert('img')> "
        "[click](javascript:alert('link')) <svg onload=alert('svg')>",
    )
    page.locator(f"#update-{hostile.pk}").wait_for()
    page.wait_for_timeout(500)

    assert reader.dialogs == []
    assert reader.errors == []
    assert page.locator(f"#update-{hostile.pk} script, #update-{hostile.pk} svg").count() == 0


def test_the_page_runs_under_a_strict_content_security_policy(reader):
    entry = make_entry()

    response = reader.page.goto(
        reader.live_server.url + reverse("entries:detail", args=[entry.slug])
    )

    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    reader.wait_for_polls(1)
    assert reader.errors == []
