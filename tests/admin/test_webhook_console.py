"""The delivery console's pages: health, the log with requests and answers, a test ping,
redeliver the failed ones of a range, rotate; refusals shown; another account's ids 404."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote_plus

import httpx

from hub.contract import now
from hub.models import WebhookDelivery, WebhookSubscription
from hub.models.webhook import Attempt, LastError
from tests.conftest import Running, Tenant
from tests.inbox.conftest import csrf_of


async def _failed(
    tenant: Tenant, sub: WebhookSubscription, key: str, ago: dt.timedelta
) -> WebhookDelivery:
    at = now() - ago
    attempt = Attempt(attempt=1, at=at, status_code=502, duration_ms=12,
                      request_headers={"webhook-id": "evt_x"}, response_body="upstream <b>down</b>")  # fmt: skip
    return await WebhookDelivery(account_id=tenant.account.id, target="subscription", target_id=sub.id,
                                 event_key=key, event_type="message.created", body='{"id":"evt_x"}',
                                 status="failed", attempts=1, log=[attempt], created_at=at).insert()  # fmt: skip


async def test_console_pages(
    running: Running, tenant: Tenant, other_tenant: Tenant, as_admin: httpx.AsyncClient
) -> None:
    csrf = csrf_of((await as_admin.get("/admin/webhooks")).text)
    sub = await WebhookSubscription(
        account_id=tenant.account.id,
        url="http://127.0.0.1:9/hook", events=["message.created"], secret="whsec_AAAA",
        failures_in_a_row=3, last_error=LastError(at=now(), status_code=502, message="answered 502"),
    ).insert()  # fmt: skip
    recent = await _failed(tenant, sub, "recent", dt.timedelta(hours=2))
    old = await _failed(tenant, sub, "old", dt.timedelta(days=3))

    index = await as_admin.get("/admin/webhooks")
    assert index.status_code == 200 and "502" in index.text and ">3<" in index.text
    log = await as_admin.get(f"/admin/webhooks/{sub.id}")
    assert "upstream &lt;b&gt;down&lt;/b&gt;" in log.text  # the answer, escaped
    assert "webhook-id: evt_x" in log.text and 'id="failures">3<' in log.text
    assert "whsec_AAAA" not in log.text

    # the failed ones of the last day: the recent one, not the old one
    since = (now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    until = (now() + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    r = await as_admin.post(f"/admin/webhooks/{sub.id}/redeliver_failed",
                            data={"csrf": csrf, "from": since, "to": until})  # fmt: skip
    assert r.status_code == 303  # the feedback waits in the session for the page
    shown = await as_admin.get(unquote_plus(r.headers["location"]))
    assert "1 failed delivery was queued again" in shown.text
    assert (await WebhookDelivery.get(recent.id)).status == "pending"  # type: ignore[union-attr]
    assert (await WebhookDelivery.get(old.id)).status == "failed"  # type: ignore[union-attr]
    backwards = await as_admin.post(f"/admin/webhooks/{sub.id}/redeliver_failed",
                                    data={"csrf": csrf, "from": until, "to": since})  # fmt: skip
    assert backwards.status_code == 400 and "must be after its start" in backwards.text

    r = await as_admin.post(f"/admin/webhooks/{sub.id}/test", data={"csrf": csrf})
    assert r.status_code == 303
    assert await WebhookDelivery.find({"target_id": sub.id, "event_type": "ping"}).count() == 1

    rotated = await as_admin.post(f"/admin/webhooks/{sub.id}/rotate", data={"csrf": csrf})
    fresh = await WebhookSubscription.get(sub.id)
    assert fresh is not None and fresh.previous_secret == "whsec_AAAA"
    opened = running.hub.cipher.open("webhook.secret", fresh.secret)  # sealed at rest
    assert rotated.status_code == 200 and opened.startswith("whsec_") and opened in rotated.text

    await WebhookSubscription.get_pymongo_collection().update_one(
        {"_id": sub.id}, {"$set": {"active": False, "disabled_reason": "answered 410 Gone"}}
    )
    refused = await as_admin.post(f"/admin/webhooks/{sub.id}/test", data={"csrf": csrf})
    assert refused.status_code == 409 and "disabled" in refused.text
    assert "answered 410 Gone" in refused.text

    theirs = await WebhookSubscription(account_id=other_tenant.account.id, url="https://x.example",
                                       events=["message.created"], secret="s").insert()  # fmt: skip
    for path in (
        f"/admin/webhooks/{theirs.id}/test",
        f"/admin/webhooks/{theirs.id}/rotate",
        f"/admin/webhooks/{theirs.id}/redeliver_failed",
        f"/admin/webhooks/{theirs.id}/deliveries/{recent.id}/redeliver",
        f"/admin/webhooks/{theirs.id}/delete",
    ):
        r = await as_admin.post(path, data={"csrf": csrf, "from": since, "to": until})
        assert r.status_code == 404, path
    assert (await WebhookSubscription.get(theirs.id)).secret == "s"  # type: ignore[union-attr]
    assert await WebhookDelivery.find({"target_id": theirs.id}).count() == 0
