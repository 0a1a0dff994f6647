"""Talking to the account's endpoint: standard chat-completions requests over plain httpx.

Why plain httpx and not the ``openai`` client: the installed ``openai`` client runs on its
own HTTP library (``httpx2``), so it cannot take the hub's shared client, whose connect-time
check (``hub.pipeline.outbound.guarded_client``) is what keeps an account-supplied host off
the hub's own networks. The request is small and standard (``model``, ``messages``,
optionally ``stream``, ``n``, ``response_format``); the stream is read with ``httpx-sse``
(no SSE parser of our own) and each chunk is validated with a lenient pydantic model.

Every failure becomes ``AssistError("assist_unavailable")`` with the endpoint's status and
what it said, "timed out" after 30 s, or why the guard refused the host. The key goes only
in the ``Authorization`` header: never in a message, an error or a log line.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import httpx
from httpx_sse import EventSource, SSEError
from pydantic import BaseModel, ConfigDict, ValidationError

from hub.assist.errors import AssistError

#: Each wait on the endpoint (connect 10 s); a whole non-streamed answer gets
#: ``TOTAL_SECONDS``. A stream may run longer as long as it keeps writing.
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
TOTAL_SECONDS = 30.0
#: How much of an endpoint's error body a message quotes.
QUOTE = 300

Role = Literal["system", "user", "assistant"]


class ChatMessage(BaseModel):
    role: Role
    content: str


@dataclass
class Endpoint:
    """Where and as whom: the setting's URL and model, the key opened for this call."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Usage(_Loose):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class _Delta(_Loose):
    content: str | None = None


class _StreamChoice(_Loose):
    index: int = 0
    delta: _Delta | None = None


class Chunk(_Loose):
    choices: list[_StreamChoice] = []
    usage: Usage | None = None
    #: Some servers report a failure mid-stream as ``{"error": {"message"}}``.
    error: dict[str, object] | str | None = None

    def failure(self) -> str | None:
        if self.error is None:
            return None
        said = self.error.get("message") if isinstance(self.error, dict) else self.error
        return str(said or "an error")


class _Message(_Loose):
    content: str | None = None


class _Choice(_Loose):
    index: int = 0
    message: _Message | None = None


class Completion(_Loose):
    choices: list[_Choice] = []
    usage: Usage | None = None

    def texts(self) -> list[str]:
        ordered = sorted(self.choices, key=lambda c: c.index)
        return [c.message.content or "" for c in ordered if c.message is not None]


@dataclass
class Piece:
    """A streamed delta of choice ``index``; the last piece may carry only ``usage``."""

    index: int
    text: str
    usage: Usage | None = None


def _body(endpoint: Endpoint, messages: list[ChatMessage], **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "model": endpoint.model,
        "messages": [m.model_dump() for m in messages],
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def _unavailable(exc: Exception) -> AssistError:
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return AssistError("assist_unavailable", "the model endpoint timed out after 30 s")
    text = str(exc) or type(exc).__name__
    if text.startswith("outbound_refused"):
        return AssistError("assist_unavailable", f"the endpoint's host is refused: {text[18:]}")
    return AssistError("assist_unavailable", f"the model endpoint cannot be reached: {text}")


def _without_key(text: str, endpoint: Endpoint) -> str:
    """What the endpoint said, with the key cut out should it echo it back."""
    if endpoint.api_key and len(endpoint.api_key) >= 4:
        text = text.replace(endpoint.api_key, "(the API key)")
    return text


async def _refused(response: httpx.Response, endpoint: Endpoint) -> AssistError:
    raw = (await response.aread()).decode("utf-8", "replace")
    said = raw.strip()
    try:
        found = json.loads(raw)
        error = found.get("error") if isinstance(found, dict) else None
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            said = error["message"]
        elif isinstance(error, str):
            said = error
    except ValueError:
        pass
    said = " ".join(_without_key(said, endpoint).split())[:QUOTE]
    reason = response.reason_phrase or ""
    note = f": {said}" if said else ""
    return AssistError(
        "assist_unavailable", f"the model endpoint answered {response.status_code} {reason}{note}"
    )


async def complete(
    http: httpx.AsyncClient,
    endpoint: Endpoint,
    messages: list[ChatMessage],
    json_object: bool = False,
) -> Completion:
    """One chat completion, not streamed."""
    body = _body(
        endpoint, messages, response_format={"type": "json_object"} if json_object else None
    )
    try:
        async with asyncio.timeout(TOTAL_SECONDS):  # a server that drips its answer
            response = await http.post(
                endpoint.url, json=body, headers=endpoint.headers(), timeout=TIMEOUT
            )
        if response.status_code >= 300:
            raise await _refused(response, endpoint)
        return Completion.model_validate_json(response.content)
    except (httpx.HTTPError, TimeoutError) as exc:
        raise _unavailable(exc) from None
    except ValidationError:
        raise AssistError(
            "assist_unavailable", "the model endpoint's answer is not a chat completion"
        ) from None


async def stream(
    http: httpx.AsyncClient, endpoint: Endpoint, messages: list[ChatMessage], n: int | None = None
) -> AsyncIterator[Piece]:
    """A streamed chat completion, piece by piece as the endpoint writes it.

    A server that answers ``stream: true`` with one JSON completion is read as one piece
    per choice.
    """
    body = _body(endpoint, messages, stream=True, n=n)
    headers = {**endpoint.headers(), "Accept": "text/event-stream"}
    try:
        async with http.stream(
            "POST", endpoint.url, json=body, headers=headers, timeout=TIMEOUT
        ) as response:
            if response.status_code >= 300:
                raise await _refused(response, endpoint)
            kind = response.headers.get("content-type", "")
            if "text/event-stream" not in kind:
                whole = Completion.model_validate_json(await response.aread())
                for index, text in enumerate(whole.texts()):
                    yield Piece(index, text, whole.usage if index == 0 else None)
                return
            async for event in EventSource(response).aiter_sse():
                if event.data.strip() == "[DONE]":
                    break
                if not event.data.strip():
                    continue
                chunk = Chunk.model_validate_json(event.data)
                failure = chunk.failure()
                if failure is not None:
                    said = " ".join(_without_key(failure, endpoint).split())[:QUOTE]
                    raise AssistError(
                        "assist_unavailable", f"the model endpoint failed mid-answer: {said}"
                    )
                for choice in chunk.choices:
                    if choice.delta is not None and choice.delta.content:
                        yield Piece(choice.index, choice.delta.content)
                if chunk.usage is not None:
                    yield Piece(0, "", chunk.usage)
    except (httpx.HTTPError, SSEError) as exc:
        raise _unavailable(exc) from None
    except ValidationError:
        raise AssistError(
            "assist_unavailable", "the model endpoint's stream is not chat-completion chunks"
        ) from None
