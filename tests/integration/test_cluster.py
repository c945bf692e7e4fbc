"""khabar on a 3-node KRaft cluster (`khabar kafka up --brokers 3`): topics replicated 3 times with
min.insync.replicas=2; the raw topic's partition leader killed mid-replay and restarted later loses nothing and
duplicates nothing (read_committed)."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from khabar import kafka_clients
from khabar.config import NODE_PORT_STEP, Settings
from khabar.local.cluster import LocalCluster
from khabar.local.outputs import OutputReader
from khabar.local.ports import free_port
from khabar.local.worker import WorkerProcess
from khabar.producer.replay import Replayer
from khabar.topics import ensure_topics, khabar_topics
from support.articles import seed_variants
from support.kafka import origin_key

pytestmark = [pytest.mark.integration, pytest.mark.cluster, pytest.mark.chaos]


def free_node_ports() -> int:
    """A port p with p, p + 10 and p + 20 free (the client ports of nodes 1-3, or their controller ports)."""
    while True:
        port = free_port()
        if port + 2 * NODE_PORT_STEP < 65536 and all(_free(port + NODE_PORT_STEP * n) for n in (1, 2)):
            return port


def _free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = LocalCluster.create(
        free_node_ports(),
        free_node_ports(),
        tmp_path_factory.mktemp("cluster") / "kafka",
        Settings().cache_dir,
        heap="384m",
        brokers=3,
    )
    cluster.up(timeout=240)
    yield cluster
    cluster.down()


def test_killing_the_raw_partition_leader_mid_replay_loses_no_article(cluster, tmp_path):
    settings = cluster.client_settings(
        Settings.from_env(
            {},
            app_id="khabar-cluster-test",
            topic_partitions=2,
            replication_factor=3,
            min_insync_replicas=2,
            state_dir=tmp_path / "state",
            worker_port=free_port(),
        )
    )
    ensure_topics(settings)
    admin = kafka_clients.connect(KafkaAdminClient, settings)
    try:
        # A node that has not yet caught up with the new topics answers with no configs, or with no partitions
        # (CI-style runs): both are asked again.
        deadline = time.monotonic() + 30
        while True:
            described = {t["name"]: t["partitions"] for t in admin.describe_topics(khabar_topics(settings))}
            configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, settings.raw_topic)])
            raw_configs = configs["topic"].get(settings.raw_topic, {})
            complete = all(len(partitions) == settings.topic_partitions for partitions in described.values())
            if (complete and "min.insync.replicas" in raw_configs) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        admin.close()
    assert all(len(p["replica_nodes"]) == 3 for partitions in described.values() for p in partitions)
    assert raw_configs["min.insync.replicas"]["value"] == "2", configs
    leader = next(p["leader_id"] for p in described[settings.raw_topic] if p["partition_index"] == 0)
    victim = cluster.nodes[leader - 1]

    reader = OutputReader(settings)
    worker = WorkerProcess(settings, tmp_path / "worker.log").start()
    records = seed_variants(300)
    ids = {r["id"] for r in records}
    replayer = Replayer(settings)
    reports = []
    sending = threading.Thread(target=lambda: reports.append(replayer.replay(records, rate=40)))
    found: dict[str, list[str]] = {}
    try:
        sending.start()
        time.sleep(3)  # mid-replay: about 120 of 300 sent
        os.kill(victim.pid(), signal.SIGKILL)
        killed = last = time.monotonic()
        restart = threading.Timer(20, victim.up, kwargs={"timeout": 180})
        restart.start()
        longest_pause = 0.0  # between two outputs after the kill: the time the pipeline took to recover
        deadline = killed + 240
        while found.keys() < ids and time.monotonic() < deadline:
            for kind, record in reader.records():
                if origin_key(kind, record) in ids:
                    now = time.monotonic()
                    longest_pause, last = max(longest_pause, now - last), now
                    found.setdefault(origin_key(kind, record), []).append(kind)
        # A few seconds more, for copies that would come after the last first one: exactly once, not at least.
        settle = time.monotonic() + 5
        while time.monotonic() < settle:
            for kind, record in reader.records():
                if origin_key(kind, record) in ids:
                    found.setdefault(origin_key(kind, record), []).append(kind)
        sending.join(60)
        restart.join(200)
    finally:
        replayer.close()
        worker.stop()
        reader.close()
    report = reports[0]
    assert not report.failed and len(report.sent) == 300, report.failed[:3]
    lost = ids - found.keys()
    duplicated = sum(len(kinds) - 1 for kinds in found.values())
    print(
        f"\ncluster chaos: node {leader} (leader of raw[0]) SIGKILLed mid-replay, restarted 20 s later; "
        f"messages 300, lost {len(lost)}, duplicated {duplicated}, longest pause in outputs {longest_pause:.1f}s, "
        f"all out {last - killed:.1f}s after the kill"
    )
    assert not lost, f"lost: {sorted(lost)[:5]}\n{worker.log_tail()}"
    assert not duplicated, f"{duplicated} duplicated under read_committed\n{worker.log_tail()}"
    assert all(kind == "enriched" for kinds in found.values() for kind in kinds)
    assert victim.pid() is not None  # restarted, and rejoined
