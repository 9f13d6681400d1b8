"""Benchmark: turn-taking as the trainee hears it (issue 13), one call and several at once.

Everything is real but the providers and the trainee: its own livekit-server, the agent worker
(`python -m agent.worker start`, job processes, the real Groq and ElevenLabs plugins), the HTTP
API (granian); the plugins talk to the provider stand-in with cloud-like latencies
(`coach_app.devtools.standin.GROQ_LIKE`) and its tone voice (so the stand-in's own CPU stays out of the
figures). Trainees are Python `livekit.rtc` clients (`tests/support/rtc_trainee.py`) that start
their call with `POST /api/sessions` and an API token, and speak flite lines, some with a 300,
450 or 600 ms pause in the middle of the sentence. Everything is timed at the trainee's ear.

Run:  .venv/bin/python -m bench voice_loop           (about 10 minutes on 2 busy cores)
      .venv/bin/python -m bench.bench_voice_loop [--quick] [--levels 1,2,4,8] [--lines-per-pause N]
          [--plain-lines N] [--start-calls N] [--turns-per-call N]
The same sizes as variables: VOICE_BENCH_QUICK=1 (about 3 minutes), VOICE_BENCH_LEVELS=1,2,4,
VOICE_BENCH_LINES_PER_PAUSE, VOICE_BENCH_PLAIN_LINES, VOICE_BENCH_START_CALLS, VOICE_BENCH_TURNS_PER_CALL.
Raw figures go to bench/results/voice_loop.json, the report to bench/results/bench_voice_loop.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS_JSON = REPO / "bench" / "results" / "voice_loop.json"
AGENT = "coach-bench-voice"
PERSONA = "billing-dispute-gold"
PAUSES_MS = (300, 450, 600)
PLAIN_LINES = [
    "I can see the double charge on your account, and I am sorry about that.",
    "Could you tell me the date of the second payment, please?",
    "I have refunded the duplicate charge and waived the late fee.",
    "You will get an email confirmation with the reference number today.",
]
PAUSED_LINES = [  # said with a pause after the comma
    ("I checked your account this morning,", "and the second charge was a mistake on our side."),
    ("The refund is already on its way,", "so you will see the money back by Friday."),
    ("I understand why you are upset,", "because we promised to fix this twice before."),
    ("Let me put a note on your file,", "so nobody charges the late fee again."),
]
# What the stand-in answers (its content does not matter here; its length sets the reply's duration).
TRANSCRIPT = "I can see the charge on your account."
REPLY = "Fine. And what are you doing about the late fee?"
QUIET_S = 1.0  # the persona has finished when nothing was audible for this long
# A level whose trainee clients ran later than this mis-timed their own speech and hearing: not a measurement.
CLIENT_LATE_LIMIT_S = 0.3
REPLY_TIMEOUT_S = 15.0

TARGETS = {  # issue 13
    "v2v": "<= 0.60 s / <= 0.90 s",
    "premature": "<= 5 %",
    "split": "0",
    "start": "<= 1.0 s",
    "concurrency": ">= 8 on 2 cores",
    "rss": "<= 80 MB",
}
BEFORE = {  # this benchmark on 2026-12-01 10:13 UTC (full run), before the turn-taking levers of issue 13
    "v2v": "1.37 s / 1.51 s",
    "premature": "0 of 12 (0 %)",
    "split": "1 of 16",
    "start": "0.93 s",
    "concurrency": "2",
    "rss": "223 MB (PSS 94-101 MB)",
}
TODAY = {  # issue 13, "Where we are"
    "v2v": "~1.0-1.3 s / -",
    "premature": "0 of 5 at 450 ms (but split turns)",
    "split": "every paused line",
    "start": "0.9-2.3 s",
    "concurrency": "< 4",
    "rss": "~200 MB",
}


@dataclass(frozen=True)
class Sizes:
    plain_lines: int = 4  # lines without a pause in the single call
    lines_per_pause: int = 4  # lines with each of PAUSES_MS in the single call
    start_calls: int = 3  # extra calls that only hear the greeting (Start -> first audio)
    levels: tuple[int, ...] = (1, 2, 4, 8)  # concurrent calls
    turns_per_call: int = 4  # plain lines per call at each concurrency level

    @classmethod
    def from_env(cls) -> Sizes:
        sizes = QUICK if os.environ.get("VOICE_BENCH_QUICK") else cls()
        for f in fields(cls):
            raw = os.environ.get(f"VOICE_BENCH_{f.name.upper()}")
            if raw:
                value = tuple(int(x) for x in raw.split(",")) if f.name == "levels" else int(raw)
                sizes = replace(sizes, **{f.name: value})
        return sizes


QUICK = Sizes(plain_lines=2, lines_per_pause=1, start_calls=1, levels=(1, 2), turns_per_call=2)


@dataclass
class Utterance:
    pause_ms: int  # 0: said without a pause
    start: float
    end: float
    first_audio: float | None  # first audible persona audio after the utterance began
    stored_turns: int  # trainee turns the agent stored for it

    @property
    def premature(self) -> bool:
        """The persona's audio started before the trainee had finished."""
        return self.first_audio is not None and self.first_audio < self.end

    @property
    def heard_v2v(self) -> float | None:
        return None if self.first_audio is None or self.premature else self.first_audio - self.end


