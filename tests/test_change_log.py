"""Every create, edit and delete of an update takes its entry's next revision."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from entries.models import Entry
from tests.factories import NO_PHOTOS, make_entry, make_update
from tests.helpers import revision_of
from updates.changes import post_update, post_updates
from updates.models import LiveUpdate, Photo
from updates.revisions import lock_entry

pytestmark = pytest.mark.django_db


def test_creating_an_update_takes_the_next_revision():
    entry = make_entry()

    first = make_update(entry)
    second = make_update(entry)

    assert (first.revision, second.revision) == (1, 2)
    assert revision_of(entry) == 2


def test_editing_an_update_moves_it_to_the_next_revision():
    entry = make_entry()
    update = make_update(entry, "Frist")
    created_at = update.updated

    update.content = "First"
    update.save()

    update.refresh_from_db()
    assert update.revision == 2
    assert update.html == "<p>First</p>"
    assert update.updated > created_at
    assert revision_of(entry) == 2


def test_saving_with_update_fields_still_takes_a_revision_and_renders():
    entry = make_entry()
    update = make_update(entry, "old")

    update.content = "new"
    update.save(update_fields=["content"])

    update.refresh_from_db()
    assert (update.revision, update.html) == (2, "<p>new</p>")


def test_deleting_an_update_leaves_a_tombstone_at_the_next_revision():
    entry = make_entry()
    update = make_update(entry, "Wrong score")

    update.delete()

    tombstone = LiveUpdate.all_objects.get(pk=update.pk)
    assert tombstone.deleted is not None
    assert tombstone.revision == 2
    assert tombstone.content == tombstone.html == ""
    assert not LiveUpdate.objects.filter(pk=update.pk).exists()
    assert revision_of(entry) == 2


def test_deleting_twice_takes_no_second_revision():
    entry = make_entry()
    update = make_update(entry)
    update.delete()

    assert update.delete() == (0, {})
    assert revision_of(entry) == 2


def test_a_queryset_delete_tombstones_each_update_with_its_own_revision():
    entry, other = make_entry(), make_entry()
    doomed = [make_update(entry), make_update(entry), make_update(other)]
    kept = make_update(entry)

    answer = LiveUpdate.objects.filter(pk__in=[u.pk for u in doomed]).delete()
    again = LiveUpdate.objects.filter(pk__in=[u.pk for u in doomed]).delete()

    # What Django's own delete() answers, which callers such as the admin read.
    assert answer == (3, {"updates.LiveUpdate": 3})
    assert again == (0, {})
    assert list(LiveUpdate.objects.all()) == [kept]
    assert sorted(
        LiveUpdate.all_objects.filter(entry=entry, deleted__isnull=False).values_list(
            "revision", flat=True
        )
    ) == [4, 5]
    assert revision_of(entry) == 5
    assert revision_of(other) == 2


def test_the_admins_delete_selected_action_tombstones_updates(staff_client):
    entry = make_entry()
    doomed = [make_update(entry), make_update(entry)]

    response = staff_client.post(
        reverse("admin:updates_liveupdate_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in doomed], "post": "yes"},
    )

    assert response.status_code == 302
    assert LiveUpdate.objects.count() == 0
    assert LiveUpdate.all_objects.filter(deleted__isnull=False).count() == 2
    assert revision_of(entry) == 4


def test_the_admins_delete_view_tombstones_the_update(staff_client):
    entry = make_entry()
    update = make_update(entry)

    response = staff_client.post(
        reverse("admin:updates_liveupdate_delete", args=[update.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert LiveUpdate.all_objects.get(pk=update.pk).deleted is not None
    assert revision_of(entry) == 2


def test_the_post_update_command_takes_the_next_revision(capsys):
    entry = make_entry(slug="match")
    make_update(entry)

    call_command("post_update", "match", "Goal!")

    update = LiveUpdate.objects.get(content="Goal!")
    assert update.revision == 2
    assert "revision 2" in capsys.readouterr().out


def test_saving_a_stale_entry_never_winds_its_revision_back():
    entry = make_entry()
    stale = Entry.objects.get(pk=entry.pk)
    make_update(entry)
    make_update(entry)

    stale.title = "Renamed while updates were posted"
    stale.save()

    assert revision_of(entry) == 2
    assert make_update(entry).revision == 3


def test_saving_an_entry_read_before_a_second_author_posted_keeps_the_bylines(
    django_user_model,
):
    ada = django_user_model.objects.create_user("ada")
    bob = django_user_model.objects.create_user("bob")
    entry = make_entry()
    stale = Entry.objects.get(pk=entry.pk)
    make_update(entry, "By Ada", author=ada)
    make_update(entry, "By Bob", author=bob)
    before = revision_of(entry)

    stale.title = "Renamed while two authors posted"
    stale.save()
    third = make_update(entry, "Ada again", author=ada)

    assert Entry.objects.get(pk=entry.pk).bylines
    # Only the new update takes a revision: the others keep their bylines.
    assert (third.revision, revision_of(entry)) == (before + 1, before + 1)
    assert '<span class="update-byline">ada</span>' in third.fragment


def test_a_failed_write_gives_back_its_revision():
    entry = make_entry()
    make_update(entry)

    with pytest.raises(RuntimeError), transaction.atomic():
        make_update(entry, "Never committed")
        raise RuntimeError

    assert revision_of(entry) == 1
    assert make_update(entry).revision == 2


@pytest.mark.django_db(transaction=True)
def test_taking_a_revision_outside_a_transaction_is_refused():
    # Without a transaction the row lock would end before the write.
    entry = make_entry()

    with pytest.raises(transaction.TransactionManagementError) as refused:
        lock_entry(entry.pk)

    assert str(refused.value) == "lock_entry() needs a transaction."

    assert revision_of(entry) == 0


@pytest.mark.django_db(transaction=True)
def test_rendering_a_fragment_again_outside_a_transaction_is_refused():
    # Only the transaction that took the update's revision may render it
    # again without a new one (photos attached after the row).
    update = make_update(make_entry())

    with pytest.raises(transaction.TransactionManagementError) as refused:
        update.refresh_fragment()

    assert str(refused.value) == "refresh_fragment() needs a transaction."


def test_an_edit_racing_a_delete_does_not_bring_the_update_back():
    entry = make_entry()
    update = make_update(entry, "Wrong")
    stale_copy = LiveUpdate.objects.get(pk=update.pk)
    update.delete()

    stale_copy.content = "Edited in another tab"
    stale_copy.save()

    assert not LiveUpdate.objects.filter(pk=update.pk).exists()
    assert LiveUpdate.all_objects.get(pk=update.pk).content == ""
    assert revision_of(entry) == 2


def test_a_copy_whose_edit_a_delete_dropped_is_deleted_so_deleting_it_takes_no_revision():
    # The other tab's author presses Delete after their edit was dropped:
    # the update is gone already, and readers are told of it once.
    entry = make_entry()
    update = make_update(entry, "Wrong")
    stale_copy = LiveUpdate.objects.get(pk=update.pk)
    update.delete()
    stale_copy.content = "Edited in another tab"
    stale_copy.save()

    assert stale_copy.delete() == (0, {})
    assert revision_of(entry) == 2
    assert LiveUpdate.all_objects.get(pk=update.pk).revision == 2


def test_published_times_are_kept_to_the_second_so_edits_do_not_move_them(staff_client):
    entry = make_entry()
    first, second = make_update(entry, "First"), make_update(entry, "Second")
    published = LiveUpdate.objects.get(pk=second.pk).published

    # The admin's change form sends the time back as it shows it: to the second.
    staff_client.post(
        reverse("admin:updates_liveupdate_change", args=[second.pk]),
        {
            "content": "Second, corrected",
            "published_0": published.strftime("%Y-%m-%d"),
            "published_1": published.strftime("%H:%M:%S"),
            **NO_PHOTOS,
        },
    )

    second.refresh_from_db()
    assert published.microsecond == 0
    assert (second.content, second.published) == ("Second, corrected", published)
    order = list(LiveUpdate.objects.filter(entry=entry).in_page_order())
    assert order == [first, second]


def test_post_update_keeps_the_author_and_any_time_it_is_given(django_user_model):
    entry = make_entry()
    author = django_user_model.objects.create_user("reporter")
    earlier = timezone.now().replace(microsecond=0) - timedelta(minutes=5)

    update = post_update(entry, "From the press box", author=author, published=earlier)

    update.refresh_from_db()
    assert (update.author, update.published, update.revision) == (author, earlier, 1)
    assert "<p>From the press box</p>" in update.fragment


def test_posting_in_bulk_renders_each_update_and_takes_one_revision_each():
    entry = make_entry()
    make_update(entry, "Posted before")

    posted = post_updates(entry, [LiveUpdate(content=f"**Bulk** {n}") for n in range(3)])

    assert [u.revision for u in posted] == [2, 3, 4]
    assert revision_of(entry) == 4
    stored = LiveUpdate.objects.filter(pk__in=[u.pk for u in posted]).order_by("revision")
    for n, update in enumerate(stored):
        assert update.html == f"<p><strong>Bulk</strong> {n}</p>"
        assert update.html in update.fragment


def test_an_update_posted_in_bulk_can_be_edited_from_what_post_updates_returned():
    entry = make_entry()
    (posted,) = post_updates(entry, [LiveUpdate(content="Tpyo")])

    posted.content = "Typo fixed"
    posted.save()

    stored = LiveUpdate.objects.get(pk=posted.pk)
    assert stored.html == "<p>Typo fixed</p>"
    assert "Typo fixed" in stored.fragment
    assert stored.revision == 2


def test_an_update_posted_in_bulk_and_marked_from_what_post_updates_returned_is_not_edited():
    entry = make_entry()
    (posted,) = post_updates(entry, [LiveUpdate(content="Kick-off")])

    posted.key_event = True
    posted.save()

    stored = LiveUpdate.objects.get(pk=posted.pk)
    assert stored.key_event and stored.edited is None
    assert "Edited" not in stored.fragment


def test_a_time_zone_change_gives_every_visible_update_its_own_new_revision():
    entry = make_entry(timezone="UTC")
    updates = [make_update(entry, f"Update {n}") for n in range(3)]
    updates[1].delete()

    rerendered = LiveUpdate.objects.rerender_fragments(entry.pk)

    revisions = sorted(LiveUpdate.objects.filter(entry=entry).values_list("revision", flat=True))
    assert rerendered == 2
    assert revisions == [5, 6]
    assert revision_of(entry) == 6


@pytest.mark.parametrize("size", [2, 6])
def test_a_time_zone_change_rerenders_photos_and_bylines_in_queries_that_do_not_grow(
    size, django_assert_num_queries, django_user_model
):
    ada = django_user_model.objects.create_user("ada")
    bob = django_user_model.objects.create_user("bob")
    entry = make_entry(timezone="UTC")
    for n in range(size):
        update = make_update(entry, f"Slide {n}", author=(ada, bob)[n % 2])
        Photo.objects.create(
            update=update, alt=f"Slide {n} on screen", key=f"{n:064}",
            files=[{"name": f"photos/slide-{n}.jpg", "width": 640, "height": 480}],
        )  # fmt: skip

    # As many at 2 updates as at 6: the updates are read with their authors
    # and photos at once, and written back in one bulk update.
    with django_assert_num_queries(8):
        LiveUpdate.objects.rerender_fragments(entry.pk)

    for n, update in enumerate(LiveUpdate.objects.filter(entry=entry).in_page_order()):
        assert f'alt="Slide {n} on screen"' in update.fragment
        assert f'<span class="update-byline">{("ada", "bob")[n % 2]}</span>' in update.fragment


def test_deleting_an_update_answers_as_django_does_and_a_second_delete_does_nothing():
    update = make_update(make_entry())

    assert update.delete() == (1, {"updates.LiveUpdate": 1})
    assert update.delete() == (0, {})


def test_an_update_is_named_by_its_text_on_one_line_cut_to_sixty_characters():
    entry = make_entry()
    sixty = "x" * 60

    assert str(make_update(entry, "Doors\n\nopen")) == "Doors open"
    assert str(make_update(entry, sixty)) == sixty
    assert str(make_update(entry, sixty + "y")) == sixty + "…"
