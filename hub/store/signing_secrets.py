"""The signing secrets of outbound-webhook subscriptions and bots, read and replaced for sealing
(``hub.pipeline.channel_secrets.seal_signing_secrets``: at start-up and by ``keys rotate``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal, NamedTuple

from beanie import PydanticObjectId

from hub.models import Bot, WebhookSubscription

SecretOwner = Literal["subscription", "bot"]
_MODELS: dict[SecretOwner, type[WebhookSubscription] | type[Bot]] = {
    "subscription": WebhookSubscription,
    "bot": Bot,
}


class StoredSecret(NamedTuple):
    owner: SecretOwner
    id: PydanticObjectId
    secret: str


async def signing_secrets_all_accounts() -> AsyncIterator[StoredSecret]:
    """Every subscription's and bot's stored secret, of every account."""
    for owner, model in _MODELS.items():
        async for doc in model.get_pymongo_collection().find({}, {"secret": 1}):
            if isinstance(doc.get("secret"), str):
                yield StoredSecret(owner, doc["_id"], doc["secret"])


async def replace_signing_secret(
    owner: SecretOwner, doc_id: PydanticObjectId, was: str, now: str
) -> bool:
    """Set the secret to ``now`` where it still holds ``was``; whether it changed."""
    result = (
        await _MODELS[owner]
        .get_pymongo_collection()
        .update_one({"_id": doc_id, "secret": was}, {"$set": {"secret": now}})
    )
    return bool(result.modified_count)
