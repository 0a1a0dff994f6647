"""The web chat channel config: origins normalized, business hours in the channel's time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from webchat_widget.config import BusinessHours, WebchatConfig


def test_origins_are_normalized_and_matched_exactly() -> None:
    config = WebchatConfig(
        allowed_origins=["https://Shop.Example/some/page", "http://127.0.0.1:8080"]
    )
    assert config.allowed_origins == ["http://127.0.0.1:8080", "https://shop.example"]
    assert config.allows("https://shop.example")
    assert not config.allows("http://shop.example")
    assert not config.allows("https://shop.example:444")
    assert not config.allows("https://evil.shop.example")
    assert not config.allows("null") and not config.allows(None)
    assert len(config.identity_secret) == 64
    assert (
        WebchatConfig(allowed_origins=["https://a.example"], identity_secret="kept").identity_secret
        == "kept"
    )
    with pytest.raises(ValidationError):
        WebchatConfig(allowed_origins=["https://a.example"], unknown_key=1)  # type: ignore[call-arg]


def test_business_hours_follow_the_time_zone() -> None:
    hours = BusinessHours(
        timezone="Europe/Copenhagen", days={"mon": [("09:00", "12:00"), ("13:00", "17:00")]}
    )
    monday_utc = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)  # a Monday; Copenhagen is UTC+1
    assert hours.is_open(monday_utc.replace(hour=8, minute=0))  # 09:00 local
    assert not hours.is_open(monday_utc.replace(hour=7, minute=59))
    assert not hours.is_open(monday_utc.replace(hour=11, minute=30))  # lunch, 12:30 local
    assert not hours.is_open(monday_utc.replace(hour=16, minute=0))  # 17:00 local: closed
    assert not hours.is_open(monday_utc + dt.timedelta(days=1, hours=9))  # Tuesday: not listed
    assert WebchatConfig(allowed_origins=["https://a.example"]).is_open(monday_utc)
