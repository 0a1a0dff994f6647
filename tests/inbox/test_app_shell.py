"""The installable inbox's shell over HTTP: the manifest and its icons, /sw.js, the offline page.

The browser side (the worker registers, controls /inbox, answers offline, shows a push) is in
test_app_shell_browser.py.
"""

from __future__ import annotations

import json
import re
import struct

import httpx

from hub.models import User
from hub.web.static import shell_files
from tests.conftest import Running
from tests.inbox.conftest import add_user, session_client

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (always the first, at byte 8)."""
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _client(running: Running) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=running.app)
    return httpx.AsyncClient(transport=transport, base_url="http://hub.test")


def _worker_files(source: str) -> list[str]:
    found = re.search(r"^var FILES = (\[.*\]);$", source, re.M)
    assert found, source[:500]
    files: list[str] = json.loads(found.group(1))
    return files


async def test_the_manifest_names_the_inbox_app_and_every_icon_exists(running: Running) -> None:
    async with _client(running) as client:
        r = await client.get("/manifest.webmanifest", headers={"accept-encoding": "gzip"})
        assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
        assert r.headers["content-type"] == "application/manifest+json"
        assert "script-src 'self'" in r.headers["content-security-policy"]
        manifest = r.json()
        assert manifest["name"] == "Parley" and manifest["short_name"] == "Parley"
        assert manifest["start_url"] == "/inbox" and manifest["scope"] == "/inbox"
        assert manifest["id"] == "/inbox" and manifest["display"] == "standalone"
        assert manifest["theme_color"] == "#ffffff"  # the top bar (--panel in inbox.css)
        assert manifest["background_color"] == "#f5f6f8"  # the page (--bg)
        assert manifest["description"] and manifest["lang"] == "en"
        png_sizes: dict[tuple[int, int], set[str]] = {}
        for icon in manifest["icons"]:
            assert icon["src"].startswith("/static/app/") and "?v=" in icon["src"]
            got = await client.get(icon["src"])
            assert got.status_code == 200, icon
            assert got.headers["content-type"] == icon["type"]
            if icon["type"] == "image/png":
                width, height = _png_size(got.content)
                assert icon["sizes"] == f"{width}x{height}", icon
                png_sizes.setdefault((width, height), set()).add(icon["purpose"])
            else:
                assert icon["sizes"] == "any" and got.content.startswith(b"<svg")
        # What installing needs: 192 and 512 PNGs, and a maskable one for Android's shapes.
        assert "any" in png_sizes[(192, 192)] and "any" in png_sizes[(512, 512)]
        assert "maskable" in png_sizes[(512, 512)]


async def test_the_manifest_speaks_the_pages_language(running: Running) -> None:
    async with _client(running) as client:
        danish = (await client.get("/manifest.webmanifest?lang=da")).json()
        assert danish["lang"] == "da" and danish["description"].startswith("Parleys indbakke")
        browser = await client.get("/manifest.webmanifest", headers={"accept-language": "fr"})
        assert browser.json()["lang"] == "fr" and "Vary" in browser.headers
        unknown = (await client.get("/manifest.webmanifest?lang=xx")).json()
        assert unknown["lang"] == "en"


async def test_the_inbox_links_the_manifest_theme_and_touch_icon(
    running: Running, signed_in: httpx.AsyncClient
) -> None:
    page = await signed_in.get("/inbox")
    assert page.status_code == 200 and page.headers["content-language"] == "en"
    assert '<link rel="manifest" href="/manifest.webmanifest?lang=en">' in page.text
    assert '<meta name="theme-color" content="#ffffff">' in page.text
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', page.text)
    assert touch and 'src="/static/shell.js?v=' in page.text and "data-signed-in" in page.text
    async with _client(running) as client:
        icon = await client.get(touch.group(1))
        assert _png_size(icon.content) == (180, 180)
        login = await client.get("/login")
        assert "data-signed-in" not in login.text  # nobody to register a worker for


async def test_the_worker_is_served_at_the_root_for_the_inbox_scope(
    running: Running, signed_in: httpx.AsyncClient
) -> None:
    async with _client(running) as client:
        r = await client.get("/sw.js", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/inbox"
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["content-encoding"] == "gzip"  # compressed like every script
    assert "script-src 'self'" in r.headers["content-security-policy"]
    async with _client(running) as client:  # the browser's update check: unchanged, 304
        again = await client.get("/sw.js", headers={"if-none-match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        other = await client.get("/sw.js", headers={"if-none-match": '"0000"'})
        assert other.status_code == 200 and other.text == r.text
    files = _worker_files(r.text)
    assert files == shell_files() and not any(f.endswith(".LICENSE") for f in files)
    # Every static file the inbox page loads is in the worker's list, at the page's version.
    page = (await signed_in.get("/inbox")).text
    loaded = set(re.findall(r'(/static/[^"?]+\?v=[0-9a-f]+)"', page))
    assert loaded and loaded <= set(files), loaded - set(files)
    version = re.search(r'^var VERSION = "([0-9a-f]{12})";$', r.text, re.M)
    assert version, r.text[:400]
    # The worker never keeps pages or answers from the API: only its own files and the offline page.
    assert 'var OFFLINE = "/inbox/offline";' in r.text and 'var SCOPE = "/inbox";' in r.text


async def test_the_offline_page_speaks_the_users_language_and_names_nobody(
    running: Running, agent: User
) -> None:
    agent.language = "da"
    await agent.save()
    async with session_client(running, agent) as client:
        r = await client.get("/inbox/offline")
    assert r.status_code == 200 and r.headers["content-language"] == "da"
    assert "Ingen forbindelse til Parley" in r.text and 'lang="da"' in r.text
    assert agent.name not in r.text and agent.email not in r.text
    assert "data-signed-in" not in r.text and "/inbox/events" not in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    async with _client(running) as client:  # signed out: the browser's language
        anonymous = await client.get("/inbox/offline", headers={"accept-language": "sv"})
    assert anonymous.status_code == 200 and anonymous.headers["content-language"] == "sv"


async def test_the_offline_page_of_another_accounts_user_shows_only_their_language(
    running: Running, other_tenant: object, agent: User
) -> None:
    from tests.conftest import Tenant

    assert isinstance(other_tenant, Tenant)
    other = await add_user(other_tenant, "olga@globex.test", "agent", "Olga Other")
    other_tenant.account.language = "nl"
    await other_tenant.account.save()
    async with session_client(running, other) as client:
        r = await client.get("/inbox/offline")
    assert r.status_code == 200 and r.headers["content-language"] == "nl"
    for leaked in (agent.name, agent.email, other.name, other.email, other_tenant.account.name):
        assert leaked not in r.text
