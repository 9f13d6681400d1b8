"""Every persona file shipped in personas/ is valid and worth practising."""

from coach_app.personas import load_catalogue
from coach_app.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "personas"


def test_every_shipped_persona_file_is_valid():
    cat = load_catalogue(SHIPPED)
    assert [str(e) for e in cat.errors] == []
    assert len(cat.personas) == len(list(SHIPPED.glob("*.yaml")))


def test_billing_dispute_has_a_weighted_rubric():
    persona = load_catalogue(SHIPPED).personas["billing-dispute-gold"]
    assert persona.difficulty == "hard"
    assert persona.language == "en-US"
    assert sum(o.weight for o in persona.objectives) == 100
    assert all(o.evidence for o in persona.objectives)
