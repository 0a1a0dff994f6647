"""How stored things look in the inbox: safe email HTML, delivery ticks, waiting times, segments.

Installed into the Jinja environment as filters and globals; pure functions,
so they are tested without a page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.parse
from typing import Any, TypedDict

import jinja2
import nh3
from markupsafe import Markup

from hub.centre.routing.availability import shown_presence
from hub.contract import Address, AddressKind, Attachment, now
from hub.web import i18n
from hub.web.i18n import N_

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


def _(message: str) -> str:
    """Mark a string for the catalogs; it is translated where it is shown."""
    return message


TICKS: dict[str, tuple[str, str]] = {
    "queued": ("◷", _("Queued")),
    "sending": ("…", _("Sending")),
    "sent": ("✓", _("Sent")),
    "delivered": ("✓✓", _("Delivered")),
    "read": ("✓✓", _("Read")),
    "failed": ("!", _("Failed")),
    "undelivered": ("!", _("Not delivered")),
}
STATUS_NAMES = {
    "open": _("open"),
    "pending": _("pending"),
    "snoozed": _("snoozed"),
    "resolved": _("resolved"),
}
PRIORITY_NAMES = {"low": _("low"), "normal": _("normal"), "high": _("high"), "urgent": _("urgent")}


def status_name(status: str) -> str:
    return i18n.gettext(STATUS_NAMES.get(status, status))


def priority_name(priority: str) -> str:
    return i18n.gettext(PRIORITY_NAMES.get(priority, priority))


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
    return Markup(cleaned)


def tick(delivery: str) -> dict[str, str]:
    symbol, label = TICKS.get(delivery, ("", delivery))
    label = i18n.gettext(label)
    return {"symbol": symbol, "label": label, "state": delivery}


def waiting(since: dt.datetime | None, at: dt.datetime | None = None) -> str:
    """How long a customer has waited, in the unit an agent reads at a glance."""
    if since is None:
        return ""
    seconds = max(0, int(((at or now()) - since).total_seconds()))
    if seconds < 60:
        return i18n.gettext("<1 min")
    if seconds < 3600:
        return i18n.gettext("%(num)s min") % {"num": seconds // 60}
    if seconds < 86400:
        return i18n.gettext("%(num)s h") % {"num": seconds // 3600}
    return i18n.gettext("%(num)s d") % {"num": seconds // 86400}


class Segments(TypedDict):
    """How an SMS text is sent: its parts, encoding and length in that encoding's units."""

    segments: int
    encoding: str
    units: int


def sms_segments(text: str) -> Segments:
    """SMS parts a text needs: GSM-7 160 (153 when split), otherwise UCS-2 70 (67)."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, multi, encoding = 70, 67, "UCS-2"
    count = 0 if units == 0 else 1 if units <= single else -(-units // multi)
    return Segments(segments=count, encoding=encoding, units=units)


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
    """``phone:+45…`` as its kind, the kind's label (declared by its connector) and the value."""
    address = Address.from_key(key)
    label = i18n.gettext(AddressKind.named(address.kind).label)
    return {"kind": address.kind, "label": label, "value": address.value}


#: The address kinds' labels the hub's own connectors declare, for the catalogs.
KIND_LABELS = (N_("Phone"), N_("Email"), N_("Chat visitor"), N_("Telegram chat"))


def contact_title(name: str | None, key: str, origin: str | None = None) -> str:
    """What to call a contact: their name; an anonymous web visitor is "Visitor 4821" (a number
    stable for the visitor, never their token), "from shop.example" when the page is known."""
    if name:
        return name
    kind, _, value = key.partition(":")
    if kind != "visitor":
        return value or key
    number = int(hashlib.sha256(value.encode()).hexdigest(), 16) % 9000 + 1000
    host = urllib.parse.urlsplit(origin).hostname if origin else None
    return (
        i18n.gettext("Visitor %(number)s from %(host)s") % {"number": number, "host": host}
        if host
        else i18n.gettext("Visitor %(number)s") % {"number": number}
    )


#: The avatar of a contact known only by a phone number.
PHONE_SIGN = "\u260e"


def initials(name: str) -> str:
    """Up to two letters for an avatar: "Ann Lee" is AL, an address its first letter, and a
    phone number without a name a telephone sign (two digits read as a counter)."""
    name = name.partition(":")[2] if ":" in name and " " not in name else name
    digits = (
        name.replace("+", "").replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    )
    if digits.isdigit():
        return PHONE_SIGN
    words = [w for w in name.replace("@", " ").replace(".", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[1][0] if len(words) > 1 and "@" not in name else "")
    return letters.upper()


def sender_label(sender: Any, user_name: Any) -> str:
    """Who wrote a message: the person (by their current name), the bot, "API (key name)"."""
    kind, name = getattr(sender, "type", ""), getattr(sender, "name", None)
    if kind == "agent":
        return str(user_name(getattr(sender, "id", None)) or name or i18n.gettext("An agent"))
    if kind == "bot":
        return i18n.gettext("Bot: %(name)s") % {"name": name or "bot"}
    if kind == "api":
        return str(name or "API")
    if kind == "system":
        return "Parley"
    return str(name or i18n.gettext("Customer"))


def map_link(latitude: float, longitude: float) -> str:
    return f"https://www.openstreetmap.org/?mlat={latitude:.6f}&mlon={longitude:.6f}#map=16/{latitude:.6f}/{longitude:.6f}"


def since(at: dt.datetime | None) -> str:
    """A list's last-activity time: the time today, the date before (reader's zone and language)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    zone = i18n.current().zone
    if at.astimezone(zone).date() == now().astimezone(zone).date():
        return i18n.format_time(at)
    return i18n.format_date(at)


def local_time(at: dt.datetime | None) -> str:
    """A time as the reader reads it: their time zone, their language (Babel)."""
    return i18n.format_datetime(at, "medium") if at else ""


#: The preview the pipeline stores for a message with attachments and no text.
ATTACHMENT_PREVIEW = "[attachment]"


def preview(text: str | None) -> str:
    """A conversation's last-message preview, the stored "[attachment]" in the reader's language."""
    if text == ATTACHMENT_PREVIEW:
        return i18n.gettext("[attachment]")
    return text or ""


def duration(seconds: float | None) -> str:
    """A report's duration: ``—`` for none, else ``45 s``, ``12 min 5 s``, ``3 h 20 min``."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min {total % 60} s"
    return f"{total // 3600} h {total % 3600 // 60} min"


def install(env: jinja2.Environment) -> None:
    env.filters.update(
        duration=duration,
        safe_email_html=safe_email_html,
        waiting=waiting,
        preview=preview,
        local_time=local_time,
        since=since,
        short_time=i18n.format_time,
        local_date=i18n.format_date,
        number=i18n.format_number,
        money=i18n.format_currency,
        # A colleague in a calendar meeting is shown away (hub.centre.routing.availability).
        shown_presence=shown_presence,
        percent=i18n.format_percent,
    )
    env.globals.update(
        tick=tick,
        sms_segments=sms_segments,
        address_label=address_label,
        contact_title=contact_title,
        initials=initials,
        sender_label=sender_label,
        status_name=status_name,
        priority_name=priority_name,
        map_link=map_link,
        language_name=i18n.language_name,
    )
