"""The work queue: each key waits once and is worked on by one worker at a time."""

from __future__ import annotations

import asyncio

from alauda_operator.controller.workqueue import WorkQueue


async def test_a_key_added_twice_waits_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add("a")
    queue.add("b")

    assert [await queue.get(), await queue.get()] == ["a", "b"]
    assert len(queue) == 0


async def test_a_key_added_while_worked_on_comes_back_after_done() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    key = await queue.get()
    queue.add("a")
    second_worker = asyncio.create_task(queue.get())
    await asyncio.sleep(0.01)

    assert not second_worker.done()  # not worked on twice at once
    queue.done(key)
    assert await asyncio.wait_for(second_worker, 1) == "a"


async def test_backoff_doubles_per_failure_and_resets_on_forget() -> None:
    queue: WorkQueue[str] = WorkQueue(base_delay=0.01, max_delay=0.05)

    delays = [queue.add_rate_limited("a") for _ in range(4)]
    queue.forget("a")

    assert delays == [0.01, 0.02, 0.04, 0.05]
    assert queue.add_rate_limited("a") == 0.01


async def test_a_delayed_key_arrives_later() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 0.05)

    assert len(queue) == 0
    assert await asyncio.wait_for(queue.get(), 1) == "a"


async def test_idle_once_nothing_waits_runs_or_is_scheduled() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    key = await queue.get()
    waiting = asyncio.create_task(queue.wait_idle())
    await asyncio.sleep(0)

    assert not waiting.done()
    queue.done(key)
    await asyncio.wait_for(waiting, 1)
