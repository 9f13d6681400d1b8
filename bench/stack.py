"""The real stack the call benchmarks run against, with stand-in providers.

Its own livekit-server (`--dev`, loopback), the agent worker as in production (`python -m
agent.worker start`, its job processes, the real Groq and ElevenLabs plugins) and the HTTP API
(granian), all on one database URL; the plugins talk to the provider stand-in (in the benchmark's
process, on a thread). Used by bench_voice_loop and bench_load: one copy of how they start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from coach_app.devtools.standin import Script, running_standin
from tests.support.livekit import LiveKit, start_livekit
from tests.support.procs import Proc, wait_for
from tests.support.rtc_trainee import start_api_server


@dataclass
class Stack:
    api_base: str
    livekit: LiveKit
    worker: Proc
    api: Proc
    db_url: str

    @property
    def servers(self) -> dict[str, int]:
        """Process group of each server (bench.procstats measures a whole group)."""
        return {"livekit": self.livekit.proc.popen.pid, "worker": self.worker.popen.pid, "api": self.api.popen.pid}

    @property
    def logs(self) -> dict[str, Path]:
        return {p.name: p.log_path for p in (self.livekit.proc, self.worker, self.api)}


@contextmanager
def own_settings() -> Iterator[None]:
    """The bench runs its own LiveKit, providers and database: drop the developer's settings for
    them (and any .env) while it runs, and put the environment back afterwards."""
    saved = dict(os.environ)
    for var in [
        v
        for v in os.environ
        if v.startswith(("GROQ_", "ELEVEN", "LOCAL_", "LIVEKIT_"))
        or v in ("STT_PROVIDER", "LLM_PROVIDER", "TTS_PROVIDER", "DATABASE_URL")
    ]:
        del os.environ[var]
    os.environ["COACH_ENV_FILE"] = ""
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def running_stack(workdir: Path, db_url: str, script: Script, agent_name: str, max_calls: int) -> Iterator[Stack]:
    """Start everything (the worker registered with LiveKit, the API answering); stop it all after."""
    with running_standin(script) as standin:
        lk = start_livekit(workdir)
        procs: list[Proc] = [lk.proc]
        try:
            env = dict(
                os.environ,
                **standin.env(),
                DATABASE_URL=db_url,
                RECORDINGS_DIR=str(workdir / "recordings"),  # its own, like its database
                AGENT_NAME=agent_name,
                AGENT_HTTP_PORT="0",
                AGENT_MAX_CALLS=str(max_calls),
                SESSION_STARTS_PER_HOUR="1000",
                LIVEKIT_URL=lk.url,
                LIVEKIT_API_KEY=lk.api_key,
                LIVEKIT_API_SECRET=lk.api_secret,
                PYTHONUNBUFFERED="1",
            )
            worker = Proc("agent", [sys.executable, "-m", "agent.worker", "start"], env=env, log_dir=workdir)
            procs.append(worker)
            api_proc, api_base = start_api_server(env, workdir)
            procs.append(api_proc)
            wait_for(lambda: "registered with LiveKit" in worker.log_text(), 90, "the agent worker", worker)
            yield Stack(api_base, lk, worker, api_proc, db_url)
        finally:
            for proc in reversed(procs):
                proc.stop()
