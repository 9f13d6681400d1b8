"""A throwaway PostgreSQL server (Debian's binaries) on loopback for one test session."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.procs import free_port, wait_for


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} not found: install the Debian package `postgresql` (make test does)")
    return found[-1]


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root: run the server as the `postgres` system user then.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Postgres:
    def __init__(self):
        # Its own top-level temp dir: pytest's tmp dirs are private to root, so `postgres` cannot enter them.
        self.dir = Path(tempfile.mkdtemp(prefix="coach-pg-"))
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.port = free_port()
        data = self.dir / "data"
        subprocess.run(
            _as_postgres([_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "coach", "-E", "UTF8"]),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_postgres(
                [
                    _bin("pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(self.dir / "server.log"),
                    "-w",
                    "start",
                    "-o",
                    f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self._data = data
        self.url = f"postgresql+psycopg://coach@127.0.0.1:{self.port}/postgres"

        def up() -> bool:
            import psycopg

            with psycopg.connect(f"host=127.0.0.1 port={self.port} user=coach dbname=postgres", connect_timeout=2):
                return True

        wait_for(up, 30, "PostgreSQL to accept connections")

    def stop(self) -> None:
        subprocess.run(_as_postgres([_bin("pg_ctl"), "-D", str(self._data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
