"""Local text-to-speech: real audio from flite and espeak-ng, at the pipeline rate."""

import logging

import pytest
from livekit.agents import APIConnectionError

from agent.local.tts import SAMPLE_RATE, LocalTTS, espeak_languages, pick_voice
from coach_app.provider_choice import VoiceChoice
from coach_app.settings import Settings
from tests.support.local_speech import rms


def settings(**env) -> Settings:
    return Settings(_env_file=None, **env)


async def synth(voice: VoiceChoice, text: str):
    tts = LocalTTS(voice=voice)
    frame = await tts.synthesize(text).collect()
    return frame


async def test_english_flite_voice_produces_speech_at_pipeline_rate():
    voice = pick_voice(settings(), "en-US")
    assert (voice.engine, voice.voice) == ("flite", "slt")
    frame = await synth(voice, "This is the third time I'm calling about the same charge.")
    assert frame.sample_rate == SAMPLE_RATE == 24000 and frame.num_channels == 1
    assert 2.0 < frame.duration < 6.0, frame.duration
    assert rms(frame) > 500  # speech, not silence


async def test_local_voice_is_understood_by_local_speech_recognition(tmp_path):
    """Round trip through both local engines: what flite says, Whisper hears."""
    from agent.local.stt import WhisperSTT

    frame = await synth(pick_voice(settings(), "en-US"), "I want my money back today.")
    stt = WhisperSTT(model="tiny.en", cache_dir=tmp_path)
    event = await stt.recognize(buffer=frame)
    text = event.alternatives[0].text.lower()
    assert "money back" in text and "today" in text, text


async def test_thai_persona_speaks_thai_through_espeak_ng():
    assert "th" in espeak_languages(), "espeak-ng with its Thai voice is required (make test installs it)"
    voice = pick_voice(settings(), "th-TH")
    assert (voice.engine, voice.voice, voice.note) == ("espeak-ng", "th+f3", "")
    frame = await synth(voice, "นี่โทรมาเป็นครั้งที่สามแล้วนะคะ")
    assert frame.sample_rate == 24000
    assert frame.duration > 1.0 and rms(frame) > 500


async def test_language_without_local_voice_falls_back_to_english_with_a_warning(caplog):
    caplog.set_level(logging.WARNING, logger="coach.local.tts")
    voice = pick_voice(settings(), "fil-PH")  # espeak-ng has no Filipino voice, flite is English-only
    assert voice.engine == "flite" and voice.note == "no local voice for fil-PH; speaking with an English voice"
    assert "no local voice for fil-PH" in caplog.text
    frame = await synth(voice, "Hello, I need help with my bill.")
    assert frame.duration > 1.0


async def test_engine_settings_are_honoured():
    voice = pick_voice(settings(local_tts_engine="espeak-ng", local_tts_espeak_variant=""), "en-US")
    assert (voice.engine, voice.voice) == ("espeak-ng", "en-us")
    frame = await synth(voice, "Thank you for sorting this out.")
    assert frame.duration > 1.0 and rms(frame) > 500
    kal = pick_voice(settings(local_tts_voice="kal"), "en-US")
    assert (await synth(kal, "Hello there.")).sample_rate == 24000  # kal speaks at 8 kHz


async def test_engine_failure_is_reported_with_the_engine_message():
    tts = LocalTTS(voice=VoiceChoice("espeak-ng", "zz", "en"))
    with pytest.raises(APIConnectionError, match="espeak-ng failed .*voice does not exist"):
        await tts.synthesize("Hello.").collect()


async def test_empty_text_is_silence_not_an_error():
    tts = LocalTTS(voice=VoiceChoice("flite", "slt", "en"))
    stream = tts.synthesize("   ")
    frames = [ev.frame async for ev in stream]
    assert sum(f.duration for f in frames) == 0