@dataclass
class Call:
    start_to_audio: float
    mic_late_max: float = 0.0  # how late the trainee's own client ran (see rtc_trainee.Trainee)
    ear_late_max: float = 0.0
    closed: bool = True  # the session closed within 90 s of End
    utterances: list[Utterance] = field(default_factory=list)
    turns: list[dict] = field(default_factory=list)  # the stored transcript, with the agent's metrics


class Gate:
    """Every call waits here until all of them were greeted (or failed), so they talk together."""

    def __init__(self, n: int) -> None:
        self.waiting: set[int] = set()
        self.n = n
        self.opened = asyncio.Event()

    def count(self, who: int) -> None:
        self.waiting.add(who)
        if len(self.waiting) >= self.n:
            self.opened.set()

    async def arrive(self, who: int) -> None:
        self.count(who)
        await self.opened.wait()


# --- one call ------------------------------------------------------------------------------------


async def run_call(
    api_base: str,
    headers: dict[str, str],
    speech: list[tuple[int, np.ndarray]],
    all_greeted: Gate | None = None,
    talked: asyncio.Event | None = None,
    who: int = 0,
) -> Call:
    from tests.support.rtc_trainee import (
        MIC_RATE,
        join_call,
        session_view,
        transcript,
        wait_until,
    )

    t0 = time.monotonic()
    sid, trainee = await join_call(api_base, headers, PERSONA)
    try:
        first = await wait_until(lambda: trainee.first_audible_after(t0), 60, "the greeting", interval=0.02)
        call = Call(start_to_audio=first - t0)
        if all_greeted is not None:
            await all_greeted.arrive(who)
        for pause_ms, pcm in speech:
            await wait_until(lambda: trainee.quiet_since(QUIET_S), 60, "the persona to finish", interval=0.05)
            before = _trainee_turns(transcript(api_base, headers, sid))
            end = await trainee.say(pcm)
            start = end - len(pcm) / MIC_RATE
            try:
                heard = await wait_until(
                    lambda start=start: trainee.first_audible_after(start), REPLY_TIMEOUT_S, "a reply", interval=0.02
                )
            except AssertionError:
                heard = None
            await wait_until(lambda: trainee.quiet_since(QUIET_S), 60, "the reply to finish", interval=0.05)
            try:
                stored = await wait_until(
                    lambda before=before: _trainee_turns(transcript(api_base, headers, sid)) - before,
                    5,
                    "the trainee's turn to be stored",
                )
            except AssertionError:
                stored = 0
            call.utterances.append(Utterance(pause_ms, start, end, heard, stored))
        if talked is not None:
            talked.set()
        call.mic_late_max, call.ear_late_max = trainee.mic_late_max, trainee.ear_late_max
        await trainee.end_call()
    finally:
        await trainee.leave()
    try:
        await wait_until(
            lambda: session_view(api_base, headers, sid)["status"] not in ("created", "live"),
            90,
            "the session to close",
        )
    except AssertionError:
        call.closed = False
    call.turns = transcript(api_base, headers, sid)
    return call


def _trainee_turns(turns: list[dict]) -> int:
    return sum(1 for t in turns if t["speaker"] == "trainee")


