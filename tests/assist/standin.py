"""A real local OpenAI-compatible chat-completions server for the assist tests.

``StandIn`` serves ``POST /v1/chat/completions`` with uvicorn on 127.0.0.1 in the test's
event loop: streamed (SSE ``data: {chunk}`` lines, then ``data: [DONE]``) when the request
says ``"stream": true``, else one JSON completion. Answers are scripted (``answer``: a
list, the last one repeats), with delays, failures (an HTTP status and body) and
``usage`` or none; every request it got is kept in ``requests`` (body and headers).

Use the ``assist_endpoint`` fixture (``tests/assist/conftest.py``), or
``async with StandIn.running() as endpoint`` anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Answer:
    """One scripted answer.

    ``text`` is the completion (split into ``chunks`` pieces when streamed, or given as a
    list of pieces); ``status`` other than 200 fails with ``error`` as the body;
    ``delay`` waits before answering, ``chunk_delay`` between streamed pieces;
    ``usage`` False sends no ``usage``.
    """

    text: str | list[str] = "Thank you, we are on it."
    status: int = 200
    error: str | dict[str, Any] | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    chunk_size: int = 8
    usage: bool = True
    #: Answer a streamed request with one JSON completion (servers that do).
    ignore_stream: bool = False
    #: Streamed: after this many pieces, an ``{"error": {"message": error}}`` event, and
    #: the stream ends (a server failing mid-answer).
    fail_after: int | None = None

    def pieces(self) -> list[str]:
        if isinstance(self.text, list):
            return self.text
        size = self.chunk_size
        return [self.text[i : i + size] for i in range(0, len(self.text), size)] or [""]

    @property
    def whole(self) -> str:
        return "".join(self.pieces())


@dataclass
class Seen:
    """A request the stand-in got."""

    body: dict[str, Any]
    headers: dict[str, str]
    at: float

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    def roles(self) -> list[str]:
        return [m["role"] for m in self.messages]


@dataclass
class StandIn:
    base_url: str = ""
    requests: list[Seen] = field(default_factory=list)
    script: list[Answer] = field(default_factory=list)
    #: Monotonic times at which each streamed chunk was written (for the latency bench).
    chunk_times: list[float] = field(default_factory=list)

    def answer(self, *answers: Answer | str) -> None:
        """The next answers, in order (replacing any left); the last one repeats. A string is
        ``Answer(text=...)``."""
        self.script.clear()
        self.script.extend(a if isinstance(a, Answer) else Answer(text=a) for a in answers)

    def _next(self) -> Answer:
        if not self.script:
            return Answer()
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    @property
    def last(self) -> Seen:
        assert self.requests, "the stand-in got no request"
        return self.requests[-1]

    # ---------------------------------------------------------------- the server

    async def _completions(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(Seen(body, dict(request.headers), time.monotonic()))
        answer = self._next()
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.status != 200 and answer.fail_after is None:
            error = answer.error if answer.error is not None else {"message": "scripted failure"}
            if isinstance(error, str):
                return Response(error, status_code=answer.status, media_type="text/plain")
            return JSONResponse({"error": error}, status_code=answer.status)
        usage = {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
        model = body.get("model", "stand-in")
        if not body.get("stream") or answer.ignore_stream:
            completion: dict[str, Any] = {
                "id": "chatcmpl-standin",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer.whole},
                        "finish_reason": "stop",
                    }
                ],
            }
            if answer.usage:
                completion["usage"] = usage
            return JSONResponse(completion)
        return StreamingResponse(self._chunks(answer, model, usage), media_type="text/event-stream")

    async def _chunks(
        self, answer: Answer, model: str, usage: dict[str, int]
    ) -> AsyncIterator[str]:
        def line(delta: dict[str, Any], finish: str | None = None, **more: Any) -> str:
            chunk = {
                "id": "chatcmpl-standin",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **more,
            }
            return f"data: {json.dumps(chunk)}\n\n"

        yield line({"role": "assistant", "content": ""})
        for n, piece in enumerate(answer.pieces()):
            if answer.fail_after is not None and n >= answer.fail_after:
                error = answer.error if answer.error is not None else {"message": "failed"}
                yield f"data: {json.dumps({'error': error})}\n\n"
                return
            if answer.chunk_delay:
                await asyncio.sleep(answer.chunk_delay)
            self.chunk_times.append(time.monotonic())
            yield line({"content": piece})
        yield line({}, "stop", **({"usage": usage} if answer.usage else {}))
        yield "data: [DONE]\n\n"

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/v1/chat/completions", self._completions, methods=["POST"])]
        )

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls) -> AsyncIterator[StandIn]:
        """Serve a new stand-in on a free 127.0.0.1 port in this event loop."""
        stand_in = cls()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        config = uvicorn.Config(
            stand_in.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), "the stand-in did not start"
            await asyncio.sleep(0.01)
        stand_in.base_url = f"http://127.0.0.1:{port}/v1"
        try:
            yield stand_in
        finally:
            server.should_exit = True
            await task
