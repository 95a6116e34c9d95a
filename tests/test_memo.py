"""What a worker remembers (liveblog/memo.py): for a time or the most recent, bounded, forgettable."""

import pytest

from liveblog import memo
from tests.helpers import Clock


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(memo.time, "monotonic", clock)
    return clock


def reads_of(values):
    reads = []

    def read():
        reads.append(1)
        return values.pop(0)

    return read, reads


def test_a_timed_value_is_read_again_once_its_lifetime_is_over(clock):
    timed = memo.Timed(lambda: 1.0, size=10)
    read, reads = reads_of(["first", "second"])

    assert timed.get("key", read) == "first"
    clock.now += 0.9
    assert timed.get("key", read) == "first"
    clock.now += 0.2
    assert timed.get("key", read) == "second"
    assert len(reads) == 2


def test_a_lifetime_of_zero_remembers_nothing(clock):
    timed = memo.Timed(lambda: 0, size=10)
    read, reads = reads_of(["first", "second"])

    timed.get("key", read)
    timed.get("key", read)

    assert len(reads) == 2 and len(timed) == 0


def test_a_value_not_fresh_enough_is_read_again(clock):
    timed = memo.Timed(lambda: 1.0, size=10)
    read, reads = reads_of([1, 2])

    timed.get("key", read)

    assert timed.get("key", read, lambda value: value >= 2) == 2
    assert len(reads) == 2


def test_what_is_not_there_is_not_remembered_and_forgets_what_was(clock):
    timed = memo.Timed(lambda: 1.0, size=10)
    timed.get("key", lambda: "there")
    clock.now += 2

    assert timed.get("key", lambda: None) is None
    assert len(timed) == 0


def test_a_full_timed_memo_starts_afresh(clock):
    timed = memo.Timed(lambda: 1.0, size=2)
    for key in ("a", "b", "c"):
        timed.get(key, lambda key=key: key.upper())

    assert len(timed) == 1
    assert timed.get("c", lambda: "read again") == "C"


def test_the_most_recent_values_are_kept_and_the_least_recent_go_first():
    recent = memo.Recent(lambda: 2)
    recent.get("a", lambda: "A")
    recent.get("b", lambda: "B")
    recent.get("a", lambda: "read again")  # now the most recent
    recent.get("c", lambda: "C")

    assert recent.get("a", lambda: "read again") == "A"
    assert recent.get("b", lambda: "read again") == "read again"
    assert len(recent) == 2


def test_a_recent_memo_of_size_zero_keeps_nothing():
    recent = memo.Recent(lambda: 0)
    read, reads = reads_of(["first", "second"])

    assert recent.get("key", read) == "first"
    assert recent.get("key", read) == "second"
    assert len(recent) == 0


def test_forgetting_all_empties_every_memo(clock):
    timed, recent = memo.Timed(lambda: 1.0, size=10), memo.Recent(lambda: 10)
    timed.get("key", lambda: "value")
    recent.get("key", lambda: "value")

    memo.forget_all()

    assert len(timed) == 0 and len(recent) == 0
