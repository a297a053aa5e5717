"""Fuzz `extractors.extract` under the time budget machinery (`healthcrawl.workers.WorkerPool`,
as the crawl and the CLI run it): every input either gives a record that passes the schema, or
raises an `ExtractionError` subclass, inside the budget. Anything else (another exception, an
invalid record, a page over the budget, a dead worker) fails.

Three sources of input:

- generated pages: random nesting of common tags and attributes, text mixing prose with
  control characters, entities and numeric references, long runs of punctuation, and odd
  `<meta charset>` labels, given as text or encoded several ways;
- mutated real pages (../shared/pages, skipped when absent): byte flips, truncation at a
  random offset, a chunk duplicated or deleted;
- the adversarial families of issue 11 (patterns that went quadratic, control characters,
  empty references, many anchors or tiny elements, deep nesting), each as a whole page with
  100,000 hostile characters (HEALTHCRAWL_FUZZ_FAMILY_CHARS, comma-separated sizes).

Bounded for CI (about a minute). A long run scales the examples and writes a summary (cases,
outcomes by source and class, the slowest case and the median, the case with the highest peak
memory) as JSON::

    HEALTHCRAWL_FUZZ_EXAMPLES=20000 HEALTHCRAWL_FUZZ_MUTATED=20000 \\
    HEALTHCRAWL_FUZZ_FAMILY_CHARS=100000,1000000 HEALTHCRAWL_FUZZ_REPORT=fuzz-report.json \\
        .venv/bin/python -m pytest tests/fuzz -q -p no:cacheprovider

(20,000 generated pages, 20,000 mutated real pages and the families at two sizes: about 40
minutes on an idle core.)
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthcrawl.extractors import ExtractionError, extract
from healthcrawl.output.validate import validate
from healthcrawl.skips import PageTimeout
from healthcrawl.workers import PAGE_TIMEOUT, WorkerPool
from tests.conftest import SHARED

EXAMPLES = int(os.environ.get("HEALTHCRAWL_FUZZ_EXAMPLES", "1000"))
"""Generated pages per run."""
MUTATED = int(os.environ.get("HEALTHCRAWL_FUZZ_MUTATED", max(EXAMPLES // 3, 1)))
"""Mutated real pages per run (default a third of EXAMPLES: each costs more)."""
FAMILY_CHARS = [
    int(n) for n in os.environ.get("HEALTHCRAWL_FUZZ_FAMILY_CHARS", "100000").split(",")
]
"""Hostile characters in each adversarial family's page."""
BATCH = 500
"""Examples per hypothesis run. A run keeps what it drew for every example (about half a MB
each here: 20,000 in one run grew past 6 GB), so a long run is many runs of this size."""
CASE_SECONDS = PAGE_TIMEOUT
"""Per-case budget: the crawl's and the CLI's default, enforced by the same worker pool."""
URL = "https://example.org/health/fuzz"
PAGES = SHARED / "pages"
FUZZ_SETTINGS = settings(
    deadline=None,  # the pool's budget times each case: hypothesis' deadline flakes on warm-up
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def classify(data: bytes | str) -> tuple[str, float, int]:
    """Worker side: what extracting `data` came to (a valid record, or the documented error's
    class), how long it took, and the worker's peak memory meanwhile (KiB). Any other exception,
    RecordInvalid included, propagates."""
    _reset_peak_memory()
    started = time.perf_counter()
    try:
        record = extract(data, URL)
        validate(record.to_dict(), label=URL)
        kind = "record"
    except ExtractionError as error:
        kind = type(error).__name__
    seconds = time.perf_counter() - started
    return kind, seconds, _peak_memory()


def _reset_peak_memory() -> None:
    """Linux: the process's peak RSS (VmHWM) restarts from its current RSS, so each case's peak
    is its own (ru_maxrss never falls, and a spawned worker inherits its parent's)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_memory() -> int:
    """KiB; 0 where /proc does not say."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found[1]) if found else 0


class Fuzz:
    """One extraction worker under the budget, and what each case came to."""

    def __init__(self) -> None:
        self.pool = WorkerPool(classify, 1, budget=CASE_SECONDS, start_method="fork")
        self.kinds: Counter[str] = Counter()
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.slowest: dict[str, tuple[float, str]] = {}
        self.peak = (0, "none")
        """(KiB, case) of the case with the highest peak memory."""

    def check(self, data: bytes | str, source: str) -> None:
        """The property: a valid record or an ExtractionError, inside the time budget."""
        case = f"{len(data):,} long"
        try:
            kind, seconds, peak_kib = self.pool.submit(source, data).result()
        except PageTimeout:
            kind, seconds, peak_kib = "over the budget", CASE_SECONDS, 0
        outcome, group = f"{source}/{kind}", source.split("/")[0]  # families: by size
        self.kinds[outcome] += 1
        self.seconds[group].append(seconds)
        slowest = self.slowest.get(group, (0.0, ""))
        self.slowest[group] = max(slowest, (seconds, f"{outcome}, {case}"))
        self.peak = max(self.peak, (peak_kib, f"{outcome}, {case}"))
        assert kind != "over the budget", f"{case} input ran over {CASE_SECONDS} s"

    def summary(self) -> dict[str, object]:
        """Cases, outcomes, seconds by source and the case with the highest peak memory (a case
        over the budget is killed before it can say)."""
        by_source = {
            source: {
                "cases": len(seconds),
                "median_seconds": round(statistics.median(seconds), 4),
                "slowest_seconds": round(self.slowest[source][0], 4),
                "slowest_case": self.slowest[source][1],
            }
            for source, seconds in self.seconds.items()
        }
        return {
            "cases": sum(len(seconds) for seconds in self.seconds.values()),
            "outcomes": dict(sorted(self.kinds.items())),
            "by_source": by_source,
            "peak_rss": f"{round(self.peak[0] / 1024)} MiB: {self.peak[1]}",
        }


@pytest.fixture(scope="module")
def fuzz() -> Iterator[Fuzz]:
    found = Fuzz()
    yield found
    found.pool.close()
    report = os.environ.get("HEALTHCRAWL_FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps(found.summary(), indent=2) + "\n", "utf-8")


# -- Generated pages ----------------------------------------------------------------------------

TAGS = (
    "div", "p", "span", "a", "b", "strong", "i", "em", "ul", "ol", "li", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "table", "tr", "td", "th", "section", "article", "main", "nav",
    "aside", "header", "footer", "figure", "blockquote", "pre", "code", "sup", "br", "img",
    "form", "button", "script", "style", "noscript", "template", "svg", "iframe", "font",
    "center", "time", "abbr",
)  # fmt: skip
ATTRIBUTES = ("class", "id", "href", "lang", "role", "title", "itemprop", "rel", "style", "alt")
WORDS = (
    "fever", "Symptoms", "Causes", "References", "Sources", "Smith J.", "et al.", "2019;12(3):4-5",
    "doi:10.1000/xyz", "PMID: 123", "[PubMed]", "Accessed Sept. 28, 2010.", "Share", "Print",
    "Advertisement", "In:", "eds.", "Dec. 2, 2010", "Mayo Clinic", "A fever is a temporary rise"
    " in body temperature, often due to an illness.", "Having a fever is a sign that something"
    " out of the ordinary is going on in your body.",
)  # fmt: skip
ODD = (
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\u00a0", "\u200b",
    "\ud800", "\udfff", "\ufeff", "\ufffd", "\ufffe", "\uffff", "\U0001f600", "&amp;", "&lt;",
    "&nbsp;", "&lol;", "&#12;", "&#x1F;", "&#0;", "&#xD800;", "&#xFFFE;", "&#99999999;",
    "&#x110000;", "&#", "<!--", "-->", "<![CDATA[", "]]>", "<", ">", "\"", "'", "]]",
)  # fmt: skip
PUNCTUATION = ".:;,-–—[]()<>/\\|*#&!?\"' \n\t"
LABELS = (
    "utf-8", "UTF-16", "utf-16be", "windows-1252", "iso-8859-1", "ascii", "shift_jis", "gbk",
    "euc-kr", "koi8-r", "punycode", "unicode_escape", "base64", "rot13", "utf-7", "replacement",
    "x-user-defined", "bogus", "", "utf-32",
)  # fmt: skip

text_runs = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=40),
    st.lists(st.sampled_from(ODD + WORDS), max_size=12).map("".join),
    st.builds(lambda c, n: c * n, st.sampled_from(PUNCTUATION), st.integers(1, 3000)),
)
text = st.lists(text_runs, max_size=6).map(" ".join)
attributes = st.dictionaries(st.sampled_from(ATTRIBUTES), text_runs, max_size=3).map(
    lambda found: "".join(f' {name}="{value}"' for name, value in found.items())
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda tag, attrs, inner, tail: f"<{tag}{attrs}>{inner}</{tag}>{tail}",
        st.sampled_from(TAGS),
        attributes,
        st.lists(children, max_size=5).map("".join),
        text,
    )


