"""The per-character loops of khabar's normalisation, the decoding of its entity tagger's CRF, the features of
its new word types, and the matching key of words (Rust)."""

from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar, final

# What `Normaliser` makes: NamedTuple classes (tuple subclasses with no fields of their own), of 8 fields
# (Token) and 2 fields (Span, start and end).
_Token = TypeVar("_Token", bound=tuple[Any, ...])
_Span = TypeVar("_Span", bound=tuple[Any, ...])

class _RuleBits(Protocol):
    """Where a rules entry keeps what (``khabar.text.tokenise.RuleBits``). For type checking only."""

    @property
    def length_shift(self) -> int: ...
    @property
    def article_mask(self) -> int: ...
    @property
    def verb(self) -> int: ...
    @property
    def evidence_shift(self) -> int: ...
    @property
    def maybe_function(self) -> int: ...
    @property
    def maybe_not_definite(self) -> int: ...

class _RuleTables(Protocol):
    """The proclitic rules (``khabar.text.tokenise.RuleTables``): the classes of a word's first four
    characters (uint16 per BMP character each), the rules per word shape (uint8), and the word lists they
    defer to. For type checking only."""

    @property
    def class_at(self) -> Sequence[bytes]: ...
    @property
    def rules(self) -> bytes: ...
    @property
    def bits(self) -> _RuleBits: ...
    @property
    def not_definite(self) -> frozenset[str] | set[str]: ...
    @property
    def function_words(self) -> dict[str, int]: ...
    @property
    def whole_words(self) -> frozenset[str] | set[str]: ...
    @property
    def article(self) -> str: ...

class _Tables(Protocol):
    """What `Normaliser` reads its tables from (``khabar.text.core_tables.CoreTables``): bytes of
    little-endian items, one per BMP character except ``flat``. For type checking only."""

    @property
    def length(self) -> bytes: ...
    @property
    def first(self) -> bytes: ...
    @property
    def flat(self) -> bytes: ...
    @property
    def attaches(self) -> bytes: ...
    @property
    def risk(self) -> bytes: ...
    @property
    def letter(self) -> bytes: ...
    @property
    def space(self) -> bytes: ...
    @property
    def output_class(self) -> bytes: ...
    @property
    def search(self) -> bytes: ...
    @property
    def word_class(self) -> int: ...
    @property
    def punctuation_class(self) -> int: ...
    @property
    def chunk_clean(self) -> Callable[[str], str]: ...
    @property
    def attaches_wide(self) -> Callable[[str], bool]: ...
    @property
    def letter_wide(self) -> Callable[[str], int]: ...
    @property
    def proclitics(self) -> _RuleTables: ...

@final
class Stream:
    """An article mapped through the chain, for `Normaliser.tokens`; made only by `Normaliser.lines`."""

@final
class Normaliser(Generic[_Token, _Span]):
    """The chain's loops over an article, on `tables`; makes tokens as `token_type` and sentences as
    `span_type`. Raises ValueError for tables of the wrong shape."""

    def __new__(
        cls, tables: _Tables, token_type: type[_Token], span_type: type[_Span]
    ) -> Normaliser[_Token, _Span]: ...
    def lines(self, text: str) -> tuple[Stream, list[tuple[int, int, int, str]]]:
        """The stream of `text`, and each non-blank line as (index among the lines, start, end, display form
        with whitespace collapsed)."""
    def tokens(
        self,
        stream: Stream,
        kept_lines: Sequence[int],
        breaks: Sequence[int],
        removed: Sequence[tuple[int, int]],
    ) -> tuple[list[_Token], list[_Span], float]:
        """Tokens of the kept lines, sentences (breaking before the first token at or after each of
        `breaks`), and the share of Arabic letters among the letters outside `removed`."""

@final
class CrfDecoder:
    """A tagger's CRF (``khabar.text.ner.model``): the word types scored so far, each a float64 (offsets,
    labels) row, and the Viterbi path and marginal confidences of sentences gathered from them; positions
    before a sentence hold the word ``begin``, those after it ``end``."""

    def __new__(
        cls,
        offsets: Sequence[int],
        labels: Sequence[str],
        transitions: bytes,
        exp_transitions: bytes,
        begin: str,
        end: str,
    ) -> CrfDecoder: ...
    def __len__(self) -> int:
        """Word types scored so far."""
    def clear(self) -> None:
        """Forget every word type scored."""
    def add(self, words: Sequence[str], scores: bytes) -> None:
        """Word types and their scores, float64 (words, offsets, labels); a word already held keeps its row."""
    def tag(
        self, sentences: Sequence[Sequence[str]], scores_of: Callable[[list[str]], bytes]
    ) -> list[list[tuple[str, float]]]:
        """The (label, confidence) of each word of each sentence; word types not held yet are scored first, all
        at once, by ``scores_of`` (float64 (words, offsets, labels)). A lone surrogate reads as U+FFFD (one per
        byte of its UTF-8 form)."""

@final
class WordScorer:
    """The entity tagger's features of word types and their summed weights (``khabar.text.ner.model``), over
    tables handed over by ``khabar.text.ner.features.core_tables``, the gazetteer index and the frequency bins."""

    def __new__(
        cls,
        offsets: Sequence[int],
        rows_at: Sequence[dict[str, int]],
        weights: bytes,
        labels: int,
        dropped: str,
        unified: dict[str, str],
        arabic: str,
        digit: str,
        latin: str,
        proclitics: Sequence[str],
        min_stem: int,
        gazetteers: dict[str, list[str]],
        freq: dict[str, int],
        padding: dict[str, tuple[list[str], list[str]]],
        pieces: Sequence[str] | None = None,
        piece_scores: Sequence[float] | None = None,
        piece_clusters: Sequence[int] | None = None,
        unk_score: float = 0.0,
    ) -> WordScorer: ...
    def features(self, word: str) -> tuple[list[str], list[str]]:
        """(features at offset 0, features as a neighbour) of one word."""
    def scores(self, words: Sequence[str]) -> bytes:
        """Summed weights of each word at each offset: float64 (words, offsets, labels)."""

@final
class WordKeys:
    """The matching key of words (``khabar.text.ner.features.key``), over the classes of
    ``khabar.text.ner.features.core_tables``: diacritics and tatweel dropped, alef forms, alef maksura and teh
    marbuta unified."""

    def __new__(cls, dropped: str, unified: dict[str, str]) -> WordKeys: ...
    def sentences(self, sentences: Sequence[list[str]]) -> list[list[str]]:
        """The key of every word of every sentence; a word that is its own key comes back as the same object."""
