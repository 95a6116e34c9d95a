import io

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from entries.models import Entry
from tests.factories import make_entry
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db


def test_post_update_reads_markdown_from_stdin(monkeypatch, capsys):
    make_entry(slug="match")
    monkeypatch.setattr("sys.stdin", io.StringIO("**Goal!**\n"))

    call_command("post_update", "match")

    assert LiveUpdate.objects.get().html == "<p><strong>Goal!</strong></p>"


def test_post_update_names_an_unknown_entry():
    with pytest.raises(CommandError, match="No entry with slug 'nope'"):
        call_command("post_update", "nope", "text")


def test_post_update_refuses_an_empty_update_and_writes_nothing():
    entry = make_entry(slug="match")

    with pytest.raises(CommandError, match="empty"):
        call_command("post_update", "match", "   ")

    assert not LiveUpdate.all_objects.exists()
    entry.refresh_from_db()
    assert entry.revision == 0


@pytest.mark.usefixtures("media_root")
def test_demo_makes_a_live_entry_with_a_dozen_updates_and_a_working_login(
    client, settings, tmp_path
):
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    out = io.StringIO()

    call_command("demo", stdout=out)
    call_command("demo", stdout=io.StringIO())  # running it again changes nothing

    live = Entry.objects.get(status=Entry.Status.LIVE)
    assert live.updates.count() == 12
    # Its recording's preview (issue 22), remembered: the demo asks YouTube nothing.
    assert live.updates.filter(fragment__contains='class="embed embed-youtube"').count() == 1
    assert Entry.objects.count() == 2
    password = out.getvalue().split("password: ")[1].split()[0]
    # django-axes checks every sign-in against the request it came with.
    assert client.login(request=HttpRequest(), username="admin", password=password)
    assert "http://127.0.0.1:8000/admin/" in out.getvalue()


@pytest.mark.usefixtures("media_root")
def test_demo_prints_the_addresses_on_the_port_make_run_serves(settings, tmp_path):
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    out = io.StringIO()

    call_command("demo", "--port", "8001", stdout=out)

    assert "Site:  http://127.0.0.1:8001/\n" in out.getvalue()
    assert "Admin: http://127.0.0.1:8001/admin/" in out.getvalue()


def test_demo_refuses_to_make_an_admin_when_debug_is_off():
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("demo")


def test_post_update_refuses_an_update_over_the_limit_naming_it_and_writes_nothing():
    entry = make_entry(slug="match")

    with pytest.raises(
        CommandError, match="An update may hold at most 20,000 characters; this one has 20,001"
    ):
        call_command("post_update", "match", "a" * 20_001)

    assert not LiveUpdate.all_objects.exists()
    entry.refresh_from_db()
    assert entry.revision == 0


def test_post_update_refuses_text_that_would_render_too_large():
    make_entry(slug="match")
    text = f"[r]: https://example.com/{'a' * 9_000}\n\n" + "[r]" * 3_000

    with pytest.raises(CommandError, match="more than 256 KB of HTML"):
        call_command("post_update", "match", text)

    assert not LiveUpdate.all_objects.exists()


def test_post_update_strips_a_nul_instead_of_failing():
    make_entry(slug="match")

    call_command("post_update", "match", "Go\x00al\x1b!", stdout=io.StringIO())

    assert LiveUpdate.objects.get().content == "Goal!"
