"""The command line without a broker: help, enrich, validate."""

from __future__ import annotations

import json

from click.testing import CliRunner

from khabar import schemas
from khabar.cli import main
from khabar.config import PROJECT_ROOT


def invoke(*args):
    return CliRunner().invoke(main, list(map(str, args)), catch_exceptions=False)


def test_help_lists_the_subcommands():
    result = invoke("--help")
    for command in (
        "run",
        "kafka",
        "worker",
        "replay",
        "feed",
        "redrive",
        "enrich",
        "validate",
        "bench",
        "train-ner",
        "eval-ner",
    ):
        assert f"  {command} " in result.output


def test_enrich_prints_a_valid_record_per_article():
    result = invoke("enrich", PROJECT_ROOT / "seeds")
    assert result.exit_code == 0
    [line] = result.output.splitlines()
    record = json.loads(line)
    schemas.validate(schemas.ENRICHED, record)
    assert record["text_norm"] and record["entities"]


def test_validate_names_each_failure_and_exits_non_zero(tmp_path):
    (tmp_path / "ok.json").write_text(json.dumps({"title": "عنوان", "content": "نص الخبر"}), encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps([{"title": "x"}]), encoding="utf-8")
    result = invoke("validate", tmp_path / "ok.json", tmp_path / "bad.json")
    assert result.exit_code == 1
    assert f"FAIL {tmp_path / 'bad.json'}[0]: no article text" in result.output
    assert "1 valid, 1 invalid" in result.output
    assert invoke("validate", tmp_path / "ok.json").exit_code == 0
