"""docker-compose.yml, the Dockerfile and the Prometheus/Grafana provisioning, checked without Docker.

No Docker engine runs here, so these files are kept correct by construction: every file they refer to exists,
every name one of them gives another (service, port, mount path, datasource uid, setting, command) matches.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import re
import shlex
from pathlib import Path, PurePosixPath

import pytest

from deploy_files import GRAFANA_DIR, PROMETHEUS_DIR, dashboard_queries, dashboards, load_yaml, panels
from khabar.broker.local import kafka_version
from khabar.cli import main
from khabar.config import PROJECT_ROOT, Settings

COMPOSE = load_yaml(PROJECT_ROOT / "docker-compose.yml")
SERVICES = COMPOSE["services"]
KHABAR_SERVICES = ("producer", "enricher")


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
    assert set(SERVICES) == {"kafka", "producer", "enricher", "prometheus", "grafana"}


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
    [producer] = jobs["khabar-producer"]["static_configs"]
    assert producer["targets"] == [f"producer:{env('producer')['KHABAR_PRODUCER_METRICS_PORT']}"]
    for service in KHABAR_SERVICES:  # bound to every interface, or unreachable from the prometheus container
        assert env(service)["KHABAR_WORKER_HOST"] == "0.0.0.0"


def test_grafana_provisions_the_prometheus_datasource_and_the_dashboards():
    provisioning = host_path("grafana", "/etc/grafana/provisioning")
    assert provisioning == GRAFANA_DIR / "provisioning"
    [datasource] = load_yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    assert datasource["type"] == "prometheus" and datasource["url"] == "http://prometheus:9090"
    assert "9090:9090" in SERVICES["prometheus"]["ports"]
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


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (PROJECT_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [tuple(line.split(None, 1)) for line in text.splitlines() if line.strip() and not line.startswith("#")]


def dockerignored(path: str) -> bool:
    patterns = [line for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
                if line and not line.startswith("#")]
    return any(fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/") for pattern in patterns)


def test_dockerfile_copies_existing_files_that_the_context_keeps():
    copies = [shlex.split(arguments)[:-1] for instruction, arguments in dockerfile_instructions()
              if instruction == "COPY"]
    sources = [source for sources in copies for source in sources]
    assert {"pyproject.toml", "uv.lock", "services", "schemas"} <= set(sources)
    for source in sources:
        assert (PROJECT_ROOT / source).exists(), source
        assert not dockerignored(source), f"{source} is copied but excluded by .dockerignore"


def test_dockerfile_installs_the_locked_environment_and_runs_khabar():
    instructions = dockerfile_instructions()
    syncs = [arguments for instruction, arguments in instructions if instruction == "RUN" and "uv sync" in arguments]
    assert syncs and all("--frozen" in command for command in syncs)
    base = next(arguments for instruction, arguments in instructions if instruction == "FROM")
    python = re.match(r"python:(\d+\.\d+)", base).group(1)
    required = re.search(r'requires-python = ">=(\d+\.\d+)"', (PROJECT_ROOT / "pyproject.toml").read_text()).group(1)
    assert tuple(map(int, python.split("."))) >= tuple(map(int, required.split(".")))
    # The worker writes to KHABAR_STATE_DIR: it must be the home the image's (non-root) user owns.
    state_dir = re.search(r"KHABAR_STATE_DIR=(\S+)", dict(instructions)["ENV"]).group(1)
    user = dict(instructions)["USER"]
    assert any(f"--home-dir {state_dir} --create-home {user}" in arguments
               for instruction, arguments in instructions if instruction == "RUN")
    program, command = json.loads(dict(instructions)["CMD"])
    assert program == "khabar" and command in main.commands
