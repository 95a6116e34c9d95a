"""deploy/varnish.vcl repeats numbers and paths the settings own (VCL has no
way to read them): each is checked against its source here, so changing
one without the other fails the suite instead of production."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.servers import PROJECT
from updates import photos
from updates.photos import MAX_PHOTOS

VCL = (PROJECT / "deploy" / "varnish.vcl").read_text()
SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
# Varnish's byte units are powers of 1024.
BYTES = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}


def seconds(duration: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)", duration).groups()
    return float(number) * SECONDS[unit]


def graces(subject: str) -> list[float]:
    """Every grace the VCL gives `req` or `beresp`, in seconds."""
    return [seconds(value) for value in re.findall(rf"set {subject}\.grace = (\w+);", VCL)]


def body_limit(url: str) -> int:
    """The request body the VCL buffers for an author's post to `url`, in bytes."""
    block = VCL[VCL.index("sub liveblog_buffer_body {") :]
    for pattern, limit in re.findall(
        r'req\.url ~ "([^"]+)"[^{]*\{.*?X-Liveblog-Body-Limit = "(\d+[KMG]?B)"', block, re.S
    ):
        if re.search(pattern, url):
            number, unit = re.fullmatch(r"(\d+)([KMG]?B)", limit).groups()
            return int(number) * BYTES[unit]
    raise AssertionError(f"no body limit in the VCL matches {url}")


def test_serving_stale_while_revalidating_lasts_as_long_as_the_origin_allows():
    healthy, _ = graces("req")

    assert healthy == settings.LIVEBLOG_STALE_WHILE_REVALIDATE


def test_the_stale_copy_kept_for_an_origin_failure_lasts_as_long_as_the_origin_allows():
    _, failing = graces("req")
    kept = [grace for grace in graces("beresp") if grace]

    assert failing == settings.LIVEBLOG_STALE_IF_ERROR
    assert kept == [settings.LIVEBLOG_STALE_IF_ERROR]


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:entries_entry_desk_post", args=[1]),
        reverse("admin:updates_liveupdate_add"),
        reverse("admin:updates_liveupdate_change", args=[1]),
    ],
)
def test_an_author_can_post_as_many_photos_as_the_desk_takes_through_the_cdn_and_no_more(url):
    largest_photos = MAX_PHOTOS * photos.MAX_BYTES
    # The update's text (UTF-8, up to 4 bytes a character), alt texts,
    # captions and the form's own fields, with room to spare.
    text = settings.LIVEBLOG_MAX_UPDATE_CHARS * 4 + (1 << 20) // 2

    assert largest_photos + text <= body_limit(url) <= largest_photos + (4 << 20)


def test_every_admin_path_in_the_vcl_starts_with_admin_url():
    prefixes = set(re.findall(r'req\.url ~ "\^/([^"(]+?)(?:\(|/)', VCL))
    admin_paths = {prefix for prefix in prefixes if not prefix.startswith(("entries", "healthz"))}

    assert admin_paths == {settings.ADMIN_URL.rstrip("/")}
    assert reverse("admin:index") == f"/{settings.ADMIN_URL}"
