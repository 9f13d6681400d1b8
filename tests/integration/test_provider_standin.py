"""The real Groq and ElevenLabs plugins, unchanged, against the local provider stand-in."""

from __future__ import annotations

import asyncio
import itertools
import sys
import urllib.request
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from livekit import rtc
from livekit.agents import APIConnectOptions, APIStatusError, llm
from livekit.agents.types import USERDATA_TIMED_TRANSCRIPT
from livekit.plugins import elevenlabs, groq

from coach_app.devtools.standin import GROQ_LIKE, ProviderStandin, Script
from coach_app.devtools.standin.elevenlabs import TONE_MS_PER_CHAR
from tests.support.local_speech import flite_wav, read_wav
from tests.support.procs import Proc, free_port, wait_for

# The fixtures run on the session loop (pyproject); so must the tests that talk to them.
pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def standin():
    s = ProviderStandin(Script(voice="flite"))
    await s.start()
    yield s
    await s.stop()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def speech_frames(tmp_path: Path, text: str) -> list[rtc.AudioFrame]:
    return [read_wav(flite_wav(text, tmp_path / "speech.wav"))]


def silence_frames(seconds: float = 1.0) -> list[rtc.AudioFrame]:
    n = int(16000 * seconds)
    return [rtc.AudioFrame(b"\0\0" * n, 16000, 1, n)]


async def collect_chat(stream: llm.LLMStream) -> tuple[str, llm.CompletionUsage | None]:
    text, usage = "", None
    async with stream:
        async for chunk in stream:
            if chunk.delta and chunk.delta.content:
                text += chunk.delta.content
            if chunk.usage:
                usage = chunk.usage
    return text, usage


def chat_ctx(*user_turns: str) -> llm.ChatContext:
    ctx = llm.ChatContext.empty()
    ctx.add_message(role="system", content="You are Margaret.")
    for t in user_turns:
        ctx.add_message(role="user", content=t)
        ctx.add_message(role="assistant", content="ok")
    return ctx


async def test_groq_llm_streams_scripted_replies_with_usage(standin: ProviderStandin):
    standin.script.replies = ["First reply, as scripted.", "Second reply."]
    standin.script.rules = [("refund", "Fine, refund it then.")]
    model = groq.LLM(model="llama-3.3-70b-versatile", base_url=standin.groq_base_url, api_key="test")
    try:
        ctx = chat_ctx("Hello")
        ctx.items.pop()  # the last user message is the one being answered
        text, usage = await collect_chat(model.chat(chat_ctx=ctx))
        assert text == "First reply, as scripted."
        assert usage is not None and usage.completion_tokens == 4 and usage.prompt_tokens > 0

        ctx2 = chat_ctx("Hello", "I will refund you")
        ctx2.items.pop()
        text, _ = await collect_chat(model.chat(chat_ctx=ctx2))
        assert text == "Fine, refund it then."
    finally:
        await model.aclose()
    sent = standin.entries("chat")[0].detail
    assert sent["model"] == "llama-3.3-70b-versatile" and sent["stream"] is True
    assert sent["messages"][0] == {"role": "system", "content": "You are Margaret."}


async def test_groq_llm_error_surfaces_as_status_error(standin: ProviderStandin):
    standin.script.fail["llm"] = 1
    model = groq.LLM(model="llama-3.3-70b-versatile", base_url=standin.groq_base_url, api_key="test")
    try:
        with pytest.raises(APIStatusError) as info:
            await collect_chat(model.chat(chat_ctx=chat_ctx(), conn_options=APIConnectOptions(max_retry=0)))
        assert info.value.status_code == 503
    finally:
        await model.aclose()


async def test_groq_stt_transcribes_speech_and_ignores_silence(standin: ProviderStandin, tmp_path: Path):
    standin.script.transcripts = ["I can see the double charge on your account."]
    stt = groq.STT(model="whisper-large-v3-turbo", base_url=standin.groq_base_url, api_key="test", language="en")
    try:
        ev = await stt.recognize(speech_frames(tmp_path, "I can see the double charge on your account."))
        assert ev.alternatives[0].text == "I can see the double charge on your account."
        ev = await stt.recognize(silence_frames())
        assert ev.alternatives[0].text == ""
    finally:
        await stt.aclose()
    first = standin.entries("stt")[0].detail
    assert first["model"] == "whisper-large-v3-turbo" and first["language"] == "en"
    assert first["duration"] > 1.0


async def test_elevenlabs_websocket_streams_pcm_speech_with_alignment(standin: ProviderStandin, http):
    tts = elevenlabs.TTS(
        voice_id="XrExE9yKIg1WjnnlVkGX",
        model="eleven_flash_v2_5",
        encoding="pcm_24000",
        base_url=standin.elevenlabs_base_url,
        api_key="test",
        language="en-US",
        http_session=http,
    )
    text = "This is the third time I am calling. Can you fix it?"
    try:
        stream = tts.stream()
        stream.push_text(text)
        stream.end_input()
        frames, words = [], []
        async for ev in stream:
            frames.append(ev.frame)
            words += ev.frame.userdata.get(USERDATA_TIMED_TRANSCRIPT, [])
        await stream.aclose()
    finally:
        await tts.aclose()
    assert frames and all(f.sample_rate == 24000 and f.num_channels == 1 for f in frames)
    pcm = np.frombuffer(b"".join(bytes(f.data) for f in frames), dtype=np.int16)
    assert len(pcm) / 24000 > 1.5  # real speech, not a blip
    assert np.sqrt(np.mean(pcm.astype(float) ** 2)) > 300
    ws = standin.entries("tts_ws")[0].detail
    assert ws["voice_id"] == "XrExE9yKIg1WjnnlVkGX"
    assert ws["query"]["model_id"] == "eleven_flash_v2_5" and ws["query"]["language_code"] == "en"
    # Alignment arrives as ElevenLabs sends it: the plugin turns it into timed words, in order.
    assert "".join(words).split() == text.split()
    assert all(a.start_time <= b.start_time for a, b in itertools.pairwise(words))
    spoken = "".join(e.detail["text"] for e in standin.entries("tts_chunk"))
    assert spoken.split() == text.split()


