"""The optional mood start levels and practice/assessment mode in a persona file."""

import pytest

from coach_app.personas.catalogue import load_catalogue
from tests.unit.test_persona_errors import VALID, only_error, persona_data, write


def test_existing_file_gets_defaults_from_the_opening(tmp_path):
    write(tmp_path, "p.yaml", persona_data())
    persona = load_catalogue(tmp_path).personas[VALID["id"]]
    assert persona.mode == "practice"
    assert persona.mood_start() == {"anger": VALID["phases"]["opening"]["intensity"], "trust": 3, "progress": 1}


def test_start_levels_and_assessment_mode(tmp_path):
    write(tmp_path, "p.yaml", persona_data(mode="assessment", mood={"anger": 9, "trust": 2, "progress": 1}))
    persona = load_catalogue(tmp_path).personas[VALID["id"]]
    assert persona.mode == "assessment"
    assert persona.mood_start() == {"anger": 9, "trust": 2, "progress": 1}


@pytest.mark.parametrize("value", [0, 11, "high", 2.5])
def test_level_out_of_range_names_field_and_range(tmp_path, value):
    write(tmp_path, "p.yaml", persona_data(mood={"anger": value}))
    _, err = only_error(tmp_path)
    assert err.field == "mood.anger"
    assert err.message == f"anger must be a whole number from 1 to 10, got {value!r}"


def test_unknown_mood_key_and_bad_mode(tmp_path):
    write(tmp_path, "p.yaml", persona_data(mood={"angr": 5}))
    _, err = only_error(tmp_path)
    assert err.field == "mood.angr" and err.message.startswith("unknown field 'angr'")
    write(tmp_path, "p.yaml", persona_data(mode="exam"))
    _, err = only_error(tmp_path)
    assert (err.field, err.message) == ("mode", "Input should be 'practice' or 'assessment'")
