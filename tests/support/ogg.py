"""A small stereo OGG/Opus file, the format the agent records calls in."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

RATE = 48000


def write_stereo_ogg(path: Path, seconds: float) -> Path:
    """A tone on the left channel (trainee) and a lower one on the right (persona)."""
    t = np.arange(int(seconds * RATE)) / RATE
    left = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
    right = (0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype(np.int16)
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
