"""Two trainees talking at once for about 40 s each through the real stack, on SQLite: the short
version of the load run in bench/bench_load.py (issue 14). Every line a trainee said is stored as
its turn and every reply as the persona's, in order; every session ends `completed`; no log holds
`database is locked` or a Traceback. No timing is asserted (the figures are the bench's).
"""

from __future__ import annotations

import asyncio

from bench.bench_load import Sizes, run_database, summarise


def test_two_trainees_at_once_every_turn_stored_and_no_lock_errors(tmp_path):
    run = asyncio.run(run_database("sqlite", Sizes(trainees=2, seconds=40, databases=("sqlite",)), tmp_path))
    m = summarise(run)

    assert m["failed"] == []
    assert m["completed"] == 2, [(c["who"], c.get("status"), c.get("end_reason")) for c in run["calls"]]
    assert m["lines_said"] >= 2  # each trainee said at least one line
    assert m["problems"] == []  # every line a trainee turn, every reply a persona turn, in order
    assert m["trainee_stored"] == m["lines_said"]
    assert m["persona_stored"] == m["replies_heard"] + 2  # the replies and the two greetings
    found = [line for e in run["log_errors"].values() for line in e["lines"]]
    assert [line for line in found if "database is locked" in line.lower() or "Traceback" in line] == []
    assert run["heartbeat"]["probe_errors"] == []
