"""`khabar bench pipeline` runs on the real broker and prints every figure (tiny run: no timing is asserted)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from kafka import KafkaAdminClient

from khabar.cli import main

pytestmark = pytest.mark.integration

FIELDS = {
    "articles",
    "mb",
    "partitions",
    "articles_per_s",
    "mb_s",
    "rss_mb_warm",
    "offered_articles_per_s",
    "latency_articles",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "soak_articles",
    "rss_mb_after",
    "rss_growth_pct",
    "passthrough_articles_per_s",
    "agent_passthrough_articles_per_s",
    "ratio_to_passthrough",
    "scaleout_articles_per_s",
    "scaleout_ratio",
    "stories_baseline_articles_per_s",
    "stories_articles_per_s",
    "stories_cost_pct",
    "stories_done_s",
    "stories_articles_per_s_no_yield",
    "stories_cost_pct_no_yield",
    "stories_done_s_no_yield",
    "library_articles_per_s",
    "ner_model",
    "deadlettered",
    "cores",
    "cpu",
    "memory_gb",
    "python_version",
    "kafka_version",
    "faust_streaming_version",
    "aiokafka_version",
    "kafka_python_version",
    "khabar_version",
}


def test_bench_pipeline_prints_every_figure_and_leaves_nothing_behind(shared_dir, kafka_broker, settings):
    # The bench reuses a running local broker, found by its pid file under KHABAR_STATE_DIR/kafka: point that at
    # the session broker rather than starting a second one.
    settings.state_dir.mkdir(parents=True)
    (settings.state_dir / "kafka").symlink_to(kafka_broker.home)
    env = {
        f"KHABAR_{name}": str(value)
        for name, value in (
            ("KAFKA_PORT", kafka_broker.port),
            ("KAFKA_CONTROLLER_PORT", kafka_broker.controller_port),
            ("STATE_DIR", settings.state_dir),
            ("SHARED_DIR", shared_dir),
        )
    }
    result = CliRunner().invoke(
        main,
        ["bench", "pipeline", "--articles", "12", "--soak", "--soak-articles", "8", "--stories", "--json"],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.splitlines()[-1])

    assert set(figures) == FIELDS
    assert figures["articles"] == 12 and figures["partitions"] == 4 and figures["deadlettered"] == 0
    assert figures["soak_articles"] == 8 and figures["cores"] >= 1
    for name in (
        "articles_per_s",
        "passthrough_articles_per_s",
        "agent_passthrough_articles_per_s",
        "scaleout_articles_per_s",
        "stories_baseline_articles_per_s",
        "stories_articles_per_s",
        "stories_articles_per_s_no_yield",
        "library_articles_per_s",
        "mb_s",
        "rss_mb_warm",
        "rss_mb_after",
        "offered_articles_per_s",
    ):
        assert figures[name] > 0, name
    assert figures["ratio_to_passthrough"] == pytest.approx(
        figures["articles_per_s"] / figures["passthrough_articles_per_s"], rel=0.02
    )
    assert figures["offered_articles_per_s"] == pytest.approx(figures["articles_per_s"] / 2, rel=0.02)
    for suffix in ("", "_no_yield"):
        assert figures[f"stories_cost_pct{suffix}"] == pytest.approx(
            100 * (1 - figures[f"stories_articles_per_s{suffix}"] / figures["stories_baseline_articles_per_s"]),
            abs=1.5,
        )
        assert figures[f"stories_done_s{suffix}"] >= 0
    assert 1 <= figures["latency_articles"] <= 12
    assert 0 <= figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]

    assert kafka_broker.pid() is not None, "the bench stopped a broker it did not start"
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        assert not [t for t in admin.list_topics() if t.startswith("bench-")], "the bench left its topics"
    finally:
        admin.close()
    assert not list((settings.state_dir / "bench").iterdir()), "the bench left its working files"
