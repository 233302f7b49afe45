"""Pod logs of a service's instances: read incrementally, merged in time order.

Each instance's log is read through the Kubernetes API with timestamps, from
``sinceTime`` on, line by line; a stream is dropped as soon as it passes the
window's end, and the merge holds one line per instance, so neither many
instances nor long logs are ever loaded whole. The merged lines are written
to the client as they come.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import json
import logging
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Mapping,
    Sequence,
)
from contextlib import AsyncExitStack, aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import aiohttp
from aiohttp import web

# pydantic reads TypedDicts (for the OpenAPI document) only from typing_extensions on 3.11.
from typing_extensions import TypedDict

from alauda_operator.facade.errors import bad_request
from alauda_operator.facade.kube import Kube

DEFAULT_WINDOW_SECONDS = 3600
MAX_WINDOW_SECONDS = 7 * 24 * 3600
MAX_LINES = 10_000
MAX_LINE_BYTES = 64 * 1024
MAX_INSTANCES = 100
INSTANCE_ID_LENGTH = 8
_WRITE_BATCH_BYTES = 64 * 1024

T = TypeVar("T")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogWindow:
    """Unix seconds, both ends included."""

    start: int
    end: int

    def since(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.start, dt.UTC)


class LogLine(NamedTuple):
    time: float
    message: str


class LogEntry(TypedDict):
    """One line of ``GET .../logs/``."""

    instance_id: str
    message: str
    time: int


class InstanceLogEntry(TypedDict):
    """One line of ``GET .../instances/<uuid>/logs/``."""

    message: str
    time: int


def _unix_seconds(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad_request(f"{name} must be unix seconds, not {raw!r}", name) from None
    if not 0 <= value < 2**33:
        raise bad_request(f"{name} is out of range", name)
    return int(value)


def parse_window(query: Mapping[str, str], now: float) -> LogWindow:
    """``start_time`` and ``end_time`` in unix seconds; by default the hour up
    to now (or up to ``end_time``, or from ``start_time``)."""
    start = _unix_seconds(query, "start_time")
    end = _unix_seconds(query, "end_time")
    if start is None and end is None:
        end = int(now)
    if start is None:
        assert end is not None
        start = end - DEFAULT_WINDOW_SECONDS
    if end is None:
        end = start + DEFAULT_WINDOW_SECONDS
    if start > end:
        raise bad_request("start_time must not be after end_time", "start_time")
    if end - start > MAX_WINDOW_SECONDS:
        raise bad_request("the window from start_time to end_time is at most 7 days", "end_time")
    return LogWindow(max(start, 0), end)


def parse_log_line(raw: bytes) -> LogLine | None:
    """``<RFC 3339 timestamp> <message>``, as the API server gives them with
    ``timestamps=true``; None for a line without a timestamp."""
    stamp, _, message = raw.partition(b" ")
    try:
        when = dt.datetime.fromisoformat(stamp.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    text = message.decode("utf-8", errors="replace").rstrip("\n").removesuffix("\r")
    return LogLine(when.timestamp(), text)


async def split_lines(
    chunks: AsyncIterable[bytes], max_line_bytes: int = MAX_LINE_BYTES
) -> AsyncGenerator[bytes]:
    """Lines of a byte stream; a line longer than ``max_line_bytes`` is cut
    there and its rest skipped, so that one huge line cannot fill memory."""
    pending = bytearray()
    skipping = False
    async for chunk in chunks:
        start = 0
        while start < len(chunk):
            newline = chunk.find(b"\n", start)
            end = len(chunk) if newline == -1 else newline
            if not skipping:
                room = max_line_bytes - len(pending)
                pending += chunk[start : start + min(room, end - start)]
                if newline == -1 and len(pending) >= max_line_bytes:
                    yield bytes(pending)
                    pending.clear()
                    skipping = True
            if newline == -1:
                break
            if not skipping:
                yield bytes(pending)
            pending.clear()
            skipping = False
            start = newline + 1
    if pending and not skipping:
        yield bytes(pending)


async def lines_in_window(
    lines: AsyncIterable[bytes], window: LogWindow
) -> AsyncGenerator[LogLine]:
    """The lines stamped within the window; stops at the first one past its end."""
    async for raw in lines:
        line = parse_log_line(raw)
        if line is None or line.time < window.start:
            continue
        if line.time >= window.end + 1:
            return
        yield line


_END: Any = object()


async def merge_sorted(
    streams: Sequence[AsyncIterator[T]], key: Callable[[T], Any]
) -> AsyncGenerator[tuple[int, T]]:
    """K-way merge of sorted async streams, holding one item per stream:
    yields (stream index, item); ties go to the lower index."""
    firsts = await asyncio.gather(*(anext(stream, _END) for stream in streams))
    heap = [(key(item), index, item) for index, item in enumerate(firsts) if item is not _END]
    heapq.heapify(heap)
    while heap:
        _, index, item = heap[0]
        yield index, item
        following = await anext(streams[index], _END)
        if following is _END:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (key(following), index, following))


def instance_id(pod: Mapping[str, Any]) -> str:
    return str(pod["metadata"].get("uid", ""))[:INSTANCE_ID_LENGTH]


def pods_for_logs(pods: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Pods that have run a container, at most MAX_INSTANCES, newest first."""
    started = [pod for pod in pods if (pod.get("status") or {}).get("startTime")]
    started.sort(key=lambda pod: pod["metadata"].get("creationTimestamp") or "", reverse=True)
    return started[:MAX_INSTANCES]


