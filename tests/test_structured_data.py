"""What the entry page tells search engines and link previews: JSON-LD, Open Graph, canonical."""

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from entries.models import Entry
from tests.factories import make_entry, make_update
from updates.changes import post_updates
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


class Head(HTMLParser):
    """The page's <meta>, <link> and JSON-LD, as a crawler reads them."""

    def __init__(self, page: str):
        super().__init__()
        self.meta, self.links, self.json_ld, self._in_ld = {}, {}, [], False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs["content"]
        elif tag == "link":
            self.links[(attrs["rel"], attrs.get("type"))] = attrs["href"]
        self._in_ld = tag == "script" and attrs.get("type") == "application/ld+json"

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in_ld = False


def head(client, entry, **headers) -> Head:
    response = client.get(entry.get_absolute_url(), headers=headers)
    assert response.status_code == 200
    return Head(response.content.decode())


def structured(client, entry) -> dict:
    (data,) = head(client, entry).json_ld
    return data


def test_a_live_entry_is_a_live_blog_posting_with_its_updates(client, settings):
    settings.SITE_URL = "https://live.example.com"
    entry = make_entry(slug="keynote", title="Keynote", intro="The *opening* keynote.")
    first = make_update(entry, "**Doors** open.\n\nSecond paragraph.", published=START)
    photo = make_update(
        entry, "On stage now\n\n![The stage](https://cdn.example.com/stage.jpg)",
        published=START + timedelta(minutes=5),
    )  # fmt: skip

    data = structured(client, entry)

    entry.refresh_from_db()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LiveBlogPosting"
    assert data["headline"] == "Keynote"
    assert data["description"] == "The opening keynote."
    assert data["url"] == "https://live.example.com/entries/keynote/"
    assert data["coverageStartTime"] == entry.coverage_start.isoformat(timespec="seconds")
    assert "coverageEndTime" not in data
    assert datetime.fromisoformat(data["dateModified"]) >= START + timedelta(minutes=5)
    assert data["image"] == "https://cdn.example.com/stage.jpg"
    assert data["liveBlogUpdate"] == [
        {
            "@type": "BlogPosting",
            "headline": "On stage now",
            "datePublished": "2026-06-01T09:05:00+00:00",
            "url": f"https://live.example.com/entries/keynote/?update={photo.pk}#update-{photo.pk}",
            "articleBody": "On stage now",
            "image": ["https://cdn.example.com/stage.jpg"],
        },
        {
            "@type": "BlogPosting",
            "headline": "Doors open.",
            "datePublished": "2026-06-01T09:00:00+00:00",
            "url": f"https://live.example.com/entries/keynote/?update={first.pk}#update-{first.pk}",
            "articleBody": "Doors open.\nSecond paragraph.",
        },
    ]


def test_an_ended_entry_has_its_coverage_end_in_its_zone(client):
    entry = make_entry(timezone="America/New_York")
    make_update(entry, published=START)
    entry.end()

    data = structured(client, entry)

    assert data["coverageEndTime"] == entry.coverage_end.astimezone(entry.zone).isoformat(
        timespec="seconds"
    )
    assert data["liveBlogUpdate"][0]["datePublished"] == "2026-06-01T05:00:00-04:00"


@pytest.mark.parametrize("size", [5, 250])
def test_the_latest_hundred_updates_are_listed_at_no_extra_query_for_the_page(
    client, django_assert_num_queries, size
):
    entry = make_entry()
    post_updates(
        entry,
        [
            LiveUpdate(content=f"Update {n}", published=START + timedelta(minutes=n))
            for n in range(size)
        ],
    )

    # The page's own queries (the entry, its latest fragments, the pinned
    # and key-event updates), the structured data adding none.
    with django_assert_num_queries(3):
        page = client.get(entry.get_absolute_url()).content.decode()
    with django_assert_num_queries(1):
        again = client.get(entry.get_absolute_url()).content.decode()

    (data,) = Head(page).json_ld
    headlines = [item["headline"] for item in data["liveBlogUpdate"]]
    assert headlines == [f"Update {n}" for n in range(size - 1, max(size - 100, 0) - 1, -1)]
    assert Head(again).json_ld == [data]


