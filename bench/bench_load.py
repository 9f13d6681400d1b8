"""Benchmark: eight trainees talking for three minutes each, on SQLite and on PostgreSQL (issue 14).

The real stack with stand-in providers (`bench/stack.py`: livekit-server, the agent worker as in
production, the HTTP API; the provider stand-in with its tone voice in this process). Each trainee
is a Python `livekit.rtc` client (`tests/support/rtc_trainee.py`) in its own process: it starts its
call with `POST /api/sessions`, says a flite line a few seconds after the persona finished, for the
whole call, then presses End. Afterwards the database and the API must show every line as a
trainee turn and every reply as a persona turn, in order, every session `completed`, and the logs
no `database is locked`, ERROR or Traceback.

Run:  .venv/bin/python -m bench load                  (about 15 minutes: 8 x 3 min on each database)
      .venv/bin/python -m bench.bench_load [--trainees N] [--seconds S] [--databases sqlite,postgres]
The same as variables: LOAD_BENCH_TRAINEES, LOAD_BENCH_SECONDS, LOAD_BENCH_DATABASES.
Raw figures go to bench/results/load_<trainees>x<seconds>.json (the last run of each size is kept and
reported), the report to bench/results/bench_load.md.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import multiprocessing
import os
import random
import re
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "bench" / "results"  # load_<trainees>x<seconds>.json: one file per size run
AGENT = "coach-bench-load"
GAP_S = (4.0, 8.0)  # the trainee answers this long after the persona finished (a line every ~10-15 s)
# The trainee clients' audio frames (the microphone's and the ear's): larger than the 10 ms the
# voice bench uses, so that eight clients cost the machine less beside the servers they load.
MIC_FRAME_MS = 20
EAR_FRAME_MS = 40
STAGGER_S = 3.0  # trainee i starts its call i * STAGGER_S after the first
LAST_LINE_MARGIN_S = 8.0  # no new line this close to the end of the call's time
PROBE_ID = "bench-load-probe"
# A log line that counts as an error: a level field of ERROR/CRITICAL/FATAL/PANIC (JSON or text), a
# Traceback, or SQLite's lock error anywhere.
ERROR_LINE = re.compile(
    r'"level":\s*"(ERROR|CRITICAL)"|(^|\s)(ERROR|CRITICAL|FATAL|PANIC):?(\s|$)|Traceback|(?i:database is locked)'
)


@dataclass(frozen=True)
class Sizes:
    trainees: int = 8
    seconds: int = 180
    databases: tuple[str, ...] = ("sqlite", "postgres")

    @classmethod
    def from_env(cls) -> Sizes:
        sizes = cls()
        for f in fields(cls):
            raw = os.environ.get(f"LOAD_BENCH_{f.name.upper()}")
            if raw:
                value = tuple(raw.split(",")) if f.name == "databases" else int(raw)
                sizes = replace(sizes, **{f.name: value})
        return sizes


# --- one trainee (its own process) ---------------------------------------------------------------


def trainee_process(api_base: str, headers: dict[str, str], who: int, seconds: float) -> dict:
    """Run in a child process: one trainee's whole call; what it said and heard, as a dict."""
    return asyncio.run(_trainee(api_base, headers, who, seconds))


