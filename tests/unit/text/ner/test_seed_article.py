"""The seed article's main people, places and organisations come out, short forms merged."""

from khabar.config import PROJECT_ROOT
from khabar.text.ner import extract_entities, load_tagger
from khabar.text.normalise import normalise_document


def _entities():
    text = next((PROJECT_ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    doc = normalise_document(text)  # the tokens and sentences the worker tags
    mentions, entities = extract_entities(text, doc.tokens, doc.sentences, load_tagger())
    for m in mentions:
        assert text[m.start : m.end] == m.text
    return {e.name: e for e in entities}


def test_seed_article_people_places_organisations():
    ents = _entities()
    for name in ("فلاديمير بوتين", "كيم جونج اون", "يوري اوشاكوف"):
        assert ents[name].type == "PERS", name
    for name in ("كوريا الشمالية", "بيونج يانج"):
        assert ents[name].type == "LOC", name
    assert ents["الكرملين"].type == "ORG"
    # Short forms are merged into the full name, not listed on their own.
    assert "بوتين" in ents["فلاديمير بوتين"].aliases and "بوتين" not in ents
    assert "كيم" in ents["كيم جونج اون"].aliases and "كيم" not in ents
    assert "اوشاكوف" not in ents
    assert ents["فلاديمير بوتين"].count >= 10
