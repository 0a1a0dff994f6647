"""Languages of the pages: gettext catalogs (Babel), the language and time zone of a request.

The inbox, admin, wallboard and the mails Parley sends speak the six languages of
the widget: English, Danish, Swedish, Norwegian Bokmål, Dutch and French. A user's
own ``language`` comes first, then the account's default, then the browser's
``Accept-Language``. Catalogs are the ``.po`` files in ``hub/locale/<lang>/LC_MESSAGES``
(``make messages`` extracts and merges them with Babel); they are compiled in memory
at first use, so no build step produces binary files. Dates and numbers are
formatted by Babel for the same locale, in the user's time zone.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import babel.dates
import babel.numbers
from babel.core import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES: dict[str, str] = {
    "en": "English",
    "da": "Dansk",
    "sv": "Svenska",
    "nb": "Norsk bokmål",
    "nl": "Nederlands",
    "fr": "Français",
}
DEFAULT_LANGUAGE = "en"
#: Offered first in the preferences: the seeds' markets, then Europe's other usual zones.
COMMON_ZONES = (
    "Europe/Copenhagen", "Europe/Stockholm", "Europe/Oslo", "Europe/Amsterdam", "Europe/Paris",
    "Europe/Brussels", "Europe/Berlin", "Europe/Helsinki", "Europe/London", "UTC",
)  # fmt: skip
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@dataclass(frozen=True)
class Speech:
    """How one request is spoken to: its language and time zone."""

    language: str = DEFAULT_LANGUAGE
    timezone: str = "UTC"

    @property
    def zone(self) -> dt.tzinfo:
        try:
            return ZoneInfo(self.timezone)
        except (KeyError, ValueError):
            return dt.UTC


_current: contextvars.ContextVar[Speech] = contextvars.ContextVar("speech", default=Speech())  # noqa: B039 - Speech is frozen


def current() -> Speech:
    return _current.get()


@contextlib.contextmanager
def speaking(speech: Speech) -> Iterator[None]:
    """Render (or send mail) in ``speech`` for the length of the block."""
    token = _current.set(speech)
    try:
        yield
    finally:
        _current.reset(token)


def negotiate(
    user_language: str | None, account_language: str | None, accept_language: str | None
) -> str:
    """The first supported of: the user's choice, the account's default, the browser's list."""
    for choice in (user_language, account_language):
        if choice in LANGUAGES:
            return choice
    for tag in _accepted(accept_language or ""):
        base = tag.split("-")[0]
        if base in ("no", "nn"):  # Norwegian without a variant reads Bokmål here
            base = "nb"
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def _accepted(header: str) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first."""
    weighted = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            with contextlib.suppress(ValueError):
                quality = float(params.strip()[2:])
        if tag and quality > 0:
            weighted.append((-quality, index, tag.lower()))
    return [tag for _, _, tag in sorted(weighted)]


@functools.cache
def translations(language: str) -> NullTranslations:
    """The catalog of ``language``, compiled in memory from its ``.po`` file (cached)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def gettext(message: str) -> str:
    return translations(current().language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current().language).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a module-level string for the catalogs; it is translated (``gettext``) where shown."""
    return message


def _locale() -> Locale:
    try:
        return Locale.parse(current().language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


def language_name(code: str | None) -> str:
    """A language code (``fr``) named in the request's language (``French``, ``fransk``)."""
    if not code:
        return ""
    name = _locale().languages.get(code.lower().replace("-", "_"))
    return name or code


def format_datetime(at: dt.datetime | None, form: str = "medium") -> str:
    """``at`` in the request's time zone and language (``short``, ``medium``, ``long``)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return babel.dates.format_datetime(at, form, tzinfo=current().zone, locale=_locale())


def format_time(at: dt.datetime | None) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return babel.dates.format_time(at, "short", tzinfo=current().zone, locale=_locale())


def format_date(day: dt.date | dt.datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = day.astimezone(current().zone).date()
    return babel.dates.format_date(day, "medium", locale=_locale())


def format_moment(
    at: dt.datetime | None, zone: dt.tzinfo | None = None, time_only: bool = False
) -> str:
    """``at`` as weekday, day, month and time (``Mon, Mar 2 10:05``; ``man. 2. mar. 10.05``)
    in the request's language, in ``zone`` (the request's time zone if none)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    local = at.astimezone(zone or current().zone)
    time = babel.dates.format_skeleton("Hm", local, locale=_locale())
    if time_only:
        return time
    return f"{babel.dates.format_skeleton('MMMEd', local, locale=_locale())} {time}"


def format_percent(share: float | None) -> str:
    """A share (0.85) as the language writes a percentage: ``85%``, ``85 %``; ``—`` for none."""
    if share is None:
        return "—"
    return babel.numbers.format_percent(share, locale=_locale())


def format_number(value: float | int) -> str:
    return babel.numbers.format_decimal(value, locale=_locale())


def format_currency(value: float, currency: str = "EUR") -> str:
    return babel.numbers.format_currency(value, currency, locale=_locale())
