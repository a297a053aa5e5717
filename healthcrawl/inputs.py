"""Inputs: saved pages in, `Page`s out, chosen by each path's suffix.

A reader takes one path and yields `Entry`s: a page, or the reason it cannot be read (so one
bad file, or one bad record of an archive, never stops the rest). Adding a format (WARC, say)
is a module with its reader and one line in `READERS`.
"""

from __future__ import annotations

import gzip
import sys
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from healthcrawl.extractors.errors import Skip
from healthcrawl.page import Page
from healthcrawl.skips import UnreadableInput
from healthcrawl.warc import read_warc

STDIN = "-"
STDIN_LABEL = "<stdin>"
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class Entry:
    label: str
    """Where the page came from, as messages name it: a path, <stdin>, or for a record of an
    archive path#URL (a page) or path#offset (anything else)."""
    page: Page | None = None
    failure: Skip | None = None
    """Why there is no page (an unreadable file), when page is None."""


Reader = Callable[[str, str | None], Iterator[Entry]]
"""(path, URL the page was saved from or None) -> its entries."""


def read_html(path: str, url: str | None) -> Iterator[Entry]:
    """One saved page; gzip is undone whatever the name says (the magic bytes decide)."""
    label = STDIN_LABEL if path == STDIN else path
    try:
        data = sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
        if data.startswith(_GZIP_MAGIC):
            data = gzip.decompress(data)
        elif path.lower().endswith(".gz"):
            raise gzip.BadGzipFile(f"not a gzipped file ({data[:4]!r})")
    except (OSError, EOFError, zlib.error) as error:
        yield Entry(label, failure=UnreadableInput(label, _reason(error)))
        return
    yield Entry(label, page=Page(url, data))


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


READERS: dict[str, Reader] = {
    ".html": read_html,
    ".htm": read_html,
    ".xhtml": read_html,
    ".html.gz": read_html,
    ".htm.gz": read_html,
    ".xhtml.gz": read_html,
    ".warc": read_warc,
    ".warc.gz": read_warc,
}
"""Path suffix -> its reader. A directory is searched for these suffixes; a file named on the
command line is read as HTML whatever its suffix, unless another reader claims it."""


def reader_for(path: str) -> Reader | None:
    name = path.lower()
    return next((r for suffix, r in READERS.items() if name.endswith(suffix)), None)


def holds_many(path: str) -> bool:
    """Whether one path can hold many pages (an archive), so it needs more than one worker."""
    reader = reader_for(path)
    return reader is not None and reader is not read_html


def expand(paths: Sequence[str]) -> Iterator[str]:
    """Files as given, directories recursively (sorted, files with a known suffix), so the
    output order is reproducible."""
    for path in paths:
        folder = Path(path)
        if path != STDIN and folder.is_dir():
            found = (p for p in folder.rglob("*") if p.is_file() and reader_for(p.name))
            yield from sorted(str(p) for p in found)
        else:
            yield path


def entries(paths: Sequence[str], urls: Mapping[str, str] | None = None) -> Iterator[Entry]:
    """Every page of `paths` (already expanded), with its URL from `urls` (keyed by the
    resolved path) when the map names it."""
    urls = urls or {}
    for path in paths:
        url = urls.get(str(Path(path).resolve())) if path != STDIN else urls.get(STDIN)
        yield from (reader_for(path) or read_html)(path, url)


class UrlMapError(ValueError):
    """A --urls map line that is not PATH<TAB>URL."""


def read_url_map(path: str) -> dict[str, str]:
    """`path<TAB>url` lines (blank lines and # comments allowed) -> {resolved path: url}.
    Relative paths are relative to the map file's folder, as in a manifest."""
    folder = Path(path).resolve().parent
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise UrlMapError(f"{path}: cannot be read ({_reason(error)})") from None
    mapping: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        page, tab, url = line.partition("\t")
        if not tab or not url.strip().startswith(("http://", "https://")):
            raise UrlMapError(f"{path} line {number}: expected PATH<TAB>http(s) URL, got {line!r}")
        mapping[str((folder / page.strip()).resolve())] = url.strip()
    return mapping
