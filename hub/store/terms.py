"""The search terms: how texts, names, phone numbers and email addresses become words.

SecantusDB has no text index, so search reads a multikey index on an array of
normalized terms (``hub.store.search``). Everything written and everything asked is
normalized by the same functions here:

- **words**: ``\\w+`` runs of the text (``re``, no grammar), case-folded (``str.casefold``:
  ``ß`` is ``ss``), with accents folded (NFKD, combining marks dropped: ``é`` is ``e``,
  ``å``/``ä`` are ``a``, ``ö``/``ü`` are ``o``/``u``). Letters that are not an accent
  plus a base are mapped: ``ø`` is ``o`` (as Swedish ``ö``), ``æ`` is ``ae``, ``œ`` is ``oe``.
  So ``Søren`` finds ``Soren`` and ``søren``; ``Århus`` finds ``arhus``.
- **Danish and Norwegian spellings without æøå**: a word with ``æ``, ``ø`` or ``å`` is
  also indexed in its transliteration (``ae``, ``oe``, ``aa``), so ``soeren`` and
  ``aarhus`` find ``Søren`` and ``Århus`` too. (The query is folded one way only: the
  word ``Søren`` typed in the box does not find a text that says ``Soeren``.)
- **email addresses**: whole (``ann.jensen@example.com``) and by local part
  (``ann.jensen``), in contacts and in message texts.
- **phone numbers** (contacts): E.164 (``+4520120099``), its digits (``4520120099``) and
  the national number's digits (``20120099``), so a number typed with spaces, with or
  without the country code, or with ``00`` for ``+``, is one exact term.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers

from hub.models import Message

#: A message keeps at most this many distinct terms (a long email: its first words).
MAX_TERMS = 300
#: Longer words are not indexed (base64, tracking ids): they would never be typed.
MAX_LENGTH = 64
#: A typed phone number: digits with spaces, dashes, dots, brackets, a leading +.
_PHONE = re.compile(r"\+?\(?[0-9][0-9 ().-]{4,}[0-9]")
_WORD = re.compile(r"\w+")
#: Letters NFKD does not decompose: the plain fold, and the Danish/Norwegian spelling.
_PLAIN = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ð": "d", "þ": "th"})
_NORDIC = str.maketrans({"ø": "oe", "æ": "ae", "å": "aa"})
_EDGES = string.punctuation.replace("@", "")


def fold(text: str) -> str:
    """Lower case, accents and special letters folded (``Søren Ærø`` → ``soren aero``)."""
    plain = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN))
    return "".join(c for c in plain if not unicodedata.combining(c))


def words(text: str | None) -> list[str]:
    """The folded words of ``text`` in order (phrases are matched on these)."""
    return _WORD.findall(fold(text or ""))


def _word_terms(text: str) -> list[str]:
    found: list[str] = []
    for raw in _WORD.findall(text.casefold()):
        found += _WORD.findall(fold(raw))
        if any(c in raw for c in "æøå"):
            found.append(fold(raw.translate(_NORDIC)))
    return found


def email_terms(value: str) -> list[str]:
    """An email address whole and its local part, folded; nothing if it is not one."""
    local, at, domain = fold(value.strip()).rpartition("@")
    if not at or not local or "." not in domain:
        return []
    return [f"{local}@{domain}", local]


def phone_terms(value: str) -> list[str]:
    """E.164, its digits and the national number's digits of a phone number."""
    digits = "".join(c for c in value if c.isdigit())
    if not digits:
        return []
    found = [f"+{digits}", digits] if value.strip().startswith("+") else [digits]
    try:
        parsed = phonenumbers.parse(value if value.startswith("+") else f"+{digits}")
    except phonenumbers.NumberParseException:
        return found
    return [*found, str(parsed.national_number)]


def _unique(terms: Iterable[str]) -> list[str]:
    return [t for t in dict.fromkeys(terms) if t and len(t) <= MAX_LENGTH][:MAX_TERMS]


def text_terms(*texts: str | None) -> list[str]:
    """The terms of message texts (text, subject): their words and email addresses."""
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        found += _word_terms(text)
        for chunk in text.split():
            if "@" in chunk:
                found += email_terms(chunk.strip(_EDGES))
    return _unique(found)


def index_message(message: Message) -> Message:
    """Give ``message`` its search terms before it is written (no whisper is searchable)."""
    whisper = message.visibility == "whisper"
    message.terms = [] if whisper else text_terms(message.text, message.subject)
    return message


def contact_terms(
    name: str | None, addresses: Iterable[str], email: str | None, phone: str | None
) -> list[str]:
    """The terms of a contact: its name's words, each address value, emails whole and by
    local part, phone numbers in every form (``phone_terms``)."""
    found = _word_terms(name or "")
    values = [a.split(":", 1)[-1] for a in addresses]
    for value in [*values, email or "", phone or ""]:
        if not value:
            continue
        found.append(fold(value))
        found += email_terms(value)
        if _PHONE.fullmatch(value.strip()):
            found += phone_terms(value)
    return _unique(found)


@dataclass
class Query:
    """What a search box's text asks for."""

    #: Terms every matching message holds (words, and the words of quoted phrases).
    terms: list[str] = field(default_factory=list)
    #: Quoted phrases, as folded word lists: matched inside the candidates' texts.
    phrases: list[list[str]] = field(default_factory=list)
    #: Exact contact terms (an email address, a phone number's forms): found first.
    exact: list[str] = field(default_factory=list)
    #: The unquoted words, for a contact's name (the last may be a prefix).
    name_words: list[str] = field(default_factory=list)

    def lead(self) -> str | None:
        """The term a search reads the index by: the longest (likely the rarest)."""
        return max(self.terms, key=len) if self.terms else None


def parse_query(text: str) -> Query:
    """Split a query: ``"quoted phrases"`` and words; an email or phone number exactly."""
    text = text.strip()
    email = email_terms(text) if " " not in text else []
    if email:
        return Query(terms=[email[0]], exact=[email[0]], name_words=[])
    if _PHONE.fullmatch(text):
        digits = "".join(c for c in text if c.isdigit())
        forms = [digits, digits.removeprefix("00"), digits.lstrip("0")]
        return Query(terms=[forms[1]], exact=_unique(forms), name_words=[])
    parts = text.split('"')  # odd parts were inside quotes
    loose = [w for part in parts[0::2] for w in words(part)]
    phrases = [p for p in (words(part) for part in parts[1::2]) if p]
    terms = _unique([*loose, *(w for p in phrases for w in p)])
    # One token with punctuation inside (``ann.jensen``) may be an email's local part.
    whole = fold(text)
    exact = [whole] if len(loose) > 1 and not any(c.isspace() or c == '"' for c in whole) else []
    return Query(terms=terms, phrases=phrases, exact=exact, name_words=_unique(loose))


def has_phrase(haystack: list[str], phrase: list[str]) -> bool:
    """Whether ``phrase`` occurs in ``haystack`` as consecutive words."""
    n = len(phrase)
    return any(haystack[i : i + n] == phrase for i in range(len(haystack) - n + 1))
