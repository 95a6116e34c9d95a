"""The reader script in real Chromium: the order of updates (newest or oldest
first, the reader's choice remembered; an update whose published time is
edited moves) and the reader's position: what is being read or selected
stays put while updates arrive.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from entries.models import Entry
from tests.factories import NO_PHOTOS, make_entry, make_update
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_newest_first_while_live_and_the_readers_choice_is_remembered(reader):
    entry = make_entry()
    ended = make_entry(status=Entry.Status.ENDED)
    ids = [make_update(entry, f"Update {n}").pk for n in range(3)]
    transcript = [make_update(ended, f"Line {n}").pk for n in range(2)]
    page = reader.open(entry)
    toggle = page.get_by_role("button", name="Newest first")
    assert reader.update_ids() == ids[::-1]
    assert toggle.get_attribute("aria-pressed") == "true"
    reader.open(ended)
    assert reader.update_ids() == transcript
    assert toggle.get_attribute("aria-pressed") == "false"

    reader.open(entry)
    page.wait_for_function("() => window.__polls.length && window.__polls.at(-1).settled")
    polls_before = len(reader.poll_log())
    page.get_by_role("button", name="Oldest first").focus()
    page.keyboard.press("Enter")

    assert reader.update_ids() == ids
    assert toggle.get_attribute("aria-pressed") == "false"
    # The toggle sends no poll: the next one is the scheduled one, a whole
    # interval (1 s here) after the last answer, not one sent on the toggle.
    page.wait_for_function("n => window.__polls.length > n", arg=polls_before)
    last, following = reader.poll_log()[polls_before - 1 : polls_before + 1]
    assert following["sent"] - last["settled"] >= 900, (last, following)
    page.reload()
    assert reader.update_ids() == ids
    toggle.click()
    reader.open(ended)
    # The reader's explicit choice wins over the page's default.
    assert reader.update_ids() == transcript[::-1]
    assert toggle.get_attribute("aria-pressed") == "true"
    reader.open(entry)
    newest = make_update(entry, "Newest of all")
    page.locator(f"#update-{newest.pk}").wait_for()
    assert reader.update_ids() == [newest.pk, *ids[::-1]]
    # At the top of the list, the newest update arrives in view.
    assert page.locator(f"#update-{newest.pk}").is_visible()
    assert 0 <= page.locator(f"#update-{newest.pk}").bounding_box()["y"] < 640
    assert page.locator(".new-updates").is_hidden()


def test_newest_first_keeps_the_text_being_read_still_and_offers_a_jump(reader):
    entry = make_entry()
    for n in range(30):
        make_update(entry, f"Update {n}\n\n" + "A long paragraph of commentary. " * 20)
    page = reader.open(entry)
    assert page.get_by_role("button", name="Newest first").get_attribute("aria-pressed") == "true"
    reading = LiveUpdate.objects.get(content__startswith="Update 10\n")
    page.locator(f"#update-{reading.pk}").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 200)")
    top_before = page.locator(f"#update-{reading.pk}").bounding_box()["y"]

    fresh = [make_update(entry, f"Breaking {n}") for n in range(2)]
    page.locator(f"#update-{fresh[1].pk}").wait_for(state="attached")
    jump = page.get_by_role("button", name="2 new updates")
    jump.wait_for()

    assert page.locator(f"#update-{reading.pk}").bounding_box()["y"] == pytest.approx(
        top_before, abs=2
    )
    jump.click()
    assert page.locator(f"#update-{fresh[1].pk}").bounding_box()["y"] == pytest.approx(0, abs=2)
    assert jump.is_hidden()


def test_text_selected_in_an_old_update_is_still_selected_after_a_poll(reader):
    entry = make_entry()
    old = make_update(entry, "A sentence worth quoting")
    page = reader.open(entry)
    page.evaluate(
        """id => {
            const node = document.querySelector('#update-' + id + ' p');
            node.dataset.original = 'yes';
            const range = document.createRange();
            range.selectNodeContents(node);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        old.pk,
    )

    new = make_update(entry, "Later news")
    page.locator(f"#update-{new.pk}").wait_for()

    assert page.evaluate("getSelection().toString()") == "A sentence worth quoting"
    assert page.locator(f"#update-{old.pk} p[data-original=yes]").count() == 1


START = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def move_in_the_admin(staff_client, update, published: datetime) -> None:
    """What an author does to correct a time: the update's change form, to the second."""
    response = staff_client.post(
        reverse("admin:updates_liveupdate_change", args=[update.pk]),
        {
            "content": update.content,
            "published_0": published.strftime("%Y-%m-%d"),
            "published_1": published.strftime("%H:%M:%S"),
            **NO_PHOTOS,
        },
    )
    assert response.status_code == 302, response.content.decode()


def wait_for_order(page, ids: list[int]) -> None:
    page.wait_for_function(
        """ids => JSON.stringify(Array.from(document.querySelectorAll('#updates > article.update'),
                                            n => Number(n.id.slice(7)))) === JSON.stringify(ids)""",
        arg=ids,
    )


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_an_update_whose_published_time_is_edited_moves_on_open_pages(reader, staff_client, order):
    entry = make_entry()
    first, second, third = (
        make_update(entry, f"Update {n}", published=at(10 * n)) for n in range(3)
    )
    page = reader.open(entry)
    if order == "oldest":
        page.get_by_role("button", name="Oldest first").click()
    in_order = (lambda ids: ids) if order == "newest" else (lambda ids: ids[::-1])

    move_in_the_admin(staff_client, first, at(30))
    wait_for_order(page, in_order([first.pk, third.pk, second.pk]))
    assert page.locator(f"#update-{first.pk} time").first.inner_text() == "6:30 PM"  # issue 23
    move_in_the_admin(staff_client, third, at(5))
    wait_for_order(page, in_order([first.pk, second.pk, third.pk]))

    page.reload()  # what a new reader gets: the same order
    assert reader.update_ids() == in_order([first.pk, second.pk, third.pk])
    assert reader.errors == []


def test_an_update_moved_before_the_loaded_updates_comes_back_with_its_older_page(
    reader, staff_client, settings
):
    settings.LIVEBLOG_PAGE_SIZE = 3
    entry = make_entry()
    ids = [make_update(entry, f"Minute {n}", published=at(n)).pk for n in range(6)]
    page = reader.open(entry)
    assert reader.update_ids() == ids[:2:-1]

    moved = LiveUpdate.objects.get(pk=ids[4])
    move_in_the_admin(staff_client, moved, at(-1))  # before every other update
    wait_for_order(page, [ids[5], ids[3]])
    page.get_by_role("link", name="Load earlier updates").click()
    wait_for_order(page, [ids[5], ids[3], ids[2], ids[1], ids[0]])
    page.get_by_role("link", name="Load earlier updates").click()

    wait_for_order(page, [ids[5], ids[3], ids[2], ids[1], ids[0], ids[4]])
    assert reader.errors == []
