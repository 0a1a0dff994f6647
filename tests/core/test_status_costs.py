"""Status callbacks arriving at once are applied together (``hub.store.status_batch``).

Twenty providers' callbacks, one status each, arrive concurrently. Before, each cost its
own read of the message and its own update (42 commands for the burst); now the reports
that arrive together are read together and written with one ``bulk_write``. Counted with pymongo's command monitoring as ``test_round_trips`` counts.
Every caller still gets its answer after its report is stored, a report that would move
a message backwards is not applied, and a report for a message not sent yet is kept.
"""

from __future__ import annotations

import asyncio

import httpx

from hub.contract import DeliveryState
from hub.models import Conversation, EarlyStatus, Message, Sender
from tests.conftest import Running, Tenant, make_tenant
from tests.core.helpers import inbound_conversation, post_webhook
from tests.core.test_round_trips import (  # noqa: F401  (fixtures)
    Commands,
    commands,
    connectors,
    counted,
    quiet,
    report,
)

BURST = 20
#: Commands for the whole burst. Before the batching: 42 (a read and an update per
#: callback, another read for the failure's conversation, the early status's insert).
#: Now: a read per callback (an equality read; SecantusDB scans a ``$in`` on provider ids,
#: see ``hub.store.status_batch._found``), one bulk write per batch, the early status's
#: insert and the failed reply's conversation flag: 23, with room for two more batches
#: (a loaded machine may spread the burst over the window).
BASELINE_BURST = 25
#: ``update`` commands: one bulk write per batch (up to three) and the conversation
#: flag; 20 before.
BASELINE_WRITES = 4


async def _sent(tenant: Tenant, conversation: Conversation, pid: str, rank: int) -> Message:
    states: dict[int, DeliveryState] = {2: "sent", 3: "delivered", 4: "read"}
    state = states[rank]
    message = Message(
        account_id=tenant.account.id,
        conversation_id=conversation.id,
        channel_id=tenant.channel.id,
        direction="out",
        text="hello",
        sender=Sender(type="agent"),
        delivery=state,
        delivery_rank=rank,
        provider_message_id=pid,
    )
    await message.insert()
    return message


async def test_concurrent_status_callbacks_share_their_writes(
    quiet: Running,  # noqa: F811
    commands: Commands,  # noqa: F811
) -> None:
    hub, client = quiet.hub, quiet.client
    tenant = await make_tenant(hub)
    conversation = await inbound_conversation(client, tenant)
    # 17 sent messages reported delivered; one already read (a late "delivered" must not
    # move it back); one reported failed (its conversation is flagged); one not sent yet.
    sent = [await _sent(tenant, conversation, f"p-{n}", 2) for n in range(BURST - 3)]
    read = await _sent(tenant, conversation, "p-read", 4)
    failing = await _sent(tenant, conversation, "p-fail", 2)
    plan = [(m.provider_message_id, "delivered") for m in sent]
    plan += [("p-read", "delivered"), ("p-fail", "failed"), ("p-early", "delivered")]

    async def burst() -> httpx.Response:
        answers = await asyncio.gather(
            *[post_webhook(client, tenant, statuses=[{"id": p, "status": s}]) for p, s in plan]
        )
        assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
        return answers[-1]

    await counted(commands, hub, burst)
    report(f"{BURST} status callbacks at once", commands, BASELINE_BURST)
    assert commands.total() <= BASELINE_BURST, commands.counts
    assert commands.counts["update"] <= BASELINE_WRITES, commands.counts
    assert hub.status_updates.batches <= 3
    # Each caller was answered after its report was stored: read back right away.
    for message in sent:
        found = await Message.get(message.id)
        assert found is not None and found.delivery == "delivered"
    found = await Message.get(read.id)
    assert found is not None and found.delivery == "read"
    found = await Message.get(failing.id)
    assert found is not None and found.delivery == "failed"
    flagged = await Conversation.get(conversation.id)
    assert flagged is not None and flagged.delivery_failed_at is not None
    early = await EarlyStatus.find(EarlyStatus.account_id == tenant.account.id).to_list()
    assert [(e.provider_message_id, e.status) for e in early] == [("p-early", "delivered")]


async def test_reports_of_one_message_in_one_batch_apply_in_order(
    quiet: Running,  # noqa: F811
) -> None:
    """read, then delivered, in one batch: the message stays read."""
    hub, client = quiet.hub, quiet.client
    tenant = await make_tenant(hub)
    conversation = await inbound_conversation(client, tenant)
    message = await _sent(tenant, conversation, "p-one", 2)
    statuses = [{"id": "p-one", "status": "read"}, {"id": "p-one", "status": "delivered"}]
    r = await post_webhook(client, tenant, statuses=statuses)
    assert r.status_code == 200
    found = await Message.get(message.id)
    assert found is not None and found.delivery == "read"
