"""The contact centre's pages: queues, the directory, the admin's teams and VIP list."""

from __future__ import annotations

import re

import httpx

from hub.models import AuditEvent, Contact, Conversation, Team, User
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, csrf_of, post_inbound, session_client


async def _team(tenant: Tenant, name: str, members: list[User], **extra: object) -> Team:
    assert tenant.account.id is not None
    team = Team(
        account_id=tenant.account.id, name=name, member_ids=[str(u.id) for u in members], **extra
    )
    await team.insert()
    for user in members:
        await user.set({"team_ids": [*user.team_ids, str(team.id)]})
    return team


async def test_the_queue_view_shows_the_team_in_order_with_positions(
    running: Running, tenant: Tenant, agent: User, signed_in: httpx.AsyncClient
) -> None:
    team = await _team(tenant, "Sales", [agent])
    await tenant.channel.set({"default_team_id": str(team.id)})
    await post_inbound(running.client, tenant, "q1", "+4511000001", "first", "Olga Old")
    await post_inbound(running.client, tenant, "q2", "+4511000002", "second", "Nils New")
    await running.client.put(
        "/api/v1/vip", json={"addresses": ["+4511000003"]}, headers=tenant.auth
    )
    await post_inbound(running.client, tenant, "q3", "+4511000003", "vip", "Vera Vip")
    page = await signed_in.get("/inbox/queues")
    assert page.status_code == 200
    names = re.findall(r'class="contact">([^<]+)<', page.text)
    assert names == ["Vera Vip", "Olga Old", "Nils New"]
    assert 'aria-label="Position 1"' in page.text and "3</strong> waiting" in page.text
    fragment = await signed_in.get(
        "/inbox/queues", headers={"HX-Request": "true", "HX-Target": "boards"}
    )
    assert "<html" not in fragment.text and "Vera Vip" in fragment.text


async def test_the_directory_searches_and_shows_absence(
    running: Running, tenant: Tenant, agent: User, signed_in: httpx.AsyncClient
) -> None:
    import datetime as dt

    from hub.contract import now

    bob = await add_user(tenant, "bob@acme.test", "agent", "Bob Busy")
    until = (now() + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    await bob.set(
        {
            "presence": "available",
            "phone": "+4577001100",
            "absence": {"kind": "busy", "title": "Dentist", "since": now(), "until": until},
        }
    )
    await _team(tenant, "Billing", [bob])
    page = await signed_in.get("/inbox/directory")
    assert "Bob Busy" in page.text and "Agnes Agent" in page.text
    assert f"Away until {until.strftime('%H:%M')} (Busy)" in page.text  # titles hidden by default
    for q in ("billing", "7700", "bob@acme"):
        found = await signed_in.get("/inbox/directory", params={"q": q})
        assert "Bob Busy" in found.text and "Agnes Agent" not in found.text.split("people")[1]
    token = csrf_of(page.text)
    r = await signed_in.post(
        "/inbox/directory/calendar",
        data={"csrf": token, "calendar_url": "not a url"},
    )
    assert r.status_code == 400 and "calendar_url" in r.text
    r = await signed_in.post(
        "/inbox/directory/calendar",
        data={
            "csrf": token,
            "calendar_url": "https://cal.example/a.ics",
            "calendar_show_title": "on",
        },
    )
    assert r.status_code == 200 and "Calendar settings saved." in r.text
    saved = await User.get(agent.id)
    assert saved is not None and saved.calendar_url == "https://cal.example/a.ics"
    assert saved.calendar_show_title is True


async def test_the_contact_panel_says_the_name_came_from_the_directory(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    await post_inbound(running.client, tenant, "d1", "+4512000001", "hi", "")
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None
    contact = await Contact.get(conv.contact_id)
    assert contact is not None
    from hub.contract import now

    await contact.set(
        {
            "name": "Dir Ectory",
            "attributes": {"address": "Nygade 1", "lookup": {"source": "directory", "at": now()}},
        }
    )
    page = await signed_in.get(f"/inbox/c/{conv.id}")
    assert "Name and address from the directory" in page.text and "Nygade 1" in page.text


async def test_admin_teams_and_vip_pages(running: Running, tenant: Tenant, agent: User) -> None:
    admin = await add_user(tenant, "admin@acme.test", "admin", "Ada Admin")
    async with session_client(running, admin) as client:
        page = await client.get("/admin/teams")
        assert page.status_code == 200 and "Add a team" in page.text
        token = csrf_of(page.text)
        r = await client.post(
            "/admin/teams",
            data={
                "csrf": token, "name": "Night", "member_ids": [str(agent.id)],
                "assignment": "least_busy", "hours_mode": "own", "hours_mon": "18:00-23:00",
                "out_of_office_text": "Closed now",
            },
        )  # fmt: skip
        assert r.status_code == 200, r.text
        team = await Team.find_one(Team.account_id == tenant.account.id, Team.name == "Night")
        assert team is not None and team.member_ids == [str(agent.id)]
        assert team.business_hours == {
            "days": {
                "mon": [["18:00", "23:00"]],
                **{d: [] for d in ("tue", "wed", "thu", "fri", "sat", "sun")},
            },
            "holidays": [],
        }
        r = await client.post(
            f"/admin/teams/{team.id}",
            data={"csrf": token, "name": "Night", "hours_mode": "own", "hours_tue": "late"},
        )
        assert r.status_code == 400 and "Tue" in r.text
        r = await client.post(
            f"/admin/teams/{team.id}",
            data={
                "csrf": token,
                "name": "Night",
                "overflow_minutes": "5",
                "overflow_team": str(team.id),
            },
        )
        assert r.status_code == 400 and "overflow" in r.text
        r = await client.post(
            "/admin/vip", data={"csrf": token, "addresses": "+45 12 34 56 78\nnope"}
        )
        assert r.status_code == 400 and "Line 2" in r.text
        r = await client.post(
            "/admin/vip", data={"csrf": token, "addresses": "+45 12 34 56 78\nVIP@Example.com"}
        )
        assert "Saved: 2 VIP addresses." in r.text and "+4512345678" in r.text
        r = await client.post(f"/admin/teams/{team.id}/delete", data={"csrf": token})
        assert r.status_code == 200 and await Team.get(team.id) is None
    audited = await AuditEvent.find(AuditEvent.account_id == tenant.account.id).to_list()
    actions = [a.action for a in audited if (a.actor.type, a.actor.id) == ("user", str(admin.id))]
    assert sorted(actions) == ["team.created", "team.deleted", "vip.replaced"]


async def test_admin_pages_are_for_admins_and_their_own_account(
    running: Running, tenant: Tenant, other_tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    assert (await signed_in.get("/admin/teams")).status_code == 403
    assert (await signed_in.get("/admin/vip")).status_code == 403
    theirs = await _team(other_tenant, "Theirs", [])
    admin = await add_user(tenant, "admin@acme.test", "admin", "Ada Admin")
    async with session_client(running, admin) as client:
        assert (await client.get(f"/admin/teams/{theirs.id}")).status_code == 404
        token = csrf_of((await client.get("/admin/teams")).text)
        r = await client.post(f"/admin/teams/{theirs.id}", data={"csrf": token, "name": "x"})
        assert r.status_code == 404
        r = await client.post(f"/admin/teams/{theirs.id}/delete", data={"csrf": token})
        assert r.status_code == 404 and await Team.get(theirs.id) is not None
