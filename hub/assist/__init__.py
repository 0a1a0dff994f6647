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
    test_connection,
    translate,
)
from hub.assist.language import detect_language
from hub.assist.replies import (
    TranslatedReply,
    translate_inbound,
    translated_reply,
    worth_translating,
)
from hub.assist.settings import agent_language, assist_ready, configure, features_on
from hub.assist.usage import month_usage

__all__ = [
    "AssistError",
    "Draft",
    "Translated",
    "TranslatedReply",
    "agent_language",
    "assist_ready",
    "configure",
    "customer_language",
    "detect_language",
    "features_on",
    "month_usage",
    "suggest",
    "suggest_labels",
    "suggest_stream",
    "summarize",
    "test_connection",
    "translate",
    "translate_inbound",
    "translated_reply",
    "worth_translating",
]
