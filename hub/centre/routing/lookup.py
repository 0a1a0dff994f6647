"""Number look-up: the account's HTTP JSON directory names a new phone contact.

The account's ``number_lookup`` (``hub.models.account.NumberLookupSetting``, the setting's one
model: the API stores it, this module runs it)::

    {"url_template": "https://directory.example/v1/{phone}", "headers": {},
     "name_path": "name", "address_path": "address"}

is called for a new contact that arrives by phone without a name — after the webhook was
answered (``hub.centre.routing.arrivals`` spawns it as a background task), with a 2 s timeout,
once per number (the answer is kept in ``number_lookups``). What it finds fills the
contact's ``name`` and ``attributes.address``; ``attributes.lookup`` records that it came
from the directory. A failed look-up is logged and changes nothing.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

import httpx
from beanie import PydanticObjectId
from pydantic import BaseModel

from hub.contract import now
from hub.models import Account, Contact, NumberLookup
from hub.models.account import NumberLookupSetting
from hub.store import accounts, paging
from hub.store import lookup as store

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0


class Found(BaseModel):
    """What the directory said about a number (either may be missing)."""

    name: str | None = None
    address: str | None = None


def _dig(data: Any, path: str) -> Any:
    """``a.b.0.c`` through nested objects and lists; None where it leads nowhere."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def wanted(contact: Contact) -> bool:
    """A phone contact without a name that was not looked up yet."""
    return bool(contact.phone) and not contact.name and "lookup" not in contact.attributes


async def _fetch(http: httpx.AsyncClient, cfg: NumberLookupSetting, phone: str) -> Found:
    url = cfg.url_template.replace("{phone}", urllib.parse.quote(phone, safe=""))
    response = await http.get(url, headers=cfg.headers, timeout=TIMEOUT_SECONDS)
    response.raise_for_status()
    data = response.json()
    name, address = _dig(data, cfg.name_path), _dig(data, cfg.address_path)
    return Found(
        name=str(name)[:200] if name else None,
        address=str(address)[:500] if address else None,
    )


async def result_for(http: httpx.AsyncClient, account: Account, phone: str) -> Found | None:
    """The directory's answer for ``phone``: from the cache, else asked once and kept."""
    assert account.id is not None and account.number_lookup is not None
    cached = await store.cached_lookup(account.id, phone)
    if cached is not None:
        return None if cached.result is None else Found.model_validate(cached.result)
    entry = NumberLookup(account_id=account.id, phone=phone, looked_up_at=now())
    try:
        found = await _fetch(http, account.number_lookup, phone)
        entry.result = found.model_dump()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("number look-up of %s for account %s failed: %s", phone, account.id, exc)
        entry.error = str(exc)[:300]
        found = None
    # Another process may ask at the same moment; both answers are as good.
    await store.keep_lookup(entry)
    return found


async def look_up(
    http: httpx.AsyncClient, account_id: PydanticObjectId, contact_id: PydanticObjectId | None
) -> bool:
    """Name the contact from the directory if it still has no name; True when it was named."""
    if contact_id is None:
        return False
    account = await accounts.get_account(account_id)
    contact = await paging.model_by_id(Contact, account_id, contact_id)
    if account is None or not account.number_lookup or contact is None or not wanted(contact):
        return False
    assert contact.phone is not None and contact.id is not None
    found = await result_for(http, account, contact.phone)
    if found is None or not found.name:
        return False
    return await store.name_contact(account_id, contact.id, found.name, found.address, now())
