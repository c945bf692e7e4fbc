"""Linear-chain CRF inference from weights exported after crfsuite training.

Because every feature belongs to one (offset, word type), the emission score of a word type at each
offset is computed once and cached; tagging a sentence is then a gather, a Viterbi and a forward-backward
(for per-token confidences), compiled (``khabar_text_core.CrfDecoder``).
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from pathlib import Path

import numpy as np

from khabar.text.core import CrfDecoder, WordScorer

from .archive import WordClusters
from .features import PAD_BOS, PAD_EOS, PAD_FEATS, FeatureExtractor, core_tables
from .subwords import SubwordClusters

# Word types; the cache is reset past this so a long-running stream stays bounded. Replaying 34,000
# SaudiNewsNet articles (303k distinct types), misses per article were 8.6 at 400k, 21.5 at 120k: each miss
# costs 6.35 us, so about +0.08 ms an article (3%), while the cache (~280 B a type) peaks at 34 MB, not 85 MB.
_CACHE_LIMIT = 120_000


def _join(strings) -> np.ndarray:
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _split(arr: np.ndarray) -> list[str]:
    s = arr.tobytes().decode("utf-8")
    return s.split("\n") if s else []


class CRFTagger:
    def __init__(
        self,
        labels: list[str],
        transitions: np.ndarray,
        attrs: list[str],
        weights: np.ndarray,
        offsets: tuple[int, ...],
        extractor: FeatureExtractor,
        name: str,
        meta: dict | None = None,
        names: dict[str, set[str]] | None = None,
        warm_vocab: list[str] | None = None,
    ):
        self.labels = list(labels)
        self.trans = transitions.astype(np.float64)
        self._exp_trans = np.exp(self.trans - self.trans.max())  # shifted: marginals are normalised anyway
        self.offsets = tuple(offsets)
        self.extractor = extractor
        self.name = name
        self.meta = meta or {}
        self.names = names or {}  # type -> whole multi-word names (keys), used by extract_entities
        self._W = weights.astype(np.float64)
        self._row = {a: i for i, a in enumerate(attrs)}
        # Per offset: feature -> weight row, so scoring a word type needs no "offset:" string building.
        self._rows_at: list[dict[str, int]] = [{} for _ in self.offsets]
        oi_of = {str(o): oi for oi, o in enumerate(self.offsets)}
        for a, i in self._row.items():
            o, _, f = a.partition(":")
            if o in oi_of:
                self._rows_at[oi_of[o]][f] = i
        self._scorer = self._word_scorer()
        # Frequent training words are scored at load time, so a fresh tagger is not slowed down by them.
        self.warm_vocab = sorted(set(warm_vocab or ()))
        self._lock = threading.Lock()  # the type cache is shared; taggers are loaded once per process
        self._decoder = CrfDecoder(
            list(self.offsets), self.labels, self.trans.tobytes(), self._exp_trans.tobytes(), PAD_BOS, PAD_EOS
        )
        self._reset_cache()

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        gaz = self.extractor.gazetteers
        arrays = {
            "labels": _join(self.labels),
            "transitions": self.trans.astype(np.float32),
            "attrs": _join(self._row.keys()),
            "weights": self._W.astype(np.float32),
        }
        for gname, parts in gaz.items():
            for part, entries in parts.items():
                arrays[f"gaz:{gname}:{part}"] = _join(sorted(entries))
        for typ, entries in self.names.items():
            arrays[f"names:{typ}"] = _join(sorted(entries))
        arrays["warm_vocab"] = _join(self.warm_vocab)
        freq_keys = sorted(self.extractor.freq)
        arrays["freq_keys"] = _join(freq_keys)
        arrays["freq_bins"] = np.array([self.extractor.freq[k] for k in freq_keys], dtype=np.uint8)
        sw = self.extractor.subwords
        if sw is not None:
            arrays["sw_pieces"] = _join(sw.pieces)
            arrays["sw_scores"] = sw.scores
            arrays["sw_clusters"] = sw.clusters
        wc = self.extractor.clusters
        if wc is not None:
            arrays["wc_words"] = _join(wc.words)
            arrays["wc_ids"] = wc.ids
            arrays["wc_sizes"] = np.array(wc.sizes, dtype=np.int32)
        meta = dict(self.meta, name=self.name, offsets=list(self.offsets))
        arrays["meta"] = _join([json.dumps(meta, ensure_ascii=False)])
        # savez stamps the current time into the zip; fixed stamps keep retraining byte-identical.
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for k, arr in arrays.items():
                info = zipfile.ZipInfo(k + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
                zf.writestr(info, buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> CRFTagger:
        z = np.load(path)
        meta = json.loads(_split(z["meta"])[0])
        gaz: dict[str, dict[str, set[str]]] = {}
        names = {k.split(":", 1)[1]: set(_split(z[k])) for k in z.files if k.startswith("names:")}
        for k in z.files:
            if k.startswith("gaz:"):
                _, gname, part = k.split(":")
                gaz.setdefault(gname, {})[part] = set(_split(z[k]))
        freq = dict(zip(_split(z["freq_keys"]), z["freq_bins"].tolist()))
        sw = None
        if "sw_pieces" in z.files:
            sw = SubwordClusters(_split(z["sw_pieces"]), z["sw_scores"], z["sw_clusters"])
        wc = None
        if "wc_words" in z.files:
            wc = WordClusters(_split(z["wc_words"]), z["wc_ids"], z["wc_sizes"].tolist())
        return cls(
            _split(z["labels"]),
            z["transitions"],
            _split(z["attrs"]),
            z["weights"],
            tuple(meta["offsets"]),
            FeatureExtractor(gaz, freq, sw, wc),
            meta["name"],
            meta,
            names,
            _split(z["warm_vocab"]) if "warm_vocab" in z.files else None,
        )

    # -- scoring -------------------------------------------------------------------------------
    def _reset_cache(self) -> None:
        self._decoder.clear()
        warm = [PAD_BOS, PAD_EOS] + [w for w in self.warm_vocab if w not in PAD_FEATS]
        self._decoder.add(warm, self._type_scores(warm))

    def _word_scorer(self) -> WordScorer | None:
        """The compiled features and sums of new word types (identical to `_scores_in_python`, about N times
        faster); None for an extractor of other features."""
        extractor = self.extractor
        if type(extractor) is not FeatureExtractor:
            return None
        subwords = extractor.subwords
        pieces = (
            {}
            if subwords is None
            else {
                "pieces": subwords.pieces,
                "piece_scores": subwords._score,
                "piece_clusters": subwords._cluster,
                "unk_score": subwords.unk_score,
            }
        )
        return WordScorer(
            list(self.offsets),
            self._rows_at,
            self._W.tobytes(),
            len(self.labels),
            **core_tables(),
            gazetteers=extractor._index,
            freq=extractor.freq,
            padding=PAD_FEATS,
            **pieces,
        )

    def _type_scores(self, words: list[str]) -> bytes:
        """Each new word type's summed weights per offset: float64 (words, offsets, labels), for the decoder."""
        if self._scorer is None:
            return self._scores_in_python(words).tobytes()
        new = self._scorer.scores(words)
        if self.extractor.clusters is None:
            return new
        n = len(words) * len(self.offsets)
        scores = np.frombuffer(new, dtype=np.float64).reshape(n, len(self.labels))
        return self._add_cluster_scores(words, scores).tobytes()

    def _scores_in_python(self, words: list[str]) -> np.ndarray:
        """The summed weights of each word at each offset, (words x offsets, labels): the reference of the
        compiled scorer, and its fallback."""
        n_off = len(self.offsets)
        rows: list[int] = []
        segs: list[int] = []
        for t, w in enumerate(words):
            core, ctx = PAD_FEATS.get(w) or self.extractor.type_feats(w)
            for oi, o in enumerate(self.offsets):
                # As the neighbour at offset o of the tagged token, a word fires attributes "o:...".
                get = self._rows_at[oi].get
                seg = t * n_off + oi
                for f in core if o == 0 else ctx:
                    r = get(f)
                    if r is not None:
                        rows.append(r)
                        segs.append(seg)
        new = np.zeros((len(words) * n_off, len(self.labels)))
        if rows:
            seg_arr = np.asarray(segs)
            w = self._W[np.asarray(rows)]
            for lab in range(len(self.labels)):
                new[:, lab] = np.bincount(seg_arr, weights=w[:, lab], minlength=len(words) * n_off)
        return new

    def _add_cluster_scores(self, words: list[str], new: np.ndarray) -> np.ndarray:
        """The compiled scores plus the archive-cluster features' weights, added one feature at a time in
        type_feats' order (np.add.at is unbuffered): the same sums, to the bit, as `_scores_in_python`."""
        n_off = len(self.offsets)
        rows: list[int] = []
        segs: list[int] = []
        for t, w in enumerate(words):
            feats = self.extractor.cluster_feats(w)
            for oi in range(n_off):
                get = self._rows_at[oi].get
                for f in feats:
                    r = get(f)
                    if r is not None:
                        rows.append(r)
                        segs.append(t * n_off + oi)
        if rows:
            new = new.copy()
            np.add.at(new, np.asarray(segs), self._W[np.asarray(rows)])
        return new

    def tag_sentences(self, sentences: list[list[str]]) -> list[list[tuple[str, float]]]:
        with self._lock:
            if len(self._decoder) > _CACHE_LIMIT:
                self._reset_cache()
            return self._decoder.tag(sentences, self._type_scores)
