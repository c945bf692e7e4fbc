"""Words that test the compiled word code (features, scores, keys) against the Python it replaces: edge cases and
the tokens of a seed article."""

from __future__ import annotations

from khabar.config import PROJECT_ROOT
from khabar.text.normalise import normalise_document

# Shapes, proclitics, article forms, diacritics, tatweel, digits, Latin, punctuation, beyond the BMP, empty.
EDGE_CASES = [
    "محمد",
    "ومحمد",
    "وبالقاهرة",
    "للمدينة",
    "فللبيت",
    "الرياض",
    "مُحَمَّد",
    "ـــ",
    "ـمـ",
    "إيران",
    "آل",
    "مستشفى",
    "مدرسة",
    "بن",
    "و",
    "ال",
    "ب",
    "2015",
    "٢٠١٥",
    "ق2",
    "Google",
    "G7",
    "،",
    "«",
    "...",
    "😀",
    "𝔸ب",
    "x",
    "",
    "\x02",
    "\x03",
    "ابوظبي",
    "لل",
    "وللكويت",
]


def seed_words() -> list[str]:
    text = next((PROJECT_ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    return [token.text for token in normalise_document(text).tokens]
