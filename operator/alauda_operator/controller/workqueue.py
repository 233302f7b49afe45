"""A work queue of service keys, as client-go's: a key waits at most once
however often it is added, is never worked on by two workers at once, and a
key added while it is being worked on is worked on again afterwards. Failed
keys come back after an exponential, per-key backoff.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)


class WorkQueue(Generic[Key]):
    def __init__(self, *, base_delay: float = 0.5, max_delay: float = 300.0) -> None:
        self._queue: asyncio.Queue[Key] = asyncio.Queue()
        self._dirty: set[Key] = set()
        self._processing: set[Key] = set()
        self._failures: dict[Key, int] = {}
        self._timers: dict[Key, asyncio.TimerHandle] = {}
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        """Keys waiting (not the ones being worked on)."""
        return len(self._dirty)

    @property
    def busy(self) -> int:
        return len(self._processing)

    def add(self, key: Key) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        if key in self._dirty:
            return
        self._dirty.add(key)
        self._idle.clear()
        if key not in self._processing:
            self._queue.put_nowait(key)

    def add_after(self, key: Key, delay: float) -> None:
        """Adds ``key`` after ``delay`` seconds, unless it is added before."""
        if key in self._dirty or key in self._timers:
            return
        loop = asyncio.get_running_loop()
        self._timers[key] = loop.call_later(delay, self._fire, key)
        self._idle.clear()

    def _fire(self, key: Key) -> None:
        self._timers.pop(key, None)
        self.add(key)
        self._check_idle()

    def add_rate_limited(self, key: Key) -> float:
        """Adds ``key`` after its backoff (doubling with each failure); returns the delay."""
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        delay = min(self._max_delay, self._base_delay * 2.0**failures)
        self.add_after(key, delay)
        return delay

    def forget(self, key: Key) -> None:
        """Resets ``key``'s backoff after a success."""
        self._failures.pop(key, None)

    async def get(self) -> Key:
        key = await self._queue.get()
        self._dirty.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: Key) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.put_nowait(key)
        self._check_idle()

    def _check_idle(self) -> None:
        if not self._dirty and not self._processing and not self._timers:
            self._idle.set()

    async def wait_idle(self) -> None:
        """Returns once nothing waits, runs or is scheduled."""
        await self._idle.wait()
