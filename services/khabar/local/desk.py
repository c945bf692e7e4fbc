"""`khabar desk` in its own process, for `khabar run --desk` and the tests: started the worker's way, ready
once it serves its page."""

from __future__ import annotations

from khabar.local.worker import WorkerProcess


class DeskProcess(WorkerProcess):
    name = "desk"
    args = ("desk",)
    ready_path = "/healthz"

    @property
    def url(self) -> str:
        return f"http://{self.settings.desk_host}:{self.settings.desk_port}"
