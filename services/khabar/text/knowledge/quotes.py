"""Quotations: a span in quotation marks that a reporting verb introduces or follows, with its speaker, the
nearest person or organisation the usual Arabic news patterns point to."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

# Reporting verbs in their key form (alef forms unified, ى as ي, ة as ه), with the conjunction and the
# feminine, plural and participle forms the regex adds.
_VERBS = (
    "قال",
    "اكد",
    "اضاف",
    "اوضح",
    "اشار",
    "صرح",
    "اعلن",
    "تابع",
    "ذكر",
    "لفت",
    "شدد",
    "اعتبر",
    "راي",
    "كشف",
    "افاد",
    "كتب",
    "غرد",
    "اردف",
    "علق",
    "اجاب",
    "حذر",
    "وصف",
    "استطرد",
    "ختم",
    "يقول",
    "يضيف",
    "تقول",
    "تضيف",
    "قائلا",
    "مضيفا",
    "مؤكدا",
    "موضحا",
    "مشيرا",
    "متابعا",
    "معتبرا",
    "قائله",
    "مضيفه",
    "مؤكده",
    "موضحه",
    "مشيره",
)
_ATTRIBUTIONS = ("وفقا ل", "وفقا لما", "بحسب", "حسب", "حسبما", "نقلا عن", "على لسان")
# A verb that continues the last quotation's speaker when it names nobody (وأضاف: «...»).
CONTINUING = {"اضاف", "تابع", "اردف", "استطرد", "ختم", "يضيف", "تضيف", "مضيفا", "مضيفه", "متابعا"}
_PAIRS = {"«": "»", "“": "”", '"': '"', "„": "“"}
_OPEN = re.compile('[«“"„]')
_BEFORE_WINDOW = 160  # characters before a quotation searched for its verb (same sentence)
_AFTER_WINDOW = 80  # characters after it (the «...»، قال فلان pattern)
_MIN_QUOTE = 2
# Words in quotation marks after a verb further back are often a name or a term ("اتفاق", سيارة "أوروس"):
# a quotation that no colon or comma introduces must be at least this many words.
_MIN_UNINTRODUCED_WORDS = 3
_INTRODUCED = re.compile(r"[:،,]\s*$")


def _pattern(form: str) -> str:
    return "".join({"ا": "[اأإآ]", "ي": "[يى]", "ه": "[هة]", "ؤ": "[ؤو]"}.get(c, c) for c in form)


_VERB = re.compile(
    "(?<![\u0621-\u064a])[وف]?("
    + "|".join(_pattern(v) for v in sorted(_VERBS, key=len, reverse=True))
    + ")(?:ت|وا|ا|ن)?(?![\u0621-\u064a])"
)
_ATTRIBUTION = re.compile(
    "(?<![\u0621-\u064a])[وف]?("
    + "|".join(_pattern(a).replace(" ", r"\s*") for a in sorted(_ATTRIBUTIONS, key=len, reverse=True))
    + ")\u064b?"
)
_KEY = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_SENTENCE_END = re.compile(r"[.!?؟\n]")
SPEAKER_TYPES = ("PERS", "ORG")


class MentionLike(Protocol):
    type: str
    start: int
    end: int


@dataclass
class Quote:
    start: int
    end: int
    verb: str | None
    speaker: int | None  # index of the speaker's mention


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text inside each pair of quotation marks, not across a paragraph."""
    spans: list[tuple[int, int]] = []
    i = 0
    while True:
        m = _OPEN.search(text, i)
        if not m:
            return spans
        close = text.find(_PAIRS[m.group()], m.end())
        newline = text.find("\n", m.end())
        if close < 0:
            return spans
        if 0 <= newline < close:
            i = newline
            continue
        if len(text[m.end() : close].strip()) >= _MIN_QUOTE:
            spans.append((m.end(), close))
        i = close + 1


def _sentence_start(text: str, pos: int, floor: int) -> int:
    cut = floor
    for m in _SENTENCE_END.finditer(text, floor, pos):
        cut = m.end()
    return cut


def _sentence_end(text: str, pos: int, ceiling: int) -> int:
    m = _SENTENCE_END.search(text, pos, ceiling)
    return m.start() if m else ceiling


_PREVIOUS_WORD = re.compile(r"(\S+)\s+$")
# Whom a speaker talks to: ل before a medium or a counterpart (لوكالة, لصحيفة, لنظيره), in the word before the
# mention or, as the tagger sometimes keeps it, inside the mention. Not any ل word: الأمين العام للمجلس X speaks.
_TOLD = re.compile("ل(?:وكال[ةه]|صحيف[ةه]|قنا[ةه]|موقع|شبك[ةه]|مجل[ةه]|[إا]ذاع[ةه]|تلفزيون|جريد[ةه]|وسائل|نظير)")


