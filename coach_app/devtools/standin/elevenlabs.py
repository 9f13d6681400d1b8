"""The stand-in's ElevenLabs text-to-speech: the multi-context websocket the LiveKit plugin streams
on (contexts, flush, close_context, alignment), the HTTP stream, and the voice list.

Speech is flite's (resampled to the requested `pcm_<rate>`), or a tone as long as the text would
take to say (`voice="tone"`, or when flite is missing); the same text gives the same audio.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import shutil
import subprocess
import wave
from typing import Any
from urllib.parse import parse_qs

import numpy as np
from aiohttp import WSMsgType, web

from coach_app.devtools.standin.script import Script
from coach_app.devtools.standin.speech import speech_pcm

logger = logging.getLogger("provider_standin")

# Audio is streamed to the TTS client in pieces of this many milliseconds.
TTS_PIECE_MS = 200
TONE_MS_PER_CHAR = 55


class ElevenLabsRoutes:
    """Mixed into `ProviderStandin` (which provides `_record` and `_should_fail`)."""

    script: Script
    _synth_cache: dict[tuple[str, int, str], bytes]

    async def _voices(self, request: web.Request) -> web.Response:
        self._record("voices")
        if not request.headers.get("xi-api-key"):
            return eleven_error(401, "missing xi-api-key header")
        voice = {"voice_id": "standinvoice01", "name": "Stand-in", "category": "premade"}
        return web.json_response({"voices": [voice]})

    async def synthesize(self, text: str, sample_rate: int) -> bytes:
        """16-bit mono PCM for `text` at `sample_rate` (cached: the same text gives the same audio)."""
        text = text.strip()
        if not text:
            return b""
        key = (text, sample_rate, self.script.voice)
        if key not in self._synth_cache:
            pcm = None
            if self.script.voice == "flite" and shutil.which("flite"):
                pcm = await asyncio.to_thread(flite_pcm, text, sample_rate)
            if pcm is None:
                pcm = tone_pcm(len(text) * TONE_MS_PER_CHAR, sample_rate)
            self._synth_cache[key] = pcm
        return self._synth_cache[key]

    async def _tts_ws(self, request: web.Request, voice_id: str) -> web.StreamResponse:
        query = {k: v[-1] for k, v in parse_qs(request.query_string).items()}
        if not request.headers.get("xi-api-key"):
            return eleven_error(401, "missing xi-api-key header")
        fmt = query.get("output_format", "mp3_44100_128")
        rate = pcm_rate(fmt)
        if rate is None:
            return eleven_error(400, f"the stand-in only produces pcm_<rate> audio, not '{fmt}'")
        if not query.get("model_id"):
            return eleven_error(400, "model_id is required")
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
                await send(
                    {"error": "stand-in scripted failure", "message": "stand-in scripted failure", "contextId": ctx_id}
                )
                ctx["failed"] = True
                return
            pcm = await self.synthesize(text, rate)
            if self.script.tts_ttfb_ms and not ctx["chars"]:  # the context's first audio
                await asyncio.sleep(self.script.tts_ttfb_ms / 1000)
            duration_ms = len(pcm) / 2 / rate * 1000
            align = alignment(text, ctx["offset_ms"], duration_ms)
            ctx["offset_ms"] += duration_ms
            ctx["chars"] += len(text)
            piece = max(2, int(rate * TTS_PIECE_MS / 1000) * 2)
            for i in range(0, len(pcm), piece):
                msg: dict[str, Any] = {"audio": base64.b64encode(pcm[i : i + piece]).decode(), "contextId": ctx_id}
                if i == 0:
                    msg["alignment"] = align
                    msg["normalizedAlignment"] = align
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
                    contexts[ctx_id] = {
                        "buffer": "",
                        "offset_ms": 0.0,
                        "chars": 0,
                        "lock": asyncio.Lock(),
                        "voice_settings": data.get("voice_settings"),
                    }
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
            return eleven_error(401, "missing xi-api-key header")
        fmt = request.query.get("output_format", "mp3_44100_128")
        rate = pcm_rate(fmt)
        if rate is None:
            return eleven_error(400, f"the stand-in only produces pcm_<rate> audio, not '{fmt}'")
        body = await request.json()
        text = body.get("text") or ""
        self._record("tts_http", voice_id=voice_id, text=text, model_id=body.get("model_id"))
        if self._should_fail("tts"):
            return eleven_error(503, "stand-in scripted failure")
        pcm = await self.synthesize(text, rate)
        if self.script.tts_ttfb_ms:
            await asyncio.sleep(self.script.tts_ttfb_ms / 1000)
        resp = web.StreamResponse(headers={"Content-Type": "audio/pcm"})
        await resp.prepare(request)
        piece = int(rate * TTS_PIECE_MS / 1000) * 2
        for i in range(0, len(pcm), piece):
            await resp.write(pcm[i : i + piece])
        await resp.write_eof()
        return resp


def eleven_error(status: int, message: str) -> web.Response:
    return web.json_response({"detail": {"status": "error", "message": message}}, status=status)


def pcm_rate(fmt: str) -> int | None:
    m = re.fullmatch(r"pcm_(\d+)", fmt)
    return int(m.group(1)) if m else None


def flite_pcm(text: str, sample_rate: int) -> bytes | None:
    try:
        return speech_pcm(text, sample_rate).astype("<i2").tobytes()
    except (OSError, RuntimeError, subprocess.SubprocessError, wave.Error) as exc:
        logger.warning("flite failed (%s); using a tone", exc)
        return None


def tone_pcm(duration_ms: float, sample_rate: int) -> bytes:
    n = int(sample_rate * duration_ms / 1000)
    t = np.arange(n) / sample_rate
    wave_ = 0.3 * np.sin(2 * np.pi * 220 * t) * np.minimum(1, np.minimum(t, t[::-1] if n else t) * 50)
    return (wave_ * 32767).astype("<i2").tobytes()


def alignment(text: str, offset_ms: float, duration_ms: float) -> dict[str, Any]:
    """ElevenLabs-style character alignment: times in ms from the start of the context."""
    chars = list(text)
    slot = duration_ms / max(1, len(chars))
    return {
        "chars": chars,
        "charStartTimesMs": [int(offset_ms + i * slot) for i in range(len(chars))],
        "charDurationsMs": [max(1, int(slot)) for _ in chars],
    }
