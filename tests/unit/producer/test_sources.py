"""Reading article files: every format, stable ids, and a named reason for every bad input."""

from __future__ import annotations

import json
import zipfile

import pytest

from khabar import schemas
from khabar.config import PROJECT_ROOT
from khabar.producer.sources import InputError, read_paths

BODY = "قال المتحدث باسم الحكومة إن الاجتماع سيعقد في الرياض."


def only(items):
    [item] = list(items)
    return item


def test_seed_text_file_first_line_is_title_rest_is_body():
    record = only(read_paths([PROJECT_ROOT / "seeds"]))
    assert record["title"] == "عقب المباحثات التاريخية.. تبادل الهدايا بين «بوتين وكيم»"
    assert record["body"].startswith("الرئيس الروسي وزعيم كوريا الشمالية")
    schemas.validate(schemas.RAW, record)


def test_ids_are_stable_across_reads_and_differ_by_content(tmp_path):
    (tmp_path / "a.txt").write_text("عنوان\n\n" + BODY, encoding="utf-8")
    (tmp_path / "b.txt").write_text("عنوان\n\n" + BODY + " آخر", encoding="utf-8")
    first = [r["id"] for r in read_paths([tmp_path])]
    again = [r["id"] for r in read_paths([tmp_path])]
    assert first == again and len(set(first)) == 2


def test_json_jsonl_and_zip_feeds(tmp_path):
    items = [
        {
            "source": "okaz",
            "url": f"http://okaz.test/{n}",
            "title": f"خبر {n}",
            "content": BODY,
            "author": "",
            "date_extracted": "2015-07-21 01:02:03",
        }
        for n in range(3)
    ]
    (tmp_path / "feed.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items), encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "day.zip", "w") as archive:
        archive.writestr("2015-07-21.json", json.dumps(items, ensure_ascii=False))
    for name in ("feed.json", "feed.jsonl", "day.zip"):
        records = list(read_paths([tmp_path / name]))
        assert [r["url"] for r in records] == [i["url"] for i in items], name
        assert all(
            r["source"] == "okaz" and r["published"] == "2015-07-21 01:02:03" and r["author"] is None for r in records
        )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.json", b'{"title": ', "not JSON"),
        ("latin1.txt", "عنوان".encode() + b"\n\xff\xfe", "not UTF-8"),
        ("numbers.json", b"[1, 2]", "expected a JSON object"),
        ("nobody.json", json.dumps({"title": "x", "content": "  "}).encode(), "no article text"),
        ("notes.csv", b"a,b", "unsupported file type .csv"),
    ],
)
def test_bad_inputs_name_the_file_and_the_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    problem = next(iter(read_paths([tmp_path / name])))
    assert isinstance(problem, InputError)
    assert name in problem.origin and reason in problem.reason


def test_a_bad_item_does_not_stop_the_rest_of_the_file(tmp_path):
    lines = [json.dumps({"title": "a", "content": BODY}), "{oops", json.dumps({"title": "b", "content": BODY})]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines), encoding="utf-8")
    items = list(read_paths([tmp_path / "feed.jsonl"]))
    assert [type(i).__name__ for i in items] == ["dict", "InputError", "dict"]
    assert items[1].origin.endswith("feed.jsonl:2")


def test_a_raw_record_is_taken_as_is_and_checked_against_the_schema(tmp_path):
    record = only(read_paths([PROJECT_ROOT / "seeds"]))
    (tmp_path / "raw.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert only(read_paths([tmp_path / "raw.json"])) == record
    record["schema_version"] = 99
    (tmp_path / "raw.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    problem = only(read_paths([tmp_path / "raw.json"]))
    assert isinstance(problem, InputError) and "schema_version" in problem.reason


def test_missing_file_and_empty_directory(tmp_path):
    missing, empty = list(read_paths([tmp_path / "nope.txt", tmp_path]))
    assert missing.reason == "no such file" and "no .txt" in empty.reason


def test_a_feed_on_stdin_gives_each_line_as_it_comes_and_names_bad_lines(monkeypatch):
    import io
    import sys

    good = {"title": "خبر", "content": BODY, "url": "https://example.test/feed/1"}
    lines = [
        b"\xef\xbb\xbf" + json.dumps(good, ensure_ascii=False).encode(),  # a BOM on the first line
        b"",
        b"{not json",
        b"\xff\xfe",
        json.dumps(["a list"]).encode(),
    ]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\n".join(lines) + b"\n")))
    record, *problems = read_paths(["-"])
    assert record["body"] == BODY and record["url"] == good["url"]
    assert [(p.origin, p.reason.split(" ")[0]) for p in problems] == [
        ("stdin:3", "not"),
        ("stdin:4", "not"),
        ("stdin:5", "expected"),
    ]
    assert "JSON" in problems[0].reason and "UTF-8" in problems[1].reason


def test_stdin_is_read_line_by_line_not_to_the_end():
    from khabar.producer.sources import read_lines

    def feed():  # a stream that would block after its first line
        yield json.dumps({"title": "خبر", "content": BODY}, ensure_ascii=False).encode() + b"\n"
        raise AssertionError("read past the first line")

    assert next(read_lines(feed(), "stdin"))["body"] == BODY
