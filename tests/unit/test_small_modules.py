"""Small extractor modules: dates, urls, bullets (via extract), text, profiles; and purity."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from healthcrawl.extractors.dates import parse_date
from healthcrawl.extractors.parse import parse_html
from healthcrawl.extractors.profiles import detect_profile
from healthcrawl.extractors.record import Block, Bullet, ListItem
from healthcrawl.extractors.text import is_boilerplate_line, normalize_space
from healthcrawl.extractors.urls import canonicalize_url
from tests.conftest import extract_valid

REPO = Path(__file__).resolve().parents[2]
URL = "https://example.org/health/fever"
INTRO = (
    "<p>A fever is a temporary rise in body temperature, often due to an illness. Having a "
    "fever is a sign that something out of the ordinary is going on in your body.</p>"
)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Dec. 2, 2010", "2010-12-02"),
        ("Sept. 28, 2010", "2010-09-28"),
        ("Sep 28, 2010", "2010-09-28"),
        ("September 28 2010", "2010-09-28"),
        ("12 March 2023", "2023-03-12"),
        ("2021 Mar 3", "2021-03-03"),
        ("2023-03-12T10:00:00Z", "2023-03-12"),
        ("3/31/2022", "2022-03-31"),
        ("DS00359 Dec. 2, 2010", "2010-12-02"),
        ("Page last reviewed: 12 March 2023", "2023-03-12"),
        ("On 3/31/2022 and again on Dec. 2, 2010", "2022-03-31"),
        ("Feb 30, 2020", None),
        ("2010-13-01", None),
        ("31/3/2022", None),
        ("Mayo 2, 2010", None),
        ("no date", None),
        ("", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://WWW.Example.ORG/health", "https://www.example.org/health"),
        ("https://example.org/Health/Page", "https://example.org/Health/Page"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
        ("https://example.org:80/a", "https://example.org:80/a"),
        ("https://example.org/a#symptoms", "https://example.org/a"),
        (
            "https://example.org/a?utm_source=x&utm_medium=y&fbclid=z&gclid=q&id=1",
            "https://example.org/a?id=1",
        ),
        ("https://example.org/a?b=2&a=1&c=", "https://example.org/a?a=1&b=2&c="),
        ("https://example.org/a/", "https://example.org/a"),
        ("https://example.org/", "https://example.org/"),
        ("https://example.org", "https://example.org/"),
        ("  https://example.org/a  ", "https://example.org/a"),
        (
            "HTTPS://Example.org:443/Fever/?utm_campaign=c&z=1&a=2#top",
            "https://example.org/Fever?a=2&z=1",
        ),
        (None, None),
        ("", None),
    ],
)
def test_canonicalize_url(url: str | None, canonical: str | None) -> None:
    assert canonicalize_url(url) == canonical


def test_canonicalize_url_keeps_ipv6_brackets() -> None:
    assert canonicalize_url("http://[::1]:8080/a") == "http://[::1]:8080/a"
    assert canonicalize_url("http://[::1:8080]/a") != canonicalize_url("http://[::1]:8080/a")


def _list_page(items: str) -> str:
    return (
        "<html><head><title>Fever</title></head><body><main><h1>Fever</h1>"
        f"{INTRO}<h2>Symptoms</h2>{items}</main></body></html>"
    )


@pytest.mark.parametrize(
    ("items", "term", "text"),
    [
        (
            "<li><strong>Gene mutation.</strong> Various genetic mutations can cause ALS.</li>",
            "Gene mutation",
            "Various genetic mutations can cause ALS.",
        ),
        (
            "<li><b>High fever.</b> A temperature of 39.4 C or higher.</li>",
            "High fever",
            "A temperature of 39.4 C or higher.",
        ),
        (
            "<li><strong>Fever</strong>: a temperature of 38 C or more.</li>",
            "Fever",
            "a temperature of 38 C or more.",
        ),
        (
            "<li><strong>Fever:</strong> a temperature of 38 C or more.</li>",
            "Fever",
            "a temperature of 38 C or more.",
        ),
        (
            "<li>Fever: a temperature of 38 C or more.</li>",
            "Fever",
            "a temperature of 38 C or more.",
        ),
        (
            "<li>Call your doctor if the temperature stays high for three days or more: "
            "this can mean an infection.</li>",
            None,
            "Call your doctor if the temperature stays high for three days or more: "
            "this can mean an infection.",
        ),
        (
            "<li>fever: a lower-case lead is not a term.</li>",
            None,
            "fever: a lower-case lead is not a term.",
        ),
        (
            "<li>If a child has a fever and is not eating or drinking: call a GP.</li>",
            None,
            "If a child has a fever and is not eating or drinking: call a GP.",
        ),
        (
            "<li><strong>Do not give aspirin to anyone under the age of 16 years.</strong> "
            "It is linked to Reye's syndrome.</li>",
            None,
            "Do not give aspirin to anyone under the age of 16 years. "
            "It is linked to Reye's syndrome.",
        ),
        ("<li><strong>Only bold</strong></li>", None, "Only bold"),
        (
            "<li>Rest <strong>often</strong>: sleep helps the body recover.</li>",
            "Rest often",
            "sleep helps the body recover.",
        ),
    ],
    ids=[
        "strong-period",
        "b-period",
        "colon-outside-strong",
        "colon-inside-strong",
        "plain-colon-lead",
        "late-colon",
        "lower-case-lead",
        "eleven-words-before-colon",
        "eleven-word-bold-sentence",
        "bold-only",
        "bold-not-leading",
    ],
)
def test_bullet_term(items: str, term: str | None, text: str) -> None:
    record = extract_valid(_list_page(f"<ul>{items}</ul>"), URL)
    assert record.bullets == (Bullet(section="Symptoms", term=term, text=text),)
    assert record.sections[1].blocks == (
        Block(type="list", ordered=False, items=(ListItem(term=term, text=text),)),
    )


def test_nested_lists_flatten_into_separate_bullets() -> None:
    page = _list_page(
        "<ol><li>Sweating and chills<ul><li>Headache</li><li><strong>Appetite.</strong> "
        "Loss of appetite</li></ul></li><li>Dehydration</li></ol>"
    )
    record = extract_valid(page, URL)
    assert record.bullets == (
        Bullet(section="Symptoms", term=None, text="Sweating and chills"),
        Bullet(section="Symptoms", term=None, text="Headache"),
        Bullet(section="Symptoms", term="Appetite", text="Loss of appetite"),
        Bullet(section="Symptoms", term=None, text="Dehydration"),
    )
    assert [block.ordered for block in record.sections[1].blocks] == [True]
    assert record.text.endswith(
        "Symptoms\n\nSweating and chills\nHeadache\nAppetite. Loss of appetite\nDehydration"
    )


def test_line_break_inside_list_item_and_paragraph_keeps_words_apart() -> None:
    page = _list_page(
        "<p>Call 111 if you are worried<br>Call 999 in an emergency</p>"
        "<ul><li>Sweating<br>and chills</li></ul>"
    )
    record = extract_valid(page, URL)
    assert record.bullets == (Bullet(section="Symptoms", term=None, text="Sweating and chills"),)
    assert record.sections[1].blocks[0] == Block(
        type="paragraph", text="Call 111 if you are worried Call 999 in an emergency"
    )


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "ADVERTISEMENT",
        "Share on:",
        "Share this page",
        "Text Size: smaller larger",
        "< Symptoms | Risk factors >",
        "‹ Causes | Treatment ›",
        "Sign up now",
        "Print",
        "Back to top",
        "Subscribe to our newsletter",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate_line(line) is True


@pytest.mark.parametrize(
    "line",
    [
        "Print your results and bring them to your doctor.",
        "Advertisement campaigns for vaccines reach parents.",
        "Sign up for a flu shot at your clinic.",
        "Fever",
        "",
    ],
)
def test_not_boilerplate_lines(line: str) -> None:
    assert is_boilerplate_line(line) is False


def test_normalize_space() -> None:
    assert normalize_space("  a\u00a0 b\n\tc  ") == "a b c"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.mayoclinic.org/diseases-conditions/x/symptoms-causes/syc-1", "mayoclinic"),
        ("http://www.mayoclinic.com/health/als/DS00359", "mayoclinic"),
        ("https://mayoclinic.com/health/als/DS00359", "mayoclinic"),
        ("https://rarediseases.info.nih.gov/diseases/5786/als", "gard"),
        ("https://medlineplus.gov/fever.html", "medlineplus"),
        ("https://www.nhs.uk/conditions/fever/", "nhs"),
        ("https://WWW.NHS.UK/conditions/fever/", "nhs"),
        ("https://www.nhsinform.scot/illnesses/fever", "nhs"),
        ("https://northbridgehospitals.nhs.uk/fever", "generic"),
        ("https://example.org/fever", "generic"),
        (None, "generic"),
    ],
)
def test_detect_profile_by_host(url: str | None, key: str) -> None:
    tree = parse_html(_list_page("<ul><li>Chills</li></ul>"), url)
    assert detect_profile(url, tree).key == key


@pytest.mark.parametrize(
    ("title", "body", "key"),
    [
        ("ALS: Causes - MayoClinic.com", "<p>Causes</p>", "mayoclinic"),
        ("X", "<app-root><app-disease-about><p>About</p></app-disease-about></app-root>", "gard"),
        ("X", '<header class="nhsuk-header">NHS</header>', "nhs"),
        ("Fever - MedlinePlus", "<p>Fever</p>", "medlineplus"),
        ("X", '<a href="/health/als/DS00359/DSECTION=causes">Causes</a>', "generic"),
        ("X", '<div class="nhsuk-header">NHS</div>', "generic"),
    ],
)
def test_detect_profile_by_markers_on_loopback(title: str, body: str, key: str) -> None:
    """Markers read <head> and a few elements, not the whole page: a Mayo link or an NHS
    class name alone does not make a page the site's."""
    url = "http://127.0.0.1:8000/page.html"
    page = f"<html><head><title>{title}</title></head><body>{body}</body></html>"
    assert detect_profile(url, parse_html(page, url)).key == key


