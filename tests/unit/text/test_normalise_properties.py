"""Property tests: any text normalises without error, offsets slice the original, forms are idempotent, and
everything equals the chained camel-tools reference."""

from __future__ import annotations

import json

from camel_tools.tokenizers.word import simple_word_tokenize
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khabar.text.normalise import normalise_document
from khabar.text.reference import mismatches

# What news text is made of, and the characters that make the chain hard: diacritics and tatweel, Arabic
# punctuation and digits, presentation forms and ligatures that expand (ﻻ ﷺ …), composing marks
# (ا + ٓ -> آ, e + ́ -> é), Hangul jamo, zero-width and odd spaces, other scripts, emoji.
_ALPHABET = st.sampled_from(
    list("ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإؤئىةـ")
    + list("\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0653\u0654\u0655")
    + list("،؛؟٪٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹«»“”…‰")
    + list("ﻻﻷﺍﻷﻓﺮﺍﺩﷺﷲ\ufdfd\ufdfcپچگکی")
    + list("abcXYZ019.,:;!?()-'\"#*%é\u0301\u0308")
    + list("\u1100\u1161\u11a8가")
    + list("  \n\n\t\u00a0\u200b\u200c\u200d\u200f\u2028\r")
    + list("ДжЖ中文😀🇸🇦\ufe0f")
)
arabic_like = st.text(_ALPHABET, max_size=200)
relaxed = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(st.text(max_size=300))
def test_any_text_normalises_without_error(text):
    doc = normalise_document(text)
    record = doc.to_dict()
    assert json.loads(json.dumps(record)) == record
    assert 0.0 <= doc.arabic_ratio <= 1.0


@relaxed
@given(st.lists(st.one_of(st.text(max_size=100), arabic_like), max_size=6))
def test_never_raises_and_keeps_nothing_from_one_text_to_the_next(texts):
    forward = [normalise_document(t).to_dict() for t in texts]
    assert forward == [normalise_document(t).to_dict() for t in reversed(texts)][::-1]


@relaxed
@given(st.lists(arabic_like, min_size=2, max_size=4))
def test_texts_equal_the_chained_camel_tools_reference(texts):
    for text in texts:
        assert mismatches(text, normalise_document(text)) == []


@relaxed
@given(arabic_like)
def test_tokens_slice_the_original(text):
    doc = normalise_document(text)
    for t in doc.tokens:
        assert text[t.start : t.end] == t.text
        assert t.start <= t.stem_start <= t.end
        assert t.proclitic + t.stem == t.norm


@relaxed
@given(arabic_like)
def test_token_forms_are_simple_word_tokenize_of_text_norm(text):
    doc = normalise_document(text)
    assert [t.norm for t in doc.tokens] == simple_word_tokenize(doc.text_norm)


@relaxed
@given(arabic_like)
def test_normalisation_is_idempotent(text):
    doc = normalise_document(text)
    again = normalise_document(doc.text_clean)
    assert again.text_clean == doc.text_clean
    assert again.text_norm == doc.text_norm
    assert normalise_document(doc.text_norm).text_norm == doc.text_norm


@relaxed
@given(arabic_like)
def test_equals_the_chained_camel_tools_reference(text):
    doc = normalise_document(text)
    assert mismatches(text, doc) == []


@relaxed
@given(arabic_like)
def test_structure_is_consistent(text):
    doc = normalise_document(text)
    spans = sorted([(p.start, p.end, "p") for p in doc.paragraphs] + [(r.start, r.end, "r") for r in doc.removed])
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    for r in doc.removed:
        assert text[r.start : r.end] == r.text
        assert not [t for t in doc.tokens if r.start <= t.start < r.end]
    for s in doc.sentences:
        assert any(p.start <= s.start < s.end <= p.end for p in doc.paragraphs)
    assert doc.title == (doc.paragraphs[0] if doc.paragraphs else None)
