"""docker-compose.yml, the Dockerfile and the Prometheus/Grafana provisioning, checked without Docker.

No Docker engine runs here, so these files are kept correct by construction: every file they refer to exists,
every name one of them gives another (service, port, mount path, datasource uid, setting, command) matches.
"""

from __future__ import annotations

import base64
import fnmatch
import re
from pathlib import Path, PurePosixPath

import dockerfile
import pytest

from khabar.cli import main
from khabar.config import PROJECT_ROOT, Settings
from khabar.local.broker import kafka_version
from support.deploy_files import (
    GRAFANA_DIR,
    PROMETHEUS_DIR,
    RULE_TESTS,
    alert_rules,
    dashboard_queries,
    dashboards,
    load_yaml,
    panels,
)

COMPOSE = load_yaml(PROJECT_ROOT / "docker-compose.yml")
SERVICES = COMPOSE["services"]
KHABAR_SERVICES = ("producer", "enricher", "stories", "ingest")


def env(service: str) -> dict[str, str]:
    return {key: str(value) for key, value in SERVICES[service].get("environment", {}).items()}


def bind_mounts(service: str) -> dict[str, Path]:
    """Container path -> host path of the service's bind mounts (named volumes left out)."""
    mounts = {}
    for volume in SERVICES[service].get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            mounts[target] = (PROJECT_ROOT / source).resolve()
    return mounts


def host_path(service: str, container_path: str) -> Path:
    """Where a path inside the service's container comes from on this side, through its bind mounts."""
    path = PurePosixPath(container_path)
    for target, source in bind_mounts(service).items():
        if path == PurePosixPath(target) or PurePosixPath(target) in path.parents:
            return source / path.relative_to(target)
    raise AssertionError(f"{container_path} of {service} is not in any of its bind mounts")


def test_compose_has_the_pipeline_services():
    assert set(SERVICES) == {"kafka", "producer", "enricher", "stories", "ingest", "prometheus", "grafana"}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_bind_mount_source_exists(service):
    for target, source in bind_mounts(service).items():
        assert source.exists(), f"{service}: {source} (mounted at {target}) does not exist"


