"""The one configuration object of khabar.

Every setting is read from an environment variable (``KHABAR_`` + the field name in upper case), typed, with
the documented default below. Code receives a ``Settings`` instance; nothing else reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Mapping

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Where a wheel carries the checkout's schemas/ and deploy/kafka/ (pyproject: force-include).
_PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def project_path(relative: str) -> Path:
    """A folder of the project (`schemas`, `deploy/kafka`): in the checkout, else in the installed package."""
    packaged = _PACKAGE_DATA / relative
    return packaged if packaged.exists() else PROJECT_ROOT / relative


def _doc(default: Any, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class Settings:
    # Kafka
    bootstrap_servers: str = _doc("127.0.0.1:9092", "Kafka bootstrap servers (host:port[,host:port]); default: the local broker's port.")
    raw_topic: str = _doc("articles.raw", "Topic the producer writes raw articles to.")
    enriched_topic: str = _doc("articles.enriched", "Topic the enricher writes enriched articles to.")
    deadletter_topic: str = _doc("articles.deadletter", "Topic for records that could not be enriched, with the reason.")
    topic_partitions: int = _doc(4, "Partitions of the topics khabar creates (scale workers up to this many).")
    # Local broker (khabar kafka up)
    kafka_port: int = _doc(9092, "Client port of the local broker started by `khabar kafka up`.")
    kafka_controller_port: int = _doc(9093, "KRaft controller port of the local broker.")
    kafka_heap: str = _doc("512m", "Maximum JVM heap of the local broker.")
    state_dir: Path = _doc(PROJECT_ROOT / ".khabar", "Where the local broker keeps its data, logs and pid file.")
    cache_dir: Path = _doc(Path.home() / ".cache" / "khabar", "Where resolved broker jars are cached between runs.")
    shared_dir: Path = _doc(PROJECT_ROOT.parent / "shared", "Third-party data for training, evaluation and benchmarks (data/, seeds/).")
    # Enricher worker
    app_id: str = _doc("khabar-enricher", "Faust application id (also the consumer group).")
    worker_host: str = _doc("127.0.0.1", "Address the worker's HTTP server (metrics, health) binds to.")
    worker_port: int = _doc(6066, "Port of the worker's HTTP server: /metrics, /healthz, /readyz.")
    session_timeout_s: float = _doc(15.0, "Consumer group session timeout: how soon a dead worker's partitions move to a live one.")
    batch_size: int = _doc(32, "Most raw records the worker enriches in one batch.")
    batch_timeout_s: float = _doc(0.2, "Longest wait to fill a batch, in seconds.")
    max_article_bytes: int = _doc(1_000_000, "Raw records larger than this are dead-lettered, not enriched.")
    max_output_bytes: int = _doc(1_000_000, "Enriched records larger than this (the broker's message limit) are dead-lettered.")
    ner_backend: str = _doc("khabar", "Entity tagger: 'khabar' (the bundled model) or 'camel' (camel-tools BERT, installed separately).")
    ner_model_path: str = _doc("", "Model directory for the 'camel' backend, or another file for the 'khabar' backend.")
    enriched_schema_version: int = _doc(3, "Version of the enriched records written: 3, or 2 for consumers not yet moved (no entity ids, Latin, geo, focus, quotes).")
    # Producer
    producer_metrics_port: int = _doc(0, "If set, `khabar replay` serves its Prometheus metrics on this port.")
    producer_max_request_bytes: int = _doc(8_388_608, "Largest message the producer sends; keep it at or below the broker's message.max.bytes.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env: Mapping[str, str] = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"KHABAR_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f, raw)
        values.update(overrides)
        if "bootstrap_servers" not in values and "kafka_port" in values:
            # Moving the local broker moves the default clients with it.
            values["bootstrap_servers"] = f"127.0.0.1:{values['kafka_port']}"
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