def spoken(text: str, rate: int) -> np.ndarray:
    """flite speech without its leading and trailing silence (so a line ends where its speech ends)."""
    from tests.support.local_speech import speech_pcm, trim_silence

    return trim_silence(speech_pcm(text, rate), rate)


def paused(first: str, second: str, pause_ms: int, rate: int) -> np.ndarray:
    """`first`, exactly `pause_ms` of silence, then `second`."""
    from tests.support.local_speech import silence

    return np.concatenate([spoken(first, rate), silence(pause_ms / 1000, rate), spoken(second, rate)])


# --- the servers and the phases --------------------------------------------------------------------


async def bench(sizes: Sizes, workdir: Path) -> dict:

    from bench import procstats
    from bench.stack import running_stack
    from coach_app.db import migrate
    from coach_app.devtools.standin import GROQ_LIKE, Script
    from tests.support.rtc_trainee import MIC_RATE, api_headers

    load_before = os.getloadavg()[0]
    db_url = f"sqlite:///{workdir / 'bench.db'}"
    migrate(db_url)
    script = Script(voice="tone", default_transcript=TRANSCRIPT, default_reply=REPLY, **GROQ_LIKE)
    slots = max(sizes.levels, default=1)
    with running_stack(workdir, db_url, script, AGENT, slots + 1) as stack:
        api_base = stack.api_base
        users = [api_headers(db_url, f"bench-trainee-{i}")[1] for i in range(slots)]
        plain = [spoken(line, MIC_RATE) for line in PLAIN_LINES]
        single = [(0, plain[i % len(plain)]) for i in range(sizes.plain_lines)]
        for pause in PAUSES_MS:
            single += [
                (pause, paused(*PAUSED_LINES[i % len(PAUSED_LINES)], pause, MIC_RATE))
                for i in range(sizes.lines_per_pause)
            ]

        servers = {k: stack.servers[k] for k in ("livekit", "worker")}
        idle = await settle(procstats, servers["worker"])
        print(f"  idle worker: {idle}", flush=True)
        print(f"  single call: {len(single)} utterances", flush=True)
        main = await run_call(api_base, users[0], single)
        starts = [main.start_to_audio]
        for _ in range(sizes.start_calls):
            starts.append((await run_call(api_base, users[0], [])).start_to_audio)

        levels = []
        for n in sizes.levels:
            print(f"  {n} concurrent call(s)", flush=True)
            idle = await settle(procstats, servers["worker"])
            speech = [(0, plain[i % len(plain)]) for i in range(sizes.turns_per_call)]
            levels.append(await run_level(procstats, servers, api_base, users[:n], speech, idle))
    return {
        "sizes": asdict(sizes),
        "latency_ms": GROQ_LIKE,
        "single": _call_dict(main),
        "starts_s": starts,
        "levels": levels,
        "load_average": [load_before, os.getloadavg()[0]],
        "turn_handling": turn_config(),
    }


def turn_config() -> dict:
    """The agent's turn-taking settings in this run (the worker reads the same environment)."""
    from coach_app.settings import Settings

    st = Settings()
    return {
        "detector": st.turn_detector,
        "vad_silence_s": st.turn_vad_silence_seconds,
        "normal_min_delay_s": st.turn_normal_min_delay_seconds,
        "normal_max_delay_s": st.turn_normal_max_delay_seconds,
        "preemptive_tts": st.turn_preemptive_tts,
        "job_executor": st.agent_job_executor,
    }


async def settle(procstats, worker_pgid: int) -> dict:
    """Wait until the worker group is back to its idle size (calls' job processes gone), then measure it."""
    await asyncio.sleep(3)
    sizes = []
    for _ in range(30):
        sizes.append(procstats.memory(worker_pgid).processes)
        if len(sizes) >= 3 and len(set(sizes[-3:])) == 1:
            break
        await asyncio.sleep(1)
    return asdict(procstats.memory(worker_pgid))


