"""The stand-in's Whisper transcriptions (Groq's OpenAI-style `POST .../audio/transcriptions`):
silence gives "", speech the next scripted transcript; json, verbose_json or text."""

from __future__ import annotations

import asyncio
import io
import uuid
import wave

import numpy as np
from aiohttp import web

from coach_app.devtools.standin.openai_chat import openai_error
from coach_app.devtools.standin.script import Script

# Speech louder than this RMS (16-bit samples) counts as speech for transcription.
SPEECH_RMS = 200.0


class TranscriptionRoutes:
    """Mixed into `ProviderStandin` (which provides `_record` and `_should_fail`)."""

    script: Script
    _transcript_index: int

    async def _transcribe(self, request: web.Request) -> web.Response:
        if not self._authorized_bearer(request):
            return openai_error(401, "Invalid API Key", "invalid_api_key")
        form = await request.post()
        upload = form.get("file")
        model = form.get("model")
        if upload is None or not hasattr(upload, "file") or not model:
            return openai_error(400, "multipart fields 'file' and 'model' are required", "invalid_request_error")
        data = upload.file.read()
        try:
            duration, rms = wav_stats(data)
        except (wave.Error, EOFError) as exc:
            return openai_error(400, f"could not decode audio file: {exc}", "invalid_request_error")
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
        self._record(
            "stt",
            model=str(model),
            language=language,
            response_format=fmt,
            duration=round(duration, 3),
            rms=round(rms, 1),
            text=text,
        )
        if failed:
            return openai_error(503, "Service Unavailable (stand-in scripted failure)", "service_unavailable")
        x_groq = {"id": f"req_{uuid.uuid4().hex[:16]}"}
        if fmt == "text":
            return web.Response(text=text, content_type="text/plain")
        if fmt == "verbose_json":
            return web.json_response(
                {
                    "task": "transcribe",
                    "language": language_name(language),
                    "duration": round(duration, 2),
                    "text": text,
                    "segments": [
                        {
                            "id": 0,
                            "seek": 0,
                            "start": 0.0,
                            "end": round(duration, 2),
                            "text": text,
                            "tokens": [],
                            "temperature": 0.0,
                            "avg_logprob": -0.2,
                            "compression_ratio": 1.0,
                            "no_speech_prob": 0.01,
                        }
                    ]
                    if text
                    else [],
                    "x_groq": x_groq,
                }
            )
        return web.json_response({"text": text, "x_groq": x_groq})


def language_name(code: str) -> str:
    return {"en": "english", "th": "thai"}.get(code.split("-")[0], code or "english")


def wav_stats(data: bytes) -> tuple[float, float]:
    """Duration (s) and RMS of a 16-bit WAV."""
    with wave.open(io.BytesIO(data)) as w:
        frames = w.readframes(w.getnframes())
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
    if width != 2:
        raise wave.Error(f"expected 16-bit samples, got {8 * width}-bit")
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64)
    duration = len(samples) / channels / rate if rate else 0.0
    rms = float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
    return duration, rms
