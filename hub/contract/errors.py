"""The errors a connector raises; the hub maps each to its answer or retry."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of the errors a connector raises."""


class SignatureError(ConnectorError):
    """The request is not from the provider: answered 403."""


class MalformedRequest(ConnectorError):
    """The request is from the provider (or unsigned) but cannot be read: answered 400."""


class OutsideReplyWindow(ConnectorError):
    """Free text cannot be sent now (e.g. WhatsApp's 24-hour window): send a template."""

    code = "outside_reply_window"


class RetryableSendError(ConnectorError):
    """A send that may succeed later (rate limit, 5xx, network): the outbox retries it."""

    def __init__(self, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after


class PermanentSendError(ConnectorError):
    """A send that will never succeed as it is: the message ends ``failed`` with this reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class MediaTooLarge(ConnectorError):
    """Media over the channel's size limit."""
