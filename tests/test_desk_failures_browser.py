"""The desk on a bad network, in real Chromium (issue 19): it never says
"Not posted" for an update that exists, never drops a correction nor
overwrites another author's edit unseen, and no request jams a button."""

import re
import time

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.browser import WAIT_MS
from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from updates import changes
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def compose_error(page):
    return page.locator(".desk-compose > .desk-error")


def sent_key(request) -> str:
    return re.search(rb'name="key"\r\n\r\n([A-Za-z0-9-]+)', request.post_data_buffer)[1].decode()


def wait_until(page, condition: str):
    # Not wait_for_function: the admin's CSP forbids the eval it relies on.
    deadline = time.monotonic() + WAIT_MS / 1000
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, condition
        page.wait_for_timeout(50)


def commit_then_lose_the_answer(route):
    route.fetch()  # the server commits the update...
    route.abort("connectionreset")  # ...and its answer never arrives


# Honest sending


def test_a_post_whose_answer_is_lost_after_the_commit_is_shown_as_posted_once(desk):
    entry = make_entry()
    page = desk.open(entry)
    desk.route("post", entry, commit_then_lose_the_answer)

    page.fill("#desk-content", "Goal in the 90th minute")
    page.keyboard.press("Control+Enter")

    page.locator(".desk-stream .desk-item", has_text="Goal in the 90th minute").wait_for()
    assert page.input_value("#desk-content") == ""
    assert compose_error(page).is_hidden()
    assert "Not posted" not in page.locator(".desk-compose").inner_text()
    assert LiveUpdate.objects.filter(content="Goal in the 90th minute").count() == 1
    assert desk.errors == []


def test_a_post_that_never_reached_the_server_says_not_posted_and_keeps_text_and_photo(desk):
    entry = make_entry()
    page = desk.open(entry)
    lost = desk.route("post", entry, lambda route: route.abort("connectionrefused"))
    page.fill("#desk-content", "Never arrived")
    page.set_input_files(
        ".desk-file",
        files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg().read()}],
    )
    page.locator(".desk-photo .desk-alt").fill("The stage")

    page.click(".desk-post")

    compose_error(page).filter(has_text="Not posted").wait_for()
    assert "Your text and photos are kept" in compose_error(page).inner_text()
    assert page.input_value("#desk-content") == "Never arrived"
    assert page.locator(".desk-photo").count() == 1
    assert not LiveUpdate.objects.exists()
    page.unroute(lost)
    page.click(".desk-post")
    page.locator('.desk-stream img[alt="The stage"]').wait_for()
    assert LiveUpdate.objects.get().content == "Never arrived"


def test_when_even_the_check_fails_it_says_not_confirmed_and_shows_the_post_once_back(desk):
    entry = make_entry()
    page = desk.open(entry)
    desk.route("post", entry, commit_then_lose_the_answer)
    # The connection drops for everything after the post, the check included.
    offline = desk.route(
        "composition", entry, lambda route: route.abort("internetdisconnected"), "*"
    )

    page.fill("#desk-content", "Posted in a dead zone")
    page.keyboard.press("Control+Enter")

    compose_error(page).filter(has_text="Not confirmed yet").wait_for()
    assert "Not posted" not in compose_error(page).inner_text()
    assert page.locator(".desk-post").is_disabled()  # no retry before the check
    page.unroute(offline)
    page.locator(".desk-stream .desk-item", has_text="Posted in a dead zone").wait_for()
    wait_until(page, "() => document.querySelector('#desk-content').value === ''")
    assert compose_error(page).is_hidden()
    assert page.locator(".desk-post").is_enabled()
    assert LiveUpdate.objects.count() == 1


