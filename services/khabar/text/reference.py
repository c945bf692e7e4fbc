"""What the camel-tools chain says a document should normalise to, to check ``normalise_document`` against."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from camel_tools.tokenizers.word import simple_word_tokenize

from khabar.text.charmap import camel_clean, camel_letters, camel_norm
from khabar.text.normalise import NormalisedDocument, Span, Token
from khabar.text.tokenise import evidence_candidates, static_proclitic


def reference_forms(text: str, doc: NormalisedDocument) -> tuple[str, str, list[str]]:
    """``text_clean``, ``text_norm`` and token forms by the chained camel-tools calls, on the paragraphs
    that ``doc`` kept."""
    clean_lines = [" ".join(camel_clean(text[s:e]).split()) for s, e in doc.paragraphs]
    norm_lines = [camel_letters(line) for line in clean_lines]
    text_norm = "\n".join(norm_lines)
    return "\n".join(clean_lines), text_norm, simple_word_tokenize(text_norm)


def mismatches(text: str, doc: NormalisedDocument) -> list[str]:
    """Differences between ``doc`` and the reference, offsets included (empty if identical).

    Offsets are checked by the chain itself: each token's span normalises to exactly that token (or, where
    one character gives several tokens, their joint span to those tokens), what lies between tokens
    normalises to nothing but whitespace, and a stem starts where the rest of its token's span normalises to
    the stem (for tokens with a span of their own).
    """
    problems = []
    clean, norm, tokens = reference_forms(text, doc)
    if doc.text_clean != clean:
        problems.append(f"text_clean differs: {_first_difference(doc.text_clean, clean)}")
    if doc.text_norm != norm:
        problems.append(f"text_norm differs: {_first_difference(doc.text_norm, norm)}")
    if [t.norm for t in doc.tokens] != tokens:
        problems.append("token forms differ from simple_word_tokenize(text_norm)")
    for paragraph in doc.paragraphs:
        problems.extend(_alignment(text, paragraph, doc.tokens))
    problems.extend(_proclitics(doc.tokens))
    return problems


def _proclitics(tokens: list[Token]) -> list[str]:
    """Tokens whose proclitic is not what ``static_proclitic``, else ``evidence_candidates`` and the
    document's words, give word by word. Tokens with a character that expands (a ligature such as ﻷ) are
    left out: whether they split depends on where the ligature's letters fall."""
    words = {t.clean for t in tokens}
    problems = []
    for t in tokens:
        if any(len(camel_clean(c)) > 1 for c in t.text):
            continue
        k = static_proclitic(t.clean, t.norm) if len(t.norm) > 2 else 0
        if not k:
            evident = (j for j in evidence_candidates(t.norm) if t.clean[j:] in words or "ال" + t.clean[j:] in words)
            k = next(evident, 0)
        if (t.proclitic, t.stem) != (t.norm[:k], t.norm[k:]):
            problems.append(f"token {t.text!r} at {t.start} splits as {t.proclitic!r}+{t.stem!r}, not after {k}")
    return problems


def _alignment(text: str, paragraph: Span, tokens: list[Token]) -> list[str]:
    start, end = paragraph
    problems = []
    cursor = start
    for run in _overlapping_runs(t for t in tokens if start <= t.start and t.end <= end):
        run_start, run_end = run[0].start, max(t.end for t in run)
        if simple_word_tokenize(camel_norm(text[run_start:run_end])) != [t.norm for t in run]:
            problems.append(f"span {run_start}:{run_end} does not normalise to {[t.norm for t in run]}")
        if camel_norm(text[cursor:run_start]).strip():
            problems.append(f"text between {cursor} and {run_start} is not blank once normalised")
        for t in run:
            if text[t.start : t.end] != t.text:
                problems.append(f"token {t.text!r} at {t.start} is not the original slice")
            if t.proclitic and (t.proclitic + t.stem != t.norm or not t.start < t.stem_start < t.end):
                problems.append(f"bad proclitic split of {t.text!r}")
            if t.proclitic and len(run) == 1 and camel_norm(text[t.stem_start : t.end]) != t.stem:
                problems.append(f"stem of {t.text!r} does not start at {t.stem_start}")
        cursor = run_end
    if camel_norm(text[cursor:end]).strip():
        problems.append(f"text between {cursor} and {end} is not blank once normalised")
    return problems


def _overlapping_runs(tokens: Iterable[Token]) -> Iterator[list[Token]]:
    """Tokens grouped where their spans overlap: one original character can give several tokens ("…" gives
    three, "ﷺ" four words, the first of which can be glued to the text before it)."""
    run: list[Token] = []
    for t in tokens:
        if run and t.start >= max(r.end for r in run):
            yield run
            run = []
        run.append(t)
    if run:
        yield run


def _first_difference(a: str, b: str) -> str:
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"at {i}: {a[i - 10 : i + 10]!r} vs {b[i - 10 : i + 10]!r}"
