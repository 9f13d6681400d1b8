"""Strings the browser sends to the call page's handlers are logged with CR/LF escaped, so a
tampered client cannot forge log lines (the handlers run as the page would run them)."""

from __future__ import annotations

import logging

from coach_app.state.call import CallState

FORGED = "2026-12-01 09:00:00 INFO coach.auth: admin logged in"


def test_call_error_event_cannot_forge_log_lines(caplog):
    state = CallState(_reflex_internal_init=True)
    with caplog.at_level(logging.INFO, logger="coach.call"):
        CallState.on_error.fn(state, {"kind": "media\r\n" + FORGED, "message": "mic lost\n" + FORGED})
    [line] = [r.getMessage() for r in caplog.records]
    assert "\n" not in line and "\r" not in line
    assert "media\\r\\n2026-12-01" in line and "mic lost\\n2026-12-01" in line
