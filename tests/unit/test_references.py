"""parse_reference: AMA (the 2013 Mayo Clinic seed), Vancouver, APA-ish and plain web citations."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from healthcrawl.extractors.record import Reference
from healthcrawl.extractors.references import parse_reference

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED = SHARED / "seed" / "mayoclinic_als_causes_2013.txt"

UPTODATE = "http://www.uptodate.com/home/index.html"
NINDS = "National Institute of Neurological Disorders and Stroke"
PRACTICE = (
    "Practice parameter update: The care of the patient with amyotrophic lateral sclerosis: {}"
    " (an evidence-based review): Report of the Quality Standards Subcommittee of the American"
    " Academy of Neurology"
)
MULTIDISCIPLINARY = PRACTICE.format(
    "Multidisciplinary care, symptom management, and cognitive/behavioral impairment"
)
DRUGS = PRACTICE.format("Drug, nutritional, and respiratory therapies")

# n -> (reference text as printed after its number, every expected field but n and raw)
SEED_REFERENCES: dict[int, tuple[str, dict[str, object]]] = {
    1: (
        f"Amyotrophic lateral sclerosis fact sheet. {NINDS}. http://www.ninds.nih.gov/disorders/"
        "amyotrophiclateralsclerosis/detail_amyotrophiclateralsclerosis.htm."
        " Accessed Sept. 28, 2010.",
        dict(
            title="Amyotrophic lateral sclerosis fact sheet",
            source=NINDS,
            url="http://www.ninds.nih.gov/disorders/amyotrophiclateralsclerosis/"
            "detail_amyotrophiclateralsclerosis.htm",
            accessed="2010-09-28",
        ),
    ),
    2: (
        f"Elman LB, et al. Clinical features of amyotrophic lateral sclerosis. {UPTODATE}."
        " Accessed Sept. 28, 2010.",
        dict(
            authors=("Elman LB",),
            et_al=True,
            title="Clinical features of amyotrophic lateral sclerosis",
            url=UPTODATE,
            accessed="2010-09-28",
        ),
    ),
    3: (
        "Maragakis NJ, et al. Epidemiology and pathogenesis of amyotrophic lateral sclerosis."
        f" {UPTODATE}. Accessed Sept. 28, 2010.",
        dict(
            authors=("Maragakis NJ",),
            et_al=True,
            title="Epidemiology and pathogenesis of amyotrophic lateral sclerosis",
            url=UPTODATE,
            accessed="2010-09-28",
        ),
    ),
    4: (
        f"McCluskey L. Familial amyotrophic lateral sclerosis. {UPTODATE}."
        " Accessed Sept. 28, 2010.",
        dict(
            authors=("McCluskey L",),
            title="Familial amyotrophic lateral sclerosis",
            url=UPTODATE,
            accessed="2010-09-28",
        ),
    ),
    5: (
        f"Neurological diagnostic tests and procedures. {NINDS}."
        " http://www.ninds.nih.gov/disorders/misc/diagnostic_tests.htm. Accessed Sept. 28, 2010.",
        dict(
            title="Neurological diagnostic tests and procedures",
            source=NINDS,
            url="http://www.ninds.nih.gov/disorders/misc/diagnostic_tests.htm",
            accessed="2010-09-28",
        ),
    ),
    6: (
        "ALS in the military: Unexpected consequences of military service. ALS Association."
        " http://www.alsa.org/files/pdf/als_military_paper.pdf. Accessed Sept. 28, 2010.",
        dict(
            title="ALS in the military: Unexpected consequences of military service",
            source="ALS Association",
            url="http://www.alsa.org/files/pdf/als_military_paper.pdf",
            accessed="2010-09-28",
        ),
    ),
    7: (
        f"Elman LB, et al. Diagnosis of amyotrophic lateral sclerosis. {UPTODATE}."
        " Accessed Sept. 28, 2010.",
        dict(
            authors=("Elman LB",),
            et_al=True,
            title="Diagnosis of amyotrophic lateral sclerosis",
            url=UPTODATE,
            accessed="2010-09-28",
        ),
    ),
    8: (
        "Galvez-Jimenez N, et al. Symptom-based management of amyotrophic lateral sclerosis."
        f" {UPTODATE}. Accessed Sept. 28, 2010.",
        dict(
            authors=("Galvez-Jimenez N",),
            et_al=True,
            title="Symptom-based management of amyotrophic lateral sclerosis",
            url=UPTODATE,
            accessed="2010-09-28",
        ),
    ),
    9: (
        f"Choudry RB, et al. Pharmacologic treatment of amyotrophic lateral sclerosis. {UPTODATE}."
        " Sept. 28, 2010.",
        dict(
            authors=("Choudry RB",),
            et_al=True,
            title="Pharmacologic treatment of amyotrophic lateral sclerosis",
            url=UPTODATE,
            date="2010-09-28",
        ),
    ),
    10: (
        "Why is exercise important? In: Everyday Life With ALS: A Practical Guide. Muscular"
        " Dystrophy Association. http://www.als-mda.org/publications/everydaylifeals/ch8/."
        " Accessed Sept. 28, 2010.",
        dict(
            title="Why is exercise important?",
            container="Everyday Life With ALS: A Practical Guide",
            source="Muscular Dystrophy Association",
            url="http://www.als-mda.org/publications/everydaylifeals/ch8/",
            accessed="2010-09-28",
        ),
    ),
    11: (
        f"Miller RG, et al. {MULTIDISCIPLINARY}. Neurology. 2009;73:1227.",
        dict(
            authors=("Miller RG",),
            et_al=True,
            title=MULTIDISCIPLINARY,
            source="Neurology",
            year=2009,
            volume="73",
            pages="1227",
        ),
    ),
    12: (
        f"Miller RG, et al. {DRUGS}. Neurology. 2009;73:1227.",
        dict(
            authors=("Miller RG",),
            et_al=True,
            title=DRUGS,
            source="Neurology",
            year=2009,
            volume="73",
            pages="1227",
        ),
    ),
    13: (
        "Covering all the bases. ALS Association. http://www.alsa.org/coveringallthebases/."
        " Accessed Oct. 21, 2010.",
        dict(
            title="Covering all the bases",
            source="ALS Association",
            url="http://www.alsa.org/coveringallthebases/",
            accessed="2010-10-21",
        ),
    ),
    14: (
        "Armon C. Smoking may be considered an established risk factor for sporadic ALS."
        " Neurology. 2009;73:1693.",
        dict(
            authors=("Armon C",),
            title="Smoking may be considered an established risk factor for sporadic ALS",
            source="Neurology",
            year=2009,
            volume="73",
            pages="1693",
        ),
    ),
    15: (
        "Gallo V, et al. Smoking and risk for amyotrophic lateral sclerosis: Analysis of the EPIC"
        " cohort. Annals of Neurology. 2009;65:378.",
        dict(
            authors=("Gallo V",),
            et_al=True,
            title="Smoking and risk for amyotrophic lateral sclerosis: Analysis of the EPIC cohort",
            source="Annals of Neurology",
            year=2009,
            volume="65",
            pages="378",
        ),
    ),
    16: (
        "Mayadev AS, et al. The amyotrophic lateral sclerosis center: A model of multidisciplinary"
        " management. Physical Medicine and Rehabilitation Clinics of North America. 2008;19:619.",
        dict(
            authors=("Mayadev AS",),
            et_al=True,
            title="The amyotrophic lateral sclerosis center:"
            " A model of multidisciplinary management",
            source="Physical Medicine and Rehabilitation Clinics of North America",
            year=2008,
            volume="19",
            pages="619",
        ),
    ),
    # An expert opinion is a personal communication: no title, the place is its source.
    17: (
        "Crum BA (expert opinion). Mayo Clinic, Rochester, Minn. Oct. 6, 2010.",
        dict(authors=("Crum BA",), source="Mayo Clinic, Rochester, Minn.", date="2010-10-06"),
    ),
}


@pytest.mark.parametrize("n", sorted(SEED_REFERENCES))
def test_seed_reference_inline(n: int) -> None:
    text, fields = SEED_REFERENCES[n]
    assert parse_reference(f"{n}. {text}") == Reference(n=n, raw=text, **fields)


def test_seed_file_references_all_parse() -> None:
    if not SEED.is_file():
        pytest.skip(f"{SEED} is not available")
    listed = SEED.read_text(encoding="utf-8").split("References", 1)[1]
    lines = [line for line in listed.splitlines() if re.match(r"\s*\d+\.\s", line)]
    assert len(lines) == 17
    for line in lines:
        ref = parse_reference(line)
        assert ref.n is not None
        text, fields = SEED_REFERENCES[ref.n]
        assert ref == Reference(n=ref.n, raw=text, **fields)


NEJM = "Smith J, Jones AB, Lee C. Title of article. N Engl J Med."
CASES: list[tuple[str, dict[str, object]]] = [
    (
        f"{NEJM} 2019;380(12):1123-31. doi:10.1056/NEJMoa1812345. PMID: 30865797.",
        dict(
            authors=("Smith J", "Jones AB", "Lee C"),
            title="Title of article",
            source="N Engl J Med",
            year=2019,
            volume="380",
            issue="12",
            pages="1123-31",
            doi="10.1056/NEJMoa1812345",
            pmid="30865797",
        ),
    ),
    (
        "Smith J, Jones AB, Lee C, et al. Title of article. N Engl J Med."
        " 2019 Mar;380(12):1123-31.",
        dict(
            authors=("Smith J", "Jones AB", "Lee C"),
            et_al=True,
            title="Title of article",
            source="N Engl J Med",
            year=2019,
            volume="380",
            issue="12",
            pages="1123-31",
        ),
    ),
    (
        "Smith J. Title of article. Lancet. 2019 Mar 21;380:1123. PubMed PMID: 123.",
        dict(
            authors=("Smith J",),
            title="Title of article",
            source="Lancet",
            year=2019,
            volume="380",
            pages="1123",
            pmid="123",
            date="2019-03-21",
        ),
    ),
    (
        "Lee C. Title. BMJ. 2020;368:m123. PMID:123 https://doi.org/10.1136/bmj.m123.",
        dict(
            authors=("Lee C",),
            title="Title",
            source="BMJ",
            year=2020,
            volume="368",
            pages="m123",
            pmid="123",
            doi="10.1136/bmj.m123",
        ),
    ),
    (
        "Smith J. Title. Lancet. 2019;393(10180):e1. doi: 10.1016/S0140-6736(19)30001-2."
        " Available from: https://www.thelancet.com/article/x.",
        dict(
            authors=("Smith J",),
            title="Title",
            source="Lancet",
            year=2019,
            volume="393",
            issue="10180",
            pages="e1",
            doi="10.1016/S0140-6736(19)30001-2",
            url="https://www.thelancet.com/article/x",
        ),
    ),
    (
        "Smith J. Chapter title. In: Kasper DL, editor. Harrison's Principles of Internal"
        " Medicine. 20th ed. New York: McGraw-Hill; 2018. p. 12-20.",
        dict(
            authors=("Smith J",),
            title="Chapter title",
            container="Harrison's Principles of Internal Medicine",
            source="McGraw-Hill",
            year=2018,
            pages="12-20",
        ),
    ),
    (
        "Loscalzo J, et al., eds. Varicella-zoster virus infections. In: Harrison's Principles of"
        " Internal Medicine. 21st ed. McGraw Hill; 2022. https://accessmedicine.mhmedical.com."
        " Accessed July 9, 2022.",
        dict(
            authors=("Loscalzo J",),
            et_al=True,
            title="Varicella-zoster virus infections",
            container="Harrison's Principles of Internal Medicine",
            source="McGraw Hill",
            year=2022,
            url="https://accessmedicine.mhmedical.com",
            accessed="2022-07-09",
        ),
    ),
    (
        "Hardiman O, Al-Chalabi A, Chio A, et al. Amyotrophic lateral sclerosis. Nat Rev Dis"
        " Primers. 2017;3:17071. [PubMed Abstract]",
        dict(
            authors=("Hardiman O", "Al-Chalabi A", "Chio A"),
            et_al=True,
            title="Amyotrophic lateral sclerosis",
            source="Nat Rev Dis Primers",
            year=2017,
            volume="3",
            pages="17071",
        ),
    ),
    (
        "van der Berg JH, O'Day SJ, Trépo C. Title: a subtitle. Ann N Y Acad Sci."
        " 2010 Jan-Feb;17(6 Suppl):13-8. Review.",
        dict(
            authors=("van der Berg JH", "O'Day SJ", "Trépo C"),
            title="Title: a subtitle",
            source="Ann N Y Acad Sci",
            year=2010,
            volume="17",
            issue="6 Suppl",
            pages="13-8",
        ),
    ),
    (
        "Minamoto T, Ronai Z. Mutant K-ras in colorectal cancer. Its potential as a biomarker."
        " Cancer. 1995;75:1520-6.",
        dict(
            authors=("Minamoto T", "Ronai Z"),
            title="Mutant K-ras in colorectal cancer. Its potential as a biomarker",
            source="Cancer",
            year=1995,
            volume="75",
            pages="1520-6",
        ),
    ),
    (
        "Anderson TC, et al. Use of recombinant zoster vaccine: Recommendations – United States,"
        " 2022. MMWR Morbidity and Mortality Weekly Report. 2022. doi:10.15585/mmwr.mm7103a2.",
        dict(
            authors=("Anderson TC",),
            et_al=True,
            title="Use of recombinant zoster vaccine: Recommendations – United States, 2022",
            source="MMWR Morbidity and Mortality Weekly Report",
            year=2022,
            doi="10.15585/mmwr.mm7103a2",
        ),
    ),
    (
        "Ferri FF. Herpes zoster. In: Ferri's Clinical Advisor 2023. Elsevier; 2023."
        " https://www.clinicalkey.com. Accessed July 9, 2022.",
        dict(
            authors=("Ferri FF",),
            title="Herpes zoster",
            container="Ferri's Clinical Advisor 2023",
            source="Elsevier",
            year=2023,
            url="https://www.clinicalkey.com",
            accessed="2022-07-09",
        ),
    ),
    (
        "Centers for Disease Control. Shingles [Internet]. Atlanta: CDC; 2019"
        " [cited 2021 Mar 3]. Available from: https://www.cdc.gov/shingles/",
        dict(
            title="Shingles",
            source="CDC",
            year=2019,
            url="https://www.cdc.gov/shingles/",
            accessed="2021-03-03",
        ),
    ),
    (
        "Shingles symptoms. Centers for Disease Control and Prevention."
        " https://www.cdc.gov/shingles/about/symptoms.html",
        dict(
            title="Shingles symptoms",
            source="Centers for Disease Control and Prevention",
            url="https://www.cdc.gov/shingles/about/symptoms.html",
        ),
    ),
    (
        "Smith, J. (2019). Title of the work. Journal of Things, 12(3), 45-67."
        " https://doi.org/10.1/abc",
        dict(
            authors=("Smith, J.",),
            title="Title of the work",
            source="Journal of Things",
            year=2019,
            volume="12",
            issue="3",
            pages="45-67",
            doi="10.1/abc",
        ),
    ),
    (
        "Smith, J. A., Lee, K., & de Vries, A. (2020, March 3). Why walk? Health Journal, 4, 1-9.",
        dict(
            authors=("Smith, J. A.", "Lee, K.", "de Vries, A."),
            title="Why walk?",
            source="Health Journal",
            year=2020,
            volume="4",
            pages="1-9",
            date="2020-03-03",
        ),
    ),
    (
        "World Health Organization. (2021). Obesity and overweight."
        " https://www.who.int/news-room/fact-sheets/detail/obesity-and-overweight",
        dict(
            title="Obesity and overweight",
            source="World Health Organization",
            year=2021,
            url="https://www.who.int/news-room/fact-sheets/detail/obesity-and-overweight",
        ),
    ),
    (
        "Reference: Data from the Guide is available here. Downs SM, van Dyck PC, et al."
        " Improving newborn screening. J Am Med Inform Assoc. 2010 Jan-Feb;17(1):13-8.",
        dict(
            authors=("Downs SM", "van Dyck PC"),
            et_al=True,
            title="Improving newborn screening",
            source="J Am Med Inform Assoc",
            year=2010,
            volume="17",
            issue="1",
            pages="13-8",
        ),
    ),
    (
        "Kohler S, Gargano M, et al. The Human Phenotype Ontology in 2021. Nucleic Acids"
        " Research, Volume 49, Issue D1, 8 January 2021, Pages D1207-D1217.",
        dict(
            authors=("Kohler S", "Gargano M"),
            et_al=True,
            title="The Human Phenotype Ontology in 2021",
            source="Nucleic Acids Research, Volume 49, Issue D1, 8 January 2021, Pages D1207-D1217",
            volume="49",
            issue="D1",
            pages="D1207-D1217",
            date="2021-01-08",
        ),
    ),
]


@pytest.mark.parametrize(("text", "fields"), CASES, ids=[text[:40] for text, _ in CASES])
def test_vancouver_apa_and_web_citations(text: str, fields: dict[str, object]) -> None:
    assert parse_reference(text) == Reference(n=None, raw=text, **fields)


@pytest.mark.parametrize(
    "when",
    [
        "Accessed Sept. 28, 2010",
        "Accessed Sep 28, 2010",
        "Accessed Sept 28 2010",
        "Accessed September 28, 2010",
        "Accessed: 28 Sept. 2010",
        "Accessed 28 September 2010",
        "Accessed 2010-09-28",
        "Last accessed on Sep. 28, 2010",
        "[cited 2010 Sep 28]",
    ],
)
def test_access_date_forms(when: str) -> None:
    ref = parse_reference(f"Title. Organisation. https://example.org/a. {when}.")
    assert (ref.title, ref.source, ref.url) == ("Title", "Organisation", "https://example.org/a")
    assert (ref.accessed, ref.date, ref.year) == ("2010-09-28", None, None)


@pytest.mark.parametrize(
    ("when", "iso"),
    [
        ("Oct. 6, 2010", "2010-10-06"),
        ("October 6 2010", "2010-10-06"),
        ("Jan 3, 2021", "2021-01-03"),
        ("March 3, 2021", "2021-03-03"),
        ("3 March 2021", "2021-03-03"),
    ],
)
def test_other_full_dates(when: str, iso: str) -> None:
    ref = parse_reference(f"Doe J (personal communication). Mayo Clinic. {when}.")
    assert (ref.authors, ref.title, ref.source, ref.date) == (("Doe J",), None, "Mayo Clinic", iso)


@pytest.mark.parametrize("topic", ["Hepatitis B", "Vitamin D", "Influenza A"])
def test_topic_with_letter_is_a_title_not_an_author(topic: str) -> None:
    ref = parse_reference(f"{topic}. World Health Organization. 2023.")
    assert (ref.authors, ref.title, ref.source, ref.year) == (
        (),
        topic,
        "World Health Organization",
        2023,
    )


def test_impossible_date_is_not_a_date() -> None:
    ref = parse_reference("Title. Organisation. Accessed Feb. 30, 2021.")
    assert ref.accessed is None and ref.date is None


@pytest.mark.parametrize(
    ("raw", "n", "want_n", "want_raw"),
    [
        ("  1.\tSmith J.\n Title.   BMJ. 2020;1:2. ", None, 1, "Smith J. Title. BMJ. 2020;1:2."),
        ("[12] Smith J. Title.", None, 12, "Smith J. Title."),
        ("[3]Smith J. Title.", None, 3, "Smith J. Title."),
        ("4) Smith J. Title.", None, 4, "Smith J. Title."),
        ("3. Smith J. Title.", 5, 5, "Smith J. Title."),
        ("Smith J. Title.", 7, 7, "Smith J. Title."),
        ("2019. A year is not a list number.", None, None, "2019. A year is not a list number."),
        ("1.5 million people. Org.", None, None, "1.5 million people. Org."),
        ("", None, None, ""),
        ("  \n ", 2, 2, ""),
    ],
)
def test_raw_is_collapsed_and_list_number_cut(
    raw: str, n: int | None, want_n: int | None, want_raw: str
) -> None:
    ref = parse_reference(raw, n)
    assert (ref.n, ref.raw) == (want_n, want_raw)


def test_nothing_recognisable_stays_empty() -> None:
    assert parse_reference("") == Reference(n=None, raw="")
    assert parse_reference("....;;; ()") == Reference(n=None, raw="....;;; ()")


_FUZZ_ATOMS = (
    "Smith J",
    ", ",
    ". ",
    "et al",
    "(",
    ")",
    "[",
    "]",
    "In: ",
    "doi:",
    "10.1234/",
    "http://",
    "https://doi.org/",
    "PMID:",
    " 2019",
    ";",
    ":",
    "12",
    "(3)",
    "Sept.",
    "Accessed ",
    "March 3, 2021",
    "2021-02-30",
    "editor",
    "&",
    ", J.",
    "(2019)",
    "Minn.",
    "U.S.",
    "?",
    "é",
    "\u00a0",
    "\n",
    "eds.",
    "[1] ",
    "1. ",
    "p. ",
    "Volume ",
    "[cited ",
    "—",
)


def test_never_raises_on_any_string() -> None:
    rng = random.Random(20240501)
    for _ in range(3000):
        text = "".join(
            rng.choice(_FUZZ_ATOMS) if rng.random() < 0.7 else chr(rng.randrange(1, 0x2FFF))
            for _ in range(rng.randrange(0, 40))
        )
        ref = parse_reference(text)
        assert isinstance(ref, Reference)
        assert " ".join(text.split()).endswith(ref.raw)
        assert ref.year is None or 1800 <= ref.year <= 2099


@pytest.mark.parametrize(
    "text",
    [
        "Smith J, " * 3000,
        "A." * 5000,
        "Sept. " * 5000 + "28, 2010",
        "(" * 5000 + "2019)",
        "http://" + "x" * 50000 + ".)" * 1000,
        "10.1234/" + ")" * 5000,
        "Accessed " * 5000,
    ],
)
def test_long_pathological_input_returns(text: str) -> None:
    assert isinstance(parse_reference(text), Reference)
