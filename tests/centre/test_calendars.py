"""Calendar absence: an ICS over local HTTP with a recurring meeting makes the user absent."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.routing import calendars
from hub.models import User
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.centre.helpers import agent, arrive, default_team, reload, serve, team
from tests.conftest import Clock, Tenant

# Mondays to Fridays 10:00-11:00 UTC from 2 March 2026, except Tuesday 3 March.
STANDUP = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Parley tests//EN
BEGIN:VEVENT
UID:standup@test
DTSTAMP:20260301T000000Z
DTSTART:20260302T100000Z
DTEND:20260302T110000Z
RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR
EXDATE:20260303T100000Z
SUMMARY:Daily stand-up
END:VEVENT
BEGIN:VEVENT
UID:lunch@test
DTSTAMP:20260301T000000Z
DTSTART:20260304T120000Z
DTEND:20260304T130000Z
TRANSP:TRANSPARENT
SUMMARY:Lunch (free)
END:VEVENT
END:VCALENDAR
"""

# Always busy: a 24-hour event repeating daily (for the CLI, which runs on the real clock).
ALWAYS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Parley tests//EN
BEGIN:VEVENT
UID:always@test
DTSTAMP:20260101T000000Z
DTSTART:20260101T000000Z
DTEND:20260102T000000Z
RRULE:FREQ=DAILY
X-MICROSOFT-CDO-BUSYSTATUS:OOF
SUMMARY:Parental leave
END:VEVENT
END:VCALENDAR
"""


def calendar_server() -> Starlette:
    async def ics(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "standup.ics":
            return Response(STANDUP, media_type="text/calendar")
        if name == "always.ics":
            return Response(ALWAYS, media_type="text/calendar")
        if name == "html.ics":
            return Response("<html>login</html>", media_type="text/html")
        return Response("boom", status_code=500)

    return Starlette(routes=[Route("/{name}", ics)])


async def test_a_recurring_meeting_makes_the_user_absent_and_routing_skips_them(
    client: httpx.AsyncClient, centre: Tenant, hub: Hub, clock: Clock
) -> None:
    async with serve(calendar_server()) as base:
        ann = await agent(client, centre, "Ann", capacity=5, calendar_url=f"{base}/standup.ics")
        bob = await agent(client, centre, "Bob", capacity=5, calendar_url=f"{base}/broken.ics")
        cat = await agent(client, centre, "Cat", capacity=5, calendar_url=f"{base}/html.ics")
        desk = await team(
            client, centre, name="Desk", assignment="round_robin", member_ids=[str(ann.id)]
        )
        await default_team(centre, desk["id"])

        clock.set(clock.at.replace(day=4, hour=10, minute=30))  # Wednesday, in the stand-up
        assert await calendars.sync_all(hub.http) == 1
        c = await arrive(client, centre, "+4591000001", "cal1")
        assert (await reload(c)).assignee_id is None  # Ann is in her meeting

        me = (await client.get(f"/api/v1/users/{ann.id}", headers=centre.auth)).json()
        assert me["presence"] == "away"
        assert me["absence"] == {"reason": "Busy", "until": "2026-03-04T11:00:00Z"}
        r = await client.patch(
            f"/api/v1/users/{ann.id}", json={"calendar_show_title": True}, headers=centre.auth
        )
        assert r.json()["absence"]["reason"] == "Daily stand-up"
        for broken in (bob, cat):
            them = (await client.get(f"/api/v1/users/{broken.id}", headers=centre.auth)).json()
            assert them["calendar_error"] and them["absence"] is None

        clock.set(clock.at.replace(hour=11, minute=5))  # the meeting is over
        assert await calendars.sync_all(hub.http) == 0
        assert (await reload(c)).assignee_id == str(ann.id)

        clock.set(clock.at.replace(day=3, hour=10, minute=30))  # Tuesday: cancelled that day
        assert await calendars.sync_all(hub.http) == 0
        clock.set(clock.at.replace(day=4, hour=12, minute=30))  # a free (transparent) event
        assert await calendars.sync_all(hub.http) == 0


async def test_parley_calendars_sync_prints_how_many_are_absent(
    client: httpx.AsyncClient, centre: Tenant, settings: Settings, tmp_path: Path
) -> None:
    async with serve(calendar_server()) as base:
        await agent(client, centre, "Ann", calendar_url=f"{base}/always.ics")
        await agent(client, centre, "Bob", calendar_url=f"{base}/broken.ics")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        env.update(
            PARLEY_MONGODB_URI=settings.mongodb_uri or "",
            PARLEY_DATABASE=settings.database,
            PARLEY_DATA_DIR=str(tmp_path / "cli"),
            PARLEY_OUTBOUND_ALLOW="127.0.0.1/32",
        )
        parley = str(Path(sys.executable).with_name("parley"))
        proc = await asyncio.create_subprocess_exec(
            parley, "calendars", "sync", env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, err.decode()
        assert json.loads(out) == {"absent": 1, "failed": 1}
        ann = await User.find_one(User.account_id == centre.account.id, User.name == "Ann")
        assert ann is not None and ann.absence and ann.absence["kind"] == "out_of_office"
