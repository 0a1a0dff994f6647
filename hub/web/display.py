"""How stored things look in the inbox: safe email HTML, delivery ticks, waiting times, segments.

Installed into the Jinja environment as filters and globals; pure functions,
so they are tested without a page.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

import jinja2
import nh3
from markupsafe import Markup

from hub.centre import availability
from hub.contract import Attachment, now

#: Tags an email may keep; everything else is stripped (scripts and styles with their content).
EMAIL_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s",
    "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
EMAIL_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}

TICKS: dict[str, tuple[str, str]] = {
    "queued": ("◷", "Queued"),
    "sending": ("…", "Sending"),
    "sent": ("✓", "Sent"),
    "delivered": ("✓✓", "Delivered"),
    "read": ("✓✓", "Read"),
    "failed": ("!", "Failed"),
    "undelivered": ("!", "Not delivered"),
}

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def safe_email_html(html: str | None, attachments: list[Attachment]) -> Markup:
    """Email HTML cleaned again at render time.

    Inline images (``cid:``) point at the inbox's media route; remote images are
    dropped (they would tell the sender the mail was read); links open safely.
    """
    if not html:
        return Markup("")
    by_cid = {a.content_id.strip("<>"): a.id for a in attachments if a.content_id}

    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            if value.startswith("cid:") and value[4:] in by_cid:
                return f"/inbox/media/{by_cid[value[4:]]}"
            return None
        return value

    cleaned = nh3.clean(
        html,
        tags=EMAIL_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=EMAIL_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        attribute_filter=keep,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # noqa: S704 - nh3 output is safe HTML


def tick(delivery: str) -> dict[str, str]:
    symbol, label = TICKS.get(delivery, ("", delivery))
    return {"symbol": symbol, "label": label, "state": delivery}


def waiting(since: dt.datetime | None, at: dt.datetime | None = None) -> str:
    """How long a customer has waited, in the unit an agent reads at a glance."""
    if since is None:
        return ""
    seconds = max(0, int(((at or now()) - since).total_seconds()))
    if seconds < 60:
        return "<1 min"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def sms_segments(text: str) -> dict[str, Any]:
    """SMS parts a text needs: GSM-7 160 (153 when split), otherwise UCS-2 70 (67)."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, multi, encoding = 70, 67, "UCS-2"
    count = 0 if units == 0 else 1 if units <= single else -(-units // multi)
    return {"segments": count, "encoding": encoding, "units": units}


def crm_link(template: str | None, contact: Any) -> str | None:
    """The account's CRM look-up URL for a contact, placeholders URL-encoded; None if unusable."""
    if not template or not template.startswith(("https://", "http://")):
        return None
    values = {
        "phone": getattr(contact, "phone", None) or "",
        "email": getattr(contact, "email", None) or "",
    }
    needed = [k for k in values if "{" + k + "}" in template]
    if needed and not any(values[k] for k in needed):
        return None
    url = template
    for key, value in values.items():
        url = url.replace("{" + key + "}", urllib.parse.quote(value, safe=""))
    return url


def address_label(key: str) -> dict[str, str]:
    """``phone:+45…`` as a kind and a value for display."""
    kind, _, value = key.partition(":")
    return {"kind": kind, "value": value}


def map_link(latitude: float, longitude: float) -> str:
    return f"https://www.openstreetmap.org/?mlat={latitude:.6f}&mlon={longitude:.6f}#map=16/{latitude:.6f}/{longitude:.6f}"


def local_time(at: dt.datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else ""


def install(env: jinja2.Environment) -> None:
    env.filters.update(
        safe_email_html=safe_email_html,
        waiting=waiting,
        local_time=local_time,
        # A colleague in a calendar meeting is shown away (hub.centre.availability).
        shown_presence=availability.shown_presence,
    )
    env.globals.update(
        tick=tick,
        sms_segments=sms_segments,
        address_label=address_label,
        map_link=map_link,
    )
