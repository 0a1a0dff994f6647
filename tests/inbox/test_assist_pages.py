"""Assist in the conversation page, without a browser: which buttons show, translations in the
thread, the drafts' event stream, the summary and its note, label chips, and that none of it
crosses accounts (tests/inbox/test_assist_browser.py drives the same in Chromium)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from hub.assist import configure
from hub.models import Conversation, Message, Sender
from hub.models.account import AssistPatch
from hub.models.message import Translation
from hub.store import labels as label_store
from tests.assist.conftest import assist_endpoint, use_assist  # noqa: F401 - the fixture
from tests.assist.standin import Answer, StandIn
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, csrf_of, post_inbound, session_client
from tests.web.untranslated import strings, texts_of

HX = {"HX-Request": "true"}
SSE = {"Accept": "text/event-stream"}


async def conversation_of(running: Running, tenant: Tenant, text: str = "Bonjour") -> Conversation:
    await post_inbound(running.client, tenant, "in-1", "+4511111111", text, "Ann")
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None and conv.id is not None
    return conv


async def set_assist(running: Running, tenant: Tenant, base_url: str, **features: bool) -> None:
    patch = {"base_url": base_url, "model": "stand-in", "features": features}
    tenant.account = await configure(running.hub, tenant.account, AssistPatch.model_validate(patch))


def events_of(body: str) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of a text/event-stream body."""
    found = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            found.append((name, json.loads("\n".join(data))))
    return found