async def run_level(
    procstats,
    servers: dict[str, int],
    api_base: str,
    users: list[dict[str, str]],
    speech: list[tuple[int, np.ndarray]],
    idle: dict,
) -> dict:
    """`len(users)` calls at once; CPU and memory of the servers while every call is talking."""
    greeted = Gate(len(users))
    talked = asyncio.Event()

    async def call(i: int, headers: dict[str, str]) -> Call | BaseException:
        try:
            return await run_call(api_base, headers, speech, greeted, talked, who=i)
        except Exception as exc:  # noqa: BLE001 - one failed call is reported; the others go on
            print(f"  call {i} failed: {type(exc).__name__}: {exc}", flush=True)
            greeted.count(i)
            return exc

    tasks = [asyncio.create_task(call(i, h)) for i, h in enumerate(users)]
    await asyncio.wait_for(greeted.opened.wait(), 300)
    cpu0 = {k: procstats.cpu_seconds(pg) for k, pg in servers.items()}
    me0, t0 = os.times(), time.monotonic()
    peak = {k: procstats.memory(pg) for k, pg in servers.items()}
    while not talked.is_set() and not all(t.done() for t in tasks):  # until the first call said all its lines
        for k, pg in servers.items():
            m = procstats.memory(pg)
            if m.rss_mb > peak[k].rss_mb:
                peak[k] = m
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(talked.wait(), 1.0)
    elapsed = time.monotonic() - t0
    cpu1 = {k: procstats.cpu_seconds(pg) for k, pg in servers.items()}
    me1 = os.times()
    results = await asyncio.gather(*tasks)
    done = [c for c in results if isinstance(c, Call)]
    failed = [f"{type(e).__name__}: {e}"[:200] for e in results if not isinstance(e, Call)]
    v2v = [u.heard_v2v for c in done for u in c.utterances if u.heard_v2v is not None]
    return {
        "calls": len(users),
        "failed_calls": failed,
        "not_closed": sum(not c.closed for c in done),
        "heard_v2v_s": v2v,
        "premature": sum(u.premature for c in done for u in c.utterances),
        "no_reply": sum(u.first_audio is None for c in done for u in c.utterances),
        "utterances": sum(len(c.utterances) for c in done),
        "starts_s": [c.start_to_audio for c in done],
        "window_s": round(elapsed, 1),
        "server_cores": {k: round((cpu1[k] - cpu0[k]) / elapsed, 2) for k in servers},
        "trainees_cores": round((me1.user + me1.system - me0.user - me0.system) / elapsed, 2),
        "trainee_late_max_s": {
            "mic": max((c.mic_late_max for c in done), default=0.0),
            "ear": max((c.ear_late_max for c in done), default=0.0),
        },
        "worker_idle": idle,
        "worker_live": asdict(peak["worker"]),
        "livekit_live": asdict(peak["livekit"]),
        "per_call": [_call_dict(c) for c in done],
    }


def _call_dict(call: Call) -> dict:
    return {
        "start_to_audio_s": call.start_to_audio,
        "mic_late_max_s": call.mic_late_max,
        "ear_late_max_s": call.ear_late_max,
        "utterances": [{**asdict(u), "premature": u.premature, "heard_v2v": u.heard_v2v} for u in call.utterances],
        "turns": call.turns,
    }


# --- the report ------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def s(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f} s"


def reliable(level: dict) -> bool:
    late = level["trainee_late_max_s"]
    return max(late["mic"], late["ear"]) <= CLIENT_LATE_LIMIT_S and not level["failed_calls"]


