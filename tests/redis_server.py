"""A redis-server of a test's own on a free port, for the tests that start real Celery
workers and stop or restart Redis under them (tests/core/test_worker_reconnect.py,
tests/reports/test_celery_worker.py): the shared server at 6379 is never stopped."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None

    def start(self) -> None:
        """Start it and wait (10 s at most) until it accepts connections."""
        self.process = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)

    def stop(self) -> None:
        """Kill it (as a crash would) and reap the process."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
