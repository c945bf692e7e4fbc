"""Word clusters learned from a desk's unlabeled archive: the reader sees the tagger's tokens, words used in the
same contexts share clusters, and a model file carrying the clusters loads through KHABAR_NER_MODEL_PATH."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from khabar.config import Settings
from khabar.text.ner import extract_entities, load_tagger
from khabar.text.ner.archive import ClusterRecipe, WordClusters, archive_sentences, learn_word_clusters, word_vectors
from khabar.text.ner.features import FeatureExtractor
from khabar.text.ner.model import CRFTagger
from khabar.text.normalise import normalise_document
from khabar.text.pipeline import TextPipeline, compose_document
from support.shared_data import absent_reason, shared_data

PEOPLE = ["زيدون", "قحطان", "مروان", "سلمون", "عدنان", "غسان"]
PLACES = ["تبوك", "حائل", "نجران", "جيزان", "عرعر", "القريات"]
# Different verbs before a person, different prepositions before a place: each word's contexts are a mix.
PERSON_CONTEXTS = [("قال", "إن"), ("أكد", "أن"), ("صرح", "بأن"), ("أوضح", "أن")]
PLACE_CONTEXTS = [("في", "أمس"), ("إلى", "اليوم"), ("من", "صباحا"), ("بمدينة", "مساء")]
RECIPE = ClusterRecipe(words=100, contexts=100, window=2, dims=4, sizes=(2, 4), min_count=2)


def synthetic_archive(repeats: int = 6) -> list[tuple[str, str]]:
    """Articles whose people and places only ever occur in their own kind of context (deterministic)."""
    rng = np.random.default_rng(7)
    articles = []
    for n in range(repeats * len(PEOPLE)):
        lines = []
        for _ in range(8):
            (v, c), (p, t) = PERSON_CONTEXTS[rng.integers(4)], PLACE_CONTEXTS[rng.integers(4)]
            lines.append(f"{v} {PEOPLE[rng.integers(len(PEOPLE))]} {c} الوفد وصل {p} {PLACES[rng.integers(6)]} {t} .")
        articles.append((f"خبر رقم {n}", "\n".join(lines)))
    return articles


def test_the_reader_gives_the_sentences_the_tagger_sees_at_run_time():
    title, body = "«زيدون» في تبوك", "وقال زيدون للصحفيين: «وصلنا» إلى تبوك.\nالرياض - واس: ثم غادر."
    seen: list[list[str]] = []

    class Recorder:
        def tag_sentences(self, sentences):
            seen.extend(sentences)
            return [[("O", 1.0)] * len(s) for s in sentences]

    text = compose_document(title, body)
    doc = normalise_document(text)
    extract_entities(text, doc.tokens, doc.sentences, Recorder())
    assert list(archive_sentences([(title, body)])) == seen
    assert len(seen) >= 3 and "زيدون" in seen[1]


def test_words_used_in_the_same_contexts_share_clusters_deterministically():
    articles = synthetic_archive()
    clusters = learn_word_clusters(archive_sentences(articles), RECIPE)
    people = {clusters.cluster_of(w) for w in PEOPLE}
    places = {clusters.cluster_of(w) for w in PLACES}
    assert len(people) == 1 and len(places) == 1, (people, places)
    (person,), (place,) = people, places
    assert person[0] != place[0]  # already apart at the coarsest granularity
    assert clusters.cluster_of("كلمة لم ترد") is None
    again = learn_word_clusters(archive_sentences(articles), RECIPE)
    assert again.words == clusters.words and np.array_equal(again.ids, clusters.ids)


def test_vectors_of_the_same_kind_are_close_and_of_different_kinds_far():
    vectors, words = word_vectors(archive_sentences(synthetic_archive()), RECIPE)
    row = {w: i for i, w in enumerate(words)}
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    same = [vectors[row[a]] @ vectors[row[b]] for a in PEOPLE for b in PEOPLE if a < b]
    across = [vectors[row[a]] @ vectors[row[b]] for a in PEOPLE for b in PLACES]
    assert min(same) > 0.9 and max(across) < 0.5, (min(same), max(across))


def test_features_of_a_word_and_of_its_stem():
    clusters = WordClusters(["زيدون", "تبوك"], np.array([[0, 3], [1, 2]]), (2, 4))
    assert clusters.features("زيدون", "زيدون") == ["wc2=0", "wc4=3", "sc2=0", "sc4=3"]
    assert clusters.features("وزيدون", "زيدون") == ["sc2=0", "sc4=3"]
    assert clusters.features("غريب", "غريب") == []
    extractor = FeatureExtractor(clusters=clusters)
    core, ctx = extractor.type_feats("لتبوك")
    assert core[-2:] == ctx[-2:] == ["sc2=1", "sc4=2"] == extractor.cluster_feats("لتبوك")
    assert extractor.cluster_feats("2015") == []
    with pytest.raises(ValueError):
        WordClusters(["زيدون"], np.array([[0, 3]]), (2,))


TRAIN = [
    ("قال زيدون إن الوفد وصل في تبوك أمس .".split(), ["O", "B-PERS", "O", "O", "O", "O", "B-LOC", "O", "O"]),
    ("أكد قحطان أن الوفد وصل إلى حائل اليوم .".split(), ["O", "B-PERS", "O", "O", "O", "O", "B-LOC", "O", "O"]),
    ("وصل مروان من نجران".split(), ["O", "B-PERS", "O", "B-LOC"]),
    ("الوفد وصل اليوم".split(), ["O", "O", "O"]),
]


@pytest.fixture(scope="module")
def archive_model(tmp_path_factory):
    pytest.importorskip("pycrfsuite", reason="python-crfsuite (dev/ner-train group) not installed")
    from khabar.text.ner.train import train_crf

    clusters = learn_word_clusters(archive_sentences(synthetic_archive()), RECIPE)
    extractor = FeatureExtractor(clusters=clusters)
    tagger = train_crf(TRAIN, extractor, c1=0.0, c2=0.1, max_iterations=60, log=lambda m: None)
    path = tmp_path_factory.mktemp("archive") / "archive.npz"
    tagger.save(path)
    return tagger, path


def test_a_model_file_with_clusters_round_trips_and_scores_as_its_reference(archive_model, tmp_path):
    tagger, path = archive_model
    loaded = CRFTagger.load(path)
    assert loaded.extractor.clusters is not None
    assert loaded.extractor.clusters.words == tagger.extractor.clusters.words
    again = tmp_path / "again.npz"
    loaded.save(again)
    assert again.read_bytes() == path.read_bytes()
    # The compiled scorer plus the cluster weights equals the Python reference to the bit.
    words = PEOPLE + PLACES + ["ولغسان", "بعرعر", "الوفد", "2015", "«", "كلمة"]
    reference = loaded._scores_in_python(words)
    compiled = np.frombuffer(loaded._type_scores(words), dtype=np.float64).reshape(reference.shape)
    assert np.array_equal(compiled, reference)
    assert np.abs(reference).sum() > 0


def test_the_clusters_carry_a_name_the_labelled_data_never_saw(archive_model):
    tagger, path = archive_model
    loaded = load_tagger("khabar", str(path))
    # غسان and عرعر never occur in TRAIN: only the archive's clusters say they are like زيدون and تبوك.
    labels = [lab for lab, _ in loaded.tag_sentences([["وصل", "غسان", "من", "عرعر"]])[0]]
    assert labels == ["O", "B-PERS", "O", "B-LOC"]


def test_the_pipeline_loads_it_from_khabar_ner_model_path(archive_model, monkeypatch):
    _, path = archive_model
    monkeypatch.setenv("KHABAR_NER_MODEL_PATH", str(path))
    settings = Settings.from_env()
    pipeline = TextPipeline(settings.ner_backend, settings.ner_model_path, knowledge=False)
    assert pipeline.tagger.extractor.clusters is not None
    analysis = pipeline.analyse("خبر", "قال غسان إن الوفد وصل في عرعر أمس .")
    assert {(m.type, m.text) for m in analysis.mentions} >= {("PERS", "غسان"), ("LOC", "عرعر")}


SAUDINEWSNET_DAY = shared_data("articles/saudinewsnet/2015-07-21.zip")


@pytest.mark.skipif(not SAUDINEWSNET_DAY.exists(), reason=absent_reason(SAUDINEWSNET_DAY))
def test_clusters_of_a_real_archive_day_read_as_replay_reads_it():
    from khabar.producer.sources import InputError, read_paths

    # A bounded slice of one day (the first 400 articles) through the reader `khabar replay` uses.
    items = list(itertools.islice(read_paths([SAUDINEWSNET_DAY]), 400))
    articles = [(a["title"], a["body"]) for a in items if not isinstance(a, InputError)]
    assert len(articles) > 300
    recipe = ClusterRecipe(words=3000, contexts=2000, dims=50, sizes=(32,))
    clusters = learn_word_clusters(archive_sentences(articles), recipe)
    assert len(clusters.words) == 3000
    # Places share a cluster; verbs of reporting share another.
    places = {clusters.cluster_of(w) for w in ("الرياض", "جدة", "سوريا")}
    reporting = {clusters.cluster_of(w) for w in ("وأضاف", "وقال")}
    assert len(places) == len(reporting) == 1 and places != reporting and None not in places, (places, reporting)


def test_train_ner_with_an_archive_needs_an_output_file(tmp_path):
    from click.testing import CliRunner

    from khabar.cli import main

    (tmp_path / "archive.jsonl").write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["train-ner", "--unlabeled", str(tmp_path / "archive.jsonl")])
    assert result.exit_code == 2
    assert "--unlabeled needs --output FILE" in result.output
    assert "--unlabeled" in CliRunner().invoke(main, ["train-ner", "--help"]).output


def test_the_archive_is_read_as_replay_reads_it_and_bad_items_are_said(tmp_path, capsys):
    import json

    from khabar.cli.text import _archive_clusters

    lines = [json.dumps({"title": t, "content": b}, ensure_ascii=False) for t, b in synthetic_archive()]
    (tmp_path / "archive.jsonl").write_text("\n".join(lines + ['{"title": "no body"}']), encoding="utf-8")
    clusters, archive = _archive_clusters((str(tmp_path),), log=lambda m: None)
    assert archive == {"articles": len(lines), "skipped": 1}
    assert {clusters.cluster_of(w) for w in PEOPLE}.isdisjoint({clusters.cluster_of(w) for w in PLACES})
    assert "1 items of the archive skipped" in capsys.readouterr().err
