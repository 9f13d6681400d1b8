"""What a call's log says about each turn: no words at INFO (what people said stays out of ordinary
logs), the text only at DEBUG and with line breaks escaped (a typed CR/LF cannot forge log lines)."""

from __future__ import annotations

import logging

from livekit.agents import llm

from agent.recorder import CallRecorder

SECRET = "my card number is 4111 1111\r\n2026-12-01 INFO coach: forged line"


async def test_turn_text_is_logged_only_at_debug_and_escaped(fresh_db, caplog):
    recorder = CallRecorder(1, t0=1000.0)
    with caplog.at_level(logging.DEBUG, logger="coach.agent.recorder"):
        recorder.add_message(llm.ChatMessage(role="user", content=[SECRET], created_at=1005.0))
    await recorder.aclose()
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert info and not any("4111" in m for m in info)
    assert any("4111" in m for m in debug)
    assert not any("\n" in m or "\r" in m for m in info + debug)
