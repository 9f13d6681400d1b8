"""Benchmark: voice-to-voice latency and CPU of a local-mode call (no cloud account at all).

Starts its own livekit-server and an agent worker with no keys (faster-whisper tiny.en, the
scripted persona, and the persona's local voice: Piper by default, or LOCAL_TTS_ENGINE as given),
then a Python trainee client speaks five flite lines to the billing dispute persona, one after the
persona's previous reply has finished. For each reply it measures

- heard latency: end of the trainee's speech -> first audible persona audio at the client;
- the agent's own per-turn metrics (end-of-turn delay, transcription, LLM TTFT, TTS TTFB, e2e);

and the CPU time used by the worker (with its job process) and by livekit-server during the call.
Results go to bench/results/local_call.json (and bench/results.md with `make bench`, which runs
the call twice: Piper, then flite for comparison, in bench/results/local_call_flite.json).

Run:  .venv/bin/python -m bench.bench_local_call [--turns N] [--tts-engine flite]   (or `python -m bench local_call`)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from livekit import api

from bench.procstats import cpu_seconds, machine_busy

REPO = Path(__file__).resolve().parents[1]
AGENT = "coach-bench-local"
PERSONA = "billing-dispute-gold"
LINES = [
    "Can you tell me what happened from the beginning?",
    "I am so sorry about the double charge, and that the two promises we made were broken.",
    "How has this affected you?",
    "I have refunded the duplicate charge and waived the late fee right now. Your reference number is R F 1 2 3 4.",
    "The money will be back in your account by tomorrow, and I will send you an email confirmation.",
]


async def _run_call(turns: int, out: Path, tts_engine: str = "auto") -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="coach-bench-local-"))
    db_url = f"sqlite:///{workdir / 'bench.db'}"
    for var in [
        v
        for v in os.environ
        if v.startswith(("GROQ_", "ELEVEN", "LOCAL_", "LIVEKIT_"))
        or v in ("STT_PROVIDER", "LLM_PROVIDER", "TTS_PROVIDER")
    ]:
        del os.environ[var]  # no account at all
    os.environ.update(COACH_ENV_FILE="", DATABASE_URL=db_url, LOCAL_TTS_ENGINE=tts_engine)
    from coach_app.settings import get_settings

    get_settings.cache_clear()

    from sqlmodel import Session, select

    from coach_app.calls.rooms import dispatch_metadata, room_name_for
    from coach_app.calls.start import start_session
    from coach_app.db import make_engine, migrate
    from coach_app.models import PracticeSession, Turn, User
    from tests.support.livekit import start_livekit
    from tests.support.local_speech import speech_pcm, trim_silence
    from tests.support.procs import Proc, wait_for
    from tests.support.rtc_trainee import MIC_RATE, Trainee, wait_until

    migrate(db_url)
    lk = start_livekit(workdir)
    env = dict(
        os.environ,
        AGENT_NAME=AGENT,
        LIVEKIT_URL=lk.url,
        LIVEKIT_API_KEY=lk.api_key,
        LIVEKIT_API_SECRET=lk.api_secret,
        PYTHONUNBUFFERED="1",
    )
    worker = Proc("agent", [sys.executable, "-m", "agent.worker", "start"], env=env, log_dir=workdir)
    try:
        wait_for(lambda: "registered with LiveKit" in worker.log_text(), 90, "the agent worker", worker)
        engine = make_engine(db_url)
        with Session(engine, expire_on_commit=False) as db:
            user = User(username="bench", password_hash="x")
            db.add(user)
            db.commit()
            ps = start_session(db, user, PERSONA)
        token = (
            api.AccessToken(lk.api_key, lk.api_secret)
            .with_identity("bench-trainee")
            .with_grants(api.VideoGrants(room_join=True, room=room_name_for(ps)))
            .with_room_config(
                api.RoomConfiguration(agents=[api.RoomAgentDispatch(agent_name=AGENT, metadata=dispatch_metadata(ps))])
            )
            .to_jwt()
        )
        speech = [trim_silence(speech_pcm(line, MIC_RATE), MIC_RATE) for line in LINES[:turns]]

        cpu0 = {"worker": cpu_seconds(worker.popen.pid), "livekit": cpu_seconds(lk.proc.popen.pid)}
        busy0, total0, t0 = *machine_busy(), time.monotonic()
        trainee = Trainee(lk.url, token)
        await trainee.join()
        heard: list[float] = []
        try:
            await wait_until(lambda: trainee.first_audible_after(t0), 90, "the greeting", interval=0.05)
            for pcm in speech:
                await wait_until(lambda: trainee.quiet_since(1.5), 60, "the persona to finish", interval=0.05)
                ended = await trainee.say(pcm)
                first = await wait_until(
                    lambda ended=ended: trainee.first_audible_after(ended), 60, "the reply", interval=0.05
                )
                heard.append(round(first - ended, 3))
            await wait_until(lambda: trainee.quiet_since(1.5), 60, "the last reply to finish", interval=0.05)
        finally:
            elapsed = time.monotonic() - t0
            cpu1 = {"worker": cpu_seconds(worker.popen.pid), "livekit": cpu_seconds(lk.proc.popen.pid)}
            busy1, total1 = machine_busy()
            await trainee.leave()
        await asyncio.sleep(2)
        with Session(engine) as db:
            rows = db.exec(select(Turn).where(Turn.session_id == ps.id).order_by(Turn.seq)).all()
            providers = db.get(PracticeSession, ps.id).providers
        persona_turns = [t for t in rows if t.speaker.value == "persona" and t.e2e_latency is not None]
        result = {
            "machine": {"cpus": os.cpu_count()},
            "providers": providers,
            "turns": [
                {
                    "speaker": t.speaker.value,
                    "text": t.text,
                    "end_of_turn_delay": t.end_of_turn_delay,
                    "transcription_delay": t.transcription_delay,
                    "llm_ttft": t.llm_ttft,
                    "tts_ttfb": t.tts_ttfb,
                    "e2e_latency": t.e2e_latency,
                }
                for t in rows
            ],
            "heard_latency_s": heard,
            "heard_latency_median_s": statistics.median(heard) if heard else None,
            "agent_e2e_latency_median_s": statistics.median([t.e2e_latency for t in persona_turns])
            if persona_turns
            else None,
            "call_seconds": round(elapsed, 1),
            "cpu_cores_avg": {k: round((cpu1[k] - cpu0[k]) / elapsed, 3) for k in cpu0},
            "machine_busy_pct": round(100 * (busy1 - busy0) / max(total1 - total0, 1), 1),
        }
    finally:
        worker.stop()
        lk.proc.stop()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


VOICES = (("auto", "local_call.json"), ("flite", "local_call_flite.json"))  # the default (Piper), then the old voice


def run() -> dict[str, str]:
    """For `python -m bench`: one five-turn call per voice, summarised as markdown."""
    saved = dict(os.environ)
    calls = []
    try:
        for engine, name in VOICES:
            calls.append(asyncio.run(_run_call(len(LINES), REPO / "bench" / "results" / name, engine)))
            os.environ.clear()
            os.environ.update(saved)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        from coach_app.settings import get_settings

        get_settings.cache_clear()
    r = calls[0]
    method = f"""
