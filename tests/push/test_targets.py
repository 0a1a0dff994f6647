"""Which change becomes which push (the same ones the inbox's notify signals come from)."""

from __future__ import annotations

import json

from beanie import PydanticObjectId

from hub.inbox.push_events import Target, payload, targets
from hub.pipeline.realtime import Event
from hub.web import i18n

ACCOUNT = PydanticObjectId()
ME = PydanticObjectId()


async def test_assignment_and_sla_breach_of_mine() -> None:
    conv = {"_id": "c1", "assignee_id": str(ME), "status": "open", "contact_name": "Ann"}
    [assigned] = await targets(Event("conversation.created", ACCOUNT, conv))
    assert (assigned.user_id, assigned.kind, assigned.who) == (ME, "assigned", "Ann")
    unchanged = Event("conversation.updated", ACCOUNT, conv, changed=("unread",))
    assert await targets(unchanged) == []
    breached = {**conv, "sla_breached_at": "2026-03-02T09:00:00Z"}
    [sla] = await targets(
        Event("conversation.updated", ACCOUNT, breached, changed=("sla_breached_at",))
    )
    assert (sla.kind, sla.conversation_id) == ("sla", "c1")
    resolved = {**conv, "status": "resolved"}
    assert (
        await targets(Event("conversation.updated", ACCOUNT, resolved, changed=("assignee_id",)))
        == []
    )
    nobody = {**conv, "assignee_id": None}
    assert await targets(Event("conversation.created", ACCOUNT, nobody)) == []


async def test_mentions_and_whispers() -> None:
    note = {
        "user_id": str(ME),
        "kind": "mention",
        "conversation_id": "c1",
        "text": "@ann",
        "by": "Bo",
    }
    [mention] = await targets(Event("notification.created", ACCOUNT, note))
    assert (mention.kind, mention.who, mention.text) == ("mention", "Bo", "@ann")
    whisper = {"_id": "m1", "conversation_id": "c1", "visibility": "whisper", "text": "psst",
               "metadata": {"whisper_to": str(ME)}, "sender": {"name": "Sue"}}  # fmt: skip
    [told] = await targets(Event("message.created", ACCOUNT, whisper))
    assert (told.user_id, told.kind, told.who) == (ME, "whisper", "Sue")
    assert await targets(Event("message.created", None, whisper)) == []  # no account: nothing


def test_the_payload_is_short_and_in_the_language_spoken() -> None:
    target = Target(ME, "reply", "c1", "Ann", "word " * 100)
    with i18n.speaking(i18n.Speech("fr")):
        data = json.loads(payload(target))
    assert set(data) == {"kind", "conversation_id", "title", "body", "url"}
    assert data["title"] != "The customer replied" and len(data["body"]) <= 120
    assert data["url"] == "/inbox/c/c1"
    for language in i18n.LANGUAGES:
        with i18n.speaking(i18n.Speech(language)):
            title = json.loads(payload(Target(ME, "test", None)))["title"]
        assert (title == "Test notification from Parley") == (language == "en")
