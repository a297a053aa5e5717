"""healthcrawl.warc: WARC records in, Pages and counted skips out; damage named by offset.

The WARCs here are written by hand (WARC/1.0 text, one gzip member per record, as Common
Crawl ships them), not by the library that reads them, so a shared misreading cannot hide.
"""

from __future__ import annotations

import gzip
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from healthcrawl import Page, process
from healthcrawl.inputs import READERS, expand
from healthcrawl.output.cli import main
from healthcrawl.warc import read_warc

URL = "https://example.org/health/fever"
DATE = "2024-05-06T07:08:09Z"
TEXT = (
    "<p>A fever is a temporary rise in body temperature, often due to an illness. Having a "
    "fever is a sign that something out of the ordinary is going on in your body.</p>"
    "<p>For an adult, a fever may be uncomfortable, but usually is not a cause for concern "
    "unless it reaches 103 F or higher.</p>"
)


def article(title: str) -> str:
    return f"<html><head><title>{title}</title></head><body><main><h1>{title}</h1>{TEXT}</main>"


def record(
    kind: str, block: bytes, url: str | None = URL, content_type: str | None = None
) -> bytes:
    """One WARC/1.0 record, uncompressed."""
    record_id = f"<urn:uuid:00000000-0000-0000-0000-{len(block):012d}>"
    fields = [("WARC-Type", kind), ("WARC-Date", DATE), ("WARC-Record-ID", record_id)]
    if url:
        fields.append(("WARC-Target-URI", url))
    if content_type:
        fields.append(("Content-Type", content_type))
    fields.append(("Content-Length", str(len(block))))
    head = "WARC/1.0\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def response(
    body: bytes,
    url: str = URL,
    status: str = "200 OK",
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),),
) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers)]
    block = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    return record("response", block, url, "application/http; msgtype=response")


def request(url: str = URL) -> bytes:
    block = f"GET {url.split('/', 3)[3]} HTTP/1.1\r\nHost: example.org\r\n\r\n".encode()
    return record("request", block, url, "application/http; msgtype=request")


def write_warc(path: Path, *records: bytes) -> list[int]:
    """Each record as its own gzip member (or plain, for .warc); returns their offsets."""
    members = [gzip.compress(r, mtime=0) if path.name.endswith(".gz") else r for r in records]
    path.write_bytes(b"".join(members))
    return [sum(len(m) for m in members[:n]) for n in range(len(members))]


def three_pages(path: Path, topic: str = "Topic") -> list[int]:
    """Responses of three articles titled `topic` 0-2; returns their offsets."""
    pages = (response(article(f"{topic} {n}").encode(), f"{URL}/{topic}{n}") for n in range(3))
    return write_warc(path, *pages)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    """`healthcrawl extract ARGS` in-process: (exit status, record titles, stderr)."""
    status = main(["extract", *args])
    out, err = capsys.readouterr()
    return status, [json.loads(line)["title"] for line in out.splitlines()], err


def test_a_response_becomes_a_page_with_url_date_status_and_headers(tmp_path: Path) -> None:
    warc = tmp_path / "crawl.warc.gz"
    headers = (("Content-Type", "text/html; charset=utf-8"), ("Set-Cookie", "a=1"),
               ("Set-Cookie", "b=2"))  # fmt: skip
    write_warc(warc, response(b"<p>hi</p>", headers=headers))
    (entry,) = read_warc(str(warc))
    assert entry.label == f"{warc}#{URL}"
    assert entry.page == Page(
        URL,
        b"<p>hi</p>",
        {"content-type": "text/html; charset=utf-8", "set-cookie": "a=1, b=2"},
        200,
        datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
    )


def test_records_that_are_not_pages_are_counted_and_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warc = tmp_path / "crawl.warc.gz"
    write_warc(
        warc,
        record("warcinfo", b"software: hand\r\n", None, "application/warc-fields"),
        request(),
        response(article("Fever").encode()),
        record("metadata", b"fetchTimeMs: 12\r\n", URL, "application/warc-fields"),
        record("revisit", b"HTTP/1.1 200 OK\r\n\r\n", URL, "application/http; msgtype=response"),
        response(b"\x89PNG\r\n", f"{URL}.png", headers=(("Content-Type", "image/png"),)),
        response(article("Not found").encode(), f"{URL}/gone", "404 Not Found"),
    )
    assert run(capsys, str(warc)) == (
        0,
        ["Fever"],
        "healthcrawl extract: skipped (not failures): "
        "http_error=1, not_a_response=4, not_html_response=1\n",
    )


def test_a_cp1252_page_without_meta_charset_decodes_from_the_header(tmp_path: Path) -> None:
    """Its bytes are valid UTF-8 too (É’ is C9 92, 'ɒ' in UTF-8): only the header decides."""
    title = "JOSÉ’S FEVER GUIDE"
    body = article(title).encode("cp1252")
    assert body.decode("utf-8")  # so a reader that dropped the header would get 'JOSɒS'
    warc = tmp_path / "crawl.warc.gz"
    content_type = (("Content-Type", "text/html; charset=windows-1252"),)
    write_warc(warc, response(body, headers=content_type))
    (entry,) = read_warc(str(warc))
    assert entry.page is not None
    assert process(entry.page).title == title


def test_chunked_and_gzip_encoded_bodies_are_undone(tmp_path: Path) -> None:
    html = article("Fever").encode()
    encoded = gzip.compress(html, mtime=0)
    chunked = b"".join(
        b"%x\r\n%s\r\n" % (len(encoded[i : i + 100]), encoded[i : i + 100])
        for i in range(0, len(encoded), 100)
    )
    headers = (("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
               ("Transfer-Encoding", "chunked"))  # fmt: skip
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, response(chunked + b"0\r\n\r\n", headers=headers))
    (entry,) = read_warc(str(warc))
    assert entry.page is not None and entry.page.body == html


