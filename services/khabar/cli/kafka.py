"""`khabar kafka up|down|status`: the local broker (one node or a cluster of three, plaintext or secured)."""

from __future__ import annotations

import click

from khabar.local.broker import BrokerError, kafka_version
from khabar.local.cluster import LocalCluster
from khabar.topics import ensure_topics


@click.group()
def kafka() -> None:
    """Run a local Apache Kafka (KRaft) from the Maven jars: one node, or a cluster of three."""


def _cluster(settings, brokers: int | None = None, secure: bool | None = None) -> LocalCluster:
    changes = {key: value for key, value in (("kafka_brokers", brokers), ("kafka_secure", secure)) if value}
    try:
        return LocalCluster.from_settings(settings.replace(**changes))
    except BrokerError as error:
        raise click.ClickException(str(error)) from error


@kafka.command()
@click.option(
    "--brokers",
    type=click.Choice(["1", "3"]),
    default=None,
    help="Nodes (default KHABAR_KAFKA_BROKERS): 3 replicates every topic 3 times, min.insync.replicas=2.",
)
@click.option(
    "--secure",
    is_flag=True,
    default=None,
    help="SASL_SSL only (SCRAM-SHA-512, a throwaway CA), ACLs for a worker and a producer user "
    "(default KHABAR_KAFKA_SECURE).",
)
@click.pass_obj
def up(settings, brokers, secure) -> None:
    """Start the broker(s) (fetching the jars with Maven the first time) and create khabar's topics."""
    cluster = _cluster(settings, int(brokers) if brokers else None, secure)
    try:
        seconds = cluster.up()
    except BrokerError as error:
        raise click.ClickException(str(error)) from error
    replicas = len(cluster.nodes)
    admin = cluster.client_settings(settings.replace(replication_factor=replicas, min_insync_replicas=min(replicas, 2)))
    ensure_topics(admin)
    state = f"started in {seconds:.1f}s" if seconds else "already running"
    pids = ", ".join(str(node.pid()) for node in cluster.nodes)
    click.echo(
        f"Kafka {kafka_version()} {state} on {cluster.bootstrap} (pid {pids}); logs: "
        f"{', '.join(str(node.log_file) for node in cluster.nodes)}"
    )
    if replicas > 1:
        click.echo(
            f"clients: KHABAR_BOOTSTRAP_SERVERS={cluster.bootstrap} KHABAR_REPLICATION_FACTOR={replicas} "
            f"KHABAR_MIN_INSYNC_REPLICAS={min(replicas, 2)}"
        )
    if cluster.security is not None:
        from khabar.local.secure import grant_least_privilege

        grant_least_privilege(admin, settings)
        click.echo(
            f"SASL_SSL (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN) on {cluster.bootstrap}, no plaintext; ACLs for topics "
            f"{settings.raw_topic}, {settings.enriched_topic}, {settings.deadletter_topic} and group "
            f"{settings.app_id}. Settings per role:"
        )
        for user in ("worker", "producer", "admin"):
            role = cluster.security.client_settings(settings, user)
            click.echo(
                f"  {user + ':':9} KHABAR_SECURITY_PROTOCOL=SASL_SSL "
                f"KHABAR_SASL_MECHANISM={role.sasl_mechanism} KHABAR_SASL_USERNAME={user} "
                f"KHABAR_SASL_PASSWORD_FILE={role.sasl_password_file} "
                f"KHABAR_SSL_CAFILE={role.ssl_cafile}"
            )
        click.echo("Or by client certificate (mTLS), the same roles:")
        for user in ("worker", "producer", "admin"):
            role = cluster.certificate_settings(settings, user)
            click.echo(
                f"  {user + ':':9} KHABAR_BOOTSTRAP_SERVERS={role.bootstrap_servers} KHABAR_SECURITY_PROTOCOL=SSL "
                f"KHABAR_SSL_CERTFILE={role.ssl_certfile} KHABAR_SSL_CAFILE={role.ssl_cafile}"
            )


@kafka.command()
@click.option(
    "--brokers", type=click.Choice(["1", "3"]), default=None, help="Nodes to stop (default KHABAR_KAFKA_BROKERS)."
)
@click.pass_obj
def down(settings, brokers) -> None:
    """Stop the broker(s) started by `khabar kafka up`."""
    click.echo("stopped" if _cluster(settings, int(brokers) if brokers else None).down() else "not running")


@kafka.command()
@click.option(
    "--brokers", type=click.Choice(["1", "3"]), default=None, help="Nodes to look at (default KHABAR_KAFKA_BROKERS)."
)
@click.pass_obj
def status(settings, brokers) -> None:
    """Say whether the local broker(s) run, where, and where the logs are."""
    cluster = _cluster(settings, int(brokers) if brokers else None)
    down = 0
    for node in cluster.nodes:
        pid = node.pid()
        down += pid is None
        state = f"running on {node.bootstrap} (pid {pid})" if pid else f"not running ({node.bootstrap})"
        click.echo(f"Kafka {kafka_version()} {state}; logs: {node.log_file}")
    if down:
        raise SystemExit(1)
