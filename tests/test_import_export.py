"""import_liveblog and export_liveblog: the Markdown transcript form, both ways."""

import io
import subprocess
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from entries.models import Entry
from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from tests.servers import PROJECT
from tests.transcripts import long_transcript
from updates import transcript
from updates.changes import PhotoUpload, post_update
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def run_import(path, slug="talk", day="2026-06-01", zone="Europe/London", *extra):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_liveblog", str(path), "--entry", slug, "--date", day, "--timezone", zone, *extra,
        stdout=out, stderr=err,
    )  # fmt: skip
    return out.getvalue(), err.getvalue()


def run_export(slug="talk") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_liveblog", slug, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def saved(entry) -> list[tuple[datetime, str]]:
    return list(entry.updates.in_page_order().values_list("published", "content"))


def transcript_file(tmp_path, text: str, name="notes.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_marker_starts_an_update_at_that_local_time_spanning_paragraphs(tmp_path):
    entry = make_entry(slug="talk")
    path = transcript_file(
        tmp_path,
        "**10:19** Kick-off.\n\nSecond paragraph\n- a list\n\n**10:21:30** ![Goal](https://e.com/g.jpg)",
    )

    run_import(path)

    assert saved(entry) == [
        (datetime(2026, 6, 1, 9, 19, tzinfo=UTC), "Kick-off.\n\nSecond paragraph\n- a list"),
        (datetime(2026, 6, 1, 9, 21, 30, tzinfo=UTC), "![Goal](https://e.com/g.jpg)"),
    ]
    assert 'alt="Goal"' in entry.updates.get(content__startswith="!").html


def test_a_time_earlier_than_the_one_before_is_the_next_day(tmp_path):
    entry = make_entry(slug="talk")
    path = transcript_file(tmp_path, "**23:50** Late.\n**00:10** After midnight.\n**00:05** Later.")

    run_import(path, zone="UTC")

    assert [published for published, _ in saved(entry)] == [
        datetime(2026, 6, 1, 23, 50, tzinfo=UTC),
        datetime(2026, 6, 2, 0, 10, tzinfo=UTC),
        datetime(2026, 6, 3, 0, 5, tzinfo=UTC),
    ]


def test_markers_inside_fenced_code_are_code_not_updates(tmp_path):
    entry = make_entry(slug="talk")
    path = transcript_file(
        tmp_path,
        "**10:00**\n````\n```\n**10:05** not an update\n```\n````\n**10:10** ~~~\n**10:11** code\n~~~",
    )

    run_import(path)

    assert [content for _, content in saved(entry)] == [
        "````\n```\n**10:05** not an update\n```\n````",
        "~~~\n**10:11** code\n~~~",
    ]


def test_a_daylight_saving_gap_is_read_after_the_jump_and_reported(tmp_path):
    entry = make_entry(slug="talk")
    path = transcript_file(tmp_path, "**00:50** Before.\n**01:30** In the gap.\n**02:40** After.")

    _, err = run_import(path, "talk", "2026-03-29")

    in_gap = entry.updates.get(content="In the gap.").published
    assert in_gap.astimezone(LONDON).strftime("%H:%M %Z") == "02:30 BST"
    assert "line 2: 01:30 on 2026-03-29 in Europe/London does not exist" in err


def test_a_daylight_saving_overlap_takes_the_passes_in_order_and_is_reported(tmp_path):
    # Clocks go back from 02:00 BST to 01:00 GMT: 01:30 then 01:10 is the
    # repeated hour's second pass, twenty minutes later, not the next day.
    entry = make_entry(slug="talk")
    path = transcript_file(
        tmp_path, "**00:50** A.\n**01:30** B.\n**01:10** C.\n**01:45** D.\n**01:20** E."
    )

    _, err = run_import(path, "talk", "2026-10-25")

    assert [published for published, _ in saved(entry)] == [
        datetime(2026, 10, 24, 23, 50, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 01:30 BST
        datetime(2026, 10, 25, 1, 10, tzinfo=UTC),  # 01:10 GMT
        datetime(2026, 10, 25, 1, 45, tzinfo=UTC),  # 01:45 GMT
        datetime(2026, 10, 26, 1, 20, tzinfo=UTC),  # earlier again: the next day
    ]
    assert "line 2: 01:30 on 2026-10-25 in Europe/London happens twice" in err
    assert "took the first, BST" in err and "took the second, GMT" in err


def test_text_before_the_first_marker_is_ignored_with_a_warning_or_becomes_the_intro(tmp_path):
    entry = make_entry(slug="talk", intro="Old intro.")
    path = transcript_file(tmp_path, "Our *notes*.\n\n**10:00** Start.")

    _, err = run_import(path)
    entry.refresh_from_db()
    assert entry.intro == "Old intro."
    assert "ignored" in err

    run_import(path, "talk", "2026-06-01", "Europe/London", "--intro")
    entry.refresh_from_db()
    assert entry.intro == "Our *notes*."
    assert entry.intro_html == "<p>Our <em>notes</em>.</p>"
    assert entry.updates.count() == 1


def test_the_zone_defaults_to_the_entrys(tmp_path):
    entry = make_entry(slug="talk", timezone="America/New_York")
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "import_liveblog", str(transcript_file(tmp_path, "**10:00** Start.")),
        "--entry", "talk", "--date", "2026-06-01", stdout=out, stderr=err,
    )  # fmt: skip

    assert saved(entry)[0][0] == datetime(2026, 6, 1, 14, 0, tzinfo=UTC)


def test_importing_twice_adds_nothing_and_new_lines_only_once(tmp_path):
    entry = make_entry(slug="talk")
    path = transcript_file(tmp_path, "**10:00** Start.\n**10:05** Middle.")
    run_import(path)
    revision = Entry.objects.get(pk=entry.pk).revision

    out, _ = run_import(path)
    assert Entry.objects.get(pk=entry.pk).revision == revision
    assert "Imported 0 updates" in out and "2 were already there" in out

    path.write_text("**10:00** Start.\n**10:05** Middle.\n**10:06** Middle.\n**10:09** End.")
    out, _ = run_import(path)
    assert [content for _, content in saved(entry)] == ["Start.", "Middle.", "Middle.", "End."]
    assert "Imported 2 updates" in out


def test_each_imported_update_takes_one_revision_and_reaches_the_poll(tmp_path, client):
    entry = make_entry(slug="talk")
    make_update(entry, "Posted before.")

    run_import(transcript_file(tmp_path, "**10:00** One.\n**10:05** Two."))

    answer = client.get(entry.poll_url() + "?since=1").json()
    assert answer["revision"] == 3
    assert [item["revision"] for item in answer["updates"]] == [2, 3]
    assert "One." in answer["updates"][0]["html"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"slug": "nope"}, "No entry with slug 'nope'"),
        ({"day": "2026-02-30"}, "--date must be a date as YYYY-MM-DD, got '2026-02-30'"),
        ({"day": "1 June"}, "--date must be a date"),
        ({"zone": "Mars/Olympus"}, "--timezone must be an IANA time zone name"),
        ({"zone": "../../etc/passwd"}, "--timezone must be an IANA time zone name"),
        ({"path": "missing.md"}, "Cannot read"),
        ({"text": "Just prose, no times."}, "has no updates: no line starts with a time"),
        ({"text": "```\n**10:00** code only\n```"}, "has no updates"),
        ({"text": "**10:00** Fine.\n**25:10** Not a time."}, "line 2: 25:10 is not a time of day"),
        ({"bytes": b"**10:00** caf\xe9"}, "is not UTF-8 text"),
    ],
)
def test_bad_input_is_one_clear_error_and_writes_nothing(tmp_path, change, message):
    entry = make_entry(slug="talk")
    path = transcript_file(tmp_path, change.get("text", "**10:00** Fine."))
    if "bytes" in change:
        path.write_bytes(change["bytes"])
    if "path" in change:
        path = tmp_path / change["path"]

    with pytest.raises(CommandError, match=message.replace("(", r"\(")) as error:
        run_import(path, change.get("slug", "talk"), change.get("day", "2026-06-01"),
                   change.get("zone", "Europe/London"))  # fmt: skip

    assert "\n" not in str(error.value)
    assert not LiveUpdate.all_objects.exists()
    assert Entry.objects.get(pk=entry.pk).revision == 0


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, monkeypatch):
    entry = make_entry(slug="talk")
    from updates.management.commands import import_liveblog

    real = import_liveblog.post_updates
    calls = []

    def fail_on_the_second_chunk(entry, updates):
        calls.append(len(updates))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(entry, updates)

    monkeypatch.setattr(import_liveblog, "post_updates", fail_on_the_second_chunk)
    monkeypatch.setattr(import_liveblog, "CHUNK", 3)
    path = transcript_file(tmp_path, long_transcript(5))

    with pytest.raises(RuntimeError):
        run_import(path, "talk", "2026-06-01", "Europe/London", "--intro")

    entry.refresh_from_db()
    assert calls == [3, 2]
    assert not LiveUpdate.all_objects.exists()
    assert (entry.revision, entry.intro) == (0, "")


