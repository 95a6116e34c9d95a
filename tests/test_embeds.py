"""Embeds without trackers (issue 22, item 3): a link alone in its paragraph
to YouTube, Vimeo, Mastodon, Bluesky or X becomes a preview stored with the
update, from the provider's oEmbed answer and a thumbnail we serve.

The providers are a stand-in on 127.0.0.1 (tests/oembed_stand_in.py, the
`providers` fixture); Chromium's view is tests/test_embeds_browser.py.
"""

import gzip
import io
import re
import time
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections
from django.urls import reverse

from liveblog.checks import embed_providers_use_https
from tests.factories import make_entry
from tests.helpers import polled
from tests.oembed_stand_in import FAILURES, thumbnail_jpeg
from updates.changes import PhotoUpload, edit_update, post_update, post_updates
from updates.models import Embed, LiveUpdate

pytestmark = pytest.mark.django_db

# As the settings give them, before the `providers` fixture replaces them.
DEFAULT_PROVIDERS = settings.LIVEBLOG_EMBED_PROVIDERS

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
LINKS = {
    "YouTube": YOUTUBE,
    "Vimeo": "https://vimeo.com/76979871",
    "Mastodon": "https://mastodon.social/@alice/113456789012345678",
    "Bluesky": "https://bsky.app/profile/bob.example.com/post/3kabc",
    "X": "https://x.com/carol/status/1790000000000000000",
}
# What each provider's preview says, from the stand-in's answers.
SAYS = {
    "YouTube": ["Keynote &lt;live&gt; &amp; more", "Liveblog Channel"],
    "Vimeo": ["The launch film", "Studio"],
    "Mastodon": ["Doors open at nine.", "Alice"],
    "Bluesky": ["Queue is long &amp; cold.", "Bob"],
    "X": ["On stage now.", "Carol"],
}
# The player each preview loads, on the stand-in's origin.
PLAYERS = {
    "YouTube": "/embed/dQw4w9WgXcQ",
    "Vimeo": "/video/76979871",
    "Mastodon": "/@alice/113456789012345678/embed",
    "Bluesky": "/embed/did:plc:abc123/app.bsky.feed.post/3kabc",
    "X": "/embed/Tweet.html?id=1790000000000000000&amp;dnt=true",
}


def body_of(update: LiveUpdate) -> str:
    update.refresh_from_db()
    return update.fragment


def test_a_youtube_link_alone_in_its_paragraph_becomes_a_preview_with_our_own_thumbnail(
    providers,
):
    update = post_update(make_entry(), f"Watch the keynote:\n\n{YOUTUBE}\n\nMore soon.")

    fragment = body_of(update)

    assert '<p>Watch the keynote:</p>\n<div class="embed embed-youtube"' in fragment
    assert f'<a class="embed-preview" href="{YOUTUBE}" rel="nofollow noopener">' in fragment
    assert '<span class="embed-title">Keynote &lt;live&gt; &amp; more</span>' in fragment
    assert '<span class="embed-author">Liveblog Channel</span>' in fragment
    # The button's label is the page's, in the entry's language (issue 23).
    assert 'data-embed-name="YouTube"' in fragment
    (thumbnail,) = re.findall(r'<img class="embed-thumbnail" [^>]+>', fragment)
    assert re.search(r'src="/media/photos/[0-9a-f]{64}-480\.webp"', thumbnail)
    assert 'width="480" height="360" alt=""' in thumbnail
    # Nothing on the page comes from the provider: only the player waits
    # in a data attribute for the reader's click.
    assert fragment.count(providers.origin) == 1
    assert f'data-embed-player="{providers.origin}/embed/dQw4w9WgXcQ"' in fragment
    assert "<iframe" not in fragment and "<script" not in fragment
    assert fragment.endswith("<p>More soon.</p></div>\n</article>")


def test_the_provider_is_asked_as_oembed_documents_it(providers):
    post_update(make_entry(), YOUTUBE)

    ((path, query),) = providers.oembed_requests()
    assert path == "/youtube/oembed"
    assert query == {"url": YOUTUBE, "format": "json", "maxwidth": "640", "maxheight": "480"}
    assert providers.refused == []


@pytest.mark.parametrize("provider", LINKS)
def test_each_providers_link_becomes_a_preview_of_its_post_or_video(providers, provider):
    fragment = body_of(post_update(make_entry(), LINKS[provider]))

    assert f'<span class="embed-provider">{provider}</span>' in fragment
    for text in SAYS[provider]:
        assert text in fragment
    assert f'data-embed-player="{providers.origin}{PLAYERS[provider]}"' in fragment
    assert f'href="{LINKS[provider]}"' in fragment
    assert providers.refused == []


@pytest.mark.parametrize(
    "text",
    [
        f"The keynote is at {YOUTUBE} today.",
        f"[The keynote]({YOUTUBE})",
        f"Watch:\n{YOUTUBE}",
        "http://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://mastodon.example/@alice/113456789012345678",
        "https://www.youtube.com/@channel",
        "https://example.com/watch?v=dQw4w9WgXcQ",
    ],
    ids=[
        "in a sentence",
        "named",
        "on a line of a paragraph",
        "not https",
        "another mastodon instance",
        "not a video",
        "not a provider",
    ],
)
def test_other_links_stay_links_and_no_provider_is_asked(providers, text):
    fragment = body_of(post_update(make_entry(), text))

    assert "embed" not in fragment
    assert "<a href=" in fragment
    assert providers.requests == []


