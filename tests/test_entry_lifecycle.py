"""An entry's life: draft, live, ended (and reopened), and what each step records."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from entries.models import Entry, validate_timezone
from tests.factories import make_entry

pytestmark = pytest.mark.django_db


def test_a_draft_has_no_coverage_times_until_it_goes_live():
    entry = make_entry(status=Entry.Status.DRAFT)
    entry.title = "Renamed while still a draft"
    entry.save()

    assert (entry.coverage_start, entry.coverage_end) == (None, None)
    entry.go_live()
    assert entry.coverage_start is not None and entry.coverage_end is None


def test_saving_named_fields_writes_only_those():
    entry = make_entry(title="Keynote", intro="Old intro")
    entry.title = "Keynote, day two"
    entry.intro = "Not meant to be saved yet"

    entry.save(update_fields=["title"])

    stored = Entry.objects.get(pk=entry.pk)
    assert (stored.title, stored.intro) == ("Keynote, day two", "Old intro")


def test_the_zone_is_named_as_it_was_when_coverage_ended():
    # Coverage that ran across the end of daylight saving in Los Angeles.
    entry = make_entry(timezone="America/Los_Angeles", status=Entry.Status.ENDED)
    Entry.objects.filter(pk=entry.pk).update(
        coverage_start=datetime(2026, 10, 31, 18, tzinfo=UTC),
        coverage_end=datetime(2026, 11, 2, 18, tzinfo=UTC),
    )
    entry.refresh_from_db()

    assert entry.zone_abbreviation() == "PST"
    entry.coverage_end = None
    assert entry.zone_abbreviation() == "PDT"


def test_live_entries_are_listed_first_even_when_an_ended_one_started_later():
    now = datetime.now(UTC)
    live = make_entry(title="Started long ago, still live")
    ended = make_entry(title="Started yesterday, over", status=Entry.Status.ENDED)
    Entry.objects.filter(pk=live.pk).update(coverage_start=now - timedelta(days=3))
    Entry.objects.filter(pk=ended.pk).update(coverage_start=now - timedelta(days=1))

    listed = list(Entry.objects.published().for_listing())

    assert listed == [live, ended]


def test_entries_that_started_together_are_listed_newest_first():
    started = datetime(2026, 11, 1, 9, tzinfo=UTC)
    first = make_entry(title="Hall A keynote", status=Entry.Status.ENDED)
    second = make_entry(title="Hall B keynote", status=Entry.Status.ENDED)
    Entry.objects.filter(pk__in=[first.pk, second.pk]).update(coverage_start=started)

    assert list(Entry.objects.published().for_listing()) == [second, first]


def test_an_unknown_time_zone_is_refused_with_an_example_of_a_good_one():
    with pytest.raises(ValidationError) as refused:
        validate_timezone("Mars/Olympus")

    assert refused.value.messages == [
        "Mars/Olympus is not an IANA time zone name, such as Europe/London."
    ]
