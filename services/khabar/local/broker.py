"""A real single-node Apache Kafka broker (KRaft) run from the Maven jars, for local runs and tests.

`LocalBroker.up()` resolves `deploy/kafka/pom.xml` with Maven into a cache reused across runs, formats the
log directory once, starts `kafka.Kafka` with a bounded heap and returns when the broker answers a metadata
request. `down()` stops it by the recorded pid.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from khabar.config import Settings, project_path

log = logging.getLogger(__name__)
DEPLOY_DIR = project_path("deploy/kafka")


class BrokerError(RuntimeError):
    """The local broker could not be obtained or started; the message says what to do."""


def kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", (DEPLOY_DIR / "pom.xml").read_text())
    if match is None:
        raise BrokerError(f"{DEPLOY_DIR / 'pom.xml'} names no <kafka.version>")
    return match.group(1)


@dataclass
class LocalBroker:
    port: int
    controller_port: int
    home: Path  # data, logs and pid file of this broker
    cache_dir: Path
    heap: str = "512m"
    # A node of a cluster or a secured broker (khabar.local.cluster): these properties override the template's,
    # these options are added to the storage tool's `format`, and the readiness check connects with this config.
    properties: dict[str, str] = field(default_factory=dict)
    format_options: list[str] = field(default_factory=list)
    client_config: dict = field(default_factory=dict)
    cluster_id: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalBroker:
        return cls(
            settings.kafka_port,
            settings.kafka_controller_port,
            settings.state_dir / "kafka",
            settings.cache_dir,
            settings.kafka_heap,
        )

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "server.log"

    @property
    def lib_dir(self) -> Path:
        return self.cache_dir / f"kafka-{kafka_version()}" / "lib"

    # --- lifecycle -------------------------------------------------------------------------------------------

    def up(self, timeout: float = 90.0) -> float:
        """Start the broker unless it already runs; return the seconds it took to become ready."""
        started = time.monotonic()
        pid = self.pid()
        if pid is not None:
            self.wait_ready(timeout, pid)
            return 0.0
        pid = self.start()
        try:
            self.wait_ready(timeout, pid)
        except BrokerError:
            self.down()
            raise
        return time.monotonic() - started

    def start(self) -> int:
        """Start the broker's process (a cluster starts every node before waiting for any) and return its pid."""
        for port in (self.port, self.controller_port):
            if _port_open(port):
                raise BrokerError(
                    f"port {port} is already in use by another program: stop it, or choose free ports "
                    "with KHABAR_KAFKA_PORT and KHABAR_KAFKA_CONTROLLER_PORT"
                )
        self.resolve_jars()
        config = self._write_config()
        self._format(config)
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        out = open(self.home / "logs" / "stdout.log", "ab")
        proc = subprocess.Popen(
            [
                self._java(),
                f"-Xmx{self.heap}",
                f"-Xms{self.heap}",
                "-XX:+UseG1GC",
                "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={DEPLOY_DIR / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={self.home / 'logs'}",
                "-cp",
                f"{self.lib_dir}/*",
                "kafka.Kafka",
                str(config),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the user's terminal must not kill the broker mid-write
        )
        out.close()
        self.pid_file.write_text(str(proc.pid))
        return proc.pid

    def down(self, timeout: float = 30.0) -> bool:
        """Stop the broker by its pid (controlled shutdown, then SIGKILL); False if it was not running."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True

    def pid(self) -> int | None:
        """The pid of the running broker, or None; a stale pid file is removed."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if _alive(pid) and "kafka.Kafka" in _cmdline(pid):
            return pid
        self.pid_file.unlink(missing_ok=True)
        return None

    def wait_ready(self, timeout: float, pid: int) -> None:
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        deadline = time.monotonic() + timeout
        while True:
            if not _alive(pid):
                raise BrokerError(f"the broker exited during start-up; see {self.log_file}:\n{self.log_tail()}")
            if not _port_open(self.port):  # cheap check first: the client's own retries back off for seconds
                if time.monotonic() > deadline:
                    raise BrokerError(
                        f"the broker did not open {self.bootstrap} within {timeout:.0f}s; see {self.log_file}"
                    )
                time.sleep(0.2)
                continue
            try:
                admin = KafkaAdminClient(
                    **{**self.client_config, "bootstrap_servers": self.bootstrap}, request_timeout_ms=3000
                )
                try:
                    admin.describe_cluster()
                    return
                finally:
                    admin.close()
            except (KafkaError, OSError) as err:
                if time.monotonic() > deadline:
                    raise BrokerError(
                        f"the broker on {self.bootstrap} did not answer within {timeout:.0f}s "
                        f"({err}); see {self.log_file}"
                    ) from err
            time.sleep(0.3)

    def log_tail(self, lines: int = 20) -> str:
        for path in (self.log_file, self.home / "logs" / "stdout.log"):
            if path.exists():
                return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log written)"

    # --- set-up ----------------------------------------------------------------------------------------------

    def resolve_jars(self) -> Path:
        """Copy kafka_2.13 and its runtime dependencies from Maven into the cache, once."""
        if self.lib_dir.is_dir() and any(self.lib_dir.glob("kafka_2.13-*.jar")):
            return self.lib_dir
        mvn = shutil.which("mvn")
        if mvn is None:
            raise BrokerError(
                "Maven (mvn) is not on PATH: install it (apt-get install maven) to fetch the Kafka broker"
            )
        self.lib_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="lib-", dir=self.lib_dir.parent))
        log.info("resolving Apache Kafka %s with Maven into %s", kafka_version(), self.lib_dir)
        result = subprocess.run(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(DEPLOY_DIR / "pom.xml"),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={staging}",
                "-DincludeScope=runtime",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise BrokerError(
                "Maven could not resolve org.apache.kafka:kafka_2.13:"
                f"{kafka_version()}:\n{(result.stdout + result.stderr)[-3000:]}"
            )
        staging.rename(self.lib_dir)  # atomic: a half-copied cache is never used
        return self.lib_dir

    def _write_config(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        config = self.home / "server.properties"
        text = (DEPLOY_DIR / "server.properties").read_text()
        text = text.format(port=self.port, controller_port=self.controller_port, data_dir=self.home / "data")
        # Java's Properties keeps the last of two equal keys: the overrides come after the template.
        config.write_text(text + "".join(f"{key}={value}\n" for key, value in self.properties.items()))
        return config

    def _format(self, config: Path) -> None:
        if (self.home / "data" / "meta.properties").exists():
            return
        cluster_id = self.cluster_id or _cluster_id()
        result = subprocess.run(
            [
                self._java(),
                "-Xmx256m",
                f"-Dlog4j2.configurationFile={DEPLOY_DIR / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={self.home / 'logs'}",
                "-cp",
                f"{self.lib_dir}/*",
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(config),
                "--ignore-formatted",
                *self.format_options,
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BrokerError(f"formatting {self.home / 'data'} failed:\n{result.stdout}{result.stderr}")

    @staticmethod
    def _java() -> str:
        java_home = os.environ.get("JAVA_HOME")
        java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
        if not java:
            raise BrokerError("no Java found: install a JDK 17 or newer (Kafka 4 needs it) or set JAVA_HOME")
        return java


def _cluster_id() -> str:
    """A random cluster id as Kafka writes them (URL-safe base64 of a UUID) and, as Kafka's own
    Uuid.randomUuid does, never starting with "-", which the storage tool would take for an option (one id
    in 64 did, and the broker then failed to start)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""