async def _trainee(api_base: str, headers: dict[str, str], who: int, seconds: float) -> dict:
    from bench.bench_voice_loop import PERSONA, PLAIN_LINES, QUIET_S, REPLY_TIMEOUT_S, Utterance, spoken
    from tests.support.rtc_trainee import MIC_RATE, join_call, wait_until

    lines = [spoken(line, MIC_RATE) for line in PLAIN_LINES]
    rng = random.Random(who)
    await asyncio.sleep(who * STAGGER_S)
    out: dict = {"who": who, "sid": None, "utterances": [], "error": None}
    t0 = time.monotonic()
    try:
        sid, trainee = await join_call(api_base, headers, PERSONA, mic_frame_ms=MIC_FRAME_MS, ear_frame_ms=EAR_FRAME_MS)
    except Exception as exc:  # noqa: BLE001 - reported with the results
        out["error"] = f"start: {type(exc).__name__}: {exc}"[:300]
        return out
    out["sid"] = sid
    try:
        first = await wait_until(lambda: trainee.first_audible_after(t0), 60, "the greeting", interval=0.02)
        out["start_to_audio_s"] = first - t0
        until = first + seconds
        i = 0
        while True:
            await wait_until(lambda: trainee.quiet_since(QUIET_S), 60, "the persona to finish", interval=0.05)
            await asyncio.sleep(rng.uniform(*GAP_S))
            pcm = lines[(who + i) % len(lines)]
            if time.monotonic() + len(pcm) / MIC_RATE + LAST_LINE_MARGIN_S > until:
                break
            end = await trainee.say(pcm)
            start = end - len(pcm) / MIC_RATE
            try:
                heard = await wait_until(
                    lambda start=start: trainee.first_audible_after(start), REPLY_TIMEOUT_S, "a reply", interval=0.02
                )
            except AssertionError:
                heard = None
            out["utterances"].append(asdict(Utterance(0, start, end, heard, 0)))
            i += 1
        await wait_until(lambda: trainee.quiet_since(QUIET_S), 60, "the last reply to finish", interval=0.05)
        out["held_s"] = time.monotonic() - first
        out["end_answer"] = await trainee.end_call()
    except Exception as exc:  # noqa: BLE001
        out["error"] = f"call: {type(exc).__name__}: {exc}"[:300]
    finally:
        out["mic_late_max_s"], out["ear_late_max_s"] = trainee.mic_late_max, trainee.ear_late_max
        await trainee.leave()
    return out


# --- the checks ------------------------------------------------------------------------------------


def check_call(call: dict, api_turns: list[dict], db_turns: list[tuple[int, str]], status: str) -> list[str]:
    """What is wrong with one stored call (empty: everything said is stored, in order)."""
    problems = []
    said = len(call["utterances"])
    replies = sum(u["first_audio"] is not None for u in call["utterances"])
    speakers = [t["speaker"] for t in api_turns]
    expected = ["persona"] + ["trainee", "persona"] * said
    if status != "completed":
        problems.append(f"status {status}")
    if speakers != expected:
        problems.append(
            f"turns {''.join(x[0] for x in speakers)} (expected {''.join(x[0] for x in expected)}: "
            f"{said} lines said, {replies} replies heard)"
        )
    if [speaker for _, speaker in db_turns] != speakers:
        problems.append("the database's turns differ from the API's transcript")
    seqs = [seq for seq, _ in db_turns]
    if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
        problems.append(f"turn numbers out of order: {seqs}")
    return problems


def log_errors(paths: dict[str, Path]) -> dict[str, list[str]]:
    """Error lines per log (at most 20 each, shortened)."""
    found = {}
    for name, path in paths.items():
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        hits = [line[:300] for line in lines if ERROR_LINE.search(line)]
        found[name] = {"count": len(hits), "lines": hits[:20]}
    return found


# --- the heartbeat --------------------------------------------------------------------------------


class HeartbeatWatch(threading.Thread):
    """On its own thread: counts the worker's heartbeat writes (a change of its `last_seen`, read
    every POLL_S) and times a probe beat written once a second from here, as a second worker would
    (what one beat costs on this database under the load)."""

    POLL_S = 0.2

    def __init__(self, db_url: str) -> None:
        from coach_app.db import make_engine

        super().__init__(daemon=True)
        self.engine = make_engine(db_url)
        self.seen: dict[str, object] = {}
        self.beats = 0
        self.probe_ms: list[float] = []
        self.probe_errors: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stopping.wait(self.POLL_S):
            self.poll()
            n += 1
            if n % round(1 / self.POLL_S) == 0:
                self.probe()

    def stop(self) -> None:
        self.stopping.set()
        self.join()

    def poll(self) -> None:
        from sqlalchemy import text

        with self.engine.connect() as c:
            rows = c.execute(text("SELECT worker_id, last_seen FROM worker_heartbeats")).all()
        for worker_id, last_seen in rows:
            if worker_id != PROBE_ID and self.seen.get(worker_id) not in (None, last_seen):
                self.beats += 1
            self.seen[worker_id] = last_seen

    def probe(self) -> None:
        from coach_app.calls import workers

        t = time.perf_counter()
        try:
            workers.beat(PROBE_ID, AGENT)  # the worker's own write, on the DATABASE_URL of this run
        except Exception as exc:  # noqa: BLE001
            self.probe_errors.append(f"{type(exc).__name__}: {exc}"[:200])
        self.probe_ms.append((time.perf_counter() - t) * 1000)

    def forget_probe(self) -> None:
        from coach_app.calls import workers

        workers.forget(PROBE_ID)


