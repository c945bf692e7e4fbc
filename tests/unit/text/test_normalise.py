from __future__ import annotations

import json

from camel_tools.tokenizers.word import simple_word_tokenize

from khabar.text.normalise import Token, normalise_document
from khabar.text.reference import mismatches


def test_seed_structure_and_boilerplate(seed_text):
    doc = normalise_document(seed_text)
    kinds = [r.kind for r in doc.removed]
    assert kinds == ["repeated_caption", "read_also"]
    for r in doc.removed:
        assert seed_text[r.start : r.end] == r.text
    assert doc.removed[1].text.startswith("اقرأ أيضًا:")
    assert doc.title is not None and seed_text[doc.title.start : doc.title.end].startswith("عقب المباحثات")
    assert "اقرأ" not in doc.text_clean
    assert doc.text_clean.count("الرئيس الروسي وزعيم كوريا الشمالية") == 1
    assert doc.is_arabic and doc.arabic_ratio == 1.0
    assert mismatches(seed_text, doc) == []


def test_removed_text_has_no_tokens(seed_text):
    doc = normalise_document(seed_text)
    for r in doc.removed:
        assert not [t for t in doc.tokens if r.start <= t.start < r.end]


def test_tokens_slice_the_original_and_match_simple_word_tokenize(seed_text):
    doc = normalise_document(seed_text)
    assert [t.norm for t in doc.tokens] == simple_word_tokenize(doc.text_norm)
    for t in doc.tokens:
        assert seed_text[t.start : t.end] == t.text


def test_proclitic_split_with_offsets(seed_text):
    doc = normalise_document(seed_text)
    wakim = next(t for t in doc.tokens if t.text == "وكيم")
    assert (wakim.proclitic, wakim.stem) == ("و", "كيم")
    assert seed_text[wakim.stem_start : wakim.end] == "كيم"
    article = next(t for t in doc.tokens if t.text == "الرئيس")
    assert (article.proclitic, article.stem) == ("ال", "رئيس")
    # Names that begin with a proclitic letter are left whole.
    for name in ("بوتين", "كوريا", "فلاديمير"):
        assert all(t.proclitic == "" for t in doc.tokens if t.text == name)


def test_forms():
    text = "قالَ: «إلى المدرسةِ» ١٢٣ مرة… ـــ"
    doc = normalise_document(text)
    assert doc.text_clean == 'قال: "إلى المدرسة" 123 مرة...'
    assert doc.text_norm == 'قال: "الي المدرسه" 123 مره...'
    assert [t.norm for t in doc.tokens][-3:] == [".", ".", "."]
    ellipsis = text.index("…")
    assert {(t.start, t.end) for t in doc.tokens[-3:]} == {(ellipsis, ellipsis + 1)}


def test_sentences():
    text = "عنوان الخبر\n\nقال الوزير إن الاجتماع نجح. وأضاف: «سنعود». هل انتهى؟ نعم 3.5 بالمئة"
    doc = normalise_document(text)
    assert [text[s:e] for s, e in doc.sentences] == [
        "عنوان الخبر",
        "قال الوزير إن الاجتماع نجح.",
        "وأضاف: «سنعود».",
        "هل انتهى؟",
        "نعم 3.5 بالمئة",
    ]


def test_empty_and_non_arabic_are_flagged_not_crashed():
    empty = normalise_document("")
    assert (empty.tokens, empty.text_clean, empty.is_arabic, empty.arabic_ratio) == ([], "", False, 0.0)
    english = normalise_document("Breaking news\n\nThe minister said the talks went well.")
    assert not english.is_arabic and english.arabic_ratio == 0.0
    assert english.text_clean.startswith("Breaking news")
    russian = normalise_document("Путин и Ким Чен Ын обменялись подарками")
    assert not russian.is_arabic and russian.tokens == []


def test_to_dict_is_json(seed_text):
    record = normalise_document(seed_text).to_dict()
    assert json.loads(json.dumps(record, ensure_ascii=False)) == record
    tokens = normalise_document(seed_text).tokens
    assert list(record["tokens"]) == list(Token._fields)
    assert [Token(*row) for row in zip(*record["tokens"].values())] == tokens
    assert normalise_document("").to_dict()["tokens"] == {field: [] for field in Token._fields}


