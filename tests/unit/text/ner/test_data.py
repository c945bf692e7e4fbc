from khabar.text.ner.data import canon_label, read_bio, score, spans


def test_aqmar_tags_map_to_anercorp_types():
    assert canon_label("B-PER") == "B-PERS"
    assert canon_label("I-MIS") == "I-MISC"
    assert canon_label("B-LOC") == "B-LOC"
    assert canon_label("O") == "O"


def test_spans_follow_conll_rules():
    tags = ["B-PERS", "I-PERS", "O", "I-LOC", "I-LOC", "B-LOC", "I-ORG"]
    assert spans(tags) == [(0, 2, "PERS"), (3, 5, "LOC"), (5, 6, "LOC"), (6, 7, "ORG")]


def test_score_is_exact_span_and_type(tmp_path):
    p = tmp_path / "x.tsv"
    p.write_text("أ\tB-PER\nب\tI-PER\nج\tO\n\nد\tB-LOC\n", encoding="utf-8")
    sents = read_bio(p)
    assert sents[0] == (["أ", "ب", "ج"], ["B-PERS", "I-PERS", "O"])
    gold = [t for _, t in sents]
    res = score(gold, [["B-PERS", "O", "O"], ["B-LOC"]])
    assert res["micro"]["precision"] == 50.0
    assert res["micro"]["recall"] == 50.0
    assert res["per_type"]["LOC"]["f1"] == 100.0
    assert res["per_type"]["PERS"]["f1"] == 0.0
