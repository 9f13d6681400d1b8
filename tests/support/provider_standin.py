"""A local stand-in for the speech and language providers, for tests and offline development.

One aiohttp server on 127.0.0.1 speaks the wire protocols the real LiveKit plugins use, so the
plugins run unchanged against it:

Groq (OpenAI-compatible; point GROQ_BASE_URL at http://127.0.0.1:PORT/openai/v1)
  GET  .../models                       model list (the LLM plugin's prewarm request)
  POST .../chat/completions             JSON or SSE stream (`stream: true`), usage in a final
                                        chunk when `stream_options.include_usage` is set
  POST .../audio/transcriptions         multipart WAV upload -> json / verbose_json / text
ElevenLabs (point ELEVENLABS_BASE_URL at http://127.0.0.1:PORT/v1)
  WS   .../text-to-speech/{voice}/multi-stream-input    contexts, flush, close_context, alignment
  POST .../text-to-speech/{voice}/stream                 chunked audio
  GET  .../voices

Behaviour is scripted and deterministic (see `Script`):
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

Control over HTTP (for the command-line tool): GET /_standin/log, GET or POST /_standin/script (JSON
fields of `Script`), POST /_standin/reset.

Run it by hand:  python -m tests.support.provider_standin --port 8089 [--groq-like] [--voice tone]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import io
import json
import logging
import math
import re
import shutil
import subprocess
import threading
import time
import uuid
import wave
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from urllib.parse import parse_qs

import numpy as np
from aiohttp import WSMsgType, web

from tests.support.local_speech import speech_pcm

logger = logging.getLogger("provider_standin")

# Speech louder than this RMS (16-bit samples) counts as speech for transcription.
SPEECH_RMS = 200.0
# Audio is streamed to the TTS client in pieces of this many milliseconds.
TTS_PIECE_MS = 200
TONE_MS_PER_CHAR = 55


@dataclass
class Script:
    transcripts: list[str] = field(default_factory=list)
    default_transcript: str = ""
    rules: list[tuple[str, str]] = field(default_factory=list)  # (keyword in last message, reply)
    replies: list[str] = field(default_factory=list)  # reply for user turn 1, 2, ...
    default_reply: str = "I see. Go on."
    llm_ttft_ms: int = 0  # delay before the first token
    llm_token_ms: int = 0  # delay between tokens
    tts_ttfb_ms: int = 0  # delay before the first audio of a TTS context / HTTP request
    stt_delay_ms: int = 0  # delay before a transcription is answered
    fail: dict[str, int] = field(default_factory=dict)  # llm | llm_json | stt | tts -> how many next fail
    voice: str = "flite"  # "flite" (speech) or "tone"


# Latencies like those of the cloud providers (Groq LLM and Whisper, ElevenLabs websocket), for benchmarks.
GROQ_LIKE = {"llm_ttft_ms": 160, "llm_token_ms": 10, "tts_ttfb_ms": 75, "stt_delay_ms": 80}
LATENCY_FIELDS = tuple(GROQ_LIKE)


@dataclass
class LogEntry:
    kind: str  # models | chat | stt | tts_ws | tts_http | voices
    at: float
    detail: dict[str, Any]


class ProviderStandin:
    def __init__(self, script: Script | None = None, host: str = "127.0.0.1", port: int = 0):
        self.script = script or Script()
        self.host = host
        self.port = port
        self.log: list[LogEntry] = []
        self._transcript_index = 0
        self._runner: web.AppRunner | None = None
        self._synth_cache: dict[tuple[str, int, str], bytes] = {}
        self.app = web.Application(client_max_size=50 * 1024 * 1024)
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)

    # --- lifecycle -----------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def groq_base_url(self) -> str:
        return f"{self.base}/openai/v1"

    @property
    def elevenlabs_base_url(self) -> str:
        return f"{self.base}/v1"

    def env(self) -> dict[str, str]:
        """Environment that points our Settings (and so the plugins) at this server."""
        return {
            "GROQ_BASE_URL": self.groq_base_url,
            "GROQ_API_KEY": "test",
            "ELEVENLABS_BASE_URL": self.elevenlabs_base_url,
            "ELEVEN_API_KEY": "test",
            "ELEVENLABS_ENCODING": "pcm_24000",
        }

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        logger.info("provider stand-in listening on %s", self.base)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def reset(self, script: Script | None = None) -> None:
        self.script = script or Script()
        self.log.clear()
        self._transcript_index = 0

    def entries(self, kind: str) -> list[LogEntry]:
        return [e for e in self.log if e.kind == kind]

    def _record(self, kind: str, **detail: Any) -> None:
        self.log.append(LogEntry(kind, time.time(), detail))

    def _should_fail(self, kind: str) -> bool:
        left = self.script.fail.get(kind, 0)
        if left > 0:
            self.script.fail[kind] = left - 1
            return True
        return False

    # --- routing ---------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/")
        m = request.method
        if path.startswith("/_standin/"):
            return await self._control(request, path.removeprefix("/_standin/"))
        if m == "GET" and path.endswith("/models"):
            return await self._models(request)
        if m == "POST" and path.endswith("/chat/completions"):
            return await self._chat(request)
        if m == "POST" and path.endswith("/audio/transcriptions"):
            return await self._transcribe(request)
        if m == "GET" and path.endswith("/voices"):
            return await self._voices(request)
        if mt := re.search(r"/text-to-speech/([^/]+)/multi-stream-input$", path):
            return await self._tts_ws(request, mt.group(1))
        if m == "POST" and (mt := re.search(r"/text-to-speech/([^/]+)(/stream)?$", path)):
            return await self._tts_http(request, mt.group(1))
        return _openai_error(404, f"stand-in has no route {m} {request.path}", "not_found")

    async def _control(self, request: web.Request, what: str) -> web.Response:
        if what == "log":
            return web.json_response([asdict(e) for e in self.log])
        if what == "reset" and request.method == "POST":
            self.reset()
            return web.json_response({"ok": True})
        if what == "script" and request.method == "GET":
            return web.json_response(asdict(self.script))
        if what == "script" and request.method == "POST":
            data = await request.json()
            known = {f.name for f in fields(Script)}
            unknown = set(data) - known
            if unknown:
                return web.json_response({"error": f"unknown script fields: {sorted(unknown)}"}, status=422)
            for k, v in data.items():
                if k == "rules":
                    v = [tuple(r) for r in v]
                setattr(self.script, k, v)
            if "transcripts" in data:
                self._transcript_index = 0
            return web.json_response({"ok": True})
        return web.json_response({"error": f"unknown control {what}"}, status=404)

    # --- Groq / OpenAI-compatible ------------------------------------------------------------
    @staticmethod
    def _authorized_bearer(request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and len(auth) > len("Bearer ")

    async def _models(self, request: web.Request) -> web.Response:
        self._record("models")
        if not self._authorized_bearer(request):
            return _openai_error(401, "Invalid API Key", "invalid_api_key")
        return web.json_response({"object": "list", "data": [
            {"id": "llama-3.3-70b-versatile", "object": "model", "created": 0, "owned_by": "standin"},
            {"id": "whisper-large-v3-turbo", "object": "model", "created": 0, "owned_by": "standin"},
        ]})

    def _reply_for(self, messages: list[dict[str, Any]]) -> str:
        def text_of(msg: dict[str, Any]) -> str:
            content = msg.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            return ""

        last = text_of(messages[-1]).lower() if messages else ""
        for keyword, reply in self.script.rules:
            if keyword.lower() in last:
                return reply
        user_turns = sum(1 for msg in messages if msg.get("role") == "user")
        if 1 <= user_turns <= len(self.script.replies):
            return self.script.replies[user_turns - 1]
        return self.script.default_reply

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized_bearer(request):
            return _openai_error(401, "Invalid API Key", "invalid_api_key")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _openai_error(400, "request body is not JSON", "invalid_request_error")
        messages = body.get("messages")
        if not body.get("model") or not isinstance(messages, list) or not messages:
            return _openai_error(400, "'model' and a non-empty 'messages' list are required", "invalid_request_error")
        reply = self._reply_for(messages)
        self._record("chat", model=body["model"], stream=bool(body.get("stream")), messages=messages, reply=reply)
        if self._should_fail("llm" if body.get("stream") else "llm_json"):
            return _openai_error(503, "Service Unavailable (stand-in scripted failure)", "service_unavailable")

        prompt_tokens = sum(_count_tokens(json.dumps(m.get("content", ""))) for m in messages)
        pieces = re.findall(r"\S+\s*", reply) or [reply]
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                 "total_tokens": prompt_tokens + len(pieces)}
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        headers = {"x-request-id": f"req_{uuid.uuid4().hex[:16]}"}

        if not body.get("stream"):
            await asyncio.sleep(self.script.llm_ttft_ms / 1000)
            return web.json_response({
                "id": cid, "object": "chat.completion", "created": created, "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": usage,
            }, headers=headers)

        resp = web.StreamResponse(headers={**headers, "Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache"})

        async def send(choices: list[dict[str, Any]], **extra: Any) -> None:
            chunk = {"id": cid, "object": "chat.completion.chunk", "created": created,
                     "model": body["model"], "system_fingerprint": "fp_standin", "choices": choices, **extra}
            await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())

        try:
            await resp.prepare(request)
            await asyncio.sleep(self.script.llm_ttft_ms / 1000)
            await send([{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
                         "finish_reason": None}])
            for i, piece in enumerate(pieces):
                if i and self.script.llm_token_ms:
                    await asyncio.sleep(self.script.llm_token_ms / 1000)
                await send([{"index": 0, "delta": {"content": piece}, "logprobs": None, "finish_reason": None}])
            await send([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}])
            if (body.get("stream_options") or {}).get("include_usage"):
                await send([], usage=usage)
            await resp.write(b"data: [DONE]\n\n")
            await resp.write_eof()
        except ConnectionResetError:  # the client dropped the stream (e.g. a cancelled preemptive reply)
            self._record("chat_cancelled", reply=reply)
        return resp

    async def _transcribe(self, request: web.Request) -> web.Response:
        if not self._authorized_bearer(request):
            return _openai_error(401, "Invalid API Key", "invalid_api_key")
        form = await request.post()
        upload = form.get("file")
        model = form.get("model")
        if upload is None or not hasattr(upload, "file") or not model:
            return _openai_error(400, "multipart fields 'file' and 'model' are required", "invalid_request_error")
        data = upload.file.read()
        try:
            duration, rms = _wav_stats(data)
        except (wave.Error, EOFError) as exc:
            return _openai_error(400, f"could not decode audio file: {exc}", "invalid_request_error")
        fmt = str(form.get("response_format") or "json")
        language = str(form.get("language") or "")
        if self.script.stt_delay_ms:
            await asyncio.sleep(self.script.stt_delay_ms / 1000)
        failed = self._should_fail("stt")
        if rms < SPEECH_RMS:
            text = ""
        elif failed:
            text = "<failed>"
        else:
            if self._transcript_index < len(self.script.transcripts):
                text = self.script.transcripts[self._transcript_index]
                self._transcript_index += 1
            else:
                text = self.script.default_transcript
        self._record("stt", model=str(model), language=language, response_format=fmt,
                     duration=round(duration, 3), rms=round(rms, 1), text=text)
        if failed:
            return _openai_error(503, "Service Unavailable (stand-in scripted failure)", "service_unavailable")
        x_groq = {"id": f"req_{uuid.uuid4().hex[:16]}"}
        if fmt == "text":
            return web.Response(text=text, content_type="text/plain")
        if fmt == "verbose_json":
            return web.json_response({
                "task": "transcribe", "language": _language_name(language), "duration": round(duration, 2),
                "text": text,
                "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": round(duration, 2), "text": text,
                              "tokens": [], "temperature": 0.0, "avg_logprob": -0.2,
                              "compression_ratio": 1.0, "no_speech_prob": 0.01}] if text else [],
                "x_groq": x_groq,
            })
        return web.json_response({"text": text, "x_groq": x_groq})

    # --- ElevenLabs ------------------------------------------------------------------------
    async def _voices(self, request: web.Request) -> web.Response:
        self._record("voices")
        if not request.headers.get("xi-api-key"):
            return _eleven_error(401, "missing xi-api-key header")
        return web.json_response({"voices": [{"voice_id": "standinvoice01", "name": "Stand-in", "category": "premade"}]})

    async def synthesize(self, text: str, sample_rate: int) -> bytes:
        """16-bit mono PCM for `text` at `sample_rate` (cached: the same text gives the same audio)."""
        text = text.strip()
        if not text:
            return b""
        key = (text, sample_rate, self.script.voice)
        if key not in self._synth_cache:
            pcm = None
            if self.script.voice == "flite" and shutil.which("flite"):
                pcm = await asyncio.to_thread(_flite_pcm, text, sample_rate)
            if pcm is None:
                pcm = _tone_pcm(len(text) * TONE_MS_PER_CHAR, sample_rate)
            self._synth_cache[key] = pcm
        return self._synth_cache[key]

    async def _tts_ws(self, request: web.Request, voice_id: str) -> web.StreamResponse:
        query = {k: v[-1] for k, v in parse_qs(request.query_string).items()}
        if not request.headers.get("xi-api-key"):
            return _eleven_error(401, "missing xi-api-key header")
        fmt = query.get("output_format", "mp3_44100_128")
        rate = _pcm_rate(fmt)
        if rate is None:
            return _eleven_error(400, f"the stand-in only produces pcm_<rate> audio, not '{fmt}'")
        if not query.get("model_id"):
            return _eleven_error(400, "model_id is required")
        auto_mode = query.get("auto_mode", "false") == "true"
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=0)
        await ws.prepare(request)
        self._record("tts_ws", voice_id=voice_id, query=query)

        contexts: dict[str, dict[str, Any]] = {}
        send_lock = asyncio.Lock()

        async def send(obj: dict[str, Any]) -> None:
            async with send_lock:
                if not ws.closed:
                    await ws.send_str(json.dumps(obj))

        async def generate(ctx_id: str, text: str) -> None:
            ctx = contexts[ctx_id]
            if self._should_fail("tts"):
                self._record("tts_fail", context_id=ctx_id, text=text)
                await send({"error": "stand-in scripted failure", "message": "stand-in scripted failure",
                            "contextId": ctx_id})
                ctx["failed"] = True
                return
            pcm = await self.synthesize(text, rate)
            if self.script.tts_ttfb_ms and not ctx["chars"]:  # the context's first audio
                await asyncio.sleep(self.script.tts_ttfb_ms / 1000)
            duration_ms = len(pcm) / 2 / rate * 1000
            alignment = _alignment(text, ctx["offset_ms"], duration_ms)
            ctx["offset_ms"] += duration_ms
            ctx["chars"] += len(text)
            piece = max(2, int(rate * TTS_PIECE_MS / 1000) * 2)
            for i in range(0, len(pcm), piece):
                msg: dict[str, Any] = {"audio": base64.b64encode(pcm[i:i + piece]).decode(), "contextId": ctx_id}
                if i == 0:
                    msg["alignment"] = alignment
                    msg["normalizedAlignment"] = alignment
                await send(msg)
            self._record("tts_chunk", context_id=ctx_id, text=text, audio_ms=round(duration_ms))

        async def drain(ctx_id: str, *, final: bool) -> None:
            ctx = contexts[ctx_id]
            text, ctx["buffer"] = ctx["buffer"], ""
            async with ctx["lock"]:
                if text.strip() and not ctx.get("failed"):
                    await generate(ctx_id, text)
                if final and not ctx.get("failed"):
                    await send({"isFinal": True, "contextId": ctx_id})

        tasks: set[asyncio.Task] = set()

        def spawn(coro) -> None:
            task = asyncio.ensure_future(coro)
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if data.get("close_socket"):
                    break
                ctx_id = data.get("context_id") or "default"
                if ctx_id not in contexts:
                    contexts[ctx_id] = {"buffer": "", "offset_ms": 0.0, "chars": 0,
                                        "lock": asyncio.Lock(), "voice_settings": data.get("voice_settings")}
                if data.get("close_context"):
                    spawn(drain(ctx_id, final=True))
                    continue
                text = data.get("text")
                if text is None:
                    continue
                contexts[ctx_id]["buffer"] += text
                if data.get("flush") or (auto_mode and text.strip()):
                    spawn(drain(ctx_id, final=False))
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for t in tasks:
                t.cancel()
            await ws.close()
        return ws

    async def _tts_http(self, request: web.Request, voice_id: str) -> web.StreamResponse:
        if not request.headers.get("xi-api-key"):
            return _eleven_error(401, "missing xi-api-key header")
        fmt = request.query.get("output_format", "mp3_44100_128")
        rate = _pcm_rate(fmt)
        if rate is None:
            return _eleven_error(400, f"the stand-in only produces pcm_<rate> audio, not '{fmt}'")
        body = await request.json()
        text = body.get("text") or ""
        self._record("tts_http", voice_id=voice_id, text=text, model_id=body.get("model_id"))
        if self._should_fail("tts"):
            return _eleven_error(503, "stand-in scripted failure")
        pcm = await self.synthesize(text, rate)
        if self.script.tts_ttfb_ms:
            await asyncio.sleep(self.script.tts_ttfb_ms / 1000)
        resp = web.StreamResponse(headers={"Content-Type": "audio/pcm"})
        await resp.prepare(request)
        piece = int(rate * TTS_PIECE_MS / 1000) * 2
        for i in range(0, len(pcm), piece):
            await resp.write(pcm[i:i + piece])
        await resp.write_eof()
        return resp


# --- helpers -----------------------------------------------------------------------------------

def _openai_error(status: int, message: str, code: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": code, "code": code}}, status=status)


def _eleven_error(status: int, message: str) -> web.Response:
    return web.json_response({"detail": {"status": "error", "message": message}}, status=status)


def _count_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def _pcm_rate(fmt: str) -> int | None:
    m = re.fullmatch(r"pcm_(\d+)", fmt)
    return int(m.group(1)) if m else None


def _language_name(code: str) -> str:
    return {"en": "english", "th": "thai"}.get(code.split("-")[0], code or "english")


def _wav_stats(data: bytes) -> tuple[float, float]:
    """Duration (s) and RMS of a 16-bit WAV."""
    with wave.open(io.BytesIO(data)) as w:
        frames = w.readframes(w.getnframes())
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
    if width != 2:
        raise wave.Error(f"expected 16-bit samples, got {8 * width}-bit")
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64)
    duration = len(samples) / channels / rate if rate else 0.0
    rms = float(np.sqrt(np.mean(samples ** 2))) if len(samples) else 0.0
    return duration, rms


def _flite_pcm(text: str, sample_rate: int) -> bytes | None:
    try:
        return speech_pcm(text, sample_rate).astype("<i2").tobytes()
    except (OSError, RuntimeError, subprocess.SubprocessError, wave.Error) as exc:
        logger.warning("flite failed (%s); using a tone", exc)
        return None


def _tone_pcm(duration_ms: float, sample_rate: int) -> bytes:
    n = int(sample_rate * duration_ms / 1000)
    t = np.arange(n) / sample_rate
    wave_ = 0.3 * np.sin(2 * np.pi * 220 * t) * np.minimum(1, np.minimum(t, t[::-1] if n else t) * 50)
    return (wave_ * 32767).astype("<i2").tobytes()


def _alignment(text: str, offset_ms: float, duration_ms: float) -> dict[str, Any]:
    """ElevenLabs-style character alignment: times in ms from the start of the context."""
    chars = list(text)
    slot = duration_ms / max(1, len(chars))
    return {
        "chars": chars,
        "charStartTimesMs": [int(offset_ms + i * slot) for i in range(len(chars))],
        "charDurationsMs": [max(1, int(slot)) for _ in chars],
    }


# --- running it ----------------------------------------------------------------------------------

@contextlib.contextmanager
def running_standin(script: Script | None = None, port: int = 0) -> Iterator[ProviderStandin]:
    """Run a stand-in on its own event loop in a background thread (for sync or async tests)."""
    standin = ProviderStandin(script, port=port)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    error: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(standin.start())
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            error.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(standin.stop())
        loop.close()

    thread = threading.Thread(target=run, name="provider-standin", daemon=True)
    thread.start()
    started.wait(10)
    if error:
        raise error[0]
    try:
        yield standin
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--transcript", action="append", default=[],
                        help="text the next speech segment is transcribed as (repeatable, in order)")
    parser.add_argument("--default-transcript", default="Hello, I'm calling about your account.",
                        help="transcript once the scripted ones are used up")
    parser.add_argument("--reply", action="append", default=[], help="persona reply for user turn 1, 2, ...")
    parser.add_argument("--voice", choices=["flite", "tone"], default="flite",
                        help="tone: a beep as long as the speech would be (costs the stand-in no CPU)")
    parser.add_argument("--groq-like", action="store_true",
                        help="cloud-like latencies: " + ", ".join(f"{k}={v}" for k, v in GROQ_LIKE.items()))
    for name in LATENCY_FIELDS:
        parser.add_argument("--" + name.replace("_", "-"), type=int, metavar="MS",
                            help=f"{name} (overrides --groq-like; default 0)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    latency = dict(GROQ_LIKE) if args.groq_like else {}
    latency.update({k: getattr(args, k) for k in LATENCY_FIELDS if getattr(args, k) is not None})
    script = Script(transcripts=args.transcript, default_transcript=args.default_transcript,
                    replies=args.reply, voice=args.voice, **latency)
    standin = ProviderStandin(script, host=args.host, port=args.port)

    async def serve() -> None:
        await standin.start()
        print("Provider stand-in running. Point the agent at it with:")
        for k, v in standin.env().items():
            print(f"  {k}={v}")
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
