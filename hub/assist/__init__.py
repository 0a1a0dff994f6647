"""Assist: AI on the account's own OpenAI-compatible model endpoint (DESIGN.md).

Reply drafts (streamed), summaries, label suggestions and translations, from the
account's endpoint (``settings``: the one setting; ``client``: plain httpx on the hub's
guarded client), with local language detection (``language``). Every use is audited and
counted (``usage``). Views call these; they hold no assist logic of their own.
"""

from hub.assist.drafts import Draft
from hub.assist.errors import AssistError
from hub.assist.features import (
    Translated,
    customer_language,
    suggest,
    suggest_labels,
    suggest_stream,
    summarize,
    translate,
)
from hub.assist.language import detect_language
from hub.assist.settings import agent_language, assist_ready, configure, features_on

__all__ = [
    "AssistError",
    "Draft",
    "Translated",
    "agent_language",
    "assist_ready",
    "configure",
    "customer_language",
    "detect_language",
    "features_on",
    "suggest",
    "suggest_labels",
    "suggest_stream",
    "summarize",
    "translate",
]
