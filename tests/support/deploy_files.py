"""Readers of the deployment files (deploy/, docker-compose.yml), shared by the unit and the Prometheus tests."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from khabar.config import PROJECT_ROOT

PROMETHEUS_DIR = PROJECT_ROOT / "deploy" / "prometheus"
GRAFANA_DIR = PROJECT_ROOT / "deploy" / "grafana"
DASHBOARDS_DIR = GRAFANA_DIR / "dashboards"
RULE_TESTS = PROJECT_ROOT / "tests" / "prometheus" / "alerts_test.yml"  # `promtool test rules` cases


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dashboards() -> dict[Path, dict]:
    return {path: json.loads(path.read_text(encoding="utf-8")) for path in sorted(DASHBOARDS_DIR.glob("*.json"))}


def panels(dashboard: dict) -> list[dict]:
    """Every panel of a dashboard, those inside rows included."""

    def walk(items):
        for panel in items:
            yield panel
            yield from walk(panel.get("panels", []))

    return list(walk(dashboard["panels"]))


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title, PromQL expression) of every target of every dashboard."""
    return [
        (panel["title"], target["expr"])
        for dashboard in dashboards().values()
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
    ]


def alert_rules() -> list[dict]:
    return [rule for group in load_yaml(PROMETHEUS_DIR / "alerts.yml")["groups"] for rule in group["rules"]]
