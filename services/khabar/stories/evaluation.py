"""How well the near-duplicate detector agrees with exact Jaccard similarity (`khabar bench stories`).

Ground truth: every pair of articles whose shingle sets have Jaccard >= THRESHOLD. Pairs are found through an
inverted index of shingles, leaving out shingles that more than `max_df` articles share (stock phrases: a
near-copy pair shares hundreds of shingles, so dropping the commonest few cannot hide it; the report says how
many shingles were left out). The detector's pairs are those sharing at least MIN_SHARED_BANDS band keys; other
decision rules are scored alongside, to show why this one was chosen.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from khabar.text import minhash


def _pair_counts(groups: dict[Any, list[int]], max_size: int | None = None) -> Counter[tuple[int, int]]:
    counts: Counter[tuple[int, int]] = Counter()
    for members in groups.values():
        if len(members) > 1 and (max_size is None or len(members) <= max_size):
            counts.update(itertools.combinations(members, 2))
    return counts


def _scores(predicted: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict[str, float | int]:
    hits = len(predicted & truth)
    return {
        "predicted_pairs": len(predicted),
        "true_positives": hits,
        "precision": round(hits / len(predicted), 4) if predicted else 1.0,
        "recall": round(hits / len(truth), 4) if truth else 1.0,
    }


def evaluate(documents: Sequence[Sequence[str]], max_df: int = 50) -> dict[str, Any]:
    """Score the detector on documents given as their normalised tokens."""
    started = time.perf_counter()
    hasher = minhash.MinHasher()
    sets = [minhash.shingles(tokens) for tokens in documents]
    signatures = [hasher.signature(s) for s in sets]
    hashed = time.perf_counter()

    postings: dict[int, list[int]] = defaultdict(list)
    for doc, shingle_set in enumerate(sets):
        for shingle in shingle_set.tolist():
            postings[shingle].append(doc)
    common = sum(1 for members in postings.values() if len(members) > max_df)
    shared_shingles = _pair_counts(postings, max_df)
    truth = set()
    for (a, b), shared in shared_shingles.items():
        # Jaccard >= t needs shared >= t * |A u B| >= t * max(|A|, |B|): a cheap filter before the exact value.
        if (
            shared >= minhash.THRESHOLD * max(len(sets[a]), len(sets[b])) * 0.9
            and minhash.jaccard(sets[a], sets[b]) >= minhash.THRESHOLD
        ):
            truth.add((a, b))

    bands: dict[str, list[int]] = defaultdict(list)
    for doc, signature in enumerate(signatures):
        for key in hasher.band_keys(signature):  # none for an article without words
            bands[key].append(doc)
    shared_bands = _pair_counts(bands)
    rules = {f"shared_bands>={k}": {p for p, n in shared_bands.items() if n >= k} for k in (1, 2, 3, 4)}
    rules["shared_bands>=1 and estimated_jaccard>=threshold"] = {
        p for p in shared_bands if minhash.estimated_jaccard(signatures[p[0]], signatures[p[1]]) >= minhash.THRESHOLD
    }
    chosen = {p for p, n in shared_bands.items() if minhash.is_near_copy(n)}

    def with_copy(pairs: set[tuple[int, int]]) -> int:
        return len({doc for pair in pairs for doc in pair})

    return {
        "articles": len(documents),
        "parameters": {
            "shingle_words": minhash.SHINGLE_WORDS,
            "threshold": minhash.THRESHOLD,
            "bands": minhash.BANDS,
            "rows": minhash.ROWS,
            "min_shared_bands": minhash.MIN_SHARED_BANDS,
        },
        "true_pairs": len(truth),
        "articles_with_a_near_copy": {
            "exact": with_copy(truth),
            "detected": with_copy(chosen),
            "exact_share": round(with_copy(truth) / max(1, len(documents)), 4),
        },
        "detector": _scores(chosen, truth),
        "rules": {name: _scores(pairs, truth) for name, pairs in rules.items()},
        "shingles_left_out_of_ground_truth_index": {"max_df": max_df, "shingles": common, "of": len(postings)},
        "seconds": {
            "shingles_and_signatures": round(hashed - started, 2),
            "signature_ms_per_article": round((hashed - started) / max(1, len(documents)) * 1000, 3),
            "total": round(time.perf_counter() - started, 2),
        },
        "mean_shingles": round(float(np.mean([len(s) for s in sets])) if sets else 0.0, 1),
    }
