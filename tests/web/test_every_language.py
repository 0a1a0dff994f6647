"""Every page in every language: no English UI text on a page rendered in da, sv, nb, nl or fr.

An admin of a PRO account with a team, a colleague and a conversation follows the links
from /inbox, /admin and /wallboard (one page per link shape, as ../shared/tools/page-audit
crawls) in each language; each page's visible text, title, placeholders and labels are
checked against the catalogs and the source literals (tests/web/untranslated.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from hub.centre.routing import teams
from hub.web import i18n, js_words
from tests.conftest import Running, make_tenant
from tests.inbox.conftest import add_user, post_inbound, session_client
from tests.web.untranslated import strings, texts_of

STARTS = ["/inbox", "/admin", "/wallboard"]
SKIP = re.compile(
    r"logout|/(delete|remove|revoke|disable|enable|resolve|reopen|close|assign|claim|take|"
    r"snooze|export|download|raw|events|stream)\b|\.(csv|json|txt|png|svg|pdf|zip)$|"
    r"^/(static|api|webhooks|widget/v1|media|files?)/"
)
ID = re.compile(r"^([0-9a-f]{24}|[0-9a-f-]{32,36}|\d+|[A-Za-z0-9_-]{20,})$")
LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#]*)"(?![^>]*\bdownload)')
NAMES = {"Acme", "Acme line", "Ann", "Support", "Dorthe Admin", "Alex Agent"}


def _shape(path: str) -> str:
    return re.sub(r"[^/]+", lambda m: ":id" if ID.match(m[0]) else m[0], path)


async def _crawl(client: httpx.AsyncClient, limit: int = 60) -> dict[str, str]:
    """The pages reachable from the start pages, one per link shape: path -> HTML."""
    queue, seen, shapes, found = list(STARTS), set(STARTS), set(), {}
    while queue and len(found) < limit:
        path = queue.pop(0)
        r = await client.get(path)
        if r.status_code != 200 or "text/html" not in r.headers.get("content-type", ""):
            continue
        found[path] = r.text
        for href in LINK.findall(r.text):
            u = urlsplit(href.replace("&amp;", "&"))
            if SKIP.search(u.path) or href in seen:
                continue
            seen.add(href)
            shape = (
                _shape(u.path),
                tuple(sorted(k.split("=")[0] for k in u.query.split("&") if k)),
            )
            if shape not in shapes:
                shapes.add(shape)
                queue.append(href)
    return found


async def test_no_english_on_any_page_in_any_language(running: Running) -> None:
    tenant = await make_tenant(running.hub, plan="PRO")
    assert tenant.account.id is not None
    admin = await add_user(tenant, "dorthe@acme.test", "admin", "Dorthe Admin")
    agent = await add_user(tenant, "alex@acme.test", "agent", "Alex Agent")
    assert agent.id is not None
    await teams.create_team(
        tenant.account.id, teams.TeamIn(name="Support", member_ids=[str(agent.id)])
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app), base_url="http://hub.test"
    ) as hooks:
        await post_inbound(hooks, tenant, "m1", "+4520123456", "Hello, where is my order?")

    found: dict[str, set[str]] = {}
    for lang in i18n.LANGUAGES:
        if lang == "en":
            continue
        await admin.set({"language": lang})
        client = session_client(running, admin)
        try:
            pages = await _crawl(client)
        finally:
            await client.aclose()
        assert len(pages) >= 20, sorted(pages)
        for path, html in pages.items():
            for text in texts_of(html) - NAMES:
                if "Hello, where is my order" in text:
                    continue
                if why := strings().classify(text, lang):
                    found.setdefault(f"{_shape(urlsplit(path).path)} {text!r} ({why})", set()).add(
                        lang
                    )
    report = "\n".join(f"{k} [{','.join(sorted(v))}]" for k, v in sorted(found.items()))
    assert not found, f"{len(found)} English string(s) on the pages:\n{report}"


def _flat(words: object, key: str = "") -> dict[str, str]:
    if isinstance(words, str):
        return {key: words}
    if isinstance(words, dict):
        return {
            k: v for name, item in words.items() for k, v in _flat(item, f"{key}.{name}").items()
        }
    assert isinstance(words, list)
    return {k: v for i, item in enumerate(words) for k, v in _flat(item, f"{key}[{i}]").items()}


def test_the_scripts_words_in_every_language() -> None:
    """The sentences the pages' scripts write (the #parley-words block: the SLA breach alert,
    typing, SMS segments, the hub out of reach) are in the reader's language, every one."""
    english = _flat(js_words.page_words())
    assert "SLA breached: %(target)s of %(conversation)s" in english.values()
    for lang in i18n.LANGUAGES:
        if lang == "en":
            continue
        with i18n.speaking(i18n.Speech(lang)):
            said = _flat(js_words.page_words())
        assert said.keys() == english.keys()
        for key, text in said.items():
            assert text != english[key], f"{lang}: {key} is English: {text!r}"
            assert not strings().classify(text, lang), f"{lang}: {key} {text!r}"
