"""Provenance via `extract` on tiny pages: dates, byline, canonical URL, language, rights, title."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import pytest

import healthcrawl.extractors as extractors
from healthcrawl.extractors import Record
from tests.conftest import extract_valid

URL = "https://example.org/health/fever?ref=home"
P1 = (
    "<p>A fever is a temporary rise in body temperature, often due to an illness. Having a "
    "fever is a sign that something out of the ordinary is going on in your body.</p>"
)
P2 = (
    "<p>For an adult, a fever may be uncomfortable, but usually isn't a cause for concern "
    "unless it reaches 103 F (39.4 C) or higher.</p>"
)
TEXT = (
    "A fever is a temporary rise in body temperature, often due to an illness. Having a fever "
    "is a sign that something out of the ordinary is going on in your body.\n\nFor an adult, a "
    "fever may be uncomfortable, but usually isn't a cause for concern unless it reaches 103 F "
    "(39.4 C) or higher."
)


def _page(
    head: str = "",
    body: str = "",
    *,
    title: str = "Fever",
    h1: str = "<h1>Fever</h1>",
    html: str = "<html>",
) -> str:
    return (
        f"{html}<head><title>{title}</title>{head}</head>"
        f"<body><main>{h1}{P1}{P2}{body}</main></body></html>"
    )


def _ld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _extract(page: str, url: str | None = URL) -> Record:
    return extract_valid(page, url)


@pytest.fixture
def nothing_consumed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: provenance still read, but its elements left in the content."""
    original = extractors.read_provenance

    def keep_all(*args: Any, **kwargs: Any) -> Any:
        return dataclasses.replace(original(*args, **kwargs), consumed=())

    monkeypatch.setattr(extractors, "read_provenance", keep_all)


def test_plain_page_has_no_provenance() -> None:
    record = _extract(_page())
    assert (record.title, record.text) == ("Fever", TEXT)
    assert (record.canonical_url, record.language, record.byline, record.rights) == (None,) * 4
    assert (record.date_modified, record.date_published, record.doc_id) == (None,) * 3


def test_json_ld_dates_and_author() -> None:
    ld = _ld(
        {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "dateModified": "2023-03-12T10:00:00Z",
            "datePublished": "2020-01-05",
            "author": {"@type": "Person", "name": " Dr  Ann Lee "},
        }
    )
    record = _extract(_page(head=ld))
    assert (record.date_modified, record.date_published) == ("2023-03-12", "2020-01-05")
    assert record.byline == "Dr Ann Lee"
    assert record.text == TEXT


def test_json_ld_last_reviewed_before_date_modified() -> None:
    ld = _ld(
        {"@type": "MedicalWebPage", "dateModified": "2023-03-14", "lastReviewed": "2023-03-12"}
    )
    assert _extract(_page(head=ld)).date_modified == "2023-03-12"


def test_json_ld_graph_and_broken_block_ignored() -> None:
    broken = '<script type="application/ld+json">{"@type": "Article", "dateModified": </script>'
    graph = _ld(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebSite", "name": "Example Health"},
                {
                    "@type": "Article",
                    "dateModified": "2022-07-01",
                    "dateCreated": "2021-02-03",
                    "author": [{"@type": "Person", "name": "A One"}, "B Two"],
                },
            ],
        }
    )
    record = _extract(_page(head=broken + graph))
    assert (record.date_modified, record.date_published) == ("2022-07-01", "2021-02-03")
    assert record.byline == "A One, B Two"


def test_meta_dates_when_no_json_ld() -> None:
    head = (
        '<meta property="article:modified_time" content="2019-11-20T08:00:00+00:00">'
        '<meta name="DC.date" content="2017-05-06">'
    )
    record = _extract(_page(head=head))
    assert (record.date_modified, record.date_published) == ("2019-11-20", "2017-05-06")


def test_meta_published_date_order() -> None:
    head = (
        '<meta name="DC.date" content="2017-05-06">'
        '<meta name="citation_publication_date" content="2018-01-02">'
    )
    assert _extract(_page(head=head)).date_published == "2018-01-02"


def test_citation_publication_date_slash_format() -> None:
    head = '<meta name="citation_publication_date" content="2018/01/02">'
    assert _extract(_page(head=head)).date_published == "2018-01-02"


