"""Every persona file shipped in personas/ is valid, distinct and worth practising."""

import re

import pytest

from coach_app.personas.catalogue import load_catalogue
from coach_app.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "personas"
CATALOGUE = load_catalogue(SHIPPED)

# scenario (as the issue names it) -> (persona id, difficulty, language)
EXPECTED = {
    "Billing dispute": ("billing-dispute-gold", "hard", "en-US"),
    "Billing dispute (Thai)": ("billing-dispute-gold-th", "hard", "th-TH"),
    "Technical support": ("tech-support-senior", "medium", "en-US"),
    "Sales upsell": ("sales-upsell-home-office", "easy", "en-US"),
    "Retention": ("retention-gym-cancel", "medium", "en-US"),
    "Compliance": ("compliance-identity-check", "hard", "en-US"),
    "Returns": ("returns-damaged-mixer", "easy", "en-US"),
    "VIP support": ("vip-airline-rebooking", "medium", "en-GB"),
    "Fraud alert": ("fraud-alert-card-scam", "hard", "en-US"),
    "Cold-call discovery": ("cold-call-discovery", "medium", "en-US"),
}


def test_every_shipped_persona_file_is_valid():
    assert [str(e) for e in CATALOGUE.errors] == []
    assert len(CATALOGUE.personas) == len(list(SHIPPED.glob("*.yaml"))) == 10


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_each_scenario_ships_with_its_difficulty_and_language(scenario):
    persona_id, difficulty, language = EXPECTED[scenario]
    persona = CATALOGUE.personas[persona_id]
    assert (persona.difficulty, persona.language) == (difficulty, language)


@pytest.mark.parametrize("persona_id", sorted(CATALOGUE.personas))
def test_each_persona_is_complete(persona_id):
    p = CATALOGUE.personas[persona_id]
    assert CATALOGUE.files[persona_id] == f"{persona_id}.yaml"  # convention: file named after the id
    assert 3 <= len(p.objectives) <= 5
    assert sum(o.weight for o in p.objectives) == 100
    assert p.profile.identity and p.profile.history
    assert p.context.trainee_knows and p.context.hidden_facts
    assert len(p.phases.escalation_triggers) >= 3 and len(p.phases.deescalation_points) >= 2
    assert 5 <= p.time_limit_minutes <= 10
    assert re.fullmatch(r"[A-Za-z0-9]{20}", p.voice.voice_id)


def test_personas_are_distinct():
    personas = CATALOGUE.personas.values()
    for attr in (lambda p: p.name, lambda p: p.brief, lambda p: p.phases.opening.lines[0]):
        values = [attr(p) for p in personas]
        assert len(set(values)) == len(values)


def test_thai_version_is_written_in_thai():
    thai = CATALOGUE.personas["billing-dispute-gold-th"]
    thai_chars = re.compile(r"[\u0E00-\u0E7F]")
    for text in [
        thai.name,
        thai.brief,
        thai.scenario.description,
        thai.context.what_happened,
        *thai.phases.opening.lines,
        *(o.description for o in thai.objectives),
    ]:
        assert thai_chars.search(text), text
    english = CATALOGUE.personas["billing-dispute-gold"]
    assert [o.id for o in thai.objectives] == [o.id for o in english.objectives]
