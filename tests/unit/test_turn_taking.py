"""Turn-taking: a persona's patience sets how soon it answers; the end-of-turn model is the local one."""

from __future__ import annotations

import pytest
from livekit.agents.inference import TurnDetector
from pydantic import ValidationError

from agent.turn_taking import turn_handling, turn_timing
from coach_app.personas.catalogue import get_persona
from coach_app.personas.schema import PATIENCES, Persona
from coach_app.settings import REPO_ROOT, Settings


def test_a_quick_persona_answers_sooner_than_a_normal_one_and_a_relaxed_one_waits_longest():
    s = Settings()
    quick, normal, relaxed = (turn_timing(s, p) for p in ("quick", "normal", "relaxed"))
    assert quick.min_delay < normal.min_delay < relaxed.min_delay
    assert quick.max_delay < normal.max_delay < relaxed.max_delay
    assert all(t.min_delay <= t.max_delay for t in (quick, normal, relaxed))


def test_patience_reads_its_delays_from_settings():
    s = Settings(turn_relaxed_min_delay_seconds=0.9, turn_relaxed_max_delay_seconds=4.0)
    timing = turn_timing(s, "relaxed")
    assert (timing.min_delay, timing.max_delay) == (0.9, 4.0)
    options = turn_handling(s, "relaxed")
    assert options["endpointing"] == {"mode": "fixed", "min_delay": 0.9, "max_delay": 4.0}


def test_the_end_of_turn_model_is_the_local_one_and_vad_mode_uses_silence_alone():
    detector = turn_handling(Settings(turn_detector="model"), "normal")["turn_detection"]
    assert isinstance(detector, TurnDetector) and detector.model == "turn-detector-v1-mini"
    assert turn_handling(Settings(turn_detector="vad"), "normal")["turn_detection"] == "vad"


def test_every_shipped_persona_is_normal_unless_it_says_otherwise_and_patience_is_checked():
    data = get_persona("billing-dispute-gold", REPO_ROOT / "personas").model_dump()
    assert data.pop("patience") == "normal"
    assert Persona.model_validate(data).patience == "normal"
    for patience in PATIENCES:
        assert Persona.model_validate({**data, "patience": patience}).patience == patience
    with pytest.raises(ValidationError, match="patience"):
        Persona.model_validate({**data, "patience": "impatient"})