NHS_REVIEW = (
    '<div class="nhsuk-review-date"><p class="nhsuk-body-s">Page last reviewed: 12 March 2023'
    "<br>Next review due: 12 March 2026</p></div>"
)


def test_nhs_review_lines_give_date_and_leave_the_text() -> None:
    record = _extract(_page(body=NHS_REVIEW))
    assert record.date_modified == "2023-03-12"
    assert record.text == TEXT


def test_nhs_review_lines_would_be_text_if_not_consumed(nothing_consumed: None) -> None:
    record = _extract(_page(body=NHS_REVIEW))
    assert record.date_modified == "2023-03-12"
    # the <br> between the two lines is not pinned here (see the <br> test in test_small_modules)
    assert record.text.startswith(TEXT + "\n\nPage last reviewed: 12 March 2023")
    assert record.text.endswith("Next review due: 12 March 2026")


def test_next_review_line_in_its_own_paragraph_leaves_the_text() -> None:
    body = (
        "<div><p>Page last reviewed: 12 March 2023</p><p>Next review due: 12 March 2026</p></div>"
    )
    record = _extract(_page(body=body))
    assert record.date_modified == "2023-03-12"
    assert record.text == TEXT


def test_labelled_text_beats_json_ld() -> None:
    ld = _ld({"@type": "WebPage", "dateModified": "2024-01-01"})
    record = _extract(_page(head=ld, body="<p>Last updated: 1 May 2021</p>"))
    assert record.date_modified == "2021-05-01"


def test_latest_of_several_labelled_dates() -> None:
    body = (
        "<p>Last reviewed: 1 May 2021</p>"
        "<p>Last updated: 12 March 2023</p>"
        "<p>Review date: 2 Feb 2022</p>"
    )
    record = _extract(_page(body=body))
    assert record.date_modified == "2023-03-12"
    assert record.text == TEXT


@pytest.mark.parametrize(
    "line",
    [
        "Last reviewed: Dec. 2, 2010",
        "Last updated on 2 December 2010",
        "Reviewed on 12/2/2010",
        "Updated: 2010-12-02",
    ],
)
def test_review_label_forms(line: str) -> None:
    assert _extract(_page(body=f"<p>{line}</p>")).date_modified == "2010-12-02"


def test_next_review_alone_is_not_date_modified() -> None:
    record = _extract(_page(body="<p>Next updated: 12 March 2026</p>"))
    assert record.date_modified is None


REFERENCES = (
    "<h2>References</h2><ol>"
    "<li>Fever fact sheet. National Institute of Neurological Disorders and Stroke. "
    "http://www.ninds.nih.gov/fever.htm. Accessed Sept. 28, 2010.</li>"
    "<li>Elman LB, et al. Clinical features of fever. http://www.uptodate.com/home/index.html."
    " Accessed Oct. 3, 2011.</li></ol>"
)


def test_reference_access_date_is_never_date_modified() -> None:
    record = _extract(_page(body=REFERENCES))
    assert record.date_modified is None
    assert [(r.n, r.accessed) for r in record.references] == [(1, "2010-09-28"), (2, "2011-10-03")]
    assert record.text == TEXT


def test_reference_access_date_does_not_beat_json_ld() -> None:
    ld = _ld({"@type": "WebPage", "dateModified": "2009-06-30"})
    assert _extract(_page(head=ld, body=REFERENCES)).date_modified == "2009-06-30"


def test_reference_updated_date_is_never_date_modified() -> None:
    body = (
        "<h2>References</h2><ol><li>Fever fact sheet. NINDS. http://www.ninds.nih.gov/fever.htm."
        " Updated Jan. 3, 2011. Accessed Sept. 28, 2010.</li></ol>"
    )
    assert _extract(_page(body=body)).date_modified is None


def test_canonical_made_absolute_and_used_for_id() -> None:
    record = _extract(_page(head='<link rel="canonical" href="/health/fever/">'))
    assert record.canonical_url == "https://example.org/health/fever/"
    assert record.url == URL
    key = b"https://example.org/health/fever"
    assert record.id == hashlib.sha256(key).hexdigest()[:32]


