"""Another account's ids are not found on any inbox route, and never listed or searched."""

from __future__ import annotations

import httpx

from hub.contract import DELIVERY_RANK
from hub.models import CannedResponse, Conversation, Message, Sender, SendError
from tests.conftest import Running, Tenant
from tests.inbox.conftest import csrf_of, post_inbound


async def _foreign(running: Running, other: Tenant) -> tuple[Conversation, Message, str, str]:
    """Globex's conversation, a failed outbound message, an attachment and a canned answer."""
    await post_inbound(running.client, other, "g1", "+4599999999", "Globex secret text", "Gina")
    conv = await Conversation.find_one(Conversation.account_id == other.account.id)
    assert conv is not None and conv.id is not None and other.account.id is not None
    attachment = await running.hub.media.put(other.account.id, b"secret", "s.txt", "text/plain")
    failed = Message(
        account_id=other.account.id, conversation_id=conv.id, channel_id=other.channel.id,  # type: ignore[arg-type]
        direction="out", text="x", sender=Sender(type="agent"), delivery="failed",
        delivery_rank=DELIVERY_RANK["failed"], error=SendError(code="1", message="no"),
    )  # fmt: skip
    await failed.insert()
    canned = CannedResponse(account_id=other.account.id, shortcut="secret", text="Globex only")
    await canned.insert()
    return conv, failed, attachment.id, str(canned.id)


async def test_foreign_ids_are_not_found(
    running: Running, tenant: Tenant, other_tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv, failed, attachment_id, canned_id = await _foreign(running, other_tenant)
    token = csrf_of((await signed_in.get("/inbox")).text)
    h = {"X-CSRF-Token": token}
    c = f"/inbox/c/{conv.id}"
    gets = [c, f"{c}/contact", f"/inbox/media/{attachment_id}"]
    posts = {
        f"{c}/reply": {"text": "hello", "kind": "reply"},
        f"{c}/m/{failed.id}/retry": {},
        f"{c}/assign": {"assignee": "me"},
        f"{c}/status": {"status": "resolved"},
        f"{c}/snooze": {"until": "2099-01-01T09:00", "tz": "0"},
        f"{c}/labels": {"labels": "x"},
        f"{c}/priority": {"priority": "urgent"},
    }
    for url in gets:
        r = await signed_in.get(url)
        assert r.status_code == 404, (url, r.status_code)
        assert "Globex" not in r.text and "secret" not in r.text
    for url, data in posts.items():
        r = await signed_in.post(url, data=data, headers=h)
        assert r.status_code == 404, (url, r.status_code)
    assert (await signed_in.post(f"/inbox/canned/{canned_id}/delete", headers=h)).status_code in (
        403,  # agents may not manage canned answers at all
        404,
    )
    unchanged = await Conversation.get(conv.id)
    assert unchanged is not None and unchanged.status == "open" and unchanged.assignee_id is None
    assert unchanged.labels == [] and unchanged.priority == "normal" and unchanged.unread == 1
    assert (await Message.get(failed.id)).delivery == "failed"  # type: ignore[union-attr]
    assert await Message.find(Message.conversation_id == conv.id).count() == 2


async def test_admin_cannot_delete_foreign_canned(
    running: Running, tenant: Tenant, other_tenant: Tenant
) -> None:
    from tests.inbox.conftest import add_user, sign_in

    _, _, _, canned_id = await _foreign(running, other_tenant)
    admin = await add_user(tenant, "admin@acme.test", "admin")
    client = await sign_in(running, admin.email)
    token = csrf_of((await client.get("/inbox/canned")).text)
    r = await client.post(f"/inbox/canned/{canned_id}/delete", headers={"X-CSRF-Token": token})
    assert r.status_code == 404
    assert await CannedResponse.find(CannedResponse.shortcut == "secret").count() == 1
    suggest = await client.get("/inbox/canned/suggest", params={"text": "/sec"})
    assert "Globex only" not in suggest.text
    await client.aclose()


async def test_list_and_search_stay_in_the_account(
    running: Running, tenant: Tenant, other_tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv, *_ = await _foreign(running, other_tenant)
    await post_inbound(running.client, tenant, "a1", "+4511111111", "Acme question", "Ann")
    for params in ({"q": "secret"}, {"q": "Gina"}, {"q": "+4599"}):
        page = await signed_in.get("/inbox", params=params)
        assert page.status_code == 200 and str(conv.id) not in page.text
        assert 'class="conv ' not in page.text, params
    for params in ({}, {"status": "any"}, {"q": "acme"}):
        page = await signed_in.get("/inbox", params=params)
        assert page.text.count('class="conv ') == 1 and "Ann" in page.text
        assert str(conv.id) not in page.text and "Globex secret" not in page.text