@pytest.mark.parametrize("failure", FAILURES)
def test_whatever_the_provider_does_wrong_the_post_goes_out_with_a_plain_link_in_time(
    providers, settings, failure
):
    settings.LIVEBLOG_EMBED_TIMEOUT = 1
    providers.misbehave(failure)
    entry = make_entry()

    started = time.monotonic()
    update = post_update(entry, YOUTUBE)
    took = time.monotonic() - started

    assert took < 1.5
    assert f'<p><a href="{YOUTUBE}" rel="nofollow noopener">{YOUTUBE}</a></p>' in body_of(update)
    assert not Embed.objects.exists()
    assert providers.oembed_requests()


def test_a_provider_that_never_answers_delays_the_post_by_the_timeout_at_most(providers):
    providers.misbehave("never answers")

    started = time.monotonic()
    update = post_update(make_entry(), f"{YOUTUBE}\n\n{LINKS['Vimeo']}\n\n{LINKS['X']}")
    took = time.monotonic() - started

    assert 2.4 < took < 3.0  # LIVEBLOG_EMBED_TIMEOUT, 2.5 s, for all three
    assert "embed" not in body_of(update)


def test_at_most_three_links_of_an_update_are_fetched(providers):
    links = [f"https://youtu.be/video{n:06d}" for n in range(5)]

    fragment = body_of(post_update(make_entry(), "\n\n".join(links)))

    assert len(providers.oembed_requests()) == 3
    assert fragment.count('class="embed ') == 3


@pytest.mark.django_db(transaction=True)
def test_the_provider_is_asked_outside_any_transaction_or_lock(providers):
    poster = connections["default"]
    seen = []
    providers.during_request = lambda: seen.append(poster.in_atomic_block)

    post_update(make_entry(), YOUTUBE)

    assert seen == [False]


def test_an_edit_or_a_second_post_shows_the_remembered_preview_without_asking_again(providers):
    entry = make_entry()
    update = post_update(entry, YOUTUBE)

    edit_update(update, f"Now with a note.\n\n{YOUTUBE}")
    again = post_update(entry, YOUTUBE)

    assert len(providers.oembed_requests()) == 1
    assert 'class="embed embed-youtube"' in body_of(update)
    assert 'class="embed embed-youtube"' in body_of(again)


def test_an_edit_adding_a_link_fetches_its_preview(providers):
    update = post_update(make_entry(), "Soon.")

    edit_update(update, f"Soon.\n\n{LINKS['Vimeo']}")

    assert '<span class="embed-title">The launch film</span>' in body_of(update)


def test_with_embeds_off_links_stay_links(providers, settings):
    settings.LIVEBLOG_EMBEDS = False

    fragment = body_of(post_update(make_entry(), YOUTUBE))

    assert "embed" not in fragment and providers.requests == []


@pytest.mark.parametrize("size", [10, 300])
def test_pages_and_polls_take_no_more_queries_with_embeds(
    client, django_assert_num_queries, providers, size
):
    entry = make_entry()
    post_update(entry, YOUTUBE)  # remembered: the bulk post below shows it
    post_updates(entry, [LiveUpdate(content=YOUTUBE) for _ in range(size - 1)])

    with django_assert_num_queries(3):
        page = client.get(entry.get_absolute_url()).content.decode()
    with django_assert_num_queries(3):
        answer = polled(client, entry, since=0)

    assert page.count('<div class="embed embed-youtube"') == min(size, 200)
    assert '<script src="/static/liveblog/embeds.js" defer></script>' in page
    assert sum('class="embed embed-youtube"' in item["html"] for item in answer["updates"]) == min(
        size, 200
    )


def test_the_feed_and_structured_data_carry_the_preview_never_the_providers_player(
    client, providers
):
    entry = make_entry(slug="keynote")
    post_update(entry, f"Watch:\n\n{YOUTUBE}")

    feed = client.get(reverse("updates:feed", kwargs={"slug": entry.slug})).content.decode()
    page = client.get(entry.get_absolute_url()).content.decode()
    (json_ld,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)

    assert "Keynote &amp;lt;live&amp;gt; &amp;amp; more" in feed  # escaped twice: HTML in XML
    assert f'&lt;a class="embed-preview" href="{YOUTUBE}"' in feed
    assert re.search(r'src="http://testserver/media/photos/[0-9a-f]{64}-480\.webp"', feed)
    assert (
        '"articleBody": "Watch:\\nYouTube\\nKeynote \\u003Clive\\u003E \\u0026 more\\nLiveblog Channel"'
        in json_ld
    )
    assert f'"sharedContent": [{{"@type": "WebPage", "url": "{YOUTUBE}"}}]' in json_ld
    for text in (feed, json_ld):
        assert "iframe" not in text
        assert text.count(providers.origin) == text.count(f'data-embed-player="{providers.origin}')


