"""Word clusters learned from a desk's own archive: unlabeled articles teach the fast tagger about names the
annotated corpus never saw (Agerri & Rigau 2016: clusters of in-domain text at several granularities).

Recipe: the archive is tokenised exactly as the pipeline tokenises an article for the tagger; each word's
contexts (the words up to `window` places to its left and to its right, kept apart) are counted over the most
frequent words, weighted by positive PMI, reduced by a randomized truncated SVD, and the unit-length word
vectors are clustered by spherical k-means at several granularities. A word's features are the ids of its
cluster, and of its clitic-stripped stem's cluster, at each granularity. Only the table of word -> cluster ids
travels in the model file: at run time a new word type costs a dict lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from .features import key, shape
from .subwords import spherical_kmeans


def archive_sentences(articles: Iterable[tuple[str, str]]) -> Iterator[list[str]]:
    """The sentences of (title, body) articles as the tagger sees them at run time: the pipeline's composed
    document, its normaliser's tokens (surface text) grouped by its sentences."""
    from khabar.text.normalise import normalise_document
    from khabar.text.pipeline import compose_document

    from .entities import _group

    for title, body in articles:
        doc = normalise_document(compose_document(title, body))
        for group in _group(doc.tokens, doc.sentences):
            yield [token.text for token in group]


@dataclass(frozen=True)
class ClusterRecipe:
    """How clusters are learned; the defaults are the ones dev F1 chose (see the README's table)."""

    words: int = 100_000  # most frequent Arabic words that get a cluster
    contexts: int = 10_000  # most frequent words (any kind) counted as contexts, left and right apart
    window: int = 1  # dev F1 73.53 with 1, 72.75 with 2 (baseline 71.36)
    dims: int = 200
    sizes: tuple[int, ...] = (64, 256, 1024)
    min_count: int = 3  # rarer words get no cluster: too few contexts to place them
    seed: int = 0


class WordClusters:
    """Word key -> its cluster id at each granularity (`sizes`); features of a word and of its stem."""

    def __init__(self, words: list[str], ids: np.ndarray, sizes: Iterable[int]):
        self.words = list(words)
        self.ids = np.asarray(ids, dtype=np.int16).reshape(len(self.words), -1)
        self.sizes = tuple(int(s) for s in sizes)
        if self.ids.shape[1] != len(self.sizes):
            raise ValueError(f"{self.ids.shape[1]} cluster columns for {len(self.sizes)} sizes")
        rows = self.ids.tolist()
        # The feature strings of each word, made once: a new word type at run time is a dict lookup.
        self._word = {w: [f"wc{k}={c}" for k, c in zip(self.sizes, r)] for w, r in zip(self.words, rows)}
        self._stem = {w: [f"sc{k}={c}" for k, c in zip(self.sizes, r)] for w, r in zip(self.words, rows)}

    def features(self, k: str, stem: str) -> list[str]:
        """Cluster features of a word given its key and clitic-stripped stem (no feature for unknown ones)."""
        return self._word.get(k, []) + self._stem.get(stem, [])

    def cluster_of(self, word: str) -> tuple[int, ...] | None:
        row = self._word.get(key(word))
        return None if row is None else tuple(int(f.partition("=")[2]) for f in row)


def learn_word_clusters(
    sentences: Iterable[list[str]],
    recipe: ClusterRecipe = ClusterRecipe(),
    progress: Callable[[Iterable[list[str]]], Iterable[list[str]]] = lambda it: it,
    log: Callable[[str], None] = lambda _: None,
) -> WordClusters:
    """Clusters of the archive's words (deterministic for a given archive and recipe)."""
    with one_blas_thread():
        vectors, words = word_vectors(sentences, recipe, progress, log)
        return cluster_vectors(vectors, words, recipe.sizes, recipe.seed, log)


def cluster_vectors(
    vectors: np.ndarray, words: list[str], sizes: Iterable[int], seed: int = 0, log: Callable[[str], None] = print
) -> WordClusters:
    sizes = tuple(sizes)
    columns = []
    for k in sizes:
        columns.append(spherical_kmeans(vectors, min(k, len(words)), seed=seed))
        log(f"k-means {k}: done")
    return WordClusters(words, np.stack(columns, axis=1), sizes)


def one_blas_thread():
    """One BLAS thread: on this 2-core machine, shared, a 30k x 220 QR took 8 s with the default threads and
    1.3 s with one."""
    from contextlib import nullcontext

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(1)


