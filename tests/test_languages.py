"""Pages, the desk and the scripts' texts in the entry's or the site's
language (issue 23): German and Spanish shipped, English by default.

"No English left" is checked by tests/english.py on every page: none of
our own messages and none of a handful of English words shows. The update
texts in these tests are German or Spanish, as an entry in that language
would have.
"""

import json
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from entries.models import Entry
from tests.checks import assert_shared
from tests.english import LOCALE, assert_no_english, english_in
from tests.factories import make_entry, make_update
from tests.pseudo_locale import write_catalog
from updates.changes import set_summary
from updates.desk import count_label
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db

SHIPPED = ["de", "es"]
# Texts an entry of each language carries in these tests (not ours to translate).
CONTENT = {
    "de": ("Pokalfinale", "Anpfiff im Stadion", "Tor für die Gastgeber!", "Halbzeit"),
    "es": ("Final de copa", "Comienza el partido", "¡Gol del equipo local!", "Descanso"),
}
ZONE = {"de": "Europe/Berlin", "es": "Europe/Madrid"}


def entry_in(language: str, **fields) -> Entry:
    """An entry in `language` with every kind of update its page shows."""
    title, first, goal, half = CONTENT[language]
    entry = make_entry(title=title, language=language, timezone=ZONE[language], **fields)
    kick_off = make_update(entry, first, published=datetime(2026, 5, 1, 12, 5, tzinfo=UTC))
    make_update(entry, goal, key_event=True, pinned=True, headline=goal)
    make_update(entry, half)
    kick_off.content = first + "."
    kick_off.save()
    set_summary(entry.pk, f"- {goal}")
    return entry


def test_every_shipped_language_has_a_catalog_and_is_offered():
    offered = [code for code, _name in settings.LANGUAGES]

    assert offered == ["en", *SHIPPED]
    for language in SHIPPED:
        assert (LOCALE / language / "LC_MESSAGES" / "django.po").is_file()
        assert (LOCALE / language / "LC_MESSAGES" / "django.mo").is_file()


def test_the_english_detector_finds_our_messages_and_unmarked_english():
    found = english_in(
        ["Key events", "Times in CEST (Europe/Berlin)", "Updated", "Oops, the server", "Halbzeit"],
        "de",
    )

    assert found == ["Key events", "Times in CEST (Europe/Berlin)", "Updated", "Oops, the server"]


@pytest.mark.parametrize("language", SHIPPED)
def test_an_entry_page_in_a_shipped_language_has_no_english_left(client, language):
    entry = entry_in(language)

    page = client.get(entry.get_absolute_url()).content.decode()
    missing = client.get(f"{entry.get_absolute_url()}?update=999999").content.decode()

    assert_no_english(page, language, "the entry page")
    assert_no_english(missing, language, "a permalink to a deleted update")
    assert f'<html lang="{language}" dir="ltr">' in page


@pytest.mark.parametrize("language", SHIPPED)
def test_an_older_page_and_an_ended_entry_have_no_english_left(client, language):
    entry = entry_in(language, status=Entry.Status.ENDED)
    oldest = entry.updates.order_by("published", "id").first()

    with override_settings(LIVEBLOG_PAGE_SIZE=1):
        older = client.get(f"{entry.get_absolute_url()}?update={oldest.pk}").content.decode()
    ended = client.get(entry.get_absolute_url()).content.decode()

    assert 'rel="prev"' in older
    assert_no_english(older, language, "an older page")
    assert_no_english(ended, language, "an ended entry")


@pytest.mark.parametrize("language", SHIPPED)
def test_the_poll_and_the_feed_carry_the_entrys_language(client, language):
    entry = entry_in(language)

    poll = client.get(entry.poll_url() + "?since=0").json()
    feed = client.get(reverse("updates:feed", kwargs={"slug": entry.slug})).content.decode()

    for item in poll["updates"]:
        assert_no_english(item["html"], language, "a polled update")
    assert_no_english(poll["pinned"] + poll["key_events"] + poll["summary"], language, "a poll")
    assert f'xml:lang="{language}"' in feed


@pytest.mark.parametrize("language", SHIPPED)
def test_the_index_in_the_sites_language_has_no_english_left(client, language):
    entry_in(language)

    with override_settings(LANGUAGE_CODE=language):
        page = client.get(reverse("entries:index")).content.decode()

    assert_no_english(page, language, "the index")
    assert f'<html lang="{language}"' in page


@pytest.mark.parametrize("language", SHIPPED)
def test_the_desk_follows_the_authors_browser_and_has_no_english_left(staff_client, language):
    entry = entry_in(language)
    staff_client.user.first_name = "Ana"
    staff_client.user.save()

    desk = reverse("admin:entries_entry_desk", args=[entry.pk])
    page = staff_client.get(desk, headers={"accept-language": language})

    assert page["Content-Language"] == language
    # Django's admin around the desk is in Django's translation, and passes too.
    assert_no_english(page.content.decode(), language, "the desk")


def test_the_desk_is_in_the_sites_language_for_a_browser_asking_for_none_we_ship(staff_client):
    entry = make_entry()

    page = staff_client.get(
        reverse("admin:entries_entry_desk", args=[entry.pk]), headers={"accept-language": "fi"}
    ).content.decode()

    assert "View as a reader" in page


