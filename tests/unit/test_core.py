"""The core every entry point runs: `Page`, `process`, and skip reasons declared once."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

import healthcrawl
from healthcrawl import (
    REASONS,
    ExtractionError,
    HttpStatusError,
    InvalidRecordError,
    NotHTMLError,
    Page,
    Skip,
    process,
)
from healthcrawl.skips import reasons_table, stat_key

REPO = Path(__file__).resolve().parents[2]
URL = "https://example.org/health/cafe"
ARTICLE = (
    '<html><head><meta charset="utf-8"><title>Caf\u00e9 fever</title></head><body><main>'
    "<h1>Caf\u00e9 fever</h1><p>A fever caught in a caf\u00e9 is a temporary rise in body "
    "temperature, often due to an illness. Having a fever is a sign that something out of the "
    "ordinary is going on in your body, whatever the caf\u00e9.</p></main></body></html>"
)


def test_page_headers_are_case_insensitive() -> None:
    page = Page(URL, b"", {"Content-Type": "text/html; charset=utf-8", "ETag": '"1"'})
    assert page.header("content-type") == page.header("CONTENT-TYPE") == "text/html; charset=utf-8"
    assert page.header("etag") == '"1"'
    assert page.header("Last-Modified") is None
    assert (page.status, page.fetched_at) == (200, None)


def test_page_repr_leaves_the_body_out() -> None:
    """Scrapy logs a dropped item's repr: one line, whatever the page's size."""
    page = Page("https://example.org/a", b"<p>x</p>" * 1_000_000, {"ETag": '"1"'}, 404)
    assert repr(page) == "Page(url='https://example.org/a', status=404, body=<8000000 bytes>)"


def test_process_gives_a_validated_record_with_the_fetch_time() -> None:
    moment = datetime(2026, 11, 30, 14, 5, 9, tzinfo=UTC)
    record = process(Page(URL, ARTICLE.encode("utf-8"), fetched_at=moment))
    assert (record.title, record.url, record.fetched_at) == (
        "Caf\u00e9 fever",
        URL,
        "2026-11-30T14:05:09Z",
    )


def test_content_type_charset_outranks_the_page_meta() -> None:
    fever = "\u041b\u0438\u0445\u043e\u0440\u0430\u0434\u043a\u0430"  # Russian
    page = ARTICLE.replace('charset="utf-8"', 'charset="windows-1252"').replace("af\u00e9", fever)
    body = page.encode("windows-1251")  # its <meta> says windows-1252, which decodes it wrongly
    headers = {"Content-Type": "text/html; charset=windows-1251"}
    assert process(Page(URL, body, headers)).title == f"C{fever} fever"
    assert process(Page(URL, body)).title != f"C{fever} fever"


@pytest.mark.parametrize("status", [404, 500, 301])
def test_a_page_with_an_error_status_is_refused(status: int) -> None:
    with pytest.raises(HttpStatusError) as caught:
        process(Page(URL, ARTICLE.encode(), status=status))
    assert str(caught.value) == f"{URL}: HTTP status {status}"
    assert caught.value.reason == "http_error"


def test_an_invalid_record_is_an_extraction_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("healthcrawl.core.extract", lambda *a, **k: _BrokenRecord())
    with pytest.raises(InvalidRecordError) as caught:
        process(Page(URL, ARTICLE.encode()))
    assert str(caught.value) == f"{URL}: /: 'id' is a required property"
    assert isinstance(caught.value, ExtractionError)


class _BrokenRecord:
    def to_dict(self) -> dict[str, str]:
        return {"title": "no id"}


def test_every_reason_is_declared_once_with_a_meaning() -> None:
    assert list(REASONS) == [
        "not_html",
        "encoding",
        "too_large",
        "too_deep",
        "too_many_elements",
        "no_main_content",
        "listing_page",
        "http_error",
        "invalid_record",
        "robots",
        "out_of_scope",
        "private_address",
        "download_error",
        "duplicate",
        "unreadable",
        "timeout",
        "worker_died",
        "not_a_response",
        "not_html_response",
    ]
    assert all(cls.meaning().endswith(".") for cls in REASONS.values())
    assert stat_key(NotHTMLError) == "healthcrawl/skipped/not_html"


def test_declaring_a_reason_twice_is_refused() -> None:
    with pytest.raises(TypeError, match="skip reason 'not_html' is declared twice"):
        type("AgainNotHTML", (Skip,), {"reason": "not_html"})


def test_a_new_reason_is_one_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("healthcrawl.extractors.errors.REASONS", dict(REASONS))
    from healthcrawl.extractors import errors

    paywall = type("PaywallError", (ExtractionError,), {"reason": "paywall", "__doc__": "Paid."})
    assert errors.REASONS["paywall"] is paywall
    assert paywall("https://x.example/a", "login wall").reason == "paywall"


def test_skips_cross_process_boundaries_intact() -> None:
    again = pickle.loads(pickle.dumps(NotHTMLError(URL, "empty document")))
    assert (type(again), again.source, again.detail, str(again)) == (
        NotHTMLError,
        URL,
        "empty document",
        f"{URL}: empty document",
    )


def test_readme_lists_every_reason_from_the_classes() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    assert reasons_table() in readme, "regenerate with: python -m healthcrawl.skips"


def test_public_api_names_resolve() -> None:
    assert all(hasattr(healthcrawl, name) for name in healthcrawl.__all__)
