"""`khabar ingest` in its own process against the real broker: 202 only for what the broker acknowledged, every
problem said, 503 while the broker is away, and a fuzz test driven from its OpenAPI document."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from khabar.config import Settings
from khabar.ingest.app import OPENAPI_PATH
from khabar.local.broker import LocalBroker
from khabar.local.ports import free_port
from khabar.producer.sources import read_json_bytes
from support.articles import seed_variants
from support.kafka import collect_by_key, stop_process
from support.raw_topic import raw_keys
from support.schema_strategies import from_schema

pytestmark = pytest.mark.integration

OPENAPI = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
ARTICLE = {
    "title": "ماكرون في بيروت",
    "content": "وصل الرئيس الفرنسي إيمانويل ماكرون إلى بيروت صباح اليوم.",
    "source": "وكالة الاختبار",
    "url": "https://news.example/1",
}


class IngestProcess:
    """`khabar ingest` as it runs in production, and a client for it."""

    def __init__(self, settings: Settings, log_path: Path):
        self.settings = settings.replace(ingest_port=free_port())
        log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "khabar", "ingest"],
            stdout=log,
            stderr=log,
            env={**os.environ, **self.settings.to_env()},
        )
        log.close()
        self.log_path = log_path
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, f"khabar ingest died:\n{log_path.read_text()}"
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, "khabar ingest did not answer /healthz within 60 s"
                time.sleep(0.2)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        connection: http.client.HTTPConnection | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = connection or http.client.HTTPConnection(
            self.settings.ingest_host, self.settings.ingest_port, timeout=60
        )
        try:
            conn.request(method, path, body=body, headers={"Content-Type": content_type, **(headers or {})})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            if connection is None:
                conn.close()

    def post(self, article, **options) -> tuple[int, dict[str, str], dict]:
        body = article if isinstance(article, bytes) else json.dumps(article, ensure_ascii=False).encode()
        status, headers, data = self.request("POST", "/articles", body, **options)
        return status, headers, json.loads(data)

    def metric(self, name: str) -> float:
        text = self.request("GET", "/metrics")[2].decode()
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture
def ingest(settings, tmp_path):
    server = IngestProcess(settings, tmp_path / "ingest.log")
    yield server
    server.stop()


def documented(status: int, headers: dict[str, str], body: dict) -> None:
    """The answer is one the OpenAPI document lists, and its body matches the schema given for it."""
    responses = OPENAPI["paths"]["/articles"]["post"]["responses"]
    assert str(status) in responses, f"undocumented status {status}: {body}"
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": OPENAPI["components"]}).validate(body)
    for header in responses[str(status)].get("headers", {}):
        assert header in headers, f"{status} without {header}"


def test_every_problem_of_a_request_is_said_and_nothing_of_it_sent(settings, ingest):
    lines = b"\n".join(
        [
            json.dumps(ARTICLE).encode(),
            b"{not json",
            json.dumps({"title": "no text"}).encode(),
            json.dumps({**ARTICLE, "source": "x" * 300}).encode(),
        ]
    )
    status, headers, body = ingest.post(lines, content_type="application/x-ndjson")
    documented(status, headers, body)
    assert status == 400 and [p["item"] for p in body["problems"]] == ["request:2", "request:3", "request:4"]
    assert "not JSON" in body["problems"][0]["reason"] and "no article text" in body["problems"][1]["reason"]
    assert "source" in body["problems"][2]["reason"]

    status, headers, body = ingest.post(b"[" * 100_000)  # nested too deep to decode
    assert status == 400 and "not JSON" in body["problems"][0]["reason"]
    status, headers, body = ingest.post(b"x", content_type="text/plain")
    assert status == 415 and "application/x-ndjson" in body["error"]
    status, headers, body = ingest.post(b"x" * (settings.ingest_max_body_bytes + 1))
    documented(status, headers, body)
    assert status == 413 and "KHABAR_INGEST_MAX_BODY_BYTES" in body["error"]
    status, headers, body = ingest.post({**ARTICLE, "content": "ب " * (settings.max_article_bytes // 2)})
    assert status == 413 and "KHABAR_MAX_ARTICLE_BYTES" in body["error"]
    assert raw_keys(settings) == []
    assert ingest.metric('khabar_ingest_requests_total{status="400"}') == 2


def test_with_a_token_set_a_request_without_it_gets_401(settings, tmp_path):
    server = IngestProcess(settings.replace(ingest_token="s3cret-tok"), tmp_path / "ingest.log")
    try:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret-tok"}):
            status, response_headers, body = server.post(ARTICLE, headers=headers)
            documented(status, response_headers, body)
            assert status == 401 and response_headers["WWW-Authenticate"].startswith("Bearer")
        status, _, body = server.post(ARTICLE, headers={"Authorization": "Bearer s3cret-tok"})
        assert status == 202 and raw_keys(settings) == body["ids"]
        assert "s3cret-tok" not in (tmp_path / "ingest.log").read_text()
    finally:
        server.stop()


def test_a_burst_from_concurrent_clients_every_accepted_article_comes_out_enriched(settings, worker, outputs, ingest):
    articles = [
        {"title": r["title"], "body": r["body"], "url": r["url"], "source": "burst"} for r in seed_variants(1000)
    ]

    def client(part: list[dict]) -> list[tuple[int, list[str]]]:
        connection = http.client.HTTPConnection(ingest.settings.ingest_host, ingest.settings.ingest_port, timeout=60)
        try:
            answers = []
            for article in part:
                status, _, data = ingest.request(
                    "POST", "/articles", json.dumps(article).encode(), connection=connection
                )
                answers.append((status, json.loads(data).get("ids", [])))
            return answers
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        answers = [answer for part in pool.map(client, [articles[n::4] for n in range(4)]) for answer in part]
    assert [status for status, _ in answers] == [202] * 1000
    accepted = {article_id for _, ids in answers for article_id in ids}
    assert len(accepted) == 1000
    found = collect_by_key(outputs, accepted, timeout=300)
    assert found.keys() == accepted
    assert {kind for outcomes in found.values() for kind, _ in outcomes} == {"enriched"}
    assert ingest.metric("khabar_ingest_articles_accepted_total") == 1000


def test_while_the_broker_is_down_the_answer_is_503_then_202_once_it_is_back(settings, tmp_path):
    # A broker of this test's own: the session's must stay up for the others.
    broker = LocalBroker(free_port(), free_port(), tmp_path / "kafka", settings.cache_dir)
    broker.up(timeout=180)
    settings = settings.replace(bootstrap_servers=broker.bootstrap, ingest_ack_timeout_s=3.0)
    server = IngestProcess(settings, tmp_path / "ingest.log")
    try:
        first, second = ({**ARTICLE, "url": f"https://news.example/{n}"} for n in (1, 2))
        status, _, body = server.post(first)
        assert status == 202
        accepted = body["ids"]
        broker.down()
        status, headers, body = server.post(second)
        documented(status, headers, body)
        assert status == 503 and headers["Retry-After"] == str(settings.ingest_retry_after_s)
        broker.up(timeout=180)
        deadline = time.monotonic() + 90
        while status == 503 and time.monotonic() < deadline:  # as a client told to retry would
            time.sleep(1)
            status, _, body = server.post(second)
        assert status == 202, body
        accepted += body["ids"]
        assert set(raw_keys(settings)) == set(accepted)
    finally:
        server.stop()
        broker.down()


articles = from_schema(OPENAPI["components"]["schemas"]["FeedArticle"], OPENAPI)
bodies = (
    articles.map(lambda a: (json.dumps(a, ensure_ascii=False).encode(), "application/json"))
    | st.lists(articles, min_size=1, max_size=4).map(
        lambda items: (b"\n".join(json.dumps(a).encode() for a in items), "application/x-ndjson")
    )
    | st.tuples(st.binary(max_size=200), st.sampled_from(["application/json", "application/x-ndjson"]))
)


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_fuzz_from_the_openapi_document_every_answer_is_documented_and_agrees_with_the_producer(ingest, body):
    data, content_type = body
    status, headers, answer = ingest.post(data, content_type=content_type)
    documented(status, headers, answer)
    event(f"answered {status}")  # --hypothesis-show-statistics: how often each answer came
    # The producer's own reading of the same bytes says what the answer must be.
    items = list(read_json_bytes(data, "request", ".jsonl" if content_type == "application/x-ndjson" else ".json"))
    records = [item for item in items if isinstance(item, dict)]
    if items and len(records) == len(items):
        assert status == 202 and answer["ids"] == [record["id"] for record in records]
    else:
        assert status == 400 and len(answer["problems"]) == max(1, len(items) - len(records))
