"""CPU time and memory of process groups, from /proc (Linux), for the benchmarks.

Each server a benchmark starts (`tests.support.procs.Proc`) leads its own process group, and its
children (the agent worker's job processes) stay in it, so a group is "that server, all of it".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stats() -> list[tuple[int, list[str]]]:
    """(pid, the /proc/<pid>/stat fields after the command name) of every process."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                out.append((int(entry), Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()))
            except OSError:
                continue
    return out


def group_pids(pgid: int) -> list[int]:
    return [pid for pid, fields in _stats() if int(fields[2]) == pgid]


def children_pids(root: int) -> list[int]:
    """`root` and its direct children (PostgreSQL's backends each lead their own process group)."""
    return [pid for pid, fields in _stats() if pid == root or int(fields[1]) == root]


def cpu_by_pid(pgid: int, pids: list[int] | None = None) -> dict[int, float]:
    """User + system CPU seconds of each live process of the group (or of `pids`)."""
    out = {}
    for pid in group_pids(pgid) if pids is None else pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the group's live processes (a process that exited is not counted)."""
    return sum(cpu_by_pid(pgid).values())


class GroupCpu:
    """CPU seconds a group (or, with `tree=True`, the process `pgid` and its children) used over a
    window, processes that exit during it included: call `sample()` every second or so (an exiting
    process is counted up to its last sample)."""

    def __init__(self, pgid: int, tree: bool = False) -> None:
        self.pgid, self.tree = pgid, tree
        self.start = self._now()
        self.last = dict(self.start)

    def _now(self) -> dict[int, float]:
        return cpu_by_pid(self.pgid, children_pids(self.pgid) if self.tree else None)

    def sample(self) -> None:
        self.last.update(self._now())

    def seconds(self) -> float:
        return sum(v - self.start.get(pid, 0.0) for pid, v in self.last.items())


@dataclass
class Memory:
    processes: int
    rss_mb: float  # resident set, shared pages counted in every process
    pss_mb: float  # proportional set: shared pages split between the processes sharing them


def memory(pgid: int) -> Memory:
    n, rss, pss = 0, 0, 0
    for pid in group_pids(pgid):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        values = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:] if line.endswith("kB")}
        n, rss, pss = n + 1, rss + values.get("Rss", 0), pss + values.get("Pss", 0)
    return Memory(n, round(rss / 1024, 1), round(pss / 1024, 1))


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine (all cores), from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)
