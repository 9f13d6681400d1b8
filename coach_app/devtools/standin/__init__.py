"""A local stand-in for the speech and language providers, for tests and offline development.

One aiohttp server on 127.0.0.1 speaks the wire protocols the real LiveKit plugins use, so the
plugins run unchanged against it:

Groq (OpenAI-compatible; point GROQ_BASE_URL at http://127.0.0.1:PORT/openai/v1)   `openai_chat`
  GET  .../models                       model list (the LLM plugin's prewarm request)
  POST .../chat/completions             JSON or SSE stream (`stream: true`), usage in a final
                                        chunk when `stream_options.include_usage` is set
  POST .../audio/transcriptions         multipart WAV upload -> json / verbose_json / text   `transcriptions`
ElevenLabs (point ELEVENLABS_BASE_URL at http://127.0.0.1:PORT/v1)                  `elevenlabs`
  WS   .../text-to-speech/{voice}/multi-stream-input    contexts, flush, close_context, alignment
  POST .../text-to-speech/{voice}/stream                 chunked audio
  GET  .../voices

Behaviour is scripted and deterministic (see `script.Script`):
- transcription: silent audio gives ""; speech gives the next scripted transcript, then
  `default_transcript`.
- chat: the first rule whose keyword appears in the last message wins, else the reply for this
  user turn (counted from the request's messages), else `default_reply`.
- speech: `flite` (voice slt) synthesises the text, resampled to the requested `pcm_<rate>`;
  without flite, or with `voice="tone"` (cheap: the stand-in's own CPU stays out of a benchmark),
  a 220 Hz tone as long as the text would take to say. Alignment gives every character a slot.
- latency (all 0 by default, so tests run fast): `llm_ttft_ms` before the first token, then
  `llm_token_ms` between tokens; `tts_ttfb_ms` before the first audio of a TTS context (or HTTP
  request); `stt_delay_ms` before a transcription is answered. `GROQ_LIKE` holds cloud-like values.
- failures: `fail[kind] = n` makes the next n requests of that kind fail (HTTP 503, or an
  `error` message on the TTS websocket). Kinds: "llm" (streamed chat, i.e. the live persona),
  "llm_json" (non-streamed chat, e.g. the rubric judge), "stt", "tts".
- `judge.ChatStandin`: the same server as a rubric judge's endpoint (a fixed answer per request,
  a status, fixed usage, the request bodies kept).

Control over HTTP (for the command-line tool, `control`): GET /_standin/log, GET or POST
/_standin/script (JSON fields of `Script`), POST /_standin/reset.

Run it by hand:  python -m coach_app.devtools.standin --port 8089 [--groq-like] [--voice tone]
"""

from coach_app.devtools.standin.judge import ChatStandin, judge_reply
from coach_app.devtools.standin.script import GROQ_LIKE, LATENCY_FIELDS, LogEntry, Script
from coach_app.devtools.standin.server import ProviderStandin, running_standin

__all__ = [
    "GROQ_LIKE",
    "LATENCY_FIELDS",
    "ChatStandin",
    "LogEntry",
    "ProviderStandin",
    "Script",
    "judge_reply",
    "running_standin",
]
