"""Parse one entry of a page's References/Sources list into a `Reference`.

Health pages cite in AMA (Mayo Clinic), Vancouver/NLM (PubMed, ClinicalTrials.gov, GARD),
APA-ish author-date, or as plain "Title. Organisation. URL" web citations. All of them are
period-separated parts in a fixed order, so the parser:

1. pulls out the parts whose dots would confuse a split at ". " (URLs, DOIs, PMIDs, the
   "Accessed ..." date and any other full date standing on its own);
2. reads an APA "Authors (YEAR)." lead when there is one;
3. otherwise splits the rest at sentence ends (not after "Sept." or ", Minn.") and assigns
   parts by position: "Surname Initials" authors, title, then a journal's
   "YEAR;VOL(ISSUE):PAGES", an "In:" book, or a publisher or organisation.

Choices: `year` is the publication year only (a journal issue, a publisher's year, an APA
"(2019)" or a lone year part), never an access date or the date of an expert opinion; those
full dates go to `accessed` and `date`, and a journal's full issue date ("2019 Mar 21") also
goes to `date`. An entry whose authors carry a note such as "(expert opinion)" is a personal
communication: it has no title, and its next part is the `source`. A doi.org link fills
`doi`, not `url`. A leading list number ("1." or "[1]") is cut from `raw` and fills `n`
only when the caller gives none; `parse_references` skips an entry that is nothing but such a
number (or empty), which is no reference. Anything not recognised stays None, () or False.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .dates import date_at, find_dates
from .record import Reference

_YEAR = r"(?:18|19|20)\d\d"
_LABEL = re.compile(r"^(?:References?|Sources?)\s*:\s*", re.I)
_LEADING_NUMBER = re.compile(r"^(?:\[(?P<bracketed>\d{1,4})\]\s*|(?P<dotted>\d{1,3})[.)](?:\s+|$))")
_DOI_URL = re.compile(r"(?:https?://)?(?:dx\.)?doi\.org/(?P<doi>10\.\d+/\S+)", re.I)
_URL = re.compile(
    r"(?:\b(?:available\s+(?:from|at|online)|retrieved\s+from|URL)\s*:?\s*)?<?"
    r"(?P<url>(?:https?://|www\.)\S+)",
    re.I,
)
_DOI = re.compile(r"(?:\bdoi\b\s*:?\s*)?(?P<doi>10\.\d{4,9}/\S+)", re.I)
_PMID = re.compile(r"\b(?:PubMed\s+)?PMID\s*:?\s*(?P<pmid>\d{1,9})\b", re.I)
_BRACKETED = re.compile(r"\[(?P<inner>[^\[\]]*)\]")
"""A bracketed run without brackets inside: each "[" is looked at up to the next bracket only,
so a run of "[" stays linear (a pattern reading past inner "[" was cubic)."""
_LINK_WORD = re.compile(
    r"\b(?:PubMed|Abstract|Full[ -]?Text|Article|Scholar|CrossRef|PMC|Internet)\b", re.I
)
_PMCID = re.compile(r"\b(?:PubMed\s+Central\s+)?PMCID\s*(?::\s*)?PMC\d+", re.I)
_ACCESSED = re.compile(
    r"[\[(]?\s*\b(?:(?:last\s+)?accessed|retrieved|viewed|cited)(?:\s+on)?\s*:?\s*", re.I
)
_CLOSE = re.compile(r"\s*[\])]?\s*\.?")
_DATE_END = re.compile(r"\s*\.?(?=\s|$)")
_SENTENCE_END = re.compile(r"[.?!]\s*$")

_BOUNDARY = re.compile(r"(?<=[.?!])\s+|(?<=[.?!][\"”])\s+")
_NO_SPLIT = re.compile(
    r"(?:\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Inc|Ltd|Co|Corp|St|Dr|Jr|Sr|vs|Vol|pp?)"
    r"|,\s+(?:Ala|Ariz|Ark|Calif|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Ky|La|Md|Mass|Mich|Minn|Miss|Mo"
    r"|Mont|Neb|Nev|Okla|Ore|Pa|Tenn|Tex|Vt|Va|Wash|Wis|Wyo)"
    r"|\b(?:[A-Z]\.)+[A-Z])\.$"
)
_LEAD_EDGE = re.compile(r"[\s.,;:]+")
_TAIL_EDGE_REVERSED = re.compile(r"\s*(?:[,;:]\s*|\.\s+)+")
"""Separators left at a part's end (" ,", ";", " ." but not the period of "Title."), matched
at the start of the reversed part: read once, where a pattern anchored at "$" rescanned a run
of ":" from each position in it (quadratic)."""
_FILLER = re.compile(r"(?:\d+(?:st|nd|rd|th)\s+ed(?:ition)?|pp?\.\s*[\w–-]+)\.?|\W*", re.I)

_PARTICLE = r"(?:(?:van|von|der|den|de|del|della|da|di|du|dos|le|la|ten|ter)\s+)"
# Health titles such as "Hepatitis B" or "Vitamin D" look like "Surname Initial".
_NOT_SURNAME = r"(?!(?:Vitamin|Hepatitis|Influenza|Type|Group|Stage|Phase|Part|Appendix|Plan)\s)"
_SURNAME = rf"{_PARTICLE}*{_NOT_SURNAME}[^\W\d_a-z][^\s,.;:()\d]*"
_NAME = rf"{_SURNAME}\s+[A-Z]{{1,4}}(?:\s+(?:Jr|Sr|II|III|IV)\.?)?"
_AUTHORS = re.compile(
    rf"(?P<names>{_NAME}(?:,\s*{_NAME})*)(?P<etal>,?\s*et\s+al\b\.?)?"
    r"(?:,?\s*(?:eds?|editors?)\b\.?)?(?:\s*\((?P<note>[^)]*)\))?\.?"
)
_NAME_SEP = re.compile(r",\s*")
_APA_NAME = re.compile(rf"{_SURNAME},\s+[A-Z]\.(?:[\s-]?[A-Z]\.)*")
_APA_NAME_SEP = re.compile(r",?\s+&\s+|(?<=\.),\s+")
_APA_ETAL = re.compile(r",?\s*et\s+al\.?$")
_APA_LEAD = re.compile(
    rf"(?P<who>[^()]+?)\s*\((?P<year>{_YEAR})[a-z]?(?:,\s*(?P<when>[^)]*))?\)\.?\s*(?P<rest>.*)"
)
_APA_JOURNAL = re.compile(
    r"(?P<source>.+?),\s*(?P<volume>\d+)(?:\s*\((?P<issue>[^()]+)\))?(?:,\s*(?P<pages>[^\s,]+))?"
)
"""The issue stops at the next parenthesis and the pages at the next comma, so each comma the
source may end at is followed only up to the next one (an issue or pages running to the end
rescanned a run of ", 1(" from every comma: quadratic)."""

_IN = re.compile(r"In\s*:\s*")
_EDITORS = re.compile(r".*\b(?:eds?|editors?)\.?")
_JOURNAL = re.compile(
    rf"(?P<year>{_YEAR})[a-z]?"
    r"(?:\s+[A-Z][a-z]{2,8}\.?(?:\s*[-–/]\s*[A-Z][a-z]{2,8}\.?)?(?:\s+\d{1,2}(?:\s*-\s*\d{1,2})?)?)?"
    r"(?:\s*;\s*(?P<volume>[^\s:;()]+)?\s*(?:\((?P<issue>[^)]+)\))?\s*(?::\s*(?P<pages>[^\s;,]+))?)?"
)
_PUBLISHER = re.compile(rf"(?:[^:;]+:\s*)?(?P<publisher>[^:;]+?)\s*[;:,]\s*(?P<year>{_YEAR})[a-z]?")
_LABELLED = (
    ("volume", re.compile(r"\bVol(?:ume)?\.?\s*(\d+\w*)")),
    ("issue", re.compile(r"\b(?:Issue|No\.)\s*([A-Z]?\d+\w*)")),
    ("pages", re.compile(r"\b(?:pp?\.|Pages?)\s*([A-Za-z]?\d+(?:\s*[-–]\s*[A-Za-z]?\d+)?)")),
)


def parse_references(raws: Iterable[str]) -> tuple[Reference, ...]:
    """A list's entries in order, numbered from 1. An entry with no text but its list marker
    ("", "[2]", "3.") is no reference: it is skipped and takes no number."""
    kept = [raw for raw in raws if _unmarked(raw)[0]]
    return tuple(parse_reference(raw, n) for n, raw in enumerate(kept, 1))


def parse_reference(raw: str, n: int | None = None) -> Reference:
    """Split one reference-list entry into fields; never raises, unknown parts stay empty."""
    text, marked = _unmarked(raw)
    n = marked if n is None else n
    found: dict[str, str] = {}
    body = _pull_identifiers(_LABEL.sub("", text, count=1), found)
    body = _pull_date(body, found)
    fields = _apa(body) or _positional(body)
    return Reference(n=n, raw=text, **{**_labelled(body), **fields, **found})


def _unmarked(raw: str) -> tuple[str, int | None]:
    """The entry with whitespace collapsed and a leading list number ("1." or "[1]") cut, and
    that number."""
    text = " ".join(raw.split())
    numbered = _LEADING_NUMBER.match(text)
    if not numbered:
        return text, None
    return text[numbered.end() :], int(numbered["bracketed"] or numbered["dotted"])


def _pull_identifiers(text: str, found: dict[str, str]) -> str:
    """Cut URLs, DOIs, PMIDs and the access date out first: their dots would split parts."""
    for pattern, key in ((_DOI_URL, "doi"), (_URL, "url"), (_DOI, "doi"), (_PMID, "pmid")):
        text = _pull(pattern, key, text, found)
    text = _PMCID.sub(" ", _BRACKETED.sub(_drop_link_label, text))
    for lead in _ACCESSED.finditer(text):
        hit = date_at(text, lead.end())
        if hit:
            found["accessed"] = hit[0]
            end = _CLOSE.match(text, hit[1]).end()
            return f"{text[: lead.start()]} {text[end:]}"
    return text


def _drop_link_label(match: re.Match[str]) -> str:
    """ "[PubMed]", "[Google Scholar]", "[Full Text]": link labels, not parts of the reference."""
    return " " if _LINK_WORD.search(match["inner"]) else match[0]


def _pull(pattern: re.Pattern[str], key: str, text: str, found: dict[str, str]) -> str:
    """Remove every match, keep the first value; punctuation after the value stays as a part end."""

    def cut(match: re.Match[str]) -> str:
        value = _trim(match[key])
        found.setdefault(key, value)
        return " " + match[key][len(value) :]

    return pattern.sub(cut, text)


def _trim(value: str) -> str:
    """Drop sentence punctuation glued to a URL or DOI but keep balanced brackets in it. Counts
    brackets once, not once per character dropped (a URL ending in 10,000 ")" was quadratic)."""
    surplus = {")": value.count(")") - value.count("("), "]": value.count("]") - value.count("[")}
    end = len(value)
    while end:
        last = value[end - 1]
        if last in surplus and surplus[last] > 0:
            surplus[last] -= 1
        elif last not in ".,;:'\">":
            break
        end -= 1
    return value[:end]


def _pull_date(text: str, found: dict[str, str]) -> str:
    """Record the first full date; cut it when it stands as its own part (AMA "Oct. 6, 2010.")."""
    first = next(find_dates(text), None)
    if first is None:
        return text
    start, end, found["date"] = first
    before = text[:start].strip()
    after = _DATE_END.match(text, end)
    if after and (not before or _SENTENCE_END.search(before)):
        return f"{text[:start]} {text[after.end() :]}"
    return text


def _segments(text: str) -> list[str]:
    """Split at sentence ends, but not after abbreviations such as "Sept." or ", Minn.".

    Parts that carry no field (an edition, "p. 12-20", bare punctuation) are dropped."""
    groups: list[list[str]] = []
    for piece in _BOUNDARY.split(text):
        if groups and _owns_period(groups[-1][-1]):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    cleaned = (_clean(" ".join(group)) for group in groups)
    return [piece for piece in cleaned if not _FILLER.fullmatch(piece)]


def _clean(piece: str) -> str:
    """Strip separators left by cut-out parts, and a final period unless an abbreviation owns it."""
    piece = piece.strip()
    lead = _LEAD_EDGE.match(piece)
    tail = _TAIL_EDGE_REVERSED.match(piece[::-1])
    piece = piece[lead.end() if lead else 0 : len(piece) - (tail.end() if tail else 0)]
    return piece if _owns_period(piece) else piece.removesuffix(".")


def _owns_period(piece: str) -> bool:
    """True when the final period belongs to an abbreviation; looks at the tail only, so long
    inputs stay linear (the abbreviation never spans a split, so the last piece is enough)."""
    return bool(_NO_SPLIT.search(piece[-24:]))


def _join(parts: list[str]) -> str | None:
    """Rejoin title parts with the periods the split removed."""
    text = " ".join(p if _SENTENCE_END.search(p) else p + "." for p in parts)
    return text.removesuffix(".") or None


def _positional(body: str) -> dict[str, object]:
    """Vancouver/AMA/plain: optional authors part, then parts assigned by `_roles`.

    Authors normally lead; a later list of several names ends a preamble such as GARD's
    "Data from ... is available here. Downs SM, van Dyck PC, et al. Title. ...", which is
    skipped (it stays in `raw`)."""
    segs = _segments(body)
    found = next(
        (
            (i, who)
            for i, seg in enumerate(segs)
            if (who := _AUTHORS.fullmatch(seg)) and (i == 0 or "," in who["names"] or who["etal"])
        ),
        None,
    )
    if not found:
        return _roles(segs, titled=True)
    at, who = found
    fields = _roles(segs[at + 1 :], titled=not who["note"])
    fields.update(authors=tuple(_NAME_SEP.split(who["names"])), et_al=bool(who["etal"]))
    return fields


def _roles(segs: list[str], titled: bool) -> dict[str, object]:
    """Title first, then an "In:" book, a journal's issue data, or a publisher/organisation."""
    if not titled:
        return _publisher(segs)
    at_in = next((i for i, seg in enumerate(segs) if _IN.match(seg)), len(segs))
    journal = next(((i, m) for i, seg in enumerate(segs) if (m := _JOURNAL.fullmatch(seg))), None)
    if at_in < (journal[0] if journal else len(segs)):
        container, tail = _container(segs[at_in:])
        return _present(title=_join(segs[:at_in]), container=container, **_publisher(tail))
    if journal:  # a lone part before the issue data is the journal only when a volume follows
        head, issue = segs[: journal[0]], journal[1]
        named = len(head) > 1 or (len(head) == 1 and bool(issue["volume"]))
        return _present(
            title=_join(head[:-1] if named else head),
            source=head[-1] if named else None,
            year=int(issue["year"]),
            volume=issue["volume"],
            issue=issue["issue"],
            pages=issue["pages"],
        )
    at_publisher = next((i for i, seg in enumerate(segs) if _PUBLISHER.fullmatch(seg)), None)
    if at_publisher:  # "Org. Title. City: Publisher; 2019": the part before the publisher
        return _present(title=segs[at_publisher - 1], **_publisher(segs[at_publisher:]))
    return _present(title=segs[0] if segs else None, **_publisher(segs[1:]))