def test_manage_py_reports_a_bad_input_on_one_line_with_exit_status_1(tmp_path):
    env = {"SECRET_KEY": "unused", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}

    result = subprocess.run(
        [sys.executable, "manage.py", "import_liveblog", str(tmp_path / "no.md"),
         "--entry", "x", "--date", "2026-06-01", "--timezone", "Nowhere/Land"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: --timezone must be an IANA time zone name such as Europe/London, "
        "got 'Nowhere/Land'."
    ]


def test_two_hundred_updates_import_in_a_bounded_number_of_queries_and_export_unchanged(
    tmp_path, django_assert_max_num_queries
):
    entry = make_entry(slug="talk", timezone="Europe/London")
    text = long_transcript(200)
    path = transcript_file(tmp_path, text)

    # The entry, the updates already there, the lock, a few bulk writes and
    # their savepoints: not one query per update.
    with django_assert_max_num_queries(20):
        out, _ = run_import(path, "talk", "2026-06-01", "Europe/London", "--intro")

    assert "Imported 200 updates" in out
    assert entry.updates.count() == 200
    assert entry.updates.exclude(html__contains="<").count() == 0
    exported, err = run_export()
    assert exported == text
    assert "Warning" not in err
    assert "import with --date 2026-06-01 --timezone Europe/London" in err


def test_import_export_import_gives_the_same_updates(tmp_path):
    first = make_entry(slug="talk", timezone="America/Los_Angeles")
    make_entry(slug="again", timezone="America/Los_Angeles")
    run_import(
        transcript_file(tmp_path, long_transcript(30) + "\n**00:30** After midnight."),
        "talk", "2026-11-01", "America/Los_Angeles", "--intro",
    )  # fmt: skip

    exported, _ = run_export("talk")
    run_import(
        transcript_file(tmp_path, exported, "exported.md"),
        "again", "2026-11-01", "America/Los_Angeles", "--intro",
    )  # fmt: skip

    second = Entry.objects.get(slug="again")
    first.refresh_from_db()
    assert saved(second) == saved(first)
    assert second.intro == first.intro
    assert len(saved(second)) == 31
    assert run_export("again")[0] == exported


def test_export_writes_in_the_entrys_zone_and_to_a_file(tmp_path):
    entry = make_entry(slug="talk", timezone="Asia/Kolkata", intro="Hello.")
    make_update(entry, "Later", published=datetime(2026, 6, 1, 5, 0, 30, tzinfo=UTC))
    make_update(entry, "```\ncode\n```", published=datetime(2026, 6, 1, 4, 30, tzinfo=UTC))
    deleted = make_update(entry, "Gone", published=datetime(2026, 6, 1, 4, 45, tzinfo=UTC))
    deleted.delete()

    call_command(
        "export_liveblog", "talk", "--output", str(tmp_path / "out.md"), stderr=io.StringIO()
    )

    assert (tmp_path / "out.md").read_text() == (
        "Hello.\n\n**10:00**\n```\ncode\n```\n\n**10:30:30** Later\n"
    )


def test_export_warns_where_the_form_cannot_say_what_the_entry_holds():
    entry = make_entry(slug="talk")
    make_update(entry, "Day one", published=datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    make_update(entry, "Day three", published=datetime(2026, 6, 3, 11, 0, tzinfo=UTC))

    _, err = run_export()

    assert (
        "Warning: line 3: the update of 2026-06-03 11:00:00 UTC would be read back as 2026-06-01"
        in err
    )


def test_export_names_an_unknown_entry():
    with pytest.raises(CommandError, match="No entry with slug 'nope'"):
        run_export("nope")


def test_the_parser_reports_line_numbers_and_keeps_the_preamble():
    preamble, items = transcript.parse("Intro\r\n\r\n**9:05** One\r\n**09:06**\r\n**09:07** Two")

    assert preamble == "Intro"
    assert [(item.clock.strftime("%H:%M"), item.text, item.line) for item in items] == [
        ("09:05", "One", 3),
        ("09:07", "Two", 5),
    ]
    assert transcript.assign_times(items, date(2026, 1, 1), ZoneInfo("UTC"))[1].line == 5


def test_an_update_over_the_length_limit_is_named_and_nothing_is_imported(tmp_path):
    entry = make_entry(slug="talk")
    path = transcript_file(
        tmp_path, f"**10:00** Fine.\n\n**10:05** {'a' * 20_001}\n\n**10:09** Fine too.\n"
    )

    with pytest.raises(CommandError) as error:
        run_import(path)

    assert str(error.value) == (
        f"{path}, line 3: The update at 10:05 may hold at most 20,000 characters; "
        "this one has 20,001."
    )
    assert not LiveUpdate.all_objects.exists()
    assert Entry.objects.get(pk=entry.pk).revision == 0


def test_an_update_that_would_render_too_large_is_named_and_nothing_is_imported(
    tmp_path, monkeypatch
):
    entry = make_entry(slug="talk")
    from updates.management.commands import import_liveblog

    # The refused update is in the second chunk: the first is rolled back.
    monkeypatch.setattr(import_liveblog, "CHUNK", 2)
    multiplied = f"[r]: https://example.com/{'a' * 9_000}\n\n" + "[r]" * 3_000
    path = transcript_file(
        tmp_path, f"**10:00** One.\n\n**10:01** Two.\n\n**10:02** {multiplied}\n"
    )

    with pytest.raises(CommandError) as error:
        run_import(path)

    assert str(error.value).startswith(
        f"{path}, line 5: the update at 10:02: This text would make more than 256 KB of HTML"
    )
    assert not LiveUpdate.all_objects.exists()
    assert Entry.objects.get(pk=entry.pk).revision == 0


def test_an_intro_over_the_limit_is_refused_and_nothing_is_imported(tmp_path):
    entry = make_entry(slug="talk")
    path = transcript_file(tmp_path, f"{'a' * 20_001}\n\n**10:00** Fine.\n")

    with pytest.raises(CommandError, match="The intro .* may hold at most 20,000 characters"):
        run_import(path, "talk", "2026-06-01", "Europe/London", "--intro")

    entry.refresh_from_db()
    assert (entry.revision, entry.intro) == (0, "")
    assert not LiveUpdate.all_objects.exists()


def test_characters_xml_refuses_are_stripped_and_a_second_import_adds_nothing(tmp_path):
    entry = make_entry(slug="talk")
    path = transcript_file(tmp_path, "**10:00** Go\x00al\x1b!\n\n**10:01** Line\x0bbreak\n")

    run_import(path)
    run_import(path)

    assert [text for _, text in saved(entry)] == ["Goal!", "Line\nbreak"]


def updates_as_read(entry) -> list[tuple[datetime, str, str]]:
    return list(entry.updates.in_page_order().values_list("published", "headline", "content"))


@pytest.mark.usefixtures("media_root")
def test_every_kind_of_update_the_desk_makes_exports_to_a_transcript_that_imports_back(
    tmp_path, settings
):
    settings.SITE_URL = "https://live.example.com"
    entry = make_entry(slug="talk", timezone="Europe/London")
    at = [datetime(2026, 6, 1, 9, minute, tzinfo=UTC) for minute in range(0, 60, 5)]
    make_update(entry, "Text only.", published=at[0])
    make_update(entry, "Headline and text.", headline="Doors open", published=at[1])
    post_update(
        entry, "", headline="On stage", published=at[2],
        photos=[PhotoUpload(phone_jpeg(), 'The CEO [left] says "hi"', "Day *one*"),
                PhotoUpload(phone_jpeg(), "The crowd")],
    )  # fmt: skip
    post_update(entry, "", photos=[PhotoUpload(phone_jpeg(), "The hall")], published=at[3])
    post_update(
        entry, "A photo and text.", photos=[PhotoUpload(phone_jpeg(), "A slide")], published=at[4]
    )
    make_update(entry, "A key event.", headline="Goal", key_event=True, published=at[5])
    make_update(entry, "**Pinned**, bold first.", pinned=True, published=at[6])
    make_update(entry, "Stars.", headline="*Big* news, a\\b and ** too", published=at[7])
    make_update(entry, "```\ncode first\n```", headline="Code", published=at[8])
    again = make_entry(slug="again", timezone="Europe/London")

    exported, err = run_export("talk")
    out, _ = run_import(transcript_file(tmp_path, exported), "again")

    assert "Imported 9 updates" in out
    read = updates_as_read(again)
    assert [(published, headline) for published, headline, _ in read] == [
        (published, headline) for published, headline, _ in updates_as_read(entry)
    ]
    texts = [content for _, _, content in read]
    assert texts[:2] + texts[5:] == [
        "Text only.", "Headline and text.", "A key event.", "**Pinned**, bold first.", "Stars.",
        "```\ncode first\n```",
    ]  # fmt: skip
    # Photos come back as images in the text, each at its largest size on
    # this site, with its alt text and caption.
    on_stage = again.updates.get(headline="On stage")
    assert on_stage.html.count("<img") == 2
    assert 'alt="The CEO [left] says &quot;hi&quot;"' in on_stage.html
    assert 'title="Day *one*"' in on_stage.html
    assert 'src="https://live.example.com/media/photos/' in on_stage.html
    assert texts[3].startswith("![The hall](<https://live.example.com/media/photos/")
    assert texts[4].startswith("A photo and text.\n\n![A slide](")
    # What the form cannot hold is said, once each; the rest reads back exactly.
    assert "Warning: 3 updates have photos" in err
    assert "Warning: 2 updates are key events or pinned" in err
    assert err.count("Warning") == 2
    assert run_export("again")[0] == exported


def test_a_headline_with_no_text_is_refused_and_nothing_is_imported(tmp_path):
    entry = make_entry(slug="talk")
    path = transcript_file(tmp_path, "**10:00** Fine.\n\n**10:05** **Only a headline**\n")

    with pytest.raises(CommandError, match="line 3: the update at 10:05 has a headline but no"):
        run_import(path)

    assert not LiveUpdate.all_objects.exists()
    assert Entry.objects.get(pk=entry.pk).revision == 0