Its own livekit-server and an agent worker with no keys at all (local mode: faster-whisper
`{r["providers"]["stt"]["model"]}` on the CPU, the scripted persona), and a Python `livekit.rtc` trainee that
speaks {len(LINES)} flite lines to the English billing-dispute persona, each after the previous reply has
finished. The call runs once per persona voice: {", ".join(_voice(c) for c in calls)}, one after the other.
*Heard latency*: end of the trainee's speech to the first audible persona audio at the
client. The per-turn columns are the agent's own metrics as recorded on the turns. CPU: user+system
time of the worker process group (worker and job process) and of livekit-server over the call.
"""
    summary = "\n".join(
        f"| {_voice(c)} | {', '.join(f'{x:.2f}' for x in c['heard_latency_s'])} | {_fmt(c['heard_latency_median_s'])} "
        f"| {_fmt(c['agent_e2e_latency_median_s'])} | {c['cpu_cores_avg']['worker']} | {c['machine_busy_pct']} |"
        for c in calls
    )
    sections = "\n\n".join(f"**{_voice(c)}** (call {c['call_seconds']} s)\n\n{_turn_table(c)}" for c in calls)
    results = f"""
| persona voice | heard voice-to-voice per reply (s) | heard median (s) | agent e2e median (s) | worker CPU (cores) | machine busy (%) |
| --- | --- | --- | --- | --- | --- |
{summary}

"Machine busy" includes other work on the machine during the call. livekit-server CPU (cores):
{", ".join(f"{_voice(c)} {c['cpu_cores_avg']['livekit']}" for c in calls)}.

{sections}
"""
    return {"title": "Local mode call: voice-to-voice latency and CPU", "method": method, "results": results}


def _voice(r: dict) -> str:
    return f"{r['providers']['tts']['provider']} `{r['providers']['tts']['model']}`"


def _turn_table(r: dict) -> str:
    rows = "\n".join(
        f"| {t['text'][:60]} | {_fmt(t['transcription_delay'])} | {_fmt(t['llm_ttft'])} | {_fmt(t['tts_ttfb'])} "
        f"| {_fmt(t['e2e_latency'])} |"
        for t in r["turns"]
        if t["speaker"] == "trainee" or t["e2e_latency"] is not None
    )
    return (
        "| trainee said / persona replied | transcription (s) | LLM TTFT (s) | TTS TTFB (s) | e2e (s) |\n"
        f"| --- | --- | --- | --- | --- |\n{rows}"
    )


def _fmt(v) -> str:
    return "" if v is None else f"{v:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=len(LINES))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "local_call.json")
    parser.add_argument("--tts-engine", default="auto", choices=["auto", "piper", "flite", "espeak-ng"])
    args = parser.parse_args()
    r = asyncio.run(_run_call(min(args.turns, len(LINES)), args.out, args.tts_engine))
    print(
        json.dumps(
            {
                k: r[k]
                for k in (
                    "heard_latency_s",
                    "heard_latency_median_s",
                    "agent_e2e_latency_median_s",
                    "call_seconds",
                    "cpu_cores_avg",
                    "machine_busy_pct",
                )
            },
            indent=2,
        )
    )
    for t in r["turns"]:
        print(f"  {t['speaker']:>7}: {t['text']}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
