"""Assist's one error: a code, its HTTP status, a readable message (``hub.assist``)."""

from __future__ import annotations

from typing import Literal

AssistCode = Literal["assist_not_configured", "assist_feature_off", "assist_unavailable"]

STATUS: dict[AssistCode, int] = {
    "assist_not_configured": 409,
    "assist_feature_off": 403,
    "assist_unavailable": 502,
}


class AssistError(Exception):
    """Assist cannot answer: not set up (409), the feature is off (403), or the endpoint
    failed or timed out (502, its status or "timed out" in the message)."""

    def __init__(self, code: AssistCode, message: str) -> None:
        super().__init__(message)
        self.code: AssistCode = code
        self.status = STATUS[code]
        self.message = message
