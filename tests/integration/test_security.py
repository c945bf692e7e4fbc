"""khabar on a secured broker (`khabar kafka up --secure`): SASL_SSL (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN) and,
on the next port, SSL with required client certificates (mTLS); a throwaway CA, StandardAuthorizer with
least-privilege ACLs. The pipeline works end to end by each mechanism and by certificate (the producer, the
worker's batch loop, Faust and the lag reader all log in by it); a wrong password, an untrusted certificate, a
missing client certificate and a principal without the ACL each fail at once with an error naming the cause."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from khabar import schemas
from khabar.cli import main
from khabar.config import PROJECT_ROOT, Settings
from khabar.local.cluster import LocalCluster
from khabar.local.outputs import OutputReader
from khabar.local.ports import free_port
from khabar.local.secure import MECHANISMS, USERS, LocalSecurity, grant_least_privilege
from khabar.local.worker import WorkerProcess
from khabar.producer.replay import Replayer
from khabar.topics import ensure_topics
from support.articles import seed_variants
from support.kafka import collect_by_key, own_settings

pytestmark = [pytest.mark.integration, pytest.mark.security]

# A refusal must come well before the client libraries' own 30 s bootstrap timeout.
FAST_S = 10
SEEDS = str(PROJECT_ROOT / "seeds")


@pytest.fixture(scope="module")
def secure_cluster(tmp_path_factory):
    cluster = LocalCluster.create(
        free_port(),
        free_port(),
        tmp_path_factory.mktemp("secure") / "kafka",
        Settings().cache_dir,
        heap="384m",
        secure=True,
    )
    cluster.up(timeout=180)
    yield cluster
    cluster.down()


@pytest.fixture
def base(secure_cluster, tmp_path) -> Settings:
    """This test's topics and group on the secured broker, created by the admin, with the ACLs of both roles."""
    settings = own_settings(tmp_path / "state")
    admin = secure_cluster.client_settings(settings, "admin")
    ensure_topics(admin)
    grant_least_privilege(admin, settings)
    return settings


def khabar(settings: Settings, *args: str):
    """Run a khabar command as a user would, with `settings` as its environment; (result, seconds)."""
    started = time.monotonic()
    result = CliRunner().invoke(main, list(args), env=settings.to_env())
    return result, time.monotonic() - started


def run_pipeline(secure_cluster: LocalCluster, base: Settings, as_worker: Settings, as_producer: Settings, tmp_path):
    """Ten articles and a dead letter through the worker (its batch loop, Faust, the lag reader) as `as_worker`,
    sent as `as_producer`, read back as the admin; no secret in the worker's log nor in the dead letter."""
    reader = OutputReader(secure_cluster.client_settings(base, "admin"))
    worker = WorkerProcess(as_worker, tmp_path / "worker.log").start()
    try:
        records = seed_variants(10)
        replayer = Replayer(as_producer)
        report = replayer.replay(records)
        replayer.send("broken", b"broken", b'{"title": "unterminated', report)  # a dead letter too
        replayer.flush()
        replayer.close()
        assert not report.failed and len(report.sent) == 11
        found = collect_by_key(reader, {r["id"] for r in records} | {"broken"}, timeout=120)
        # The lag reader (aiokafka's admin client) connects the same way: the worker exports the raw topic's lag.
        lag_line = f'khabar_consumer_lag_messages{{partition="0",topic="{base.raw_topic}"}}'
        deadline = time.monotonic() + 30
        while lag_line not in worker.get("/metrics")[1].decode() and time.monotonic() < deadline:
            time.sleep(1)
        assert lag_line in worker.get("/metrics")[1].decode(), worker.log_tail()
    finally:
        worker.stop()
        reader.close()
    assert {key: [kind for kind, _ in results] for key, results in found.items()} == {
        **{r["id"]: ["enriched"] for r in records},
        "broken": ["deadletter"],
    }
    schemas.validate(schemas.DEADLETTER, found["broken"][0][1])
    shown = worker.log_path.read_text(errors="replace") + str(found["broken"][0][1])
    assert not [user for user in USERS if secure_cluster.security.password(user) in shown]
    assert "PRIVATE KEY" not in shown


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_the_pipeline_works_end_to_end_over_sasl_ssl_with_least_privilege(secure_cluster, base, tmp_path, mechanism):
    as_worker, as_producer = (secure_cluster.client_settings(base, user, mechanism) for user in ("worker", "producer"))
    assert as_worker.security_protocol == "SASL_SSL" and as_worker.ssl_check_hostname
    assert as_worker.sasl_mechanism == mechanism
    run_pipeline(secure_cluster, base, as_worker, as_producer, tmp_path)


