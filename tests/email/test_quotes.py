"""Quote folding and HTML cleaning on their own, for the shapes the client fixtures do not cover."""

from __future__ import annotations

import pytest

from connectors.email.charsets import decode_bytes, decode_header_value
from connectors.email.quotes import fold_text, split_html
from connectors.email.sanitize import clean_html, html_to_text


@pytest.mark.parametrize(
    ("body", "text", "quoted_start"),
    [
        ("Yes.\n\nAm 23.11.2026 um 10:00 schrieb Acme <s@acme.example>:\n> alt", "Yes.", "Am 23"),
        ("Oui.\n\nLe lun. 23 nov. 2026 à 10:00, Acme a écrit :\n> old", "Oui.", "Le lun."),
        ("Fine\n\n-----Original Message-----\nFrom: x\nold", "Fine", "-----Original"),
        ("Fine\n\nFrom: Acme <s@a.example>\nSent: Monday\nTo: me\n\nold", "Fine", "From: Acme"),
        ("Short answer\n\n> quoted line\n> another", "Short answer", "> quoted line"),
        ("no quote at all\n-- \nsig", "no quote at all\n-- \nsig", None),
        # Inline answers between quoted lines: folding would hide them, so nothing is folded.
        ("Hi\n\nOn Mon, X wrote:\n> q1\nanswer 1\n> q2\nanswer 2", None, None),
    ],
)
def test_fold_text(body: str, text: str | None, quoted_start: str | None) -> None:
    folded = fold_text(body)
    assert folded.text == (text if text is not None else body)
    if quoted_start is None:
        assert folded.quoted == ""
    else:
        assert folded.quoted.startswith(quoted_start)


def test_split_html_apple_and_thunderbird() -> None:
    apple = (
        '<div>Top</div><div><br><blockquote type="cite"><div>On x wrote:</div></blockquote></div>'
    )
    assert split_html(apple) == (
        "<div>Top</div><div><br></div>",
        '<blockquote type="cite"><div>On x wrote:</div></blockquote>',
    )
    thunderbird = (
        '<div class="moz-cite-prefix">On x wrote:<br></div>\n'
        '<blockquote type="cite"><blockquote type="cite">a</blockquote>old</blockquote>\n'
        "<p>New, under the quote</p>"
    )
    new, quoted = split_html(thunderbird)
    assert new.strip() == "<p>New, under the quote</p>"
    assert quoted.endswith("old</blockquote>")


def test_clean_html_keeps_cid_and_parks_remote_images() -> None:
    cleaned = clean_html(
        '<img alt="a&quot; src=&quot;x" src="http://t.example/p.gif">'
        '<img src="cid:logo@x"><img src="data:image/png;base64,AAAA">'
    )
    assert cleaned == (
        '<img alt="a&quot; src=&quot;x" data-remote-src="http://t.example/p.gif">'
        '<img src="cid:logo@x"><img>'
    )


def test_html_to_text() -> None:
    assert (
        html_to_text("<p>Hi <b>there</b></p><div>next&nbsp;line</div>") == "Hi there\n\nnext line"
    )


def test_charset_fallbacks() -> None:
    assert decode_bytes("ü".encode("cp1252"), "utf-8") == "ü"  # mislabelled: falls back
    assert decode_bytes("€".encode("cp1252"), "iso-8859-1") == "€"  # latin-1 label, Windows text
    assert decode_bytes(b"caf\xc3\xa9", "x-made-up") == "café"
    assert decode_header_value("=?gb2312?B?1tDOxA==?= plain") == "中文 plain"


@pytest.mark.parametrize(
    "raw",
    [
        # Raw UTF-8 headers (RFC 6532) and raw Latin-1 ones from broken senders.
        "From: Zoë <zoe@example.org>\r\nSubject: Grüße\r\nMessage-ID: <ü@x.org>\r\n\r\nHällo\r\n".encode(),
        "From: Zoë <zoe@example.org>\r\nSubject: Grüße\r\n\r\nHällo\r\n".encode("latin-1"),
        # A broken encoded word, a bogus charset, junk between references, bad base64.
        b"From: a@b.example\r\nSubject: =?utf-8?b?broken\r\nReferences: ,, <r1@x> junk <r2@x>\r\n"
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b'Content-Type: text/plain; charset="bogus"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        b"!!!not-base64\r\n--x\r\nContent-Type: application/pdf; name*=utf-8''%FF%FE\r\n\r\nxx\r\n",
    ],
    ids=["utf8-headers", "latin1-headers", "broken-parts"],
)
def test_broken_mail_still_parses_to_storable_text(raw: bytes) -> None:
    import bson

    from connectors.email.parse import parse_mail

    [message] = parse_mail(raw).messages
    bson.encode(message.model_dump())  # no lone surrogates reach the database
    assert message.sender.value.endswith(("example.org", "b.example"))
    if b"References" in raw:
        assert message.thread_refs == ["r1@x", "r2@x"]
    else:
        assert message.subject == "Grüße" and message.text == "Hällo"


def test_huge_bodies_are_capped_and_flagged() -> None:
    from connectors.email import parse

    line = "All work and no play makes Jack a dull boy. " * 2 + "\n"
    body = line * (parse.MAX_TEXT // len(line) + 500)
    html = "<p>" + "x" * (parse.MAX_HTML + 1000) + "</p>"
    raw = (
        "From: a@b.example\r\nMessage-ID: <big@b.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n'
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--b\r\n"
        f"Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b--\r\n"
    ).encode()
    [message] = parse.parse_mail(raw).messages
    assert message.metadata["truncated"] is True
    assert len(message.text) <= parse.MAX_TEXT
    assert message.text.startswith("All work and no play")
    assert message.html is not None and len(message.html) <= parse.MAX_HTML + 20
    assert message.html.startswith("<p>xxx") and message.html.endswith("</p>")
