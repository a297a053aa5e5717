"""The reference page, field by field: the 2013 MayoClinic.com ALS "Causes" page
(fixture tests/golden/mayoclinic-2013-als-causes/page.html, its text from ../shared/seed/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthcrawl.extractors import Record
from healthcrawl.extractors.record import Bullet, Reference
from tests.conftest import extract_valid

PAGE = Path(__file__).parent / "mayoclinic-2013-als-causes" / "page.html"
URL = "http://www.mayoclinic.com/health/amyotrophic-lateral-sclerosis/DS00359/DSECTION=causes"
BOILERPLATE = (
    "3 imperatives to transform health care in America",
    "You're invited to watch it live",
    "E-newsletter",
    "Subscribe to Housecall",
    "Our weekly general interest",
    "Sign up now",
    "Text Size",
    "smaller",
    "Share on:",
    "Reprints",
    "Print",
    "Email",
    "Advertisement",
    "< Symptoms",
    "Risk factors >",
    "DS00359",
    "Dec. 2, 2010",
    "Mayo Foundation",
    "trademarks",
    "By Mayo Clinic staff",
    "Definition",
    "Tests and diagnosis",
)


@pytest.fixture(scope="module")
def record() -> Record:
    return extract_valid(PAGE.read_bytes(), URL)


def test_title(record: Record) -> None:
    assert record.title == "Amyotrophic lateral sclerosis"


def test_causes_section(record: Record) -> None:
    assert [s.heading for s in record.sections] == ["Causes"]
    blocks = record.sections[0].blocks
    assert [b.type for b in blocks] == ["paragraph", "paragraph", "list"]
    assert blocks[0].text.startswith("In ALS, the nerve cells that control the movement")
    assert blocks[0].text.endswith("But the remainder appear to occur randomly.")
    assert blocks[1].text == "Researchers are studying several possible causes of ALS, including:"
    assert blocks[2].ordered is False
    assert len(blocks[2].items) == 4


def test_bullets(record: Record) -> None:
    assert [b.term for b in record.bullets] == [
        "Gene mutation",
        "Chemical imbalance",
        "Disorganized immune response",
        "Protein mishandling",
    ]
    assert record.bullets[0] == Bullet(
        section="Causes",
        term="Gene mutation",
        text="Various genetic mutations can lead to inherited forms of ALS, which appear nearly "
        "identical to the non-inherited forms.",
    )
    assert all(b.section == "Causes" and not b.text.startswith((".", " ")) for b in record.bullets)


def test_references(record: Record) -> None:
    refs = record.references
    assert len(refs) == 17
    assert [r.n for r in refs] == list(range(1, 18))
    assert refs[0].source == "National Institute of Neurological Disorders and Stroke"
    assert refs[0].url.startswith("http://www.ninds.nih.gov/")
    assert refs[0].accessed == "2010-09-28"
    assert (refs[1].authors, refs[1].et_al) == (("Elman LB",), True)
    assert (refs[10].source, refs[10].year, refs[10].volume, refs[10].pages) == (
        "Neurology",
        2009,
        "73",
        "1227",
    )
    assert refs[16] == Reference(
        n=17,
        raw="Crum BA (expert opinion). Mayo Clinic, Rochester, Minn. Oct. 6, 2010.",
        authors=("Crum BA",),
        source="Mayo Clinic, Rochester, Minn.",
        date="2010-10-06",
    )


def test_provenance(record: Record) -> None:
    assert record.byline == "Mayo Clinic staff"
    assert record.doc_id == "DS00359"
    assert record.date_modified == "2010-12-02"
    assert record.rights.startswith("© 1998-2013 Mayo Foundation")
    assert record.source == "mayoclinic"
    assert record.url == URL


@pytest.mark.parametrize("phrase", BOILERPLATE)
def test_no_boilerplate_in_content(record: Record, phrase: str) -> None:
    content = [record.title, record.text]
    content += [b.term or "" for b in record.bullets] + [b.text for b in record.bullets]
    content += [s.heading or "" for s in record.sections]
    for section in record.sections:
        for block in section.blocks:
            content.append(block.text or "")
            content += [f"{i.term} {i.text}" for i in block.items or ()]
    assert not [c for c in content if phrase in c], f"{phrase!r} leaked into the content"


def test_references_are_not_content(record: Record) -> None:
    assert "Elman LB" not in record.text
    assert "Accessed" not in record.text
