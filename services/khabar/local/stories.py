"""`khabar stories` in its own process, for the tests: started the worker's way, on the settings' stories port."""

from __future__ import annotations

from khabar.local.worker import WorkerProcess


class StoriesProcess(WorkerProcess):
    name = "stories"
    args = ("stories", "--loglevel", "info")

    @property
    def url(self) -> str:
        return f"http://{self.settings.worker_host}:{self.settings.stories_port}"
