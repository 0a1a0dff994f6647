"""What a channel can carry: data on the connector, read by the hub and the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hub.contract.addresses import OTHER, AddressKind


class Capabilities(BaseModel):
    """What a channel can carry. The hub and the inbox read these; nobody tests the type name."""

    model_config = ConfigDict(frozen=True)

    text: bool = True
    media: bool = False
    templates: bool = False
    quick_replies: bool = False
    cards: bool = False
    read_receipts: bool = False
    html: bool = False
    subject: bool = False
    typing: bool = False
    max_text_length: int | None = None
    #: SMS-style segment counting in the composer.
    segments: bool = False
    #: Free text allowed only this long after the contact's last inbound message.
    reply_window: dt.timedelta | None = None
    #: "contact": one running conversation per contact on the channel (chat channels);
    #: "thread": a conversation per thread, joined through ``InboundMessage.thread_refs`` (email).
    threading: Literal["contact", "thread"] = "contact"
    #: Media size limit the hub enforces when it stores attachments, in bytes.
    max_media_bytes: int = 16 * 1024 * 1024
    #: The kind of address the channel's contacts have (``PHONE``, ``EMAIL``, or the
    #: connector's own ``AddressKind``): search, the API's ``to`` and contact panels read it.
    address_kind: AddressKind = OTHER
    #: Whether a provider posts to the hub's webhook URL (its admin page shows the URL to paste);
    #: False for a channel whose messages arrive another way (the web chat's own routes).
    webhooks: bool = True
