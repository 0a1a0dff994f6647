"""Quoted history in replies: split the new text from what the sender's client quoted.

The inbox shows the new part and keeps the quoted part collapsed, so nothing
is thrown away. Text bodies are cut at the first quote header (Gmail/Apple
"On … wrote:", Outlook's "From:/Sent:" block or "-----Original Message-----",
Thunderbird's prefix line, in several languages) or at a trailing run of
``>`` lines. A reply written *between* quoted lines (inline answers) is not
cut: hiding it would hide the answer. HTML bodies are cut at the quote
containers the big clients wrap history in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_WROTE = re.compile(
    r"^(On\s.{1,200}\swrote:"
    r"|Am\s.{1,200}\sschrieb.{0,80}:"
    r"|Le\s.{1,200}\sa\s[ée]crit\s?:"
    r"|El\s.{1,200}\sescribi[óo]:"
    r"|Op\s.{1,200}\sschreef.{0,80}:"
    r"|Il\s.{1,200}\sha\sscritto:"
    r"|Em\s.{1,200}\sescreveu:"
    r"|.{1,200}\s<[^>]+@[^>]+>\s(wrote|schrieb|a écrit):"
    r"|\d{4}[年/.-]\s?\d{1,2}[月/.-].{0,120}(のメッセージ|님이 작성|写道)[:：]?)\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|"
    r"Mensaje original|Oorspronkelijk bericht|Messaggio originale)\s*-{2,}|_{20,})\s*$",
    re.IGNORECASE,
)
_HEADER_FIELD = re.compile(r"^\s*\*?(From|Von|De|Van|Da)\s*:\*?\s", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Datum|Envoyé|Enviado|To|An|À)\s*:", re.I)


@dataclass
class Folded:
    """A body split into what the sender wrote now and the history their client quoted."""

    text: str
    quoted: str = ""


def fold_text(body: str) -> Folded:
    """Split a plain-text reply; ``quoted`` is empty when nothing was quoted."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _header_cut(lines)
    if cut is None:
        cut = _trailing_quote_cut(lines)
    if cut is None:
        return Folded(body.strip())
    if not "\n".join(lines[:cut]).strip():
        return _bottom_posted(lines, cut) or Folded(body.strip())
    quoted = lines[cut:]
    if _interleaved(quoted):
        return Folded(body.strip())
    return Folded("\n".join(lines[:cut]).strip(), "\n".join(quoted).strip())


def _bottom_posted(lines: list[str], cut: int) -> Folded | None:
    """A reply written under the quote (Thunderbird's default): header, ``>`` run, new text."""
    end = cut + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].lstrip().startswith(">")):
        end += 1
    rest = lines[end:]
    if not "\n".join(rest).strip() or any(line.lstrip().startswith(">") for line in rest):
        return None
    return Folded("\n".join(rest).strip(), "\n".join(lines[cut:end]).strip())


def _header_cut(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith(">"):
            continue
        if _WROTE.match(stripped) or _SEPARATOR.match(stripped):
            return i
        if i + 1 < len(lines) and _WROTE.match(f"{stripped} {lines[i + 1].strip()}"):
            return i  # "On …, Name <a@b>" wrapped before "wrote:"
        if _HEADER_FIELD.match(stripped) and any(
            _HEADER_NEXT.match(nxt) for nxt in lines[i + 1 : i + 4]
        ):
            return i
    return None


def _trailing_quote_cut(lines: list[str]) -> int | None:
    """The start of a run of ``>`` lines (and blanks) that reaches the end."""
    cut = None
    for i in range(len(lines) - 1, -1, -1):
        stripped = lines[i].strip()
        if stripped.startswith(">"):
            cut = i
        elif stripped:
            break
    return cut


def _interleaved(quoted: list[str]) -> bool:
    """True when new text follows quoted lines inside the history (inline answers)."""
    seen_quote = False
    for line in quoted[1:]:
        stripped = line.strip()
        if stripped.startswith(">"):
            seen_quote = True
        elif stripped and seen_quote and not _WROTE.match(stripped):
            return True
    return False


# --------------------------------------------------------------------------- HTML

#: (tag, attribute, value, extent) of the elements clients put quoted history in.
#: extent "element": the history is that element; "rest": it runs to the end (Outlook
#: puts a header block there and the old body after it as siblings).
_HTML_MARKERS = (
    ("div", "class", "gmail_quote", "element"),  # Gmail
    ("blockquote", "type", "cite", "element"),  # Apple Mail, Thunderbird
    ("div", "class", "moz-cite-prefix", "element"),  # Thunderbird, + the blockquote after
    ("div", "class", "yahoo_quoted", "element"),  # Yahoo
    ("div", "id", "appendonsend", "rest"),  # Outlook (new)
    ("div", "id", "divRplyFwdMsg", "rest"),  # Outlook
    ("hr", "id", "stopSpelling", "rest"),  # Outlook.com
)


class _QuoteFinder(HTMLParser):
    """Finds the (start, end) positions of the first quoted-history region."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.start: tuple[int, int] | None = None
        self.end: tuple[int, int] | None = None  # None with a start: to the end
        self.tag = ""
        self.depth = 0
        self.follow_blockquote = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if self.start is None:
            self._maybe_start(tag, attrs)
        elif self.end is not None and self.follow_blockquote:
            self.follow_blockquote = False
            if tag == "blockquote":  # Thunderbird: the prefix line, then the quote
                self.end, self.tag, self.depth = None, tag, 1
            else:
                self.done = True
        elif self.tag == tag and self.end is None:
            self.depth += 1

    def _maybe_start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "") for name, value in attrs}
        for want_tag, attr, value, extent in _HTML_MARKERS:
            if tag == want_tag and value in values.get(attr, "").split():
                self.start = self.getpos()
                if extent == "rest":
                    self.done = True
                else:
                    self.tag, self.depth = tag, 1
                    self.follow_blockquote = value == "moz-cite-prefix"
                return

    def handle_endtag(self, tag: str) -> None:
        if self.done or self.start is None or self.end is not None or tag != self.tag:
            return
        self.depth -= 1
        if self.depth == 0:
            self.end = self.getpos()
            if not self.follow_blockquote:
                self.done = True

    def handle_data(self, data: str) -> None:
        if self.follow_blockquote and self.end is not None and data.strip():
            self.follow_blockquote, self.done = False, True


def _offset(markup: str, pos: tuple[int, int]) -> int:
    line, column = pos
    return sum(len(chunk) for chunk in markup.splitlines(keepends=True)[: line - 1]) + column


def split_html(markup: str) -> tuple[str, str]:
    """The raw HTML without its quoted history, and that history ("" if none)."""
    finder = _QuoteFinder()
    try:
        finder.feed(markup)
        finder.close()
    except (AssertionError, ValueError):  # HTMLParser on badly broken markup
        return markup, ""
    if finder.start is None:
        return markup, ""
    start = _offset(markup, finder.start)
    if finder.end is None:
        return markup[:start], markup[start:]
    end = markup.find(">", _offset(markup, finder.end)) + 1 or len(markup)
    return markup[:start] + markup[end:], markup[start:end]
