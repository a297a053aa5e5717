"""Fuzz `extractors.extract`: every input either gives a record that passes the schema, or raises
an `ExtractionError` subclass, within a time budget. Anything else (another exception, an
invalid record, a slow case) fails.

Two sources of input:

- generated pages: random nesting of common tags and attributes, text mixing prose with
  control characters, entities and numeric references, long runs of punctuation, and odd
  `<meta charset>` labels, given as text or encoded several ways;
- mutated real pages (../shared/pages, skipped when absent): byte flips, truncation at a
  random offset, a chunk duplicated or deleted.

Bounded for CI (about a minute). A long run scales the examples and writes a summary (cases,
outcomes by class, slowest and median seconds) as JSON::

    HEALTHCRAWL_FUZZ_EXAMPLES=20000 HEALTHCRAWL_FUZZ_REPORT=fuzz-report.json \\
        .venv/bin/python -m pytest tests/fuzz -q -p no:cacheprovider
"""

from __future__ import annotations

import json
import math
import os
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthcrawl.extractors import ExtractionError, extract
from healthcrawl.output.validate import validate
from tests.conftest import SHARED

EXAMPLES = int(os.environ.get("HEALTHCRAWL_FUZZ_EXAMPLES", "1000"))
"""Generated pages per run; mutated real pages get a third as many (MUTATED)."""
MUTATED = max(EXAMPLES // 3, 1)
BATCH = 500
"""Examples per hypothesis run. A run keeps what it drew for every example (about half a MB
each here: 20,000 in one run grew past 6 GB), so a long run is many runs of this size."""
CASE_SECONDS = 5.0
"""Per-case budget: the crawler's pages take well under a second; a pattern gone quadratic
takes minutes."""
URL = "https://example.org/health/fuzz"
PAGES = SHARED / "pages"
FUZZ_SETTINGS = settings(
    deadline=None,  # timed below against CASE_SECONDS: hypothesis' deadline flakes on warm-up
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Outcomes:
    """What each case came to, for the long-run summary."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.seconds: list[float] = []

    def summary(self) -> dict[str, object]:
        return {
            "cases": len(self.seconds),
            "outcomes": dict(self.kinds.most_common()),
            "slowest_seconds": round(max(self.seconds, default=0.0), 4),
            "median_seconds": round(statistics.median(self.seconds or [0.0]), 4),
        }


@pytest.fixture(scope="module")
def outcomes() -> Iterator[Outcomes]:
    found = Outcomes()
    yield found
    report = os.environ.get("HEALTHCRAWL_FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps(found.summary(), indent=2) + "\n", "utf-8")


def _check(data: bytes | str, outcomes: Outcomes, source: str) -> None:
    """The property: a valid record or an ExtractionError, inside the time budget."""
    started = time.perf_counter()
    try:
        record = extract(data, URL)
        validate(record.to_dict(), label=URL)
        kind = "record"
    except ExtractionError as error:
        kind = type(error).__name__
    seconds = time.perf_counter() - started
    outcomes.kinds[f"{source}/{kind}"] += 1
    outcomes.seconds.append(seconds)
    assert seconds < CASE_SECONDS, f"{len(data):,}-long input took {seconds:.1f} s ({kind})"


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
def test_generated_pages(batch: int, page: str, encoding: str, outcomes: Outcomes) -> None:
    _check(_encode(page, encoding), outcomes, "generated")


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
    batch: int, index: int, changes: list[tuple[str, float, float, int, int]], outcomes: Outcomes
) -> None:
    pages = _real_pages()
    data = pages[index % len(pages)]
    for change in changes:
        data = _mutate(data, *change)
    _check(data, outcomes, "mutated")
