"""The rubric judge and evaluate_session against a local OpenAI-compatible stand-in on 127.0.0.1."""

import json

import pytest
from sqlmodel import Session, select

from coach_app.db import get_engine
from coach_app.devtools.standin import ChatStandin, judge_reply
from coach_app.feedback.analytics import turn_data
from coach_app.feedback.evaluate import NO_LLM_NOTE, SessionNotFound, evaluate_session
from coach_app.feedback.judge_answer import find_quote, normalise_for_match
from coach_app.feedback.judge_prompt import PROMPT_VERSION
from coach_app.models import Feedback
from coach_app.settings import Settings
from tests.support.auth import make_user
from tests.support.feedback_seed import BILLING_JUDGE, T, seed_session


@pytest.fixture(scope="module")
def llm():
    with ChatStandin() as s:
        yield s


@pytest.fixture
def judge_settings(llm, fresh_db):
    llm.reply_fn = None
    llm.status = 200
    llm.requests.clear()
    return Settings(groq_api_key=llm.api_key, groq_base_url=llm.base_url, feedback_judge_model="judge-standin")


@pytest.fixture
def trainee(fresh_db):
    return make_user(fresh_db, "tina", team="red")


def _seed(**kw) -> int:
    with Session(get_engine(), expire_on_commit=False) as db:
        return seed_session(db, kw.pop("user_id"), **kw).id


def _rows(session_id: int) -> list[Feedback]:
    with Session(get_engine()) as db:
        return list(db.exec(select(Feedback).where(Feedback.session_id == session_id).order_by(Feedback.id)).all())


async def test_scores_are_weighted_and_invented_quotes_dropped_and_flagged(llm, judge_settings, trainee):
    sid = _seed(user_id=trainee.id)
    llm.reply = judge_reply(BILLING_JUDGE)
    fb = await evaluate_session(sid, settings=judge_settings)

    assert fb.status == "done", fb.error
    # (90*25 + 80*30 + 70*20 + 60*15 + 100*10) / 100
    assert fb.overall_score == 79.5
    assert fb.pass_mark == 70 and fb.passed is True
    assert fb.judge_model == "judge-standin" and fb.prompt_version == PROMPT_VERSION
    assert (fb.judge_prompt_tokens, fb.judge_completion_tokens) == (1200, 150)
    by_id = {o["id"]: o for o in fb.objectives}
    assert [q["seq"] for q in by_id["acknowledge-and-own"]["quotes"]] == [1, 1]
    assert by_id["discover-impact"]["quotes"] == [
        {"text": "what did the bounced payment cost you?", "seq": 3, "speaker": "trainee"}
    ]
    assert by_id["discover-impact"]["invented_quotes"] == ["I have lost my job because of you"]
    assert by_id["resolve-on-call"]["rationale"] == "She refunded the charge and the fee during the call."
    assert "1 quote that is not in the transcript" in fb.note
    assert fb.analytics["talk_ratio"] is not None and fb.analytics["interruptions"]["count"] == 1

    body = llm.requests[-1]
    assert body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    assert body["model"] == "judge-standin"
    prompt = body["messages"][-1]["content"]
    assert (
        '{"n": 3, "t": "00:21", "speaker": "trainee", "text": "Um, what did the bounced payment cost you? '
        'I can cover the bank fee as well."}'
    ) in prompt
    assert 'id "resolve-on-call" (weight 30)' in prompt


async def test_pass_mark_comes_from_the_persona(llm, judge_settings, trainee):
    # compliance-identity-check has pass_mark 75; all objectives at 72 -> 72 < 75
    sid = _seed(user_id=trainee.id, persona_id="compliance-identity-check")
    with Session(get_engine()) as db:
        from coach_app.models import PracticeSession

        rubric = db.get(PracticeSession, sid).rubric
    llm.reply = judge_reply({o["id"]: (72, "Adequate.", []) for o in rubric})
    fb = await evaluate_session(sid, settings=judge_settings)
    assert (fb.status, fb.overall_score, fb.pass_mark, fb.passed) == ("done", 72.0, 75.0, False)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("Sure! Here are the scores: great job", "the judge's answer is not valid JSON"),
        (json.dumps({"scores": []}), 'no "objectives" list'),
        (
            judge_reply({k: v for k, v in BILLING_JUDGE.items() if k != "respect-time"}),
            "no score for objective(s): 'respect-time'",
        ),
        (
            judge_reply({**BILLING_JUDGE, "resolve-on-call": (140, "Wow.", [])}),
            "score for objective 'resolve-on-call' is 140, outside 0-100",
        ),
        (
            judge_reply({**BILLING_JUDGE, "resolve-on-call": ("high", "Wow.", [])}),
            "score for objective 'resolve-on-call' is not a number",
        ),
    ],
)
async def test_malformed_judge_output_fails_clearly_and_keeps_analytics(llm, judge_settings, trainee, reply, error):
    sid = _seed(user_id=trainee.id)
    llm.reply = reply
    fb = await evaluate_session(sid, settings=judge_settings)
    assert fb.status == "failed"
    assert error in fb.error
    assert fb.overall_score is None and fb.objectives == []
    assert fb.analytics["words"]["trainee"] > 0  # analytics are saved all the same
    assert fb.finished_at is not None


