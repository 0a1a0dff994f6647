"""Every id a request refers to is checked: a team, a user, a channel of the account, or
400 ``unknown_…`` naming the field, and nothing is stored. A name is no id ("support"),
and another account's id is unknown here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from hub.centre.reports import live
from hub.models import Conversation, Team, User
from hub.pipeline.services import Hub
from tests.api.conftest import inbound, serve
from tests.centre.callback_helpers import window
from tests.centre.test_sla_rules import BOT_ADDONS, BOT_RECEIVER, CUSTOMER
from tests.conftest import Clock, Tenant, make_tenant
from tests.core.helpers import inbound_conversation

CHANNELS = "applies_to.channel_ids"


def _refused(r: httpx.Response, code: str, field: str) -> None:
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert (error["code"], error.get("field")) == (code, field), error


async def _team(tenant: Tenant, name: str = "Support") -> Team:
    team = Team(account_id=tenant.account.id, name=name)  # type: ignore[arg-type]
    await team.insert()
    return team


async def test_a_bot_hand_over_to_an_unknown_team_is_refused(
    client: httpx.AsyncClient, hub: Hub, other_tenant: Tenant
) -> None:
    tenant = await make_tenant(hub, "Bot Co", addons=BOT_ADDONS)
    support = await _team(tenant)
    theirs = await _team(other_tenant)
    async with serve(BOT_RECEIVER) as base:
        r = await client.post(
            "/api/v1/bots",
            json={"name": "FAQ", "webhook_url": f"{base}/webhook", "channel_ids": [str(tenant.channel.id)]},
            headers=tenant.auth,
        )  # fmt: skip
        assert r.status_code == 201, r.text
        bot = {"Authorization": f"Bearer {r.json()['token']}"}
        await inbound(client, tenant.webhook, "q1", CUSTOMER, "Hello bot")
        conversation = await Conversation.find_one(Conversation.account_id == tenant.account.id)
        assert conversation is not None and conversation.handler == "bot"
        url = f"/api/v1/bot/conversations/{conversation.id}/handoff"
        for team_id in ("support", str(theirs.id), "0" * 24):
            r = await client.post(url, json={"team_id": team_id}, headers=bot)
            _refused(r, "unknown_team", "team_id")
            kept = await Conversation.get(conversation.id)
            assert kept is not None and kept.handler == "bot" and kept.team_id is None  # untouched
        r = await client.post(url, json={"team_id": str(support.id), "note": "Over to you"}, headers=bot)  # fmt: skip
        assert r.status_code == 200, r.text
        # It is in a queue: the team's, on every surface.
        rows = {str(q.team_id): q for q in await live.snapshot(tenant.account)}
        assert rows[str(support.id)].conversation_ids == [conversation.id]
        api = await client.get("/api/v1/queues", headers=tenant.auth)
        found = {str(q["team_id"]): q for q in api.json()["data"]}
        assert found[str(support.id)]["conversation_ids"] == [str(conversation.id)]


async def test_conversation_changes_check_team_and_assignee(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, other_tenant: Tenant
) -> None:
    conversation = await inbound_conversation(client, tenant)
    theirs = await _team(other_tenant)
    stranger = User(account_id=other_tenant.account.id, email="eve@x.test", password_hash="x")  # type: ignore[arg-type]
    await stranger.insert()
    url = f"/api/v1/conversations/{conversation.id}"
    for team_id in ("support", str(theirs.id)):
        r = await client.patch(url, json={"team_id": team_id}, headers=tenant.auth)
        _refused(r, "unknown_team", "team_id")
    for assignee in ("bob", str(stranger.id)):
        r = await client.patch(url, json={"assignee_id": assignee}, headers=tenant.auth)
        _refused(r, "unknown_assignee", "assignee_id")
    kept = await Conversation.get(conversation.id)
    assert kept is not None and kept.team_id is None and kept.assignee_id is None


async def test_sla_policies_check_channels_and_teams(
    client: httpx.AsyncClient, hub: Hub, other_tenant: Tenant
) -> None:
    tenant = await make_tenant(hub, "Pro Co", plan="PRO")
    theirs = await _team(other_tenant)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"team_ids": [str(theirs.id)]}, "unknown_team", "applies_to.team_ids"),
        ({"team_ids": ["support"]}, "unknown_team", "applies_to.team_ids"),
        (
            {"channel_ids": [str(other_tenant.channel.id)]},
            "unknown_channel",
            "applies_to.channel_ids",
        ),
        ({"channel_ids": ["sms"]}, "unknown_channel", CHANNELS),
    ]
    for scope, code, field in cases:
        body = {"name": "P", "first_response_minutes": 5, "applies_to": scope}
        r = await client.post("/api/v1/sla_policies", json=body, headers=tenant.auth)
        _refused(r, code, field)
    r = await client.get("/api/v1/sla_policies", headers=tenant.auth)
    assert r.json()["data"] == []  # nothing stored


async def test_callbacks_and_teams_check_their_references(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, other_tenant: Tenant, clock: Clock
) -> None:
    theirs = await _team(other_tenant)
    start, end = window(dt.date(2026, 3, 2), "14:00", "16:00")
    slot = {"from": start.isoformat(), "until": end.isoformat()}
    body = {"phone": "+4520123456", "team_id": str(theirs.id), "window": slot}
    r = await client.post("/api/v1/callbacks", json=body, headers=tenant.auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_team", r.text
    r = await client.post(
        "/api/v1/teams",
        json={"name": "Sales", "overflow": {"after_minutes": 5, "team_id": str(theirs.id)}},
        headers=tenant.auth,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_team", r.text
    stranger = User(account_id=other_tenant.account.id, email="eve@x.test", password_hash="x")  # type: ignore[arg-type]
    await stranger.insert()
    r = await client.post(
        "/api/v1/teams",
        json={"name": "Sales", "member_ids": [str(stranger.id)]},
        headers=tenant.auth,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_user", r.text
    r = await client.get("/api/v1/teams", headers=tenant.auth)
    assert r.json()["data"] == []
