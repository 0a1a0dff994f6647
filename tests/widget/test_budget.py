"""The widget's size budget: loader <= 3 KB and chat UI <= 20 KB, gzipped as served."""

from __future__ import annotations

import gzip

import httpx

from tests.conftest import Tenant
from tests.widget.conftest import SHOP

LOADER_BUDGET = 3 * 1024
CHAT_BUDGET = 20 * 1024


async def _gzipped(client: httpx.AsyncClient, path: str) -> int:
    response = await client.get(path)
    assert response.status_code == 200, path
    return len(gzip.compress(response.content, compresslevel=9))


async def test_size_budget(client: httpx.AsyncClient, chat: Tenant) -> None:
    loader = await _gzipped(client, "/widget/v1/loader.js")
    frame = f"/widget/v1/frame?channel={chat.channel.id}&origin={SHOP}"
    parts = [frame, "/widget/v1/chat.js", "/widget/v1/chat.css"]
    ui = sum([await _gzipped(client, path) for path in parts])
    print(f"loader {loader} B gzipped; chat UI (frame, chat.js, chat.css) {ui} B gzipped")
    assert 0 < loader <= LOADER_BUDGET
    assert 0 < ui <= CHAT_BUDGET
