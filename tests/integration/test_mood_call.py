"""The customer's mood and the help buttons in a real call: livekit-server, the agent worker, the
stand-in providers (its LLM answers the mood classifier's and the hint's requests by task).

Typed lines drive the call: one that hits an escalation trigger raises anger, one that hits a
de-escalation point lowers it; each is stored on the turn, published to the room, and told to the
persona for its next reply. Hint and Repeat answer the trainee (nobody else) and are recorded.
"""

from __future__ import annotations

import json

import pytest
from livekit import api, rtc
from sqlmodel import Session

from agent.mood_llm import CLASSIFIER_TASK, HINT_TASK
from coach_app.calls.rooms import HINT_RPC, MOOD_ATTRIBUTE, REPEAT_RPC
from coach_app.db import make_engine
from coach_app.models import PracticeSession, Speaker
from coach_app.personas.catalogue import get_persona
from tests.integration.test_agent_room_input import _join, _turns, _until

TRIGGER = "I understand your frustration, really I do."
CALMING = "I am sorry for the double charge and for the two promises we broke."
HINT = "Offer to refund the $94.99 and the $25 fee now, with a reference number."
CLASSIFIER = CLASSIFIER_TASK.removeprefix("Task: ")


def _agent(room: rtc.Room) -> rtc.RemoteParticipant:
    return next(p for p in room.remote_participants.values() if p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT)


def _reply_requests(standin, line: str) -> list[list[dict]]:
    """The persona's reply requests (not the side tasks) whose last trainee message is `line`."""
    out = []
    for e in standin.entries("chat"):
        msgs = e.detail["messages"]
        last_user = next((m for m in reversed(msgs) if m.get("role") == "user"), {})
        if not str(msgs[0].get("content", "")).startswith("Task: ") and line in json.dumps(last_user):
            out.append(msgs)
    return out


async def _say(room, db_url, sid, text):
    await room.local_participant.send_text(text, topic="lk.chat")
    await _until(lambda: any(t.text == text for t in _turns(db_url, sid)), 30, f"the turn {text!r}")
    await _until(lambda: _turns(db_url, sid)[-1].speaker == Speaker.persona, 30, "the persona's answer")
    return next(t for t in _turns(db_url, sid) if t.text == text)


async def test_mood_moves_with_the_trainee_and_drives_the_persona(livekit, agent_worker, db_url, standin):
    margaret = get_persona("billing-dispute-gold")
    standin.script.task_rules = [
        (CLASSIFIER, "understand your frustration", json.dumps({"escalation_trigger": 1, "anger": 2, "trust": -1})),
        (CLASSIFIER, "double charge", json.dumps({"deescalation_point": 0, "anger": -2, "trust": 1, "progress": 1})),
        (HINT_TASK.removeprefix("Task: "), "", HINT),
    ]
    ps, room, _ = await _join(livekit, db_url, "mood-trainee")
    try:
        opening = _turns(db_url, ps.id)[0]
        assert opening.mood["phase"] == "opening" and opening.mood["anger"] == 8

        angry = await _say(room, db_url, ps.id, TRIGGER)
        assert (angry.mood["anger"], angry.mood["trust"], angry.mood["phase"]) == (10, 2, "escalated")
        assert angry.mood["source"] == "llm" and angry.mood["hit"]["kind"] == "trigger"
        assert angry.mood["hit"]["when"] == margaret.phases.escalation_triggers[1].when
        instructions = _reply_requests(standin, TRIGGER)[-1][0]["content"]
        assert "Phase: escalated. Anger 10/10, trust 2/10, progress 1/10." in instructions
        assert margaret.phases.escalation_triggers[1].reaction in instructions
        # The classifier got the trainee's words as data inside its markers.
        classified = [
            e for e in standin.entries("chat") if e.detail["messages"][0]["content"].startswith(CLASSIFIER_TASK)
        ]
        assert TRIGGER in classified[0].detail["messages"][-1]["content"].split("<<<TURN ")[1]
        await _until(
            lambda: json.loads(_agent(room).attributes.get(MOOD_ATTRIBUTE, "{}")).get("anger") == 10, 10, "the meter"
        )

        calmer = await _say(room, db_url, ps.id, CALMING)
        assert (calmer.mood["anger"], calmer.mood["trust"], calmer.mood["progress"]) == (8, 3, 2)
        assert calmer.mood["hit"]["kind"] == "deescalation"
        assert "Phase: calming. Anger 8/10, trust 3/10" in _reply_requests(standin, CALMING)[-1][0]["content"]
        await _until(lambda: json.loads(_agent(room).attributes[MOOD_ATTRIBUTE])["anger"] == 8, 10, "the meter")

        # Help: a hint, then the persona's last line again.
        hint = await room.local_participant.perform_rpc(
            destination_identity=_agent(room).identity, method=HINT_RPC, payload=""
        )
        assert hint == HINT
        last_line = _turns(db_url, ps.id)[-1].text
        repeated = await room.local_participant.perform_rpc(
            destination_identity=_agent(room).identity, method=REPEAT_RPC, payload=""
        )
        assert repeated == last_line
        await _until(lambda: [t.text for t in _turns(db_url, ps.id)][-2:] == [last_line, last_line], 30, "the repeat")

        def events():
            with Session(make_engine(db_url)) as db:
                return db.get(PracticeSession, ps.id).help_events

        await _until(lambda: len(events()) == 2, 10, "the help to be recorded")
        hint_event, repeat_event = events()
        assert (hint_event["kind"], hint_event["text"], hint_event["source"]) == ("hint", HINT, "llm")
        assert (repeat_event["kind"], repeat_event["text"]) == ("repeat", last_line)
        assert hint_event["after_seq"] == calmer.seq + 1
    finally:
        await room.disconnect()


