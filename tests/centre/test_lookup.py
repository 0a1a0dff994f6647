"""Number look-up: a directory served over local HTTP names a new SMS contact, after the answer."""

from __future__ import annotations

import asyncio
import re

import httpx
from pytest_httpx import HTTPXMock
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.centre.routing import lookup
from hub.models import Account, Contact, NumberLookup
from hub.models.account import NumberLookupSetting
from hub.pipeline.services import Hub
from tests.centre.helpers import arrive, eventually, serve
from tests.conftest import Tenant


class Directory:
    """A phone directory whose answers wait until the test lets them go."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.release = asyncio.Event()

    def app(self) -> Starlette:
        async def person(request: Request) -> JSONResponse:
            phone = request.path_params["phone"]
            self.calls.append(phone)
            assert request.headers["x-key"] == "k1"
            await self.release.wait()
            if phone.endswith("99"):
                return JSONResponse({"error": "down"}, status_code=503)
            return JSONResponse({"person": {"full": "Hanne Holm", "street": "Nygade 1, Aarhus"}})

        return Starlette(routes=[Route("/v1/{phone}", person)])


async def _contact(t: Tenant, phone: str) -> Contact | None:
    return await Contact.find_one(Contact.account_id == t.account.id, Contact.phone == phone)


async def test_a_new_sms_contact_is_named_from_the_directory(
    client: httpx.AsyncClient, centre: Tenant, hub: Hub
) -> None:
    directory = Directory()
    async with serve(directory.app()) as base:
        await centre.account.set(
            {
                "number_lookup": {
                    "url_template": base + "/v1/{phone}",
                    "headers": {"x-key": "k1"},
                    "name_path": "person.full",
                    "address_path": "person.street",
                }
            }
        )
        # The webhook is answered while the directory still holds its answer back.
        conv = await arrive(client, centre, "+4522000001", "l1")
        await eventually(lambda: asyncio.sleep(0, directory.calls), "the directory asked")
        contact = await _contact(centre, "+4522000001")
        assert contact is not None and contact.name is None
        directory.release.set()

        async def named() -> Contact | None:
            # The contact is named first, then its conversations: both are waited for.
            found = await _contact(centre, "+4522000001")
            shown = await client.get(f"/api/v1/conversations/{conv.id}", headers=centre.auth)
            return found if found and found.name and shown.json()["contact_name"] else None

        contact = await eventually(named, "the contact named")
        assert contact.name == "Hanne Holm"
        assert contact.attributes["address"] == "Nygade 1, Aarhus"
        assert contact.attributes["lookup"]["source"] == "directory"
        r = await client.get(f"/api/v1/conversations/{conv.id}", headers=centre.auth)
        assert r.json()["contact_name"] == "Hanne Holm"

        # Cached: the same number is never asked again.
        assert await lookup.result_for(hub.http, centre.account, "+4522000001") is not None
        assert directory.calls == ["+4522000001"]

        # A failing look-up is logged and changes nothing.
        await arrive(client, centre, "+4522000099", "l2")
        await hub.background.idle()
        failed = await _contact(centre, "+4522000099")
        assert failed is not None and failed.name is None and "lookup" not in failed.attributes
        cached = await NumberLookup.find_one(NumberLookup.phone == "+4522000099")
        assert cached is not None and cached.error and cached.result is None

        # A contact that arrives with a name is not looked up.
        await arrive(client, centre, "+4522000003", "l3", name="Known Name")
        await hub.background.idle()
        assert "+4522000003" not in directory.calls


DIRECTORY = "https://directory.example/v1/people/{phone}?country=dk"


async def test_a_look_up_configured_through_the_api_names_the_contact(
    client: httpx.AsyncClient, centre: Tenant, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    """One model for the setting: what ``PATCH /account`` stores is what the look-up runs."""
    setting = {
        "url_template": DIRECTORY,
        "headers": {"x-key": "k1"},
        "name_path": "person.full",
        "address_path": "person.street",
    }
    r = await client.patch("/api/v1/account", json={"number_lookup": setting}, headers=centre.auth)
    assert r.status_code == 200, r.text
    assert r.json()["number_lookup"] == setting  # kept as written: {phone} is not percent-encoded
    got = (await client.get("/api/v1/account", headers=centre.auth)).json()
    assert got["number_lookup"]["url_template"] == DIRECTORY

    asked: list[httpx.Request] = []

    def directory(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(
            200, json={"person": {"full": "Hanne Holm", "street": "Nygade 1, Aarhus"}}
        )

    httpx_mock.add_callback(directory, url=re.compile(r"https://directory\.example/.*"))
    conv = await arrive(client, centre, "+4522000011", "api-1")

    async def named() -> Contact | None:
        # The contact is named first, then its conversations: both are waited for.
        found = await _contact(centre, "+4522000011")
        shown = await client.get(f"/api/v1/conversations/{conv.id}", headers=centre.auth)
        return found if found and found.name and shown.json()["contact_name"] else None

    contact = await eventually(named, "the contact named from the directory")
    assert contact.name == "Hanne Holm"
    assert contact.attributes["address"] == "Nygade 1, Aarhus"
    assert contact.attributes["lookup"]["source"] == "directory"
    assert [str(q.url) for q in asked] == [
        "https://directory.example/v1/people/%2B4522000011?country=dk"
    ]
    assert asked[0].headers["x-key"] == "k1"
    r = await client.get(f"/api/v1/conversations/{conv.id}", headers=centre.auth)
    assert r.json()["contact_name"] == "Hanne Holm"


async def test_the_api_refuses_a_look_up_the_look_up_could_not_run(
    client: httpx.AsyncClient, centre: Tenant
) -> None:
    for bad in (
        {"url_template": "https://directory.example/v1/people"},  # no {phone}
        {"url_template": "ftp://directory.example/{phone}"},
        {"url_template": "https://directory.example/{phone}/{name}"},
        {"url_template": DIRECTORY, "name_path": ""},
        {"url_template": DIRECTORY, "headers": {"bad header": "x"}},
    ):
        r = await client.patch("/api/v1/account", json={"number_lookup": bad}, headers=centre.auth)
        assert r.status_code == 400 and "number_lookup" in r.text, (bad, r.text)


async def test_a_setting_stored_percent_encoded_by_an_older_hub_still_works(
    centre: Tenant,
) -> None:
    """Before the one model, the API stored ``{phone}`` as ``%7Bphone%7D``: read back, repaired."""
    await Account.get_pymongo_collection().update_one(
        {"_id": centre.account.id},
        {"$set": {"number_lookup": {"url_template": "https://d.example/v1/%7Bphone%7D"}}},
    )
    account = await Account.get(centre.account.id)
    assert account is not None and account.number_lookup is not None
    assert account.number_lookup.url_template == "https://d.example/v1/{phone}"
    assert (
        NumberLookupSetting.model_validate(
            {"url_template": "https://d.example/v1/%7bPHONE%7d"}
        ).url_template
        == "https://d.example/v1/{phone}"
    )
