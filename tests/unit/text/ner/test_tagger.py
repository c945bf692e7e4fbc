import json

import pytest
from click.testing import CliRunner

from khabar.text.ner import extract_entities, load_tagger
from support.plain_text import sentence_spans, tokenize
from support.shared_data import absent_reason, shared_data

ANERCORP = shared_data("ner/anercorp")
AQMAR = shared_data("ner/aqmar")


def test_default_tagger_tags_batches():
    tagger = load_tagger()
    assert tagger.name.startswith("khabar-crf")
    sents = [["قال", "الرئيس", "الأمريكي", "جورج", "بوش", "في", "واشنطن", "."], [], ["مرحبا"]]
    out = tagger.tag_sentences(sents)
    assert [len(s) for s in out] == [8, 0, 1]
    for s in out:
        for label, conf in s:
            assert label == "O" or label[:2] in ("B-", "I-") and label[2:] in ("PERS", "LOC", "ORG", "MISC")
            assert 0.0 <= conf <= 1.0
    labels = [lab for lab, _ in out[0]]
    assert labels[3:5] == ["B-PERS", "I-PERS"]
    assert labels[6] == "B-LOC"


def test_tagging_does_not_depend_on_batch_composition():
    tagger = load_tagger()
    a = ["وصل", "الرئيس", "فلاديمير", "بوتين", "إلى", "بيونج", "يانج"]
    b = ["وقال", "أوشاكوف", "إن", "الكرملين", "راض"]
    alone = tagger.tag_sentences([a])[0]
    together = tagger.tag_sentences([b, a, b * 3])[1]
    assert [t for t, _ in alone] == [t for t, _ in together]
    assert [c for _, c in alone] == pytest.approx([c for _, c in together])


def test_mentions_have_offsets_into_the_text_and_entities_merge_short_forms():
    text = "التقى الرئيس فلاديمير بوتين وزير الخارجية في موسكو . وقال بوتين إن الزيارة ناجحة ."
    mentions, entities = extract_entities(text, tokenize(text), sentence_spans(text), load_tagger())
    for m in mentions:
        assert text[m.start : m.end] == m.text
        assert set(m.to_dict()) == {"type", "text", "start", "end", "confidence"}
    people = [e for e in entities if e.type == "PERS"]
    assert [e.name for e in people] == ["فلاديمير بوتين"]
    assert people[0].count == 2
    assert people[0].first_offset == text.index("فلاديمير")
    assert {"name", "type", "count", "first_offset"} <= set(people[0].to_dict())


def test_proclitics_are_stripped_from_mentions():
    text = "وصل كيم إلى موسكو . واستقبل بوتين لكيم في الكرملين ."
    mentions, entities = extract_entities(text, tokenize(text), sentence_spans(text), load_tagger())
    at = text.index("لكيم")
    assert [(m.text, m.start) for m in mentions if at <= m.start < at + 4] == [("كيم", at + 1)]
    kim = [e for e in entities if e.name == "كيم"]
    assert kim and kim[0].count == 2 and kim[0].type == "PERS"
    assert "لكيم" not in {e.name for e in entities}


@pytest.mark.skipif(not (ANERCORP / "train.tsv").exists(), reason=absent_reason(ANERCORP / "train.tsv"))
def test_eval_ner_cli_reads_aqmar_tags():
    from khabar.cli.text import eval_ner

    res = CliRunner().invoke(eval_ner, [str(AQMAR / "dev.tsv"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out["micro"]) >= {"precision", "recall", "f1"}
    assert set(out["per_type"]) == {"PERS", "LOC", "ORG", "MISC"}
    assert out["micro"]["f1"] > 30
    assert out["tokens_per_s"] > 0