def pg_heartbeat_updates(db_url: str) -> int | None:
    """PostgreSQL's own count of rows updated in worker_heartbeats (None on SQLite)."""
    if not db_url.startswith("postgresql"):
        return None
    from sqlalchemy import text

    from coach_app.db import make_engine

    with make_engine(db_url).connect() as c:
        return c.execute(
            text("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'worker_heartbeats'")
        ).scalar_one()


# --- one database ---------------------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str, workdir: Path):
    """(URL, log path, the server's main process or None) of a fresh, migrated database."""
    from coach_app.db import migrate

    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'load.db'}"
        migrate(url)
        yield url, None, None
        return
    from tests.support.postgres import Postgres

    pg = Postgres()
    try:
        migrate(pg.url)
        pid = int((pg.dir / "data" / "postmaster.pid").read_text().split()[0])
        yield pg.url, pg.dir / "server.log", pid
    finally:
        pg.stop()


@contextlib.contextmanager
def app_database(url: str):
    """This process's Settings on `url` meanwhile (the heartbeat probe writes through the app's own engine)."""
    from coach_app.settings import get_settings

    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
        get_settings.cache_clear()


async def run_database(kind: str, sizes: Sizes, workdir: Path) -> dict:
    from bench import procstats
    from bench.bench_voice_loop import REPLY, TRANSCRIPT, settle, turn_config
    from bench.stack import running_stack
    from coach_app.devtools.standin import GROQ_LIKE, Script
    from tests.support.rtc_trainee import api_headers, closed, transcript, wait_until

    load_before = os.getloadavg()
    script = Script(voice="tone", default_transcript=TRANSCRIPT, default_reply=REPLY, **GROQ_LIKE)
    with database(kind, workdir) as (db_url, db_log, db_pid), app_database(db_url):
        with running_stack(workdir, db_url, script, AGENT, sizes.trainees + 1) as stack:
            users = [api_headers(db_url, f"load-trainee-{i}")[1] for i in range(sizes.trainees)]
            servers = dict(stack.servers)  # process groups
            idle = await settle(procstats, servers["worker"])
            print(f"  {kind}: idle worker {idle}; {sizes.trainees} trainees x {sizes.seconds} s", flush=True)
            watch = HeartbeatWatch(db_url)
            watch.start()
            pg_upd0 = pg_heartbeat_updates(db_url)
            cpu = {k: procstats.GroupCpu(pg) for k, pg in servers.items()}
            if db_pid is not None:  # the postmaster and its backends (each its own process group)
                cpu["postgres"] = procstats.GroupCpu(db_pid, tree=True)
            busy0, me0, t0 = procstats.machine_busy(), os.times(), time.monotonic()
            peak = {k: procstats.memory(pg) for k, pg in servers.items()}
            loop = asyncio.get_running_loop()
            ctx = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(sizes.trainees, mp_context=ctx) as pool:
                futures = [
                    loop.run_in_executor(pool, trainee_process, stack.api_base, h, i, sizes.seconds)
                    for i, h in enumerate(users)
                ]
                trainee_cpu = 0.0
                while not all(f.done() for f in futures):
                    for c in cpu.values():
                        c.sample()
                    for k, pg in servers.items():
                        m = procstats.memory(pg)
                        if m.rss_mb > peak[k].rss_mb:
                            peak[k] = m
                    # the trainee processes' CPU, while they live (they are the pool's children)
                    trainee_cpu = max(trainee_cpu, _children_cpu(pool))
                    await asyncio.wait([*futures], timeout=1.0)
                calls = [f.result() for f in futures]
            elapsed = time.monotonic() - t0
            for c in cpu.values():
                c.sample()
            busy1, me1 = procstats.machine_busy(), os.times()
            pg_upd1 = pg_heartbeat_updates(db_url)
            watch.stop()
            watch.forget_probe()

            # every session closed, then what the API and the database hold
            for c in calls:
                if c["sid"] is None:
                    continue
                try:
                    v = await wait_until(closed(stack.api_base, users[c["who"]], c["sid"]), 90, "the session to close")
                    c["status"], c["end_reason"] = v["status"], v.get("end_reason")
                except AssertionError:
                    c["status"], c["end_reason"] = "still open", None
                c["api_turns"] = transcript(stack.api_base, users[c["who"]], c["sid"])
                c["db_turns"] = _db_turns(db_url, c["sid"])
                c["problems"] = check_call(c, c["api_turns"], c["db_turns"], c["status"])
            await asyncio.sleep(2)  # let the last log lines land
            logs = dict(stack.logs)
        if db_log is not None:
            logs["postgres"] = db_log
        errors = log_errors(logs)
    return {
        "database": kind,
        "trainees": sizes.trainees,
        "seconds": sizes.seconds,
        "window_s": round(elapsed, 1),
        "calls": calls,
        "log_errors": errors,
        "server_cores": {k: round(c.seconds() / elapsed, 3) for k, c in cpu.items()},
        "bench_process_cores": round((me1.user + me1.system - me0.user - me0.system) / elapsed, 2),
        "trainee_processes_cores": round(trainee_cpu / elapsed, 2),
        "machine_busy_cores": round((busy1[0] - busy0[0]) / (busy1[1] - busy0[1]) * (os.cpu_count() or 1), 2),
        "worker_idle": idle,
        "worker_peak": asdict(peak["worker"]),
        "peak_memory": {k: asdict(m) for k, m in peak.items()},
        "heartbeat": {
            "worker_beats_seen": watch.beats,
            "worker_beats_per_s": round(watch.beats / elapsed, 2),
            "pg_rows_updated": None if pg_upd0 is None else pg_upd1 - pg_upd0,
            "probe_writes": len(watch.probe_ms),
            "probe_ms": watch.probe_ms,
            "probe_errors": watch.probe_errors,
        },
        "load_average": [load_before[0], os.getloadavg()[0]],
        "latency_ms": GROQ_LIKE,
        "turn_handling": turn_config(),
    }


