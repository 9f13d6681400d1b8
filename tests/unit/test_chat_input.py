"""Typed messages the agent accepts (size and rate), the stored-turn cap and log-safe client strings."""

from __future__ import annotations

from livekit.agents import llm

from agent.chat_input import ChatGate
from agent.recorder import turn_fields
from coach_app.textlimits import LOG_TEXT_MAX, MESSAGE_MAX, TURN_TEXT_MAX, log_safe


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_oversize_message_is_refused_with_the_limit_named():
    v = ChatGate().check("a" * 50_000)
    assert v.text is None
    assert "50000 characters" in v.notice and str(MESSAGE_MAX) in v.notice
    assert ChatGate().check("  hello\x00 there ").text == "hello there"
    assert ChatGate().check(" \n ").text is None  # empty


def test_rate_limit_per_minute_then_recovers():
    clock = Clock()
    gate = ChatGate(per_minute=3, clock=clock)
    assert [gate.check(f"m{i}").text for i in range(3)] == ["m0", "m1", "m2"]
    refused = gate.check("m3")
    assert refused.text is None and "3 messages a minute" in refused.notice
    clock.now += 61
    assert gate.check("m4").text == "m4"


def test_refused_messages_do_not_use_up_the_rate():
    gate = ChatGate(per_minute=2, clock=Clock())
    for _ in range(5):
        gate.check("x" * (MESSAGE_MAX + 1))
    assert gate.check("ok").text == "ok" and gate.check("ok2").text == "ok2"


def test_a_stored_turn_is_capped():
    f = turn_fields(llm.ChatMessage(role="user", content=["y" * (TURN_TEXT_MAX * 5)], created_at=10.0), 0.0)
    assert len(f["text"]) == TURN_TEXT_MAX and f["text"].endswith("\u2026")


def test_log_safe_strips_line_breaks_and_cuts_long_text():
    forged = "alice\r\n2026-12-01 INFO coach: admin logged in"
    out = log_safe(forged)
    assert "\n" not in out and "\r" not in out and "\\r\\n" in out
    long = log_safe("z" * 10_000)
    assert long.startswith("z" * LOG_TEXT_MAX) and long.endswith("(10000 characters)") and len(long) < LOG_TEXT_MAX + 40
