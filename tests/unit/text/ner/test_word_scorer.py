"""The compiled scorer of new word types (khabar_text_core.WordScorer) against the Python features it replaces:
the same features, and the same summed weights to the last bit, so the tagger's output cannot change."""

from __future__ import annotations

import numpy as np
import pytest

from khabar.text.ner import load_tagger
from khabar.text.ner.data import read_bio
from khabar.text.ner.features import PAD_FEATS
from support.words import EDGE_CASES, seed_words


def check(words: list[str]) -> None:
    tagger = load_tagger()
    scorer = tagger._scorer
    assert scorer is not None
    for word in words:
        assert scorer.features(word) == (PAD_FEATS.get(word) or tagger.extractor.type_feats(word)), word
    compiled = np.frombuffer(scorer.scores(words), dtype=np.float64)
    assert np.array_equal(compiled, tagger._scores_in_python(words).ravel())


def test_compiled_scores_equal_the_python_ones_on_edge_cases_and_the_seed_article():
    check(EDGE_CASES + sorted(set(seed_words())))


def test_compiled_scores_equal_the_python_ones_on_every_anercorp_training_word(shared_dir):
    path = shared_dir / "data" / "ner" / "anercorp" / "train.tsv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    check(sorted({word for words, _ in read_bio(path) for word in words}))


def test_a_lone_surrogate_which_a_rust_string_cannot_hold_reads_as_replacement_characters():
    tagger = load_tagger()
    word = "\ud800محمد"
    [[(label, confidence)]] = tagger.tag_sentences([[word]])
    assert label and 0 <= confidence <= 1
    lossy = word.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # one U+FFFD per byte of it
    assert tagger.tag_sentences([[word]]) == tagger.tag_sentences([[lossy]])
