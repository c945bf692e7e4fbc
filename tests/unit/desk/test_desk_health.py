"""Pipeline health from the workers' Prometheus text: counters become rates, lag adds up."""

from __future__ import annotations

from khabar.desk.health import Health, parse_metrics

PAGE = """# HELP khabar_articles_received_total Raw messages taken from the raw topic.
# TYPE khabar_articles_received_total counter
khabar_articles_received_total {received}
# TYPE khabar_articles_enriched_total counter
khabar_articles_enriched_total {enriched}
# TYPE khabar_articles_deadlettered_total counter
khabar_articles_deadlettered_total{{reason="not_json"}} {dead}
khabar_articles_deadlettered_total{{reason="too_large"}} 1.0
# TYPE khabar_consumer_lag_messages gauge
khabar_consumer_lag_messages{{partition="0",topic="articles.raw"}} 4.0
khabar_consumer_lag_messages{{partition="1",topic="articles.raw"}} 6.0
"""


def page(received: float, enriched: float, dead: float) -> str:
    return PAGE.format(received=received, enriched=enriched, dead=dead)


def test_the_figures_of_one_worker():
    figures = parse_metrics(page(10, 8, 1))
    assert (figures.received, figures.enriched, figures.deadlettered, figures.lag) == (10, 8, 2, 10)
    assert figures.deadlettered_by_reason == {"not_json": 1, "too_large": 1}


def test_rates_between_scrapes_summed_over_workers_and_a_worker_down():
    now = [0.0]
    health = Health(["http://a/metrics", "http://b/metrics"], clock=lambda: now[0])
    health.update("http://a/metrics", page(10, 8, 1))
    health.update("http://b/metrics", page(0, 0, 0))
    now[0] = 5.0
    rows = [health.update("http://a/metrics", page(60, 48, 6)), health.update("http://b/metrics", page(5, 5, 0))]
    report = health.report(rows)
    assert (report["up"], report["rate_in"], report["rate_out"], report["rate_dead"], report["lag"]) == (
        2,
        11.0,
        9.0,
        1.0,
        20,
    )
    down = health.report([rows[0], health.update("http://b/metrics", None, "ClientConnectorError")])
    assert (down["up"], down["rate_in"], down["lag"]) == (1, 10.0, 10)
    assert down["workers"][1] == {"url": "http://b/metrics", "up": False, "error": "ClientConnectorError"}


def test_a_restarted_worker_counts_from_zero_not_negative():
    now = [0.0]
    health = Health(["u"], clock=lambda: now[0])
    health.update("u", page(100, 100, 0))
    now[0] = 2.0
    report = health.report([health.update("u", page(4, 4, 0))])
    assert report["rate_in"] == 2.0
