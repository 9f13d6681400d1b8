"""Local text-to-speech: Piper (English, a natural voice), flite (English) or espeak-ng (many
languages, Thai included).

Nothing is downloaded at run time: the Piper voice ships in a Python package (`piper.py`
runs it in-process with onnxruntime), flite and espeak-ng are Debian packages run in a subprocess
(`make dev` installs them when missing). A non-streaming livekit-agents TTS; AgentSession wraps it
in `tts.StreamAdapter`, which sends it one sentence at a time, so the persona starts speaking after
the first sentence (Piper also pushes each sentence of a longer text as soon as it is ready).
The engine's output is resampled to the pipeline rate (24 kHz mono PCM).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import tempfile
import wave
from functools import lru_cache
from pathlib import Path

from livekit import rtc
from livekit.agents import (
    DEFAULT_API_CONNECT_OPTIONS,
    APIConnectionError,
    APIConnectOptions,
    APITimeoutError,
    tts,
    utils,
)

from agent.providers.local import piper
from agent.providers.local.stt import default_threads
from coach_app.calls.providers import VoiceChoice, choose_local_voice
from coach_app.settings import Settings

logger = logging.getLogger("coach.local.tts")

SAMPLE_RATE = 24000


def flite_available() -> bool:
    return shutil.which("flite") is not None


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


@lru_cache(maxsize=1)
def espeak_languages() -> frozenset[str]:
    """Language codes espeak-ng has voices for (`espeak-ng --voices`), e.g. {"en-us", "th"}."""
    if not espeak_available():
        return frozenset()
    try:
        out = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    codes = set()
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2:
            codes.add(parts[1].lower())
    return frozenset(codes)


def pick_voice(settings: Settings, language: str) -> VoiceChoice:
    """The local voice for a persona language on this machine (warns when there is none)."""
    voice = choose_local_voice(
        language,
        engine=settings.local_tts_engine,
        flite_voice=settings.local_tts_voice,
        espeak_variant=settings.local_tts_espeak_variant,
        espeak_languages=espeak_languages(),
        flite_available=flite_available(),
        espeak_available=espeak_available(),
        piper_voice=settings.local_tts_piper_voice,
        piper_language=piper.voice_language(settings.local_tts_piper_voice),
    )
    if voice.note:
        logger.warning("local text-to-speech: %s (install espeak-ng or set ELEVEN_API_KEY)", voice.note)
    return voice


def piper_threads() -> int:
    """onnxruntime threads for Piper: one per core, at most 4 (the same rule as speech recognition)."""
    return default_threads()


def load_piper(voice: VoiceChoice) -> piper.PiperVoice:
    """The loaded Piper voice (once per process; the job process warm-up loads it before the call)."""
    try:
        return piper.load_voice(voice.voice, threads=piper_threads())
    except piper.PiperVoiceError as exc:
        raise APIConnectionError(str(exc)) from exc


def engine_command(voice: VoiceChoice, text_file: Path, wav_file: Path) -> list[str]:
    if voice.engine == "flite":
        return ["flite", "-voice", voice.voice, "-f", str(text_file), "-o", str(wav_file)]
    if voice.engine == "espeak-ng":
        return ["espeak-ng", "-v", voice.voice, "-f", str(text_file), "-w", str(wav_file)]
    raise ValueError(f"unknown local TTS engine '{voice.engine}'")


def _read_wav(path: Path) -> rtc.AudioFrame:
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise APIConnectionError(f"unexpected {w.getsampwidth() * 8}-bit audio from the local TTS engine")
        data = w.readframes(w.getnframes())
        return rtc.AudioFrame(data, w.getframerate(), w.getnchannels(), w.getnframes())


def resample(frame: rtc.AudioFrame, rate: int) -> bytes:
    """PCM16 mono at `rate` (the engines write mono at 8-22.05 kHz)."""
    if frame.num_channels != 1:
        raise APIConnectionError("the local TTS engine wrote multi-channel audio")
    if frame.sample_rate == rate:
        return bytes(frame.data)
    resampler = rtc.AudioResampler(frame.sample_rate, rate, num_channels=1, quality=rtc.AudioResamplerQuality.HIGH)
    out = resampler.push(frame) + resampler.flush()
    return b"".join(bytes(f.data) for f in out)


async def synthesize_pcm(
    voice: VoiceChoice, text: str, *, sample_rate: int = SAMPLE_RATE, timeout: float = 20.0
) -> bytes:
    """Run the engine on `text`; PCM16 mono at `sample_rate`."""
    with tempfile.TemporaryDirectory(prefix="coach-tts-") as tmp:
        text_file, wav_file = Path(tmp) / "text.txt", Path(tmp) / "out.wav"
        # Text goes through a file, never the command line (no option injection, no length limit).
        text_file.write_text(text, encoding="utf-8")
        proc = await asyncio.create_subprocess_exec(
            *engine_command(voice, text_file, wav_file),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            raise APITimeoutError(f"{voice.engine} took longer than {timeout:.0f}s") from None
        finally:
            if proc.returncode is None:  # cancelled (the trainee interrupted) or timed out
                proc.kill()
                await proc.wait()
        if proc.returncode != 0 or not wav_file.exists():
            detail = err.decode(errors="replace").strip()[:300]
            raise APIConnectionError(f"{voice.engine} failed (exit {proc.returncode}): {detail}")
        return resample(_read_wav(wav_file), sample_rate)


async def piper_sentences(voice: VoiceChoice, text: str, *, sample_rate: int = SAMPLE_RATE):
    """Yield PCM16 mono at `sample_rate`, one sentence of `text` at a time."""
    runner = await asyncio.to_thread(load_piper, voice)  # already loaded in a warmed-up job process
    try:
        async for _sentence, pcm in runner.sentences(text):
            yield resample(rtc.AudioFrame(pcm.tobytes(), runner.sample_rate, 1, len(pcm)), sample_rate)
    except piper.PiperVoiceError as exc:
        raise APIConnectionError(str(exc)) from exc


class LocalTTS(tts.TTS):
    """Piper / flite / espeak-ng as a livekit-agents TTS."""

    def __init__(self, *, voice: VoiceChoice, sample_rate: int = SAMPLE_RATE) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=sample_rate,
            num_channels=1,
        )
        self._voice = voice

    @property
    def voice(self) -> VoiceChoice:
        return self._voice

    @property
    def model(self) -> str:
        return self._voice.voice

    @property
    def provider(self) -> str:
        return self._voice.engine

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _LocalChunkedStream(tts=self, input_text=text, conn_options=conn_options)


class _LocalChunkedStream(tts.ChunkedStream):
    def __init__(self, *, tts: LocalTTS, input_text: str, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._local_tts = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=self._local_tts.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
        )
        text = self.input_text.strip()
        if not text:
            return
        if self._local_tts.voice.engine == "piper":
            async for pcm in piper_sentences(self._local_tts.voice, text, sample_rate=self._local_tts.sample_rate):
                output_emitter.push(pcm)
            output_emitter.flush()
            return
        pcm = await synthesize_pcm(
            self._local_tts.voice,
            text,
            sample_rate=self._local_tts.sample_rate,
            timeout=max(self._conn_options.timeout, 20.0),
        )
        output_emitter.push(pcm)
        output_emitter.flush()
