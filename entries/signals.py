"""What an entry tells the apps above it, which it does not import.

`rendering_changed` is sent by Entry.save when the entry's time zone or
language changes, inside the save's transaction (receivers run
synchronously, so their writes commit or roll back with it), with
`entry_id`. The updates app
re-renders its stored fragments then: they show times in the entry's zone,
and their labels ("Pinned", "Edited") and time format in its language.
"""

from django.dispatch import Signal

rendering_changed = Signal()
