"""Start and stop real processes for tests (LiveKit server, agent worker, Reflex app)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check: Callable[[], bool], timeout: float, what: str, proc: Proc | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.popen.poll() is not None:
            raise RuntimeError(
                f"{proc.name} exited with {proc.popen.returncode} while waiting for {what}:\n{proc.tail()}"
            )
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not ready yet
            pass
        time.sleep(0.25)
    tail = f"\n{proc.tail()}" if proc is not None else ""
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}{tail}")


class Proc:
    """A child process whose output goes to a log file (shown when something fails)."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log_dir: Path, cwd: Path = REPO):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.popen = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def tail(self, n: int = 60) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15) -> None:
        if self.popen.poll() is None:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.popen.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.popen.wait(timeout=timeout if sig == signal.SIGINT else 5)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._log.close()


def show_logs_on_failure(request, logs: Callable[[], list[Path]], lines: int = 80) -> Iterator[None]:
    """The body of an autouse fixture (`yield from` it): when the test fails (or COACH_TEST_SHOW_LOGS
    is set), print the last lines of each log `logs()` names (the run dir is removed afterwards)."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before or os.environ.get("COACH_TEST_SHOW_LOGS"):
        for log in logs():
            if log.exists():
                tail = log.read_text(errors="replace").splitlines()[-lines:]
                print(f"\n----- {log.name} (last {lines} lines) -----\n" + "\n".join(tail))