def test_sending_shows_progress_and_a_retry_clears_the_earlier_errors(desk):
    entry = make_entry()
    page = desk.open(entry)
    page.fill("#desk-content", "With a photo")
    page.set_input_files(
        ".desk-file",
        files=[
            {"name": "a.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg(4000, 3000).read()}
        ],
    )
    page.click(".desk-post")
    page.locator(".desk-photo-error", has_text="alt text").wait_for()
    page.evaluate(
        """() => {
            const note = document.querySelector('.desk-sending');
            window.__sending = [];
            new MutationObserver(() => window.__sending.push(note.textContent))
                .observe(note, {childList: true, characterData: true, subtree: true});
        }"""
    )
    # A slow uplink: the 190 kB photo takes about three seconds to send.
    network = desk.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 64_000},
    )

    page.locator(".desk-photo .desk-alt").fill("The stage")
    page.click(".desk-post")

    page.locator(".desk-sending", has_text="Sending…").wait_for()
    assert page.locator(".desk-photo-error").is_hidden()
    assert compose_error(page).is_hidden()
    assert page.locator(".desk-post").is_disabled()
    wait_until(page, "() => window.__sending.some(text => /Sending… \\d+ %/.test(text))")
    page.locator('.desk-stream img[alt="The stage"]').wait_for()
    assert page.locator(".desk-sending").is_hidden()
    assert LiveUpdate.objects.get().photos.count() == 1


# Composition keys


def land_late_then_edit(desk, entry, page):
    """The first post's answer is a proxy's 504; the post itself lands a
    moment later (here: written straight to the database with its key)."""
    keys = []

    def proxy_timeout(route):
        keys.append(sent_key(route.request))
        route.fulfill(status=504, body="Gateway Timeout")

    lost = desk.route("post", entry, proxy_timeout)
    page.fill("#desk-content", "Score 1-0")
    page.keyboard.press("Control+Enter")
    compose_error(page).filter(has_text="Not posted yet").wait_for()
    page.unroute(lost)
    landed = changes.post_update(entry, "Score 1-0", author=desk.author, idempotency_key=keys[0])
    page.fill("#desk-content", "Score 2-0")
    return landed


def test_the_same_key_with_corrected_text_offers_a_new_post_and_posts_it(desk):
    entry = make_entry()
    page = desk.open(entry)
    landed = land_late_then_edit(desk, entry, page)

    page.click(".desk-post")

    conflict = page.locator(".desk-key-conflict")
    conflict.wait_for()
    assert "already posted, with other content" in conflict.inner_text()
    assert "Score 1-0" in conflict.locator(".desk-key-conflict-existing").inner_text()
    conflict.get_by_role("button", name="Post as a new update").click()
    page.locator(".desk-stream .desk-item", has_text="Score 2-0").wait_for()
    assert sorted(LiveUpdate.objects.values_list("content", flat=True)) == [
        "Score 1-0",
        "Score 2-0",
    ]
    assert LiveUpdate.objects.get(pk=landed.pk).content == "Score 1-0"
    assert conflict.is_hidden() and page.input_value("#desk-content") == ""


def test_the_same_key_with_corrected_text_may_be_applied_as_an_edit(desk):
    entry = make_entry()
    page = desk.open(entry)
    landed = land_late_then_edit(desk, entry, page)

    page.click(".desk-post")
    page.locator(".desk-key-conflict").get_by_role("button", name="Apply as an edit").click()

    page.locator(f"#desk-update-{landed.pk} .desk-item-body", has_text="Score 2-0").wait_for()
    assert list(LiveUpdate.objects.values_list("content", flat=True)) == ["Score 2-0"]
    assert page.locator(".desk-key-conflict").is_hidden()
    assert page.input_value("#desk-content") == ""


def test_the_key_of_a_deleted_update_posts_a_new_one(desk):
    entry = make_entry()
    page = desk.open(entry)
    landed = land_late_then_edit(desk, entry, page)
    landed.delete()  # by another editor, before the author retries

    page.click(".desk-post")

    page.locator(".desk-stream .desk-item", has_text="Score 2-0").wait_for()
    assert list(LiveUpdate.objects.values_list("content", flat=True)) == ["Score 2-0"]
    assert compose_error(page).is_hidden()


