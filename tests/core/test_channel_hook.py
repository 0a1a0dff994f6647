"""``Connector.channel_changed``: told once a channel is saved; a refusal leaves nothing stored."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from hub.contract import ChannelChange, ChannelInfo, ConnectorError
from hub.errors import InvalidInput
from hub.models import Channel, UsageEvent
from hub.pipeline.services import Hub
from hub.tenants import accounts
from tests.conftest import CONNECTORS
from tests.fakes import EchoConnector


class HookedConnector(EchoConnector):
    """Registers its webhook "at the provider" and refuses configs named ``refuse``."""

    type: ClassVar[str] = "hooked"
    heard: ClassVar[list[tuple[str, str]]] = []

    async def channel_changed(self, channel: ChannelInfo, change: ChannelChange) -> None:
        if channel.name == "refuse":
            raise ConnectorError("the provider does not know this number")
        self.heard.append((change, channel.webhook_url))


@pytest.fixture
def connectors() -> dict[str, Any]:
    HookedConnector.heard = []
    return {**CONNECTORS, "hooked": HookedConnector}


async def test_added_channel_is_told_with_its_webhook_url(hub: Hub) -> None:
    account = await accounts.create_account("Acme", "HUB", 3)
    channel, shown = await accounts.create_channel(hub, account, "hooked", "Line", {})
    assert HookedConnector.heard == [("added", shown["webhook_url"])]
    channel.name = "Line 2"
    await channel.save()
    await accounts.channel_changed(hub, channel, "changed")
    channel.active = False
    await channel.save()
    await accounts.channel_changed(hub, channel, "removed")
    assert [change for change, _ in HookedConnector.heard] == ["added", "changed", "removed"]
    assert await hub.channels.resolve(channel.id) is None  # the cached copy went at once


async def test_refused_channel_leaves_nothing_stored(hub: Hub) -> None:
    account = await accounts.create_account("Acme", "HUB", 3)
    with pytest.raises(InvalidInput) as refused:
        await accounts.create_channel(hub, account, "hooked", "refuse", {})
    assert (refused.value.code, refused.value.field) == ("provider_refused", "config")
    assert "does not know this number" in refused.value.message
    assert await Channel.find(Channel.account_id == account.id).count() == 0
    fees = UsageEvent.find(
        UsageEvent.account_id == account.id, UsageEvent.kind == "channel_activation"
    )
    assert await fees.count() == 0


async def test_a_refusal_on_removal_is_only_logged(hub: Hub) -> None:
    account = await accounts.create_account("Acme", "HUB", 3)
    channel, _ = await accounts.create_channel(hub, account, "hooked", "Line", {})
    channel.name = "refuse"
    await accounts.channel_changed(hub, channel, "removed")  # does not raise
