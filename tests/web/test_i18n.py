"""Six languages: the negotiation order, translated pages, localized dates, complete catalogs."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from babel.messages.pofile import read_po

from hub.web import i18n

PLACEHOLDER = re.compile(r"%\(\w+\)s")
TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT_LANGUAGE]


def test_user_then_account_then_browser() -> None:
    assert i18n.negotiate("da", "fr", "sv") == "da"
    assert i18n.negotiate(None, "fr", "sv") == "fr"
    assert i18n.negotiate(None, None, "de-DE,nl;q=0.8,en;q=0.5") == "nl"
    assert i18n.negotiate(None, None, "en;q=0.2, sv-SE;q=0.9") == "sv"
    assert i18n.negotiate(None, None, "no") == "nb"
    assert i18n.negotiate("xx", None, "de") == "en"


def test_dates_follow_language_and_time_zone() -> None:
    at = dt.datetime(2026, 3, 2, 13, 5, tzinfo=dt.UTC)
    with i18n.speaking(i18n.Speech("da", "Europe/Copenhagen")):
        assert i18n.format_time(at) == "14.05"
        assert "mar" in i18n.format_date(at)
    with i18n.speaking(i18n.Speech("en", "UTC")):
        assert i18n.format_time(at) == "1:05\u202fPM"
    with i18n.speaking(i18n.Speech("fr")):
        assert i18n.format_number(1234.5) == "1\u202f234,5"


def test_catalogs_translate_every_string() -> None:
    """Every string the pages mark is translated in all five catalogs (run `make messages`)."""
    with open(i18n.LOCALE_DIR / "messages.pot", "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    for lang in TRANSLATED:
        with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
            catalog = read_po(f, locale=lang)
        missing = sorted(
            str(m)
            for m in wanted
            if not (catalog.get(m) and catalog.get(m).string)  # type: ignore[union-attr]
        )
        assert not missing, f"{lang} lacks translations for {missing[:10]}"
        for message in catalog:
            if message.id and message.string:
                wanted_names = set(PLACEHOLDER.findall(str(message.id)))
                assert set(PLACEHOLDER.findall(str(message.string))) == wanted_names, (
                    f"{lang}: {message.id!r} -> {message.string!r} changes its placeholders"
                )


async def test_sign_in_page_in_the_browsers_language(client: httpx.AsyncClient) -> None:
    r = await client.get("/login", headers={"accept-language": "da-DK,da;q=0.9,en;q=0.5"})
    assert r.status_code == 200
    assert '<html lang="da">' in r.text and "Log ind på Parley" in r.text
    r = await client.get("/login", headers={"accept-language": "fr"})
    assert "Se connecter à Parley" in r.text
    r = await client.get("/login")
    assert '<html lang="en">' in r.text and "Sign in to Parley" in r.text
