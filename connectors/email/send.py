"""Outbound mail: compose a threaded reply and submit it over SMTP with aiosmtplib.

Every mail gets our own Message-ID (on the channel address's domain); that id
is what the hub stores as the message's provider id, so a customer's answer
(In-Reply-To/References) finds the conversation again. SMTP answers map to the
contract's errors: 4xx and connection trouble are retryable, 5xx permanent.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import socket
import ssl
from email import policy
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal

import aiosmtplib
from pydantic import BaseModel

from hub.contract import (
    Attachment,
    HubServices,
    OutboundMessage,
    PermanentSendError,
    RetryableSendError,
    now,
)

from .sanitize import html_to_text

#: A run of reply prefixes in the languages clients localize them to (Re, AW, SV, Antw, Odp, VS).
_REPLY_PREFIXES = re.compile(r"^\s*((re|aw|sv|antw|odp|vs)(\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE)
#: References can grow without end in a long thread; keep the root and the latest ids.
MAX_REFERENCES = 20
SMTP_TIMEOUT = 30.0
#: Bodies as quoted-printable or base64, whichever is shorter: 7-bit clean mail passes
#: every relay, including the ones that do not offer 8BITMIME.
SEVEN_BIT = policy.default.clone(cte_type="7bit")


class SmtpSettings(BaseModel):
    """Where and how a channel submits mail (a subset of the channel config)."""

    address: str
    from_name: str | None = None
    smtp_host: str
    smtp_port: int
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_ca_file: str | None = None
    smtp_verify: bool = True


#: The one answer to every unusable ``smtp_ca_file``: it says nothing about the server's files.
CA_REFUSED = (
    "smtp_ca_file must name a PEM file of CA certificates in the directory the operator "
    "allows (PARLEY_CA_DIR)"
)


def allowed_ca_file(value: str, ca_dir: str | None) -> str:
    """The real path of ``value`` (a name in ``ca_dir``, or a path inside it) when it is a
    readable PEM file of CA certificates there; ``ValueError(CA_REFUSED)`` for anything else,
    the same whether the file is missing, unreadable, not PEM, or outside (links resolved)."""
    if not ca_dir:
        raise ValueError(CA_REFUSED)
    root = os.path.realpath(ca_dir)
    path = os.path.realpath(os.path.join(root, value))
    if os.path.commonpath([root, path]) != root or path == root:
        raise ValueError(CA_REFUSED)
    try:
        ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError, ValueError):
        raise ValueError(CA_REFUSED) from None
    return path


def tls_context(settings: SmtpSettings, ca_dir: str | None = None) -> ssl.SSLContext:
    """The TLS context for the relay: the system's CAs, or ``smtp_ca_file``'s (a private CA or a
    self-signed relay certificate, from the operator's ``ca_dir`` only); ``smtp_verify: false``
    checks nothing (unsafe: anyone on the path can read and change the mail)."""
    cafile = allowed_ca_file(settings.smtp_ca_file, ca_dir) if settings.smtp_ca_file else None
    context = ssl.create_default_context(cafile=cafile)
    if not settings.smtp_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def new_message_id(domain: str) -> str:
    """A fresh ``<unique@domain>`` Message-ID (the conformance kit pins it to a known id)."""
    return make_msgid(domain=domain)


def reply_subject(subject: str | None, is_reply: bool) -> str:
    """``Re: <subject>`` for replies, never ``Re: Re:``; a neutral subject when there is none."""
    base = (subject or "").strip()
    if not is_reply:
        return base or "(no subject)"
    rest = _REPLY_PREFIXES.sub("", base).strip()
    return f"Re: {rest}" if rest else "Re: (no subject)"


def compose(
    settings: SmtpSettings, message: OutboundMessage, files: list[tuple[Attachment, bytes]]
) -> tuple[EmailMessage, str]:
    """The MIME message for ``message`` and its Message-ID (without brackets)."""
    domain = settings.address.rsplit("@", 1)[-1]
    msgid = new_message_id(domain)
    mail = EmailMessage(policy=SEVEN_BIT)
    mail["From"] = HeaderAddress(display_name=settings.from_name or "", addr_spec=settings.address)
    mail["To"] = HeaderAddress(display_name=message.to.name or "", addr_spec=message.to.value)
    mail["Subject"] = reply_subject(message.subject, bool(message.thread_refs or message.reply_to))
    mail["Date"] = format_datetime(now())
    mail["Message-ID"] = msgid
    if message.auto_reply:  # RFC 3834: other responders must not answer it
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"
    refs = _references(message)
    if refs:
        mail["In-Reply-To"] = f"<{message.reply_to or refs[-1]}>"
        mail["References"] = " ".join(f"<{ref}>" for ref in refs)
    mail.set_content(message.text or html_to_text(message.html or ""))
    mail.add_alternative(message.html or text_to_html(message.text), subtype="html")
    for attachment, data in files:
        maintype, _, subtype = attachment.content_type.partition("/")
        mail.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename or "attachment",
        )
    return mail, msgid.strip("<>")


def _references(message: OutboundMessage) -> list[str]:
    ids = [*message.thread_refs, *([message.reply_to] if message.reply_to else [])]
    refs = list(dict.fromkeys(ref.strip("<>") for ref in ids if ref))
    if len(refs) > MAX_REFERENCES:
        refs = [refs[0], *refs[-(MAX_REFERENCES - 1) :]]
    return refs


def text_to_html(text: str) -> str:
    """A plain reply as simple HTML (escaped, paragraphs and line breaks kept)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)
    return f'<!DOCTYPE html>\n<html><body>\n<div dir="auto">\n{body}</div>\n</body></html>\n'