def word_vectors(
    sentences: Iterable[list[str]],
    recipe: ClusterRecipe,
    progress: Callable[[Iterable[list[str]]], Iterable[list[str]]] = lambda it: it,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[np.ndarray, list[str]]:
    """(unit-length PPMI-SVD vectors, their word keys), most frequent word first."""
    from scipy import sparse

    type_ids: dict[str, int] = {}
    chunks: list[np.ndarray] = []
    for words in progress(sentences):
        ids = [type_ids.setdefault(key(w), len(type_ids)) for w in words]
        chunks.append(np.array(ids + [-1], dtype=np.int32))  # -1 ends a sentence: no context crosses it
    stream = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
    del chunks
    types = list(type_ids)
    counts = np.bincount(stream[stream >= 0], minlength=len(types))
    by_freq = np.argsort(-counts, kind="stable")
    # Words that get a vector: Arabic words (names are what the clusters are for), frequent enough.
    arabic = [t for t in by_freq.tolist() if counts[t] >= recipe.min_count and shape(types[t]) == "ar"]
    arabic = arabic[: recipe.words]
    if len(arabic) < 2:
        raise ValueError(f"the archive has {len(arabic)} Arabic words seen {recipe.min_count}+ times: too few")
    row_of = np.full(len(types) + 1, -1, dtype=np.int64)  # last slot: the sentence end (-1)
    row_of[arabic] = np.arange(len(arabic))
    context = by_freq[: recipe.contexts]
    col_of = np.full(len(types) + 1, -1, dtype=np.int64)
    col_of[context] = np.arange(len(context))
    n_ctx = len(context)
    log(f"{len(stream) - int((stream < 0).sum())} tokens, {len(types)} types: {len(arabic)} words, {n_ctx} contexts")

    rows_all = row_of[stream]
    cols_all = col_of[stream]
    sentence = np.cumsum(stream < 0)  # of each token: the number of sentence ends before it
    matrix = sparse.csr_matrix((len(arabic), 2 * n_ctx), dtype=np.float64)
    n = len(stream)
    for offset in range(1, recipe.window + 1):
        word, left, right = slice(offset, n), slice(0, n - offset), slice(offset, n)
        for side, (w_at, c_at) in enumerate(((word, left), (left, right))):
            # side 0: the context is `offset` words left of the word; side 1: right of it (its own columns).
            r, c = rows_all[w_at], cols_all[c_at]
            keep = (r >= 0) & (c >= 0) & (sentence[w_at] == sentence[c_at])
            pairs = sparse.coo_matrix(
                (np.ones(int(keep.sum())), (r[keep], c[keep] + side * n_ctx)), shape=matrix.shape
            ).tocsr()  # duplicates summed: counts
            matrix = matrix + pairs
    matrix.sum_duplicates()
    log(f"co-occurrence matrix {matrix.shape}, {matrix.nnz} non-zero")
    vectors = ppmi_svd(matrix, recipe.dims, recipe.seed)
    return vectors, [types[t] for t in arabic]


def ppmi_svd(counts, dims: int, seed: int = 0, alpha: float = 0.75) -> np.ndarray:
    """Rows of a sparse word x context count matrix as unit vectors: positive PMI (contexts' counts smoothed
    by `alpha`, Levy et al. 2015), randomized truncated SVD, U * sqrt(S)."""
    counts = counts.tocsr().astype(np.float64)  # float32 from here on halves the SVD's time (52 s -> ~25 s)
    word_total = np.asarray(counts.sum(axis=1)).ravel()
    ctx_smooth = np.asarray(counts.sum(axis=0)).ravel() ** alpha
    coo = counts.tocoo()
    pmi = (
        np.log(coo.data)
        + np.log(ctx_smooth.sum())
        - np.log(np.maximum(word_total[coo.row], 1e-12))
        - np.log(np.maximum(ctx_smooth[coo.col], 1e-12))
    )
    keep = pmi > 0
    from scipy import sparse

    ppmi = sparse.csr_matrix((pmi[keep].astype(np.float32), (coo.row[keep], coo.col[keep])), shape=counts.shape)
    u, s = randomized_svd(ppmi, min(dims, min(ppmi.shape) - 1), seed)
    vectors = u * np.sqrt(s)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def randomized_svd(matrix, rank: int, seed: int = 0, oversample: int = 20, power_iterations: int = 3):
    """(U, S) of the top `rank` singular triplets of a sparse matrix (Halko et al. 2011), deterministic."""
    rng = np.random.default_rng(seed)
    q = matrix @ rng.standard_normal((matrix.shape[1], rank + oversample), dtype=matrix.dtype)
    q, _ = np.linalg.qr(q)
    for _ in range(power_iterations):
        q, _ = np.linalg.qr(matrix.T @ q)
        q, _ = np.linalg.qr(matrix @ q)
    small = (matrix.T @ q).T  # q.T @ matrix, kept as a dense (rank + oversample) x columns array
    u_small, s, _ = np.linalg.svd(np.asarray(small), full_matrices=False)
    u = q @ u_small[:, :rank]
    # The sign of a singular vector is arbitrary: fix it so the clusters do not depend on the LAPACK build.
    u *= np.where(u[np.abs(u).argmax(axis=0), np.arange(rank)] < 0, -1.0, 1.0)
    return u, s[:rank]
