"""Reply drafts from one streamed completion: split on separator lines as they stream.

One completion (no ``n``: Ollama and other plain servers ignore it) asks for the drafts
separated by a line holding only ``---``; ``Splitter`` turns its deltas into per-draft
deltas, holding back only what could still become a separator. An answer that is JSON
(``{"suggestions": [...]}`` or a list, from a server that insists on JSON) is read whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from pydantic import BaseModel

from hub.assist.prompts import SEPARATOR

MAX_DRAFTS = 3
_MARK = "\n" + SEPARATOR


class Draft(BaseModel):
    """A piece of draft ``index`` (0, 1 or 2) as the endpoint writes it."""

    index: int
    delta: str


class Splitter:
    """Feed it the completion's deltas; it yields the drafts' deltas."""

    def __init__(self) -> None:
        self.index = 0
        self._pending = "\n"  # a separator on the first line counts too
        self._started = False
        self._first = True
        self._json: list[str] | None = None

    def feed(self, text: str) -> Iterator[Draft]:
        if self._json is not None:
            self._json.append(text)
            return
        self._pending += text
        if self._first and self._pending.strip():
            self._first = False
            if self._pending.lstrip()[:1] in ("{", "["):
                self._json = [self._pending]
                return
        yield from self._drain(final=False)

    def close(self) -> Iterator[Draft]:
        if self._json is not None:
            for index, text in enumerate(drafts_of_json("".join(self._json))):
                yield Draft(index=index, delta=text)
            return
        yield from self._drain(final=True)

    def _drain(self, final: bool) -> Iterator[Draft]:
        while self.index < MAX_DRAFTS:
            at = self._pending.find(_MARK)
            if at >= 0:
                end = self._pending.find("\n", at + len(_MARK))
                if end < 0 and not final:
                    break  # the separator's line is not finished yet
                rest = self._pending[at + len(_MARK) : end if end >= 0 else None]
                if rest.strip(" -\t\r") == "":
                    yield from self._emit(self._pending[:at])
                    self._pending = "\n" + (self._pending[end + 1 :] if end >= 0 else "")
                    if self._started:
                        self.index += 1
                        self._started = False
                    continue
                # "---" starting a longer line is text, not a separator
                yield from self._emit(self._pending[: at + 1])
                self._pending = self._pending[at + 1 :]
                continue
            keep = 0 if final else _held(self._pending)
            yield from self._emit(self._pending[: len(self._pending) - keep])
            self._pending = self._pending[len(self._pending) - keep :]
            break

    def _emit(self, text: str) -> Iterator[Draft]:
        if not self._started:
            text = text.lstrip()
        if text and self.index < MAX_DRAFTS:
            self._started = True
            yield Draft(index=self.index, delta=text)


def _held(pending: str) -> int:
    """How many trailing characters could be the start of a separator line."""
    for size in range(min(len(_MARK), len(pending)), 0, -1):
        if _MARK.startswith(pending[-size:]):
            return size
    return 0


def drafts_of_json(text: str) -> list[str]:
    """Drafts from a JSON answer: ``{"suggestions": [...]}`` (strings or ``{"text"}``) or a
    list; anything else is one draft of the text as written."""
    try:
        found = json.loads(text)
    except ValueError:
        return [text.strip()] if text.strip() else []
    if isinstance(found, dict):
        found = next((v for v in found.values() if isinstance(v, list)), found.get("text"))
    items = found if isinstance(found, list) else [found]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("text")
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
    return out[:MAX_DRAFTS]


def split_whole(text: str) -> list[str]:
    """The drafts of a whole answer (what ``suggest`` returns)."""
    splitter = Splitter()
    parts: dict[int, str] = {}
    for draft in [*splitter.feed(text), *splitter.close()]:
        parts[draft.index] = parts.get(draft.index, "") + draft.delta
    return [parts[i].strip() for i in sorted(parts) if parts[i].strip()]
