"""What a worker process remembers between requests: the project's only caches.

Two kinds, each bounded in count:

- `Timed`: a value per key for at most a number of seconds (the entry a
  page or a poll reads, entries/remembered.py says why a second is safe).
  Missing keys (a made-up slug) are never remembered.
- `Recent`: the values of the keys used most recently, for values that
  never go stale because their key says which version they are (a page of
  fragments at a revision, updates/paging.py; its structured data,
  updates/sharing.py).

gunicorn's threaded workers serve several requests of one process at
once: each memo takes its own lock around lookups and stores, never around
the work of reading a value (two threads may read the same one at once; the
second store wins, and both are the same). `forget_all()` empties every
memo: tests roll their databases back, which hands out the same ids and
revisions again.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")

_all: list["_Memo"] = []


class _Memo:
    """What both kinds share: their values, their lock, and being forgotten."""

    def __init__(self):
        self._values: dict = {}
        self._lock = threading.Lock()
        _all.append(self)

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class Timed(_Memo, Generic[Value]):
    """Values kept for `lifetime()` seconds (0: not kept), `size` keys at most.

    The thousand-and-first key starts the memo afresh rather than tracking
    ages: a flood of real keys cannot grow a process, and what is dropped
    is at most a second old anyway.
    """

    def __init__(self, lifetime: Callable[[], float], size: int):
        super().__init__()
        self.lifetime = lifetime
        self.size = size

    def get(
        self,
        key: Hashable,
        read: Callable[[], Value | None],
        fresh_enough: Callable[[Value], bool] = lambda value: True,
    ) -> Value | None:
        """The remembered value if younger than the lifetime and `fresh_enough`,
        else `read()`'s, remembered unless it is None (and then forgotten)."""
        lifetime = self.lifetime()
        # Counted from before the read: the value is at least as new as that.
        now = time.monotonic()
        with self._lock:
            remembered = self._values.get(key)
        if remembered is not None:
            read_at, value = remembered
            if now - read_at < lifetime and fresh_enough(value):
                return value
        value = read()
        with self._lock:
            if value is None:
                self._values.pop(key, None)
            elif lifetime > 0:
                if len(self._values) >= self.size:
                    self._values.clear()
                self._values[key] = (now, value)
        return value


class Recent(_Memo, Generic[Value]):
    """The values of the `size()` keys used most recently (0: none kept)."""

    def __init__(self, size: Callable[[], int]):
        super().__init__()
        self.size = size
        self._values: OrderedDict[Hashable, Value] = OrderedDict()

    def get(self, key: Hashable, read: Callable[[], Value]) -> Value:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = read()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size():
                self._values.popitem(last=False)
        return value


def forget_all() -> None:
    """Empty every memo (for tests, and `make bench`'s cold runs)."""
    for memo in _all:
        memo.clear()