def _container(segs: list[str]) -> tuple[str | None, list[str]]:
    """The book of "In: Book." or of "In: Editor X, editor. Book."; and the parts after it."""
    body = _IN.sub("", segs[0], count=1)
    if _EDITORS.fullmatch(body):
        return (segs[1] if len(segs) > 1 else None), segs[2:]
    return body or None, segs[1:]


def _publisher(tail: list[str]) -> dict[str, object]:
    """Source and year from "City: Publisher; 2019", else the first part is the source."""
    if not tail:
        return {}
    imprint = _PUBLISHER.fullmatch(tail[0])
    if imprint:
        return {"source": imprint["publisher"], "year": int(imprint["year"])}
    year = next((m for seg in tail[1:] if (m := _JOURNAL.fullmatch(seg))), None)
    return _present(source=tail[0], year=int(year["year"]) if year else None)


def _apa(body: str) -> dict[str, object] | None:
    """APA "Smith, J., & Lee, K. (2019). Title. Journal, 12(3), 45-67."; None if not that shape."""
    lead = _APA_LEAD.fullmatch(body)
    if not lead:
        return None
    who = lead["who"].strip()
    names, et_al = _apa_authors(who)
    if not names and "." in who.removesuffix("."):
        return None
    segs = _segments(lead["rest"])
    journal = _APA_JOURNAL.fullmatch(segs[1]) if len(segs) > 1 else None
    fields = _present(**journal.groupdict()) if journal else _publisher(segs[1:])
    if not names:
        fields.setdefault("source", who.removesuffix("."))
    date = date_at(f"{lead['when']} {lead['year']}", 0) if lead["when"] else None
    return fields | _present(
        authors=names,
        et_al=et_al,
        title=segs[0] if segs else None,
        year=int(lead["year"]),
        date=date[0] if date else None,
    )


def _apa_authors(who: str) -> tuple[tuple[str, ...], bool]:
    """APA "Surname, I. I." names and whether "et al." follows; () when they are not names."""
    trimmed = _APA_ETAL.sub("", who)
    vancouver = _AUTHORS.fullmatch(trimmed)
    if vancouver:
        return tuple(_NAME_SEP.split(vancouver["names"])), trimmed != who or bool(vancouver["etal"])
    names = tuple(name for name in _APA_NAME_SEP.split(trimmed) if name)
    if names and all(_APA_NAME.fullmatch(name) for name in names):
        return names, trimmed != who
    return (), False


def _labelled(body: str) -> dict[str, str]:
    """Volume, issue and pages written out ("Volume 49", "Issue D1", "p. 12-20")."""
    found = {}
    for key, pattern in _LABELLED:
        match = pattern.search(body)
        if match:
            found[key] = match[1]
    return found


def _present(**fields: object) -> dict[str, object]:
    """Only the fields that were found, so defaults and earlier finds are not overwritten."""
    return {key: value for key, value in fields.items() if value not in (None, "", ())}