body = st.recursive(text, _element, max_leaves=40)
head = st.builds(
    lambda label, title: f'<meta charset="{label}"><title>{title}</title>',
    st.sampled_from(LABELS),
    text,
)
pages = st.builds(
    lambda doctype, top, inner: f"{doctype}<html><head>{top}</head><body>{inner}</body></html>",
    st.sampled_from(("", "<!DOCTYPE html>", '<!DOCTYPE html [<!ENTITY x "y">]>', "<?xml ?>")),
    head,
    st.lists(body, min_size=1, max_size=4).map("".join),
)
ENCODINGS = ("str", "utf-8", "cp1252", "utf-16", "shift_jis", "latin-1")


def _encode(page: str, encoding: str) -> bytes | str:
    if encoding == "str":
        return page
    return page.encode(encoding, "surrogatepass" if encoding == "utf-8" else "replace")


def _batches(examples: int) -> range:
    return range(math.ceil(examples / BATCH))


@pytest.mark.parametrize("batch", _batches(EXAMPLES))
@settings(FUZZ_SETTINGS, max_examples=min(EXAMPLES, BATCH))
@given(page=pages, encoding=st.sampled_from(ENCODINGS))
def test_generated_pages(batch: int, page: str, encoding: str, fuzz: Fuzz) -> None:
    fuzz.check(_encode(page, encoding), "generated")


