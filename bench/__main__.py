"""Run every benchmark module `bench/bench_*.py` and write `bench/results.md`.

Each module has `run() -> dict` with "title", "method" (markdown) and "results" (markdown); its
section is kept in `bench/results/<module>.md`, and `bench/results.md` gathers every section there.
`python -m bench [name ...]` runs only the named modules (e.g. `feedback`); the other modules'
last results stay in `bench/results.md`.
"""

from __future__ import annotations

import importlib
import os
import platform
import sqlite3
import sys
import time
from datetime import UTC, datetime
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
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    for name in names:
        print(f"running {name} ...", flush=True)
        t0 = time.perf_counter()
        out = importlib.import_module(f"bench.{name}").run()
        print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
        machine = (
            f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {platform.machine()}, {os.cpu_count()} CPU(s), "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}."
        )
        (out_dir / f"{name}.md").write_text(
            f"## {out['title']}\n\n{machine}\n\n### Method\n\n{out['method'].strip()}\n\n"
            f"### Results\n\n{out['results'].strip()}\n",
            encoding="utf-8",
        )
    sections = [p.read_text(encoding="utf-8") for p in sorted(out_dir.glob("bench_*.md"))]
    header = (
        "# Benchmark results\n\n"
        "Written by `python -m bench` (`make bench`); one section per `bench/bench_*.py`. Times are wall-clock "
        "and vary with the machine's load, so treat them as orders of magnitude, not exact figures.\n\n"
    )
    (HERE / "results.md").write_text(header + "\n".join(sections), encoding="utf-8")
    print(f"wrote {HERE / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
