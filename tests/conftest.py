"""Shared fixtures. Real processes: livekit-server, the agent worker, the Reflex app, Chromium.

The whole suite runs against throwaway databases and never reads the developer's `.env`.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

_RUN_DIR = Path(tempfile.mkdtemp(prefix="coach-test-"))

# Isolate from the developer's environment before anything reads Settings.
for _var in list(os.environ):
    if _var.startswith(("LIVEKIT_", "GROQ_", "ELEVEN", "LOCAL_STT_", "LOCAL_LLM_", "LOCAL_TTS_")) or _var in {
        "DATABASE_URL",
        "PERSONAS_DIR",
        "STT_PROVIDER",
        "LLM_PROVIDER",
        "TTS_PROVIDER",
        "RECORD_CALLS",
        "RECORDINGS_DIR",
        "RECORDINGS_RETENTION_DAYS",
    }:
        del os.environ[_var]
os.environ["COACH_ENV_FILE"] = ""
os.environ["DATABASE_URL"] = f"sqlite:///{_RUN_DIR / 'coach-test.db'}"
os.environ["RECORDINGS_DIR"] = str(_RUN_DIR / "recordings")  # the agent worker and the app server share it
os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")

from coach_app.db import migrate  # noqa: E402
from coach_app.devtools.standin import ProviderStandin, running_standin  # noqa: E402
from coach_app.settings import get_settings  # noqa: E402
from tests.support.livekit import LiveKit, start_livekit  # noqa: E402
from tests.support.procs import REPO, Proc, free_port, wait_for  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("COACH_TEST_KEEP_RUN_DIR"):  # to read every service's log after a run
        print(f"\nrun directory kept: {_RUN_DIR}")
        return
    shutil.rmtree(_RUN_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def run_dir() -> Path:
    return _RUN_DIR


@pytest.fixture(scope="session")
def db_url() -> str:
    """The suite's shared database (used by the app server and worker fixtures), migrated."""
    url = os.environ["DATABASE_URL"]
    migrate(url)
    return url


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, migrated SQLite database for one test; Settings point at it."""
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    migrate(url)
    yield url
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def livekit(run_dir: Path) -> Iterator[LiveKit]:
    lk = start_livekit(run_dir)
    yield lk
    lk.proc.stop()


def service_env(db_url: str, livekit: LiveKit | None = None, **extra: str) -> dict[str, str]:
    """Environment for a child process of the suite (worker, app)."""
    env = dict(os.environ)
    env["DATABASE_URL"] = db_url
    env["PYTHONUNBUFFERED"] = "1"
    if livekit is not None:
        env.update(LIVEKIT_URL=livekit.url, LIVEKIT_API_KEY=livekit.api_key, LIVEKIT_API_SECRET=livekit.api_secret)
    env.update(extra)
    return env


def start_agent_worker(name: str, env: dict[str, str], log_dir: Path) -> Proc:
    """Start `python -m agent.worker start` and wait until it has registered with LiveKit."""
    env = {"AGENT_HTTP_PORT": "0", **env}  # several workers (and engineers) share this host
    proc = Proc(name, [sys.executable, "-m", "agent.worker", "start"], env=env, log_dir=log_dir)
    wait_for(
        lambda: "registered worker" in proc.log_text().lower() or "registered with livekit" in proc.log_text(),
        60,
        "the agent worker to register",
        proc,
    )
    return proc


@pytest.fixture(scope="session")
def provider_standin() -> Iterator[ProviderStandin]:
    """Groq + ElevenLabs stand-in on 127.0.0.1 (the real plugins talk to it); scripted replies."""
    with running_standin() as standin:
        yield standin


@pytest.fixture
def standin(provider_standin: ProviderStandin) -> ProviderStandin:
    """The session's provider stand-in with a fresh script and log for this test."""
    provider_standin.reset()
    return provider_standin


@pytest.fixture(scope="session")
def agent_worker(db_url: str, livekit: LiveKit, run_dir: Path, provider_standin: ProviderStandin) -> Iterator[Proc]:
    """The agent worker (agent name `coach-persona`) with the cloud plugins pointed at the stand-in."""
    proc = start_agent_worker("agent", service_env(db_url, livekit, **provider_standin.env()), run_dir)
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def personas_dir(run_dir: Path) -> Path:
    """A copy of the shipped personas that the app server reads (tests may add files, then remove them)."""
    folder = run_dir / "personas"
    shutil.copytree(REPO / "personas", folder)
    return folder


def start_reflex_app(
    name: str, env: dict[str, str], log_dir: Path, web_dir: str, port: int | None = None
) -> tuple[Proc, str]:
    """`reflex run --env prod --single-port` on `port` (default: a free one), built into `web_dir`;
    waits until it serves."""
    port = port or free_port()
    env = {**env, "REFLEX_WEB_WORKDIR": web_dir, "REFLEX_STATES_WORKDIR": f"{web_dir}-states"}
    proc = Proc(
        name,
        [
            sys.executable,
            "-m",
            "reflex",
            "run",
            "--env",
            "prod",
            "--single-port",
            "--frontend-port",
            str(port),
            "--backend-port",
            str(port),
            "--loglevel",
            "info",
        ],
        env=env,
        log_dir=log_dir,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        with urllib.request.urlopen(base + "/", timeout=2) as r:
            return r.status == 200

    try:
        wait_for(up, 420, f"the Reflex app ({name}) to build and serve", proc)
    except BaseException:
        proc.stop()
        raise
    return proc, base


@pytest.fixture(scope="session")
def app_server(db_url: str, livekit: LiveKit, run_dir: Path, personas_dir: Path) -> Iterator[str]:
    """The Reflex app (production build, one port) against the suite's database, LiveKit and personas copy."""
    env = service_env(db_url, livekit, PERSONAS_DIR=str(personas_dir))
    proc, base = start_reflex_app("app", env, run_dir, os.environ.get("COACH_TEST_WEB_DIR", ".web"))
    yield base
    proc.stop()


@pytest.fixture
def playwright_instance():
    """Per test: sync Playwright keeps an event loop running, which would block async tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def launch_chromium(playwright_instance, extra_args: list[str] | None = None):
    return playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + (extra_args or [])
    )


@pytest.fixture
def browser(playwright_instance):
    b = launch_chromium(playwright_instance)
    yield b
    b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
