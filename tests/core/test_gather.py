"""The batchers' shared gathering (``hub.store.gather``): callers that arrive together share
a batch, each gets its own result, a failed batch fails every caller in it and only them."""

from __future__ import annotations

import asyncio

from hub.store.gather import Gatherer


class Doubler(Gatherer[int, int]):
    def __init__(self) -> None:
        super().__init__(window=0.01)
        self.seen: list[list[int]] = []

    async def write(self, batch: list[int]) -> list[int]:
        self.seen.append(batch)
        if -1 in batch:
            raise RuntimeError("the batch's write failed")
        await asyncio.sleep(0.01)  # a write in flight: later callers form the next batch
        return [n * 2 for n in batch]


async def test_callers_together_share_a_batch_and_get_their_own_results() -> None:
    gatherer = Doubler()
    results = await asyncio.gather(*[gatherer.submit(n) for n in range(20)])
    assert results == [n * 2 for n in range(20)]
    assert gatherer.seen == [list(range(20))]
    assert gatherer.batches == 1 and gatherer.items == 20


async def test_a_failed_batch_fails_its_callers_only() -> None:
    gatherer = Doubler()
    first = await asyncio.gather(*[gatherer.submit(n) for n in (1, -1, 3)], return_exceptions=True)
    assert [type(r) for r in first] == [RuntimeError] * 3
    assert await gatherer.submit(4) == 8  # the next batch is written as usual


async def test_arrivals_during_a_write_form_the_next_batch() -> None:
    gatherer = Doubler()
    early = asyncio.ensure_future(gatherer.submit(1))
    await asyncio.sleep(0.015)  # the first batch is being written
    late = await gatherer.submit(2)
    assert (await early, late) == (2, 4)
    assert gatherer.seen == [[1], [2]]


async def test_more_than_a_batch_is_split_into_batches_of_64() -> None:
    size = 70
    gatherer = Doubler()
    results = await asyncio.gather(*[gatherer.submit(n) for n in range(size)])
    assert results == [n * 2 for n in range(size)]
    assert [len(b) for b in gatherer.seen] == [64, size - 64]