def test_a_body_its_content_encoding_does_not_undo_is_unreadable(tmp_path: Path) -> None:
    headers = (("Content-Type", "text/html"), ("Content-Encoding", "gzip"))
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, response(b"<p>not gzip</p>", headers=headers))
    (entry,) = read_warc(str(warc))
    assert (entry.failure.reason, entry.failure.detail) == (
        "unreadable",
        "the body does not decode as gzip (Gzip decompression error: data error)",
    )


def test_a_response_without_an_http_status_is_unreadable(tmp_path: Path) -> None:
    warc = tmp_path / "crawl.warc.gz"
    block = b"HTTP/1.1 abc OK\r\nContent-Type: text/html\r\n\r\n<p>hi</p>"
    write_warc(warc, record("response", block, URL, "application/http; msgtype=response"))
    (entry,) = read_warc(str(warc))
    assert str(entry.failure) == f"{URL}: no HTTP status (status line 'HTTP/1.1 abc OK')"
    assert entry.failure.reason == "unreadable"


def test_plain_warc_files_and_folders_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    three_pages(tmp_path / "a.warc", "Plain")
    three_pages(tmp_path / "b.warc.gz", "Gzipped")
    assert {".warc", ".warc.gz"} <= READERS.keys()
    assert list(expand([str(tmp_path)])) == [str(tmp_path / "a.warc"), str(tmp_path / "b.warc.gz")]
    titles = ["Plain 0", "Plain 1", "Plain 2", "Gzipped 0", "Gzipped 1", "Gzipped 2"]
    assert run(capsys, str(tmp_path)) == (0, titles, "")


# ---- damage: the records before it are written, one unreadable line names file and offset ----


def test_a_truncated_warc_keeps_the_records_before_the_cut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warc = tmp_path / "cut.warc"
    offsets = three_pages(warc)
    body_starts = warc.read_bytes().index(b"<html>", offsets[2])
    warc.write_bytes(warc.read_bytes()[: body_starts + 100])
    body_length = len(article("Topic 2").encode())
    assert run(capsys, str(warc)) == (
        1,
        ["Topic 0", "Topic 1"],
        f"{warc}#{offsets[2]}: unreadable: truncated file: the record ends after 100 of its "
        f"{body_length} bytes\n",
    )


def test_a_gzipped_warc_cut_inside_a_member_names_that_member(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warc = tmp_path / "cut.warc.gz"
    offsets = three_pages(warc)
    for cut in (offsets[2] + 20, len(warc.read_bytes()) - 30):  # in its gzip header; its body
        data = warc.read_bytes()
        (tmp_path / "short.warc.gz").write_bytes(data[:cut])
        status, titles, err = run(capsys, str(tmp_path / "short.warc.gz"))
        assert (status, titles) == (1, ["Topic 0", "Topic 1"])
        assert err.startswith(f"{tmp_path / 'short.warc.gz'}#{offsets[2]}: unreadable: truncated")


def test_a_corrupt_gzip_member_ends_the_file_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warc = tmp_path / "bad.warc.gz"
    offsets = three_pages(warc)
    data = bytearray(warc.read_bytes())
    middle = (offsets[1] + offsets[2]) // 2
    data[middle : middle + 20] = bytes(b ^ 0x55 for b in data[middle : middle + 20])
    warc.write_bytes(bytes(data))
    assert run(capsys, str(warc)) == (
        1,
        ["Topic 0"],
        f"{warc}#{offsets[1]}: unreadable: unreadable WARC data (Gzip decompression error: data "
        "error); the rest of the file is skipped\n",
    )


def test_junk_between_records_of_a_plain_warc_is_named_by_its_offset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warc = tmp_path / "junk.warc"
    offsets = three_pages(warc)
    data = warc.read_bytes()
    warc.write_bytes(data[: offsets[2]] + b"JUNK\r\n" + data[offsets[2] :])
    status, titles, err = run(capsys, str(warc))
    assert (status, titles) == (1, ["Topic 0", "Topic 1"])
    assert err == (
        f"{warc}#{offsets[2]}: unreadable: unreadable WARC data (Invalid WARC header); the rest "
        "of the file is skipped\n"
    )


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (gzip.compress(article("Fever").encode()), "not a WARC file (Invalid WARC header)"),
        (article("Fever").encode(), "not a WARC file (Invalid WARC header)"),
        (b"", "not a WARC file: no WARC record in it"),
    ],
    ids=["gzipped-html", "plain-html", "empty"],
)
def test_a_file_that_is_not_warc_is_unreadable_at_offset_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, detail: str
) -> None:
    warc = tmp_path / "page.warc.gz"
    warc.write_bytes(content)
    assert run(capsys, str(warc)) == (1, [], f"{warc}#0: unreadable: {detail}\n")


def test_a_missing_warc_is_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "gone.warc.gz"
    assert run(capsys, str(missing)) == (
        1,
        [],
        f"{missing}: unreadable: No such file or directory\n",
    )


def test_without_fastwarc_the_message_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warc = tmp_path / "crawl.warc.gz"
    three_pages(warc)
    monkeypatch.setitem(sys.modules, "fastwarc.stream_io", None)  # as if not installed
    (entry,) = read_warc(str(warc))
    assert str(entry.failure) == (
        f"{warc}: reading WARC files needs FastWARC: pip install 'healthcrawl[io]'"
    )
