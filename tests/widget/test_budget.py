"""The widget's size budget: loader <= 5 KB and chat UI <= 30 KB, gzipped as served."""

from __future__ import annotations

import gzip

import httpx

LOADER_BUDGET = 5 * 1024
CHAT_BUDGET = 30 * 1024


async def _gzipped(client: httpx.AsyncClient, path: str) -> int:
    response = await client.get(path)
    assert response.status_code == 200, path
    return len(gzip.compress(response.content, compresslevel=9))


async def test_size_budget(client: httpx.AsyncClient) -> None:
    loader = await _gzipped(client, "/widget/v1/loader.js")
    chat = sum([await _gzipped(client, f"/widget/v1/{name}") for name in ("chat.js", "chat.css")])
    print(f"loader.js {loader} B gzipped; chat.js + chat.css {chat} B gzipped")
    assert 0 < loader <= LOADER_BUDGET
    assert 0 < chat <= CHAT_BUDGET