async def test_elevenlabs_http_stream(standin: ProviderStandin, http):
    tts = elevenlabs.TTS(
        voice_id="XrExE9yKIg1WjnnlVkGX",
        encoding="pcm_24000",
        base_url=standin.elevenlabs_base_url,
        api_key="test",
        http_session=http,
    )
    try:
        frames = [ev.frame async for ev in tts.synthesize("Hello there.")]
    finally:
        await tts.aclose()
    assert sum(f.samples_per_channel for f in frames) > 24000 * 0.4


async def test_elevenlabs_rejects_formats_it_cannot_produce(standin: ProviderStandin, http):
    tts = elevenlabs.TTS(
        voice_id="XrExE9yKIg1WjnnlVkGX",
        encoding="mp3_22050_32",
        base_url=standin.elevenlabs_base_url,
        api_key="test",
        http_session=http,
    )
    try:
        stream = tts.stream(conn_options=APIConnectOptions(max_retry=0))
        stream.push_text("Hello.")
        stream.end_input()
        with pytest.raises(APIStatusError) as info:
            async for _ in stream:
                pass
        assert info.value.status_code == 400
    finally:
        await tts.aclose()


async def test_tone_voice_with_cloud_like_latencies(standin: ProviderStandin, http, tmp_path: Path):
    """The benchmark's set-up: a tone instead of speech, every reply through the real plugins."""
    standin.script.voice = "tone"
    for name, ms in GROQ_LIKE.items():
        setattr(standin.script, name, ms)
    standin.script.transcripts = ["Hello, Margaret."]
    standin.script.replies = ["Fine. Go on then."]
    tts = elevenlabs.TTS(
        voice_id="XrExE9yKIg1WjnnlVkGX",
        encoding="pcm_24000",
        base_url=standin.elevenlabs_base_url,
        api_key="test",
        http_session=http,
    )
    stt = groq.STT(model="whisper-large-v3-turbo", base_url=standin.groq_base_url, api_key="test", language="en")
    model = groq.LLM(model="llama-3.3-70b-versatile", base_url=standin.groq_base_url, api_key="test")
    text = "This is the third time I am calling."
    try:
        ev = await stt.recognize(speech_frames(tmp_path, "Hello, Margaret."))
        ctx = llm.ChatContext.empty()
        ctx.add_message(role="user", content=ev.alternatives[0].text)
        reply, _ = await collect_chat(model.chat(chat_ctx=ctx))
        stream = tts.stream()
        stream.push_text(text)
        stream.end_input()
        frames = [e.frame async for e in stream]
        await stream.aclose()
    finally:
        await asyncio.gather(tts.aclose(), stt.aclose(), model.aclose())
    assert (ev.alternatives[0].text, reply) == ("Hello, Margaret.", "Fine. Go on then.")
    pcm = np.frombuffer(b"".join(bytes(f.data) for f in frames), dtype=np.int16).astype(float)
    assert abs(len(pcm) / 24000 - len(text) * TONE_MS_PER_CHAR / 1000) < 0.1  # as long as the words would take
    spectrum = np.abs(np.fft.rfft(pcm))
    assert abs(np.argmax(spectrum) * 24000 / len(pcm) - 220) < 5  # a 220 Hz tone, not speech


async def test_latency_knobs_from_the_command_line_and_the_control_route(http, tmp_path: Path):
    port = free_port()
    proc = Proc(
        "standin",
        [
            sys.executable,
            "-m",
            "coach_app.devtools.standin",
            "--port",
            str(port),
            "--groq-like",
            "--stt-delay-ms",
            "20",
            "--voice",
            "tone",
        ],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "."},
        log_dir=tmp_path,
    )
    base = f"http://127.0.0.1:{port}/_standin"
    try:

        async def script() -> dict:
            async with http.get(f"{base}/script") as r:
                return await r.json()

        wait_for(
            lambda: urllib.request.urlopen(f"{base}/script", timeout=2).status == 200, 30, "the stand-in to start", proc
        )
        assert {k: v for k, v in (await script()).items() if k in GROQ_LIKE or k == "voice"} == {
            **GROQ_LIKE,
            "stt_delay_ms": 20,
            "voice": "tone",
        }
        async with http.post(f"{base}/script", json={"llm_ttft_ms": 5, "tts_ttfb_ms": 0}) as r:
            assert r.status == 200
        assert {k: (await script())[k] for k in ("llm_ttft_ms", "tts_ttfb_ms", "stt_delay_ms")} == {
            "llm_ttft_ms": 5,
            "tts_ttfb_ms": 0,
            "stt_delay_ms": 20,
        }
    finally:
        proc.stop()
