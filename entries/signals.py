"""What an entry tells the apps above it, which it does not import.

`zone_changed` is sent by Entry.save when the entry's time zone changes,
inside the save's transaction (receivers run synchronously, so their
writes commit or roll back with it), with `entry_id`. The updates app
re-renders its stored fragments then: they show times in the entry's zone.
"""

from django.dispatch import Signal

zone_changed = Signal()