def _children_cpu(pool: concurrent.futures.ProcessPoolExecutor) -> float:
    from bench import procstats

    total = 0.0
    for proc in list(getattr(pool, "_processes", {}).values()):  # the pool's live worker processes
        with contextlib.suppress(OSError):
            fields_ = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields_[11]) + int(fields_[12])) / procstats.TICK
    return total


def _db_turns(db_url: str, sid: int) -> list[tuple[int, str]]:
    from sqlmodel import Session, select

    from coach_app.db import make_engine
    from coach_app.models import Turn

    with Session(make_engine(db_url)) as s:
        rows = s.exec(select(Turn).where(Turn.session_id == sid).order_by(Turn.seq)).all()
        return [(t.seq, t.speaker.value) for t in rows]


# --- the report ------------------------------------------------------------------------------------


def summarise(r: dict) -> dict:
    from bench.bench_voice_loop import CLIENT_LATE_LIMIT_S, pct

    calls = r["calls"]
    late = [
        c["who"] for c in calls if max(c.get("mic_late_max_s", 0), c.get("ear_late_max_s", 0)) > CLIENT_LATE_LIMIT_S
    ]
    utts = [u for c in calls for u in c["utterances"]]
    v2v = [u["first_audio"] - u["end"] for u in utts if u["first_audio"] is not None and u["first_audio"] >= u["end"]]
    v2v_on_time = [
        u["first_audio"] - u["end"]
        for c in calls
        if c["who"] not in late
        for u in c["utterances"]
        if u["first_audio"] is not None and u["first_audio"] >= u["end"]
    ]
    stored = [t for c in calls for t in c.get("api_turns", [])]
    hb = r["heartbeat"]
    errors = sum(e["count"] for e in r["log_errors"].values())
    locked = sum(1 for e in r["log_errors"].values() for line in e["lines"] if "database is locked" in line.lower())
    return {
        "calls": len(calls),
        "completed": sum(c.get("status") == "completed" for c in calls),
        "failed": [f"trainee {c['who']}: {c['error']}" for c in calls if c["error"]],
        "problems": [f"trainee {c['who']}: {p}" for c in calls for p in c.get("problems", [])],
        "lines_said": len(utts),
        "replies_heard": sum(u["first_audio"] is not None for u in utts),
        "premature": sum(u["first_audio"] is not None and u["first_audio"] < u["end"] for u in utts),
        "trainee_stored": sum(t["speaker"] == "trainee" for t in stored),
        "persona_stored": sum(t["speaker"] == "persona" for t in stored),
        "greetings": sum(1 for c in calls if c.get("api_turns")),
        "v2v_p50": pct(v2v, 50),
        "v2v_p95": pct(v2v, 95),
        "v2v_on_time_p50": pct(v2v_on_time, 50),
        "v2v_on_time_p95": pct(v2v_on_time, 95),
        "v2v_n": len(v2v),
        "v2v_on_time_n": len(v2v_on_time),
        "late": late,
        "late_max": max((max(c.get("mic_late_max_s", 0), c.get("ear_late_max_s", 0)) for c in calls), default=0),
        "start_p50": pct([c["start_to_audio_s"] for c in calls if "start_to_audio_s" in c], 50),
        "held": [round(c.get("held_s", 0)) for c in calls],
        "errors": errors,
        "locked": locked,
        "probe_p50": pct(hb["probe_ms"], 50),
        "probe_p95": pct(hb["probe_ms"], 95),
        "probe_max": max(hb["probe_ms"], default=None),
    }