async def test_provider_error_is_reported_without_the_key(llm, judge_settings, trainee):
    sid = _seed(user_id=trainee.id)
    llm.status = 503
    fb = await evaluate_session(sid, settings=judge_settings)
    assert fb.status == "failed"
    assert "HTTP 503" in fb.error and "judge-standin" in fb.error
    assert llm.api_key not in fb.error


async def test_unreachable_provider_fails_clearly(trainee):
    sid = _seed(user_id=trainee.id)
    settings = Settings(groq_api_key="k", groq_base_url="http://127.0.0.1:9/openai/v1", feedback_judge_model="j")
    fb = await evaluate_session(sid, settings=settings)
    assert fb.status == "failed" and "could not be reached" in fb.error


async def test_without_a_provider_only_analytics_with_a_clear_note(trainee):
    sid = _seed(user_id=trainee.id)
    fb = await evaluate_session(sid, settings=Settings())
    assert fb.status == "done"
    assert fb.note == NO_LLM_NOTE and "needs an LLM" in fb.note
    assert fb.objectives == [] and fb.overall_score is None and fb.passed is None
    assert fb.analytics["questions"]["open"] == 1


async def test_automatic_runs_are_idempotent_and_reruns_keep_history(llm, judge_settings, trainee):
    sid = _seed(user_id=trainee.id)
    llm.reply = judge_reply(BILLING_JUDGE)
    first = await evaluate_session(sid, settings=judge_settings)
    again = await evaluate_session(sid, settings=judge_settings)  # e.g. the agent calls it twice
    assert again.id == first.id and len(llm.requests) == 1

    manager = make_user(judge_settings.database_url, "mona", role="manager", team="red")
    llm.reply = judge_reply({**BILLING_JUDGE, "resolve-on-call": (40, "Refund only promised.", [])})
    rerun = await evaluate_session(sid, requested_by=manager.id, settings=judge_settings)
    rows = _rows(sid)
    assert [r.id for r in rows] == [first.id, rerun.id]
    assert rows[-1].requested_by == manager.id and rows[-1].overall_score == 67.5
    assert rows[0].overall_score == 79.5  # history is kept


async def test_failed_automatic_run_is_retried(llm, judge_settings, trainee):
    sid = _seed(user_id=trainee.id)
    llm.status = 500
    assert (await evaluate_session(sid, settings=judge_settings)).status == "failed"
    llm.status = 200
    llm.reply = judge_reply(BILLING_JUDGE)
    assert (await evaluate_session(sid, settings=judge_settings)).status == "done"
    assert [r.status for r in _rows(sid)] == ["failed", "done"]


async def test_no_trainee_speech_scores_zero_without_asking_the_judge(llm, judge_settings, trainee):
    sid = _seed(user_id=trainee.id, turns=[T(0, "persona", 0, 5, "Hello? Is anyone there?")])
    fb = await evaluate_session(sid, settings=judge_settings)
    assert (fb.status, fb.overall_score, fb.passed) == ("done", 0.0, False)
    assert all(o["score"] == 0 for o in fb.objectives) and len(fb.objectives) == 5
    assert llm.requests == []


async def test_unknown_session_raises(fresh_db):
    with pytest.raises(SessionNotFound, match="no practice session with id 999"):
        await evaluate_session(999, settings=Settings())


def test_quote_matching_ignores_case_punctuation_and_spacing_but_not_words():
    turns = turn_data(
        [T(0, "trainee", 0, 1, "I'm  so sorry -- that's OUR mistake!"), T(1, "persona", 2, 3, "We were refunded.")]
    )
    assert find_quote("i'm so sorry, that's our mistake", turns).seq == 0
    assert find_quote("sorry that's our", turns).seq == 0
    assert find_quote("we were refund", turns) is None  # whole words only
    assert find_quote("we were refunded", turns).speaker == "persona"
    assert find_quote("...", turns) is None
    thai = turn_data([T(0, "trainee", 0, 1, "ขอโทษด้วยนะคะ เป็นความผิดของเราเอง")])
    assert find_quote("เป็นความผิด ของเรา", thai, "th-TH").seq == 0  # spacing differs in Thai
    assert normalise_for_match("Hello,   World!") == "hello world"
