"""When the trainee has finished speaking: the call's turn handling, from Settings and the persona's patience.

Silero VAD hears speech and, after TURN_VAD_SILENCE_SECONDS of silence, sends it to STT. With
TURN_DETECTOR=model, LiveKit's local end-of-turn model (v1-mini, inside livekit-local-inference,
no download, no cloud) then hears whether the sentence sounds finished: if so the persona answers
after the patience's min delay, if not (a pause after a comma) it waits up to the max delay for
the trainee to go on. With TURN_DETECTOR=vad the min delay of silence alone ends the turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from livekit.agents.voice.turn import TurnHandlingOptions

from coach_app.personas.schema import Patience
from coach_app.settings import Settings

# Pinned so nothing tries LiveKit's cloud gateway (the default in dev mode picks the cloud model).
TURN_DETECTOR_VERSION = "v1-mini"


@dataclass(frozen=True)
class TurnTiming:
    """Seconds of silence after the trainee's last word before the persona answers."""

    min_delay: float  # the turn sounds finished
    max_delay: float  # the turn sounds unfinished (only with the end-of-turn model)


def turn_timing(settings: Settings, patience: Patience) -> TurnTiming:
    """The persona's patience as turn-taking delays (an impatient persona jumps in sooner)."""
    delays = {
        "quick": (settings.turn_quick_min_delay_seconds, settings.turn_quick_max_delay_seconds),
        "normal": (settings.turn_normal_min_delay_seconds, settings.turn_normal_max_delay_seconds),
        "relaxed": (settings.turn_relaxed_min_delay_seconds, settings.turn_relaxed_max_delay_seconds),
    }
    min_delay, max_delay = delays[patience]
    return TurnTiming(min_delay=min_delay, max_delay=max_delay)


def uses_turn_model(settings: Settings) -> bool:
    return settings.turn_detector == "model"


def turn_handling(settings: Settings, patience: Patience) -> TurnHandlingOptions:
    """Explicit, local turn handling for one call; Silero VAD also detects barge-in."""
    timing = turn_timing(settings, patience)
    if uses_turn_model(settings):
        from livekit.agents import inference

        detection = inference.TurnDetector(version=TURN_DETECTOR_VERSION)
    else:
        detection = "vad"
    return {
        "turn_detection": detection,
        "endpointing": {"mode": "fixed", "min_delay": timing.min_delay, "max_delay": timing.max_delay},
        "interruption": {"enabled": True, "mode": "vad"},
        "preemptive_generation": {"enabled": True, "preemptive_tts": settings.turn_preemptive_tts},
    }
