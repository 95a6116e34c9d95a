"""A headline per update (issue 22, item 1): optional plain text, shown bold
above the update, and what key events, the feed, search engines, share
previews, the poll and transcripts call the update."""

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import NO_PHOTOS, make_entry, make_update
from tests.helpers import polled as poll
from updates import transcript
from updates.changes import edit_update, post_update, post_updates, set_flags
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def desk_url(name: str, *args) -> str:
    return reverse(f"admin:entries_entry_desk{name}", args=args)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def json_ld(html: str) -> dict:
    (found,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found)


def og_title(html: str) -> str:
    return re.search(r'<meta property="og:title" content="([^"]*)">', html).group(1)


def test_a_headline_shows_in_bold_above_the_update_text_escaped(client):
    entry = make_entry()
    make_update(entry, "The minister has resigned.", headline="Minister <b>out</b> & gone")

    html = page(client, entry.get_absolute_url())

    assert (
        '<h2 class="update-headline">Minister &lt;b&gt;out&lt;/b&gt; &amp; gone</h2>\n'
        '  <div class="update-body"><p>The minister has resigned.</p>'
    ) in html


def test_an_update_without_a_headline_shows_none():
    entry = make_entry()

    update = make_update(entry, "Just text.")

    assert "update-headline" not in update.fragment


def test_a_headline_is_kept_on_one_line_and_refused_over_120_characters():
    entry = make_entry()

    update = post_update(entry, "Text", headline="  Two\nlines\x0b pasted ")
    assert update.headline == "Two lines pasted"
    with pytest.raises(ValidationError) as refused:
        post_update(entry, "Text", headline="x" * 121)
    assert "headline" in refused.value.message_dict
    with pytest.raises(ValidationError, match="at most 120 characters"):
        edit_update(update, "Text", headline="y" * 121)
    with pytest.raises(ValidationError, match="at most 120 characters"):
        post_updates(entry, [LiveUpdate(content="Text", headline="z" * 121)])
    assert LiveUpdate.objects.get().headline == "Two lines pasted"


def test_a_key_event_is_listed_by_its_headline_else_by_its_first_sentence(client):
    entry = make_entry()
    titled = make_update(entry, "A long first sentence. More.", headline="Goal for Spain")
    untitled = make_update(entry, "Half time. The score is 1-0.")
    set_flags(titled, key_event=True)
    set_flags(untitled, key_event=True)

    html = page(client, entry.get_absolute_url())
    key_events = re.search(r'<ol class="key-events-list">(.*?)</ol>', html, re.S).group(1)

    assert re.findall(r"</time> ([^<]*)</a>", key_events) == ["Goal for Spain", "Half time."]


def test_the_poll_sends_each_updates_headline_and_a_headline_change_takes_a_revision(client):
    entry = make_entry()
    update = make_update(entry, "Text", headline="First")
    make_update(entry, "No headline")
    entry.refresh_from_db()
    before = entry.revision

    edit_update(update, "Text", headline="Second")

    (item,) = poll(client, entry, since=before)["updates"]
    assert item["headline"] == "Second"
    assert '<h2 class="update-headline">Second</h2>' in item["html"]
    assert "Edited" in item["html"]
    assert [item["headline"] for item in poll(client, entry, since=0)["updates"]] == [
        "",
        "Second",
    ]


def test_an_edit_without_a_headline_keeps_it_and_an_empty_one_removes_it():
    entry = make_entry()
    update = make_update(entry, "Text", headline="Kept")

    edit_update(update, "Text, edited")
    assert LiveUpdate.objects.get().headline == "Kept"
    edit_update(update, "Text, edited", headline="")
    assert LiveUpdate.objects.get().headline == ""


def test_the_atom_entry_is_titled_by_the_headline(client):
    entry = make_entry()
    make_update(entry, "Body text first line", headline="The headline")
    make_update(entry, "Body text only")

    feed = ET.fromstring(client.get(reverse("updates:feed", kwargs={"slug": entry.slug})).content)

    titles = [item.find(f"{ATOM}title").text for item in feed.iter(f"{ATOM}entry")]
    assert titles == ["Body text only", "The headline"]


def test_the_json_ld_headline_of_each_update_is_its_headline(client):
    entry = make_entry(title="The match")
    make_update(entry, "Kick-off in Madrid.", headline="Kick-off & <anthems>")
    make_update(entry, "Nothing yet.")

    data = json_ld(page(client, entry.get_absolute_url()))

    headlines = [item["headline"] for item in data["liveBlogUpdate"]]
    assert headlines == ["Nothing yet.", "Kick-off & <anthems>"]


def test_a_permalinks_share_preview_is_titled_by_the_updates_headline(client):
    entry = make_entry(title="The match")
    titled = make_update(entry, "Text", headline="Spain win the cup")
    untitled = make_update(entry, "Text")

    assert og_title(page(client, titled.get_absolute_url())) == "Spain win the cup"
    assert og_title(page(client, untitled.get_absolute_url())) == "The match"
    assert og_title(page(client, entry.get_absolute_url())) == "The match"


