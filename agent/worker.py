"""Agent worker: registers with LiveKit under a fixed name and serves explicit dispatches only.

Run with `python -m agent.worker start` (the `make dev` target does this).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import sys
import time
import warnings

from livekit import api
from livekit.agents import AgentServer, JobContext, JobExecutorType, JobProcess, cli
from livekit.plugins import silero

from agent.logs import use_human_logs

# Imported here, not in the job: job processes are forked warm with it (the plugins and their
# OpenAI client take seconds to import, which would delay the persona's first words).
from agent.providers.local import build as local
from agent.session_runner import run_session
from agent.turn_taking import uses_turn_model
from coach_app.calls import workers
from coach_app.calls.dispatch import WATCH_SECONDS, AgentKeeper
from coach_app.calls.sweep import OrphanSweeper
from coach_app.settings import get_settings

logger = logging.getLogger("coach.agent")
settings = get_settings()

if settings.livekit_is_local:
    # The local dev server's well-known secret ("secret") is short on purpose: no warning per token.
    warnings.filterwarnings("ignore", message="The HMAC key is .* below the minimum recommended length")

# LiveKit's own preload of its local models (in the forkserver) is off: prewarm loads the
# end-of-turn model when it is used (agent.turn_taking), once per job process.
os.environ.setdefault("LIVEKIT_AGENTS_PRELOAD_LOCAL_INFERENCE", "0")


# Modules the provider clients import on their first request; importing them during a call
# stalls the event loop (and the persona's audio) for up to a second on a busy machine.
FIRST_REQUEST_IMPORTS = ("openai.pagination", "anyio.streams.stapled", "jiter")


def prewarm(proc: JobProcess) -> None:
    """Load Silero VAD and the end-of-turn model once per job process (both ship inside their wheels)."""
    proc.userdata["vad"] = silero.VAD.load(min_silence_duration=settings.turn_vad_silence_seconds)
    if uses_turn_model(settings):
        from livekit import local_inference

        local_inference.init_eot()  # else the first call's first turn would load it (~0.1 GB)
    local.preload_models(settings)  # local mode: the speech model, so the first words are not delayed
    for module in FIRST_REQUEST_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


def load(server: AgentServer) -> float:
    """Busy-ness from the share of AGENT_MAX_CALLS in use, on LiveKit's scale (CPU load would refuse
    calls whenever something else keeps a small machine busy)."""
    return workers.reported_load(len(server.active_jobs), settings.agent_max_calls)


server = AgentServer(
    setup_fnc=prewarm,
    job_executor_type=JobExecutorType(settings.agent_job_executor),
    load_fnc=load,
    load_threshold=workers.LIVEKIT_TARGET_LOAD,  # full at AGENT_MAX_CALLS, as LiveKit sees it
    drain_timeout=settings.agent_drain_timeout_seconds,  # SIGTERM: live calls finish, then are handed over
    port=settings.agent_http_port,
    # A job process loads the VAD and the plugins; on a small, busy machine that can take
    # longer than the default 10 s, after which it would be killed and started again.
    initialize_process_timeout=30.0,
    ws_url=settings.lk_url,
    api_key=settings.lk_api_key,
    api_secret=settings.lk_api_secret,
)


async def _beat(worker_id: str) -> None:
    """Every WATCH_SECONDS, on its own (a slow keeper pass must not delay it): tell the app and the
    other workers that this worker is alive; a worker that stops beating is dead and its calls
    are handed on (calls.dispatch)."""
    try:
        while True:
            try:
                await asyncio.to_thread(workers.beat, worker_id, settings.agent_name)
            except Exception:
                logger.exception("heartbeat failed")
            await asyncio.sleep(WATCH_SECONDS)
    except asyncio.CancelledError:
        await asyncio.to_thread(workers.forget, worker_id)
        raise


async def _keep_calls(worker_id: str) -> None:
    """Every WATCH_SECONDS: give an agent to trainees left alone (their dispatch found no worker,
    or their persona's worker died). Every HEARTBEAT_SECONDS: close calls whose room vanished."""
    sweeper, keeper = OrphanSweeper(), AgentKeeper(settings.agent_name, worker_id=worker_id)
    lk = api.LiveKitAPI(settings.lk_url, settings.lk_api_key, settings.lk_api_secret)
    swept_at = 0.0
    try:
        while True:
            try:
                await keeper.check(lk)
                if time.monotonic() - swept_at >= workers.HEARTBEAT_SECONDS:
                    swept_at = time.monotonic()
                    await sweeper.sweep(lk)
            except Exception:
                logger.exception("agent keeper pass failed")
            await asyncio.sleep(WATCH_SECONDS)
    finally:
        await lk.aclose()


@server.on("worker_registered")
def _on_registered(worker_id: str, _info) -> None:
    logger.info("registered with LiveKit as %s (agent %s)", worker_id, settings.agent_name)
    loop = asyncio.get_event_loop()
    loop.create_task(_beat(worker_id))
    loop.create_task(_keep_calls(worker_id))


@server.rtc_session(agent_name=settings.agent_name)
async def entrypoint(ctx: JobContext) -> None:
    await run_session(ctx)


def main(argv: list[str] | None = None) -> None:
    """`python -m agent.worker start [--log-format human]`; any other command goes to LiveKit's CLI.

    `start` logs JSON lines (for log collectors); `coach dev` asks for `--log-format human`, one
    short readable line per event, through the same start-up path LiveKit's own
    `python -m livekit.agents start --log-format colored` takes.
    """
    argv = sys.argv[1:] if argv is None else argv
    local.fetch_models(settings)  # local mode, first run: download the speech model before taking calls
    if argv[:1] == ["start"] and "--log-format" in argv:
        parser = argparse.ArgumentParser(prog="python -m agent.worker start")
        parser.add_argument("--log-format", choices=["json", "human"], default="json")
        parser.add_argument("--log-level", default="INFO")
        args = parser.parse_args(argv[1:])
        from livekit.agents.cli import proto
        from livekit.agents.cli.cli import _run_worker

        if args.log_format == "human":
            use_human_logs()
        _run_worker(server, proto.CliArgs(log_level=args.log_level, log_format="json"))
        return
    cli.run_app(server)


if __name__ == "__main__":
    main()
