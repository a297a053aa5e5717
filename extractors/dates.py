"""Dates as health pages write them ("Dec. 2, 2010", "12 March 2023", "2023-03-12") to ISO."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DATE = (
    rf"(?:{MONTH}\s+\d{{1,2}},?\s+\d{{4}}"  # Dec. 2, 2010
    rf"|\d{{1,2}}\s+{MONTH},?\s+\d{{4}}"  # 12 March 2023
    rf"|\d{{4}}\s+{MONTH}\s+\d{{1,2}}"  # 2021 Mar 3 (Vancouver "cited")
    r"|\d{4}[-/]\d{1,2}[-/]\d{1,2}"  # 2023-03-12, 2018/01/02 (citation_publication_date)
    r"|\d{1,2}/\d{1,2}/\d{4})"  # 3/31/2022 (US order)
)
"""Regex source for one full date; embed it in larger patterns."""

_DATE_RE = re.compile(rf"(?<!\w){DATE}", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_MONTH_WORD = re.compile(MONTH, re.IGNORECASE)


def parse_date(text: str) -> str | None:
    """Return the first full date in `text` as YYYY-MM-DD, or None (never guesses a day)."""
    return next((iso for _, _, iso in find_dates(text)), None)


def find_dates(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, ISO date) of every full date in `text` that can exist."""
    for match in _DATE_RE.finditer(text):
        iso = _to_iso(match.group(0))
        if iso:
            yield match.start(), match.end(), iso


def date_at(text: str, pos: int) -> tuple[str, int] | None:
    """ISO date and end offset of a full date starting exactly at `pos`."""
    match = _DATE_RE.match(text, pos)
    iso = _to_iso(match.group(0)) if match else None
    return (iso, match.end()) if match and iso else None


def _to_iso(found: str) -> str | None:
    numbers = [int(n) for n in _NUMBER.findall(found)]
    word = _MONTH_WORD.search(found)
    if word:
        month = _MONTHS[word.group(0).lower()[:3]]
        day, year = (numbers[1], numbers[0]) if numbers[0] > 31 else (numbers[0], numbers[1])
    elif numbers[0] > 31:
        year, month, day = numbers
    else:
        month, day, year = numbers
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
