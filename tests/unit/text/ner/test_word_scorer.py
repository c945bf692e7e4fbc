"""The compiled scorer of new word types (khabar_text_core.WordScorer) against the Python features it replaces:
the same features, and the same summed weights to the last bit, so the tagger's output cannot change."""

from __future__ import annotations

import numpy as np
import pytest

from khabar.config import PROJECT_ROOT
from khabar.text.ner import load_tagger
from khabar.text.ner.data import read_bio
from khabar.text.ner.features import PAD_FEATS
from khabar.text.normalise import normalise_document

# Shapes, proclitics, article forms, diacritics, tatweel, digits, Latin, punctuation, beyond the BMP, empty.
EDGE_CASES = [
    "محمد",
    "ومحمد",
    "وبالقاهرة",
    "للمدينة",
    "فللبيت",
    "الرياض",
    "مُحَمَّد",
    "ـــ",
    "ـمـ",
    "إيران",
    "آل",
    "مستشفى",
    "مدرسة",
    "بن",
    "و",
    "ال",
    "ب",
    "2015",
    "٢٠١٥",
    "ق2",
    "Google",
    "G7",
    "،",
    "«",
    "...",
    "😀",
    "𝔸ب",
    "x",
    "",
    "\x02",
    "\x03",
    "ابوظبي",
    "لل",
    "وللكويت",
]


def seed_words() -> list[str]:
    text = next((PROJECT_ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    return [token.text for token in normalise_document(text).tokens]


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
