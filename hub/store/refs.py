"""References a request makes to the account's other records, checked before anything is stored.

A body that names a team, a user, a channel or an SLA policy by id gets it back as an id
only when the account has it; otherwise ``InvalidInput`` with ``unknown_team`` /
``unknown_user`` / ``unknown_channel`` / ``unknown_policy`` and the field, which every
view answers as 400. A value that cannot be an id at all (a team's name, "support") is
unknown in the same way: nothing of the account has it. Another account's id is
unknown too (every read is scoped by ``account_id``). One ``_id`` look-up each.
"""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.errors import InvalidInput
from hub.models import Channel, SlaPolicy, Team, User
from hub.store.ids import try_id

__all__ = ["known_channel", "known_policy", "known_team", "known_user"]


def _unknown(kind: str, field: str, value: object) -> InvalidInput:
    return InvalidInput(
        f"unknown_{kind}", f"{field}: no {kind} of this account has id {value!r}", field=field
    )


async def _exists(
    model: type[Team] | type[User] | type[Channel] | type[SlaPolicy],
    account_id: PydanticObjectId,
    value: object,
    kind: str,
    field: str,
    extra: dict[str, object] | None = None,
) -> PydanticObjectId:
    found = try_id(value)
    if found is None:
        raise _unknown(kind, field, value)
    query: dict[str, object] = {"_id": found, "account_id": account_id, **(extra or {})}
    if await model.get_pymongo_collection().find_one(query, {"_id": 1}) is None:
        raise _unknown(kind, field, value)
    return found


async def known_team(
    account_id: PydanticObjectId, value: object, field: str = "team_id"
) -> PydanticObjectId:
    """The account's team ``value``; 400 ``unknown_team`` naming ``field`` otherwise."""
    return await _exists(Team, account_id, value, "team", field)


async def known_user(
    account_id: PydanticObjectId, value: object, field: str = "user_id", *, active: bool = True
) -> PydanticObjectId:
    """The account's (active) user ``value``; 400 ``unknown_user`` naming ``field`` otherwise."""
    extra: dict[str, object] = {"active": True} if active else {}
    return await _exists(User, account_id, value, "user", field, extra)


async def known_channel(
    account_id: PydanticObjectId, value: object, field: str = "channel_id"
) -> PydanticObjectId:
    """The account's channel ``value``; 400 ``unknown_channel`` naming ``field`` otherwise."""
    return await _exists(Channel, account_id, value, "channel", field)


async def known_policy(
    account_id: PydanticObjectId, value: object, field: str = "policy_id"
) -> PydanticObjectId:
    """The account's SLA policy ``value``; 400 ``unknown_policy`` naming ``field`` otherwise."""
    return await _exists(SlaPolicy, account_id, value, "policy", field)
