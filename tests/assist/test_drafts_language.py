"""The draft splitter (any chunking gives the same drafts) and local language detection."""

from __future__ import annotations

import random

import pytest

from hub.assist import detect_language
from hub.assist.drafts import Splitter, split_whole

TEXT = (
    "Hello Anna,\nyour parcel left today.\n---\nHi Anna! It ships today.\n---\n"
    "Dear Anna, --- is not a separator here\nthanks\n---\na fourth draft is dropped"
)
EXPECTED = [
    "Hello Anna,\nyour parcel left today.",
    "Hi Anna! It ships today.",
    "Dear Anna, --- is not a separator here\nthanks",
]


def test_split_whole() -> None:
    assert split_whole(TEXT) == EXPECTED
    assert split_whole("---\nonly one\n---\n") == ["only one"]
    assert split_whole('{"suggestions": ["a", {"text": "b"}]}') == ["a", "b"]
    assert split_whole('["x", "y", "z", "w"]') == ["x", "y", "z"]


@pytest.mark.parametrize("seed", range(25))
def test_any_chunking_gives_the_same_drafts(seed: int) -> None:
    rng = random.Random(seed)
    splitter, parts, at = Splitter(), {}, 0
    while at < len(TEXT):
        size = rng.randint(1, 7)
        for draft in splitter.feed(TEXT[at : at + size]):
            parts[draft.index] = parts.get(draft.index, "") + draft.delta
        at += size
    for draft in splitter.close():
        parts[draft.index] = parts.get(draft.index, "") + draft.delta
    assert [parts[i].strip() for i in sorted(parts)] == EXPECTED


def test_first_words_are_not_held_back() -> None:
    splitter = Splitter()
    assert [d.delta for d in splitter.feed("Hello Anna, ")] == ["Hello Anna, "]
    assert [d.delta for d in splitter.feed("thanks\n-")] == ["thanks"]  # "\n-" may be a separator
    assert [(d.index, d.delta) for d in splitter.feed("--\nSecond")] == [(1, "Second")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour, je n'ai toujours pas reçu ma commande", "fr"),
        ("Hej, jeg har stadig ikke modtaget min pakke", "da"),
        ("Hej, jag har fortfarande inte fått mitt paket", "sv"),
        ("Hei, jeg har fortsatt ikke fått pakken min", "nb"),
        ("Hallo, ik heb mijn bestelling nog steeds niet ontvangen", "nl"),
        ("Hello, I still have not received my order", "en"),
        ("ok", None),
        ("Can I return a gift?", None),  # short and unsure (Norwegian?): not translated
        ("👍 12345", None),
    ],
)
def test_detect_language(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def test_channel_limits_name_the_length_and_the_reply_window() -> None:
    import datetime as dt

    from beanie import PydanticObjectId

    from hub.assist.prompts import channel_limits
    from hub.contract import Capabilities, now
    from hub.models import Conversation

    def conversation(hours_ago: float | None) -> Conversation:
        last = None if hours_ago is None else now() - dt.timedelta(hours=hours_ago)
        return Conversation.model_construct(
            account_id=PydanticObjectId(), channel_id=PydanticObjectId(),
            channel_type="whatsapp_cloud", contact_key="phone:+45", last_inbound_at=last,
        )  # fmt: skip

    whatsapp = Capabilities(reply_window=dt.timedelta(hours=24), max_text_length=4096)
    open_now = " ".join(channel_limits(conversation(2), whatsapp))
    assert (
        "at most 4096 characters" in open_now and "closes in about 21 h" in open_now
    )  # 22 h less a moment, rounded down
    closed = " ".join(channel_limits(conversation(30), whatsapp))
    assert "reply window has closed" in closed and "template" in closed
    sms = " ".join(
        channel_limits(conversation(1), Capabilities(max_text_length=1600, segments=True))
    )
    assert "at most 1600 characters (an SMS" in sms and "window" not in sms
