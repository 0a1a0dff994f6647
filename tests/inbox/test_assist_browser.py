"""Assist in Debian's Chromium: drafts stream into the composer as the model writes them, the
agent picks one and sends it; the endpoint down is a readable note; a French message shows
its translation with the original one click away; Summarize and label chips in Danish at
phone width. The model endpoint is the tests' real local stand-in (tests/assist/standin.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from hub.models import Conversation, Message
from hub.store import labels as label_store
from tests.assist.conftest import assist_endpoint, use_assist  # noqa: F401 - the fixture
from tests.assist.standin import Answer, StandIn
from tests.conftest import ARTIFACTS, Tenant, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import (  # noqa: F401 - fixtures
    Provider,
    Served,
    chromium,
    open_page,
    served,
    sign_in,
    webhook,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.httpx_mock(should_mock=lambda request: request.url.host == "provider.test"),
]
DRAFTS = "Bonjour Ann, votre commande part demain.\n---\nMerci Ann, elle arrive jeudi."


async def french_conversation(hub: Served, tenant: Tenant, endpoint: StandIn) -> Conversation:
    """Ann writes in French; assist translates it off the request path (the stand-in)."""
    endpoint.answer("Hello, where is my order? I have been waiting since Monday.")
    text = "Bonjour, où est ma commande ? Je l'attends depuis lundi."
    await webhook(
        hub, tenant, messages=[{"id": "w1", "from": "+4511111111", "name": "Ann", "text": text}]
    )
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None and conv.id is not None
    for _ in range(200):
        inbound = await Message.find_one(Message.conversation_id == conv.id)
        if inbound is not None and inbound.translation is not None:
            assert inbound.translation.language == "fr"
            endpoint.script.clear()
            return conv
        await asyncio.sleep(0.05)
    raise AssertionError("the French message was not translated")


async def test_drafts_stream_into_the_composer(
    served: Served,  # noqa: F811
    chromium: Browser,  # noqa: F811
    httpx_mock: Any,
    assist_endpoint: StandIn,  # noqa: F811
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    await add_user(tenant, "nina@acme.test", "agent", "Nina")
    await use_assist(served.hub, tenant.account, assist_endpoint)
    provider = Provider()
    httpx_mock.add_callback(provider, url="https://provider.test/send", is_reusable=True)
    conv = await french_conversation(served, tenant, assist_endpoint)

    page = await open_page(chromium, served)
    await sign_in(page, served, "nina@acme.test")
    await page.goto(f"{served.url}/inbox/c/{conv.id}")

    # The translation in the agent's language; the original one click (or Enter) away.
    message = page.locator(".msg.in").first
    await expect(message.locator(".text.translated")).to_have_text(
        "Hello, where is my order? I have been waiting since Monday."
    )
    original = message.locator("details.original .text")
    await expect(original).to_be_hidden()
    await message.locator("details.original summary").focus()
    await page.keyboard.press("Enter")
    await expect(original).to_have_text("Bonjour, où est ma commande ? Je l'attends depuis lundi.")
    await expect(original).to_be_visible()
    await expect(page.get_by_label("Translate to the customer's language (French)")).to_be_visible()

    # "g" asks for drafts; the words appear while the stand-in is still writing them.
    assist_endpoint.answer(Answer(text=DRAFTS, chunk_size=4, chunk_delay=0.3))
    await page.keyboard.press("Escape")
    await page.keyboard.press("g")
    first = page.locator(".assist-draft").nth(0)
    await expect(first.locator(".assist-draft-text")).to_contain_text("Bonjour")
    partial = await first.locator(".assist-draft-text").text_content()
    assert partial and partial != DRAFTS.split("\n---\n")[0]  # part of the draft, not all
    assert await first.get_by_role("button", name="Use this draft").is_disabled()
    await page.screenshot(path=ARTIFACTS / "assist-streaming.png")
    status = page.locator("#assist-drafts .assist-status")
    await expect(status).to_have_text("2 drafts: pick one to edit it, then send.", timeout=15000)
    cards = page.locator(".assist-draft")
    await expect(cards).to_have_count(2)
    await expect(cards.nth(1).locator(".assist-draft-text")).to_have_text(
        "Merci Ann, elle arrive jeudi."
    )
    use = cards.nth(0).get_by_role("button", name="Use this draft")
    await expect(use).to_be_focused()  # the keyboard goes on from the drafts
    await page.screenshot(path=ARTIFACTS / "assist-drafts.png")

    # Picking fills the reply box to edit; nothing is sent until the agent sends.
    await cards.nth(1).get_by_role("button", name="Use this draft").click()
    box = page.get_by_role("textbox", name="Message")
    await expect(box).to_have_value("Merci Ann, elle arrive jeudi.")
    await expect(box).to_be_focused()
    await expect(page.locator("#toast")).to_have_text(
        "Draft copied into the reply: edit it, then send."
    )
    assert provider.calls == []
    await box.press("End")
    await box.press_sequentially(" Bonne journée !")
    provider.answers.append(httpx.Response(200, json={"sid": "P1"}))
    await page.get_by_role("button", name="Send").click()
    sent = page.locator(".msg.out", has_text="Bonne journée")
    await expect(sent.locator(".tick-label")).to_have_text("Sent")
    assert [call["text"] for call in provider.calls] == [
        "Merci Ann, elle arrive jeudi. Bonne journée !"
    ]

    # The hub's answer to the send replaces the composer (the drafts' box with it): wait
    # for it, as an agent sees the emptied composer, before asking again.
    await expect(box).to_have_value("", timeout=15000)

    # The endpoint down: a readable note in the composer, the page still whole.
    assist_endpoint.script.clear()
    assist_endpoint.answer(Answer(status=503, error="overloaded"))
    await page.get_by_role("button", name="Suggest replies").click()
    note = page.locator("#assist-drafts .assist-error")
    await expect(note).to_have_text(
        "The assistant is not reachable (HTTP 503). Write your reply yourself.",
        timeout=15000,
    )
    await expect(page.locator(".assist-draft")).to_have_count(0)
    await expect(box).to_be_editable()
    await page.screenshot(path=ARTIFACTS / "assist-down.png")
    assert page.dialogs == []  # type: ignore[attr-defined]


async def test_danish_phone_summary_and_labels(
    served: Served,  # noqa: F811
    chromium: Browser,  # noqa: F811
    httpx_mock: Any,
    assist_endpoint: StandIn,  # noqa: F811
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    agent = await add_user(tenant, "dorte@acme.test", "agent", "Dorte")
    agent.language = "da"
    await agent.save()
    assert tenant.account.id is not None
    for name in ("levering", "refusion"):
        await label_store.create_label(tenant.account.id, name)
    await use_assist(served.hub, tenant.account, assist_endpoint)
    provider = Provider()
    httpx_mock.add_callback(provider, url="https://provider.test/send", is_reusable=True)
    conv = await french_conversation(served, tenant, assist_endpoint)

    page = await open_page(chromium, served, width=390, height=844)
    await sign_in(page, served, "dorte@acme.test")
    await page.goto(f"{served.url}/inbox/c/{conv.id}")
    await expect(page.locator(".msg.in details.original summary")).to_have_text(
        "Oversat fra fransk: vis originalen"
    )

    # Drafts at phone width, in Danish.
    assist_endpoint.answer(Answer(text=DRAFTS, chunk_size=12))
    await page.get_by_role("button", name="Foreslå svar").click()
    await expect(page.locator("#assist-drafts .assist-status")).to_have_text(
        "2 udkast: vælg ét for at rette det, og send."
    )
    await page.locator("#assist-drafts").scroll_into_view_if_needed()
    await page.screenshot(path=ARTIFACTS / "assist-da-phone-drafts.png")
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"the page is {wide} px wide at 390 px"

    # "m" summarizes; "Add as private note" puts it in the thread.
    assist_endpoint.script.clear()
    assist_endpoint.answer("Ønsker: at vide hvor ordren er.\nGjort: intet.\nÅbent: svar til Ann.")
    await page.locator("#header h1").click()
    await page.keyboard.press("m")
    summary = page.locator("#assist-summary .assist-summary-text")
    await expect(summary).to_contain_text("Åbent: svar til Ann.")
    await expect(page.locator("#toast")).to_have_text("Resumé skrevet.")
    await page.get_by_role("button", name="Tilføj som privat note").click()
    await expect(page.locator("#toast")).to_have_text("Resuméet er tilføjet som privat note.")
    await expect(page.locator(".msg.note")).to_contain_text("Resumé fra assistenten:")
    await expect(page.locator("#assist-summary .assist-noted")).to_have_text(
        "Tilføjet til tråden som privat note."
    )

    # Suggested labels come as chips of the account's labels; one click adds one.
    assist_endpoint.script.clear()
    assist_endpoint.answer('{"labels": ["levering", "ukendt"]}')
    await page.get_by_role("button", name="Foreslå etiketter").click()
    chip = page.get_by_role("button", name="Tilføj etiketten levering")
    await expect(chip).to_be_visible()
    await expect(page.locator(".assist-chip")).to_have_count(1)  # "ukendt" is not the account's
    await page.locator("#assist-panel").scroll_into_view_if_needed()
    await page.screenshot(path=ARTIFACTS / "assist-da-phone-side.png", full_page=True)
    await chip.click()
    await expect(page.locator("#labels")).to_have_value("levering")
    await expect(page.locator("#toast")).to_have_text("Etiketter gemt.")
    await expect(page.locator("#header")).to_contain_text("levering")
    saved = await Conversation.get(conv.id)
    assert saved is not None and saved.labels == ["levering"]

    # Dorte writes Danish and ticks "translate": Ann gets French, the thread keeps both.
    assist_endpoint.script.clear()
    assist_endpoint.answer("Votre commande part demain.")
    provider.answers.append(httpx.Response(200, json={"sid": "P1"}))
    await page.get_by_role("textbox", name="Besked").fill("Din ordre sendes i morgen.")
    await page.get_by_label("Oversæt til kundens sprog (fransk)").check()
    await page.get_by_role("button", name="Send").click()
    sent = page.locator(".msg.out:not(.note)").last
    await expect(sent.locator("p.text").first).to_have_text("Din ordre sendes i morgen.")
    await sent.locator("details.original summary").click()
    await expect(sent.locator("details.original .text")).to_have_text("Votre commande part demain.")
    assert [call["text"] for call in provider.calls] == ["Votre commande part demain."]
    assert assist_endpoint.last.messages[-1]["content"] == "Din ordre sendes i morgen."
    await page.screenshot(path=ARTIFACTS / "assist-da-phone-translated.png")
    assert page.dialogs == []  # type: ignore[attr-defined]
