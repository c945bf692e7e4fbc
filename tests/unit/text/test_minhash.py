"""MinHash/LSH: deterministic, agreeing with exact Jaccard where it should."""

from __future__ import annotations

import random
import subprocess
import sys

from khabar.text import minhash

WORDS = [f"كلمة{n}" for n in range(400)]


def text(seed: int, length: int = 300) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(WORDS) for _ in range(length)]


def test_shingles_skip_punctuation_and_keep_short_texts():
    assert len(minhash.shingles(["،", "(", ")"])) == 0
    assert len(minhash.shingles(["واحد", "اثنان"])) == 1  # shorter than a shingle: one shingle of all words
    assert (minhash.shingles(["ا", "،", "ب", "ج", "د", "ه"]) == minhash.shingles(["ا", "ب", "ج", "د", "ه"])).all()


def test_signatures_are_the_same_in_another_process():
    tokens = text(1)
    here = minhash.MinHasher().keys_of(tokens)
    code = (
        "import sys, json; from khabar.text import minhash; "
        "print(json.dumps(minhash.MinHasher().keys_of(json.loads(sys.argv[1]))))"
    )
    import json

    there = subprocess.run(
        [sys.executable, "-c", code, json.dumps(tokens)],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", **__import__("os").environ},
    ).stdout
    assert json.loads(there) == here


def test_near_copy_shares_bands_and_unrelated_text_does_not():
    hasher = minhash.MinHasher()
    original = text(2)
    copy = original[:]
    copy[150:160] = text(3, 10)  # a paragraph edited: Jaccard about 0.85
    unrelated = text(4)
    a, b, c = (hasher.signature(minhash.shingles(t)) for t in (original, copy, unrelated))
    assert minhash.jaccard(minhash.shingles(original), minhash.shingles(copy)) > 0.8
    shared = sum(x == y for x, y in zip(hasher.band_keys(a), hasher.band_keys(b), strict=True))
    assert minhash.is_near_copy(shared)
    assert sum(x == y for x, y in zip(hasher.band_keys(a), hasher.band_keys(c), strict=True)) == 0
    assert abs(minhash.estimated_jaccard(a, b) - 0.85) < 0.15


def test_a_text_without_words_has_no_band_keys():
    assert minhash.MinHasher().keys_of(["،", "."]) == []
    assert minhash.jaccard(minhash.shingles([]), minhash.shingles([])) == 0.0


def test_detector_agrees_with_exact_jaccard_on_synthetic_pairs():
    """Pairs at known similarities: nearly all above the threshold detected, nearly none far below it."""
    from khabar.stories.evaluation import evaluate

    documents = []
    for n in range(60):
        base = text(100 + n)
        documents.append(base)
        if n % 3 == 0:
            documents.append(base[:270] + text(500 + n, 30))  # Jaccard ~0.8: a copy
        elif n % 3 == 1:
            documents.append(base[:60] + text(700 + n, 240))  # Jaccard ~0.1: a different article
    report = evaluate(documents)
    assert report["true_pairs"] == 20
    assert report["detector"]["recall"] >= 0.95
    assert report["detector"]["precision"] >= 0.95
