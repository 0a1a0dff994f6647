"""The admin pages, the wallboard and the callbacks list speak a Danish user's language.

Rendered through the app (no browser) for an admin whose own ``language`` is ``da``:
the words come from the catalogs, amounts and dates from Babel, and a refusal (another
account's id) is a Danish not-found page with its link back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest

from hub.centre.callbacks import lifecycle as callbacks
from hub.centre.callbacks.settings import zone
from hub.models import User
from hub.pipeline.services import Hub
from hub.tenants import plans
from hub.web import i18n
from tests.centre.callback_helpers import team_with_callbacks, window
from tests.conftest import Clock, Running, Tenant
from tests.inbox.conftest import add_user, csrf_of, session_client

MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
async def dansk(tenant: Tenant) -> User:
    user = await add_user(tenant, "dorthe@acme.test", "admin", "Dorthe")
    await user.set({"language": "da"})
    return user


@pytest.fixture
async def as_dansk(running: Running, dansk: User) -> AsyncIterator[httpx.AsyncClient]:
    client = session_client(running, dansk)
    yield client
    await client.aclose()


def danish(text: str) -> str:
    """What ``text`` reads in Danish, from the catalog (so the test follows the translation)."""
    with i18n.speaking(i18n.Speech("da")):
        translated = i18n.gettext(text)
    assert translated != text, f"{text!r} has no Danish translation"
    return translated


async def test_admin_pages_in_danish(as_dansk: httpx.AsyncClient) -> None:
    users = await as_dansk.get("/admin/users")
    assert users.status_code == 200
    assert '<html lang="da">' in users.text
    assert "Tilføj en bruger" in users.text and "Brugere" in users.text
    assert "Oversigt" in users.text and "Abonnement og pladser" in users.text  # the side nav
    assert "Add a user" not in users.text and "Overview" not in users.text
    channels = await as_dansk.get("/admin/channels")
    with i18n.speaking(i18n.Speech("da")):
        fee = i18n.format_currency(plans.CHANNEL_ACTIVATION_FEE_EUR)
    assert "," in fee and "€" in fee  # Danish money: "250,00 €"
    assert fee in channels.text and "Tilføj en kanal" in channels.text
    saved = await as_dansk.post(
        "/admin/canned",
        data={"csrf": csrf_of((await as_dansk.get("/admin/canned")).text), "shortcut": "tak",
              "text": "Tak for din henvendelse."},
        follow_redirects=True,
    )  # fmt: skip
    assert saved.status_code == 200 and "/tak er tilføjet." in saved.text


async def test_another_accounts_id_is_a_danish_not_found_page(
    as_dansk: httpx.AsyncClient, other_tenant: Tenant
) -> None:
    stranger = await add_user(other_tenant, "someone@other.test", "agent")
    r = await as_dansk.get(f"/admin/users/{stranger.id}")
    assert r.status_code == 404
    assert danish("Not found in this account.") in r.text
    assert "Tilbage til administration" in r.text and "Back to admin" not in r.text


async def test_wallboard_in_danish(as_dansk: httpx.AsyncClient, hub: Hub, tenant: Tenant) -> None:
    await team_with_callbacks(hub, tenant, "Kundeservice")
    board = await as_dansk.get("/wallboard")
    assert board.status_code == 200
    assert '<html lang="da">' in board.text
    assert "Kundeservice" in board.text
    for text in ("Waiting", "Longest wait", "Answered today", "Colour thresholds"):
        assert danish(text) in board.text
    assert "Longest wait" not in board.text and "Full screen" not in board.text
    refused = await as_dansk.post(
        "/wallboard/thresholds",
        data={"csrf": csrf_of(board.text), "wait_amber_minutes": "9", "wait_red_minutes": "5",
              "waiting_amber": "1", "waiting_red": "2"},
        headers={"HX-Request": "true", "HX-Target": "thresholds"},
    )  # fmt: skip
    assert refused.status_code == 400 and danish("Amber must not be above red.") in refused.text


async def test_callbacks_in_danish(
    clock: Clock, as_dansk: httpx.AsyncClient, tenant: Tenant
) -> None:
    start, end = window(MONDAY + dt.timedelta(days=1), "10:00", "12:00")
    made = await callbacks.create(
        tenant.account, phone="+4520123456", window_from=start, window_until=end
    )  # type: ignore[arg-type]
    page = await as_dansk.get("/inbox/callbacks")
    assert page.status_code == 200
    assert "Jeg ringer nu" in page.text and "Ring til +4520123456" in page.text
    assert danish("Call between") in page.text and "Call between" not in page.text
    tz = zone(callbacks.account_tz(tenant.account))
    with i18n.speaking(i18n.Speech("da")):
        requested = i18n.format_moment(made.requested_at, tz)
    assert requested.startswith("man.")  # Monday 2 March, as Danish abbreviates it
    assert requested in page.text
    r = await as_dansk.post(
        f"/inbox/callbacks/{made.id}/call",
        data={"csrf": csrf_of(page.text)},
        headers={"HX-Request": "true", "HX-Target": "rows"},
    )
    assert r.status_code == 200 and "Du ringer til +4520123456." in r.text
