"""rensa and datasketch on the same task: near-duplicate groups of planted copies, with the
export's shingles and parameters (benchmarks/dataset.py, part 4)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from benchmarks.planted import planted_set, site_templates
from healthcrawl.dataset import dedup


def cleaned_texts(records: list[dict[str, Any]]) -> list[str]:
    templates = site_templates(records)
    return [templates.clean(record).record["text"] for record in records]


def groups_rensa(texts: list[str], threshold: float, width: int) -> dict[int, int]:
    """Record number -> the number of the record its group keeps."""
    finder = dedup.NearDuplicates(threshold, width)
    for number, text in enumerate(texts):
        finder.add(number, text, (False, "", number))
    found = finder.removed()
    return {n: found[n][1] if n in found else n for n in range(len(texts))}


def groups_datasketch(texts: list[str], threshold: float, width: int) -> dict[int, int]:
    """As groups_rensa, with datasketch's MinHash and MinHashLSH in the same bands."""
    from datasketch import MinHash, MinHashLSH

    rows = dedup.NUM_PERM // dedup.LSH_BANDS
    index = MinHashLSH(threshold, dedup.NUM_PERM, params=(dedup.LSH_BANDS, rows))
    signatures = []
    for number, text in enumerate(texts):
        signature = MinHash(dedup.NUM_PERM, seed=1)
        signature.update_batch([s.encode() for s in dedup.shingles(text, width)])
        index.insert(number, signature)
        signatures.append(signature)
    root = list(range(len(texts)))

    def find(n: int) -> int:
        while root[n] != n:
            n = root[n]
        return n

    for number, signature in enumerate(signatures):
        for other in index.query(signature):
            if other != number and signature.jaccard(signatures[other]) >= threshold:
                root[find(other)] = find(number)
    return {n: find(n) for n in range(len(texts))}


def score_groups(
    find: Callable[..., dict[int, int]],
    texts: list[str],
    pairs: list[tuple[int, int]],
    planted: set[int],
    **kw: Any,
) -> dict[str, Any]:
    """Edited pairs found in one group, and records in no planted pair grouped with another."""
    started = time.perf_counter()
    group = find(texts, **kw)
    seconds = time.perf_counter() - started
    sizes = Counter(group.values())
    return {
        "seconds": round(seconds, 3),
        "edited_found": f"{sum(group[a] == group[b] for a, b in pairs)}/{len(pairs)}",
        "others_grouped": sum(1 for n in group if n not in planted and sizes[group[n]] > 1),
    }


def measure_libraries(
    records: list[dict[str, Any]], copies: int, seed: int, keepers: set[str]
) -> dict[str, Any]:
    both, pairs = planted_set(records, keepers, copies, seed, anywhere=False)
    copies = {c for _, _, c in pairs}
    usable = [r for r in both if r["id"] in keepers or r["id"] in copies]
    index = {r["id"]: n for n, r in enumerate(usable)}
    texts = cleaned_texts(usable)
    edits = [(index[o], index[c]) for kind, o, c in pairs if kind == "edited"]
    planted = {index[i] for _, o, c in pairs for i in (o, c)}
    settings = {"threshold": dedup.NEAR_THRESHOLD, "width": dedup.SHINGLE_WORDS}
    result = {
        "records": len(texts),
        "rensa": score_groups(groups_rensa, texts, edits, planted, **settings),
        "sweep": {},
    }
    try:
        result["datasketch"] = score_groups(groups_datasketch, texts, edits, planted, **settings)
    except ImportError:
        result["datasketch"] = "not installed: pip install datasketch"
    for width in (3, 5):
        for threshold in (0.6, 0.7, 0.8):
            found = score_groups(
                groups_rensa, texts, edits, planted, threshold=threshold, width=width
            )
            result["sweep"][f"{width}-word shingles, threshold {threshold}"] = found
    return result
