"""An entry's stream for a GRIP proxy (updates/stream.py, liveblog/push.py).

The origin answers a reader's stream once, and only when the GRIP proxy
signed the request (Grip-Sig); here the tests sign as Pushpin does (HS256,
`iss: pushpin`). Pushpin itself holding streams: tests/test_push_pushpin.py.
"""

import json
import os
import subprocess
import sys
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from entries.models import Entry
from entries.remembered import read_state_by_id
from liveblog import push
from tests.factories import make_entry, make_update
from updates.changes import post_updates
from updates.models import LiveUpdate
from updates.stream import event_for

pytestmark = pytest.mark.django_db

KEY = "k" * 40


@pytest.fixture(autouse=True)
def grip(settings):
    settings.GRIP_VERIFY_KEY = KEY
    settings.GRIP_VERIFY_ISS = "pushpin"


def signed(key: str = KEY, iss: str = "pushpin", expires_in: float = 3600) -> str:
    return jwt.encode({"iss": iss, "exp": int(time.time() + expires_in)}, key, algorithm="HS256")


def stream(client, entry_or_slug, sig: str | None = None, **headers):
    slug = getattr(entry_or_slug, "slug", entry_or_slug)
    if sig is not None:
        headers["Grip-Sig"] = sig
    return client.get(reverse("updates:events", kwargs={"slug": slug}), headers=headers)


def events(response) -> list[tuple[int, dict]]:
    """(id, data) of each server-sent event in the body."""
    found = []
    for block in response.content.decode().split("\n\n"):
        if not block:
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        found.append((int(fields["id"]), json.loads(fields["data"])))
    return found


def test_through_the_proxy_it_holds_the_stream_on_the_entrys_channel_with_the_current_revision(
    client,
):
    entry = make_entry()
    make_update(entry)
    entry.refresh_from_db()

    response = stream(client, entry, signed())

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Grip-Hold"] == "stream"
    assert response["Grip-Channel"] == f"entry-{entry.pk}"
    assert "timeout=20" in response["Grip-Keep-Alive"]
    assert response["Cache-Control"] == "no-store"
    [(revision, data)] = events(response)
    assert revision == entry.revision == data["revision"] == data["base"]
    assert data["updates"] == [] and data["status"] == "live"


def test_without_a_grip_sig_the_stream_is_a_404_and_readers_poll(client):
    response = stream(client, make_entry())

    assert response.status_code == 404
    assert response.json() == {"error": "No stream here; poll the updates instead."}
    assert "Grip-Hold" not in response


def test_with_push_off_even_a_signed_request_is_a_404(client, settings):
    settings.GRIP_VERIFY_KEY = ""

    assert stream(client, make_entry(), signed()).status_code == 404


@pytest.mark.parametrize(
    "sig",
    [
        pytest.param(lambda: signed(key="x" * 40), id="another key"),
        pytest.param(lambda: signed(expires_in=-10), id="expired"),
        pytest.param(lambda: signed(iss="someone"), id="another issuer"),
        pytest.param(lambda: "not.a.token", id="garbage"),
        pytest.param(
            lambda: jwt.encode({"iss": "pushpin"}, KEY, algorithm="HS256"), id="no expiry"
        ),
    ],
)
def test_a_bad_grip_sig_is_a_404(client, sig):
    response = stream(client, make_entry(), sig())

    assert response.status_code == 404
    assert "Grip-Hold" not in response


@pytest.mark.parametrize("status", [Entry.Status.DRAFT, None])
def test_a_drafts_or_unknown_entrys_stream_is_a_404_through_the_proxy_too(client, status):
    slug = make_entry(status=status).slug if status else "nobody-has-this"

    response = stream(client, slug, signed())

    assert response.status_code == 404
    assert response.json() == {"error": "No such entry."}
    assert "Grip-Hold" not in response


