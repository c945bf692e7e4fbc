"""Arabic named-entity tagging: our offline CRF (default) or camel-tools' BERT NERecognizer."""

from __future__ import annotations

from pathlib import Path

from .entities import Entity, Mention, extract_entities

DEFAULT_MODEL = Path(__file__).parent / "models" / "khabar-ner.npz"
_loaded: dict[tuple[str, str], object] = {}

__all__ = ["load_tagger", "Mention", "Entity", "extract_entities", "DEFAULT_MODEL"]


def load_tagger(backend: str = "khabar", model_path: str | None = None):
    """A tagger with `.name` and `.tag_sentences(list[list[str]]) -> list[list[(BIO label, confidence)]]`.

    Loaded once per (backend, path) and shared: loading the model file takes about a second.
    """
    if backend == "khabar":
        path = str(Path(model_path) if model_path else DEFAULT_MODEL)
        if (backend, path) not in _loaded:
            from .model import CRFTagger

            _loaded[(backend, path)] = CRFTagger.load(path)
    elif backend == "camel":
        if not model_path:
            raise ValueError("the camel backend needs model_path: a camel-tools NER model directory")
        path = str(model_path)
        if (backend, path) not in _loaded:
            from .camel_backend import CamelTagger

            _loaded[(backend, path)] = CamelTagger(path)
    else:
        raise ValueError(f"unknown NER backend {backend!r}; use 'khabar' or 'camel'")
    return _loaded[(backend, path)]
