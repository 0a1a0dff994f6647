"""Assist's stream latency: the endpoint's chunk written -> the draft's delta in the hub.

    .venv/bin/python bench/assist.py [--drafts 30] [--chunk-ms 40]

Runs the local OpenAI-compatible stand-in (``tests/assist/standin.py``) on 127.0.0.1 and
reads ``--drafts`` streamed completions through the hub's client and draft splitter
(``hub.assist.client.stream`` on a guarded client, ``hub.assist.drafts.Splitter``), the
path ``suggest_stream`` takes after its reads. For every chunk it times the stand-in's write
(``chunk_times``) to the first draft delta that holds its text, and reports p50/p99/max in
ms for the first chunk of each completion and for all chunks. The inbox's SSE hop on top of
this is measured by the composer's own benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.assist.client import ChatMessage, Endpoint, stream
from hub.assist.drafts import Splitter
from hub.pipeline import outbound
from tests.assist.standin import Answer, StandIn

TEXT = (
    "Hi Anna, your parcel left our warehouse this morning and should arrive tomorrow.\n---\n"
    "Hello Anna! Good news: it shipped today, tracking follows by email.\n---\n"
    "Dear Anna, thank you for waiting; the parcel is on its way."
)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main(drafts: int, chunk_ms: float) -> None:
    first: list[float] = []
    every: list[float] = []
    policy = outbound.Policy.parse(["127.0.0.1/32"])
    async with StandIn.running() as stand_in, outbound.guarded_client(policy) as http:
        endpoint = Endpoint(stand_in.base_url, "bench", "sk-bench")
        sent = [ChatMessage(role="system", content="x"), ChatMessage(role="user", content="y")]
        for _ in range(drafts):
            stand_in.answer(Answer(text=TEXT, chunk_size=6, chunk_delay=chunk_ms / 1000))
            stand_in.chunk_times.clear()
            splitter = Splitter()
            seen: list[float] = []
            async for piece in stream(http, endpoint, sent):
                got = time.monotonic()
                if list(splitter.feed(piece.text)) or not piece.text:
                    seen.append(got)
                else:  # held back (a possible separator): counts when the next piece frees it
                    seen.append(float("nan"))
            writes = stand_in.chunk_times
            delays = [(s - w) * 1000 for s, w in zip(seen, writes, strict=False) if s == s]
            first.append(delays[0])
            every.extend(delays)
    print(f"assist stream, {drafts} completions of {len(TEXT)} chars in 6-char chunks "
          f"every {chunk_ms:g} ms; load: this process and the stand-in only, "
          f"{os.cpu_count()} CPUs, loadavg {os.getloadavg()[0]:.2f}")  # fmt: skip
    for name, values in (("first chunk", first), ("every chunk", every)):
        print(f"  {name:12} p50 {statistics.median(values):6.2f} ms  p99 {pct(values, 99):6.2f} ms"
              f"  max {max(values):6.2f} ms  (n={len(values)})")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--drafts", type=int, default=30)
    parser.add_argument("--chunk-ms", type=float, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.drafts, args.chunk_ms))