def _addressed(text: str, mention: MentionLike) -> bool:
    """Told, not telling: a mention after ل (لرويترز, لوكالة فرانس برس, لنظيره) is whom the speaker spoke to."""
    attached = mention.start > 0 and text[mention.start - 1] == "ل"
    if attached and (mention.start < 2 or text[mention.start - 2].isspace()):
        return True
    if _TOLD.match(text, mention.start):
        return True
    previous = _PREVIOUS_WORD.search(text, max(0, mention.start - 30), mention.start)
    return bool(previous and _TOLD.match(previous.group(1)))


def find_quotes(text: str, mentions: Sequence[MentionLike]) -> list[Quote]:
    # Only mentions near a quotation are ever asked whether they were addressed: checked lazily, once each.
    addressed: dict[int, bool] = {}

    def speaking(i: int) -> bool:
        if i not in addressed:
            addressed[i] = _addressed(text, mentions[i])
        return not addressed[i]

    speakers = sorted((i for i, m in enumerate(mentions) if m.type in SPEAKER_TYPES), key=lambda i: mentions[i].start)
    out: list[Quote] = []
    last_speaker: int | None = None
    previous_end = 0
    for start, end in quoted_spans(text):
        begin = _sentence_start(text, start - 1, max(previous_end, start - 1 - _BEFORE_WINDOW))
        verbs = list(_VERB.finditer(text, begin, start - 1)) + list(_ATTRIBUTION.finditer(text, begin, start - 1))
        speaker: int | None = None
        verb_text: str | None = None
        introduced = bool(_INTRODUCED.search(text, max(0, start - 4), start - 1))
        if verbs and not introduced and len(text[start:end].split()) < _MIN_UNINTRODUCED_WORDS:
            verbs = []
        if verbs:
            verb = max(verbs, key=lambda v: v.start())
            verb_text = text[verb.start() : verb.end()]
            between = [i for i in speakers if verb.end() <= mentions[i].start and mentions[i].end <= start]
            before = [i for i in speakers if begin <= mentions[i].start and mentions[i].end <= verb.start()]
            between, before = [i for i in between if speaking(i)], [i for i in before if speaking(i)]
            speaker = _prefer_person(between, mentions) if between else (before[-1] if before else None)
            if speaker is None and verb.group(1).translate(_KEY) in CONTINUING:
                speaker = (
                    last_speaker
                    if last_speaker is not None
                    else _last_reported(
                        text, [i for i in speakers if mentions[i].start < begin and speaking(i)], mentions, begin
                    )
                )
        else:
            after_end = _sentence_end(text, end + 1, min(len(text), end + 1 + _AFTER_WINDOW))
            # «...»، قال فلان / «...» بحسب فلان: the verb follows within a few characters of the closing mark.
            nearby = (_VERB.search(text, end + 1, after_end), _ATTRIBUTION.search(text, end + 1, after_end))
            following = [v for v in nearby if v and v.start() - end <= 4]
            if not following:
                continue
            verb = following[0]
            verb_text = text[verb.start() : verb.end()]
            after = [i for i in speakers if verb.end() <= mentions[i].start and mentions[i].end <= after_end]
            after = [i for i in after if speaking(i)]
            speaker = _prefer_person(after, mentions) if after else None
        if speaker is not None:
            last_speaker = speaker
        out.append(Quote(start, end, verb_text.strip() if verb_text else None, speaker))
        previous_end = end + 1
    return out


_REPORTED_WINDOW = 400  # how far back a continuing verb (وأضاف) looks for who last said something
_SUBJECT_GAP = 40  # the speaker follows its verb closely (وأوضح أوشاكوف أن ...)


def _last_reported(text: str, speakers: list[int], mentions: Sequence[MentionLike], before: int) -> int | None:
    """Who the last reporting verb before this point named, quoted or not (وأوضح أوشاكوف أن ...)."""
    floor = max(0, before - _REPORTED_WINDOW)
    for verb in reversed(list(_VERB.finditer(text, floor, before))):
        after = [i for i in speakers if verb.end() <= mentions[i].start <= verb.end() + _SUBJECT_GAP]
        if after:
            return _prefer_person(after, mentions)
    return None


def _prefer_person(candidates: list[int], mentions: Sequence[MentionLike]) -> int:
    """The first person among the candidates (وقال المتحدث باسم الوزارة (ORG) جون كيربي (PERS)), else the first."""
    return next((i for i in candidates if mentions[i].type == "PERS"), candidates[0])
