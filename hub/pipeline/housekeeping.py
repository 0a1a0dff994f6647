"""Housekeeping: timed changes no request triggers, swept once a minute by every serve process.

Each sweep is one idempotent update, so several processes running it at once agree.
- A conversation resolved more than ``REOPEN_WINDOW`` ago is retired (its thread key
  becomes its own id), so the contact's next message opens a new conversation.
- A snoozed conversation whose time has come is opened again, and the rules are told
  (``ConversationRules.woke``: the contact centre's one path of a status change).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

from hub import tasks
from hub.contract import now
from hub.pipeline.rules import ConversationRules
from hub.store import sweeps

log = logging.getLogger(__name__)
REOPEN_WINDOW = dt.timedelta(days=7)
INTERVAL_SECONDS = 60.0


async def sweep(rules: ConversationRules | None = None) -> None:
    at = now()
    await sweeps.retire_resolved_all_accounts(at - REOPEN_WINDOW)
    for account_id, conversation_id in await sweeps.wake_snoozed_all_accounts(at):
        if rules is not None:  # the change's consequences: SLA clocks, the queues
            await rules.woke(account_id, conversation_id)


class Housekeeper(tasks.Periodic):
    """Runs ``sweep`` every ``interval`` seconds, the first at once; every process runs it."""

    def __init__(
        self, rules: ConversationRules | None = None, interval: float = INTERVAL_SECONDS
    ) -> None:
        super().__init__("housekeeping", functools.partial(sweep, rules), interval)
