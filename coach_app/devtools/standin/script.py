"""What the stand-in answers (`Script`), the latencies it can mimic, and its request log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Script:
    transcripts: list[str] = field(default_factory=list)
    default_transcript: str = ""
    rules: list[tuple[str, str]] = field(default_factory=list)  # (keyword in last message, reply)
    replies: list[str] = field(default_factory=list)  # reply for user turn 1, 2, ...
    # Side requests that start with a "Task: <name>" line (the mood classifier, the hint):
    # (task name, keyword in the last message, reply); the first match answers, else `task_default`.
    task_rules: list[tuple[str, str, str]] = field(default_factory=list)
    task_default: str = "{}"
    default_reply: str = "I see. Go on."
    llm_ttft_ms: int = 0  # delay before the first token
    llm_token_ms: int = 0  # delay between tokens
    tts_ttfb_ms: int = 0  # delay before the first audio of a TTS context / HTTP request
    stt_delay_ms: int = 0  # delay before a transcription is answered
    fail: dict[str, int] = field(default_factory=dict)  # llm | llm_json | llm_task | stt | tts -> how many next fail
    voice: str = "flite"  # "flite" (speech) or "tone"


# Latencies like those of the cloud providers (Groq LLM and Whisper, ElevenLabs websocket), for benchmarks.
GROQ_LIKE = {"llm_ttft_ms": 160, "llm_token_ms": 10, "tts_ttfb_ms": 75, "stt_delay_ms": 80}
LATENCY_FIELDS = tuple(GROQ_LIKE)


@dataclass
class LogEntry:
    kind: str  # models | chat | stt | tts_ws | tts_http | voices
    at: float
    detail: dict[str, Any]
