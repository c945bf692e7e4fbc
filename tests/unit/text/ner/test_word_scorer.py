"""The compiled scorer of new word types (khabar_text_core.WordScorer) against the Python features it replaces:
the same features, and the same summed weights to the last bit, so the tagger's output cannot change."""

from __future__ import annotations

import numpy as np
import pytest

from khabar.text.ner import load_tagger
from khabar.text.ner.data import read_bio
from khabar.text.ner.features import PAD_BOS, PAD_EOS, PAD_FEATS, core_tables
from khabar_text_core import WordScorer
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
    check(EDGE_CASES + [PAD_BOS, PAD_EOS] + sorted(set(seed_words())))


def test_padding_whose_neighbour_features_are_not_its_own_in_order_is_refused():
    def scorer(padding: dict[str, tuple[list[str], list[str]]]) -> WordScorer:
        weights = np.zeros(1).tobytes()
        return WordScorer(
            [0, 1], [{"a": 0}, {"a": 0}], weights, 1, **core_tables(), gazetteers={}, freq={}, padding=padding
        )

    assert scorer({"x": (["a", "b"], ["a", "b"])}).features("x") == (["a", "b"], ["a", "b"])
    for context in (["c"], ["b", "a"]):
        with pytest.raises(ValueError, match="padding"):
            scorer({"x": (["a", "b"], context)})


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
