"""Stereo OGG/Opus, the format the agent records calls in: a small file to serve, and how to read one back."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np

RATE = 48000


def write_stereo_ogg(path: Path, seconds: float, levels: tuple[float, float] = (0.3, 0.3)) -> Path:
    """A tone on the left channel (trainee) and a lower one on the right (persona), at `levels`
    (0 is silence)."""
    t = np.arange(int(seconds * RATE)) / RATE
    left = (levels[0] * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
    right = (levels[1] * np.sin(2 * np.pi * 220 * t) * 32767).astype(np.int16)
    samples = np.stack([left, right], axis=1).reshape(1, -1)  # packed s16: L R L R ...
    with av.open(str(path), mode="w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=RATE, layout="stereo")
        for start in range(0, samples.shape[1] // 2, 960):
            chunk = samples[:, start * 2 : (start + 960) * 2]
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="s16", layout="stereo")
            frame.sample_rate = RATE
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def read_stereo_ogg(data: bytes) -> tuple[int, int, np.ndarray]:
    """(channels, sample rate, samples as a float array [channels, n]) of an OGG file's bytes."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        frames = [f.to_ndarray() for f in container.decode(stream)]
        layout, rate = stream.layout.nb_channels, stream.rate
    pcm = np.concatenate(frames, axis=1)  # planar: [channels, n]; packed: [1, n * channels]
    if pcm.shape[0] != layout:
        pcm = pcm.reshape(-1, layout).T
    return layout, rate, pcm.astype(np.float64)


def rms(pcm: np.ndarray, rate: int, channel: int, start: float, end: float) -> float:
    """The loudness of one channel between two times (seconds into the file)."""
    part = pcm[channel, max(0, int(start * rate)) : max(0, int(end * rate))]
    return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0