def test_headlines_add_no_query_to_the_page_or_the_poll(client, django_assert_num_queries):
    entry = make_entry()
    post_updates(
        entry,
        [
            LiveUpdate(content=f"Update {n}", headline=f"Headline {n}", key_event=n % 10 == 0)
            for n in range(50)
        ]
        + [LiveUpdate(content="Pinned", headline="Pinned headline", pinned=True)],
    )

    with django_assert_num_queries(3):
        html = page(client, entry.get_absolute_url())
    with django_assert_num_queries(3):
        body = poll(client, entry, since=40)

    assert html.count('class="update-headline"') == 51 + 1  # the pinned copy too
    assert [item["headline"] for item in body["updates"]][-1] == "Pinned headline"


def test_the_desk_posts_a_headline_and_refuses_a_long_one_in_json(staff_client):
    entry = make_entry()

    refused = staff_client.post(
        desk_url("_post", entry.pk), {"content": "Text", "headline": "x" * 121, "key": "key-0001"}
    )
    posted = staff_client.post(
        desk_url("_post", entry.pk), {"content": "Text", "headline": "Breaking", "key": "key-0002"}
    )
    untitled = staff_client.post(
        desk_url("_post", entry.pk), {"content": "Quick", "key": "key-0003"}
    )

    assert refused.status_code == 400
    assert "120 characters" in refused.json()["errors"]["headline"][0]
    assert posted.status_code == 201 and untitled.status_code == 201
    assert '<p class="desk-item-headline">Breaking</p>' in posted.json()["html"]
    assert list(LiveUpdate.objects.values_list("headline", flat=True)) == ["", "Breaking"]


def test_the_desk_edits_a_headline_and_a_repeated_key_with_another_headline_is_a_conflict(
    staff_client,
):
    entry = make_entry()
    form = {"content": "Text", "headline": "One", "key": "key-0001"}
    update = LiveUpdate.objects.get(
        pk=staff_client.post(desk_url("_post", entry.pk), form).json()["id"]
    )

    repeated = staff_client.post(desk_url("_post", entry.pk), {**form, "headline": "Two"})
    edited = staff_client.post(
        desk_url("_edit", entry.pk, update.pk),
        {"content": "Text", "headline": "Three", "revision": update.revision},
    )

    assert repeated.status_code == 409
    assert edited.status_code == 200
    assert LiveUpdate.objects.get().headline == "Three"


def test_a_transcripts_bold_line_after_the_time_is_the_headline_both_ways(tmp_path):
    entry = make_entry(slug="talk", timezone="UTC")
    source = tmp_path / "notes.md"
    source.write_text(
        "**10:19** **Doors open**\nThe hall is filling up.\n\n"
        "**10:25** No headline here.\n\n"
        "**10:30** **Bold text** that is no headline.\n"
    )

    call_command(
        "import_liveblog", str(source), "--entry", "talk", "--date", "2026-06-01",
        "--timezone", "UTC", stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    call_command("export_liveblog", "talk", stdout=out, stderr=err)

    rows = list(entry.updates.in_page_order().values_list("headline", "content"))
    assert rows == [
        ("Doors open", "The hall is filling up."),
        ("", "No headline here."),
        ("", "**Bold text** that is no headline."),
    ]
    assert out.getvalue() == source.read_text()
    assert "Warning" not in err.getvalue()


def test_an_exported_update_whose_text_opens_with_a_bold_line_is_not_read_back_as_a_headline():
    published = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    updates = [(published, "**Breaking**\nThe text.", "")]

    written = transcript.write(updates, UTC)

    assert written == "**10:00**\n**Breaking**\nThe text.\n"
    assert transcript.differences(updates, written, UTC) == []
    _, (item,) = transcript.parse(written)
    assert (item.headline, item.text) == ("", "**Breaking**\nThe text.")


def test_the_stock_admin_form_sets_a_headline_and_refuses_a_long_one(staff_client):
    entry = make_entry()
    add = reverse("admin:updates_liveupdate_add")
    form = {"entry": entry.pk, "content": "Text", "_save": "Save", **NO_PHOTOS}

    refused = staff_client.post(add, {**form, "headline": "x" * 121})
    saved = staff_client.post(add, {**form, "headline": "From the admin"})

    assert refused.status_code == 200 and "at most 120 characters" in refused.content.decode()
    assert saved.status_code == 302
    assert '<h2 class="update-headline">From the admin</h2>' in LiveUpdate.objects.get().fragment


def test_a_transcript_update_with_a_headline_but_no_text_is_refused_naming_its_line(tmp_path):
    make_entry(slug="talk", timezone="UTC")
    source = tmp_path / "notes.md"
    source.write_text("**10:19** First.\n\n**10:25** **Kick-off**\n\n**10:30** Third.\n")

    with pytest.raises(CommandError, match=r"line 3: the update at 10:25 has a headline but no"):
        call_command(
            "import_liveblog", str(source), "--entry", "talk", "--date", "2026-06-01",
            "--timezone", "UTC", stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip

    assert not LiveUpdate.objects.exists()


def test_post_update_takes_a_headline_and_refuses_a_long_one():
    entry = make_entry(slug="match")

    call_command("post_update", "match", "Text", "--headline", "Kick-off", stdout=io.StringIO())
    with pytest.raises(CommandError, match="120 characters"):
        call_command("post_update", "match", "Text", "--headline", "x" * 121)

    assert list(entry.updates.values_list("headline", flat=True)) == ["Kick-off"]
