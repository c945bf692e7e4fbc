"""Without the compiled text core, the import error says what to do; with it, its type stub comes along."""

from __future__ import annotations

import ast
import importlib
import pathlib
import sys

import pytest


def test_a_missing_text_core_says_how_to_build_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "khabar_text_core", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "khabar.text.core", raising=False)  # imported or not
    with pytest.raises(ImportError, match=r"run `uv sync`.*cargo"):
        importlib.import_module("khabar.text.core")


def _stub() -> ast.Module:
    return ast.parse((_package() / "__init__.pyi").read_text(encoding="utf-8"))


def _package() -> pathlib.Path:
    return pathlib.Path(importlib.import_module("khabar_text_core").__file__).parent


def test_the_text_core_ships_its_type_stub():
    assert (_package() / "py.typed").is_file()
    assert (_package() / "__init__.pyi").is_file()


def test_the_stub_names_what_the_module_has():
    """Every public class and function of the module, with its methods, is in the stub, and nothing else
    (names starting with _ in the stub are for type checking only)."""
    module = importlib.import_module("khabar_text_core")
    names = [node for node in _stub().body if isinstance(node, (ast.ClassDef, ast.FunctionDef))]
    public = {name for name in dir(module) if not name.startswith("_")} - {"khabar_text_core"}  # the .so itself
    assert {node.name for node in names if not node.name.startswith("_")} == public
    for node in names:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            methods = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
            cls = getattr(module, node.name)
            assert {m for m in methods if not m.startswith("_")} == {m for m in vars(cls) if not m.startswith("_")}
            assert all(hasattr(cls, m) for m in methods), node.name  # the special methods it names too
