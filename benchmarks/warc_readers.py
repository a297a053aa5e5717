"""WARC readers on the 1,000 GARD pages: pages/s of FastWARC, warcio and healthcrawl's reader,
and what each library does with a damaged file.

Command (from the repo root; about a minute)::

    .venv/bin/python benchmarks/warc_readers.py [--shared ../shared] [--rounds 5]
        [--json benchmarks/results/warc_readers.json]

The WARC is built once in a temporary folder with warcio's writer, as Common Crawl ships them:
per page a request and a response record (the page's real URL, Content-Type text/html;
charset=utf-8), each record its own gzip member. Each reader reads every response body whole:

- fastwarc: `ArchiveIterator(path)` (HTTP headers parsed), `record.reader.read()`.
- warcio: `ArchiveIterator(file)`, `record.content_stream().read()`.
- healthcrawl: `healthcrawl.warc.read_warc(path)`, a `Page` per response (FastWARC, plus the
  length check against Content-Length and header decoding).

A round times each reader once, in an order that rotates per round; the table shows the median
pages/s over rounds. Damage: the same WARC cut in the middle of a response record, with 40
bytes flipped inside a gzip member, and gzipped HTML named .warc.gz; for each library, how
many records it yields before it stops, and what it raises. Exit 2: ../shared absent.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from fastwarc.warc import ArchiveIterator as FastArchiveIterator
from fastwarc.warc import WarcRecordType
from warcio.archiveiterator import ArchiveIterator as WarcioArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from healthcrawl.warc import read_warc

if __package__ in (None, ""):  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.throughput import gard_files, gard_urls  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_JSON = REPO / "benchmarks" / "results" / "warc_readers.json"


def build_warc(shared: Path, path: Path) -> int:
    """The GARD pages as a Common Crawl-style WARC; returns the number of pages."""
    urls = gard_urls(shared)
    files = gard_files(shared)
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for file in files:
            url, body = urls[file.name], file.read_bytes()
            request = StatusAndHeaders(f"GET {url} HTTP/1.1", [], is_http_request=True)
            headers = [("Content-Type", "text/html; charset=utf-8"),
                       ("Content-Length", str(len(body)))]  # fmt: skip
            response = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            for kind, http, payload in (("request", request, b""), ("response", response, body)):
                record = writer.create_warc_record(
                    url, kind, payload=io.BytesIO(payload), http_headers=http
                )
                writer.write_record(record)
    return len(files)


def read_fastwarc(path: Path) -> int:
    pages = 0
    for record in FastArchiveIterator(str(path), record_types=WarcRecordType.response):
        pages += bool(record.reader.read())
    return pages


def read_warcio(path: Path) -> int:
    pages = 0
    with open(path, "rb") as file:
        for record in WarcioArchiveIterator(file):
            if record.rec_type == "response":
                pages += bool(record.content_stream().read())
    return pages


def read_healthcrawl(path: Path) -> int:
    return sum(entry.page is not None for entry in read_warc(str(path)))


READERS: dict[str, Callable[[Path], int]] = {
    "fastwarc": read_fastwarc,
    "warcio": read_warcio,
    "healthcrawl": read_healthcrawl,
}


def time_readers(path: Path, pages: int, rounds: int) -> dict[str, list[float]]:
    """pages/s per reader per round, the order rotating so no reader always runs first."""
    names = list(READERS)
    speeds: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            got = READERS[name](path)
            elapsed = time.perf_counter() - started
            if got != pages:
                raise SystemExit(f"{name} read {got} pages of {pages}")
            speeds[name].append(pages / elapsed)
    return speeds


def damaged_copies(path: Path, folder: Path) -> dict[str, Path]:
    """Three damaged files made from the WARC at `path`."""
    data = path.read_bytes()
    starts = member_starts(data, 13)
    cut = starts[11] + (starts[12] - starts[11]) // 2  # inside the 6th response
    flipped = bytearray(data[: starts[12]])
    middle = (starts[9] + starts[10]) // 2
    flipped[middle : middle + 40] = bytes(b ^ 0x55 for b in flipped[middle : middle + 40])
    html = gzip.compress(b"<html><body><p>Not a WARC.</p></body></html>" * 50)
    copies = {"truncated": data[:cut], "corrupt member": bytes(flipped), "not a WARC": html}
    paths = {}
    for name, content in copies.items():
        paths[name] = folder / (name.replace(" ", "-") + ".warc.gz")
        paths[name].write_bytes(content)
    return paths


def member_starts(data: bytes, count: int) -> list[int]:
    """Offsets of the first `count` gzip members."""
    starts, offset = [], 0
    while len(starts) < count:
        starts.append(offset)
        member = zlib.decompressobj(31)
        chunk = data[offset : offset + (1 << 22)]
        member.decompress(chunk)
        offset += len(chunk) - len(member.unused_data)
    return starts


def records_fastwarc(path: Path) -> Iterator[None]:
    for record in FastArchiveIterator(str(path)):
        record.reader.read()
        yield


def records_warcio(path: Path) -> Iterator[None]:
    with open(path, "rb") as file:
        for record in WarcioArchiveIterator(file):
            record.content_stream().read()
            yield


def damage_behaviour(path: Path) -> dict[str, str]:
    """For each library: records yielded from the damaged file, then what it raised."""
    results = {}
    for name, records in (("fastwarc", records_fastwarc), ("warcio", records_warcio)):
        count = 0
        try:
            for _ in records(path):
                count += 1
            results[name] = f"{count} records, no error"
        except Exception as error:  # what each library raises is the result
            results[name] = f"{count} records, then {type(error).__name__}: {error}"[:100]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    corpus = args.shared / "corpus" / "rarediseases" / "disease_links.csv"
    if not corpus.exists():
        print(f"{corpus} is absent (the GARD corpus is read from ../shared)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp, "gard.warc.gz")
        pages = build_warc(args.shared, warc)
        speeds = time_readers(warc, pages, args.rounds)
        damage = {name: damage_behaviour(p) for name, p in damaged_copies(warc, Path(tmp)).items()}
        size = warc.stat().st_size
    print(f"{pages} pages, {size / 2**20:.1f} MiB gzipped WARC, {args.rounds} rounds")
    print(f"{'reader':<12} {'pages/s (median)':>16} {'min':>7} {'max':>7}")
    for name, values in speeds.items():
        print(f"{name:<12} {statistics.median(values):>16.0f} {min(values):>7.0f} "
              f"{max(values):>7.0f}")  # fmt: skip
    for case, results in damage.items():
        for name, what in results.items():
            print(f"{case:<15} {name:<9} {what}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"pages": pages, "speeds": speeds, "damage": damage}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