def test_canonical_absolute_href_kept() -> None:
    head = '<link rel="alternate canonical" href=" https://www.example.org/Fever ">'
    assert _extract(_page(head=head)).canonical_url == "https://www.example.org/Fever"


def test_no_canonical_id_from_url() -> None:
    record = _extract(_page())
    key = b"https://example.org/health/fever?ref=home"
    assert record.id == hashlib.sha256(key).hexdigest()[:32]


def test_relative_canonical_without_a_page_url_is_dropped() -> None:
    record = _extract(_page(head='<link rel="canonical" href="/ct2/show/NCT03746262">'), url=None)
    assert (record.url, record.canonical_url) == (None, None)
    key = " ".join(f"Fever\n{TEXT}".split()).encode()
    assert record.id == hashlib.sha256(key).hexdigest()[:32]


def test_without_a_url_pages_sharing_their_text_keep_their_own_ids() -> None:
    """A site's stub pages ("This section is currently in development") differ in title only."""
    pages = [_page(title=t, h1=f"<h1>{t}</h1>") for t in ("Fever", "Croup")]
    first, second = (_extract(page, url=None) for page in pages)
    assert first.text == second.text
    assert first.id != second.id


@pytest.mark.parametrize(
    ("html", "head", "language"),
    [
        ('<html lang="en-GB">', "", "en-GB"),
        ('<html lang=" fr ">', "", "fr"),
        ("<html>", '<meta http-equiv="Content-Language" content="de-AT">', "de-AT"),
        ("<html>", '<meta property="og:locale" content="en_US">', "en-US"),
        ('<html lang="es">', '<meta property="og:locale" content="en_US">', "es"),
    ],
)
def test_language(html: str, head: str, language: str) -> None:
    assert _extract(_page(head=head, html=html)).language == language


RIGHTS = "<p>© 1998-2024 Example Health. All rights reserved.</p>"


def test_rights_line_read_and_kept_out_of_text() -> None:
    record = _extract(_page(body=RIGHTS))
    assert record.rights == "© 1998-2024 Example Health. All rights reserved."
    assert record.text == TEXT


def test_rights_line_would_be_text_if_not_consumed(nothing_consumed: None) -> None:
    record = _extract(_page(body=RIGHTS))
    assert record.rights == "© 1998-2024 Example Health. All rights reserved."
    assert record.text == TEXT + "\n\n© 1998-2024 Example Health. All rights reserved."


def test_rights_from_copyright_word_form() -> None:
    record = _extract(_page(body="<footer><small>Copyright © 2013 Example</small></footer>"))
    assert record.rights == "Copyright © 2013 Example"


def test_title_h1_agreeing_with_title_element() -> None:
    h1 = "<h1>Information and Resources</h1><h1>Fever</h1>"
    record = _extract(_page(title="Fever | Example Health", h1=h1))
    assert record.title == "Fever"


def test_title_h2_equal_to_title_beats_section_label_h1() -> None:
    h1 = "<h1>Information and Resources</h1><h2>Fever</h2>"
    record = _extract(_page(title="Fever", h1=h1))
    assert record.title == "Fever"
    assert [(s.heading, s.level) for s in record.sections] == [
        ("Information and Resources", 1),
        ("Fever", 2),
    ]


def test_title_first_h1_when_nothing_agrees() -> None:
    h1 = "<h1>Information and Resources</h1><h2>Symptoms</h2>"
    assert _extract(_page(title="Fever", h1=h1)).title == "Information and Resources"


def test_title_og_title_agreement() -> None:
    head = '<meta property="og:title" content="Fever in adults">'
    h1 = "<h1>Overview</h1><h1>Fever in adults</h1>"
    assert _extract(_page(head=head, title="Example Health", h1=h1)).title == "Fever in adults"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Fever - Example Health", "Fever"),
        ("Fever | Example Health", "Fever"),
        ("Fever — Example Health", "Fever"),
        ("Flu-like illness - Example Health", "Flu-like illness"),
        ("Fever", "Fever"),
    ],
)
def test_title_suffix_removed_without_h1(title: str, expected: str) -> None:
    record = _extract(_page(title=title, h1=""))
    assert record.title == expected
