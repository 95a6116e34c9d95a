"""The Atom feed of an entry's latest updates."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from xml.dom import minidom

import pytest
from django.urls import reverse

from entries.models import Entry
from liveblog.purge import entry_tag
from tests.checks import assert_shared
from tests.conftest import using_postgres
from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from updates.changes import PhotoUpload, post_update, post_updates
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


class ContentReader(HTMLParser):
    """An entry's HTML content: its images, links, and text by element."""

    def __init__(self, html: str):
        super().__init__()
        self.images, self.links, self.text, self.open = [], [], {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag == "a":
            self.links.append(dict(attrs)["href"])
        else:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            self.open.remove(tag)

    def handle_data(self, data):
        if self.open and data.strip():
            self.text.setdefault(self.open[-1], []).append(data)


def feed_url(entry) -> str:
    return reverse("updates:feed", kwargs={"slug": entry.slug})


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)


def test_it_is_valid_atom_with_each_update_as_an_entry(client, django_user_model, settings):
    settings.SITE_URL = "https://live.example.com"
    entry = make_entry(slug="keynote", title="Keynote", intro="The *opening* keynote.")
    author = django_user_model.objects.create_user("ed", first_name="Ed", last_name="Itor")
    update = make_update(
        entry, "**Goal!** Smith scores.\n\nWhat a finish.", author=author,
        published=datetime(2026, 6, 1, 9, 30, tzinfo=UTC),
    )  # fmt: skip
    make_update(entry, "![The stage](https://example.com/stage.jpg)")

    feed = parse(client.get(feed_url(entry)))

    # RFC 4287: a feed has id, title and updated, and an author unless
    # every entry has one; each entry has id, title, updated and a link.
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Keynote"
    assert feed.findtext(f"{ATOM}subtitle") == "The opening keynote."
    assert feed.findtext(f"{ATOM}id") == "https://live.example.com/entries/keynote/"
    assert feed.findtext(f"{ATOM}updated")
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Liveblog"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "alternate": "https://live.example.com/entries/keynote/",
        "self": "https://live.example.com/entries/keynote/feed.atom",
    }
    image, goal = feed.findall(f"{ATOM}entry")
    permalink = f"https://live.example.com/entries/keynote/?update={update.pk}#update-{update.pk}"
    assert goal.findtext(f"{ATOM}title") == "Goal! Smith scores."
    assert goal.findtext(f"{ATOM}id") == permalink
    assert goal.find(f"{ATOM}link").get("href") == permalink
    assert goal.findtext(f"{ATOM}published") == "2026-06-01T09:30:00+00:00"
    assert goal.findtext(f"{ATOM}updated")
    assert goal.findtext(f"{ATOM}author/{ATOM}name") == "Ed Itor"
    content = goal.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.text == update.html
    assert image.findtext(f"{ATOM}title") == "The stage"
    assert image.find(f"{ATOM}author") is None


def test_it_holds_the_latest_fifty_visible_updates_newest_first_in_three_queries(
    client, django_assert_num_queries
):
    entry = make_entry()
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    post_updates(
        entry,
        [
            LiveUpdate(content=f"Update {n}", published=start + timedelta(minutes=n))
            for n in range(60)
        ],
    )
    entry.updates.get(content="Update 59").delete()

    # The entry, its updates and their photos.
    with django_assert_num_queries(3):
        feed = parse(client.get(feed_url(entry)))

    titles = [item.findtext(f"{ATOM}title") for item in feed.findall(f"{ATOM}entry")]
    assert titles == [f"Update {n}" for n in range(58, 8, -1)]


def test_markup_in_updates_cannot_break_the_xml(client):
    entry = make_entry(title="Fish & <chips>")
    make_update(entry, "Tags `</content></entry>` and ]]> and & and <script>alert(1)</script>")

    feed = parse(client.get(feed_url(entry)))

    assert feed.findtext(f"{ATOM}title") == "Fish & <chips>"
    content = feed.find(f"{ATOM}entry/{ATOM}content").text
    assert "&lt;/content&gt;&lt;/entry&gt;" in content
    assert "<script>" not in content


