"""An update's stored fragment states its id and time once, for every reader of it
(updates/fragments.py): the page's cursor, structured data, the reader script."""

import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps

from tests.factories import make_entry, make_update
from updates import fragments
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db

add_data_id = importlib.import_module("updates.migrations.0007_fragments_state_their_id")


def test_a_fragment_states_its_id_beside_its_anchor_and_reads_back_its_place():
    update = make_update(make_entry(), "Kick-off")

    assert f'id="update-{update.pk}" data-id="{update.pk}"' in update.fragment
    assert fragments.order_of(update.fragment) == (update.published, update.pk)
    (read,) = fragments.read_fragments(update.fragment)
    assert (read.id, read.summary.text) == (update.pk, "Kick-off")


def test_fragments_stored_before_data_id_gain_it_in_place_without_a_revision():
    entry = make_entry()
    old, new = make_update(entry, "Stored before"), make_update(entry, "Stored after")
    before = old.fragment.replace(f' data-id="{old.pk}"', "", 1)
    LiveUpdate.all_objects.filter(pk=old.pk).update(fragment=before)

    add_data_id.add_data_id(apps, None)

    assert LiveUpdate.all_objects.get(pk=old.pk).fragment == old.fragment
    assert LiveUpdate.all_objects.get(pk=new.pk).fragment == new.fragment
    assert LiveUpdate.all_objects.get(pk=old.pk).revision == old.revision


def test_undoing_the_migration_leaves_the_fragments_as_they_were_stored_before():
    update = make_update(make_entry(), "Stored")

    add_data_id.remove_data_id(apps, None)

    assert LiveUpdate.all_objects.get(pk=update.pk).fragment == update.fragment.replace(
        f' data-id="{update.pk}"', "", 1
    )


link_to_the_page = importlib.import_module("updates.migrations.0008_permalinks_name_their_page")


def test_an_updates_time_links_to_its_permalink_which_names_its_page():
    update = make_update(make_entry(), "Kick-off")

    assert (
        f'class="update-permalink" href="?update={update.pk}#update-{update.pk}"' in update.fragment
    )


def test_fragments_stored_with_a_bare_anchor_link_to_the_permalink_in_place_and_back():
    entry = make_entry()
    old, new = make_update(entry, "Stored before"), make_update(entry, "Stored after")
    bare = old.fragment.replace(
        f'href="?update={old.pk}#update-{old.pk}"', f'href="#update-{old.pk}"'
    )
    LiveUpdate.all_objects.filter(pk=old.pk).update(fragment=bare)

    link_to_the_page.link_to_the_page(apps, None)

    assert LiveUpdate.all_objects.get(pk=old.pk).fragment == old.fragment
    assert LiveUpdate.all_objects.get(pk=new.pk).fragment == new.fragment
    assert LiveUpdate.all_objects.get(pk=old.pk).revision == old.revision
    link_to_the_page.link_to_the_anchor(apps, None)
    assert LiveUpdate.all_objects.get(pk=old.pk).fragment == bare


times_in_format = importlib.import_module("updates.migrations.0013_times_in_the_languages_format")


def test_fragments_stored_with_24_hour_times_show_the_sites_format_in_place_and_back():
    entry = make_entry(timezone="America/New_York")
    update = make_update(entry, "Kick-off", published=datetime(2026, 5, 1, 18, 5, tzinfo=UTC))
    update.content = "Kick-off, late"
    update.save()
    stored = LiveUpdate.all_objects.get(pk=update.pk)
    edited = stored.edited.astimezone(entry.zone)
    before = stored.fragment.replace(">2:05 PM</time>", ">14:05</time>").replace(
        f">{edited:%-I:%M %p}</time>", f">{edited:%H:%M}</time>"
    )
    LiveUpdate.all_objects.filter(pk=update.pk).update(fragment=before)

    times_in_format.in_the_languages_format(apps, None)

    assert LiveUpdate.all_objects.get(pk=update.pk).fragment == stored.fragment
    assert LiveUpdate.all_objects.get(pk=update.pk).revision == stored.revision
    times_in_format.in_24_hours(apps, None)
    assert LiveUpdate.all_objects.get(pk=update.pk).fragment == before
