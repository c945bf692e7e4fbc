"""The decoder (numpy gather, compiled Viterbi and forward-backward) must reproduce crfsuite: same labels, same
marginals."""

import numpy as np
import pytest

from khabar.text.ner.features import FeatureExtractor, sentence_attributes
from khabar.text.ner.model import CRFTagger

pycrfsuite = pytest.importorskip("pycrfsuite", reason="python-crfsuite (dev/ner-train group) not installed")

TRAIN = [
    ("قال الرئيس جورج بوش في واشنطن".split(), ["O", "O", "B-PERS", "I-PERS", "O", "B-LOC"]),
    ("وصل بوش إلى باريس أمس".split(), ["O", "B-PERS", "O", "B-LOC", "O"]),
    ("أعلنت شركة مايكروسوفت في نيويورك".split(), ["O", "O", "B-ORG", "O", "B-LOC"]),
    ("التقى فلاديمير بوتين في موسكو".split(), ["O", "B-PERS", "I-PERS", "O", "B-LOC"]),
    ("وقال متحدث باسم الأمم المتحدة".split(), ["O", "O", "O", "B-ORG", "I-ORG"]),
]
TEST = [
    "قال الرئيس فلاديمير بوش في موسكو".split(),
    "أعلنت الأمم المتحدة".split(),
    ["باريس"],
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from khabar.text.ner.train import train_crf

    ex = FeatureExtractor({"city": {"B": {"باريس", "موسكو"}, "I": set()}}, {"في": 5, "قال": 4})
    offsets = (-1, 0, 1)
    tagger = train_crf(TRAIN, ex, offsets=offsets, c1=0.0, c2=0.1, max_iterations=50, log=lambda m: None)
    path = tmp_path_factory.mktemp("crf") / "ref.crfsuite"
    tr = pycrfsuite.Trainer(verbose=False)
    for words, tags in TRAIN:
        tr.append(sentence_attributes(words, offsets, ex.type_feats), tags)
    tr.set_params({"c1": 0.0, "c2": 0.1, "max_iterations": 50, "feature.possible_transitions": True})
    tr.train(str(path))
    ref = pycrfsuite.Tagger()
    ref.open(str(path))
    return tagger, ref, ex, offsets


def test_labels_and_marginals_match_crfsuite(trained):
    tagger, ref, ex, offsets = trained
    out = tagger.tag_sentences(TEST)
    for words, tagged in zip(TEST, out):
        ref.set(sentence_attributes(words, offsets, ex.type_feats))
        expected = ref.tag()
        assert [lab for lab, _ in tagged] == expected
        for i, (lab, conf) in enumerate(tagged):
            assert conf == pytest.approx(ref.marginal(lab, i), abs=1e-4)


def test_save_load_round_trip_is_byte_identical(trained, tmp_path):
    tagger = trained[0]
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    tagger.save(a)
    loaded = CRFTagger.load(a)
    loaded.save(b)
    assert a.read_bytes() == b.read_bytes()
    assert loaded.tag_sentences(TEST) == tagger.tag_sentences(TEST)
    assert np.allclose(loaded.trans, tagger.trans)