def test_absolute_urls_never_come_from_the_host_header_when_site_url_is_set(client, settings):
    settings.SITE_URL = "https://live.example.com"
    settings.ALLOWED_HOSTS = ["live.example.com", "origin.internal"]
    entry = make_entry(slug="keynote")
    make_update(entry)

    body = client.get(feed_url(entry), headers={"Host": "origin.internal"}).content.decode()

    assert "origin.internal" not in body
    assert "https://live.example.com/entries/keynote/?update=" in body


def test_without_site_url_the_requests_origin_is_used(client):
    entry = make_entry(slug="keynote")

    feed = parse(client.get(feed_url(entry)))

    assert feed.findtext(f"{ATOM}id") == "http://testserver/entries/keynote/"


def test_it_is_cached_like_the_poll_without_cookies(client):
    live = make_entry()
    ended = make_entry(status=Entry.Status.ENDED)
    client.cookies["sessionid"] = "not-a-session"

    live_response = client.get(feed_url(live))
    ended_response = client.get(feed_url(ended))

    assert live_response["Cache-Control"].startswith("public, max-age=0, s-maxage=10,")
    assert ended_response["Cache-Control"].startswith("public, max-age=0, s-maxage=3600,")
    # Purged with its entry's other answers (liveblog/purge.py).
    assert live_response["Surrogate-Key"] == entry_tag(live.pk)
    assert live_response["Cache-Tag"] == live_response["xkey"] == entry_tag(live.pk)
    for response in (live_response, ended_response):
        assert_shared(response)


def test_drafts_and_unknown_entries_are_404_even_for_staff(client, staff_client):
    draft = make_entry(status=Entry.Status.DRAFT)
    make_update(draft, "Secret")

    assert client.get(feed_url(draft)).status_code == 404
    assert staff_client.get(feed_url(draft)).status_code == 404
    assert client.get("/entries/no-such-entry/feed.atom").status_code == 404


def test_other_methods_are_405(client):
    response = client.post(feed_url(make_entry()))

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


# Characters XML 1.0 does not allow: a vertical tab (Word's line break), an
# escape, a NUL, and the two non-characters Django's writer lets through.
NOT_XML = ["\x0b", "\x1b", "\x00", "\ufffe", "\uffff"]


def code_point(character: str) -> str:
    # Not ascii(): its backslash makes the test id one that pytest cannot find
    # again in a process that has collected before (mutmut's runs).
    return f"U+{ord(character):04X}"


# Each field, where the feed shows it and what that is without the character.
WHERE_SHOWN = {
    "update text": (f"{ATOM}entry/{ATOM}content", "<p>Goal</p>"),
    "entry title": (f"{ATOM}title", "Goal"),
    "entry intro": (f"{ATOM}subtitle", "Goal"),
    "author first name": (f"{ATOM}entry/{ATOM}author/{ATOM}name", "GoalItor"),
    "author last name": (f"{ATOM}entry/{ATOM}author/{ATOM}name", "EdGoal"),
}


def store_unsafe(field: str, character: str, entry, update) -> None:
    """Write the character as rows saved before it was stripped would hold it."""
    text = f"Go{character}al"
    if field == "update text":
        LiveUpdate.all_objects.filter(pk=update.pk).update(content=text, html=f"<p>{text}</p>")
    elif field == "entry title":
        Entry.objects.filter(pk=entry.pk).update(title=text)
    elif field == "entry intro":
        Entry.objects.filter(pk=entry.pk).update(intro=text, intro_html=f"<p>{text}</p>")
    else:
        name = "first_name" if field == "author first name" else "last_name"
        type(update.author).objects.filter(pk=update.author_id).update(**{name: text})


