"""The generic rules healthcrawl adds on top of trafilatura, by name.

Every rule can be switched off (`extract(..., disable={"tab_bars"})`): for a site where one
misfires, and for the ablation table in benchmarks/README.md, which measures what each rule
gains and costs on every benchmark set. Site profiles are not rules: they apply to their site.
"""

from __future__ import annotations

from collections.abc import Collection

RULES: dict[str, str] = {
    "landmarks": "remove navigation landmarks: <nav>, <aside>, <form>, buttons, ARIA roles",
    "named_boilerplate": "remove elements whose class or id names share/ad/newsletter/... widgets",
    "tab_bars": "remove tab bars without ARIA (link lists in something named 'tabs')",
    "unknown_elements": "read custom elements (<app-x>, web components) as <div>/<span>",
    "named_anchors": "unwrap <a> without href, so named anchors do not count as links",
    "block_spacing": "keep a space where block elements meet, as a browser's line break does",
    "block_spans": "read a <span> alone in a block container as a <div> (spaces around its <em>s)",
    "styled_headings": "read short divs whose class says 'heading' as headings",
    "article_container": "join an article split into several body chunks; its text divs are <p>",
    "fast_first": "run trafilatura's fast mode first, its full comparison only when needed",
    "fallback": "fall back to trafilatura's own choice when pruning lost most of the page",
}
"""Rule name -> what it does."""


def enabled_rules(disable: Collection[str]) -> frozenset[str]:
    """All rules but `disable`; an unknown name is a ValueError listing the known ones."""
    unknown = set(disable) - RULES.keys()
    if unknown:
        raise ValueError(
            f"unknown rule {', '.join(sorted(map(repr, unknown)))}; choose from {', '.join(RULES)}"
        )
    return frozenset(RULES.keys() - set(disable))
