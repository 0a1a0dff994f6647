"""What travels: compressed pages, versioned static files cached for a year, a favicon, and
styled 404 and 500 pages with a way back (JSON for programs)."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.web import fallback
from hub.web.static import static_url
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, session_client

HTML = {"Accept": "text/html,*/*", "Accept-Encoding": "gzip, br"}


async def test_pages_are_compressed_and_assets_versioned(running: Running, tenant: Tenant) -> None:
    admin = await add_user(tenant, "ada@acme.test", "admin", "Ada")
    client = session_client(running, admin)
    page = await client.get("/admin/users", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-encoding"] in ("zstd", "br", "gzip")
    assert "Users" in page.text  # decoded by the client
    css = re.search(r'href="(/static/inbox\.css\?v=[0-9a-f]{12})"', page.text)
    assert css and css.group(1) == static_url("inbox.css")
    versioned = await client.get(css.group(1), headers=HTML)
    assert versioned.status_code == 200
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert versioned.headers["content-encoding"] in ("zstd", "br", "gzip")
    bare = await client.get("/static/icons.svg", headers=HTML)
    assert bare.status_code == 200 and bare.headers["cache-control"] == "no-cache"
    missing = await client.get("/static/nothing.js", headers=HTML)
    assert missing.status_code == 404 and "cache-control" not in missing.headers
    await client.aclose()


async def test_favicon_and_a_styled_not_found(running: Running, tenant: Tenant) -> None:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app), base_url="http://hub.test"
    )
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 301 and icon.headers["location"] == static_url("favicon.svg")
    assert (
        (await client.get(icon.headers["location"]))
        .headers["content-type"]
        .startswith("image/svg+xml")
    )
    page = await client.get("/nothing-here", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in page.text
    assert 'href="/inbox"' in page.text and "/static/inbox.css?v=" in page.text
    machine = await client.get("/webhooks/nothing/here", headers={"Accept": "application/json"})
    assert machine.status_code in (404, 405)
    assert machine.headers["content-type"] == "application/json"
    await client.aclose()
    # The page speaks the browser's language.
    danish = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app), base_url="http://hub.test"
    )
    page = await danish.get("/nothing-here", headers={**HTML, "Accept-Language": "da"})
    assert "There is no page at this address." not in page.text and 'lang="da"' in page.text
    await danish.aclose()


async def test_a_failure_is_a_styled_500_page() -> None:
    async def boom(request: Request) -> Response:
        raise RuntimeError("a bug")

    app = Starlette(
        routes=[Route("/boom", boom), Route("/api/boom", boom)],
        exception_handlers={500: fallback.server_error},
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        page = await client.get("/boom", headers=HTML)
        assert page.status_code == 500 and "Something went wrong on our side." in page.text
        assert 'href="/inbox"' in page.text and "a bug" not in page.text
        api = await client.get("/api/boom")
        assert api.status_code == 500 and api.json()["error"]["code"] == "internal_error"
