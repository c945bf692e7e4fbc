"""Near-duplicate detection: word shingles of the normalised tokens, MinHash signatures and LSH band keys.

Pure functions, no state and no Kafka: the stories stage (khabar.stories) stores band keys in Faust tables.
Every hash here is deterministic across processes (crc32 and fixed seeds, never Python's salted `hash`), so two
workers compute the same signature for the same text.

Two articles are near-copies when the Jaccard similarity of their sets of `SHINGLE_WORDS`-word shingles is at
least `THRESHOLD`. MinHash estimates that similarity; LSH makes pairs that share a band key candidates. With
`BANDS` bands of `ROWS` rows, a pair of similarity s shares at least one band with probability
1 - (1 - s^ROWS)^BANDS; a candidate counts as a near-copy when it shares at least `MIN_SHARED_BANDS` bands (the
decision is made from the band keys alone, so the stage never ships signatures between partitions). The
parameters were chosen on SaudiNewsNet against exact Jaccard: `khabar bench stories` measures precision and
recall.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence

import numpy as np

SHINGLE_WORDS = 5
THRESHOLD = 0.5
BANDS = 32
ROWS = 4
MIN_SHARED_BANDS = 2
_SEED = 0x6B686162  # "khab": fixed, so every process draws the same hash functions
_WORD = re.compile(r"[^\W_]")  # a letter or a digit
_EMPTY = np.uint64(2**32)  # above every 32-bit hash: the minimum over no shingles
_SHINGLE_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier (the golden ratio's bits)


def words(tokens: Iterable[str]) -> list[str]:
    """The normalised tokens that are words: punctuation and symbols carry no story."""
    return [token for token in tokens if _WORD.search(token)]


def shingles(tokens: Iterable[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """The distinct `size`-word shingles of the words among `tokens`, as 32-bit hashes (sorted, unique).

    A text shorter than `size` words is one shingle of all its words; a text without words has none."""
    kept = words(tokens)
    if not kept:
        return np.empty(0, dtype=np.uint64)
    # Each word hashed once, a shingle's hash combined from its words' in numpy: joining and hashing every
    # shingle's string took 6x longer.
    word_hashes = np.fromiter((zlib.crc32(word.encode("utf-8")) for word in kept), dtype=np.uint64, count=len(kept))
    width = min(size, len(kept))
    count = len(kept) - width + 1
    combined = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):  # polynomial hash mod 2^64
        for offset in range(width):
            combined = combined * _SHINGLE_BASE + word_hashes[offset : offset + count] + np.uint64(1)
    return np.unique(combined >> np.uint64(32))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle sets (as `shingles` returns them)."""
    if len(a) == 0 or len(b) == 0:
        return 0.0  # a text without words is nobody's copy
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


class MinHasher:
    """MinHash with `bands * rows` multiply-shift hash functions over 32-bit shingle hashes."""

    def __init__(self, bands: int = BANDS, rows: int = ROWS, seed: int = _SEED) -> None:
        self.bands, self.rows = bands, rows
        random = np.random.default_rng(seed)
        count = bands * rows
        # Multiply-shift hashing: odd 64-bit multipliers, the top 32 bits of (a*x + b) mod 2^64.
        self._a = random.integers(1, 2**63, size=count, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._b = random.integers(0, 2**63, size=count, dtype=np.uint64)

    def signature(self, shingle_hashes: np.ndarray) -> np.ndarray:
        """The minimum of each hash function over the shingles (all _EMPTY for no shingles)."""
        if len(shingle_hashes) == 0:
            return np.full(self.bands * self.rows, _EMPTY, dtype=np.uint64)
        with np.errstate(over="ignore"):  # wrapping mod 2^64 is the point
            hashed = (self._a[:, None] * shingle_hashes[None, :] + self._b[:, None]) >> np.uint64(32)
        return hashed.min(axis=1)

    def band_keys(self, signature: np.ndarray) -> list[str]:
        """One key per band: the band's number and a hash of its rows. Equal keys = the band agrees.
        The signature of no shingles has no keys: texts without words are never near-copies."""
        if (signature == _EMPTY).all():
            return []
        rows = signature.astype(np.uint32).reshape(self.bands, self.rows)
        return [f"{band:02d}:{zlib.crc32(rows[band].tobytes()):08x}" for band in range(self.bands)]

    def keys_of(self, tokens: Sequence[str]) -> list[str]:
        return self.band_keys(self.signature(shingles(tokens)))


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The share of hash functions whose minimum agrees: an unbiased estimate of the Jaccard similarity."""
    return float(np.mean(a == b))


def is_near_copy(shared_bands: int) -> bool:
    """The detector's decision for a candidate sharing `shared_bands` of the band keys."""
    return shared_bands >= MIN_SHARED_BANDS