def test_host_wins_over_markers() -> None:
    url = "https://medlineplus.gov/fever.html"
    tree = parse_html("<html><body><app-root><p>x</p></app-root></body></html>", url)
    assert detect_profile(url, tree).key == "medlineplus"


_SCRAPY_IMPORT = re.compile(r"^\s*(?:import\s+scrapy\b|from\s+scrapy\b)", re.MULTILINE)


def test_scrapy_import_pattern_matches() -> None:
    """Control: the pattern used below does find both import forms."""
    assert _SCRAPY_IMPORT.findall("import scrapy\nfrom scrapy.http import Response\n") == [
        "import scrapy",
        "from scrapy",
    ]
    assert _SCRAPY_IMPORT.findall("import scrapyd_client\n# no scrapy here\n") == []


def test_no_extractor_module_imports_scrapy() -> None:
    sources = sorted((REPO / "extractors").rglob("*.py"))
    assert len(sources) >= 14
    offenders = [str(p) for p in sources if _SCRAPY_IMPORT.search(p.read_text("utf-8"))]
    assert offenders == []


def test_importing_extractors_loads_no_scrapy() -> None:
    code = (
        "import sys\nimport healthcrawl.extractors as extractors\n"
        "extractors.extract(sys.argv[1], 'https://example.org/fever')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'scrapy')\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, _list_page("<ul><li>Chills</li></ul>")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")