async def connect(address: str, port: int) -> socket.socket:
    """A TCP connection to ``address`` (already checked by the hub's outbound guard)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        async with asyncio.timeout(SMTP_TIMEOUT):
            await asyncio.get_running_loop().sock_connect(sock, (address, port))
    except BaseException:
        sock.close()
        raise
    return sock


async def submit(settings: SmtpSettings, mail: EmailMessage, hub: HubServices) -> None:
    """Hand the message to the channel's SMTP server; raises the contract's send errors.

    The relay is an account-supplied host: the hub resolves and checks it right before
    the connection (``HubServices.outbound_address``), and the connection goes to the
    address it checked; TLS still verifies the certificate against ``smtp_host``.
    """
    try:
        context = tls_context(settings, hub.ca_dir) if settings.smtp_security != "none" else None
    except ValueError as exc:  # the directory or the file changed since the channel was saved
        raise PermanentSendError("smtp_ca_file", str(exc)) from None
    address = await hub.outbound_address(settings.smtp_host, settings.smtp_port)
    try:
        sock = await connect(address, settings.smtp_port)
    except (OSError, TimeoutError) as exc:
        raise RetryableSendError("smtp_connection", str(exc) or type(exc).__name__) from None
    try:
        await aiosmtplib.send(
            mail,
            hostname=settings.smtp_host.strip("[]"),
            sock=sock,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            tls_context=context,
            timeout=SMTP_TIMEOUT,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        first = exc.recipients[0] if exc.recipients else None
        raise _by_code(first.code if first else 550, first.message if first else str(exc)) from None
    except aiosmtplib.SMTPResponseException as exc:
        raise _by_code(exc.code, exc.message) from None
    except aiosmtplib.SMTPNotSupported as exc:
        raise PermanentSendError("smtp_not_supported", str(exc)) from None
    except aiosmtplib.SMTPException as exc:
        # aiosmtplib reports a missing STARTTLS or AUTH extension as a plain SMTPException;
        # retrying cannot help, and falling back to plain text must not happen.
        if "extension not supported" in str(exc):
            raise PermanentSendError("smtp_not_supported", str(exc)) from None
        raise RetryableSendError("smtp_connection", str(exc) or type(exc).__name__) from None
    except (OSError, TimeoutError) as exc:
        raise RetryableSendError("smtp_connection", str(exc) or type(exc).__name__) from None
    finally:
        sock.close()


def _by_code(code: int, text: str) -> RetryableSendError | PermanentSendError:
    if 400 <= code < 500:
        return RetryableSendError(str(code), text)
    if code >= 500:
        return PermanentSendError(str(code), text)
    return RetryableSendError(str(code), text or "unexpected SMTP answer")
