"""The local Kafka as `khabar kafka up` runs it: one node or a KRaft cluster of three, plaintext or secured.

Every node is a `LocalBroker` (combined broker and controller) with its own ports and home, all formatted with
one cluster id and the same static quorum. Node 1 lives where the single broker always did (state_dir/kafka),
so `khabar run` and `khabar kafka down` find it. A cluster replicates its internal topics 3 times with
min.insync.replicas=2, so it takes writes (acks=all) with any one node down.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from khabar.config import NODE_PORT_STEP, Settings
from khabar.local.broker import BrokerError, LocalBroker, _cluster_id
from khabar.local.secure import MECHANISM, MTLS_PORT_OFFSET, LocalSecurity


def _replication(brokers: int) -> dict[str, str]:
    replicas, in_sync = str(brokers), str(min(brokers, 2))
    return {
        "default.replication.factor": replicas,
        "min.insync.replicas": in_sync,
        "offsets.topic.replication.factor": replicas,
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": in_sync,
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": in_sync,
    }


@dataclass
class LocalCluster:
    nodes: list[LocalBroker]
    security: LocalSecurity | None = None

    @classmethod
    def create(
        cls,
        port: int,
        controller_port: int,
        home: Path,
        cache_dir: Path,
        heap: str = "512m",
        brokers: int = 1,
        secure: bool = False,
    ) -> LocalCluster:
        """Nodes n = 1..brokers on port + 10(n-1) and controller_port + 10(n-1); node 1's home is `home`."""
        if brokers not in (1, 3):
            raise BrokerError(f"a local cluster has 1 or 3 brokers, not {brokers} (a KRaft quorum needs a majority)")
        security = LocalSecurity(home / "security") if secure else None
        if security is not None:
            security.create()
        ports = [(port + NODE_PORT_STEP * n, controller_port + NODE_PORT_STEP * n) for n in range(brokers)]
        voters = ",".join(f"{n + 1}@127.0.0.1:{cport}" for n, (_, cport) in enumerate(ports))
        homes = [home if n == 0 else home.with_name(f"{home.name}-{n + 1}") for n in range(brokers)]
        cluster_id = _shared_cluster_id(homes[0]) if brokers > 1 else None
        nodes = []
        for n, ((client_port, cport), node_home) in enumerate(zip(ports, homes, strict=True)):
            properties = {"node.id": str(n + 1), "controller.quorum.voters": voters}
            if brokers > 1:
                properties.update(_replication(brokers))
            client_config: dict = {}
            if security is not None:
                properties.update(security.broker_properties(client_port, cport))
                client_config = _readiness_config(security)
            nodes.append(
                LocalBroker(
                    client_port,
                    cport,
                    node_home,
                    cache_dir,
                    heap,
                    properties=properties,
                    format_options=security.format_options() if security else [],
                    client_config=client_config,
                    cluster_id=cluster_id,
                )
            )
        return cls(nodes, security)

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalCluster:
        return cls.create(
            settings.kafka_port,
            settings.kafka_controller_port,
            settings.state_dir / "kafka",
            settings.cache_dir,
            settings.kafka_heap,
            settings.kafka_brokers,
            settings.kafka_secure,
        )

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    def up(self, timeout: float = 120.0) -> float:
        """Start every node that is not running, then wait for each; the seconds it took (0: all were up)."""
        started = time.monotonic()
        running = [node.pid() for node in self.nodes]
        if all(running):
            return 0.0
        try:
            # A node waits for a quorum: start them all before waiting for one.
            pids = [pid or node.start() for pid, node in zip(running, self.nodes, strict=True)]
            for pid, node in zip(pids, self.nodes, strict=True):
                node.wait_ready(max(1.0, started + timeout - time.monotonic()), pid)
        except BrokerError:
            self.down()
            raise
        return time.monotonic() - started

    def down(self) -> bool:
        """Stop every node; False if none was running."""
        return any([node.down() for node in self.nodes])

    def client_settings(self, settings: Settings, user: str = "admin", mechanism: str = MECHANISM) -> Settings:
        """`settings` pointed at this cluster (as `user`, by SASL `mechanism`, when it is secured)."""
        settings = settings.replace(bootstrap_servers=self.bootstrap)
        return self.security.client_settings(settings, user, mechanism) if self.security else settings

    def certificate_settings(self, settings: Settings, user: str = "admin") -> Settings:
        """`settings` pointed at this secured cluster's mTLS ports, as `user` by its client certificate."""
        if self.security is None:
            raise BrokerError("the local cluster is not secured: no client certificates (khabar kafka up --secure)")
        mtls = ",".join(f"127.0.0.1:{node.port + MTLS_PORT_OFFSET}" for node in self.nodes)
        return self.security.certificate_settings(settings.replace(bootstrap_servers=mtls), user)


def _readiness_config(security: LocalSecurity) -> dict:
    from khabar import kafka_clients

    return kafka_clients.kafka_python(security.client_settings(Settings(), "admin"))


def _shared_cluster_id(first_home: Path) -> str:
    """One id for every node of the cluster, kept beside node 1 so that a restart formats nothing anew."""
    path = first_home.with_name(f"{first_home.name}.cluster-id")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_cluster_id())
    return path.read_text().strip()