def summarise(r: dict) -> dict:
    utts = r["single"]["utterances"]
    v2v = [u["heard_v2v"] for u in utts if u["heard_v2v"] is not None]
    paused_u = [u for u in utts if u["pause_ms"]]
    metrics: dict[str, list[float]] = {}
    for t in r["single"]["turns"]:
        for k, v in (t.get("metrics") or {}).items():
            if v is not None:
                metrics.setdefault(f"{t['speaker']}.{k}", []).append(v)
    base_p95 = pct(r["levels"][0]["heard_v2v_s"], 95) if r["levels"] else None
    ok_levels = []
    for lv in r["levels"]:  # levels in a row whose p95 stays within 10 % of one call's, measured reliably
        if not (base_p95 and lv["heard_v2v_s"] and pct(lv["heard_v2v_s"], 95) <= 1.1 * base_p95 and reliable(lv)):
            break
        ok_levels.append(lv["calls"])
    per_call = [
        round((lv["worker_live"]["rss_mb"] - lv["worker_idle"]["rss_mb"]) / lv["calls"], 1) for lv in r["levels"]
    ]
    per_call_pss = [
        round((lv["worker_live"]["pss_mb"] - lv["worker_idle"]["pss_mb"]) / lv["calls"], 1) for lv in r["levels"]
    ]
    return {
        "v2v_p50": pct(v2v, 50),
        "v2v_p95": pct(v2v, 95),
        "premature": sum(u["premature"] for u in paused_u),
        "paused": len(paused_u),
        "premature_plain": sum(u["premature"] for u in utts if not u["pause_ms"]),
        "split": sum(u["stored_turns"] > 1 for u in utts),
        "lost": sum(u["stored_turns"] == 0 for u in utts),
        "split_paused": sum(u["stored_turns"] > 1 for u in paused_u),
        "start_p50": pct(r["starts_s"], 50),
        "ok_levels": max(ok_levels) if ok_levels else None,
        "unreliable": [lv["calls"] for lv in r["levels"] if not reliable(lv)],
        "rss_per_call": per_call,
        "pss_per_call": per_call_pss,
        "metrics": {k: statistics.median(v) for k, v in sorted(metrics.items())},
    }


