"""Deleting a photo while the same file is posted again (issue 17, item 10).

Both share their files (the names come from the file's SHA-256). The
deletion removes them after its commit unless a photo still uses them; the
post skips writing files that exist. On PostgreSQL, with real commits from
two threads, the post must never end up naming files the deletion removed.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from tests.factories import make_entry
from tests.helpers import waiting_on_a_lock
from tests.images import phone_jpeg
from updates import photos
from updates.changes import PhotoUpload, post_update
from updates.models import Photo
from updates.revisions import lock_entry

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]


def test_a_photo_posted_while_the_same_file_is_deleted_keeps_its_files(media_root):
    upload = phone_jpeg(1000, 800)
    doomed = post_update(make_entry(), "", photos=[PhotoUpload(upload, "The stage")])
    names = [file["name"] for file in doomed.photos.get().files]
    other_entry = make_entry()
    held, release, posted, errors = threading.Event(), threading.Event(), [], []

    def hold_the_other_entry():
        # Another author's save in progress: the post waits for this lock
        # after it has found the files in place.
        try:
            with transaction.atomic():
                lock_entry(other_entry.pk, count=0)
                held.set()
                release.wait(30)
        finally:
            connection.close()

    def post_the_same_file():
        try:
            upload.seek(0)
            posted.append(post_update(other_entry, "", photos=[PhotoUpload(upload, "Again")]))
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_other_entry)
    holder.start()
    assert held.wait(10)
    poster = threading.Thread(target=post_the_same_file)
    poster.start()
    deadline = time.monotonic() + 10
    while not waiting_on_a_lock():
        assert time.monotonic() < deadline, "the post never waited for the entry"
        time.sleep(0.02)

    doomed.delete()  # commits; its files' fate is decided now
    release.set()
    holder.join(10)
    poster.join(30)

    assert errors == []
    (photo,) = posted[0].photos.all()
    assert [file["name"] for file in photo.files] == names
    assert all((media_root / name).is_file() for name in names)


def test_a_deletion_that_decides_while_the_same_file_is_being_posted_waits_for_that_post(
    media_root,
):
    upload = phone_jpeg(1000, 800)
    doomed = post_update(make_entry(), "", photos=[PhotoUpload(upload, "The stage")])
    names = [file["name"] for file in doomed.photos.get().files]
    other = post_update(make_entry(), "Text first")
    upload.seek(0)
    processed = photos.process(upload)
    claimed, proceed, errors = threading.Event(), threading.Event(), []

    def post_between_claim_and_commit():
        # What post_update does in its transaction, paused after the claim.
        try:
            with transaction.atomic():
                files = photos.claim(processed)
                claimed.set()
                proceed.wait(30)
                Photo.objects.create(update=other, alt="Again", key=processed.key, files=files)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def delete():
        try:
            doomed.delete()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    poster = threading.Thread(target=post_between_claim_and_commit)
    poster.start()
    assert claimed.wait(10)
    deleter = threading.Thread(target=delete)
    deleter.start()
    deadline = time.monotonic() + 10
    while not waiting_on_a_lock():
        assert time.monotonic() < deadline, "the deletion never waited for the files' lock"
        time.sleep(0.02)
    assert all((media_root / name).is_file() for name in names)
    proceed.set()
    poster.join(30)
    deleter.join(30)

    assert errors == []
    assert all((media_root / name).is_file() for name in names)
