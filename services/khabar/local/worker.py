"""`khabar worker` in its own process, as it runs in production: started, waited for until ready, stopped.

`khabar run` and the tests start workers this one way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from khabar.config import Settings


class WorkerError(RuntimeError):
    """The worker died or was not ready in time; the message ends with its log's last lines."""


class WorkerProcess:
    # What it runs and how it says it is ready: the desk's process (local/desk.py) differs only there.
    name = "worker"
    args: tuple[str, ...] = ("worker", "--loglevel", "info")
    ready_path = "/readyz"

    def __init__(self, settings: Settings, log_path: Path | None = None) -> None:
        self.settings = settings
        self.log_path = log_path or settings.state_dir / "logs" / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.worker_host}:{self.settings.worker_port}"

    def start(self, timeout: float = 120.0) -> WorkerProcess:
        """Start the worker and return once it owns raw-topic partitions (its ready_path answers 200)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # Its own session: a Ctrl-C in the terminal reaches us, and we stop the worker in order.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "khabar", *self.args],
                start_new_session=True,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.settings.to_env(), "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + timeout
        while not self.ready():
            if not self.alive():
                raise WorkerError(
                    f"the {self.name} exited with code {self.process.returncode} during start-up; "
                    f"its log {self.log_path} ends with:\n{self.log_tail(15)}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise WorkerError(
                    f"the {self.name} was not ready within {timeout:.0f}s ({self.url}{self.ready_path}); "
                    f"its log {self.log_path} ends with:\n{self.log_tail(15)}"
                )
            time.sleep(0.5)
        return self

    def get(self, path: str) -> tuple[int, bytes]:
        """Status and body of a GET on the worker's HTTP server."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def ready(self) -> bool:
        try:
            return self.get(self.ready_path)[0] == 200
        except OSError:
            return False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.alive():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
