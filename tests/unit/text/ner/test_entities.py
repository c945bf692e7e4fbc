"""Article-level logic of extract_entities, with a stub tagger so the model does not matter."""

from khabar.text.ner import extract_entities
from khabar.text.ner.evaluation import articles_as_bio
from support.plain_text import sentence_spans, tokenize


class StubTagger:
    """Tags given word sequences wherever they occur, everything else O."""

    name = "stub"

    def __init__(self, tagged: dict[tuple[str, ...], str], names=None):
        self.tagged = tagged
        self.names = names or {}

    def tag_sentences(self, sentences):
        out = []
        for words in sentences:
            labels = [("O", 0.9)] * len(words)
            for seq, typ in self.tagged.items():
                for i in range(len(words) - len(seq) + 1):
                    if tuple(words[i : i + len(seq)]) == seq:
                        labels[i : i + len(seq)] = [("B-" + typ, 0.8)] + [("I-" + typ, 0.8)] * (len(seq) - 1)
            out.append(labels)
        return out


def test_names_found_once_are_found_again_in_the_article():
    text = "وصل الرئيس فلاديمير بوتين . ثم قال بوتين كلمة . واستقبل الزعيم كيم جونج أون . وصافح بوتين وكيم ."
    tagger = StubTagger({("فلاديمير", "بوتين"): "PERS", ("كيم", "جونج", "أون"): "PERS"})
    mentions, entities = extract_entities(text, tokenize(text), sentence_spans(text), tagger)
    assert [m.text for m in mentions] == ["فلاديمير بوتين", "بوتين", "كيم جونج أون", "بوتين", "كيم"]
    assert [m.confidence for m in mentions] == [0.8, 0.5, 0.8, 0.5, 0.5]
    assert [(e.name, e.count) for e in entities] == [("فلاديمير بوتين", 3), ("كيم جونج اون", 2)]


def test_repeats_behind_proclitics_and_with_diacritics_are_found_again_and_longer_words_are_not():
    text = "زار الوفد الكويت . وعاد للكويت ثم وبالكويت و الكُويت مع الكويتيين ."
    tagger = StubTagger({("الكويت",): "LOC"})
    mentions, entities = extract_entities(text, tokenize(text), sentence_spans(text), tagger)
    assert [(m.text, m.confidence) for m in mentions] == [
        ("الكويت", 0.8),
        ("كويت", 0.5),
        ("الكويت", 0.5),
        ("الكُويت", 0.5),
    ]
    assert [(e.name, e.count) for e in entities] == [("الكويت", 4)]


def test_edge_punctuation_is_trimmed_and_listed_places_win_over_person():
    text = 'وكالة " تاس " في بيونج يانج .'
    tagger = StubTagger(
        {('"', "تاس", '"'): "ORG", ("بيونج", "يانج"): "PERS"}, names={"LOC": {"بيونج يانج"}, "PERS": set()}
    )
    mentions, _ = extract_entities(text, tokenize(text), sentence_spans(text), tagger)
    assert [(m.type, m.text) for m in mentions] == [("ORG", "تاس"), ("LOC", "بيونج يانج")]


def test_articles_as_bio_maps_mentions_back_to_tokens():
    sents = [(["قال", "وبوتين", "."], ["O", "B-PERS", "O"]), (["بوتين", "هنا"], ["B-PERS", "O"])]
    labels = articles_as_bio(StubTagger({("بوتين",): "PERS"}), sents, 2)
    assert labels == [["O", "B-PERS", "O"], ["B-PERS", "O"]]


def test_to_dict_holds_every_field_as_asdict_does():
    from dataclasses import asdict

    from khabar.text.ner import Entity, Mention

    mention = Mention("PERS", "بوتين", 3, 8, 0.91)
    entity = Entity("فلاديمير بوتين", "PERS", 2, 3, ["بوتين"])
    assert mention.to_dict() == asdict(mention)
    assert entity.to_dict() == asdict(entity) and entity.to_dict()["aliases"] is not entity.aliases


def test_a_lexicon_from_the_tagged_names_finds_words_the_tagger_left():
    text = "قصف في سوريا . وفي حلب و إدلب قتلى . ونزح سكان حلب وإدلب ."
    heard = []

    class Lexicon:
        words = {"حلب", "ادلب", "الموصل"}

        def known(self, tagged, candidates):
            heard.append((tagged, candidates))
            return dict.fromkeys(candidates, "LOC")

    lexicon = Lexicon()
    tagger = StubTagger({("سوريا",): "LOC", ("حلب",): "LOC"})
    mentions, entities = extract_entities(text, tokenize(text), sentence_spans(text), tagger, lexicon)
    assert heard == [([("سوريا", "LOC"), ("حلب", "LOC"), ("حلب", "LOC")], {"حلب", "ادلب"})]
    # What the tagger found keeps its confidence; the lexicon's word behind proclitics gets LEXICON_CONFIDENCE.
    assert [(m.text, m.confidence) for m in mentions] == [
        ("سوريا", 0.8),
        ("حلب", 0.8),
        ("إدلب", 0.4),
        ("حلب", 0.8),
        ("إدلب", 0.4),
    ]
    assert sorted((e.name, e.count) for e in entities) == [("ادلب", 2), ("حلب", 2), ("سوريا", 1)]