def test_kafka_is_the_apache_image_in_kraft_mode_at_the_local_broker_version():
    kafka = env("kafka")
    assert SERVICES["kafka"]["image"] == f"apache/kafka:{kafka_version()}"
    assert set(kafka["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert len(base64.urlsafe_b64decode(kafka["CLUSTER_ID"] + "==")) == 16  # what kafka-storage format accepts
    voter_id, _, voter = kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"].partition("@")
    assert voter_id == kafka["KAFKA_NODE_ID"]
    listeners = dict(item.split("://") for item in kafka["KAFKA_LISTENERS"].split(","))
    assert voter.split(":")[1] == listeners[kafka["KAFKA_CONTROLLER_LISTENER_NAMES"]].split(":")[1]
    advertised = kafka["KAFKA_ADVERTISED_LISTENERS"].removeprefix("PLAINTEXT://")
    for service in KHABAR_SERVICES:
        assert env(service)["KHABAR_BOOTSTRAP_SERVERS"] == advertised
        assert SERVICES[service]["depends_on"]["kafka"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", KHABAR_SERVICES)
def test_khabar_services_use_real_settings_and_commands(service):
    variables = {variable for variable, _, _ in Settings.describe()}
    assert set(env(service)) <= variables, set(env(service)) - variables
    Settings.from_env(env(service))  # every value parses
    program, command, *_ = SERVICES[service]["command"]
    assert program == "khabar" and command in main.commands
    assert (PROJECT_ROOT / SERVICES[service]["build"] / "Dockerfile").is_file()


def test_the_enricher_can_be_scaled():
    enricher = SERVICES["enricher"]
    assert "container_name" not in enricher and "ports" not in enricher  # replicas would clash on either
    assert int(env("enricher")["KHABAR_TOPIC_PARTITIONS"]) > 1  # more replicas than partitions would idle


def test_prometheus_scrapes_the_services_at_their_metrics_ports():
    command = SERVICES["prometheus"]["command"]
    config_path = next(arg.split("=", 1)[1] for arg in command if arg.startswith("--config.file="))
    config_file = host_path("prometheus", config_path)
    assert config_file == PROMETHEUS_DIR / "prometheus.yml"
    config = load_yaml(config_file)
    for rule_file in config["rule_files"]:
        assert (config_file.parent / rule_file).is_file()
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    [enricher_sd] = jobs["khabar-enricher"]["dns_sd_configs"]  # one target per replica
    assert enricher_sd["names"] == ["enricher"] and enricher_sd["port"] == int(env("enricher")["KHABAR_WORKER_PORT"])
    [stories_sd] = jobs["khabar-stories"]["dns_sd_configs"]
    assert stories_sd["names"] == ["stories"] and stories_sd["port"] == int(env("stories")["KHABAR_STORIES_PORT"])
    [producer] = jobs["khabar-producer"]["static_configs"]
    assert producer["targets"] == [f"producer:{env('producer')['KHABAR_PRODUCER_METRICS_PORT']}"]
    [ingest] = jobs["khabar-ingest"]["static_configs"]
    assert ingest["targets"] == [f"ingest:{env('ingest')['KHABAR_INGEST_PORT']}"]
    for service in KHABAR_SERVICES:  # bound to every interface, or unreachable from the prometheus container
        assert env(service)["KHABAR_WORKER_HOST"] == "0.0.0.0"
    assert env("ingest")["KHABAR_INGEST_HOST"] == "0.0.0.0"


def test_grafana_provisions_the_prometheus_datasource_and_the_dashboards():
    provisioning = host_path("grafana", "/etc/grafana/provisioning")
    assert provisioning == GRAFANA_DIR / "provisioning"
    [datasource] = load_yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    assert datasource["type"] == "prometheus" and datasource["url"] == "http://prometheus:9090"
    assert any(port.endswith(":9090") for port in SERVICES["prometheus"]["ports"])
    [provider] = load_yaml(provisioning / "dashboards" / "khabar.yml")["providers"]
    dashboard_dir = host_path("grafana", provider["options"]["path"])
    assert sorted(dashboard_dir.glob("*.json")) == sorted(dashboards()) and dashboards()
    assert host_path("grafana", env("grafana")["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]).is_file()
    for dashboard in dashboards().values():
        for panel in panels(dashboard):
            for item in [panel, *panel.get("targets", [])]:
                assert item["datasource"]["uid"] == datasource["uid"], panel["title"]


def test_dashboard_queries_are_plain_promql():
    """No Grafana variables: the Prometheus test evaluates each expression exactly as Grafana sends it."""
    assert dashboard_queries()
    assert [expr for _, expr in dashboard_queries() if "$" in expr] == []


def test_every_alert_has_a_firing_and_a_quiet_rule_test():
    """tests/prometheus/alerts_test.yml (run by promtool in test_monitoring.py) covers each alert both ways."""
    cases = [case for test in load_yaml(RULE_TESTS)["tests"] for case in test["alert_rule_test"]]
    alerts = {rule["alert"] for rule in alert_rules()}
    assert {case["alertname"] for case in cases if case["exp_alerts"]} == alerts
    assert {case["alertname"] for case in cases if not case["exp_alerts"]} == alerts


def dockerfile_commands() -> list:
    """The Dockerfile's instructions, read by Docker's own parser (BuildKit's, compiled into the package)."""
    return list(dockerfile.parse_file(str(PROJECT_ROOT / "Dockerfile")))


def final_stage() -> list:
    """The instructions of the image's own stage (after the last FROM); earlier stages only build."""
    commands = dockerfile_commands()
    last = max(i for i, command in enumerate(commands) if command.cmd == "FROM")
    return commands[last:]


def instruction(name: str):
    [found] = [command for command in final_stage() if command.cmd == name]
    return found


def copied_from_stage(command) -> str | None:
    return next((flag.split("=", 1)[1] for flag in command.flags if flag.startswith("--from=")), None)


def dockerignored(path: str) -> bool:
    patterns = [
        line for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")
    ]
    return any(fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/") for pattern in patterns)


def test_dockerfile_copies_existing_files_that_the_context_keeps():
    copies = [command for command in dockerfile_commands() if command.cmd == "COPY"]
    sources = [source for command in copies if copied_from_stage(command) is None for source in command.value[:-1]]
    assert {"pyproject.toml", "uv.lock", "services", "schemas"} <= set(sources)
    for source in sources:
        assert (PROJECT_ROOT / source).exists(), source
        assert not dockerignored(source), f"{source} is copied but excluded by .dockerignore"
    # What is copied from another stage comes from one defined before it.
    stages: list[str] = []
    for command in dockerfile_commands():
        if command.cmd == "FROM" and len(command.value) == 3 and command.value[1].upper() == "AS":
            stages.append(command.value[2])
        if command.cmd == "COPY" and copied_from_stage(command) is not None:
            assert copied_from_stage(command) in stages, command.original
    assert not dockerignored("services/text-core/src/lib.rs") and dockerignored("services/text-core/target")


def test_dockerfile_installs_the_locked_environment_and_runs_khabar():
    runs = [command.value[0] for command in dockerfile_commands() if command.cmd == "RUN"]
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs and all("--frozen" in run for run in syncs)
    python = re.match(r"python:(\d+)\.(\d+)", instruction("FROM").value[0]).groups()
    required = re.search(r'requires-python = ">=(\d+)\.(\d+)"', (PROJECT_ROOT / "pyproject.toml").read_text()).groups()
    assert tuple(map(int, python)) >= tuple(map(int, required))
    # The worker writes to KHABAR_STATE_DIR: it must be the home of the (non-root) user the image runs as.
    environment = dict(zip(instruction("ENV").value[::2], instruction("ENV").value[1::2]))
    user = instruction("USER").value[0]
    assert any(f"--home-dir {environment['KHABAR_STATE_DIR']} --create-home {user}" in run for run in runs)
    program, command = instruction("CMD").value
    assert instruction("CMD").json and program == "khabar" and command in main.commands
