"""Labels (``Label``): named, coloured tags per account; conversations hold them by name.

Names are trimmed and lower-cased ("Refund " is "refund"), unique per account. A name used
on a conversation before it was defined is created then (``ensure_labels``), with a colour
from a fixed palette chosen by the name, so the same name always gets the same colour.
Renaming or deleting a label renames it on, or removes it from, the account's conversations.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from beanie import PydanticObjectId
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hub.contract import now
from hub.errors import Conflict, InvalidInput, NotFound
from hub.models import Conversation, Label

MAX_NAME = 50
MAX_DESCRIPTION = 200
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Colours given to labels created on first use (each reads as a dot on white and on grey).
PALETTE = (
    "#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4b5563",
)  # fmt: skip


def normalize(name: str) -> str:
    """The one form of a label's name: trimmed, lower-case, at most 50 characters."""
    return name.strip().lower()[:MAX_NAME]


def default_colour(name: str) -> str:
    digest = hashlib.sha256(normalize(name).encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def _checked(name: str | None, colour: str | None, description: str | None) -> None:
    if name is not None and not normalize(name):
        raise InvalidInput("invalid_label_name", "a label needs a name", field="name")
    if name is not None and len(name.strip()) > MAX_NAME:
        raise InvalidInput("invalid_label_name", "a label's name has at most 50 characters",
                           field="name")  # fmt: skip
    if colour is not None and not COLOUR.match(colour):
        raise InvalidInput("invalid_colour", "a colour is #rrggbb", field="colour")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidInput("invalid_description", "a description has at most 200 characters",
                           field="description")  # fmt: skip


def _taken(name: str) -> Conflict:
    return Conflict("label_exists", f"the label {name!r} exists already")


async def list_labels(account_id: PydanticObjectId) -> list[Label]:
    """The account's labels, by name."""
    return await Label.find(Label.account_id == account_id).sort("name").to_list()


async def colours_of(account_id: PydanticObjectId, names: Iterable[str]) -> dict[str, str]:
    """The colour of each named label; no query when no name is given (a page without labels)."""
    wanted = sorted({normalize(n) for n in names if normalize(n)})
    if not wanted:
        return {}
    found = await Label.find({"account_id": account_id, "name": {"$in": wanted}}).to_list()
    colours = {label.name: label.colour for label in found}
    return {name: colours.get(name, default_colour(name)) for name in wanted}


async def get_label(account_id: PydanticObjectId, label_id: PydanticObjectId) -> Label:
    found = await Label.find_one(Label.id == label_id, Label.account_id == account_id)
    if found is None:
        raise NotFound(str(label_id))
    return found


async def create_label(
    account_id: PydanticObjectId, name: str, colour: str | None = None, description: str = ""
) -> Label:
    """A new label; ``Conflict`` when the account has that name (any case, any spaces)."""
    _checked(name, colour, description)
    key = normalize(name)
    label = Label(
        account_id=account_id, name=key, colour=(colour or default_colour(key)).lower(),
        description=description.strip(),
    )  # fmt: skip
    try:
        return await label.insert()
    except DuplicateKeyError:
        raise _taken(key) from None


async def update_label(
    account_id: PydanticObjectId,
    label_id: PydanticObjectId,
    name: str | None = None,
    colour: str | None = None,
    description: str | None = None,
) -> Label:
    """Change a label; a new name is given to every conversation that held the old one."""
    label = await get_label(account_id, label_id)
    _checked(name, colour, description)
    old = label.name
    changes: dict[str, object] = {}
    if name is not None and normalize(name) != old:
        changes["name"] = normalize(name)
    if colour is not None:
        changes["colour"] = colour.lower()
    if description is not None:
        changes["description"] = description.strip()
    if not changes:
        return label
    try:
        await Label.get_pymongo_collection().update_one(
            {"_id": label_id, "account_id": account_id}, {"$set": changes}
        )
    except DuplicateKeyError:
        raise _taken(str(changes["name"])) from None
    if "name" in changes:
        await _rename_on_conversations(account_id, old, str(changes["name"]))
    return await get_label(account_id, label_id)


async def _rename_on_conversations(account_id: PydanticObjectId, old: str, new: str) -> None:
    conversations = Conversation.get_pymongo_collection()
    held = {"account_id": account_id, "labels": old}
    await conversations.update_many(held, {"$addToSet": {"labels": new}})
    await conversations.update_many(
        {"account_id": account_id, "labels": new}, {"$pull": {"labels": old}}
    )


async def delete_label(account_id: PydanticObjectId, label_id: PydanticObjectId) -> Label:
    """Delete a label and take it off the account's conversations."""
    label = await get_label(account_id, label_id)
    await Label.get_pymongo_collection().delete_one({"_id": label_id, "account_id": account_id})
    await Conversation.get_pymongo_collection().update_many(
        {"account_id": account_id, "labels": label.name}, {"$pull": {"labels": label.name}}
    )
    return label


async def ensure_labels(account_id: PydanticObjectId, names: Iterable[str]) -> None:
    """Create the labels a conversation is given that the account does not have yet.

    One write for all names (upserts that set nothing on an existing label).
    """
    wanted = list(dict.fromkeys(normalize(n) for n in names if normalize(n)))
    if not wanted:
        return
    at = now()
    ops = [
        UpdateOne(
            {"account_id": account_id, "name": name},
            {"$setOnInsert": {"colour": default_colour(name), "description": "", "created_at": at}},
            upsert=True,
        )
        for name in wanted
    ]
    try:
        await Label.get_pymongo_collection().bulk_write(ops, ordered=False)
    except BulkWriteError as exc:  # another request created one meanwhile: it exists
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise
