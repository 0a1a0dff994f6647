"""Notifications: assignment, customer replies, @mentions and whispers reach one user's stream."""

from __future__ import annotations

import asyncio

import httpx

from hub.centre import notifications
from hub.inbox.events import Personal
from hub.models import Conversation, User
from hub.pipeline.realtime import Event
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, csrf_of, post_inbound
from tests.inbox.test_events import _cookie, _read_stream


def test_personal_notices() -> None:
    me = Personal("u1")
    created = {"_id": "c1", "assignee_id": "u1", "status": "open", "contact_name": "Ann"}
    [(name, data)] = me.notices(Event("conversation.created", None, created))
    assert name == "notify" and data["kind"] == "assigned" and data["text"] == "Ann"
    # a refresh of the same conversation is not a second assignment
    assert me.notices(Event("conversation.updated", None, created, changed=("unread",))) == []
    reply = {"_id": "m1", "conversation_id": "c1", "direction": "in", "text": "still there?"}
    [(_, data)] = me.notices(Event("message.created", None, reply))
    assert data["kind"] == "reply" and data["text"] == "still there?"
    assert me.notices(Event("message.created", None, {**reply, "conversation_id": "c9"})) == []
    moved = {**created, "assignee_id": "u2"}
    assert me.notices(Event("conversation.updated", None, moved, changed=("assignee_id",))) == []
    assert me.notices(Event("message.created", None, reply)) == []  # no longer mine
    others = {"user_id": "u2", "kind": "mention", "conversation_id": "c1", "text": "@bo"}
    assert me.notices(Event("notification.created", None, others)) == []
    [(_, data)] = me.notices(Event("notification.created", None, {**others, "user_id": "u1"}))
    assert data["kind"] == "mention"


def test_mentions_by_name_or_email() -> None:
    ann = User.model_construct(email="ann@shop.test", name="Ann Lee")
    bo = User.model_construct(email="bo.k@shop.test", name="")
    people = [ann, bo]
    assert notifications.mentioned("@ann please look", people) == [ann]
    assert notifications.mentioned('ask @"Ann Lee" and @bo.k.', people) == [ann, bo]
    assert notifications.mentioned("mail ann@shop.test", people) == []


async def test_a_note_mentioning_a_colleague_reaches_their_stream(
    running: Running, tenant: Tenant, agent: User, signed_in: httpx.AsyncClient
) -> None:
    colleague = await add_user(tenant, "bo@shop.test", name="Bo Berg")
    await post_inbound(running.client, tenant, "n1", "+4570", "help me", "Ann")
    conversation = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conversation is not None
    page = await signed_in.get(f"/inbox/c/{conversation.id}")

    async def write_note() -> None:
        await asyncio.sleep(0.2)
        r = await signed_in.post(
            f"/inbox/c/{conversation.id}/reply",
            data={"csrf": csrf_of(page.text), "kind": "note", "text": "@bo can you check?"},
        )
        assert r.status_code in (200, 303), r.text

    text = await _read_stream(
        running, _cookie(running, colleague), "event: notify", during=write_note
    )
    assert '"kind": "mention"' in text and "@bo can you check?" in text
