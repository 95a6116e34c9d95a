"""What an author can send is bounded where it arrives, and what it renders to (issue 17).

An update (or an entry's intro) holds at most LIVEBLOG_MAX_UPDATE_CHARS
characters and renders to at most LIVEBLOG_MAX_UPDATE_HTML_BYTES of HTML:
every page and poll carries it. Lengths the database enforces are checked
before it sees them, so a desk post is a 400 with the field's message on
PostgreSQL and SQLite alike, never a 500 or a silently longer value.
Characters XML and PostgreSQL refuse are stripped when saved.
"""

import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from entries.models import Entry
from liveblog.markdown import render_markdown
from tests import hostile_markdown
from tests.factories import NO_PHOTOS, make_entry, make_update
from tests.images import phone_jpeg
from tests.test_settings import load_settings
from updates.changes import RefusedUpdate, post_updates
from updates.models import LiveUpdate, Photo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

LIMIT = 256 * 1024


def desk(name, *args):
    return reverse(f"admin:entries_entry_desk{name}", args=args)


def ordinary_text(size: int) -> str:
    """What a long, honest update looks like: paragraphs, links, a list, a table."""
    block = (
        "The keynote moves on to **performance**: see [the slides][s] and "
        "<https://example.com/notes>.\n\n- Faster\n- Smaller\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    )
    text = "[s]: https://example.com/slides\n\n" + block * (size // len(block))
    return text[:size]


# Rendering


@pytest.mark.parametrize("name", list(hostile_markdown.WORST))
def test_the_worst_markdown_found_renders_under_the_size_bound_or_is_refused(name):
    source = hostile_markdown.WORST[name]()
    assert len(source) <= 20_000

    try:
        html = render_markdown(source)
    except ValidationError as error:
        assert "more than 256 KB of HTML" in error.messages[0]
    else:
        assert len(html.encode()) <= LIMIT


def test_a_reference_used_thousands_of_times_is_refused_naming_the_limit():
    with pytest.raises(ValidationError) as error:
        render_markdown(hostile_markdown.repeated_reference(18_000))

    assert error.value.messages == [
        "This text would make more than 256 KB of HTML, the limit: a link or image defined "
        "once ([name]: URL) counts again at every [name]."
    ]


def test_tables_that_fill_in_cells_are_refused_before_they_take_memory():
    # Measured (scripts/markdown_cost.py): 20 s and 960 MB before the cells
    # were counted while parsing, under a second and 64 MB since.
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError):
            render_markdown(hostile_markdown.filled_in_tables())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 200 * 1024 * 1024


def test_ordinary_text_at_the_length_limit_renders_in_full():
    html = render_markdown(ordinary_text(20_000))

    assert html.count("<table>") > 50
    assert html.endswith("</p>") or html.endswith("</table>") or html.endswith("</ul>")


def test_the_html_limit_is_a_setting(settings):
    settings.LIVEBLOG_MAX_UPDATE_HTML_BYTES = 1024

    render_markdown("a" * 1000)
    with pytest.raises(ValidationError, match="more than 1 KB of HTML"):
        render_markdown("a" * 1100)


# Where text arrives


def test_the_desk_refuses_an_update_over_the_limit_naming_it_and_stores_nothing(staff_client):
    entry = make_entry()

    response = staff_client.post(
        desk("_post", entry.pk), {"content": "a" * 20_001, "key": "composition-1"}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "content": ["An update may hold at most 20,000 characters; this one has 20,001."]
    }
    assert not LiveUpdate.all_objects.exists()
    assert Entry.objects.get(pk=entry.pk).revision == 0


def test_the_desk_refuses_text_that_renders_too_large(staff_client):
    entry = make_entry()

    response = staff_client.post(
        desk("_post", entry.pk),
        {"content": hostile_markdown.repeated_reference(18_000), "key": "composition-2"},
    )

    assert response.status_code == 400
    assert "more than 256 KB of HTML" in response.json()["errors"]["content"][0]
    assert not LiveUpdate.all_objects.exists()


def test_the_desk_takes_an_update_at_the_limit(staff_client):
    entry = make_entry()

    response = staff_client.post(
        desk("_post", entry.pk), {"content": ordinary_text(20_000), "key": "composition-3"}
    )

    assert response.status_code == 201


def test_a_desk_edit_over_the_limit_is_refused_and_changes_nothing(staff_client):
    entry = make_entry()
    update = make_update(entry, "Short.")

    response = staff_client.post(
        desk("_edit", entry.pk, update.pk), {"content": "a" * 20_001, "revision": update.revision}
    )

    assert response.status_code == 400
    assert response.json()["errors"]["content"] == [
        "An update may hold at most 20,000 characters; this one has 20,001."
    ]
    update.refresh_from_db()
    assert (update.content, update.revision) == ("Short.", 1)


def test_an_update_stored_before_the_limits_can_still_be_pinned_and_marked(staff_client, settings):
    entry = make_entry()
    update = make_update(entry, "[r]\n\n[r]: https://example.com/" + "x" * 400 + "\n" * 2)
    # Stored when the limit was larger (or before there was one).
    settings.LIVEBLOG_MAX_UPDATE_HTML_BYTES = 100

    pinned = staff_client.post(desk("_flags", entry.pk, update.pk), {"pinned": "1"})
    marked = staff_client.post(desk("_flags", entry.pk, update.pk), {"key_event": "1"})

    assert (pinned.status_code, marked.status_code) == (200, 200)
    update.refresh_from_db()
    assert update.pinned and update.key_event and update.revision == 3


def test_an_entry_whose_intro_was_stored_before_the_limits_can_still_go_live_and_end(
    staff_client, settings
):
    entry = make_entry(
        status=Entry.Status.DRAFT, intro="[r]\n\n[r]: https://example.com/" + "x" * 400
    )
    settings.LIVEBLOG_MAX_UPDATE_HTML_BYTES = 100
    changelist = reverse("admin:entries_entry_changelist")

    live = staff_client.post(changelist, {"action": "go_live", "_selected_action": [entry.pk]})
    ended = staff_client.post(
        changelist, {"action": "end_coverage", "_selected_action": [entry.pk]}
    )

    assert (live.status_code, ended.status_code) == (302, 302)
    entry.refresh_from_db()
    assert entry.status == Entry.Status.ENDED


def test_one_copy_of_an_entry_whose_intro_was_stored_before_the_limits_can_go_live_then_end(
    settings,
):
    # As a script or the shell does it: the intro is rendered again only if
    # it changed since this copy read or saved it.
    entry = make_entry(
        status=Entry.Status.DRAFT, intro="[r]\n\n[r]: https://example.com/" + "x" * 400
    )
    settings.LIVEBLOG_MAX_UPDATE_HTML_BYTES = 100
    entry = Entry.objects.get(pk=entry.pk)

    entry.go_live()
    entry.end()

    entry.refresh_from_db()
    assert entry.status == Entry.Status.ENDED


def test_pinning_an_update_stored_with_a_control_character_does_not_mark_it_edited(
    staff_client,
):
    entry = make_entry()
    update = make_update(entry, "Line")
    # Stored before text was cleaned when saved.
    LiveUpdate.objects.filter(pk=update.pk).update(content="Line\x0bbreak")

    response = staff_client.post(desk("_flags", entry.pk, update.pk), {"pinned": "1"})

    assert response.status_code == 200
    update.refresh_from_db()
    assert update.pinned and update.edited is None


def test_an_alt_text_of_control_characters_alone_is_refused(staff_client):
    entry = make_entry()

    response = staff_client.post(
        desk("_post", entry.pk),
        {"key": "composition-ctl", "photo-0": phone_jpeg(), "alt-0": "\x01\x02 \x1b"},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"photo-0": ["Describe the photo in its alt text."]}
    assert not Photo.objects.exists()


def test_a_desk_post_renders_its_markdown_once(staff_client, monkeypatch):
    from liveblog import markdown as rendering

    renders = []
    original = rendering._markdown.render
    monkeypatch.setattr(
        rendering._markdown, "render", lambda *args: renders.append(1) or original(*args)
    )
    entry = make_entry()

    response = staff_client.post(
        desk("_post", entry.pk), {"content": "Rendered *once* " + "x" * 9, "key": "render-01"}
    )

    assert response.status_code == 201
    assert "<em>once</em>" in LiveUpdate.objects.get().html
    # Validated (clean) and saved: one render between them.
    assert len(renders) == 1


def test_the_limit_follows_the_setting(staff_client, settings):
    settings.LIVEBLOG_MAX_UPDATE_CHARS = 100
    entry = make_entry()

    response = staff_client.post(
        desk("_post", entry.pk), {"content": "a" * 101, "key": "composition-4"}
    )

    assert response.json()["errors"]["content"] == [
        "An update may hold at most 100 characters; this one has 101."
    ]


def test_the_admin_update_form_refuses_an_update_over_the_limit(staff_client):
    entry = make_entry()

    response = staff_client.post(
        reverse("admin:updates_liveupdate_add"),
        {"entry": entry.pk, "content": "a" * 20_001, **NO_PHOTOS},
    )

    assert response.status_code == 200
    assert "An update may hold at most 20,000 characters; this one has 20,001." in (
        response.content.decode()
    )
    assert not LiveUpdate.all_objects.exists()


def test_the_admin_update_form_refuses_text_that_renders_too_large(staff_client):
    entry = make_entry()

    response = staff_client.post(
        reverse("admin:updates_liveupdate_add"),
        {"entry": entry.pk, "content": hostile_markdown.repeated_reference(18_000), **NO_PHOTOS},
    )

    assert response.status_code == 200
    assert "more than 256 KB of HTML" in response.content.decode()
    assert not LiveUpdate.all_objects.exists()


def entry_form(**fields) -> dict:
    return {"title": "Keynote", "slug": "keynote", "status": "draft", "timezone": "UTC", **fields}


def test_the_admin_entry_form_refuses_an_intro_over_the_limit_or_rendering_too_large(
    staff_client,
):
    add = reverse("admin:entries_entry_add")

    long = staff_client.post(add, entry_form(intro="a" * 20_001))
    large = staff_client.post(add, entry_form(intro=hostile_markdown.repeated_reference(18_000)))

    assert "An intro may hold at most 20,000 characters; this one has 20,001." in (
        long.content.decode()
    )
    assert "more than 256 KB of HTML" in large.content.decode()
    assert not Entry.objects.exists()


def test_the_admin_entry_form_refuses_a_title_over_its_length(staff_client):
    # Django's ModelForm checks a CharField's max_length (verified, issue 17 item 7).
    response = staff_client.post(reverse("admin:entries_entry_add"), entry_form(title="T" * 201))

    assert "Ensure this value has at most 200 characters (it has 201)." in (
        response.content.decode()
    )
    assert not Entry.objects.exists()


@pytest.mark.parametrize("value", ["many", "0", "-5", "1e6"])
def test_a_length_limit_that_is_not_a_whole_number_refuses_to_start(value):
    result = load_settings(
        SECRET_KEY="x" * 50, DATABASE_URL="sqlite:///db.sqlite3", LIVEBLOG_MAX_UPDATE_CHARS=value
    )

    assert result.returncode != 0
    assert f"LIVEBLOG_MAX_UPDATE_CHARS must be a whole number above 0, got '{value}'" in (
        result.stderr
    )


# Lengths the database would enforce (item 7)


def test_a_caption_over_500_characters_is_a_400_naming_the_caption(staff_client):
    entry = make_entry()

    response = staff_client.post(
        desk("_post", entry.pk),
        {"key": "composition-5", "photo-0": phone_jpeg(), "alt-0": "Stage", "caption-0": "c" * 600},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "photo-0": ["Caption: Ensure this value has at most 500 characters (it has 600)."]
    }
    assert not LiveUpdate.all_objects.exists() and not Photo.objects.exists()


def test_an_alt_text_and_a_caption_both_too_long_are_both_named(staff_client):
    entry = make_entry()

    response = staff_client.post(
        desk("_post", entry.pk),
        {"key": "composition-6", "photo-0": phone_jpeg(), "alt-0": "a" * 1001,
         "caption-0": "c" * 600},
    )  # fmt: skip

    assert response.status_code == 400
    messages = response.json()["errors"]["photo-0"]
    assert len(messages) == 2
    assert any(m.startswith("Alt text") and "1,000" in m for m in messages), messages
    assert "Caption: Ensure this value has at most 500 characters (it has 600)." in messages


def test_an_import_refuses_an_update_over_the_limit_naming_it_and_writes_nothing():
    entry = make_entry()
    updates = [LiveUpdate(content="Fine"), LiveUpdate(content="a" * 20_001)]

    with pytest.raises(RefusedUpdate) as refused:
        post_updates(entry, updates)

    assert refused.value.position == 1
    assert refused.value.messages == [
        "An update may hold at most 20,000 characters; this one has 20,001."
    ]
    assert not LiveUpdate.all_objects.exists()


@pytest.mark.postgres
def test_a_caption_over_500_characters_is_a_400_on_postgresql_too(staff_client):
    test_a_caption_over_500_characters_is_a_400_naming_the_caption(staff_client)


def test_an_alt_text_over_1000_characters_is_refused_when_posted_and_when_edited(staff_client):
    entry = make_entry()
    posted = staff_client.post(
        desk("_post", entry.pk),
        {"key": "composition-6", "photo-0": phone_jpeg(), "alt-0": "a" * 1001},
    )
    staff_client.post(
        desk("_post", entry.pk),
        {"content": "x", "key": "composition-7", "photo-0": phone_jpeg(), "alt-0": "Stage"},
    )
    update = LiveUpdate.objects.get()
    photo = update.photos.get()

    edited = staff_client.post(
        desk("_edit", entry.pk, update.pk),
        {"content": "x", f"alt-{photo.pk}": "a" * 1001, "revision": update.revision},
    )

    message = "Alt text may hold at most 1,000 characters; this one has 1,001."
    assert posted.status_code == 400
    assert posted.json()["errors"] == {"photo-0": [message]}
    assert edited.status_code == 400
    assert edited.json()["errors"] == {f"alt-{photo.pk}": [message]}
    assert Photo.objects.get().alt == "Stage"


def test_the_admin_photo_form_refuses_a_long_caption_and_alt_text(staff_client):
    entry = make_entry()

    response = staff_client.post(
        reverse("admin:updates_liveupdate_add"),
        {
            "entry": entry.pk,
            "content": "With a photo",
            "photos-TOTAL_FORMS": "1",
            "photos-INITIAL_FORMS": "0",
            "photos-0-image": phone_jpeg(),
            "photos-0-alt": "a" * 1001,
            "photos-0-caption": "c" * 501,
            "photos-0-position": "0",
        },
    )

    page = response.content.decode()
    assert "Ensure this value has at most 500 characters (it has 501)." in page
    assert "Alt text may hold at most 1,000 characters; this one has 1,001." in page
    assert not LiveUpdate.all_objects.exists()


# Characters XML and PostgreSQL refuse (item 6); the feed's side is in test_feed.py


UNSAFE = ["\x00", "\x1b", "\x08", "\ufffe", "\uffff"]


@pytest.mark.parametrize("character", UNSAFE)
def test_the_desk_strips_characters_xml_refuses_from_text_alt_and_caption(staff_client, character):
    entry = make_entry()

    response = staff_client.post(
        desk("_post", entry.pk),
        {
            "content": f"Go{character}al",
            "key": "composition-8",
            "photo-0": phone_jpeg(),
            "alt-0": f"St{character}age",
            "caption-0": f"Ha{character}ll",
        },
    )

    assert response.status_code == 201
    update = LiveUpdate.objects.get()
    photo = update.photos.get()
    assert (update.content, photo.alt, photo.caption) == ("Goal", "Stage", "Hall")
    assert character not in update.fragment

    edited = staff_client.post(
        desk("_edit", entry.pk, update.pk),
        {
            "content": f"Goal{character}!",
            f"alt-{photo.pk}": f"The{character} stage",
            "revision": update.revision,
        },
    )

    assert edited.status_code == 200
    update.refresh_from_db()
    photo.refresh_from_db()
    assert (update.content, photo.alt) == ("Goal!", "The stage")


def test_a_caption_of_500_characters_and_one_xml_refuses_is_posted_without_it(staff_client):
    # Its length is that of what is stored: the character is stripped first.
    entry = make_entry()

    response = staff_client.post(
        desk("_post", entry.pk),
        {"key": "composition-9", "photo-0": phone_jpeg(), "alt-0": "Stage",
         "caption-0": "c" * 250 + "\x1b" + "c" * 250},
    )  # fmt: skip

    assert response.status_code == 201
    assert Photo.objects.get().caption == "c" * 500


def test_a_vertical_tab_pasted_from_word_becomes_a_line_break():
    entry = make_entry(title="Key\x0bnote", intro="First\x0bSecond")
    update = make_update(entry, "One\x0bTwo")

    assert (entry.title, entry.intro, update.content) == ("Key\nnote", "First\nSecond", "One\nTwo")
    assert update.html == "<p>One\nTwo</p>"


@pytest.mark.parametrize("character", UNSAFE)
def test_titles_intros_and_admin_photos_lose_them_when_saved(character):
    entry = make_entry(title=f"Key{character}note", intro=f"The *open{character}ing*")
    update = make_update(entry, "With a photo")
    photo = Photo.objects.create(
        update=update, alt=f"St{character}age", caption=f"Ha{character}ll", key="k"
    )

    entry.refresh_from_db()
    photo.refresh_from_db()
    assert (entry.title, entry.intro, photo.alt, photo.caption) == (
        "Keynote", "The *opening*", "Stage", "Hall"
    )  # fmt: skip


def test_the_admin_refuses_a_nul_with_a_message_not_a_500(staff_client):
    # Django's form fields refuse NUL themselves; PostgreSQL never sees it.
    entry = make_entry()

    response = staff_client.post(
        reverse("admin:updates_liveupdate_add"),
        {"entry": entry.pk, "content": "Go\x00al", **NO_PHOTOS},
    )

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not LiveUpdate.all_objects.exists()
