"""`coach dev`: run LiveKit (local, unless LIVEKIT_URL is set), the agent worker and the app together.

Each child's output is prefixed with its name; Ctrl-C (or any child exiting) stops them all.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

from coach_app.settings import REPO_ROOT, get_settings

COLORS = {"livekit": "35", "agent": "36", "app": "32"}
DEV_HOST = "127.0.0.1"


def livekit_server_binary() -> str | None:
    """`livekit-server` on PATH, else the one `make` builds into ./bin."""
    found = shutil.which("livekit-server")
    if found:
        return found
    local = REPO_ROOT / "bin" / "livekit-server"
    return str(local) if local.exists() else None


def _pump(name: str, proc: subprocess.Popen) -> None:
    color = COLORS.get(name, "0")
    prefix = f"\x1b[{color}m{name:>7} |\x1b[0m " if sys.stdout.isatty() else f"{name:>7} | "
    assert proc.stdout is not None
    for line in iter(proc.stdout.readline, b""):
        sys.stdout.write(prefix + line.decode(errors="replace"))
        sys.stdout.flush()


def _start(name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    threading.Thread(target=_pump, args=(name, proc), daemon=True).start()
    return proc


def _stop_all(procs: dict[str, subprocess.Popen]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
    deadline = time.monotonic() + 10
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def reflex_command(args: argparse.Namespace) -> list[str]:
    """The web app's command. Loopback unless asked (--host): the demo accounts must not be
    reachable from the network."""
    settings = get_settings()
    cmd = [
        sys.executable,
        "-m",
        "reflex",
        "run",
        "--loglevel",
        "info",
        "--backend-host",
        args.host,
        "--frontend-port",
        str(settings.dev_frontend_port),
        "--backend-port",
        str(settings.dev_backend_port),
    ]
    if args.prod:
        cmd += ["--env", "prod"]
    return cmd


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    env = dict(os.environ)
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    procs: dict[str, subprocess.Popen] = {}

    if settings.livekit_is_local:
        binary = livekit_server_binary()
        if binary is None:
            print(
                "livekit-server not found. Run `make dev` (it builds it with Go), install it "
                "yourself, or set LIVEKIT_URL/LIVEKIT_API_KEY/LIVEKIT_API_SECRET to a LiveKit Cloud project.",
                file=sys.stderr,
            )
            return 1
        # --dev logs at DEBUG (thousands of SDP/ICE lines a call) and every API call at INFO (the
        # workers' sweeps, every 10 s): info, with API calls only when they fail, is what a person follows.
        procs["livekit"] = _start(
            "livekit",
            [
                binary,
                "--dev",
                "--bind",
                "127.0.0.1",
                "--port",
                str(settings.dev_livekit_port),
                "--config-body",
                "logging:\n  level: info\n  component_levels:\n    api: warn",
            ],
            env,
        )
        time.sleep(1.0)

    procs["agent"] = _start("agent", [sys.executable, "-m", "agent.worker", "start", "--log-format", "human"], env)
    procs["app"] = _start("app", reflex_command(args), env)

    stopping = False

    def _on_signal(_sig, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    code = 0
    try:
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with code {proc.returncode}; stopping everything.", file=sys.stderr)
                    code = proc.returncode or 1
                    stopping = True
                    break
            time.sleep(0.3)
    finally:
        _stop_all(procs)
    return code


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dev", help="run local LiveKit, the agent worker and the web app")
    p.add_argument("--prod", action="store_true", help="serve the optimised production build")
    p.add_argument(
        "--host", default=DEV_HOST, help=f"address the app listens on (default {DEV_HOST}; 0.0.0.0 = every interface)"
    )
    p.set_defaults(func=run)
