"""The assist key at rest: sealed under the hub's key, re-sealed by ``parley keys rotate``
(``reseal_keys``), and a key no configured secret opens is a readable 502, not a 500."""

from __future__ import annotations

import httpx

from hub.assist.settings import KEY_FIELD, reseal_keys
from hub.models import Account, Conversation
from hub.pipeline.channel_secrets import Cipher
from hub.pipeline.services import Hub
from tests.api.conftest import inbound
from tests.assist.conftest import use_assist
from tests.assist.standin import StandIn
from tests.conftest import Tenant

NEW_KEY = "a-new-secret-key-for-the-hub"


async def test_rotation_and_an_unreadable_key(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, assist_endpoint: StandIn
) -> None:
    await use_assist(hub, tenant.account, assist_endpoint, key="sk-rotate-me-999")
    before = await Account.get(tenant.account.id)
    assert before is not None and before.assist is not None and before.assist.api_key
    old_sealed = before.assist.api_key
    assert old_sealed.startswith(f"enc:v1:{hub.cipher.current}:")
    new = Cipher(NEW_KEY, previous=hub.settings.secret_key or "")
    assert await reseal_keys(new) == {"assist_keys": 1, "unreadable": 0}
    after = await Account.get(tenant.account.id)
    assert after is not None and after.assist is not None and after.assist.api_key
    assert after.assist.api_key.startswith(f"enc:v1:{new.current}:")
    assert new.open(KEY_FIELD, after.assist.api_key) == "sk-rotate-me-999"
    assert await reseal_keys(new) == {"assist_keys": 0, "unreadable": 0}  # nothing stale
    # this hub (old key only) cannot open it: a 502 that says what to do, no request
    await inbound(client, tenant.webhook, "m1", "+4512345678", "Hello, is anyone there?")
    conversation = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conversation is not None
    r = await client.post(
        f"/api/v1/conversations/{conversation.id}/assist/summary", headers=tenant.auth
    )
    assert r.status_code == 502 and "set it again" in r.json()["error"]["message"]
    assert assist_endpoint.requests == []
