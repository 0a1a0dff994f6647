"""Retention deletes through one conditional write: a conversation a customer reopened while
the purge ran stays whole (messages, queue place), and an interrupted purge is finished."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from hub.centre.reports import live
from hub.models import Conversation, Lease, Message
from hub.pipeline.media import MediaNotFound
from hub.pipeline.services import Hub
from hub.store import purge as purge_store
from hub.tenants import purge, retention
from tests.conftest import Clock, Tenant
from tests.core.helpers import inbound_conversation
from tests.privacy.test_retention import START, _counts, _resolved, _with_file

CUTOFF = START - dt.timedelta(days=30)


async def test_a_conversation_reopened_while_the_purge_runs_keeps_everything(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    account_id = tenant.account.id
    assert account_id is not None
    reopened = await _resolved(client, tenant, clock, 40, "+4511000001")
    old = await _resolved(client, tenant, clock, 41, "+4511000002")
    await retention.set_retention(tenant.account, {"conversations_days": 30})
    ids = await purge_store.resolved_before(account_id, CUTOFF)
    assert set(ids) == {reopened.id, old.id}

    # The customer writes again after the purge read its ids, before it deletes.
    again = await inbound_conversation(client, tenant, "+4511000001", pid="in-again")
    assert again.id == reopened.id and again.status == "open"
    counts = purge.ConversationCounts(conversations=0, messages=0, attachments=0)
    await purge.delete_chunk(hub, account_id, ids, CUTOFF, counts)

    assert counts == {"conversations": 1, "messages": 1, "attachments": 0}
    assert await _counts(account_id, old) == (0, 0)
    assert await _counts(account_id, reopened) == (1, 2)  # the old message and the new one
    (queue,) = await live.snapshot(tenant.account)
    assert queue.waiting == 1 and queue.conversation_ids == [reopened.id]
    assert await purge_store.journaled(account_id) == []


async def test_an_interrupted_purge_deletes_what_it_left_on_the_next_run(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    account_id = tenant.account.id
    assert account_id is not None
    old = await _resolved(client, tenant, clock, 40, "+4511000001")
    file_id = await _with_file(hub, tenant, old)
    assert old.id is not None
    # A run that stopped after deleting the conversation: its message and file are left.
    await purge_store.journal(account_id, [old.id])
    await purge_store.delete_resolved(account_id, [old.id], CUTOFF)
    assert await Conversation.find(Conversation.id == old.id).count() == 0
    assert await Message.find(Message.conversation_id == old.id).count() == 1

    await retention.set_retention(tenant.account, {"conversations_days": 30})
    counts = await retention.purge_account(hub, tenant.account, START)
    assert (counts["conversations"], counts["messages"], counts["attachments"]) == (1, 1, 1)
    assert await Message.find(Message.conversation_id == old.id).count() == 0
    with pytest.raises(MediaNotFound):
        await hub.media.get(account_id, file_id)
    assert await purge_store.journaled(account_id) == []
    journal = await Lease.get_pymongo_collection().find_one({"_id": f"retention:{account_id}"})
    assert journal is not None and journal["pending"] == []
