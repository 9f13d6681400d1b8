"""What the catalogue shows about personas: card fields, search text, the unavailable note."""

from coach_app.personas.catalogue import load_catalogue
from coach_app.settings import REPO_ROOT
from coach_app.state.scenarios import card_for, unavailable_text

CATALOGUE = load_catalogue(REPO_ROOT / "personas")


def test_unavailable_note_counts_files():
    assert unavailable_text(0) == ""
    assert unavailable_text(1) == "1 scenario is unavailable because of errors in the scenario files."
    assert unavailable_text(3) == "3 scenarios are unavailable because of errors in the scenario files."


def test_card_carries_what_the_catalogue_shows_and_nothing_secret():
    persona = CATALOGUE.personas["fraud-alert-card-scam"]
    card = card_for(persona)
    assert (card.name, card.scenario, card.difficulty, card.language, card.language_name, card.minutes) == (
        "Sofia Marquez",
        "Fraud alert",
        "hard",
        "en-US",
        "English",
        8,
    )
    assert "fraud alert" in card.search_text and "sofia" in card.search_text
    for fact in persona.context.hidden_facts:
        assert fact.lower() not in card.search_text


def test_thai_card_is_searchable_in_thai():
    card = card_for(CATALOGUE.personas["billing-dispute-gold-th"])
    assert card.language_name == "Thai"
    assert "วิไลวรรณ" in card.search_text
