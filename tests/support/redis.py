"""A throwaway Redis server (Debian's `redis-server`) on loopback, for Reflex's state in tests."""

from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path

from tests.support.procs import Proc, free_port, wait_for


class Redis:
    def __init__(self, log_dir: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found: install the Debian package `redis-server` (make test does)")
        self.dir = Path(tempfile.mkdtemp(prefix="coach-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = Proc(
            "redis",
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            env={},
            log_dir=log_dir,
            cwd=self.dir,
        )
        wait_for(self._pong, 20, "redis-server to answer", self.proc)

    def _pong(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def keys(self, pattern: str = "*") -> list[str]:
        import redis

        return [k.decode() for k in redis.Redis(port=self.port).keys(pattern)]

    def stop(self) -> None:
        self.proc.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
