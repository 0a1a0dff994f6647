"""Database commands of API replies: ``POST /api/v1/conversations/{id}/messages``.

Counted as ``test_round_trips`` counts (the app without its workers, the request's own
commands, warm requests). A reply is accepted (202) only once its message is stored;
what the dispatcher does afterwards is counted in ``test_send_costs``.

One reply alone costs the key, account and conversation reads, the rate-limit count, the
message insert, the conversation's update and the write's audit event. Ten concurrent
replies share the writes: the inserts, the rate-limit count, the conversation updates
and the audit events are each gathered into a few commands (``hub.store.batch``,
``hub.store.gather``), each request still answered only after its own are written.
"""

from __future__ import annotations

import asyncio
import functools

import httpx

from hub.models import Conversation, Message
from tests.conftest import Running, make_tenant
from tests.core.helpers import inbound_conversation
from tests.core.test_round_trips import (  # noqa: F401  (fixtures)
    Commands,
    commands,
    connectors,
    counted,
    quiet,
    report,
)

#: One warm reply: find 2 (account, conversation; the key is cached by the process),
#: findAndModify 1 (rate limit), insert 2 (message, audit event), update 1
#: (conversation). 7 before the key cache (find 3).
BASELINE_REPLY = 6
#: Ten replies at once to five conversations: 70 before, one by one (find 30,
#: findAndModify 10, insert 20, update 10); 41 with the writes gathered (find 30,
#: findAndModify 3, insert 5, update 3); 25 with the key cached too (find 20,
#: findAndModify 2, insert 2, update 1). The reads are one account and one conversation
#: a request; the writes depend on how many requests meet in a batch's window (5 to 12
#: measured), so the ceiling leaves room for a few more batches.
BEFORE_TEN_REPLIES = 70
BASELINE_TEN_REPLIES = 40


async def test_api_reply_round_trips(quiet: Running, commands: Commands) -> None:  # noqa: F811
    hub, client = quiet.hub, quiet.client
    tenant = await make_tenant(hub)
    conversation = await inbound_conversation(client, tenant)
    url = f"/api/v1/conversations/{conversation.id}/messages"
    for i in range(2):
        post = functools.partial(client.post, url, json={"text": f"r{i}"}, headers=tenant.auth)
        r = await counted(commands, hub, post)
        assert r.status_code == 202, r.text
    report("API reply", commands, BASELINE_REPLY)
    assert commands.total() <= BASELINE_REPLY, commands.counts


async def test_concurrent_replies_share_their_writes(
    quiet: Running,  # noqa: F811
    commands: Commands,  # noqa: F811
) -> None:
    hub, client = quiet.hub, quiet.client
    tenant = await make_tenant(hub)
    threads = [
        await inbound_conversation(client, tenant, f"+451111111{i}", f"in-{i}") for i in range(5)
    ]
    warm = await client.post(
        f"/api/v1/conversations/{threads[0].id}/messages",
        json={"text": "warm"},
        headers=tenant.auth,
    )
    assert warm.status_code == 202, warm.text

    async def ten() -> httpx.Response:
        answers = await asyncio.gather(
            *[
                client.post(
                    f"/api/v1/conversations/{threads[i % 5].id}/messages",
                    json={"text": f"reply {i}"},
                    headers=tenant.auth,
                )
                for i in range(10)
            ]
        )
        assert all(a.status_code == 202 for a in answers), [a.text for a in answers]
        return answers[0]

    await counted(commands, hub, ten)
    report("ten API replies at once", commands, BASELINE_TEN_REPLIES)
    assert commands.total() <= BASELINE_TEN_REPLIES < BEFORE_TEN_REPLIES, commands.counts
    assert commands.counts["find"] <= 20, commands.counts
    for i, before in enumerate(threads):
        after = await Conversation.get(before.id)
        assert after is not None and after.waiting_since is None
        stored = await Message.find(
            Message.conversation_id == before.id, Message.direction == "out"
        ).to_list()
        assert sorted(m.text for m in stored if m.text != "warm") == [
            f"reply {i}",
            f"reply {i + 5}",
        ]
        assert after.messages_out == len(stored)
        # The conversation shows one of its replies, its time and preview together.
        # (Two replies may share a millisecond: the preview is one of them.)
        shown = [m.text for m in stored if m.created_at == after.last_message_at]
        assert after.last_message_preview in shown, (shown, after)
