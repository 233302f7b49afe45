"""Log windows, line parsing, line splitting and the time-ordered merge (no I/O)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

import pytest

from alauda_operator.facade.errors import ApiError
from alauda_operator.facade.logs import (
    DEFAULT_WINDOW_SECONDS,
    LogLine,
    LogWindow,
    instance_id,
    lines_in_window,
    merge_sorted,
    parse_log_line,
    parse_window,
    pods_for_logs,
    split_lines,
)
from tests.unit.facade_support import pod

NOW = 1_433_753_300.5
T = TypeVar("T")


async def stream(items: Iterable[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


async def collect(iterator: AsyncIterator[T]) -> list[T]:
    return [item async for item in iterator]


# --- window -------------------------------------------------------------------


def test_window_defaults_to_the_last_hour() -> None:
    assert parse_window({}, NOW) == LogWindow(int(NOW) - DEFAULT_WINDOW_SECONDS, int(NOW))


def test_window_takes_both_ends_from_the_query() -> None:
    window = parse_window({"start_time": "1433753210", "end_time": "1433753270"}, NOW)
    assert window == LogWindow(1433753210, 1433753270)


def test_window_with_only_a_start_is_the_hour_after_it() -> None:
    assert parse_window({"start_time": "1000"}, NOW) == LogWindow(1000, 1000 + 3600)


def test_window_of_seven_days_is_allowed() -> None:
    assert parse_window({"start_time": "0", "end_time": str(7 * 86400)}, NOW).end == 7 * 86400


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start_time": "0", "end_time": str(7 * 86400 + 1)}, "end_time"),
        ({"start_time": "20", "end_time": "10"}, "start_time"),
        ({"start_time": "yesterday"}, "start_time"),
        ({"end_time": "nan"}, "end_time"),
        ({"end_time": "1e300"}, "end_time"),
    ],
)
def test_bad_windows_are_a_400_naming_the_parameter(query: dict[str, str], field: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_window(query, NOW)
    assert (caught.value.status, caught.value.field) == (400, field)


# --- lines --------------------------------------------------------------------


def test_log_line_splits_timestamp_and_message() -> None:
    line = parse_log_line(b"2015-06-08T08:47:36.123456789Z GET /alauda.jpg 200\n")
    assert line == LogLine(1433753256.123456, "GET /alauda.jpg 200")


def test_log_line_without_a_timestamp_is_none() -> None:
    assert parse_log_line(b"no timestamp here\n") is None


def test_log_line_with_invalid_utf8_is_kept_with_replacements() -> None:
    line = parse_log_line(b"2015-06-08T08:47:36Z caf\xe9\n")
    assert line is not None and line.message == "caf\ufffd"


async def test_split_lines_joins_lines_across_chunks() -> None:
    lines = await collect(split_lines(stream([b"a\nb", b"c\n", b"d"])))
    assert lines == [b"a", b"bc", b"d"]


async def test_split_lines_cuts_a_huge_line_and_skips_its_rest() -> None:
    lines = await collect(split_lines(stream([b"x" * 10, b"y" * 10, b"\nnext\n"]), 8))
    assert lines == [b"x" * 8, b"next"]


async def test_lines_in_window_keep_both_ends_of_the_window() -> None:
    raw = [
        b"2015-06-08T08:46:49Z before\n",
        b"2015-06-08T08:46:50Z first\n",
        b"2015-06-08T08:47:50.999Z last\n",
        b"2015-06-08T08:47:51Z after\n",
    ]
    window = LogWindow(1433753210, 1433753270)
    lines = await collect(lines_in_window(split_lines(stream(raw)), window))
    assert [line.message for line in lines] == ["first", "last"]


async def test_lines_in_window_stop_reading_past_the_end() -> None:
    read: list[bytes] = []

    async def recording() -> AsyncIterator[bytes]:
        for raw in [b"2015-06-08T08:47:00Z in\n", b"2015-06-08T08:59:00Z out\n", b"never\n"]:
            read.append(raw)
            yield raw

    await collect(lines_in_window(recording(), LogWindow(1433753210, 1433753270)))
    assert len(read) == 2


# --- merge --------------------------------------------------------------------


async def numbers(values: list[int]) -> AsyncIterator[int]:
    for value in values:
        yield value


async def test_merge_yields_items_of_all_streams_in_order() -> None:
    merged = merge_sorted([numbers([1, 4, 9]), numbers([2, 3, 10]), numbers([])], key=int)
    assert await collect(merged) == [(0, 1), (1, 2), (1, 3), (0, 4), (0, 9), (1, 10)]


async def test_merge_breaks_ties_by_stream_order() -> None:
    merged = merge_sorted([numbers([5]), numbers([5])], key=int)
    assert await collect(merged) == [(0, 5), (1, 5)]


async def test_merge_holds_one_item_per_stream() -> None:
    pulled: list[int] = []

    async def tracked(values: list[int]) -> AsyncIterator[int]:
        for value in values:
            pulled.append(value)
            yield value

    merged = merge_sorted([tracked([1, 2, 3]), tracked([10, 20])], key=int)
    assert await anext(merged) == (0, 1)
    assert sorted(pulled) == [1, 10]
    await merged.aclose()


# --- instances ------------------------------------------------------------------


def test_instance_id_is_the_first_8_characters_of_the_pod_uid() -> None:
    assert instance_id(pod("p", "a9aff249-e34b-11e4-9fa4-0240eaf5c02d")) == "a9aff249"


def test_pods_for_logs_skip_pods_that_never_started() -> None:
    pods = [pod("a", "1"), pod("b", "2", started=None)]
    assert [p["metadata"]["uid"] for p in pods_for_logs(pods)] == ["1"]