# Edit conflicts


def start_editing(page, update, text):
    item = page.locator(f"#desk-update-{update.pk}")
    item.get_by_role("button", name="Edit").click()
    item.locator(".desk-edit textarea").fill(text)
    return item


def test_two_authors_editing_one_update_see_a_conflict_and_nothing_is_overwritten(desk):
    entry = make_entry()
    update = make_update(entry, "Tpyo")
    page = desk.open(entry)
    item = start_editing(page, update, "Typo, fixed by Ada")
    changes.edit_update(LiveUpdate.objects.get(pk=update.pk), "Typo, fixed by Grace")

    item.locator(".desk-edit textarea").press("Control+Enter")

    conflict = item.locator(".desk-edit-conflict")
    conflict.wait_for()
    assert "Typo, fixed by Grace" in conflict.locator(".desk-edit-theirs").inner_text()
    assert item.locator(".desk-edit textarea").input_value() == "Typo, fixed by Ada"
    assert LiveUpdate.objects.get(pk=update.pk).content == "Typo, fixed by Grace"
    conflict.get_by_role("button", name="Take theirs").click()
    page.locator(f"#desk-update-{update.pk} .desk-item-body", has_text="fixed by Grace").wait_for()
    assert LiveUpdate.objects.get(pk=update.pk).content == "Typo, fixed by Grace"


def test_keep_mine_saves_over_the_other_authors_edit_knowingly(desk):
    entry = make_entry()
    update = make_update(entry, "Tpyo")
    page = desk.open(entry)
    item = start_editing(page, update, "Typo, fixed by Ada")
    changes.edit_update(LiveUpdate.objects.get(pk=update.pk), "Typo, fixed by Grace")
    item.locator(".desk-edit textarea").press("Control+Enter")

    item.locator(".desk-edit-conflict").get_by_role("button", name="Keep mine").click()

    page.locator(f"#desk-update-{update.pk} .desk-item-body", has_text="fixed by Ada").wait_for()
    assert LiveUpdate.objects.get(pk=update.pk).content == "Typo, fixed by Ada"


def test_the_stock_admin_form_refuses_to_overwrite_another_authors_edit(desk):
    update = make_update(make_entry(), "Tpyo")
    page = desk.page
    page.goto(desk.url + reverse("admin:updates_liveupdate_change", args=[update.pk]))
    page.fill("#id_content", "Typo, fixed by Ada")
    changes.edit_update(LiveUpdate.objects.get(pk=update.pk), "Typo, fixed by Grace")

    page.click("input[name=_save]")

    error = page.locator(".errornote, .errorlist", has_text="Another author changed this update")
    error.first.wait_for()
    assert "Typo, fixed by Grace" in page.locator("#content-main").inner_text()
    assert page.input_value("#id_content") == "Typo, fixed by Ada"
    assert LiveUpdate.objects.get(pk=update.pk).content == "Typo, fixed by Grace"


# Requests that cannot jam the desk


@pytest.mark.parametrize(
    ("status", "body", "shown"),
    [
        (403, "<h1>403 Forbidden</h1>", "Refused (403)"),
        (404, "<h1>Not Found</h1>", "Not found (404)"),
        (413, "Request body too large\n", "Too large for the server (413)"),
        (500, "<h1>Server Error (500)</h1>", "The server answered 500"),
        (409, '{"error": "A JSON message from the server."}', "A JSON message from the server."),
    ],
    ids=["403", "404", "413", "500", "json"],
)
def test_a_failed_pin_says_why_in_its_item_and_its_button_comes_back(desk, status, body, shown):
    entry = make_entry()
    update = make_update(entry)
    page = desk.open(entry)
    desk.route("flags", entry, lambda route: route.fulfill(status=status, body=body), update.pk)
    item = page.locator(f"#desk-update-{update.pk}")

    item.get_by_role("button", name="Pin").click()

    item.locator(".desk-item-error", has_text=shown).wait_for()
    assert item.get_by_role("button", name="Pin").is_enabled()
    assert not LiveUpdate.objects.get(pk=update.pk).pinned


