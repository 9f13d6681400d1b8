"""Run every benchmark module `bench/bench_*.py` and write `bench/results.md`.

Each module has `run() -> dict` with "title", "method" (markdown) and "results" (markdown).
`python -m bench [name ...]` runs only the named modules (e.g. `feedback`).
"""

from __future__ import annotations

import importlib
import os
import platform
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    os.environ.setdefault("COACH_ENV_FILE", "")  # never read a developer's .env
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if argv:
        wanted = {a if a.startswith("bench_") else f"bench_{a}" for a in argv}
        unknown = wanted - set(names)
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have: {', '.join(names)}", file=sys.stderr)
            return 2
        names = [n for n in names if n in wanted]
    sections = []
    for name in names:
        print(f"running {name} ...", flush=True)
        t0 = time.perf_counter()
        out = importlib.import_module(f"bench.{name}").run()
        print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
        sections.append(f"## {out['title']}\n\n### Method\n\n{out['method'].strip()}\n\n### Results\n\n{out['results'].strip()}\n")
    header = (
        "# Benchmark results\n\n"
        f"Written by `python -m bench` (`make bench`) on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}. Times are wall-clock on a machine shared with other work, "
        "so treat them as orders of magnitude, not exact figures.\n\n"
    )
    (HERE / "results.md").write_text(header + "\n".join(sections), encoding="utf-8")
    print(f"wrote {HERE / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