def _kinds(body: str) -> list[str]:
    return [r.kind for r in normalise_document("عنوان الخبر\n\n" + body).removed]


def test_prompts_are_removed_with_their_kind():
    assert _kinds("اقرأ أيضاً: الوزير يزور الرياض\nإقرأ ايضا\nطالع أيضا: خبر") == ["read_also"] * 3
    assert _kinds("شاهد أيضًا: فيديو\nشاهد بالفيديو.. لحظة الهبوط") == ["see_also"] * 2
    assert _kinds("للمزيد من الأخبار اضغط هنا\nRead more") == ["more"] * 2
    assert _kinds("تابعونا على تويتر\nشارك الخبر عبر فيسبوك\nFollow us on Instagram") == ["share_prompt"] * 3


def test_text_that_starts_like_a_prompt_is_kept():
    assert _kinds("شارك الوزير في الاجتماع الذي عقد أمس في الرياض.") == []
    assert _kinds("تابع الرئيس حديثه قائلا إن الاتفاق تاريخي.") == []
    long_line = "اقرأ أيضا " + " ".join(["كلمة"] * 40)
    assert _kinds(long_line) == []


def test_repeats():
    assert _kinds("عنوان الخبر\nنص الخبر.") == ["repeated_title"]
    assert _kinds("***\nنص الخبر.\n***") == []  # separators stay
    long_paragraph = " ".join(["كلمة"] * 30) + "."
    assert _kinds(f"{long_paragraph}\n{long_paragraph}") == ["repeated_paragraph"]


def test_sentinel_like_and_surrogate_characters_are_just_deleted():
    text = "كلمة\x00 أخرى\x02 \U00100000نص \ud800نهاية"
    doc = normalise_document(text)
    assert [t.norm for t in doc.tokens] == ["كلمه", "اخري", "نص", "نهايه"]
    for t in doc.tokens:
        assert text[t.start : t.end] == t.text
    json.dumps(doc.to_dict())


def test_proclitic_rules_on_words_that_test_their_edges():
    # Article family with backtracking, excluded look-alikes, function words, و + hamza or verb prefix,
    # evidence (stem, or stem with the article, elsewhere), and words the rules must leave whole.
    words = (
        "الرئيس وال والد وبالأمن فللتطرف للكن الله اللة الذي والذي ولم بما كما فلن وبعد وأوضح ويقول وتقول "
        "وأن ونا بوتين كوريا فلاديمير لبنان ٱلرئيس وٱلد وكيم كيم ولبنان الكتاب وكتاب فبكتاب ليس لكنه وليس"
    )
    doc = normalise_document(words)
    assert mismatches(words, doc) == []
    splits = {t.text: t.proclitic for t in doc.tokens}
    assert splits["وكيم"] == "و" and splits["وكتاب"] == "و" and splits["الرئيس"] == "ال"
    assert splits["الله"] == "" and splits["بوتين"] == "" and splits["ليس"] == ""


def test_edge_articles_equal_the_reference(seed_text):
    # Empty and blank articles, a mark that would compose with the line feed before it, lines removed,
    # beyond-BMP characters and ligatures (which go through the real chain).
    texts = ["", "\n\n", "\u0653ابت وكيم كيم", "عنوان\n\nاقرأ أيضا: خبر\nعنوان", "\U00100000نص ﻷمر ﷺ", seed_text]
    for text in texts:
        assert mismatches(text, normalise_document(text)) == []


def test_evidence_for_a_split_comes_from_the_same_article_only():
    assert normalise_document("كيم").tokens[0].proclitic == ""
    assert normalise_document("وكيم").tokens[0].proclitic == ""
    assert normalise_document("وكيم كيم").tokens[0].proclitic == "و"


def test_evidence_beyond_eight_characters(seed_text):
    text = "وسنغافورية سنغافورية وسنغافوريا ومستشفيات المستشفيات\n" + seed_text
    doc = normalise_document(text)
    assert mismatches(text, doc) == []
    splits = {t.text: t.proclitic for t in doc.tokens}
    assert splits["وسنغافورية"] == "و" and splits["ومستشفيات"] == "و" and splits["وسنغافوريا"] == ""
