"""Join the parts of one call's recording into one stereo OGG on the call's timeline.

A call whose agent was lost (killed, crashed, handed over) has one part per agent that served it,
each written by livekit-agents' recorder from the moment that agent joined. The parts are decoded
in order and written again as one file: silence where no agent was recording (while a new one
joined), a part that starts before the previous one ended loses the overlap, and a part cut short
by a crash (no final OGG page) gives what could be decoded. No Reflex import: the agent uses it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

logger = logging.getLogger("coach.recordings")

RATE = 48000  # livekit-agents' recorder writes 48 kHz stereo Opus
CHANNELS = 2
_SILENCE_BLOCK = RATE  # silence is written a second at a time


def _encoder(container: av.container.OutputContainer) -> av.AudioStream:
    try:
        av.Codec("libopus", "w")
        return container.add_stream("libopus", rate=RATE, layout="stereo")
    except av.codec.codec.UnknownCodecError:
        stream = container.add_stream("opus", rate=RATE, layout="stereo")
        stream.codec_context.options["strict"] = "experimental"  # ffmpeg's own opus encoder
        return stream


def whole_pages(data: bytes) -> bytes:
    """The OGG pages of `data` up to the first one that is cut short (a killed writer's last page
    is often half written, and ffmpeg will not open such a file)."""
    pos = 0
    while data[pos : pos + 4] == b"OggS" and pos + 27 <= len(data):
        segments = data[pos + 26]
        end = pos + 27 + segments
        if end > len(data):
            break
        end += sum(data[pos + 27 : end])
        if end > len(data):
            break
        pos = end
    return data[:pos]


def _decoded(path: Path) -> Iterator[np.ndarray]:
    """A part's audio as float32 blocks [2, n] at RATE, as far as it can be decoded."""
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
    data = whole_pages(path.read_bytes())
    if not data:
        return
    try:
        with av.open(io.BytesIO(data)) as container:
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    yield out.to_ndarray()
    except (av.FFmpegError, EOFError, IndexError) as exc:  # a part cut short by a crash
        logger.info("recording part %s ends early (%s); keeping what was decoded", path.name, exc)
    for out in resampler.resample(None):
        yield out.to_ndarray()


def join_parts(parts: list[tuple[float, Path]], target: Path) -> float:
    """Write `parts` ((start on the wall clock, file), any order) as one OGG at `target`.

    Returns the joined file's start on the wall clock (the earliest part's)."""
    parts = sorted(parts)
    first = parts[0][0]
    cursor = 0  # samples written so far

    with av.open(str(target), mode="w", format="ogg") as container:
        stream = _encoder(container)

        def write(block: np.ndarray) -> None:
            nonlocal cursor
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(block, dtype=np.float32), format="fltp", layout="stereo"
            )
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                container.mux(packet)
            cursor += block.shape[1]

        for started, path in parts:
            at = round((started - first) * RATE)
            while cursor < at:  # nobody was recording: silence until this part starts
                write(np.zeros((CHANNELS, min(_SILENCE_BLOCK, at - cursor)), dtype=np.float32))
            skip = cursor - at  # what this part shares with the one before it
            for block in _decoded(path):
                if skip >= block.shape[1]:
                    skip -= block.shape[1]
                    continue
                block, skip = block[:, skip:], 0
                write(block)
        for packet in stream.encode(None):
            container.mux(packet)
    return first
