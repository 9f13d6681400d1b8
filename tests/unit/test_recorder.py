"""What the agent records: turns from chat messages, usage totals, and how a call's end is classified."""

from __future__ import annotations

import pytest
from livekit.agents import llm
from livekit.agents.metrics.usage import AgentSessionUsage, LLMModelUsage, STTModelUsage, TTSModelUsage
from livekit.agents.voice.events import CloseReason

from agent.recorder import outcome, turn_fields, usage_totals
from coach_app.models import SessionStatus, Speaker

T0 = 1_700_000_000.0


def test_user_message_becomes_a_trainee_turn_with_its_delays():
    msg = llm.ChatMessage(
        role="user",
        content=["  I can refund it now. "],
        created_at=T0 + 9.0,
        metrics={
            "started_speaking_at": T0 + 5.25,
            "stopped_speaking_at": T0 + 8.5,
            "end_of_turn_delay": 0.61,
            "transcription_delay": 0.2,
        },
    )
    f = turn_fields(msg, T0)
    assert f["speaker"] == Speaker.trainee and f["text"] == "I can refund it now."
    assert (f["start"], f["end"]) == (5.25, 8.5)
    assert (f["end_of_turn_delay"], f["transcription_delay"]) == (0.61, 0.2)
    assert f["llm_ttft"] is None and f["e2e_latency"] is None


def test_assistant_message_becomes_a_persona_turn_with_latencies():
    msg = llm.ChatMessage(
        role="assistant",
        content=["Fine."],
        interrupted=True,
        created_at=T0 + 10,
        metrics={
            "started_speaking_at": T0 + 10.0,
            "stopped_speaking_at": T0 + 11.5,
            "llm_node_ttft": 0.05,
            "tts_node_ttfb": 0.08,
            "e2e_latency": 1.4,
        },
    )
    f = turn_fields(msg, T0)
    assert f["speaker"] == Speaker.persona and f["interrupted"] is True
    assert (f["llm_ttft"], f["tts_ttfb"], f["e2e_latency"]) == (0.05, 0.08, 1.4)


def test_message_without_timing_uses_its_creation_time():
    f = turn_fields(llm.ChatMessage(role="assistant", content=["Hello?"], created_at=T0 + 3.0), T0)
    assert (f["start"], f["end"]) == (3.0, 3.0)


@pytest.mark.parametrize(
    "msg",
    [
        llm.ChatMessage(role="system", content=["You are Margaret."]),
        llm.ChatMessage(role="user", content=["   "]),
        llm.ChatMessage(role="assistant", content=[], interrupted=True),
    ],
)
def test_non_spoken_items_are_not_turns(msg):
    assert turn_fields(msg, T0) is None


def test_usage_totals_add_up_every_model():
    usage = AgentSessionUsage(
        model_usage=[
            STTModelUsage(provider="groq", model="whisper", audio_duration=3.25),
            STTModelUsage(provider="other", model="x", audio_duration=1.0),
            LLMModelUsage(provider="groq", model="llama", input_tokens=900, output_tokens=40),
            TTSModelUsage(provider="ElevenLabs", model="flash", characters_count=180),
        ]
    )
    assert usage_totals(usage) == {
        "stt_audio_seconds": 4.25,
        "llm_prompt_tokens": 900,
        "llm_completion_tokens": 40,
        "tts_characters": 180,
    }


@pytest.mark.parametrize(
    ("requested", "reason", "expected"),
    [
        ("trainee_ended", CloseReason.PARTICIPANT_DISCONNECTED, (SessionStatus.completed, "trainee_ended")),
        ("time_limit", CloseReason.JOB_SHUTDOWN, (SessionStatus.completed, "time_limit")),
        (None, CloseReason.PARTICIPANT_DISCONNECTED, (SessionStatus.abandoned, "trainee_left")),
        ("trainee_left", CloseReason.USER_INITIATED, (SessionStatus.abandoned, "trainee_left")),
        (None, CloseReason.ERROR, (SessionStatus.failed, "provider_error")),
        (None, CloseReason.JOB_SHUTDOWN, (SessionStatus.failed, "agent_shutdown")),
        (None, None, (SessionStatus.failed, "agent_error")),
    ],
)
def test_how_a_call_ended_decides_its_status(requested, reason, expected):
    assert outcome(requested, reason) == expected


def test_typed_messages_are_marked_typed_and_speech_is_not():
    typed = turn_fields(llm.ChatMessage(role="user", content=["refund please"], created_at=T0 + 2), T0)
    spoken = turn_fields(
        llm.ChatMessage(role="user", content=["refund please"], created_at=T0 + 2, transcript_confidence=0.9), T0
    )
    persona = turn_fields(llm.ChatMessage(role="assistant", content=["Fine."], created_at=T0 + 3), T0)
    assert typed["typed"] is True
    assert spoken["typed"] is False and persona["typed"] is False