def test_the_servers_own_json_errors_show_where_the_action_was_taken(desk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    entry = make_entry()
    update, gone = make_update(entry, "Stays"), make_update(entry, "Deleted elsewhere")
    page = desk.open(entry)
    page.on("dialog", lambda dialog: dialog.accept())
    # The desk has not heard of the deletion yet: its poll is held.
    desk.route("stream", entry, lambda route: None)
    LiveUpdate.objects.get(pk=gone.pk).delete()

    page.locator(f"#desk-update-{gone.pk}").get_by_role("button", name="Delete").click()
    page.fill("#desk-content", "x" * 3_000)
    page.click(".desk-post")

    page.locator(f"#desk-update-{gone.pk} .desk-item-error", has_text="Not found").wait_for()
    compose_error(page).filter(has_text="Too large for the server").wait_for()
    assert page.input_value("#desk-content") == "x" * 3_000
    assert LiveUpdate.objects.get().pk == update.pk


def test_a_hung_request_times_out_and_its_button_comes_back(desk):
    entry = make_entry()
    update = make_update(entry)
    page = desk.page
    page.clock.install()
    page = desk.open(entry)
    desk.route("flags", entry, lambda route: None, update.pk)  # never answered
    item = page.locator(f"#desk-update-{update.pk}")

    item.get_by_role("button", name="Key event").click()
    assert item.get_by_role("button", name="Key event").is_disabled()
    page.clock.run_for(16_000)

    item.locator(".desk-item-error", has_text="No answer from the server").wait_for()
    assert item.get_by_role("button", name="Key event").is_enabled()


def test_a_hung_post_times_out_is_checked_and_says_not_posted(desk):
    entry = make_entry()
    page = desk.page
    page.clock.install()
    page = desk.open(entry)
    desk.route("post", entry, lambda route: None)  # never reaches the server

    page.fill("#desk-content", "Into the void")
    page.click(".desk-post")
    page.locator(".desk-sending", has_text="Sending…").wait_for()
    # Given up when nothing went out for 30 s, or no answer came 40 s after.
    page.clock.run_for(75_000)

    compose_error(page).filter(has_text="Not posted").wait_for()
    assert page.locator(".desk-post").is_enabled()
    assert page.input_value("#desk-content") == "Into the void"


def test_the_desks_poll_backs_off_while_the_server_fails(desk):
    entry = make_entry()
    page = desk.page
    page.clock.install()
    page = desk.open(entry)
    polls = []

    def fail(route):
        polls.append(route.request.url)
        route.fulfill(status=503, body="Service Unavailable")

    desk.route("stream", entry, fail)
    for _ in range(60):
        page.clock.run_for(1_000)
        page.wait_for_timeout(20)

    # Once a second while it works; failing, after 1, 2, 4, 8, 16, 32 s
    # (±20 %): at most 7 in a minute, not 60.
    assert 4 <= len(polls) <= 7, len(polls)


def test_a_signed_out_author_is_told_to_sign_in_again_and_keeps_the_text(desk):
    entry = make_entry()
    update = make_update(entry)
    page = desk.open(entry)
    # Signed out in another tab: the session is gone, the CSRF cookie stays.
    desk.context.clear_cookies(name=django_settings.SESSION_COOKIE_NAME)
    item = page.locator(f"#desk-update-{update.pk}")

    item.get_by_role("button", name="Pin").click()
    page.fill("#desk-content", "Typed after the session ended")
    page.click(".desk-post")

    item.locator(".desk-item-error", has_text="Your session has ended").wait_for()
    compose_error(page).filter(has_text="Your session has ended").wait_for()
    assert page.input_value("#desk-content") == "Typed after the session ended"
    assert page.locator(".desk-post").is_enabled()
    assert not LiveUpdate.objects.filter(content="Typed after the session ended").exists()
