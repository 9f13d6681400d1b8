"""A worker takes exactly AGENT_MAX_CALLS calls, as livekit-server decides who gets a job.

livekit-server gives a job to a worker with affinity `max(0, target_load - reported load)`
(`pkg/service/agentservice.go`, target_load 0.7 by default): a worker with no affinity gets none.
"""

from __future__ import annotations

import pytest

from coach_app.calls.workers import LIVEKIT_TARGET_LOAD, reported_load


def _livekit_affinity(load: float) -> float:
    return max(0.0, LIVEKIT_TARGET_LOAD - load)


@pytest.mark.parametrize("max_calls", [1, 2, 4, 9, 100])
def test_every_call_up_to_the_maximum_is_offered_to_the_worker(max_calls):
    assert all(_livekit_affinity(reported_load(n, max_calls)) > 0 for n in range(max_calls))


@pytest.mark.parametrize("max_calls", [1, 4, 9])
def test_a_worker_with_all_its_calls_is_full(max_calls):
    assert _livekit_affinity(reported_load(max_calls, max_calls)) == 0
    assert reported_load(max_calls + 1, max_calls) == pytest.approx(LIVEKIT_TARGET_LOAD)
