"""What the desk shows of one record: enriched articles and dead letters cut down to their display form.

An enriched record is tens of kilobytes (tokens as columns); the page needs its title and kept paragraphs as
runs of plain text and entity mentions, each mention with what is known of its entity. Offsets in the record
are code points into `text`, so the cutting is done here in Python rather than in the browser (JavaScript
strings count UTF-16 units). Fields that later record versions add (entity `id`, `latin`, `geo`, the record's
`story` and `focus`) are shown when present and left out when not; nothing here assumes them.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from khabar.text.ner.features import key

# Longest article text kept for the page, in characters; a longer one is cut at a paragraph, with a note.
MAX_DISPLAY_CHARS = 20_000
MAX_DEADLETTER_MESSAGE = 500
MAX_DEADLETTER_PREVIEW = 300

Segment = str | dict[str, Any]  # plain text, or a mention {"m": text, "type": ..., "d": details}


def article_view(record: dict) -> dict:
    """The display form of an enriched record (v2 or later): raises KeyError/TypeError on a malformed one."""
    text: str = record["text"]
    title: str = record.get("title") or ""
    paragraphs = [(span["start"], span["end"]) for span in record["structure"]["paragraphs"]]
    removed = [(span["start"], span["end"]) for span in record["structure"].get("removed", ())]
    entities = [entity for entity in record.get("entities", ()) if isinstance(entity, dict)]
    link = _EntityLinks(entities)
    mentions = sorted((m for m in record.get("mentions", ()) if isinstance(m, dict)), key=lambda m: m["start"])
    starts = [m["start"] for m in mentions]

    title_span = paragraphs[0] if title and paragraphs and text.startswith(title) else None
    body_spans = [
        span
        for span in paragraphs
        if span != title_span and not any(span[0] < end and start < span[1] for start, end in removed)
    ]
    body: list[list[Segment]] = []
    kept_chars, cut = 0, False
    for span in body_spans:
        if kept_chars + span[1] - span[0] > MAX_DISPLAY_CHARS and body:
            cut = True
            break
        body.append(_segments(text, span, mentions, starts, link))
        kept_chars += span[1] - span[0]
    return {
        "id": record["id"],
        "source": record.get("source"),
        "url": safe_url(record.get("url")),
        "published": record.get("published"),
        "enriched_at": record.get("enriched_at"),
        "title": _segments(text, title_span, mentions, starts, link) if title_span else [title],
        "body": body,
        "cut": cut,
        "mention_count": len(mentions),
        "entities": [entity_view(entity) for entity in entities],
        "story": record.get("story") if isinstance(record.get("story"), dict) else None,
        "focus": record.get("focus") if isinstance(record.get("focus"), dict) else None,
        "schema_version": record.get("schema_version"),
    }


def entity_view(entity: dict) -> dict:
    """Name, type, count and whatever canonical knowledge the record has about the entity."""
    view = {"name": entity.get("name"), "type": entity.get("type"), "count": entity.get("count", 1)}
    if isinstance(entity.get("id"), str):
        view["id"] = entity["id"]
    latin = entity.get("latin")
    if isinstance(latin, str):
        view["latin"] = latin
    elif isinstance(latin, dict):  # {"text"|"name"|"value": ..., "source": ...}
        spelling = next((latin[k] for k in ("text", "name", "value") if isinstance(latin.get(k), str)), None)
        if spelling:
            view["latin"] = spelling
            if isinstance(latin.get("source"), str):
                view["latin_source"] = latin["source"]
    geo = entity.get("geo")
    if isinstance(geo, dict):
        view["geo"] = {
            k: geo[k]
            for k in ("geonames_id", "country", "admin1", "feature", "lat", "lon", "fips")
            if geo.get(k) is not None
        }
    return view


def deadletter_view(record: dict) -> dict:
    """Reason, stage and message of a dead letter, where it came from, and the start of what was sent."""
    error = record["error"]
    source = record.get("source") or {}
    original = record.get("original") or {}
    if original.get("encoding") == "utf-8" and isinstance(original.get("data"), str):
        preview = original["data"][:MAX_DEADLETTER_PREVIEW]
    elif original.get("encoding") == "base64":
        preview = f"({original.get('size_bytes', '?')} bytes, not UTF-8)"
    else:
        preview = "(no value)"
    return {
        "key": f"{source.get('topic')}/{source.get('partition')}@{source.get('offset')}",
        "id": record.get("id"),
        "reason": error["reason"],
        "stage": error.get("stage"),
        "class": error.get("class"),
        "message": str(error.get("message", ""))[:MAX_DEADLETTER_MESSAGE],
        "failed_at": record.get("failed_at"),
        "source_key": source.get("key"),
        "preview": preview,
    }


def safe_url(url: Any) -> str | None:
    """Only http(s) links are links: a `javascript:` URL in an article must not become one."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


class _EntityLinks:
    """Finds the entity a mention belongs to: by the id it carries (later versions), else by its name or one of
    the entity's aliases (the short forms merged into it: بوتين of فلاديمير بوتين), compared by matching key."""

    def __init__(self, entities: list[dict]):
        self.by_id = {e["id"]: e for e in entities if isinstance(e.get("id"), str)}
        self.by_name: dict[tuple[Any, str], dict] = {}
        for entity in entities:
            for name in [entity.get("name"), *(entity.get("aliases") or ())]:
                if isinstance(name, str):
                    self.by_name.setdefault((entity.get("type"), key(name)), entity)

    def __call__(self, mention: dict) -> dict | None:
        for field in ("entity", "entity_id", "id"):
            if isinstance(mention.get(field), str) and mention[field] in self.by_id:
                return self.by_id[mention[field]]
        return self.by_name.get((mention.get("type"), key(mention.get("text", ""))))


def _segments(
    text: str, span: tuple[int, int], mentions: list[dict], starts: list[int], link: _EntityLinks
) -> list[Segment]:
    """The paragraph `span` of `text` as plain runs and mentions; `starts` are the sorted mentions' starts."""
    start, end = span
    out: list[Segment] = []
    cursor = start
    for mention in mentions[bisect_left(starts, start) : bisect_left(starts, end)]:
        m_start, m_end = mention["start"], mention["end"]
        if m_start < cursor or m_end > end or m_end <= m_start:
            continue  # past this paragraph, or overlapping the one before
        if m_start > cursor:
            out.append(text[cursor:m_start])
        details: dict[str, Any] = {"type": mention.get("type"), "confidence": mention.get("confidence")}
        entity = link(mention)
        if entity is not None:
            details.update({k: v for k, v in entity_view(entity).items() if k not in ("type", "count")})
        out.append({"m": text[m_start:m_end], "type": mention.get("type"), "d": details})
        cursor = m_end
    if cursor < end:
        out.append(text[cursor:end])
    return out
