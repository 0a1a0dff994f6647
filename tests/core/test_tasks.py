"""The periodic-task helper: rounds on an interval, wake-ups, a failing round that does not
end the loop, the first round later, and a lease that lets one process run a round."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hub import tasks
from hub.pipeline.services import Hub
from tests.conftest import Clock


async def _until(probe: object, rounds: list[int], count: int) -> None:
    for _ in range(200):
        if len(rounds) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{probe}: {len(rounds)} rounds, wanted {count}")


async def test_rounds_run_on_the_interval_and_a_failure_does_not_end_the_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds: list[int] = []

    async def body() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 2:
            raise RuntimeError("a bug in round two")

    task = tasks.Periodic("test-rounds", body, 0.01)
    with caplog.at_level(logging.ERROR, logger="hub.tasks"):
        await task.start()
        await _until(task, rounds, 4)
        await task.stop()
    assert not task.running
    assert "test-rounds failed" in caplog.text  # logged with the task's name
    count = len(rounds)
    await asyncio.sleep(0.05)
    assert len(rounds) == count  # stopped means stopped


async def test_a_wake_up_runs_a_round_at_once_and_first_later_waits() -> None:
    rounds: list[int] = []

    async def body() -> None:
        rounds.append(1)

    task = tasks.Periodic("test-wake", body, 3600.0, first="later")
    await task.start()
    await asyncio.sleep(0.05)
    assert rounds == []  # the first round waits one interval
    task.wake()
    await _until(task, rounds, 1)
    task.wake()
    await _until(task, rounds, 2)
    await task.stop()

    now = tasks.Periodic("test-now", body, 3600.0)
    await now.start()
    await _until(now, rounds, 3)  # the first round at once
    await now.stop()


async def test_a_lease_lets_one_process_run_each_round(hub: Hub, clock: Clock) -> None:
    rounds: list[str] = []

    def runner(who: str) -> tasks.Periodic:
        async def body() -> None:
            rounds.append(who)

        return tasks.Periodic("test-lease", body, 60.0, lease=True)

    one, two = runner("one"), runner("two")
    assert await one.run_once()
    assert not await two.run_once()  # the round is one's
    clock.advance(seconds=30)
    assert not await two.run_once()
    clock.advance(seconds=30)  # the lease ran out: the next round is whoever comes first
    assert await two.run_once()
    assert not await one.run_once()
    assert rounds == ["one", "two"]
