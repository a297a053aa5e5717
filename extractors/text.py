"""Whitespace and boilerplate-line rules shared by every stage."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
_BOILERPLATE_LINE = re.compile(
    r"^(?:advertisement|advert|sponsored(?: content)?|ad"
    r"|share(?: on| this(?: page| article)?)?:?|print(?: this page)?|e-?mail(?: this page)?"
    r"|reprints?|text size:?.*|font size:?.*|smaller|larger"
    r"|free|e-?newsletter|sign up(?: now| today)?|subscribe(?: now| today| to \w[\w ]{0,40})?"
    r"|(?:show|hide|view) (?:references|sources)(?: & references)?|back to top|scroll to top"
    r"|skip to (?:main )?content|accept(?: all)? cookies|cookie settings"
    r"|related(?: articles| stories| content)?:?|read (?:more|next)"
    r"|[<‹«]\s*[^|<>]{1,60}\|\s*[^|<>]{1,60}[>›»])$",
    re.IGNORECASE,
)


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (non-breaking spaces included) to one space."""
    return _SPACE.sub(" ", text).strip()


def is_boilerplate_line(text: str) -> bool:
    """True for a whole line that is only site chrome ("Print", "Advertisement", "< A | B >")."""
    return bool(_BOILERPLATE_LINE.match(text))