@pytest.mark.parametrize("field", WHERE_SHOWN)
@pytest.mark.parametrize("character", NOT_XML, ids=code_point)
def test_characters_xml_does_not_allow_never_break_the_feed(
    client, django_user_model, field, character
):
    if character == "\x00" and using_postgres():
        pytest.skip("PostgreSQL cannot hold a NUL to begin with")
    entry = make_entry(title="Match", intro="Kick-off")
    author = django_user_model.objects.create_user("ed", first_name="Ed", last_name="Itor")
    update = make_update(entry, "Goal", author=author)
    store_unsafe(field, character, entry, update)

    response = client.get(feed_url(entry))

    # Both of the standard library's strict parsers (expat underneath).
    assert response.status_code == 200
    feed = parse(response)
    minidom.parseString(response.content)
    assert character not in response.content.decode()
    path, shown = WHERE_SHOWN[field]
    # A vertical tab is a line break, which the summaries make a space.
    assert "".join(feed.findtext(path).split()) == shown


@pytest.mark.parametrize("character", NOT_XML, ids=code_point)
def test_an_author_pasting_such_characters_gets_a_feed_that_parses(client, character):
    entry = make_entry(title=f"Ma{character}tch", intro=f"Kick{character}-off")
    make_update(entry, f"Go{character}al")

    response = client.get(feed_url(entry))

    feed = parse(response)
    minidom.parseString(response.content)
    assert "".join(feed.findtext(f"{ATOM}title").split()) == "Match"
    assert "".join(feed.findtext(f"{ATOM}entry/{ATOM}content").split()) == "<p>Goal</p>"


@pytest.mark.usefixtures("media_root")
def test_photos_are_in_the_content_with_absolute_urls_alt_text_and_caption(client, settings):
    settings.SITE_URL = "https://live.example.com"
    entry = make_entry(slug="keynote")
    update = post_update(
        entry,
        "The CEO walks on.",
        photos=[
            PhotoUpload(phone_jpeg(width=900, height=1200), "The CEO at the lectern", "Day one"),
            PhotoUpload(phone_jpeg(), "The crowd"),
        ],
    )

    (item,) = parse(client.get(feed_url(entry))).findall(f"{ATOM}entry")

    assert item.findtext(f"{ATOM}title") == "The CEO walks on."
    # The content is HTML, escaped in the XML: read it as a feed reader would.
    content = ContentReader(item.findtext(f"{ATOM}content"))
    assert content.text["p"] == ["The CEO walks on."]
    assert [image["alt"] for image in content.images] == ["The CEO at the lectern", "The crowd"]
    assert content.text["figcaption"] == ["Day one"]
    site = "https://live.example.com"
    for image, link, photo in zip(content.images, content.links, update.photos.all(), strict=True):
        size = photo.default_size()
        assert (image["src"], image["width"], image["height"]) == (
            site + size["url"],
            str(size["width"]),
            str(size["height"]),
        )
        assert link == site + photo.largest()["url"]


@pytest.mark.usefixtures("media_root")
def test_titles_without_text_come_from_a_photo_or_the_time_in_the_entrys_zone(client):
    entry = make_entry(timezone="Europe/Berlin")
    at = datetime(2026, 11, 26, 0, 53, tzinfo=UTC)  # 01:53 in Berlin, CET
    captioned = post_update(
        entry, "", photos=[PhotoUpload(phone_jpeg(), "A man on a stage", "The keynote")],
        published=at + timedelta(minutes=2),
    )  # fmt: skip
    post_update(
        entry, "", photos=[PhotoUpload(phone_jpeg(), "A crowded hall")],
        published=at + timedelta(minutes=1),
    )  # fmt: skip
    make_update(entry, "---", published=at)  # a rule, and nothing to read

    items = parse(client.get(feed_url(entry))).findall(f"{ATOM}entry")

    assert [item.findtext(f"{ATOM}title") for item in items] == [
        "The keynote",
        "A crowded hall",
        "Update at 1:53 AM CET",  # the site is in American English (issue 23)
    ]
    assert "The keynote" in items[0].findtext(f"{ATOM}content")
    assert captioned.photos.count() == 1
