"""Article structure: title, paragraphs, sentences, and the boilerplate news sites inject."""

from __future__ import annotations

import re
from typing import NamedTuple

from khabar.text.charmap import DELETED


class Span(NamedTuple):
    start: int
    end: int


class Removed(NamedTuple):
    kind: str
    start: int
    end: int
    text: str


_LINE_RE = re.compile(r"[^\r\n]+")
# Sentence ends: runs of final punctuation, with closing quotes or brackets, before whitespace or the end.
_SENTENCE_END_RE = re.compile(r"[.!?؟…۔]+[\"'»”’)\]]*(?=\s|$)")
_NON_SPACE_RE = re.compile(r"\S")
_DROP_DELETED = str.maketrans("", "", DELETED)

# Matched at the start of a line on its search form (no diacritics, alef/yeh/teh-marbuta normalised, Arabic
# punctuation in ASCII), lower-cased. Prompts that also read as news ("شارك الوزير في ...") need a second word.
_BOILERPLATE = [
    ("read_also", re.compile(r"\W*(?:اقرا|اقراوا|طالع|طالعوا)\s*(?:ايضا|كذلك|المزيد)|\W*ذات صله\s*[:\-]")),
    ("see_also", re.compile(r"\W*(?:شاهد|شاهدوا)\s*(?:ايضا|كذلك|بالفيديو|الفيديو\s*[:\-])")),
    ("more", re.compile(r"\W*(?:للمزيد|لمزيد من|اضغط هنا|انقر هنا)|\W*(?:read more|see also|related)\b")),
    (
        "share_prompt",
        re.compile(
            r"\W*(?:تابعونا|تابعنا|شاركونا|اشتركوا|للاشتراك|انضموا|حملوا تطبيق|حمل تطبيق"
            r"|(?:تابع|تابعوا)\s+(?:اخبار|اخر|كل|صفحتنا|حسابنا|قناتنا|موقعنا)"
            r"|(?:شارك|شاركوا)\s+(?:الخبر|المقال|الموضوع|هذا|هذه|عبر)"
            r"|(?:اشترك|انضم)\s+(?:في|الي|الينا|معنا|الان|لقناه|بقناه)"
            r"|share\b|follow us\b|subscribe\b)"
        ),
    ),
]
# Boilerplate prompts are short; a long line that happens to start the same way is text.
_MAX_PROMPT_WORDS = 30
# A caption is a short line; a long repeated block is a repeated paragraph.
_MAX_CAPTION_WORDS = 25


class Structure(NamedTuple):
    title: Span | None
    paragraphs: list[Span]
    removed: list[Removed]


def split_structure(text: str, view: str) -> Structure:
    """Paragraphs (non-blank lines, trimmed) of ``text`` and the boilerplate among them.

    ``view`` is the search form of ``text`` aligned character for character (see ``charmap.LP_CLEAN``); the
    first line is the title and is never removed. Repeats of an earlier line are removed, the first kept.
    """
    paragraphs: list[Span] = []
    removed: list[Removed] = []
    seen: dict[str, int] = {}
    title = None
    for m in _LINE_RE.finditer(text):
        line = m.group()
        stripped = line.strip()
        if not stripped:
            continue
        start = m.start() + len(line) - len(line.lstrip())
        end = start + len(stripped)
        if title is None:
            title = Span(start, end)
            seen[" ".join(stripped.split())] = 0
            paragraphs.append(title)
            continue
        kind = _boilerplate_kind(view[start:end])
        if kind is None:
            key = " ".join(stripped.split())
            first = seen.setdefault(key, len(paragraphs))
            if first != len(paragraphs):
                if first == 0:
                    kind = "repeated_title"
                elif len(key.split()) <= _MAX_CAPTION_WORDS:
                    kind = "repeated_caption"
                else:
                    kind = "repeated_paragraph"
        if kind is None:
            paragraphs.append(Span(start, end))
        else:
            removed.append(Removed(kind, start, end, stripped))
    return Structure(title, paragraphs, removed)


def _boilerplate_kind(view_line: str) -> str | None:
    key = view_line.translate(_DROP_DELETED).lower()
    for kind, pattern in _BOILERPLATE:
        if pattern.match(key):
            return kind if len(key.split()) <= _MAX_PROMPT_WORDS else None
    return None


def split_sentences(text: str, paragraph: Span) -> list[Span]:
    """Sentences of one paragraph: cut after final punctuation that is followed by whitespace."""
    sentences = []
    start, end = paragraph
    for m in _SENTENCE_END_RE.finditer(text, start, end):
        sentences.append(Span(start, m.end()))
        nxt = _NON_SPACE_RE.search(text, m.end(), end)
        if nxt is None:
            return sentences
        start = nxt.start()
    if start < end:
        sentences.append(Span(start, end))
    return sentences