def test_the_pipeline_works_end_to_end_by_client_certificates_with_least_privilege(secure_cluster, base, tmp_path):
    """mTLS: no password at all; the broker takes each client's certificate CN as its principal, so the same
    ACLs hold (the producer's certificate may only write the raw topic, below)."""
    as_worker, as_producer = (secure_cluster.certificate_settings(base, user) for user in ("worker", "producer"))
    assert as_worker.security_protocol == "SSL" and as_worker.ssl_certfile and not as_worker.sasl_username
    run_pipeline(secure_cluster, base, as_worker, as_producer, tmp_path)
    result, seconds = khabar(secure_cluster.certificate_settings(base, "producer"), "worker")
    assert result.exit_code == 1 and seconds < FAST_S
    assert f"may not describe or create the topic(s) {base.enriched_topic}" in result.output, result.output


def test_the_certificate_port_refuses_a_client_without_a_certificate_at_once(secure_cluster, base):
    settings = secure_cluster.certificate_settings(base, "producer").replace(ssl_certfile="")
    result, seconds = khabar(settings, "replay", SEEDS)
    assert result.exit_code == 1 and seconds < FAST_S, (seconds, result.output)
    assert "KHABAR_SSL_CERTFILE" in result.output, result.output


def test_no_port_takes_plaintext(secure_cluster, base):
    for node in secure_cluster.nodes:
        protocols = dict(pair.split(":") for pair in node.properties["listener.security.protocol.map"].split(","))
        assert set(protocols.values()) == {"SSL", "SASL_SSL"}
        assert all(listener.split(":")[0] in protocols for listener in node.properties["listeners"].split(","))
    plaintext = base.replace(bootstrap_servers=secure_cluster.bootstrap)
    result, seconds = khabar(plaintext, "replay", SEEDS)
    assert result.exit_code == 1 and seconds < FAST_S
    assert "(PLAINTEXT) broke off the connection" in result.output and "KHABAR_SECURITY_PROTOCOL" in result.output


def test_a_wrong_password_fails_at_once_naming_the_user(secure_cluster, base, tmp_path):
    wrong = tmp_path / "wrong.password"
    wrong.write_text("not-the-password\n")
    for command in (["replay", SEEDS], ["worker"]):
        user = "producer" if command[0] == "replay" else "worker"
        settings = secure_cluster.client_settings(base, user).replace(sasl_password_file=str(wrong))
        result, seconds = khabar(settings, *command)
        assert result.exit_code == 1 and seconds < FAST_S, (seconds, result.output)
        assert f"refused the SCRAM-SHA-512 credentials of user '{user}'" in result.output, result.output
        assert "not-the-password" not in result.output


def test_an_untrusted_certificate_fails_at_once(secure_cluster, base, tmp_path):
    other_ca = LocalSecurity(tmp_path / "other")
    other_ca.create()
    settings = secure_cluster.client_settings(base, "producer").replace(ssl_cafile=str(other_ca.ca_file))
    result, seconds = khabar(settings, "replay", SEEDS)
    assert result.exit_code == 1 and seconds < FAST_S
    assert "is not trusted" in result.output and "KHABAR_SSL_CAFILE" in result.output, result.output


def test_a_principal_without_the_acl_is_refused_with_the_reason(secure_cluster, base):
    # The producer may only write the raw topic: as a worker it may not even see the output topics.
    result, seconds = khabar(secure_cluster.client_settings(base, "producer"), "worker")
    assert result.exit_code == 1 and seconds < FAST_S
    assert f"user 'producer' may not describe or create the topic(s) {base.enriched_topic}" in result.output
    # The worker may read the raw topic but not write it: every article is refused, by name, at once.
    result, seconds = khabar(secure_cluster.client_settings(base, "worker"), "replay", SEEDS)
    assert result.exit_code == 1 and seconds < FAST_S
    assert f"TopicAuthorizationFailedError: [Error 29] TopicAuthorizationFailedError: {base.raw_topic}" in result.output