# -- Mutated real pages -------------------------------------------------------------------------


@cache
def _real_pages() -> tuple[bytes, ...]:
    return tuple(path.read_bytes() for path in sorted(PAGES.glob("*.html")))


offsets = st.floats(0, 1, exclude_max=True)
mutations = st.lists(
    st.tuples(
        st.sampled_from(("flip", "truncate", "duplicate", "delete")),
        offsets,
        offsets,
        st.integers(1, 20_000),
        st.integers(0, 255),
    ),
    min_size=1,
    max_size=4,
)


def _mutate(data: bytes, kind: str, at: float, to: float, length: int, byte: int) -> bytes:
    """One mutation at relative offsets, so the same draw fits a page of any size."""
    start, target = int(at * len(data)), int(to * len(data))
    if not data:
        return data
    if kind == "flip":
        return data[:start] + bytes([byte]) + data[start + 1 :]
    if kind == "truncate":
        return data[:start]
    if kind == "duplicate":
        return data[:target] + data[start : start + length] + data[target:]
    return data[:start] + data[start + length :]


@pytest.mark.skipif(not PAGES.is_dir(), reason=f"{PAGES} is absent (read in place)")
@pytest.mark.parametrize("batch", _batches(MUTATED))
@settings(FUZZ_SETTINGS, max_examples=min(MUTATED, BATCH))
@given(index=st.integers(0, 10_000), changes=mutations)
def test_mutated_real_pages(
    batch: int, index: int, changes: list[tuple[str, float, float, int, int]], fuzz: Fuzz
) -> None:
    pages = _real_pages()
    data = pages[index % len(pages)]
    for change in changes:
        data = _mutate(data, *change)
    fuzz.check(data, "mutated")


# -- Adversarial families ----------------------------------------------------------------------

PROSE = (
    "A fever is a temporary rise in body temperature, often due to an illness. Having a fever is"
    " a sign that something out of the ordinary is going on in your body."
)
CONTROL = "".join(map(chr, [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))


def _article(body: str = "", *, head: str = "", references: str = "", doctype: str = "") -> str:
    """A plain article with a references list, the hostile part put where it bites."""
    return (
        f"{doctype or '<!DOCTYPE html>'}<html><head>{head}<title>Fever</title></head><body><main>"
        f"<h1>Fever</h1><p>{PROSE}</p><p>{PROSE}</p>{body}<h2>References</h2><ol>"
        f"<li>Smith J. Fever in adults. N Engl J Med. 2019;12(3):4-5.</li>{references}</ol>"
        "</main></body></html>"
    )


FAMILIES: dict[str, Callable[[int], str]] = {
    "meta-charset": lambda n: _article(head="<meta " * (n // 6)),
    "doctype-subset": lambda n: _article(doctype="<!DOCTYPE [" * (n // 11)),
    "reference-link-label": lambda n: _article(references=f"<li>Smith J. A title. {'[' * n}</li>"),
    "reference-edges": lambda n: _article(references=f"<li>a{':' * n}x</li>"),
    "reference-apa-journal": lambda n: _article(
        references=f"<li>Smith, J. (2019). A title. Journal{', 1(' * (n // 4)}</li>"
    ),
    "reference-url-trim": lambda n: _article(references=f"<li>http://example.org/{')' * n}</li>"),
    "bullet-term-end": lambda n: _article(f"<ul><li><b>{'.' * n}x</b> rest of the item</li></ul>"),
    "control-characters": lambda n: _article(
        f"<p title='{CONTROL * (n // 2 // len(CONTROL))}'>"
        f"{(PROSE + CONTROL) * (n // 2 // (len(PROSE) + len(CONTROL)))}</p>"
    ),
    "empty-references": lambda n: _article(references="<li> </li><li>[2]</li>" * (n // 22)),
    "anchors-without-href": lambda n: _article(f"<p>{'<a>x</a>' * (n // 8)}</p>"),
    "tiny-elements": lambda n: _article(f"<p>{PROSE}{'<br>' * (n // 4)}</p>"),
    "deep-nesting": lambda n: _article("<div>" * (n // 5)),
}
"""Issue 11's hostile inputs, each a function of how many hostile characters to put in."""


@pytest.mark.parametrize("chars", FAMILY_CHARS)
@pytest.mark.parametrize("family", FAMILIES)
def test_adversarial_families(family: str, chars: int, fuzz: Fuzz) -> None:
    fuzz.check(FAMILIES[family](chars), f"family-{chars}/{family}")