def test_the_page_allows_frames_from_the_providers_players_only(client, settings):
    response = client.get(make_entry().get_absolute_url())

    (frame_src,) = re.findall(r"frame-src ([^;]+)", response["Content-Security-Policy"])
    assert frame_src.split() == [
        "https://embed.bsky.app",
        "https://mastodon.social",
        "https://platform.twitter.com",
        "https://player.vimeo.com",
        "https://www.youtube-nocookie.com",
    ]


def test_the_desk_shows_the_preview_once_posted(staff_client, providers):
    entry = make_entry()

    answer = staff_client.post(
        reverse("admin:entries_entry_desk_post", args=[entry.pk]),
        {"content": YOUTUBE, "key": "composition-embed"},
    )

    assert answer.status_code == 201
    assert (
        '<span class="embed-title">Keynote &lt;live&gt; &amp; more</span>' in answer.json()["html"]
    )


def test_a_transcript_keeps_the_link_and_imports_again_as_the_same_preview(providers, tmp_path):
    entry = make_entry(slug="talk", timezone="UTC")
    post_update(entry, f"Watch:\n\n{YOUTUBE}", published=datetime(2026, 6, 1, 10, 19, tzinfo=UTC))
    out = io.StringIO()
    call_command("export_liveblog", "talk", stdout=out)
    notes = tmp_path / "notes.md"
    notes.write_text(out.getvalue())
    make_entry(slug="copy", timezone="UTC")

    call_command(
        "import_liveblog", str(notes), "--entry", "copy", "--date", "2026-06-01",
        "--timezone", "UTC", stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip

    assert f"\n{YOUTUBE}\n" in out.getvalue()
    (copy,) = LiveUpdate.objects.filter(entry__slug="copy")
    assert '<span class="embed-title">Keynote &lt;live&gt; &amp; more</span>' in copy.fragment
    assert len(providers.oembed_requests()) == 1


def test_the_page_loads_the_embed_script_deferred_and_it_is_under_1_kb_gzipped(client):
    page = client.get(make_entry().get_absolute_url()).content.decode()
    script = settings.BASE_DIR / "static" / "liveblog" / "embeds.js"

    assert '<script src="/static/liveblog/embeds.js" defer></script>' in page
    assert len(gzip.compress(script.read_bytes(), 9)) <= 1024


def test_a_provider_configured_on_plain_http_is_asked_only_on_loopback(providers, settings):
    # 127.1 is the stand-in's address too, but not named as loopback: as
    # far as the rule knows, another host.
    elsewhere = providers.origin.replace("127.0.0.1", "127.1")
    settings.LIVEBLOG_EMBED_PROVIDERS = {
        **providers.providers(),
        "youtube": {**providers.providers()["youtube"], "oembed": f"{elsewhere}/youtube/oembed"},
    }

    fragment = body_of(post_update(make_entry(), YOUTUBE))

    assert "embed" not in fragment and not Embed.objects.exists()
    assert providers.requests == []


def test_check_deploy_warns_of_embed_providers_not_on_https(providers, settings):
    (warning,) = embed_providers_use_https(None)
    assert warning.id == "liveblog.W005" and providers.origin in warning.msg

    settings.LIVEBLOG_EMBED_PROVIDERS = DEFAULT_PROVIDERS
    assert embed_providers_use_https(None) == []


def test_deleting_a_photo_of_the_same_file_keeps_the_thumbnails_files(
    providers, django_capture_on_commit_callbacks
):
    entry = make_entry()
    post_update(entry, YOUTUBE)
    thumbnail = Embed.objects.get().thumbnail_files
    photo = PhotoUpload(SimpleUploadedFile("same.jpg", thumbnail_jpeg()), "The same picture")
    update = post_update(entry, "", photos=[photo])

    with django_capture_on_commit_callbacks(execute=True):
        update.delete()

    assert all(default_storage.exists(size["name"]) for size in thumbnail)


@pytest.mark.django_db(transaction=True)
def test_a_preview_stored_meanwhile_by_another_post_is_the_one_shown(providers):
    def another_post_stores_it():
        Embed.objects.create(url=YOUTUBE, provider="youtube", title="Theirs", player="x")
        connections["default"].close()

    providers.during_request = another_post_stores_it

    update = post_update(make_entry(), YOUTUBE)

    assert '<span class="embed-title">Theirs</span>' in body_of(update)
    assert Embed.objects.count() == 1


def test_an_update_shows_three_previews_at_most_and_the_other_links_as_links(providers):
    links = [f"https://youtu.be/video{n:06d}" for n in range(5)]
    for link in links:
        Embed.objects.create(url=link, provider="youtube", title="Remembered", player="x")

    (update,) = post_updates(make_entry(), [LiveUpdate(content="\n\n".join(links))])

    assert update.fragment.count('class="embed ') == 3
    assert f'<p><a href="{links[3]}" rel="nofollow noopener">{links[3]}</a></p>' in update.fragment
    assert providers.requests == []
