"""The systems a main-text set is measured on: ours and its peers, each bytes + URL in, text out.

- ours: `extractors.extract(html, url)`, content = `record.text` (a refusal is empty output);
  with `disable`, `extract(html, url, disable=...)` (the ablation, `quality.py --ablate`).
- bare: `trafilatura.extract(html, url=url)`, default options.
- precision: `trafilatura.extract(html, url=url, favor_precision=True)`.
- resiliparse: `extract_plain_text(html, main_content=True)` on the page decoded by resiliparse's
  own `detect_encoding` + `bytes_to_str` (it takes a str, and no URL).
- readability: `readability.Document(html, url=url).summary()`, then the text of that HTML
  through lxml, with a line break around each block element so list items and cells do not
  run together.

resiliparse and readability-lxml are the optional `bench` extra; one not installed is reported
as such and skipped. Every call runs under a wall-clock deadline (SIGALRM, so it interrupts
Python code, and C code as soon as it returns): a page that hangs is empty output.
"""

from __future__ import annotations

import importlib.util
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import trafilatura
from lxml import html as lxml_html

from healthcrawl.extractors import ExtractionError, Record, extract

SYSTEMS = ("ours", "bare", "precision", "resiliparse", "readability")
"""Every system, in table order."""
TIMEOUT_SECONDS = 20
"""Per page and system; the slowest dev page takes any system under half a second."""
_DISTRIBUTION = {
    "ours": "healthcrawl",
    "bare": "trafilatura",
    "precision": "trafilatura",
    "resiliparse": "resiliparse",
    "readability": "readability-lxml",
}
_MODULE = {"resiliparse": "resiliparse", "readability": "readability"}
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4"
    " h5 h6 header hr li main nav ol p pre section table td th tr ul".split()
)


@dataclass(frozen=True)
class Run:
    """One configuration to measure: a system, and for ours the rules it runs without."""

    key: str
    system: str
    disable: frozenset[str] = frozenset()


@dataclass
class Output:
    """What a system gave for one page; `error` says why it is empty (refusal, crash, timeout)."""

    text: str
    error: str | None = None
    record: Record | None = None


class PageTimeout(BaseException):
    """Raised by the SIGALRM handler when a system overruns its deadline (a BaseException, so
    a library's `except Exception` cannot swallow it)."""


def installed(system: str) -> bool:
    """Whether the system's package can be imported here."""
    module = _MODULE.get(system)
    return module is None or importlib.util.find_spec(module) is not None


def label(system: str) -> str:
    """The system's name with the version it ran, for the tables."""
    try:
        release = version(_DISTRIBUTION[system])
    except PackageNotFoundError:
        return f"{_DISTRIBUTION[system]} (not installed)"
    suffix = {"bare": " bare", "precision": " favor_precision"}.get(system, "")
    return f"{_DISTRIBUTION[system]} {release}{suffix}"


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise PageTimeout in the block after `seconds`; a no-op outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise PageTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_system(run: Run, data: bytes, url: str | None, timeout: float = TIMEOUT_SECONDS) -> Output:
    """One system on one page; never raises: a failure is empty output with its reason."""
    try:
        with deadline(timeout):
            if run.system == "ours":
                record = run_ours(data, url, run.disable)
                return Output(record.text, record=record)
            return Output(_PEERS[run.system](data, url) or "")
    except ExtractionError as exc:
        return Output("", f"{type(exc).__name__}: {exc.detail}")
    except PageTimeout:
        return Output("", f"timeout after {timeout} s")
    except Exception as exc:  # a peer's (or our) crash is that system's empty page, not ours
        return Output("", f"crash {type(exc).__name__}: {str(exc)[:200]}")


def run_ours(data: bytes, url: str | None, disable: frozenset[str]) -> Record:
    """Our extractor; `disable` is passed only when given, so older extractors still run."""
    return extract(data, url, disable=disable) if disable else extract(data, url)


def run_bare(data: bytes, url: str | None) -> str | None:
    """trafilatura with its default options."""
    return trafilatura.extract(data, url=url)


def run_precision(data: bytes, url: str | None) -> str | None:
    """trafilatura tuned for precision."""
    return trafilatura.extract(data, url=url, favor_precision=True)


def run_resiliparse(data: bytes, url: str | None) -> str:
    """resiliparse's main-content heuristics (no URL parameter)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    return extract_plain_text(bytes_to_str(data, detect_encoding(data)), main_content=True)


def run_readability(data: bytes, url: str | None) -> str:
    """readability-lxml's summary HTML, as text."""
    from readability import Document

    return html_text(Document(data, url=url).summary())


def html_text(markup: str) -> str:
    """The text of an HTML fragment, a line break around each block element."""
    if not markup.strip():
        return ""
    root = lxml_html.fromstring(markup)
    for element in root.iter():
        if element.tag in _BLOCKS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    return "\n".join(line.strip() for line in root.text_content().splitlines() if line.strip())


_PEERS: dict[str, Callable[[bytes, str | None], str | None]] = {
    "bare": run_bare,
    "precision": run_precision,
    "resiliparse": run_resiliparse,
    "readability": run_readability,
}
