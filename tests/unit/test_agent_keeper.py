"""When the agent keeper leaves a call alone: an agent that may still arrive is not sent twice."""

from __future__ import annotations

from livekit import api

from coach_app.calls.dispatch import _may_still_arrive

NOW = 100 * 10**9
AGENT = "coach-persona"


def _dispatch(created_s: float, job: tuple[int, float] | None = None, agent: str = AGENT) -> api.AgentDispatch:
    """A dispatch created at `created_s`, optionally with a job (status, started at s)."""
    d = api.AgentDispatch(agent_name=agent, room="r")
    d.state.created_at = int(created_s * 1e9)
    if job is not None:
        j = d.state.jobs.add()
        j.state.status, j.state.started_at = job[0], int(job[1] * 1e9)
    return d


def test_a_new_dispatch_or_a_job_just_started_may_still_bring_the_agent():
    assert _may_still_arrive([_dispatch(99)], AGENT, NOW)
    assert _may_still_arrive([_dispatch(10), _dispatch(50, (api.JobStatus.JS_RUNNING, 99))], AGENT, NOW)
    assert _may_still_arrive([_dispatch(50, (api.JobStatus.JS_PENDING, 98.5))], AGENT, NOW)


def test_a_long_running_job_whose_agent_is_gone_is_lost():
    assert not _may_still_arrive([_dispatch(10, (api.JobStatus.JS_RUNNING, 11))], AGENT, NOW)
    assert not _may_still_arrive([_dispatch(10, (api.JobStatus.JS_FAILED, 99))], AGENT, NOW)
    assert not _may_still_arrive([], AGENT, NOW)


def test_another_agents_dispatches_do_not_count():
    assert not _may_still_arrive([_dispatch(99, agent="another-agent")], AGENT, NOW)