def markdown(runs: list[dict]) -> tuple[str, str]:
    first = runs[0]
    lat = first["latency_ms"]
    th = first["turn_handling"]
    method = f"""
The real stack with stand-in providers (`bench/stack.py`, shared with bench_voice_loop): its own
livekit-server (`--dev`, loopback), the agent worker as in production (`python -m agent.worker start`,
{th["job_executor"]} job executor, turn detection {th["detector"]}; the real Groq STT/LLM and ElevenLabs TTS
plugins) and the HTTP API (granian), all on one database. The plugins talk to the provider stand-in
in the benchmark's process with Groq-like latencies (STT {lat["stt_delay_ms"]} ms, LLM first token
{lat["llm_ttft_ms"]} ms + {lat["llm_token_ms"]} ms per token, TTS first audio {lat["tts_ttfb_ms"]} ms) and its tone voice; every
line is transcribed as one fixed sentence and answered with one fixed reply.

Each trainee is a Python `livekit.rtc` client (`tests/support/rtc_trainee.py`) in its **own process**
(so eight clients do not share one event loop; microphone frames of {MIC_FRAME_MS} ms, received audio in
frames of {EAR_FRAME_MS} ms, so the clients leave the servers more of the machine): it starts its call with `POST /api/sessions` and its
own API token (trainee *i* starts {STAGGER_S:.0f}·*i* s after the first), waits for the greeting, then for as long
as the call lasts: waits until the persona has been quiet for 1 s, waits {GAP_S[0]:.0f}-{GAP_S[1]:.0f} s more
(a line every ~10-15 s), says one of four flite lines and listens for the reply. No new line starts
in the call's last {LAST_LINE_MARGIN_S:.0f} s; after the last reply it presses End (the end-call RPC).

Then, per call: the session must be `completed`; `GET /api/sessions/{{id}}/transcript` must be the
greeting and then, for every line said, a trainee turn followed by a persona turn (in order); the
`turns` rows in the database must be the same, with increasing turn numbers. The logs of the
worker (and its job processes), the API, livekit-server and PostgreSQL are searched for
`database is locked`, Traceback and lines at level ERROR/CRITICAL/FATAL/PANIC.

- **Heard voice-to-voice**: end of the trainee's last speech sample -> first audible persona frame
  (RMS > 300), at the trainee's client; "on-time clients" leaves out calls whose client ran more
  than 0.3 s late at any moment (as bench_voice_loop flags them).
- **CPU**: user+system time of each server's process group over the whole load window (first
  start to last End), in cores; the worker's group includes its job processes (sampled each second,
  so a job process that ended is counted up to its last second). PostgreSQL is its
  postmaster and backends. The trainee processes and this process (stand-in, polling) are shown apart.
- **Worker RSS**: the largest RSS (and PSS) of the worker group in the window (sampled each second)
  vs its idle size just before.
- **Heartbeat**: the worker writes `worker_heartbeats.last_seen` every second (`agent/worker.py`,
  `coach_app/calls/workers.py`). Counted by reading that row every 0.2 s for a changed value (and,
  on PostgreSQL, cross-checked with `pg_stat_user_tables.n_tup_upd` minus the probe's writes); its cost
  is timed by writing the same beat (`workers.beat`) once a second from the benchmark under the load,
  as a second worker would.
"""
    parts = []
    for r in runs:
        m = summarise(r)
        hb = r["heartbeat"]
        err_lines = "".join(
            f"\n  - {name}: {e['count']} line(s)" + "".join(f"\n    - `{line}`" for line in e["lines"][:10])
            for name, e in r["log_errors"].items()
            if e["count"]
        )
        cores = ", ".join(f"{k} {v:.3f}" for k, v in r["server_cores"].items())
        pg_upd = (
            f"; PostgreSQL counted {hb['pg_rows_updated']} row updates, {hb['pg_rows_updated'] - hb['probe_writes']} "
            f"without the probe's = {(hb['pg_rows_updated'] - hb['probe_writes']) / r['window_s']:.2f}/s"
            if hb["pg_rows_updated"] is not None
            else ""
        )
        parts.append(f"""
#### {r["database"]}: {r["trainees"]} trainees x {r["seconds"]} s

| Figure | Measured |
|---|---|
| calls completed | **{m["completed"]} of {m["calls"]}** (held for {", ".join(map(str, m["held"]))} s) |
| lines said / trainee turns stored | **{m["lines_said"]} / {m["trainee_stored"]}** |
| replies heard + greetings / persona turns stored | **{m["replies_heard"]} + {m["greetings"]} / {m["persona_stored"]}** |
| calls whose stored turns were not exactly what was said, in order | **{len(m["problems"])}**{"".join(f"<br>{p}" for p in m["problems"][:10])} |
| failed trainee clients | {len(m["failed"])}{"".join(f"<br>{f}" for f in m["failed"])} |
| error lines in the logs (`database is locked`: {m["locked"]}) | **{m["errors"]}** |
| heard voice-to-voice p50 / p95, all replies | {_s(m["v2v_p50"])} / {_s(m["v2v_p95"])} (n={m["v2v_n"]}; {m["premature"]} premature) |
| heard voice-to-voice p50 / p95, on-time clients | {_s(m["v2v_on_time_p50"])} / {_s(m["v2v_on_time_p95"])} (n={m["v2v_on_time_n"]}; late clients: {m["late"] or "none"}, worst {m["late_max"]:.2f} s) |
| Start -> first audio p50 | {_s(m["start_p50"])} |
| server CPU, cores | {cores} |
| trainee processes / this process (stand-in) / whole machine, cores | {r["trainee_processes_cores"]:.2f} / {r["bench_process_cores"]:.2f} / {r["machine_busy_cores"]:.2f} of {os.cpu_count()} |
| per call: worker / one trainee client, cores | {r["server_cores"]["worker"] / r["trainees"]:.3f} / {r["trainee_processes_cores"] / r["trainees"]:.3f} |
| worker RSS idle -> peak (PSS) | {r["worker_idle"]["rss_mb"]:.0f} -> {r["worker_peak"]["rss_mb"]:.0f} MB ({r["worker_idle"]["pss_mb"]:.0f} -> {r["worker_peak"]["pss_mb"]:.0f} MB), {r["worker_idle"]["processes"]} -> {r["worker_peak"]["processes"]} processes |
| worker heartbeat writes | {hb["worker_beats_seen"]} in {r["window_s"]:.0f} s = **{hb["worker_beats_per_s"]:.2f}/s**{pg_upd} |
| one heartbeat write under this load (p50 / p95 / max) | {_ms(m["probe_p50"])} / {_ms(m["probe_p95"])} / {_ms(m["probe_max"])} ({len(hb["probe_ms"])} writes, {len(hb["probe_errors"])} failed) |
| load average (1 min) before / after | {r["load_average"][0]:.1f} / {r["load_average"][1]:.1f} |
{err_lines and chr(10) + "Error lines found:" + err_lines}
{r.get("note", "")}
""")
    results = (
        "".join(parts)
        + """
Reading these figures: a trainee client that ran late (its microphone behind the clock, or replies
slower than 15 s, after which it speaks on) says its next line before the persona answered the
previous one; the agent then hears two lines as one turn (fewer trainee turns than lines, one reply
fewer) or a line cut in two (one more). Such mismatches say the machine could not keep up with the
calls, not that a turn was lost between the agent and the database: check the database's figures
(`database is locked`, the heartbeat write times) for that. The per-call row says how far a
machine goes: calls x (worker + client per call) must stay below its cores, and here the clients
share the machine with the servers (in use, each trainee's browser has a machine of its own).

The machine has 2 cores shared with other work (see the load averages): the voice-to-voice figures
are what a trainee hears on this loaded machine, not the stack's best. Raw figures, every call's
lines and turns: `bench/results/load_<trainees>x<seconds>.json`.
"""
    )
    return method, results