async def test_no_assist_no_buttons(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv = await conversation_of(running, tenant)
    page = (await signed_in.get(f"/inbox/c/{conv.id}")).text
    for absent in ("data-assist-suggest", "assist-summarize", "assist-labels", "translate_to"):
        assert absent not in page
    # Each feature's switch shows its own button only.
    await set_assist(
        running, tenant, "http://127.0.0.1:9/v1", suggest=True, summarize=False, labels=False
    )
    page = (await signed_in.get(f"/inbox/c/{conv.id}")).text
    assert "data-assist-suggest" in page and 'id="assist-drafts"' in page
    assert "assist-summarize" not in page and "assist-labels" not in page
    await set_assist(
        running, tenant, "http://127.0.0.1:9/v1", suggest=False, summarize=True, labels=True
    )
    page = (await signed_in.get(f"/inbox/c/{conv.id}")).text
    assert "data-assist-suggest" not in page
    assert 'id="assist-summarize"' in page and "Suggest labels" in page


async def test_translations_in_the_thread(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv = await conversation_of(running, tenant, "Où est ma commande ?")
    assert conv.id is not None and tenant.account.id is not None
    inbound = await Message.find_one(Message.conversation_id == conv.id)
    assert inbound is not None
    inbound.translation = Translation(language="fr", text="Where is my order?")
    await inbound.save()
    await Message(
        account_id=tenant.account.id, conversation_id=conv.id, channel_id=tenant.channel.id,  # type: ignore[arg-type]
        direction="out", sender=Sender(type="agent", name="Agnes"), delivery="sent",
        text="Elle part demain.", original_text="It ships tomorrow.",
    ).insert()  # fmt: skip
    await set_assist(running, tenant, "http://127.0.0.1:9/v1")
    page = (await signed_in.get(f"/inbox/c/{conv.id}")).text
    # The translation first, the original one click away (a <details>), both escaped.
    assert '<p class="text translated" lang="en">Where is my order?</p>' in page
    assert "Translated from French: show the original" in page
    assert '<p class="text" lang="fr">Où est ma commande ?</p>' in page
    assert page.index("Where is my order?") < page.index("Où est ma commande ?")
    # The agent's own words of a translated reply, and what the customer got behind a click.
    assert (
        page.index("It ships tomorrow.")
        < page.index("Sent translated")
        < page.index("Elle part demain.")
    )
    # The composer offers the customer's language.
    assert 'name="translate_to" value="fr"' in page
    assert "Translate to the customer's language (French)" in page
    # The same page in Danish names the language in Danish.
    agent = await add_user(tenant, "dansk@acme.test", "agent", "Dorte")
    agent.language = "da"
    await agent.save()
    async with session_client(running, agent) as danish:
        page = (await danish.get(f"/inbox/c/{conv.id}")).text
    assert "Oversat fra fransk: vis originalen" in page
    assert "Oversæt til kundens sprog (fransk)" in page


async def test_translate_off_shows_no_checkbox(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv = await conversation_of(running, tenant, "Où est ma commande ?")
    inbound = await Message.find_one(Message.conversation_id == conv.id)
    assert inbound is not None
    inbound.translation = Translation(language="fr", text="Where is my order?")
    await inbound.save()
    await set_assist(running, tenant, "http://127.0.0.1:9/v1", translate=False)
    page = (await signed_in.get(f"/inbox/c/{conv.id}")).text
    assert "translate_to" not in page


async def test_stream_refusals_are_events(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv = await conversation_of(running, tenant)
    url = f"/inbox/c/{conv.id}/assist/suggestions"
    # A page load (no event-stream Accept) never asks the model.
    r = await signed_in.get(url)
    assert r.status_code == 406
    # Not set up: one "failed" event with the 409 and a readable note, then the end.
    r = await signed_in.get(url, headers=SSE)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    [(name, data)] = events_of(r.text)
    assert name == "failed" and data["code"] == "assist_not_configured"
    assert data["status"] == 409 and "Admin → Assist" in data["note"]
    await set_assist(running, tenant, "http://127.0.0.1:9/v1", suggest=False)
    [(name, data)] = events_of((await signed_in.get(url, headers=SSE)).text)
    assert (name, data["code"], data["status"]) == ("failed", "assist_feature_off", 403)


async def test_other_accounts_conversation_is_not_found(
    running: Running, tenant: Tenant, other_tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv = await conversation_of(running, tenant)
    await set_assist(running, tenant, "http://127.0.0.1:9/v1")
    await set_assist(running, other_tenant, "http://127.0.0.1:9/v1")
    stranger = await add_user(other_tenant, "eve@globex.test", "admin", "Eve")
    async with session_client(running, stranger) as eve:
        token = {**HX, "X-CSRF-Token": csrf_of((await eve.get("/inbox")).text)}
        r = await eve.get(f"/inbox/c/{conv.id}/assist/suggestions", headers=SSE)
        assert r.status_code == 404 and "event:" not in r.text
        for path in ("summary", "labels", "summary/note"):
            r = await eve.post(
                f"/inbox/c/{conv.id}/assist/{path}", data={"text": "x"}, headers=token
            )
            assert r.status_code == 404, path
    notes = await Message.find(Message.conversation_id == conv.id, Message.private == True).count()  # noqa: E712
    assert notes == 0


async def test_drafts_stream_to_the_composer(
    running: Running,
    tenant: Tenant,
    signed_in: httpx.AsyncClient,
    assist_endpoint: StandIn,  # noqa: F811
) -> None:
    conv = await conversation_of(running, tenant, "Where is my parcel?")
    await use_assist(running.hub, tenant.account, assist_endpoint)
    page = await signed_in.get(f"/inbox/c/{conv.id}")
    assert "data-assist-suggest" in page.text
    assert assist_endpoint.requests == []  # the page never waits on the endpoint
    assist_endpoint.answer(
        Answer(text="Hi Ann, it left today.\n---\nHello Ann! It ships today.", chunk_size=4)
    )
    r = await signed_in.get(f"/inbox/c/{conv.id}/assist/suggestions", headers=SSE)
    assert r.status_code == 200
    events = events_of(r.text)
    drafts = [data for name, data in events if name == "draft"]
    assert len(drafts) > 2  # relayed piece by piece, as written
    whole: dict[int, str] = {}
    for draft in drafts:
        whole[draft["index"]] = whole.get(draft["index"], "") + draft["delta"]
    assert [whole[i].strip() for i in sorted(whole)] == [
        "Hi Ann, it left today.",
        "Hello Ann! It ships today.",
    ]
    assert events[-1] == ("done", {"count": 2, "note": "2 drafts: pick one to edit it, then send."})
    assert "Where is my parcel?" in assist_endpoint.last.messages[-1]["content"]
    # Nothing was sent: the only message of the conversation is still the customer's.
    assert await Message.find(Message.conversation_id == conv.id).count() == 1


async def test_endpoint_down_is_a_readable_note(
    running: Running,
    tenant: Tenant,
    signed_in: httpx.AsyncClient,
    assist_endpoint: StandIn,  # noqa: F811
) -> None:
    conv = await conversation_of(running, tenant, "Where is my parcel?")
    await use_assist(running.hub, tenant.account, assist_endpoint)
    assist_endpoint.answer(Answer(status=503, error="overloaded"))
    r = await signed_in.get(f"/inbox/c/{conv.id}/assist/suggestions", headers=SSE)
    [(name, data)] = events_of(r.text)
    assert (name, data["code"], data["status"]) == ("failed", "assist_unavailable", 502)
    assert data["note"] == ("The assistant is not reachable (HTTP 503). Write your reply yourself.")
    # Failing mid-answer: the words written so far came, then the note.
    assist_endpoint.script.clear()
    assist_endpoint.answer(Answer(text="Hi Ann, it left today.", chunk_size=4, fail_after=2))
    r = await signed_in.get(f"/inbox/c/{conv.id}/assist/suggestions", headers=SSE)
    events = events_of(r.text)
    assert [name for name, _ in events] == ["draft", "draft", "failed"]
    assert "".join(str(data["delta"]) for _, data in events[:2]) == "Hi Ann, "
    assert events[2][1]["note"] == (
        "The assistant is not reachable (it stopped mid-answer). Write your reply yourself."
    )
    assist_endpoint.script.clear()
    assist_endpoint.answer(Answer(status=503, error="overloaded"))
    token = {**HX, "X-CSRF-Token": csrf_of((await signed_in.get("/inbox")).text)}
    r = await signed_in.post(f"/inbox/c/{conv.id}/assist/summary", headers=token)
    assert r.status_code == 502
    assert "The assistant is not reachable (HTTP 503). Try again later." in r.text
    assert 'role="alert"' in r.text


async def test_summary_and_its_note(
    running: Running,
    tenant: Tenant,
    signed_in: httpx.AsyncClient,
    assist_endpoint: StandIn,  # noqa: F811
) -> None:
    conv = await conversation_of(running, tenant, "My parcel is late, please refund <me>")
    await use_assist(running.hub, tenant.account, assist_endpoint)
    summary = "Wants: a refund <now>.\nDone: nothing yet.\nOpen: the refund."
    assist_endpoint.answer(summary)
    token = {**HX, "X-CSRF-Token": csrf_of((await signed_in.get("/inbox")).text)}
    r = await signed_in.post(f"/inbox/c/{conv.id}/assist/summary", headers=token)
    assert r.status_code == 200
    assert "Wants: a refund &lt;now&gt;." in r.text  # the model's words are text, escaped
    assert "Add as private note" in r.text
    assert json.loads(r.headers["HX-Trigger"])["parley:toast"]["message"] == "Summary written."
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/assist/summary/note", data={"text": summary}, headers=token
    )
    assert r.status_code == 200 and "Added to the thread as a private note." in r.text
    assert "Add as private note" not in r.text  # the button gave way: not added twice
    assert "thread-changed" in r.headers["HX-Trigger"]
    assert "Summary added as a private note." in r.headers["HX-Trigger"]
    note = await Message.find_one(Message.conversation_id == conv.id, Message.private == True)  # noqa: E712
    assert note is not None and note.direction == "out" and note.delivery != "queued"
    assert note.text == "Summary by the assistant:\n" + summary
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/assist/summary/note", data={"text": " "}, headers=token
    )
    assert r.status_code == 400


async def test_label_chips_only_of_the_account(
    running: Running,
    tenant: Tenant,
    signed_in: httpx.AsyncClient,
    assist_endpoint: StandIn,  # noqa: F811
) -> None:
    conv = await conversation_of(running, tenant, "I want my money back")
    assert tenant.account.id is not None
    for name in ("refund", "billing", "vip"):
        await label_store.create_label(tenant.account.id, name)
    await use_assist(running.hub, tenant.account, assist_endpoint)
    assist_endpoint.answer('{"labels": ["refund", "angry", "billing"]}')
    token = {**HX, "X-CSRF-Token": csrf_of((await signed_in.get("/inbox")).text)}
    r = await signed_in.post(f"/inbox/c/{conv.id}/assist/labels", headers=token)
    assert r.status_code == 200
    assert 'data-label="refund"' in r.text and 'data-label="billing"' in r.text
    assert "angry" not in r.text and "vip" not in r.text
    assert "Labels suggested" in r.headers["HX-Trigger"]


async def test_translated_reply_refused_keeps_the_composer(
    running: Running,
    tenant: Tenant,
    signed_in: httpx.AsyncClient,
    assist_endpoint: StandIn,  # noqa: F811
) -> None:
    conv = await conversation_of(running, tenant, "Où est ma commande ?")
    inbound = await Message.find_one(Message.conversation_id == conv.id)
    assert inbound is not None
    inbound.translation = Translation(language="fr", text="Where is my order?")
    await inbound.save()
    await use_assist(running.hub, tenant.account, assist_endpoint)
    assist_endpoint.answer(Answer(status=500, error="boom"))
    token = {**HX, "X-CSRF-Token": csrf_of((await signed_in.get("/inbox")).text)}
    form = {"kind": "reply", "text": "It ships tomorrow.", "translate_to": "fr"}
    r = await signed_in.post(f"/inbox/c/{conv.id}/reply", data=form, headers=token)
    assert r.status_code == 422
    assert (
        "The reply was not sent: the assistant could not translate it (HTTP 500). "
        "Send it without translation, or try again."
    ) in r.text
    assert "It ships tomorrow." in r.text  # what the agent wrote is kept …
    assert 'name="translate_to" value="fr" checked' in r.text  # … and the box stays ticked
    assert await Message.find(Message.conversation_id == conv.id).count() == 1


async def test_assist_parts_in_every_language(
    running: Running,
    tenant: Tenant,
    assist_endpoint: StandIn,  # noqa: F811
) -> None:
    """The page with every assist part, the summary and the chips: no English in da … fr."""
    conv = await conversation_of(running, tenant, "Où est ma commande ?")
    assert tenant.account.id is not None
    inbound = await Message.find_one(Message.conversation_id == conv.id)
    assert inbound is not None
    inbound.translation = Translation(language="fr", text="Where is my order?")
    await inbound.save()
    await Message(
        account_id=tenant.account.id, conversation_id=conv.id, channel_id=tenant.channel.id,  # type: ignore[arg-type]
        direction="out", sender=Sender(type="agent", name="Agnes"), delivery="sent",
        text="Elle part demain.", original_text="It ships tomorrow.",
    ).insert()  # fmt: skip
    await label_store.create_label(tenant.account.id, "refund")
    await use_assist(running.hub, tenant.account, assist_endpoint)
    agent = await add_user(tenant, "polyglot@acme.test", "agent", "Poly")
    words = {"Where is my order?", "Où est ma commande ?", "It ships tomorrow.",
             "Elle part demain.", "Ann", "Acme line", "Poly", "+ refund", "Wants: a refund."}  # fmt: skip
    for lang in ("da", "sv", "nb", "nl", "fr"):
        await agent.set({"language": lang})
        async with session_client(running, agent) as client:
            page = (await client.get(f"/inbox/c/{conv.id}")).text
            token = {**HX, "X-CSRF-Token": csrf_of(page)}
            assist_endpoint.script.clear()
            assist_endpoint.answer("Wants: a refund.")
            summary = await client.post(f"/inbox/c/{conv.id}/assist/summary", headers=token)
            assist_endpoint.script.clear()
            assist_endpoint.answer('{"labels": ["refund"]}')
            chips = await client.post(f"/inbox/c/{conv.id}/assist/labels", headers=token)
        assert "data-assist-suggest" in page and "refund" in chips.text
        english = {
            text: why
            for html in (page, summary.text, chips.text)
            for text in texts_of(html) - words
            if (why := strings().classify(text, lang))
        }
        assert not english, f"{lang}: {english}"