@pytest.mark.parametrize("language", SHIPPED)
def test_error_pages_in_the_sites_language_have_no_english_left(client, rf, language):
    entry = make_entry(language=language)

    with override_settings(LANGUAGE_CODE=language):
        pages = {
            "400": client.get(f"{entry.get_absolute_url()}?before=x"),
            "404": client.get("/entries/no-such-entry/"),
            "405": client.post(entry.get_absolute_url()),
        }
        with translation.override(language):
            rendered = {
                "403": defaults.permission_denied(rf.get("/"), Exception()).content.decode(),
                "500": render_to_string("500.html"),
                "503": render_to_string("503.html", {"message": "x"}),
                "locked": render_to_string(
                    "login_locked.html", {"username": "ana", "cooloff_timedelta": "0:15:00"}
                ),
            }

    for name, response in pages.items():
        assert response.status_code == int(name)
        assert_no_english(response.content.decode(), language, name)
    for name, html in rendered.items():
        assert_no_english(html, language, name)
        assert f'lang="{language}"' in html, name


@pytest.mark.parametrize(
    ("language", "count", "words"),
    [
        ("de", 1, "1</span> Eintrag"), ("de", 2, "2</span> Einträge"), ("de", 5, "5</span> Einträge"),
        ("es", 1, "1</span> actualización"), ("es", 2, "2</span> actualizaciones"),
        ("es", 5, "5</span> actualizaciones"),
        ("en", 1, "1</span> update"), ("en", 2, "2</span> updates"),
    ],
)  # fmt: skip
def test_the_desks_count_agrees_with_its_number(language, count, words):
    with translation.override(language):
        assert count_label(count).endswith(words)


def test_a_german_entry_on_an_english_site_reads_as_german_with_24_hour_times(client):
    entry = make_entry(language="de", timezone="Europe/Berlin")
    make_update(entry, "Tor!", published=datetime(2026, 5, 1, 12, 5, tzinfo=UTC))

    response = client.get(entry.get_absolute_url())
    page = response.content.decode()

    assert '<html lang="de" dir="ltr">' in page
    assert '<time datetime="2026-05-01T14:05:00+02:00">14:05</time>' in page
    assert "Uhrzeiten in" in page


def test_an_english_entry_shows_american_times(client):
    entry = make_entry(timezone="UTC")
    make_update(entry, "Goal!", published=datetime(2026, 5, 1, 14, 5, tzinfo=UTC))

    page = client.get(entry.get_absolute_url()).content.decode()

    assert '<html lang="en-us" dir="ltr">' in page
    assert '<time datetime="2026-05-01T14:05:00+00:00">2:05 PM</time>' in page


def test_a_public_page_is_in_the_entrys_language_whatever_the_reader_asks(client):
    entry = make_entry(language="es")
    client.cookies["django_language"] = "de"

    response = client.get(entry.get_absolute_url(), headers={"accept-language": "de"})
    index = client.get(reverse("entries:index"), headers={"accept-language": "de"})

    assert '<html lang="es"' in response.content.decode()
    assert '<html lang="en-us"' in index.content.decode()
    for answer in (response, index):
        assert_shared(answer)
        assert "accept-language" not in answer.get("Vary", "").lower()
        assert "Content-Language" not in answer


def test_changing_an_entrys_language_renders_its_stored_updates_again(client):
    entry = make_entry()
    pinned = make_update(entry, "Tor!", pinned=True)
    revision = Entry.objects.get(pk=entry.pk).revision

    entry.language = "de"
    entry.save()
    poll = client.get(entry.poll_url() + f"?since={revision}").json()

    assert [item["id"] for item in poll["updates"]] == [pinned.pk]
    assert "Angeheftet" in poll["updates"][0]["html"]
    assert "Angeheftet" in LiveUpdate.objects.get(pk=pinned.pk).fragment


def test_the_scripts_plural_forms_cover_every_category(client):
    entry = make_entry(language="es")

    page = client.get(entry.get_absolute_url()).content.decode()
    catalog = json.loads(
        re.search(r'id="live-text" type="application/json">(.*?)</script>', page)[1]
    )

    assert catalog["new_updates"]["1"] == "%(count)s nueva actualización"
    assert catalog["new_updates"]["5"] == "%(count)s nuevas actualizaciones"
    # Spanish's "many" (CLDR), a million: the sample the script finds it by.
    assert catalog["new_updates"]["1000000"] == "%(count)s de actualizaciones nuevas"


@pytest.fixture
def hebrew(tmp_path):
    """The right-to-left test catalog (tests/pseudo_locale.py), offered."""
    with override_settings(
        LANGUAGES=[*settings.LANGUAGES, ("he", "עברית")],
        LOCALE_PATHS=[*settings.LOCALE_PATHS, write_catalog(tmp_path)],
    ):
        yield


def test_a_right_to_left_entry_is_laid_out_right_to_left(client, hebrew):
    entry = make_entry(language="he")
    make_update(entry, "שלום", pinned=True)

    page = client.get(entry.get_absolute_url()).content.decode()

    assert '<html lang="he" dir="rtl">' in page
    assert "Key events" not in page


def test_the_desks_refusals_are_in_the_authors_language(staff_client):
    entry = make_entry(language="es")

    answer = staff_client.post(
        reverse("admin:entries_entry_desk_post", args=[entry.pk]),
        {"content": " ", "key": "composition-de"},
        headers={"accept-language": "de"},
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "Nicht veröffentlicht: siehe Hinweise."
    assert answer.json()["errors"]["content"] == [
        "Schreiben Sie etwas oder fügen Sie ein Foto hinzu."
    ]


@pytest.mark.parametrize("language", SHIPPED)
def test_the_entry_and_update_admin_forms_have_no_english_left(staff_client, language):
    entry = entry_in(language)
    update = entry.updates.first()

    pages = {
        "the entry's form": reverse("admin:entries_entry_change", args=[entry.pk]),
        "the entry list": reverse("admin:entries_entry_changelist"),
        "an update's form": reverse("admin:updates_liveupdate_change", args=[update.pk]),
    }

    for what, address in pages.items():
        page = staff_client.get(address, headers={"accept-language": language})
        assert page.status_code == 200, what
        assert_no_english(page.content.decode(), language, what)
