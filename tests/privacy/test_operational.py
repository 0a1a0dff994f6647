"""Operational surfaces: HSTS with an https public URL; /metrics only with PARLEY_METRICS_TOKEN
as a bearer token, or from loopback when it is unset."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from hub.settings import Settings
from tests.conftest import Running, start_app


def _from(running: Running, address: str, base: str = "http://hub.test") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=running.app, client=(address, 4321))
    return httpx.AsyncClient(transport=transport, base_url=base)


async def test_every_page_sends_hsts_with_an_https_public_url(
    settings: Settings, connectors: dict[str, Any]
) -> None:
    secure = dataclasses.replace(settings, public_url="https://hub.test")
    async for running in start_app(secure, connectors):
        async with _from(running, "127.0.0.1", "https://hub.test") as client:
            for path in ("/login", "/healthz", "/api/v1/channels", "/no/such/page"):
                r = await client.get(path)
                hsts = r.headers.get("strict-transport-security", "")
                assert (
                    "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 15552000
                ), path


async def test_no_hsts_over_plain_http(running: Running) -> None:
    r = await running.client.get("/login")
    assert "strict-transport-security" not in r.headers


async def test_metrics_need_the_token_when_it_is_set(
    settings: Settings, connectors: dict[str, Any]
) -> None:
    guarded = dataclasses.replace(settings, metrics_token="scrape-me-please")
    async for running in start_app(guarded, connectors):
        async with _from(running, "127.0.0.1") as local:
            assert (await local.get("/metrics")).status_code == 401  # loopback is not enough
            wrong = {"Authorization": "Bearer nope"}
            assert (await local.get("/metrics", headers=wrong)).status_code == 401
        async with _from(running, "203.0.113.5") as remote:
            right = {"Authorization": "Bearer scrape-me-please"}
            r = await remote.get("/metrics", headers=right)
            assert r.status_code == 200 and "parley_" in r.text


async def test_metrics_without_a_token_answer_loopback_only(running: Running) -> None:
    async with _from(running, "203.0.113.5") as remote:
        r = await remote.get("/metrics")
        assert r.status_code == 403 and "parley_" not in r.text
    async with _from(running, "::1") as local:
        assert (await local.get("/metrics")).status_code == 200
    async with _from(running, "127.0.0.1") as local:
        assert (await local.get("/metrics")).status_code == 200
