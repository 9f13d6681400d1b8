"""The scenario editor's form: every field of the persona format round-trips; errors land next to their box."""

import yaml

from coach_app.personas.catalogue import validate_data
from coach_app.programmes.editor_form import body_from_form, errors_by_box, form_from_body
from coach_app.programmes.templates import TEMPLATES, starter_body
from coach_app.settings import REPO_ROOT


def test_a_shipped_persona_round_trips_through_the_form():
    body = yaml.safe_load((REPO_ROOT / "personas" / "billing-dispute-gold.yaml").read_text())
    persona, errors = validate_data(body)
    dumped = persona.model_dump(mode="json")
    data, box_errors = body_from_form(form_from_body(dumped))
    assert box_errors == {}
    assert validate_data(data)[0].model_dump(mode="json") == dumped


def test_templates_start_valid_with_their_objectives():
    assert [o["id"] for o in starter_body("support")["objectives"]] == ["empathy", "ownership", "resolution"]
    assert [o["id"] for o in starter_body("sales")["objectives"]][0] == "discovery"
    for key in TEMPLATES:
        assert validate_data(starter_body(key))[1] == []


def test_errors_are_shown_next_to_their_input_or_section():
    form = form_from_body(starter_body("support"))
    form["time_limit_minutes"] = "0"
    form["phases"] = form["phases"].replace("intensity: 6", "intensity: 11")
    form["constraints"] = "- [unclosed"
    data, box_errors = body_from_form(form)
    assert box_errors["constraints"].startswith("not readable YAML at line 1")
    boxes = errors_by_box(validate_data(data)[1])
    assert boxes["time_limit_minutes"] == "time_limit_minutes: Input should be greater than or equal to 1"
    assert boxes["phases"] == "phases.opening.intensity: Input should be less than or equal to 10"
    assert boxes["constraints"] == "constraints: required field is missing"