def test_a_reconnecting_reader_gets_what_it_missed_since_its_last_event_id(client):
    entry = make_entry()
    first = make_update(entry, "Seen")
    seen = first.revision
    missed = make_update(entry, "Missed")
    first.delete()

    response = stream(client, entry, signed(), **{"Last-Event-ID": str(seen)})

    [(revision, data)] = events(response)
    entry.refresh_from_db()
    assert revision == data["revision"] == entry.revision
    assert data["base"] == seen
    assert [item["id"] for item in data["updates"]] == [missed.pk]
    assert data["deleted"] == [first.pk]


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "9" * 40, "99999"])
def test_a_last_event_id_that_is_not_a_revision_it_gave_starts_from_the_current_one(client, value):
    entry = make_entry()
    make_update(entry)
    entry.refresh_from_db()

    [(revision, data)] = events(stream(client, entry, signed(), **{"Last-Event-ID": value}))

    assert revision == data["base"] == data["revision"] == entry.revision
    assert data["updates"] == []


def test_the_stream_takes_only_get(client):
    entry = make_entry()
    url = reverse("updates:events", kwargs={"slug": entry.slug})

    response = client.post(url, headers={"Grip-Sig": signed()})

    assert response.status_code == 405


def test_an_event_too_large_to_push_carries_only_the_revision(settings):
    entry = make_entry()
    base = entry.revision
    post_updates(entry, [LiveUpdate(content="x" * 5000) for _ in range(20)])
    entry.refresh_from_db()

    event = event_for(read_state_by_id(entry.pk), base)

    # On the entry's channel still: its readers must hear of it, and poll.
    assert event.channel == f"entry-{entry.pk}"
    assert event.revision == entry.revision
    assert event.data == {"base": base, "revision": entry.revision}
    assert len(event.text()) < 100


def test_a_batch_longer_than_a_poll_answers_carries_only_the_revision(settings):
    settings.LIVEBLOG_POLL_BATCH = 3
    entry = make_entry()
    base = entry.revision
    post_updates(entry, [LiveUpdate(content="short") for _ in range(4)])
    entry.refresh_from_db()

    assert event_for(read_state_by_id(entry.pk), base).data == {
        "base": base,
        "revision": entry.revision,
    }


def test_an_ordinary_event_is_the_polls_answer_at_its_base(client):
    entry = make_entry()
    base = entry.revision
    update = make_update(entry, "Goal!")
    entry.refresh_from_db()

    event = event_for(read_state_by_id(entry.pk), base)
    poll = client.get(entry.poll_url(), {"since": base}).json()

    assert event.data == {"base": base, **poll}
    assert (
        event.text()
        == f"id: {entry.revision}\ndata: {json.dumps(event.data, separators=(',', ':'))}\n\n"
    )
    assert [item["id"] for item in event.data["updates"]] == [update.pk]


def test_the_page_offers_the_stream_only_when_push_is_configured(client, settings):
    entry = make_entry()
    url = reverse("updates:events", kwargs={"slug": entry.slug})

    assert f'data-stream-url="{url}"' in client.get(entry.get_absolute_url()).content.decode()
    settings.GRIP_VERIFY_KEY = ""
    assert "data-stream-url" not in client.get(entry.get_absolute_url()).content.decode()


def test_a_grip_sig_signed_with_a_private_key_as_fanout_signs_verifies_with_its_public_key(
    client, settings
):
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings.GRIP_VERIFY_KEY = public.decode()
    settings.GRIP_VERIFY_ISS = "fastly:service"
    claims = {"iss": "fastly:service", "exp": int(time.time()) + 60}
    entry = make_entry()

    assert stream(client, entry, jwt.encode(claims, private, algorithm="ES256")).status_code == 200
    # The public key is no secret: a token signed with it as an HMAC key is refused.
    forged = jwt.encode(claims, "k" * 40, algorithm="HS256")
    assert stream(client, entry, forged).status_code == 404


def test_a_pem_key_given_on_one_line_with_escaped_line_breaks_is_read_whole():
    """.env files hold one line per variable (docs/deploy.md, Push)."""
    pem = "-----BEGIN PUBLIC KEY-----\\nMFkw\\n-----END PUBLIC KEY-----"
    code = "from django.conf import settings; print(repr(settings.GRIP_VERIFY_KEY))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**os.environ, "GRIP_VERIFY_KEY": pem, "DJANGO_SETTINGS_MODULE": "liveblog.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == repr(pem.replace("\\n", "\n")), result.stderr


def test_channels_are_named_by_entry():
    assert push.channel(42) == "entry-42"
