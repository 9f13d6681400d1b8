"""The worker's log lines for people: `coach dev` (make dev) asks for these instead of JSON.

LiveKit's own `colored` format still appends every record's extra fields (pid, job id, room ids...)
as JSON, which makes a call hard to follow in a terminal. This keeps LiveKit's logging set-up
(levels, noisy loggers silenced, plugin loggers) and only swaps the formatter: time, level, logger,
message. Job processes forward their records to the worker process, so they come out the same way.
"""

from __future__ import annotations

import logging

HUMAN_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def use_human_logs() -> None:
    """Make LiveKit's worker start-up set up human-readable logging (call before it starts)."""
    from livekit.agents.cli import cli as lk_cli
    from livekit.agents.cli import log as lk_log

    def setup(log_level: str, devmode: bool, console: bool, compact: bool = False) -> None:  # noqa: ARG001
        lk_log.setup_logging(log_level, devmode=True, console=False, compact=True)
        for handler in logging.getLogger().handlers:
            handler.setFormatter(logging.Formatter(HUMAN_FORMAT, datefmt="%H:%M:%S"))

    lk_cli.setup_logging = setup
