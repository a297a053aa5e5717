"""The Zyte article-extraction benchmark's metric (its `evaluate.py`), for every main-text set.

Tokens are `\\w+` matches, not lowercased (the script compiles with re.IGNORECASE, which does not
change what `\\w+` matches); shingles are 4-token tuples counted as a multiset (a text of 1-3
tokens is one shingle); per page tp, fp, fn are the multiset overlap and differences, divided by
their sum so long pages weigh no more. Precision is the mean over pages with tp + fp > 0 of
tp / (tp + fp) (1 when fp = fn = 0); recall the mean over pages with tp + fn > 0 of tp / (tp + fn);
F1 their harmonic mean; accuracy the share of pages whose token lists are equal. A page with an
empty prediction drops out of precision and scores 0 on recall, exactly as in the published table.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter

SHINGLE_SIZE = 4
TOKEN = re.compile(r"\w+")
Triple = tuple[float, float, float]


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Multiset of 4-token shingles; 1-3 tokens make one short shingle, none make none."""
    tokens = TOKEN.findall(text or "")
    count = max(1, len(tokens) - SHINGLE_SIZE + 1)
    return Counter(tuple(tokens[i : i + SHINGLE_SIZE]) for i in range(count) if tokens)


def match_shingles(truth: str, prediction: str) -> Triple:
    """tp, fp, fn over shingles, divided by their sum so every page weighs the same."""
    true, pred = shingles(truth), shingles(prediction)
    tp, fp, fn = (true & pred).total(), (pred - true).total(), (true - pred).total()
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def same_tokens(truth: str, prediction: str) -> bool:
    """The benchmark's accuracy: the two token lists are identical."""
    return TOKEN.findall(truth) == TOKEN.findall(prediction)


def precision_of(tp: float, fp: float, fn: float) -> float:
    """Per-page precision as evaluate.py defines it (1 for a perfect page)."""
    return 1.0 if fp == fn == 0 else (tp / (tp + fp) if tp + fp else 0.0)


def recall_of(tp: float, fp: float, fn: float) -> float:
    """Per-page recall as evaluate.py defines it (1 for a perfect page)."""
    return 1.0 if fp == fn == 0 else (tp / (tp + fn) if tp + fn else 0.0)


def page_f1(triple: Triple) -> float:
    """One page's F1, only to rank the worst pages; the benchmark F1 is not their mean."""
    p, r = precision_of(*triple), recall_of(*triple)
    return 2 * p * r / (p + r) if p + r else 0.0


def _mean(values: list[float]) -> float:
    return statistics.mean(values) if values else 0.0


def benchmark_metrics(triples: list[Triple], exact: list[bool]) -> dict[str, float]:
    """Precision, recall, F1 and accuracy over pages, as the benchmark's evaluate.py."""
    precision = _mean([precision_of(*t) for t in triples if t[0] + t[1] > 0])
    recall = _mean([recall_of(*t) for t in triples if t[0] + t[2] > 0])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": _mean(exact)}
