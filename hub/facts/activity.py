"""Record what happens in the contact centre, once, as it happens: an event row and daily counters.

Every part that changes a conversation's handling (routing, the inbox, the API, SLA,
CSAT, callbacks) calls ``record``. Reports and the wallboard read the rows and
counters back with small range reads (``events_between``, ``counters_between``).
The rows and counters are kept by ``hub.store.facts``.
"""

from __future__ import annotations

from hub.contract import now
from hub.store.facts import count, counters_between, events_between, local_day, record

__all__ = ["count", "counters_between", "events_between", "local_day", "now", "record"]
