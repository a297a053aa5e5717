"""A list item's lead term ("Gene mutation." in bold, or "Fever:") split from its text."""

from __future__ import annotations

import re

from lxml import etree

from .text import normalize_space

_BOLD = {"#b", "#strong"}
_COLON_LEAD = re.compile(r"^([A-Z][^:.;!?]{0,58}[^\s:.;!?]):\s+(\S.*)$", re.DOTALL)
_LEAD_PUNCT = re.compile(r"^[\s.:\u2013\u2014-]+")
_TERM_END = " .:\u2013\u2014-"
"""Stripped from a term's end with str.rstrip: the bold text is whitespace-normalised, and a
regex anchored at "$" rescanned a run of dots from each dot in it (quadratic)."""
_MAX_TERM_WORDS = 10


def split_term(item: etree._Element, text: str) -> tuple[str | None, str]:
    """Return (term, rest) for a trafilatura <item>; `text` is the item's whole display text.

    A term is a bold run that opens the item (its closing period or colon dropped), or a short
    capitalised phrase ending in a colon. Anything else has no term.
    """
    bold = _leading_bold(item)
    if bold:
        term = bold.rstrip(_TERM_END)
        if term and len(term.split()) <= _MAX_TERM_WORDS and text.startswith(bold):
            rest = _LEAD_PUNCT.sub("", text[len(bold) :])
            if rest:
                return term, rest
    match = _COLON_LEAD.match(text)
    if match and len(match.group(1).split()) <= _MAX_TERM_WORDS:
        return match.group(1), match.group(2)
    return None, text


def _leading_bold(item: etree._Element) -> str | None:
    if (item.text or "").strip() or len(item) == 0:
        return None
    first = item[0]
    if first.tag != "hi" or first.get("rend") not in _BOLD:
        return None
    return normalize_space("".join(first.itertext())) or None
