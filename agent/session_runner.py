"""Runs one practice call in a job process."""

from __future__ import annotations

import logging

from livekit.agents import JobContext

logger = logging.getLogger("coach.agent")


async def run_session(ctx: JobContext) -> None:
    await ctx.connect()
    logger.info("joined room %s", ctx.room.name)
