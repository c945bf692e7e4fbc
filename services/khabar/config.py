"""The one configuration object of khabar.

Every setting is read from an environment variable (``KHABAR_`` + the field name in upper case), typed, with
the documented default below. Code receives a ``Settings`` instance; nothing else reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Where a wheel carries the checkout's schemas/ and deploy/kafka/ (pyproject: force-include).
_PACKAGE_DATA = Path(__file__).resolve().parent / "data"
PROCESSING_GUARANTEES = ("exactly_once", "at_least_once")


def project_path(relative: str) -> Path:
    """A folder of the project (`schemas`, `deploy/kafka`): in the checkout, else in the installed package."""
    packaged = _PACKAGE_DATA / relative
    return packaged if packaged.exists() else PROJECT_ROOT / relative


def _doc(default: Any, help_text: str, secret: bool = False) -> Any:
    return field(default=default, repr=not secret, metadata={"help": help_text, "secret": secret})


# Node n of the local cluster listens on KHABAR_KAFKA_PORT + NODE_PORT_STEP * (n - 1), its controller likewise.
NODE_PORT_STEP = 10
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class Settings:
    # Kafka
    bootstrap_servers: str = _doc(
        "127.0.0.1:9092", "Kafka bootstrap servers (host:port[,host:port]); default: the local broker's port."
    )
    raw_topic: str = _doc("articles.raw", "Topic the producer writes raw articles to.")
    enriched_topic: str = _doc("articles.enriched", "Topic the enricher writes enriched articles to.")
    deadletter_topic: str = _doc(
        "articles.deadletter", "Topic for records that could not be enriched, with the reason."
    )
    topic_partitions: int = _doc(4, "Partitions of the topics khabar creates (scale workers up to this many).")
    replication_factor: int = _doc(1, "Replicas of each topic khabar or Faust creates (3 on a production cluster).")
    min_insync_replicas: int = _doc(
        1,
        "min.insync.replicas of the topics khabar creates: replicas that must "
        "have a write (acks=all) before it counts.",
    )
    # Kafka security: the same for every client (producer, worker, admin, readers); see khabar.kafka_clients
    security_protocol: str = _doc("PLAINTEXT", "How clients talk to Kafka: " + ", ".join(SECURITY_PROTOCOLS) + ".")
    sasl_mechanism: str = _doc("SCRAM-SHA-512", "SASL mechanism with SASL_*: " + ", ".join(SASL_MECHANISMS) + ".")
    sasl_username: str = _doc("", "SASL user name.")
    sasl_password: str = _doc(
        "", "SASL password (prefer KHABAR_SASL_PASSWORD_FILE); never printed or logged.", secret=True
    )
    sasl_password_file: str = _doc(
        "", "File holding the SASL password (its first line), instead of KHABAR_SASL_PASSWORD."
    )
    ssl_cafile: str = _doc("", "PEM file of the CA(s) that signed the brokers' certificates; empty: the system's CAs.")
    ssl_certfile: str = _doc("", "PEM client certificate, for brokers that require one (mTLS).")
    ssl_keyfile: str = _doc("", "PEM private key of the client certificate (unencrypted).")
    ssl_check_hostname: bool = _doc(True, "Check that the broker's certificate names the host connected to.")
    # Local broker (khabar kafka up)
    kafka_port: int = _doc(9092, "Client port of the local broker started by `khabar kafka up`.")
    kafka_controller_port: int = _doc(9093, "KRaft controller port of the local broker.")
    kafka_heap: str = _doc("512m", "Maximum JVM heap of the local broker.")
    kafka_brokers: int = _doc(1, "Nodes of the local cluster (1 or 3); node n listens on KHABAR_KAFKA_PORT + 10·(n-1).")
    kafka_secure: bool = _doc(
        False, "The local broker takes only SASL_SSL (SCRAM-SHA-512) with ACLs; see `khabar kafka up --secure`."
    )
    state_dir: Path = _doc(PROJECT_ROOT / ".khabar", "Where the local broker keeps its data, logs and pid file.")
    cache_dir: Path = _doc(Path.home() / ".cache" / "khabar", "Where resolved broker jars are cached between runs.")
    shared_dir: Path = _doc(
        PROJECT_ROOT.parent / "shared", "Third-party data for training, evaluation and benchmarks (data/, seeds/)."
    )
    # Enricher worker
    app_id: str = _doc("khabar-enricher", "Faust application id (also the consumer group).")
    worker_host: str = _doc("127.0.0.1", "Address the worker's HTTP server (metrics, health) binds to.")
    worker_port: int = _doc(6066, "Port of the worker's HTTP server: /metrics, /healthz, /readyz.")
    session_timeout_s: float = _doc(
        15.0, "Consumer group session timeout: how soon a dead worker's partitions move to a live one."
    )
    batch_size: int = _doc(32, "Most raw records the worker enriches in one batch.")
    batch_timeout_s: float = _doc(0.2, "Longest wait to fill a batch, in seconds.")
    processing_guarantee: str = _doc(
        "exactly_once",
        "'exactly_once': a batch's outputs and input offsets commit in one Kafka transaction "
        "(read them with read_committed); 'at_least_once': cheaper, a crash can repeat a batch's outputs.",
    )
    transaction_timeout_s: float = _doc(
        10.0, "A dead worker's open transaction is aborted after this long (read_committed readers wait for it)."
    )
    max_article_bytes: int = _doc(1_000_000, "Raw records larger than this are dead-lettered, not enriched.")
    max_output_bytes: int = _doc(
        1_000_000, "Enriched records larger than this (the broker's message limit) are dead-lettered."
    )
    ner_backend: str = _doc(
        "khabar", "Entity tagger: 'khabar' (the bundled model) or 'camel' (camel-tools BERT, installed separately)."
    )
    ner_model_path: str = _doc("", "Model directory for the 'camel' backend, or another file for the 'khabar' backend.")
    enriched_schema_version: int = _doc(
        3,
        "Version of the enriched records written: 3, or 2 for consumers not yet moved "
        "(no entity ids, Latin, geo, focus, quotes).",
    )
    # Desk (khabar desk): the live page of the stream
    desk_host: str = _doc("127.0.0.1", "Address the desk's web page binds to (loopback: only this machine can see it).")
    desk_port: int = _doc(6068, "Port of the desk's web page.")
    desk_group: str = _doc("khabar-desk", "Consumer group of the desk (read_committed); each desk needs its own.")
    desk_backlog: int = _doc(200, "Records per partition the desk reads back on start, to fill the page.")
    desk_metrics_urls: str = _doc("", "Comma-separated /metrics URLs of the workers; default: the local worker's.")
    desk_trend_window_s: float = _doc(3600.0, "Trending entities count the articles of this many seconds (event time).")
    # Stories and trending entities (`khabar stories`)
    stories_port: int = _doc(6069, "Port of `khabar stories`' HTTP server: /metrics, /healthz, /readyz.")
    stories_topic: str = _doc("articles.stories", "Topic of each enriched article's story (keyed by article id).")
    storied_topic: str = _doc(
        "articles.storied",
        "Topic of each enriched record (version 3) with its `story` once decided (keyed by article id); "
        "later revisions of a story go to the stories topic.",
    )
    trending_topic: str = _doc("entities.trending", "Topic of the top entities of each window (keyed by window end).")
    story_horizon_s: float = _doc(
        604_800.0, "How far back (event time, seconds) an article can be a near-copy of another: 7 days."
    )
    trending_window_s: float = _doc(3600.0, "Length of a trending window, in seconds of event time.")
    trending_step_s: float = _doc(300.0, "How often a window starts (hopping; equal to the window: tumbling).")
    trending_baseline_windows: int = _doc(
        24, "Windows before the current one that make an entity's baseline for its burst score."
    )
    trending_top: int = _doc(20, "How many entities a window's trending record lists.")
    trending_publish_s: float = _doc(10.0, "How often (wall clock) windows with new mentions are published.")
    stories_yield_lag: int = _doc(
        200,
        "While the enrichment workers are more than this many raw articles behind and working through them, the "
        "stories stage reads no new enriched records, so that enrichment keeps the cores (0: it never yields).",
    )
    stories_yield_s: float = _doc(
        30.0, "The longest the stories stage yields at a stretch; it then reads for as long before it yields again."
    )
    # Producer
    producer_metrics_port: int = _doc(0, "If set, `khabar replay` serves its Prometheus metrics on this port.")
    producer_max_request_bytes: int = _doc(
        8_388_608, "Largest message the producer sends; keep it at or below the broker's message.max.bytes."
    )
    # Ingest endpoint (khabar ingest) and watched inbox (khabar watch)
    ingest_host: str = _doc("127.0.0.1", "Address `khabar ingest` binds to.")
    ingest_port: int = _doc(6067, "Port of `khabar ingest`: POST /articles, /openapi.json, /metrics, /healthz.")
    ingest_token: str = _doc("", "If set, POST /articles needs 'Authorization: Bearer <this>' (else 401).", secret=True)
    ingest_max_body_bytes: int = _doc(8_388_608, "Largest request body `khabar ingest` reads; larger ones get 413.")
    ingest_ack_timeout_s: float = _doc(10.0, "Seconds `khabar ingest` waits for the broker's acks, then answers 503.")
    ingest_retry_after_s: int = _doc(5, "Seconds a 503 from `khabar ingest` asks the client to wait (Retry-After).")
    watch_poll_s: float = _doc(1.0, "How often `khabar watch` looks for new files in its directory, in seconds.")
    feed_page_timeout_s: float = _doc(20.0, "`khabar feed --full-text`: seconds to wait for an item's page.")
    feed_host_interval_s: float = _doc(1.0, "`khabar feed --full-text`: least seconds between requests to one host.")

    def __post_init__(self) -> None:
        if self.security_protocol not in SECURITY_PROTOCOLS:
            raise ValueError(
                f"KHABAR_SECURITY_PROTOCOL={self.security_protocol!r}: use one of {', '.join(SECURITY_PROTOCOLS)}"
            )
        if self.sasl_mechanism not in SASL_MECHANISMS:
            raise ValueError(f"KHABAR_SASL_MECHANISM={self.sasl_mechanism!r}: use one of {', '.join(SASL_MECHANISMS)}")
        if self.sasl_password and self.sasl_password_file:
            raise ValueError("set KHABAR_SASL_PASSWORD or KHABAR_SASL_PASSWORD_FILE, not both")
        if self.processing_guarantee not in PROCESSING_GUARANTEES:
            raise ValueError(
                f"KHABAR_PROCESSING_GUARANTEE={self.processing_guarantee!r} is not one of "
                f"{', '.join(PROCESSING_GUARANTEES)}"
            )

    @property
    def exactly_once(self) -> bool:
        return self.processing_guarantee == "exactly_once"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env: Mapping[str, str] = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"KHABAR_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f, raw)
        values.update(overrides)
        if "bootstrap_servers" not in values and values.keys() & {"kafka_port", "kafka_brokers"}:
            # Moving the local broker (or making it a cluster) moves the default clients with it.
            port = values.get("kafka_port", cls.kafka_port)
            values["bootstrap_servers"] = ",".join(
                f"127.0.0.1:{port + NODE_PORT_STEP * node}" for node in range(values.get("kafka_brokers", 1))
            )
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def to_env(self) -> dict[str, str]:
        """These settings as KHABAR_* variables, to hand to a child process (the worker)."""
        return {f"KHABAR_{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)}

    @property
    def kafka_url(self) -> str:
        return "kafka://" + ";".join(self.bootstrap_servers.split(","))

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(variable, default, help) for every setting: the README table and `khabar config` print this."""
        rows = []
        for f in fields(cls):
            default = f.default
            if isinstance(default, Path):
                default = str(default).replace(str(PROJECT_ROOT), "<project>").replace(str(Path.home()), "~")
            rows.append((f"KHABAR_{f.name.upper()}", str(default), f.metadata["help"]))
        return rows


_BOOLS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _parse_bool(raw: str) -> bool:
    try:
        return _BOOLS[raw.strip().lower()]
    except KeyError:
        raise ValueError(raw) from None


# The annotation (a string, with `from __future__ import annotations`) of each setting type, and its parser.
_PARSERS: dict[str, Callable[[str], Any]] = {"int": int, "float": float, "Path": Path, "str": str, "bool": _parse_bool}


def _coerce(f: dataclasses.Field, raw: str) -> Any:
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    if kind not in _PARSERS:
        raise TypeError(f"setting {f.name} has type {kind}: teach config._PARSERS to read it")
    try:
        return _PARSERS[kind](raw)
    except ValueError as err:
        raise ValueError(f"KHABAR_{f.name.upper()}={raw!r} is not a valid {kind}") from err
