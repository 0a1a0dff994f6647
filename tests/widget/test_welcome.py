"""Welcome and expectations, appearance, seen state, attributes and the transcript (visitor API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from connectors.email import EmailConnector
from hub.facts import activity
from hub.facts.reply_time import first_response_amounts, median_minutes
from hub.models import Contact, Conversation, Team
from hub.pipeline.services import Hub
from hub.store import conversations
from hub.tenants import accounts
from tests.conftest import CONNECTORS, Running, Tenant
from tests.email.conftest import Receiver, channel_config, eventually
from tests.widget.conftest import SHOP, SSEReader, chat_tenant, open_session, serve, visitor
from webchat_widget.appearance import contrast, contrast_warning, text_colour
from webchat_widget.config import BusinessHours, WebchatConfig
from webchat_widget.connector import WebchatConnector
from webchat_widget.welcome import initials


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "webchat": WebchatConnector, "email": EmailConnector}


def test_appearance_defaults_and_bad_values() -> None:
    config = WebchatConfig(allowed_origins=[SHOP])
    assert (config.colour, config.position, config.launcher_text) == ("#2557d6", "right", "")
    assert config.show_agent_avatars is True and config.sound is False
    for field, value in (("colour", "blue"), ("colour", "#12345"), ("position", "top")):
        with pytest.raises(ValidationError) as caught:
            WebchatConfig(allowed_origins=[SHOP], **{field: value})
        assert caught.value.errors()[0]["loc"][0] == field
    localized = WebchatConfig(allowed_origins=[SHOP], greeting={"en": "Hi", "da": "Hej"})
    assert localized.text("greeting", "da") == "Hej"
    assert localized.text("greeting", "fr") == "Hi"  # the channel's language, en


def test_contrast() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert text_colour("#2557d6") == "#ffffff" and text_colour("#ffcc00") == "#000000"
    assert contrast_warning("#2557d6") is None
    warning = contrast_warning("#ffcc00")  # yellow: black text on it is fine, as text it is not
    assert warning is not None and "4.5:1" in warning
    worst = min(
        contrast(c, text_colour(c)) for c in (f"#{v:02x}{v:02x}{v:02x}" for v in range(256))
    )
    assert worst >= 4.5  # black or white always reads on a grey: the check is a guard


def test_median_from_buckets_and_initials() -> None:
    counts: dict[str, float] = {}
    for seconds in (30, 100, 200, 250, 700, 4000):
        for key, value in {"first_response": 1, **first_response_amounts(seconds)}.items():
            counts[key] = counts.get(key, 0) + value
    assert median_minutes(counts) == 5  # 3rd of 6: 200 s falls in the 3-5 minute bucket
    assert median_minutes({"first_response": 4, "first_response_seconds": 400}) is None
    assert median_minutes({"first_response": 5, "first_response_seconds": 3000}) == 10  # mean
    assert initials("Alex Berg") == "AB" and initials("anne-marie de la cruz") == "AC"
    assert initials("") == "?"


def test_next_opening() -> None:
    hours = BusinessHours(timezone="Europe/Copenhagen", days={"tue": [("09:00", "17:00")]})
    monday_evening = dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC)
    assert hours.next_open(monday_evening) == dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    assert BusinessHours(days={}).next_open(monday_evening) is None


async def test_bad_appearance_is_refused_naming_the_field(hub: Hub, chat: Tenant) -> None:
    with pytest.raises(accounts.AdminError) as caught:
        await accounts.create_channel(
            hub, chat.account, "webchat", "bad", {"allowed_origins": [SHOP], "colour": "red"}
        )
    assert "colour" in str(caught.value)
    _, extra = await accounts.create_channel(
        hub, chat.account, "webchat", "yellow", {"allowed_origins": [SHOP], "colour": "#ffcc00"}
    )
    assert "4.5:1" in extra["warnings"][0]


async def _record_answers(
    tenant: Tenant, channel_id: str, seconds: list[int], days_ago: int
) -> None:
    for s in seconds:
        await activity.record(
            tenant.account.id,  # type: ignore[arg-type]
            "first_response",
            at=activity.now() - dt.timedelta(days=days_ago),
            channel_id=channel_id,
            amounts=first_response_amounts(s),
        )


async def test_session_welcome(hub: Hub, client: httpx.AsyncClient, clock: Any) -> None:
    tenant = await chat_tenant(hub, "Welcomeshop", greeting={"en": "Hi there"}, team_line="Team")
    channel_id = str(tenant.channel.id)
    team = Team(account_id=tenant.account.id, name="Web crew")
    await team.insert()
    await tenant.channel.set({"default_team_id": str(team.id)})
    alex = await accounts.create_user(
        tenant.account, "alex@w.example", "pw-123456789", "agent", "Alex Berg"
    )
    await alex.set({"presence": "available", "team_ids": [str(team.id)]})
    away = await accounts.create_user(tenant.account, "bo@w.example", "pw-123456789", "agent", "Bo")
    await away.set({"team_ids": [str(team.id)]})
    await _record_answers(tenant, channel_id, [60, 90, 240, 250], days_ago=0)
    first = (await open_session(client, tenant)).json()
    assert first["greeting"] == "Hi there" and first["team_line"] == "Team"
    assert first["team_name"] == "Web crew"
    assert first["agents"] == [{"name": "Alex Berg", "initials": "AB"}]
    assert first["reply_minutes"] is None  # four answers: too few to promise anything
    assert first["appearance"]["text_colour"] == "#ffffff"
    await _record_answers(tenant, channel_id, [280], days_ago=3)
    await _record_answers(tenant, channel_id, [10, 10, 10, 10, 10, 10], days_ago=8)  # too old
    other = await chat_tenant(hub, "Elsewhere")  # another account's answers do not count
    await _record_answers(other, channel_id, [5] * 10, days_ago=0)
    assert (await open_session(client, tenant)).json()["reply_minutes"] == 5


async def test_closed_chat_says_when_it_is_back(
    hub: Hub, client: httpx.AsyncClient, clock: Any
) -> None:
    hours = {"timezone": "UTC", "days": {"tue": [["09:00", "17:00"]]}}
    tenant = await chat_tenant(hub, "Tuesdays", business_hours=hours)
    user = await accounts.create_user(tenant.account, "t@t.example", "pw-123456789", "agent", "T")
    await user.set({"presence": "available"})
    body = (await open_session(client, tenant)).json()  # the clock: Monday 09:00 UTC
    assert body["open"] is False and body["back_at"] == "2026-03-03T09:00:00+00:00"
    assert body["agents"] == []  # closed: nobody is shown as available


async def test_verified_visitor_skips_prechat(hub: Hub, client: httpx.AsyncClient) -> None:
    from webchat_widget.session import identity_hash

    tenant = await chat_tenant(hub, "Members", prechat_fields=["name", "email"])
    secret = tenant.channel_extra["identity_secret"]
    r = await open_session(
        client, tenant, user_id="m-1", user_hash=identity_hash(secret, "m-1"), phone="+4512345678"
    )
    assert r.json()["verified"] is True and r.json()["prechat_fields"] == []
    contact = await Contact.find_one(Contact.account_id == tenant.account.id)
    assert contact is not None and contact.attributes["verified_user_id"] == "m-1"
    assert contact.phone == "+4512345678"
    anonymous = await open_session(client, tenant)
    assert anonymous.json()["prechat_fields"] == ["name", "email"]


async def test_attributes(client: httpx.AsyncClient, chat: Tenant) -> None:
    v = await visitor(client, chat)
    r = await client.post(
        "/widget/v1/attributes",
        json={"attributes": {"plan": "gold", "orders": 3}},
        headers=v.headers,
    )
    assert r.status_code == 200, r.text
    for bad, field in (
        ({"Bad Key": 1}, "Bad Key"),
        ({"x": [1]}, "x"),
        ({"verified_user_id": "1"}, "verified_user_id"),
    ):
        r = await client.post("/widget/v1/attributes", json={"attributes": bad}, headers=v.headers)
        assert r.status_code == 400 and field in r.json()["error"]["message"]
    contact = await Contact.find_one(Contact.account_id == chat.account.id)
    assert contact is not None and contact.attributes == {"plan": "gold", "orders": 3}
    assert (
        await client.post("/widget/v1/attributes", json={"attributes": {"a": 1}})
    ).status_code == 401


async def test_seen_event_when_an_agent_opens(running: Running, chat: Tenant) -> None:
    v = await visitor(running.client, chat)
    await v.say("Anyone there?", "key-00000001")
    conversation = await Conversation.find_one(Conversation.account_id == chat.account.id)
    assert conversation is not None
    ticket = await v.ticket()
    async with (
        serve(running.app) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as http,
        http.stream("GET", f"/widget/v1/events?ticket={ticket}") as response,
    ):
        events = SSEReader(response)
        await events.until("caught_up")
        await conversations.mark_read(chat.account.id, conversation)  # type: ignore[arg-type]
        seen = await events.until("seen")
        assert seen["data"]["ts"] >= int(conversation.created_at.timestamp() * 1000)
    fresh = await Conversation.get(conversation.id)
    assert fresh is not None and fresh.agent_seen_at is not None


async def test_transcript_by_email(running: Running, receiver: Receiver) -> None:
    hub, client = running.hub, running.client
    tenant = await chat_tenant(hub, "Mailshop")
    await accounts.create_channel(hub, tenant.account, "email", "Mail", channel_config(receiver))
    v = await visitor(client, tenant)
    assert (await open_session(client, tenant)).json()["transcript"] is True
    r = await client.post("/widget/v1/transcript", json={}, headers=v.headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "email_required"
    await v.say("Where is order 1234?", "key-00000001")
    bad = await client.post("/widget/v1/transcript", json={"email": "nope"}, headers=v.headers)
    assert bad.status_code == 400 and "email" in bad.json()["error"]["message"]
    r = await client.post(
        "/widget/v1/transcript", json={"email": "ann@example.com"}, headers=v.headers
    )
    assert r.status_code == 202, r.text
    mail = await eventually(lambda: _first(receiver))
    assert mail.rcpt_tos == ["ann@example.com"]
    assert mail.message["Subject"] == "Your chat transcript"
    assert "Where is order 1234?" in mail.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    plain = await chat_tenant(hub, "Nomail")
    w = await visitor(client, plain)
    await w.say("hi", "key-00000002")
    r = await client.post(
        "/widget/v1/transcript", json={"email": "b@example.com"}, headers=w.headers
    )
    assert r.status_code == 409


async def _first(receiver: Receiver) -> Any:
    return receiver.received[0] if receiver.received else None


async def test_api_lists_the_contrast_warning(hub: Hub, client: httpx.AsyncClient) -> None:
    tenant = await chat_tenant(hub, "Yellowshop", colour="#ffcc00")
    r = await client.get("/api/v1/channels", headers={"Authorization": f"Bearer {tenant.key}"})
    assert r.status_code == 200, r.text
    (channel,) = r.json()["data"]
    assert "4.5:1" in channel["warnings"][0]
    calm = await chat_tenant(hub, "Blueshop")
    r = await client.get("/api/v1/channels", headers={"Authorization": f"Bearer {calm.key}"})
    assert r.json()["data"][0]["warnings"] == []
