"""Article structure: lines (paragraphs, the first being the title) and the boilerplate news sites inject."""

from __future__ import annotations

import re
from typing import NamedTuple


class Span(NamedTuple):
    start: int
    end: int


# Makes a Span from a pair in C; Span(start, end) runs Python code, which counts at a few spans per article.
new_span = tuple.__new__


class Removed(NamedTuple):
    kind: str
    start: int
    end: int
    text: str


_LETTER_RE = re.compile(r"[^\W\d_]")

# Prompts matched at the start of a line in its display form (no diacritics, Arabic punctuation in ASCII,
# whitespace collapsed). Prompts that also read as news ("شارك الوزير في ...") need a second word.
_PROMPTS = {
    "read_also": r"(?:اقرا|اقراوا|طالع|طالعوا) ?(?:ايضا|كذلك|المزيد)|ذات صله ?[:\-]",
    "see_also": r"(?:شاهد|شاهدوا) ?(?:ايضا|كذلك|بالفيديو|الفيديو ?[:\-])",
    "more": r"(?:للمزيد|لمزيد من|اضغط هنا|انقر هنا)|(?:read more|see also|related)\b",
    "share_prompt": r"(?:تابعونا|تابعنا|شاركونا|اشتركوا|للاشتراك|انضموا|حملوا تطبيق|حمل تطبيق"
    r"|(?:تابع|تابعوا) (?:اخبار|اخر|كل|صفحتنا|حسابنا|قناتنا|موقعنا)"
    r"|(?:شارك|شاركوا) (?:الخبر|المقال|الموضوع|هذا|هذه|عبر)"
    r"|(?:اشترك|انضم) (?:في|الي|الينا|معنا|الان|لقناه|بقناه)"
    r"|share\b|follow us\b|subscribe\b)",
}
# Written in the search form; the display form still has the letters that the search form merges.
_LETTER_VARIANTS = str.maketrans({"ا": "[اأإآ]", "ي": "[يى]", "ه": "[هة]"})
_PROMPT_RE = re.compile(
    r"\W*(?:" + "|".join(f"(?P<{kind}>{p.translate(_LETTER_VARIANTS)})" for kind, p in _PROMPTS.items()) + ")",
    re.IGNORECASE,
)
# Boilerplate prompts are short; a long line that happens to start the same way is text.
_MAX_PROMPT_WORDS = 30
# A caption is a short line; a long repeated block is a repeated paragraph.
_MAX_CAPTION_WORDS = 25


def boilerplate_kind(clean_line: str) -> str | None:
    """The kind of boilerplate a line is, from its display form (whitespace collapsed), or None for text."""
    m = _PROMPT_RE.match(clean_line)
    if m is None or clean_line.count(" ") >= _MAX_PROMPT_WORDS:
        return None
    return m.lastgroup


class Repeats:
    """Lines seen so far in one article, to remove verbatim repeats (the first occurrence stays)."""

    def __init__(self) -> None:
        self._first: dict[str, int] = {}  # display form of a line -> order of first sight (0: title)

    def kind(self, clean_line: str) -> str | None:
        """None the first time a line is seen, else the kind of repeat it is."""
        seen = len(self._first)
        first = self._first.setdefault(clean_line, seen)
        if first == seen or not _LETTER_RE.search(clean_line):
            return None  # new, or a separator such as "***"
        if first == 0:
            return "repeated_title"
        return "repeated_caption" if clean_line.count(" ") < _MAX_CAPTION_WORDS else "repeated_paragraph"