async def test_only_the_trainee_gets_help(livekit, agent_worker, db_url, standin):
    ps, room, _ = await _join(livekit, db_url, "mood-owner")
    intruder = rtc.Room()
    token = (
        api.AccessToken(livekit.api_key, livekit.api_secret)
        .with_identity("mood-intruder")
        .with_grants(api.VideoGrants(room_join=True, room=ps.room_name))
        .to_jwt()
    )
    await intruder.connect(livekit.url, token)
    try:
        for method in (HINT_RPC, REPEAT_RPC):
            with pytest.raises(rtc.RpcError) as refused:
                await intruder.local_participant.perform_rpc(
                    destination_identity=_agent(room).identity, method=method, payload=""
                )
            assert "only the session's trainee" in refused.value.message
        with Session(make_engine(db_url)) as db:
            assert db.get(PracticeSession, ps.id).help_events == []
    finally:
        await intruder.disconnect()
        await room.disconnect()


async def test_the_customer_walks_away_in_character_and_the_call_ends(livekit, agent_worker, db_url, standin):
    line = "Honestly, nothing can be done today, let me transfer you."
    standin.script.task_rules = [
        (CLASSIFIER, "nothing can be done", json.dumps({"walk_away": 0, "anger": 2, "trust": -2}))
    ]
    ps, room, _ = await _join(livekit, db_url, "mood-walkout")
    try:
        turn = await _say(room, db_url, ps.id, line)
        assert turn.mood["phase"] == "walking_away" and turn.mood["hit"]["kind"] == "walk_away"
        reply_request = _reply_requests(standin, line)[-1]
        assert "you are hanging up" in reply_request[0]["content"]  # the instructions
        assert reply_request[-1]["role"] == "system" and "you are hanging up" in reply_request[-1]["content"]

        def ended():
            with Session(make_engine(db_url)) as db:
                s = db.get(PracticeSession, ps.id)
                return (s.status.value, s.end_reason) if s.status.value != "live" else None

        assert await _until(ended, 30, "the call to end") == ("completed", "persona_walked_away")
    finally:
        await room.disconnect()


async def test_an_assessment_tracks_the_mood_but_shows_no_meter_and_gives_no_hints(
    livekit, agent_worker, db_url, standin
):
    from coach_app.calls.rooms import mint_trainee_token
    from coach_app.calls.start import start_session
    from coach_app.settings import Settings
    from tests.support.auth import make_user

    standin.script.task_default = "Sure! She is angrier now."  # not JSON: the keyword engine decides
    user = make_user(db_url, "mood-assessed")
    with Session(make_engine(db_url), expire_on_commit=False) as db:
        ps = start_session(db, user, "billing-dispute-gold")
        ps.mode = "assessment"  # as a persona with `mode: assessment` starts it
        db.add(ps)
        db.commit()
    settings = Settings(livekit_url=livekit.url, livekit_api_key=livekit.api_key, livekit_api_secret=livekit.api_secret)
    room = rtc.Room()
    await room.connect(livekit.url, mint_trainee_token(ps, user, settings))
    try:
        await _until(lambda: _turns(db_url, ps.id), 40, "the persona's opening turn")
        turn = await _say(room, db_url, ps.id, TRIGGER)
        assert (turn.mood["anger"], turn.mood["source"], turn.mood["hit"]["kind"]) == (10, "keywords", "trigger")
        assert "no JSON object" in turn.mood["note"]
        assert MOOD_ATTRIBUTE not in _agent(room).attributes
        with pytest.raises(rtc.RpcError) as refused:
            await room.local_participant.perform_rpc(
                destination_identity=_agent(room).identity, method=HINT_RPC, payload=""
            )
        assert "hints are off in an assessment" in refused.value.message
    finally:
        await room.disconnect()
