"""Reads articles from files: plain-text seeds, JSON, JSON Lines, and ZIP archives of them (SaudiNewsNet);
and from a continuous feed of JSON Lines on standard input (the path ``-``), each line as it arrives.

Each input yields either a raw record ready to send or an `InputError` naming the file, the item and the
reason; one bad item never stops the rest of the replay.
"""

from __future__ import annotations

import json
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khabar import schemas
from khabar.records import raw_record

SUPPORTED = (".txt", ".json", ".jsonl", ".zip")
# The path that stands for standard input, read as JSON Lines.
STDIN = "-"
# Field names that feeds use for the same thing, first match wins.
_BODY_FIELDS = ("content", "body", "text")
_DATE_FIELDS = ("published", "date", "date_extracted")


@dataclass(frozen=True)
class InputError:
    origin: str  # file, and item within it
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


def read_paths(paths: Iterable[str | Path]) -> Iterator[dict | InputError]:
    """Every article under `paths` (files, or directories searched for supported files), in a stable order;
    ``-`` reads JSON Lines from standard input until it closes, yielding each line as it arrives."""
    for path in paths:
        if str(path) == STDIN:
            yield from read_lines(sys.stdin.buffer, "stdin")
            continue
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED)
            if not files:
                yield InputError(str(path), f"no {', '.join(SUPPORTED)} files in this directory")
            for file in files:
                yield from read_file(file)
        else:
            yield from read_file(path)


def read_file(path: Path) -> Iterator[dict | InputError]:
    suffix = path.suffix.lower()
    if not path.exists():
        yield InputError(str(path), "no such file")
        return
    if suffix not in SUPPORTED:
        yield InputError(str(path), f"unsupported file type {suffix or '(none)'}: use one of {', '.join(SUPPORTED)}")
        return
    try:
        if suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in sorted(archive.namelist()):
                    if Path(member).suffix.lower() in (".json", ".jsonl"):
                        yield from read_json_bytes(archive.read(member), f"{path}!{member}", Path(member).suffix)
            return
        data = path.read_bytes()
    except (OSError, zipfile.BadZipFile) as err:
        yield InputError(str(path), f"cannot read: {err}")
        return
    if suffix == ".txt":
        yield _from_text(data, path)
    else:
        yield from read_json_bytes(data, str(path), suffix)


def _from_text(data: bytes, path: Path) -> dict | InputError:
    """A seed article: the first non-empty line is the title, the rest the body."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return InputError(str(path), f"not UTF-8 text ({err.reason} at byte {err.start})")
    title, _, body = text.strip().partition("\n")
    return checked(
        raw_record(source="file", url=path.name, locator=path.name, title=title.strip(), body=body.strip()), str(path)
    )


def read_json_bytes(data: bytes, origin: str, suffix: str) -> Iterator[dict | InputError]:
    """The articles of a JSON document (one object, or a list of them) or, with suffix .jsonl, of JSON Lines."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        yield InputError(origin, f"not UTF-8 ({err.reason} at byte {err.start})")
        return
    if suffix == ".jsonl":
        yield from _from_json_lines(text.splitlines(), origin)
        return
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:
        yield InputError(origin, f"not JSON: {err}")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield _from_json_object(item, f"{origin}[{index}]")
    else:
        yield _from_json_object(value, origin)


def read_lines(stream: Iterable[bytes], origin: str) -> Iterator[dict | InputError]:
    """JSON Lines from a binary stream (a pipe, a socket's file), each line as soon as it is complete."""
    for number, line in enumerate(stream, 1):
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as err:
            yield InputError(f"{origin}:{number}", f"not UTF-8 ({err.reason} at byte {err.start})")
            continue
        yield from _from_json_lines([text], origin, number)


def _from_json_lines(lines: Iterable[str], origin: str, first: int = 1) -> Iterator[dict | InputError]:
    for number, line in enumerate(lines, first):
        if line.strip():
            try:
                yield _from_json_object(json.loads(line), f"{origin}:{number}")
            except (json.JSONDecodeError, RecursionError) as err:  # RecursionError: nested too deep to decode
                yield InputError(f"{origin}:{number}", f"not JSON: {err}")


def _from_json_object(item: Any, origin: str) -> dict | InputError:
    if not isinstance(item, dict):
        return InputError(origin, f"expected a JSON object with a title and content, got {type(item).__name__}")
    if "schema_version" in item:  # already a raw record, e.g. exported from the raw topic: keep its id
        return checked(item, origin)
    body = next((item[f] for f in _BODY_FIELDS if isinstance(item.get(f), str) and item[f].strip()), None)
    if body is None:
        return InputError(origin, f"no article text: none of {', '.join(_BODY_FIELDS)} holds a non-empty string")
    source: str = item["source"] if isinstance(item.get("source"), str) and item["source"].strip() else "json"
    url = item.get("url") if isinstance(item.get("url"), str) and item["url"] else None
    published = next((item[f] for f in _DATE_FIELDS if isinstance(item.get(f), str) and item[f]), None)
    title: str = item["title"] if isinstance(item.get("title"), str) else ""
    author = item.get("author") if isinstance(item.get("author"), str) and item["author"] else None
    record = raw_record(
        source=source.strip(),
        url=url,
        locator=url or origin.rsplit("!", 1)[-1],
        title=title.strip(),
        body=body.strip(),
        author=author,
        published=published,
    )
    return checked(record, origin)


def checked(record: dict, origin: str) -> dict | InputError:
    """The record if it matches the raw schema, else an InputError naming every violation."""
    problems = schemas.errors(schemas.RAW, record)
    return InputError(origin, "; ".join(problems)) if problems else record
