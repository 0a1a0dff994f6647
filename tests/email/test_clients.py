"""Real-world mail shapes (Gmail, Outlook, Apple Mail, Thunderbird) and charsets, stored right."""

from __future__ import annotations

import pytest

from hub.models import Conversation, Message
from hub.pipeline.services import Hub
from tests.conftest import Tenant
from tests.email.conftest import payload, smtp_send


async def _stored(hub: Hub, tenant: Tenant, name: str, sender: str) -> Message:
    await smtp_send(hub, payload(name), sender=sender)
    [message] = await Message.find(Message.account_id == tenant.account.id).to_list()
    return message


@pytest.mark.parametrize(
    ("name", "sender", "subject", "contact", "text"),
    [
        (
            "outlook_ks_c_5601_1987.eml",
            "minsu.kim@outlook.example",
            "RE: 주문 확인",
            "김민수",
            "안녕하세요, 주문 번호 1234 배송이 아직 안 왔습니다. 똠방각하 확인 부탁드립니다.",
        ),
        (
            "thunderbird_iso_2022_jp.eml",
            "taro.yamada@example.jp",
            "Re: ご注文の確認",
            "山田太郎",
            "お世話になっております。\n了解しました。配達日を教えてください。\n\n-- \n山田太郎",
        ),
        (
            "outlook_windows_1252.eml",
            "renee@contoso.example",
            "Invoice – wrong amount",
            "Renée François",
            "Hello,\n\nthe invoice says € 1.250,00 but the quote was “€ 1.150,00” – café crème "
            "naïve.\n\nRegards,\nRenée",
        ),
    ],
    ids=["ks_c_5601-1987", "iso-2022-jp", "windows-1252"],
)
async def test_charsets_stored_with_the_right_text(
    hub: Hub, mail_tenant: Tenant, name: str, sender: str, subject: str, contact: str, text: str
) -> None:
    message = await _stored(hub, mail_tenant, name, sender)
    assert message.text == text
    assert message.subject == subject
    assert message.sender.name == contact
    assert message.metadata["from"] == sender
    conversation = await Conversation.get(message.conversation_id)
    assert conversation is not None and conversation.contact_name == contact


async def test_outlook_quote_is_folded_in_text_and_html(hub: Hub, mail_tenant: Tenant) -> None:
    message = await _stored(hub, mail_tenant, "outlook_ks_c_5601_1987.eml", "m@outlook.example")
    assert "From: Acme Support" in message.metadata["quoted_text"]
    assert "주문이 접수되었습니다." in message.metadata["quoted_text"]
    assert "divRplyFwdMsg" not in (message.html or "") and "주문이" not in (message.html or "")
    assert "주문이 접수되었습니다." in message.metadata["quoted_html"]
    # In-Reply-To names a mail this account never saw: a new conversation, refs kept.
    assert message.thread_refs == ["unknown-original@acme.example"]


async def test_thunderbird_bottom_posted_reply(hub: Hub, mail_tenant: Tenant) -> None:
    message = await _stored(hub, mail_tenant, "thunderbird_iso_2022_jp.eml", "t@example.jp")
    assert message.metadata["quoted_text"].startswith("On 2026/11/22 18:00, Acme Support wrote:")
    assert "> 発送は明日です。" in message.metadata["quoted_text"]


async def test_gmail_attachment_with_non_ascii_name(hub: Hub, mail_tenant: Tenant) -> None:
    message = await _stored(hub, mail_tenant, "gmail_new_attachment.eml", "j@gmail.example")
    assert message.subject == "Rechnung für März fehlt"
    assert message.sender.name == "Jürgen Müller"
    assert message.text.startswith("Hallo,\n\ndie Rechnung für März fehlt in meinem Konto.")
    assert '<div dir="ltr"><div>Hallo,</div>' in (message.html or "")
    [attachment] = message.attachments
    assert attachment.filename == "Überweisung März.pdf"
    assert attachment.content_type == "application/pdf"
    data, content_type = await hub.media.get(mail_tenant.account.id, attachment.id)  # type: ignore[arg-type]
    assert data.startswith(b"%PDF-1.4") and content_type == "application/pdf"


async def test_apple_mail_inline_image(hub: Hub, mail_tenant: Tenant) -> None:
    message = await _stored(hub, mail_tenant, "apple_mail_inline_image.eml", "m@icloud.example")
    assert message.subject == "Broken lid 😞"
    assert "Could you send a replacement? — María" in message.text
    [image] = message.attachments
    assert image.content_type == "image/png" and image.filename == "IMG_0421.png"
    assert image.content_id == "F1E2D3C4-B5A6-9788-6958-4A3B2C1D0E0F"
    assert f'src="cid:{image.content_id}"' in (message.html or "")
    data, _ = await hub.media.get(mail_tenant.account.id, image.id)  # type: ignore[arg-type]
    assert data.startswith(b"\x89PNG")


FORWARD = b"""From: Jane Doe <jane@customer.example>
To: support@acme.example
Subject: Fwd: Your order
Message-ID: <fwd-1@customer.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain; charset=utf-8

See the mail below.

--outer
Content-Type: message/rfc822
Content-Disposition: attachment

From: Shop <shop@acme.example>
To: jane@customer.example
Subject: Your order
Message-ID: <order-1@acme.example>
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Vielen Dank f=FCr Ihre Bestellung.

--outer--
""".replace(b"\n", b"\r\n")


async def test_forwarded_message_kept_as_eml(hub: Hub, mail_tenant: Tenant) -> None:
    await smtp_send(hub, FORWARD)
    [message] = await Message.find(Message.account_id == mail_tenant.account.id).to_list()
    assert message.text == "See the mail below."
    [eml] = message.attachments
    assert eml.content_type == "message/rfc822" and eml.filename == "Your order.eml"
    data, _ = await hub.media.get(mail_tenant.account.id, eml.id)  # type: ignore[arg-type]
    assert b"Message-ID: <order-1@acme.example>" in data
