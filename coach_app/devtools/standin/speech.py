"""Real speech for the stand-in's voice and the tests' trainee: flite's `slt` voice (Debian), as PCM.

The one home of flite speech: `tests/support/local_speech` imports it from here (the stand-in is a
dev tool and cannot import the tests).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np


def flite_wav(text: str, path: Path, voice: str = "slt") -> Path:
    if shutil.which("flite") is None:
        raise RuntimeError("flite is not installed (make test installs it: apt-get install flite)")
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(path)], check=True, capture_output=True, timeout=30)
    return path


def speech_pcm(text: str, sample_rate: int, voice: str = "slt") -> np.ndarray:
    """flite speech for `text` as mono int16 samples at `sample_rate`."""
    with tempfile.TemporaryDirectory() as d, wave.open(str(flite_wav(text, Path(d) / "speech.wav", voice))) as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return resample(samples, rate, sample_rate)


def resample(samples: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Linear-interpolation resampling of int16 samples (good enough for speech in tests)."""
    if src == dst or len(samples) == 0:
        return samples.astype(np.int16)
    x = np.linspace(0, len(samples) - 1, int(round(len(samples) * dst / src)))
    out = np.interp(x, np.arange(len(samples)), samples.astype(np.float64))
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)
