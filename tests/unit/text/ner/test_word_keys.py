"""The compiled keys of an article's words (`features.sentence_keys`) against `features.key`, word for word."""

from __future__ import annotations

import pytest

from khabar.text.ner.data import read_bio
from khabar.text.ner.features import key, sentence_keys
from support.words import EDGE_CASES, seed_words

# Diacritics only (an empty key), tatweel inside a word, every unified letter, a lone surrogate beside a
# diacritic, a word beyond the BMP that changes.
MORE_EDGES = ["َُ", "ـ", "أإآٱىة", "مدرسةٌ", "\ud800ً", "\udfffمُ", "𝔸أ", "\U0001f600ة"]


def check(sentences: list[list[str]]) -> None:
    assert sentence_keys(sentences) == [[key(word) for word in words] for words in sentences]


def test_the_compiled_keys_equal_key_on_edge_cases_and_the_seed_article():
    check([EDGE_CASES, MORE_EDGES, seed_words(), [], [""]])


def test_a_word_that_is_its_own_key_comes_back_as_the_same_object():
    word = "".join(["محمد"])  # a string of its own, not an interned constant
    [[same, changed]] = sentence_keys([[word, "مدرسة"]])
    assert same is word and changed == "مدرسه"


def test_the_compiled_keys_equal_key_on_every_anercorp_training_sentence(shared_dir):
    path = shared_dir / "data" / "ner" / "anercorp" / "train.tsv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    check([words for words, _ in read_bio(path)])
