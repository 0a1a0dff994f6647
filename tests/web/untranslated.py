"""Finds English UI text in a page rendered in another language, as ../shared/tools/page-audit does.

A visible text is English UI text when it is a catalog msgid the language translates
(shown without gettext) or leaves empty (marked but untranslated), or a literal of the
templates or the hub's Python that the catalog lacks (never marked). Words the language
shares with English ("Status", "Chat") and names from the database are not flagged.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
_SKIP = {"script", "style", "option", "textarea", "noscript", "template", "select", "kbd"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr", "use", "path"}  # fmt: skip
BRAND = {"Parley", "Parley web chat"}


class _Texts(HTMLParser):
    """The text nodes outside scripts, options and text areas, the title, placeholders and labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: set[str] = set()
        self._stack: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for attr in ("placeholder", "aria-label", "title", "alt"):
            if named.get(attr):
                self.texts.add(" ".join(str(named[attr]).split()))
        if tag == "input" and named.get("type") in ("submit", "button") and named.get("value"):
            self.texts.add(str(named["value"]))
        if tag not in _VOID:
            self._stack.append(tag)
            self._hidden += tag in _SKIP

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or tag not in self._stack:
            return
        while self._stack:
            top = self._stack.pop()
            self._hidden -= top in _SKIP
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and (not self._hidden or (self._stack and self._stack[-1] == "title")):
            self.texts.add(text)


def texts_of(html: str) -> set[str]:
    parser = _Texts()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        found.update(t.strip() for t in text.split(" · ") if t.strip())
    return found


def _words(text: str) -> list[str]:
    return [t for t in text.split() if re.search(r"[^\W\d_]", t)]


def _pattern(text: str) -> re.Pattern[str] | None:
    parts = re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", text)
    if len(parts) < 2 or len(_words(" ".join(parts).replace("/", " "))) < 2:
        return None
    return re.compile(".+?".join(re.escape(p) for p in parts) + r"\Z")


class Strings:
    """Decides whether a visible text in a rendering in ``lang`` is English UI text."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.catalogs: dict[str, dict[str, str]] = {}
        for po in sorted((ROOT / "hub/locale").glob("*/LC_MESSAGES/messages.po")):
            table = self.catalogs.setdefault(po.parent.parent.name, {})
            with po.open("rb") as f:
                for m in read_po(f):
                    if not m.id:
                        continue
                    forms = list(m.id) if isinstance(m.id, (tuple, list)) else [m.id]
                    strs = list(m.string) if isinstance(m.string, (tuple, list)) else [m.string]
                    self.ids.update(forms)
                    for i, form in enumerate(forms):
                        table[form] = "" if m.fuzzy else (strs[min(i, len(strs) - 1)] or "")
        self.template_text, self.literals = _source_literals()
        self.literals |= self.template_text
        self.id_patterns = [(p, m) for m in self.ids if (p := _pattern(m))]
        self.lit_patterns = [(p, m) for m in self.literals - self.ids if (p := _pattern(m))]
        self.lang_strings = {lang: set(t.values()) for lang, t in self.catalogs.items()}
        self.lang_words = {
            lang: {w.lower() for s in t.values() for w in re.findall(r"[^\W\d_]+", s)}
            for lang, t in self.catalogs.items()
        }

    def classify(self, text: str, lang: str) -> str | None:
        """Why ``text`` is English UI text in ``lang``, or None."""
        w = _words(text)
        if not w or text in BRAND or text in self.lang_strings.get(lang, ()):
            return None
        several = len(w) >= 2
        msgid = text if text in self.ids else None
        if msgid is None and several:
            msgid = next((m for p, m in self.id_patterns if p.match(text)), None)
        if msgid is not None and (several or len(w[0]) >= 4):
            translated = self.catalogs.get(lang, {}).get(msgid, "")
            if translated == msgid:
                return None
            return "shown without gettext" if translated else "marked but untranslated"
        if several and (text in self.literals or any(p.match(text) for p, _ in self.lit_patterns)):
            return "unmarked"
        if (
            len(w) == 1 and len(text) >= 4 and text.isalpha() and text in self.template_text
            and text.lower() not in self.lang_words.get(lang, ())
        ):  # fmt: skip
            return "unmarked"
        return None


def _source_literals() -> tuple[set[str], set[str]]:
    template_text: set[str] = set()
    literals: set[str] = set()
    for path in (ROOT / "templates").rglob("*.html"):
        src = re.sub(r"\{#.*?#\}", " ", path.read_text(), flags=re.S)
        src = re.sub(r"<(script|style)\b.*?</\1>", "\0", src, flags=re.S | re.I)
        literals.update(re.findall(r'(?:placeholder|title|aria-label|alt|value)="([^"{}]+)"', src))
        src = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|<[^>]*>", "\0", src, flags=re.S)
        template_text.update(" ".join(t.split()) for t in src.split("\0"))
    for path in [*(ROOT / "hub").rglob("*.py"), *(ROOT / "webchat_widget").glob("*.py")]:
        if path.name == "demo.py":
            continue
        tree = ast.parse(path.read_text())
        docs = {
            id(n.body[0].value)  # type: ignore[attr-defined]
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and n.body and isinstance(n.body[0], ast.Expr)
        }  # fmt: skip
        literals.update(
            n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
        )  # fmt: skip
    clean = {" ".join(s.split()) for s in literals if s and s.strip()}
    return {" ".join(s.split()) for s in template_text if s.strip()}, clean


@cache
def strings() -> Strings:
    return Strings()
