"""How stored things are shown: SMS segments, CRM links, email HTML, waiting times."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.contract import Attachment
from hub.models import Contact
from hub.web.display import crm_link, safe_email_html, sms_segments, waiting


@pytest.mark.parametrize(
    ("text", "segments", "encoding"),
    [
        ("", 0, "GSM-7"),
        ("a" * 160, 1, "GSM-7"),
        ("a" * 161, 2, "GSM-7"),
        ("a" * 306, 2, "GSM-7"),
        ("a" * 307, 3, "GSM-7"),
        ("€" * 80, 1, "GSM-7"),  # an extension character counts twice
        ("€" * 81, 2, "GSM-7"),
        ("ł" * 70, 1, "UCS-2"),
        ("ł" * 71, 2, "UCS-2"),
        ("a" * 134 + "😀", 3, "UCS-2"),  # an emoji is two UCS-2 units: 136 > 134
    ],
)
def test_sms_segments(text: str, segments: int, encoding: str) -> None:
    assert sms_segments(text)["segments"] == segments
    assert sms_segments(text)["encoding"] == encoding


def test_crm_link_encodes_placeholders() -> None:
    contact = Contact.model_construct(phone="+45 12&34", email="a+b@x.example")
    url = crm_link("https://crm.example/search?phone={phone}&mail={email}", contact)
    assert url == "https://crm.example/search?phone=%2B45%2012%2634&mail=a%2Bb%40x.example"
    assert crm_link("javascript:alert({phone})", contact) is None
    assert crm_link(None, contact) is None
    assert (
        crm_link("https://crm.example/?p={phone}", Contact.model_construct(phone=None, email=None))
        is None
    )


def test_email_html_is_cleaned_at_render() -> None:
    cid = Attachment(id="f" * 24, content_type="image/png", content_id="<img1@x>")
    html = (
        '<div style="position:fixed"><style>*{display:none}</style><form action="/x"><input name="q"></form>'
        '<img src="cid:img1@x"><img src="https://track.example/pixel.gif"><a href="https://ok.example/" '
        'onmouseover="x()">ok</a><svg onload="x()"></svg><script>x()</script></div>'
    )
    out = str(safe_email_html(html, [cid]))
    assert f'<img src="/inbox/media/{"f" * 24}">' in out
    for banned in (
        "style",
        "<form",
        "<input",
        "track.example",
        "onmouseover",
        "<svg",
        "<script",
        "x()",
    ):
        assert banned not in out, banned
    assert 'href="https://ok.example/"' in out and "noopener" in out


def test_waiting() -> None:
    at = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert waiting(None, at) == ""
    assert waiting(at - dt.timedelta(seconds=30), at) == "<1 min"
    assert waiting(at - dt.timedelta(minutes=5), at) == "5 min"
    assert waiting(at - dt.timedelta(hours=3), at) == "3 h"
    assert waiting(at - dt.timedelta(days=2), at) == "2 d"


def test_anonymous_visitors_get_a_readable_name() -> None:
    from hub.web.display import contact_title

    named = contact_title(None, "visitor:anon:dtanzJZ5Qx")
    assert named.startswith("Visitor ") and "anon" not in named and "dtanz" not in named
    assert named == contact_title(None, "visitor:anon:dtanzJZ5Qx")  # stable for the visitor
    with_page = contact_title(None, "visitor:anon:dtanzJZ5Qx", "https://shop.example")
    assert with_page == f"{named} from shop.example"
    assert contact_title("Ann", "visitor:anon:x") == "Ann"
    assert contact_title(None, "phone:+4512345678") == "+4512345678"


def test_avatars_of_names_addresses_and_numbers() -> None:
    from hub.web.display import PHONE_SIGN, initials

    assert initials("Ann Lee") == "AL"
    assert initials("ann@example.com") == "A"
    # A number has no initials: a telephone sign, not its last two digits (read as a count).
    for number in ("+45 12 34 56 78", "phone:+4512345678", "+1 (555) 010-0199"):
        assert initials(number) == PHONE_SIGN
