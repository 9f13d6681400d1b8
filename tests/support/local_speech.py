"""Real speech audio for tests: flite's `slt` voice and espeak-ng (Debian) written to WAV, read back as
frames; and how close a transcript is to what was said."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import wave
from pathlib import Path

import numpy as np
from livekit import rtc

# flite speech lives with the stand-in (a dev tool, which cannot import the tests); re-exported here.
from coach_app.devtools.standin.speech import flite_wav as flite_wav
from coach_app.devtools.standin.speech import resample as resample
from coach_app.devtools.standin.speech import speech_pcm as speech_pcm


def silence(seconds: float, sample_rate: int) -> np.ndarray:
    return np.zeros(int(sample_rate * seconds), dtype=np.int16)


def trim_silence(pcm: np.ndarray, sample_rate: int, threshold: float = 300.0) -> np.ndarray:
    """`pcm` from its first to its last 10 ms window louder than `threshold` (RMS): flite puts ~0.2 s
    of silence before and after its speech, which would lengthen a pause or hide where speech ended."""
    n = sample_rate // 100
    windows = pcm[: len(pcm) // n * n].astype(np.float64).reshape(-1, n)
    loud = np.flatnonzero(np.sqrt(np.mean(windows**2, axis=1)) > threshold)
    return pcm[loud[0] * n : (loud[-1] + 1) * n] if len(loud) else pcm[:0]


def espeak_wav(text: str, path: Path, voice: str, speed: int = 175, rate: int | None = None) -> Path:
    """espeak-ng speech; `rate`: resampled by sox without dither, so the same text gives the same
    samples every run (the pipeline's own resampler dithers, which makes a recogniser's guesses on
    hard audio vary from run to run)."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed (make test installs it: apt-get install espeak-ng)")
    raw = path.with_name(path.stem + ".espeak.wav") if rate else path
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    if rate:
        subprocess.run(["sox", "-D", str(raw), "-r", str(rate), str(path)], check=True)
    return path


def read_wav(path: Path) -> rtc.AudioFrame:
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2, "16-bit PCM expected"
        data = w.readframes(w.getnframes())
        return rtc.AudioFrame(data, w.getframerate(), w.getnchannels(), w.getnframes())


def pad_with_silence(path: Path, out: Path, before: float = 1.0, after: float = 1.5) -> Path:
    """Silence around an utterance, so a VAD sees it start and end."""
    with wave.open(str(path), "rb") as w:
        rate, ch = w.getframerate(), w.getnchannels()
        data = w.readframes(w.getnframes())
    zeros = lambda secs: b"\x00\x00" * int(rate * secs) * ch  # noqa: E731
    with wave.open(str(out), "wb") as o:
        o.setnchannels(ch)
        o.setsampwidth(2)
        o.setframerate(rate)
        o.writeframes(zeros(before) + data + zeros(after))
    return out


def rms(frame: rtc.AudioFrame) -> float:
    pcm = np.frombuffer(frame.data, dtype=np.int16).astype(np.float64)
    return float(np.sqrt(np.mean(pcm**2))) if len(pcm) else 0.0


def words(text: str) -> list[str]:
    """Lower-case words without punctuation ("I'm" stays one word)."""
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, heard: str) -> float:
    """Word-level edit distance / reference length (0 = every word heard as said)."""
    ref, hyp = words(reference), words(heard)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


def thai_share(text: str) -> float:
    """Share of the letters in `text` that are Thai script."""
    letters = [c for c in text if c.isalpha() or unicodedata.category(c).startswith("M")]
    return sum("\u0e00" <= c <= "\u0e7f" for c in letters) / max(len(letters), 1)


def char_overlap(reference: str, heard: str) -> float:
    """Share of the reference's letters (ignoring spaces and punctuation) that the transcript has, in
    order (longest common subsequence / reference length): for scripts without spaces, such as Thai."""
    ref = [c for c in reference if c.isalpha() or unicodedata.category(c).startswith("M")]
    hyp = [c for c in heard if c.isalpha() or unicodedata.category(c).startswith("M")]
    row = [0] * (len(hyp) + 1)
    for r in ref:
        prev = 0
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], prev + 1 if r == h else max(row[j], row[j - 1])
    return row[-1] / max(len(ref), 1)