def test_changes_to_the_entry_or_an_update_show_at_once(client):
    entry = make_entry(title="Before")
    update = make_update(entry, "First version")
    structured(client, entry)

    entry.title = "After"
    entry.save()
    update.content = "Second version"
    update.save()
    data = structured(client, entry)

    assert data["headline"] == "After"
    assert data["liveBlogUpdate"][0]["articleBody"] == "Second version"


def test_no_update_text_can_end_the_script_element_or_open_a_comment(client):
    entry = make_entry(title="</script><script>alert(1)</script>")
    nasty = "Code: `</script><!-- <script>alert(1)</script>` & `</SCRIPT >`"
    make_update(entry, nasty)

    page = client.get(entry.get_absolute_url()).content.decode()

    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    assert data["headline"] == "</script><script>alert(1)</script>"
    assert data["liveBlogUpdate"][0]["articleBody"] == (
        "Code: </script><!-- <script>alert(1)</script> & </SCRIPT >"
    )
    assert "<!--" not in page


def test_share_previews_name_the_title_intro_latest_photo_and_canonical_url(client, settings):
    settings.SITE_URL = "https://live.example.com"
    entry = make_entry(slug="keynote", title="Keynote", intro="Follow the **keynote** live.")
    make_update(entry, "![Older photo](https://cdn.example.com/old.jpg)", published=START)
    make_update(entry, "![Latest photo](/media/new.jpg)", published=START + timedelta(minutes=1))
    make_update(entry, "No photo", published=START + timedelta(minutes=2))

    found = head(client, entry)

    assert found.meta == {
        "viewport": found.meta["viewport"],
        "description": "Follow the keynote live.",
        "og:type": "article",
        "og:locale": "en_US",
        "og:site_name": "Liveblog",
        "og:title": "Keynote",
        "og:description": "Follow the keynote live.",
        "og:url": "https://live.example.com/entries/keynote/",
        "og:image": "https://live.example.com/media/new.jpg",
        "og:image:alt": "Latest photo",
        "twitter:card": "summary_large_image",
    }
    assert found.links[("canonical", None)] == "https://live.example.com/entries/keynote/"
    assert found.links[("alternate", "application/atom+xml")] == "/entries/keynote/feed.atom"


def test_without_a_photo_the_card_is_a_summary_and_the_title_describes_it(client):
    entry = make_entry(title="Cup final")
    make_update(entry, "Kick-off")

    found = head(client, entry)

    assert "og:image" not in found.meta
    assert found.meta["twitter:card"] == "summary"
    assert found.meta["og:description"] == "Cup final"


def test_a_long_intro_is_shortened_for_previews(client):
    entry = make_entry(intro="word " * 100)

    description = head(client, entry).meta["og:description"]

    assert len(description) <= 200
    assert description.endswith("word…")


def test_absolute_urls_never_come_from_the_host_header_when_site_url_is_set(client, settings):
    settings.SITE_URL = "https://live.example.com"
    settings.ALLOWED_HOSTS = ["live.example.com", "origin.internal"]
    entry = make_entry()
    make_update(entry, "![Photo](/media/p.jpg)")

    page = client.get(entry.get_absolute_url(), headers={"Host": "origin.internal"})

    assert "origin.internal" not in page.content.decode()
    assert "https://live.example.com/media/p.jpg" in page.content.decode()


def test_without_site_url_the_requests_origin_is_used(client):
    entry = make_entry(slug="keynote")

    assert head(client, entry).meta["og:url"] == "http://testserver/entries/keynote/"


def test_an_older_page_is_its_own_canonical_and_carries_no_structured_data(client, settings):
    settings.LIVEBLOG_PAGE_SIZE = 2
    entry = make_entry(slug="keynote")
    for n in range(4):
        make_update(entry, f"Update {n}", published=START + timedelta(minutes=n))
    link = re.search(
        r'href="(/entries/keynote/\?before=[0-9-]+)"',
        client.get("/entries/keynote/").content.decode(),
    )

    older = Head(client.get(link.group(1)).content.decode())

    assert older.links[("canonical", None)] == "http://testserver" + link.group(1)
    assert older.meta["og:url"] == "http://testserver/entries/keynote/"
    assert older.json_ld == []


def test_a_staff_preview_of_a_draft_links_no_feed(staff_client):
    draft = make_entry(status=Entry.Status.DRAFT)

    response = staff_client.get(reverse("entry_preview", kwargs={"slug": draft.slug}))
    assert response.status_code == 200
    found = Head(response.content.decode())

    assert ("alternate", "application/atom+xml") not in found.links
