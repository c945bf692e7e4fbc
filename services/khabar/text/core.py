"""The compiled part of the text library (``services/text-core``, Rust), with an error that says what to do
when it was not built."""

from __future__ import annotations

try:
    from khabar_text_core import CrfDecoder, Normaliser, WordKeys, WordScorer
except ImportError as error:
    raise ImportError(
        "khabar's compiled text core (khabar_text_core, services/text-core) is not installed: run `uv sync` "
        "at the project root with a Rust toolchain on PATH (cargo from https://rustup.rs)"
    ) from error

__all__ = ["CrfDecoder", "Normaliser", "WordKeys", "WordScorer"]
