"""Fixtures of the e2e tests that drive calls through the plain HTTP API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import service_env
from tests.support.rtc_trainee import start_api_server


@pytest.fixture(scope="module")
def api_base(db_url: str, livekit, run_dir: Path) -> Iterator[str]:
    """The Starlette API (`coach_app.api.routes:api`) over real HTTP, against the suite's DB and LiveKit."""
    proc, base = start_api_server(service_env(db_url, livekit), run_dir)
    yield base
    proc.stop()