def markdown(r: dict) -> tuple[str, str]:
    m = summarise(r)
    sz, lat = r["sizes"], r["latency_ms"]
    th = r.get("turn_handling") or {}
    turns = (
        f"{th.get('job_executor')} job executor; turn detection: {th.get('detector')} "
        f"({'Silero VAD + the local end-of-turn model v1-mini' if th.get('detector') == 'model' else 'Silero VAD alone'}), "
        f"VAD silence {th.get('vad_silence_s')} s, the persona's patience normal: {th.get('normal_min_delay_s')} s "
        + (
            f"after a finished-sounding turn, up to {th.get('normal_max_delay_s')} s after an unfinished one; "
            if th.get("detector") == "model"
            else "of silence after the last word; "
        )
        + f"preemptive generation with{'' if th.get('preemptive_tts') else 'out'} preemptive TTS"
    )
    method = f"""
Its own livekit-server (`--dev`, loopback), the agent worker as in production (`python -m agent.worker
start` with its Settings: {turns}; the real Groq STT/LLM and ElevenLabs TTS plugins) and the HTTP API (granian). The plugins talk to the provider stand-in
(`coach_app/devtools/standin/`, in the benchmark's process) with cloud-like latencies: STT
answered after {lat["stt_delay_ms"]} ms, LLM first token after {lat["llm_ttft_ms"]} ms then {lat["llm_token_ms"]} ms per token, TTS first
audio after {lat["tts_ttfb_ms"]} ms; its voice is a 220 Hz tone as long as the words would take (no synthesis CPU).
Every STT request with speech in it is transcribed as one fixed sentence; every reply is one fixed
sentence ({len(REPLY)} characters, ~{len(REPLY) * 55 / 1000:.1f} s of audio).

Trainees are Python `livekit.rtc` clients (`tests/support/rtc_trainee.py`): each starts its call
with `POST /api/sessions` and its own API token, publishes a microphone paced in real time (10 ms
frames) and listens to the persona's received track; a 10 ms frame with RMS > 300 is "audible".
Each line is said once the persona has been quiet for {QUIET_S:.0f} s.

- **Heard voice-to-voice**: end of the trainee's last speech sample -> first audible persona frame.
- **Premature reply**: persona audio heard before the trainee's line had ended (such replies are
  left out of the voice-to-voice figures).
- **Stored as more than one turn**: trainee turns in `GET /api/sessions/{{id}}/transcript` that
  appeared for one spoken line.
- **Start -> first audio**: from sending `POST /api/sessions` to the first audible frame of the greeting.
- **Single call**: {sz["plain_lines"]} lines without a pause and {sz["lines_per_pause"]} each with a {", ".join(map(str, PAUSES_MS))} ms pause
  after a comma (flite, voice slt, its own leading and trailing silence trimmed, so the pause is
  exactly that long and a line ends where its speech ends); plus {sz["start_calls"]} calls that only hear the greeting.
- **Concurrency**: {", ".join(map(str, sz["levels"]))} calls started at once, {sz["turns_per_call"]} lines each without pauses, all lines
  started together after every call was greeted. CPU: user+system time of the livekit-server and
  of the worker's process group (worker and its job processes) over the window from "every call
  greeted" to "the first call said its last line", in cores. Memory: the largest RSS (and PSS,
  shared pages split) of the worker group in that window minus its idle size just before, per call.
  The trainees and the stand-in run in the benchmark's own process; their CPU is shown apart.

What each turn-taking lever (VAD silence, the end-of-turn model, preemptive TTS, the thread job
executor) bought, one quick run each: `bench/results/voice_loop_levers.md`.
"""
    rows = [
        (
            "heard voice-to-voice p50 / p95, one call",
            "v2v",
            f"{s(m['v2v_p50'])} / {s(m['v2v_p95'])}",
            m["v2v_p50"] is not None and m["v2v_p50"] <= 0.6 and m["v2v_p95"] <= 0.9,
        ),
        (
            "premature replies on lines with 300-600 ms pauses",
            "premature",
            f"{m['premature']} of {m['paused']} ({100 * m['premature'] / max(m['paused'], 1):.0f} %)",
            m["premature"] <= 0.05 * m["paused"],
        ),
        (
            "utterances stored as two (or more) turns",
            "split",
            f"{m['split']} of {len(r['single']['utterances'])} ({m['split_paused']} of {m['paused']} paused lines)",
            m["split"] == 0,
        ),
        (
            "Start -> first audible persona audio (Python client) p50",
            "start",
            f"{s(m['start_p50'])} (of {len(r['starts_s'])}: {', '.join(f'{x:.2f}' for x in r['starts_s'])})",
            m["start_p50"] is not None and m["start_p50"] <= 1.0,
        ),
        (
            "concurrent calls before p95 grows > 10 %",
            "concurrency",
            f"{m['ok_levels'] if m['ok_levels'] else '< ' + str(r['levels'][1]['calls']) if len(r['levels']) > 1 else '-'} "
            f"(levels tried: {', '.join(str(lv['calls']) for lv in r['levels'])}"
            + (
                f"; not measurable at {', '.join(map(str, m['unreliable']))}: the trainee clients ran late or failed"
                if m["unreliable"]
                else ""
            )
            + ")",
            bool(m["ok_levels"] and m["ok_levels"] >= 8),
        ),
        (
            "RSS per extra live call",
            "rss",
            " / ".join(f"{x:.0f} MB" for x in m["rss_per_call"])
            + " (PSS "
            + " / ".join(f"{x:.0f}" for x in m["pss_per_call"])
            + " MB) at "
            + ", ".join(str(lv["calls"]) for lv in r["levels"]),
            bool(m["rss_per_call"]) and max(m["rss_per_call"]) <= 80,
        ),
    ]
    table = "\n".join(
        f"| {name} | {TODAY[k]} | {BEFORE[k]} | **{got}** | {TARGETS[k]} | {'yes' if ok else 'no'} |"
        for name, k, got, ok in rows
    )
    lv_rows = "\n".join(
        f"| {lv['calls']} | {s(pct(lv['heard_v2v_s'], 50))} | {s(pct(lv['heard_v2v_s'], 95))} | {len(lv['heard_v2v_s'])} "
        f"| {lv['premature']} | {lv['no_reply']} | {s(pct(lv['starts_s'], 50))} | {lv['server_cores']['livekit']:.2f} "
        f"| {lv['server_cores']['worker']:.2f} | {lv['trainees_cores']:.2f} "
        f"| {lv['trainee_late_max_s']['mic']:.2f} s / {lv['trainee_late_max_s']['ear']:.2f} s | {lv['worker_idle']['processes']} -> "
        f"{lv['worker_live']['processes']} | {lv['worker_idle']['rss_mb']:.0f} -> {lv['worker_live']['rss_mb']:.0f} "
        f"| {lv['worker_idle']['pss_mb']:.0f} -> {lv['worker_live']['pss_mb']:.0f} |"
        for lv in r["levels"]
    )
    failures = "".join(
        f"\n- {lv['calls']} calls: {len(lv['failed_calls'])} failed ({'; '.join(lv['failed_calls'])}); "
        f"{lv['not_closed']} sessions not closed within 90 s of End"
        for lv in r["levels"]
        if lv["failed_calls"] or lv["not_closed"]
    )
    by_pause = []
    for pause in (0, *PAUSES_MS):
        us = [u for u in r["single"]["utterances"] if u["pause_ms"] == pause]
        v = [u["heard_v2v"] for u in us if u["heard_v2v"] is not None]
        if us:
            by_pause.append(
                f"| {pause or 'none'} | {len(us)} | {s(pct(v, 50))} | {s(max(v) if v else None)} "
                f"| {sum(u['premature'] for u in us)} | {sum(u['stored_turns'] > 1 for u in us)} "
                f"| {sum(u['first_audio'] is None for u in us)} |"
            )
    agent = m["metrics"]
    eotd = agent.get("trainee.end_of_turn_delay")
    share = f"{100 * eotd / m['v2v_p50']:.0f} %" if eotd and m["v2v_p50"] else "-"
    agent_rows = "\n".join(f"| {k} | {v:.3f} |" for k, v in agent.items())
    results = f"""
| Figure | Today (issue 13) | Before (10:13 run: VAD only, 0.55 s + 0.5 s) | Measured | Target | Met |
|---|---|---|---|---|---|
{table}

**Single call, by pause** (heard voice-to-voice without premature replies)

| mid-sentence pause (ms) | lines | v2v p50 | v2v max | premature | stored as > 1 turn | no reply heard |
|---|---:|---:|---:|---:|---:|---:|
{chr(10).join(by_pause)}

**The agent's own per-turn metrics, single call (median, s)**; the agent's `end_of_turn_delay` is
{s(eotd)}, {share} of the heard voice-to-voice p50.

| metric | median s |
|---|---:|
{agent_rows}

**Concurrent calls**

| calls | v2v p50 | v2v p95 | replies | premature | no reply | Start p50 | livekit cores | worker+jobs cores | trainees+stand-in cores | trainee client late by (max: mic / ear) | worker processes | worker RSS MB (idle -> live) | worker PSS MB |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{lv_rows}
{failures}

Rows whose trainee clients ran more than {CLIENT_LATE_LIMIT_S} s late (or had a failed call) are not
measurements of the server: those clients talked over replies they had not yet heard (the
"premature" count) and mis-timed their own speech.

Single call: the trainee's client ran late by at most {r["single"]["mic_late_max_s"]:.2f} s (microphone) /
{r["single"]["ear_late_max_s"]:.2f} s (ear). A client late by more than a few tenths of a second mis-times what
it says (gaps in its microphone) and hears (the persona's audio counted late; "quiet" judged too early,
so it may talk over the end of a reply: counted as premature).
Machine load average (1 min) before / after the run: {r["load_average"][0]:.1f} / {r["load_average"][1]:.1f}
(other work shares this machine; everything above competes with it). Raw figures:
`bench/results/voice_loop.json`.
"""
    return method, results


def run() -> dict[str, str]:
    """For `python -m bench`: sizes from VOICE_BENCH_* (VOICE_BENCH_QUICK=1 for a short run)."""
    from bench.stack import own_settings

    sizes = Sizes.from_env()
    with own_settings():
        workdir = Path(tempfile.mkdtemp(prefix="coach-bench-voice-"))
        r = asyncio.run(bench(sizes, workdir))
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(r, indent=1) + "\n")
    method, results = markdown(r)
    print(results)
    return {
        "title": "Voice loop: turn-taking heard by the trainee, one call and concurrent calls",
        "method": method,
        "results": results,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run: " + str(QUICK))
    for f in fields(Sizes):
        parser.add_argument("--" + f.name.replace("_", "-"), help=f"default {getattr(Sizes(), f.name)}")
    args = parser.parse_args()
    if args.quick:
        os.environ["VOICE_BENCH_QUICK"] = "1"
    for f in fields(Sizes):
        if getattr(args, f.name) is not None:
            os.environ[f"VOICE_BENCH_{f.name.upper()}"] = getattr(args, f.name)
    from bench.__main__ import main as bench_main

    return bench_main(["voice_loop"])


if __name__ == "__main__":
    sys.exit(main())