def all_runs() -> list[dict]:
    """The last run of every size (each kept in its own file), most trainees first."""
    runs = [json.loads(f.read_text()) for f in RESULTS_DIR.glob("load_*x*.json")]
    runs.sort(key=lambda r: (-r["sizes"]["trainees"], -r["sizes"]["seconds"]))
    return [run for r in runs for run in r["runs"]]


def _s(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f} s"


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f} ms"


def run() -> dict[str, str]:
    """For `python -m bench`: sizes from LOAD_BENCH_* (default 8 trainees x 180 s on both databases)."""
    from bench.stack import own_settings

    sizes = Sizes.from_env()
    runs = []
    with own_settings():
        for kind in sizes.databases:
            workdir = Path(tempfile.mkdtemp(prefix=f"coach-bench-load-{kind}-"))
            runs.append(asyncio.run(run_database(kind, sizes, workdir)))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"load_{sizes.trainees}x{sizes.seconds}.json"
    out.write_text(json.dumps({"sizes": asdict(sizes), "runs": runs}, indent=1, default=str) + "\n")
    method, results = markdown(all_runs())
    print(results)
    return {
        "title": "Load: trainees talking for minutes at once, on SQLite and PostgreSQL (issue 14)",
        "method": method,
        "results": results,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for f in fields(Sizes):
        parser.add_argument("--" + f.name, help=f"default {getattr(Sizes(), f.name)}")
    args = parser.parse_args()
    for f in fields(Sizes):
        if getattr(args, f.name) is not None:
            os.environ[f"LOAD_BENCH_{f.name.upper()}"] = getattr(args, f.name)
    from bench.__main__ import main as bench_main

    return bench_main(["load"])


if __name__ == "__main__":
    sys.exit(main())
