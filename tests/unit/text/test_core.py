"""Without the compiled text core, the import error says what to do."""

from __future__ import annotations

import importlib
import sys

import pytest


def test_a_missing_text_core_says_how_to_build_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "khabar_text_core", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "khabar.text.core")
    with pytest.raises(ImportError, match=r"run `uv sync`.*cargo"):
        importlib.import_module("khabar.text.core")
