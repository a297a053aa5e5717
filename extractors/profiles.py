"""Site profiles: what is particular to one site, as data. The pipeline itself is shared.

To add a site, add a `Profile` to `PROFILES` (before "generic"): its hosts, an XPath that
recognises its pages on a mirror, and whatever selectors or patterns differ from the generic
rules. Fields left empty fall back to the generic behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from .trees import compiled


@dataclass(frozen=True, slots=True)
class Profile:
    key: str
    """Record `source` value."""
    hosts: tuple[str, ...] = ()
    """Host names whose pages use this profile ("www." is implied)."""
    marker: str | None = None
    """XPath that is true for this site's pages wherever they are served (mirrors, saved files).
    Every page is tested against every marker, so prefer <head> paths to whole-page scans."""
    title: str = "//main//h1 | //article//h1 | //h1"
    """XPath of the heading that carries the title; the first with text wins."""
    content: str | None = None
    """XPath of the article container, for layouts where trafilatura's own choice goes wrong
    (GARD: a sources panel whose class says "article" comes first)."""
    prune: tuple[str, ...] = ()
    """XPaths of site boilerplate removed before trafilatura sees the page."""
    keep: tuple[str, ...] = ()
    """XPaths of content whose class names (banner, carousel, tabs) would make trafilatura drop
    it; those names are cleared from it and everything inside, so only its text is judged."""
    references: tuple[str, ...] = ()
    """XPaths of reference list items (li) when the generic "References" anchor misses them."""
    byline: tuple[str, ...] = ()
    """XPaths of the byline element, tried before the generic ones."""
    doc_id_text: re.Pattern[str] | None = None
    """Pattern whose group 1 is the document id, and group 2 (if any) the review date."""
    doc_id_url: re.Pattern[str] | None = None
    """Pattern on the URL whose group 1 is the document id."""
    keep_hidden: bool = False
    """Unhide `hidden` panels (collapsed tabs that hold content) before trafilatura runs."""


_DATE_TAIL = r"((?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}))"

MAYOCLINIC = Profile(
    key="mayoclinic",
    hosts=("mayoclinic.com", "mayoclinic.org"),
    marker=(
        "/html/head/meta[contains(@content, 'Mayo Clinic') or contains(@content, 'MayoClinic')]"
        " | /html/head/title[contains(., 'Mayo Clinic') or contains(., 'MayoClinic.com')]"
    ),
    prune=(
        "//*[@id='tabs' or contains(@class, 'tabs') or @role='tablist']",
        "//*[contains(@class, 'cmp-expando__button')]",
        "//*[contains(@class, 'acces-list-container') or contains(@class, 'access-list')]",
        "//*[contains(@class, 'cmp-eloqua-form') or contains(@class, 'cmp-related-content')]",
    ),
    byline=("//*[@id='byline' or contains(@class, 'byline')]",),
    doc_id_text=re.compile(r"\b(DS\d{5})\b\s*" + _DATE_TAIL + "?"),
    doc_id_url=re.compile(r"/(DS\d{5}|syc-\d+|drc-\d+)\b"),
)

GARD = Profile(
    key="gard",
    hosts=("rarediseases.info.nih.gov",),
    marker="/html/body/app-root"
    " | /html/head/meta[@name='og:site_name' and contains(@content, 'GARD')]",
    title="//h1[contains(@class, 'title')] | //main//h1 | //h1",
    content="//app-disease-about",
    prune=(
        "//app-feedback-banner | //*[contains(@class, 'feedback')]",
        "//app-scroll-to-top | //*[contains(@class, 'scroll-to-top')]",
        "//app-view-sources-references/button",
        # text is shown twice: a clamped .host and its full .ghost copy; keep the full one
        "//*[contains(concat(' ', @class, ' '), ' host ')]"
        "[../*[contains(concat(' ', @class, ' '), ' ghost ')]]",
        "//*[contains(@class, 'read-button')]",
    ),
    keep=(
        "//*[contains(@class, 'main-banner-container')]",  # title and "Other Names"
        "//*[contains(@class, 'carousel-main-wrapper')]",  # symptom descriptions
    ),
    references=("//app-view-sources-references//li",),
    doc_id_url=re.compile(r"/diseases/(\d+)/"),
    keep_hidden=True,
)

MEDLINEPLUS = Profile(
    key="medlineplus",
    hosts=("medlineplus.gov",),
    content="//*[@id='mplus-content']",
    marker="/html/head/meta[@name='DC.Publisher'"
    " and contains(@content, 'National Library of Medicine')]"
    " | /html/head/title[contains(., 'MedlinePlus')]",
    prune=(
        "//*[@id='mplus-share' or contains(@class, 'page-actions')]",
        "//section[starts-with(@id, 'cat_')]",  # "Start Here", "Clinical Trials": link lists
    ),
    doc_id_url=re.compile(r"/(?:ency/article/)?([\w-]+)\.html?$"),
)

NHS = Profile(
    key="nhs",
    hosts=("nhs.uk", "nhsinform.scot"),
    marker="/html/head/link[contains(@href, 'nhsuk')] | //header[contains(@class, 'nhsuk-header')]",
    prune=(
        "//*[contains(@class, 'nhsuk-review-date')]/following-sibling::*"
        "[contains(@class, 'feedback')]",
        "//*[contains(@class, 'nhsuk-breadcrumb') or contains(@class, 'nhsuk-pagination')]",
    ),
)

GENERIC = Profile(key="generic")

PROFILES: tuple[Profile, ...] = (MAYOCLINIC, GARD, MEDLINEPLUS, NHS, GENERIC)
BY_KEY = {profile.key: profile for profile in PROFILES}


def detect_profile(url: str | None, tree: etree._Element) -> Profile:
    """Pick the profile by URL host first, then by page markers (for mirrors and saved files)."""
    host = (urlsplit(url).hostname or "") if url else ""
    for profile in PROFILES:
        if host and host.removeprefix("www.") in profile.hosts:
            return profile
    for profile in PROFILES:
        if profile.marker and compiled(f"boolean({profile.marker})")(tree):
            return profile
    return GENERIC