def _close(response: aiohttp.ClientResponse) -> None:
    # An unread rest of a stream cannot go back to the pool: drop the connection.
    if response.content.at_eof():
        response.release()
    else:
        response.close()


@asynccontextmanager
async def merged_logs(
    kube: Kube,
    namespace: str,
    pods: Sequence[Mapping[str, Any]],
    window: LogWindow,
) -> AsyncIterator[AsyncIterator[tuple[Mapping[str, Any], LogLine]]]:
    """Opens every pod's stream first (so that an error is still a proper
    answer), then yields one iterator of (pod, line) in time order."""
    async with AsyncExitStack() as stack:
        opening = [
            kube.open_pod_log(
                namespace, pod["metadata"]["name"], _first_container(pod), window.since()
            )
            for pod in pods
        ]
        results = await asyncio.gather(*opening, return_exceptions=True)
        opened: list[tuple[Mapping[str, Any], aiohttp.ClientResponse]] = []
        for pod, result in zip(pods, results, strict=True):
            if isinstance(result, aiohttp.ClientResponse):
                stack.callback(_close, result)
                opened.append((pod, result))
        for result in results:
            if isinstance(result, BaseException):
                raise result
        streams = [
            lines_in_window(split_lines(response.content.iter_any()), window)
            for _, response in opened
        ]
        for stream in streams:
            stack.push_async_callback(stream.aclose)
        merged = merge_sorted(streams, key=lambda line: line.time)
        tagged = _with_pods(merged, [pod for pod, _ in opened])
        async with aclosing(merged), aclosing(tagged):
            yield tagged


async def _with_pods(
    merged: AsyncIterator[tuple[int, LogLine]], pods: Sequence[Mapping[str, Any]]
) -> AsyncGenerator[tuple[Mapping[str, Any], LogLine]]:
    async for index, line in merged:
        yield pods[index], line


def _first_container(pod: Mapping[str, Any]) -> str:
    containers = (pod.get("spec") or {}).get("containers") or [{}]
    return str(containers[0].get("name", ""))


async def write_json_array(
    request: web.Request,
    items: AsyncIterator[Mapping[str, object]],
    max_items: int = MAX_LINES,
) -> web.StreamResponse:
    """Streams a JSON array of at most ``max_items`` items to the client."""
    response = web.StreamResponse(headers={"Content-Type": "application/json; charset=utf-8"})
    await response.prepare(request)
    buffer = bytearray(b"[")
    count = 0
    try:
        async for item in items:
            if count:
                buffer += b","
            buffer += json.dumps(item, ensure_ascii=False).encode()
            count += 1
            if len(buffer) >= _WRITE_BATCH_BYTES:
                await response.write(bytes(buffer))
                buffer.clear()
            if count >= max_items:
                break
    except (aiohttp.ClientError, TimeoutError) as exc:
        # The status line is sent already: end the array with what was read.
        _log.warning("log stream broke off after %d lines: %r", count, exc)
    buffer += b"]"
    await response.write(bytes(buffer))
    await response.write_eof()
    return response
