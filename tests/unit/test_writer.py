"""output.writer: whole sorted-key UTF-8 lines, one locked O_APPEND write each; fsync interval;
torn-tail repair; resume."""

from __future__ import annotations

import fcntl
import io
import json
import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from healthcrawl.output.writer import (
    DEFAULT_FSYNC_EVERY,
    JsonlWriter,
    read_values,
    repair_torn_tail,
)

WRITER = "healthcrawl.output.writer"
TORN_IN_CHARACTER = b'{"id":"a"}\n{"id":"b","title":"Fi' + "è".encode()[:1]
"""A whole line, then a line cut between the two bytes of "è"."""
TORN_WARNING = "{}: dropped a torn last line ({} bytes) left by an interrupted run"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str]]:
    return [(r.name, r.levelname, r.getMessage()) for r in caplog.records]


def test_whole_lines_sorted_keys_compact_utf8(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlWriter(path) as writer:
        writer.write({"title": "Fièvre “aiguë”", "id": "b", "nested": {"z": 1, "a": [1, 2]}})
        writer.write({"b": None, "a": True})
    assert writer.written == 2
    first = '{"id":"b","nested":{"a":[1,2],"z":1},"title":"Fièvre “aiguë”"}\n'
    expected = first + '{"a":true,"b":null}\n'
    assert path.read_bytes() == expected.encode("utf-8")
    assert b"\\u" not in path.read_bytes()


def test_each_write_is_flushed_before_close(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlWriter(path) as writer, path.open("rb") as reader:
        writer.write({"id": "a"})
        assert reader.read() == b'{"id":"a"}\n'
        writer.write({"id": "b"})
        assert reader.read() == b'{"id":"b"}\n'


def test_appends_to_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"id":"old"}\n')
    with JsonlWriter(path) as writer:
        writer.write({"id": "new"})
    assert path.read_bytes() == b'{"id":"old"}\n{"id":"new"}\n'


def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "out.jsonl"
    with JsonlWriter(path) as writer:
        writer.write({"id": "x"})
    assert path.read_bytes() == b'{"id":"x"}\n'


def test_stream_target_writes_to_stream_and_creates_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    stream = io.StringIO()
    with JsonlWriter("-", stream=stream) as writer:
        writer.write({"é": "ü", "a": 1})
    assert stream.getvalue() == '{"a":1,"é":"ü"}\n'
    assert list(tmp_path.iterdir()) == []


def test_dash_without_stream_writes_to_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with JsonlWriter("-") as writer:
        writer.write({"id": "a"})
    assert capsys.readouterr().out == '{"id":"a"}\n'
    assert list(tmp_path.iterdir()) == []


def test_write_before_open_raises(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    writer = JsonlWriter(path)
    with pytest.raises(RuntimeError) as raised:
        writer.write({"id": "a"})
    assert str(raised.value) == f"{path}: writer is not open"
    assert not path.exists()


def test_closed_writer_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlWriter(path) as writer:
        writer.write({"id": "a"})
    with pytest.raises(RuntimeError, match=r"writer is not open$"):
        writer.write({"id": "b"})
    assert path.read_bytes() == b'{"id":"a"}\n'


def test_open_repairs_torn_tail_before_appending(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"id":"a"}\n{"id":"b","te')
    with JsonlWriter(path) as writer:
        writer.write({"id": "c"})
    assert path.read_bytes() == b'{"id":"a"}\n{"id":"c"}\n'
    assert _warnings(caplog) == [(WRITER, "WARNING", TORN_WARNING.format(path, 13))]


def test_repair_missing_file_is_a_no_op(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "absent.jsonl"
    repair_torn_tail(path)
    assert not path.exists()
    assert caplog.records == []


def test_repair_empty_file_untouched(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"")
    repair_torn_tail(path)
    assert path.read_bytes() == b""
    assert caplog.records == []


def test_repair_file_ending_in_newline_untouched(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "out.jsonl"
    data = b'{"id":"a"}\n{"id":"b"}\n'
    path.write_bytes(data)
    repair_torn_tail(path)
    assert path.read_bytes() == data
    assert caplog.records == []


def test_repair_only_partial_line_truncates_to_zero(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"id":"a","ti')
    repair_torn_tail(path)
    assert path.read_bytes() == b""
    assert _warnings(caplog) == [(WRITER, "WARNING", TORN_WARNING.format(path, 13))]


def test_repair_counts_bytes_not_characters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes('{"id":"a"}\n{"t":"é'.encode())
    repair_torn_tail(path)
    assert path.read_bytes() == b'{"id":"a"}\n'
    assert _warnings(caplog) == [(WRITER, "WARNING", TORN_WARNING.format(path, 8))]


# Lengths around the 64 KiB search chunk: the newline sits in the same, or an earlier, chunk.
@pytest.mark.parametrize("partial", [1, 65_535 - 11, 65_536 - 11, 65_536, 65_537, 200_000])
def test_repair_long_partial_line_after_whole_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, partial: int
) -> None:
    path = tmp_path / "out.jsonl"
    whole = b'{"id":"a"}\n' * 3
    path.write_bytes(whole + b"x" * partial)
    repair_torn_tail(path)
    assert path.read_bytes() == whole
    assert _warnings(caplog) == [(WRITER, "WARNING", TORN_WARNING.format(path, partial))]


@pytest.mark.parametrize("partial", [65_536, 65_537, 200_000])
def test_repair_long_partial_line_alone_truncates_to_zero(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, partial: int
) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"text":"' + b"y" * partial)
    repair_torn_tail(path)
    assert path.read_bytes() == b""
    size = partial + 9
    assert _warnings(caplog) == [(WRITER, "WARNING", TORN_WARNING.format(path, size))]


def test_repair_is_idempotent(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"id":"a"}\n{"id"')
    repair_torn_tail(path)
    repair_torn_tail(path)
    assert path.read_bytes() == b'{"id":"a"}\n'
    assert len(caplog.records) == 1


def test_read_values_skips_torn_line_and_records_without_the_key(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(
        b'{"id":"a","url":"https://example.org/a"}\n'
        b'{"url":"https://example.org/no-id"}\n'
        b'{"id":null}\n'
        b'{"id":7}\n'
        b"[1,2]\n"
        b'"id"\n'
        b"not json\n"
        b'{"id":"b"}\n'
        b'{"id":"c","url":"https://exa'
    )
    assert read_values(path, "id") == ["a", "b"]
    assert read_values(path, "url") == ["https://example.org/a", "https://example.org/no-id"]


def test_read_values_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_values(tmp_path / "absent.jsonl", "id") == []


def test_read_values_round_trips_writer_output(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlWriter(path) as writer:
        for value in ("a", "ü", "c"):
            writer.write({"id": value})
    assert read_values(path, "id") == ["a", "ü", "c"]


def test_read_values_agrees_with_repair_on_unterminated_last_line(tmp_path: Path) -> None:
    """A write cut just before its newline parses, but repair drops it: so must read_values."""
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"id":"a"}\n{"id":"b"}')
    before = read_values(path, "id")
    repair_torn_tail(path)
    assert path.read_bytes() == b'{"id":"a"}\n'
    assert before == read_values(path, "id") == ["a"]


def test_read_values_passes_over_torn_line_cut_inside_a_character(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(TORN_IN_CHARACTER)
    assert read_values(path, "id") == ["a"]


def test_repair_torn_line_cut_inside_a_character(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(TORN_IN_CHARACTER)
    repair_torn_tail(path)
    assert path.read_bytes() == b'{"id":"a"}\n'
    assert read_values(path, "id") == ["a"]


# -- Concurrent writers, one write per line, the lock, fsync ---------------------------------

RECORDS_EACH = 300
TEXT_CHARS = 9000
"""Over 8 KB a line: past a text file's buffer, which wrote such a line and its newline apart."""


def _append_records(path: str, worker: str, start: Any) -> None:
    """One of two real processes appending to the same file at the same time."""
    start.wait()
    with JsonlWriter(path) as writer:
        for i in range(RECORDS_EACH):
            writer.write({"id": f"{worker}-{i}", "text": worker * TEXT_CHARS})


def test_two_processes_appending_at_once_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [
        context.Process(target=_append_records, args=(str(path), worker, start)) for worker in "ab"
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
    assert [process.exitcode for process in workers] == [0, 0]
    data = path.read_bytes()
    assert data.endswith(b"\n")
    lines = data[:-1].split(b"\n")
    assert len(lines) == 2 * RECORDS_EACH
    assert b"" not in lines
    records = [json.loads(line) for line in lines]
    assert sorted(record["id"] for record in records) == sorted(
        f"{worker}-{i}" for worker in "ab" for i in range(RECORDS_EACH)
    )
    assert all(record["text"] == record["id"][0] * TEXT_CHARS for record in records)


def test_each_record_is_one_os_write_of_the_whole_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[bytes] = []
    real_write = os.write

    def spy(fd: int, data: bytes) -> int:
        writes.append(bytes(data))
        return real_write(fd, data)

    path = tmp_path / "out.jsonl"
    with JsonlWriter(path) as writer:
        monkeypatch.setattr(os, "write", spy)
        writer.write({"id": "a", "text": "é" * 20_000})
    line = '{"id":"a","text":"' + "é" * 20_000 + '"}\n'
    assert writes == [line.encode()]
    assert path.read_bytes() == line.encode()


def test_file_is_opened_for_append(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlWriter(path) as writer:
        flags = fcntl.fcntl(writer._fd, fcntl.F_GETFL)
        assert flags & os.O_APPEND


def test_write_waits_for_the_lock(tmp_path: Path) -> None:
    """A writer holding the lock (here a second descriptor) holds every other writer back."""
    path = tmp_path / "out.jsonl"
    with JsonlWriter(path) as writer, path.open("ab") as other:
        fcntl.flock(other, fcntl.LOCK_EX)
        thread = threading.Thread(target=writer.write, args=({"id": "a"},))
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()
        assert path.read_bytes() == b""
        other.write(b'{"id":"other"}\n')
        other.flush()
        fcntl.flock(other, fcntl.LOCK_UN)
        thread.join(timeout=10)
        assert not thread.is_alive()
    assert path.read_bytes() == b'{"id":"other"}\n{"id":"a"}\n'


def test_torn_line_left_by_a_dead_peer_is_dropped_before_the_next_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlWriter(path) as writer:
        writer.write({"id": "a"})
        with path.open("ab") as peer:
            peer.write(b'{"id":"peer","te')
        writer.write({"id": "b"})
    assert path.read_bytes() == b'{"id":"a"}\n{"id":"b"}\n'
    assert _warnings(caplog) == [(WRITER, "WARNING", TORN_WARNING.format(path, 16))]


def _count_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        calls.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return calls


def test_fsync_every_n_records_and_at_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"")
    calls = _count_fsyncs(monkeypatch)
    with JsonlWriter(path, fsync_every=2) as writer:
        synced = []
        for i in range(5):
            writer.write({"id": str(i)})
            synced.append(len(calls))
    assert synced == [0, 1, 1, 2, 2]
    assert len(calls) == 3


def test_no_fsync_at_close_when_nothing_is_unsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"")
    calls = _count_fsyncs(monkeypatch)
    with JsonlWriter(path, fsync_every=2) as writer:
        writer.write({"id": "a"})
        writer.write({"id": "b"})
    assert len(calls) == 1


def test_default_fsync_interval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"")
    calls = _count_fsyncs(monkeypatch)
    with JsonlWriter(path) as writer:
        for i in range(DEFAULT_FSYNC_EVERY):
            assert len(calls) == 0
            writer.write({"id": str(i)})
        assert len(calls) == 1
    assert DEFAULT_FSYNC_EVERY == 100
    assert len(calls) == 1


def test_new_file_syncs_its_folder_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_fsyncs(monkeypatch)
    with JsonlWriter(tmp_path / "out.jsonl"):
        assert len(calls) == 1
    assert len(calls) == 1


def test_fsync_every_below_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with pytest.raises(ValueError) as raised:
        JsonlWriter(path, fsync_every=0)
    assert str(raised.value) == f"{path}: fsync_every must be at least 1, not 0"
