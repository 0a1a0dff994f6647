"""The inbox's bulk action: another account's conversations are never changed, an agent
cannot take a colleague's conversation in bulk, and the toast says what happened."""

from __future__ import annotations

import json

from hub.models import Conversation
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, csrf_of, post_inbound, session_client


async def test_bulk_in_the_inbox(running: Running, tenant: Tenant, other_tenant: Tenant) -> None:
    await post_inbound(running.client, tenant, "a1", "+4511111111", "one", "Ann")
    await post_inbound(running.client, tenant, "a2", "+4522222222", "two", "Bo")
    await post_inbound(running.client, other_tenant, "g1", "+4599999999", "theirs", "Gina")
    mine = await Conversation.find(Conversation.account_id == tenant.account.id).to_list()
    theirs = await Conversation.find_one(Conversation.account_id == other_tenant.account.id)
    assert theirs is not None and len(mine) == 2
    agent = await add_user(tenant, "abe@acme.test", "agent", "Abe")
    colleague = await add_user(tenant, "cat@acme.test", "agent", "Cat")
    await Conversation.find_one(Conversation.id == mine[1].id).update(
        {"$set": {"assignee_id": str(colleague.id)}}
    )
    async with session_client(running, agent) as client:
        h = {"X-CSRF-Token": csrf_of((await client.get("/inbox")).text), "HX-Request": "true"}
        ids = ",".join([str(mine[0].id), str(mine[1].id), str(theirs.id)])
        r = await client.post("/inbox/bulk", data={"ids": ids, "action": "assign_me"}, headers=h)
        assert r.status_code == 204, r.text
        toast = json.loads(r.headers["HX-Trigger"])
        message = next(v["message"] for v in toast.values() if isinstance(v, dict))
        assert message.startswith("1 conversation changed. 2 were not changed:")
        assert (await Conversation.get(mine[0].id)).assignee_id == str(agent.id)  # type: ignore[union-attr]
        assert (await Conversation.get(mine[1].id)).assignee_id == str(colleague.id)  # type: ignore[union-attr]
        assert (await Conversation.get(theirs.id)).assignee_id is None  # type: ignore[union-attr]

        r = await client.post("/inbox/bulk", data={"ids": ids, "action": "resolve"}, headers=h)
        assert r.status_code == 204
        assert (await Conversation.get(theirs.id)).status == "open"  # type: ignore[union-attr]
        assert (await Conversation.get(mine[1].id)).status == "resolved"  # type: ignore[union-attr]

        for bad in ({"ids": "", "action": "resolve"}, {"ids": ids, "action": "explode"},
                    {"ids": ids, "action": "label", "label": " "},
                    {"ids": ",".join(["x"] * 101), "action": "resolve"}):  # fmt: skip
            r = await client.post("/inbox/bulk", data=bad, headers=h)
            assert r.status_code == 400, (bad, r.status_code)
