"""The rubric judge in local mode: the local OpenAI-compatible server when there is one, else analytics only."""

from sqlmodel import Session

from coach_app.db import get_engine
from coach_app.devtools.standin import ChatStandin, judge_reply, running_standin
from coach_app.feedback.evaluate import NO_LLM_NOTE, evaluate_session
from coach_app.feedback.judge import judge_config
from coach_app.settings import Settings
from tests.support.auth import make_user
from tests.support.feedback_seed import seed_session
from tests.support.procs import free_port

SCORES = {
    "acknowledge-and-own": (90, "Owned the error.", ["That's our mistake"]),
    "resolve-on-call": (80, "Refunded during the call.", []),
    "discover-impact": (70, "Asked what it cost.", ["what did the bounced payment cost you?"]),
    "clear-next-steps": (60, "Gave a date.", []),
    "respect-time": (100, "Short call.", []),
}


def s(**env) -> Settings:
    return Settings(_env_file=None, **env)


def test_judge_follows_the_calls_llm_choice():
    assert judge_config(s()) is None  # nothing at all: analytics only
    cloud = judge_config(s(groq_api_key="gsk_x"))
    assert cloud.model == "llama-3.3-70b-versatile" and "groq" in cloud.base_url
    local = judge_config(s(local_llm_base_url="http://127.0.0.1:11434/v1/", local_llm_model="qwen2.5:3b"))
    assert (local.base_url, local.model) == ("http://127.0.0.1:11434/v1", "qwen2.5:3b")
    # A Groq key, but the team keeps the LLM local:
    mixed = judge_config(
        s(
            groq_api_key="gsk_x",
            llm_provider="local",
            local_llm_base_url="http://127.0.0.1:8080/v1",
            local_llm_model="m",
        )
    )
    assert mixed.base_url == "http://127.0.0.1:8080/v1" and mixed.api_key == "local"
    assert judge_config(s(groq_api_key="gsk_x", llm_provider="local")) is None


def test_local_model_unset_uses_what_the_server_lists_or_nothing_when_it_is_down():
    with running_standin() as server:
        cfg = judge_config(s(local_llm_base_url=server.groq_base_url))
        assert cfg.model == "llama-3.3-70b-versatile"
    assert judge_config(s(local_llm_base_url=f"http://127.0.0.1:{free_port()}/v1")) is None


async def test_local_mode_scores_the_rubric_with_the_local_server(fresh_db):
    trainee = make_user(fresh_db, "lola")
    with Session(get_engine(), expire_on_commit=False) as db:
        sid = seed_session(db, trainee.id).id
    with ChatStandin() as server:
        server.reply = judge_reply(SCORES)
        settings = s(
            database_url=fresh_db,
            local_llm_base_url=server.base_url,
            local_llm_model="llama3.2:3b",
            local_llm_api_key=server.api_key,
        )
        fb = await evaluate_session(sid, settings=settings)
        assert server.requests and server.requests[-1]["model"] == "llama3.2:3b"
    assert fb.status == "done" and fb.judge_model == "llama3.2:3b"
    assert fb.overall_score is not None and fb.analytics


async def test_local_mode_without_an_llm_gives_analytics_and_says_rubric_needs_an_llm(fresh_db):
    trainee = make_user(fresh_db, "lena")
    with Session(get_engine(), expire_on_commit=False) as db:
        sid = seed_session(db, trainee.id).id
    fb = await evaluate_session(sid, settings=s(database_url=fresh_db))
    assert fb.status == "done" and fb.overall_score is None and fb.analytics
    assert fb.note == NO_LLM_NOTE and "needs an LLM" in fb.note
