"""A broken persona file gives an error naming the file, the field and the problem; the rest still load."""

import copy
import os
from pathlib import Path

import pytest
import yaml

from coach_app.personas.catalogue import get_catalogue, get_persona, load_catalogue
from coach_app.settings import REPO_ROOT

VALID = yaml.safe_load((REPO_ROOT / "personas" / "billing-dispute-gold.yaml").read_text())


def persona_data(**changes) -> dict:
    data = copy.deepcopy(VALID)
    data.update(changes)
    return data


def write(folder: Path, name: str, data) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def only_error(folder: Path):
    cat = load_catalogue(folder)
    assert len(cat.errors) == 1, [str(e) for e in cat.errors]
    return cat, cat.errors[0]


def test_bad_yaml_syntax_names_line_and_column(tmp_path):
    write(tmp_path, "bad.yaml", "id: x\nname: [unclosed\nrole: y\n")
    _, err = only_error(tmp_path)
    assert err.file == "bad.yaml" and err.field == ""
    assert err.message.startswith("invalid YAML at line 3, column")


def test_missing_required_field(tmp_path):
    data = persona_data()
    del data["difficulty"]
    write(tmp_path, "p.yaml", data)
    _, err = only_error(tmp_path)
    assert (err.file, err.field, err.message) == ("p.yaml", "difficulty", "required field is missing")


def test_missing_nested_field_gives_dotted_path(tmp_path):
    data = persona_data()
    del data["phases"]["opening"]["mood"]
    write(tmp_path, "p.yaml", data)
    _, err = only_error(tmp_path)
    assert err.field == "phases.opening.mood"
    assert str(err) == "p.yaml: phases.opening.mood: required field is missing"


def test_wrong_type(tmp_path):
    write(tmp_path, "p.yaml", persona_data(time_limit_minutes="ten"))
    _, err = only_error(tmp_path)
    assert err.field == "time_limit_minutes"
    assert "valid integer" in err.message


def test_bad_difficulty(tmp_path):
    write(tmp_path, "p.yaml", persona_data(difficulty="extreme"))
    _, err = only_error(tmp_path)
    assert err.field == "difficulty"
    assert err.message == "Input should be 'easy', 'medium' or 'hard'"


@pytest.mark.parametrize("tag", ["english", "en_US", "EN-us", "th-thailand"])
def test_invalid_language_tag(tmp_path, tag):
    write(tmp_path, "p.yaml", persona_data(language=tag))
    _, err = only_error(tmp_path)
    assert err.field == "language"
    assert f"'{tag}' is not a BCP-47 language tag" in err.message


def test_objective_weights_must_add_up_to_100(tmp_path):
    data = persona_data()
    data["objectives"][0]["weight"] = 5
    write(tmp_path, "p.yaml", data)
    _, err = only_error(tmp_path)
    assert err.field == "objectives"
    assert err.message == "objective weights must add up to 100, they add up to 80"


def test_objective_weight_must_be_positive(tmp_path):
    data = persona_data()
    data["objectives"][1]["weight"] = 0
    write(tmp_path, "p.yaml", data)
    _, err = only_error(tmp_path)
    assert err.field == "objectives.1.weight"
    assert "greater than 0" in err.message


def test_duplicate_objective_ids(tmp_path):
    data = persona_data()
    data["objectives"][2]["id"] = data["objectives"][0]["id"]
    write(tmp_path, "p.yaml", data)
    _, err = only_error(tmp_path)
    assert err.field == "objectives"
    assert "objective id 'acknowledge-and-own' is used more than once" in err.message


def test_duplicate_persona_id_across_files_keeps_the_first(tmp_path):
    write(tmp_path, "a-first.yaml", persona_data())
    write(tmp_path, "b-copy.yaml", persona_data(name="Copy of Margaret"))
    cat, err = only_error(tmp_path)
    assert (err.file, err.field) == ("b-copy.yaml", "id")
    assert err.message == "persona id 'billing-dispute-gold' is already used by a-first.yaml"
    assert cat.personas["billing-dispute-gold"].name == "Margaret Doyle"


def test_unknown_field_suggests_the_right_name(tmp_path):
    data = persona_data()
    data["objectivs"] = data.pop("objectives")
    write(tmp_path, "p.yaml", data)
    cat = load_catalogue(tmp_path)
    messages = {(e.field, e.message) for e in cat.errors}
    assert ("objectivs", "unknown field 'objectivs' (did you mean 'objectives'?)") in messages
    assert ("objectives", "required field is missing") in messages


def test_unknown_nested_field(tmp_path):
    data = persona_data()
    data["phases"]["opening"]["intensty"] = data["phases"]["opening"].pop("intensity")
    write(tmp_path, "p.yaml", data)
    messages = {(e.field, e.message) for e in load_catalogue(tmp_path).errors}
    assert ("phases.opening.intensty", "unknown field 'intensty' (did you mean 'intensity'?)") in messages


@pytest.mark.parametrize("text", ["", "   \n\n# only a comment\n"])
def test_empty_file(tmp_path, text):
    write(tmp_path, "empty.yaml", text)
    _, err = only_error(tmp_path)
    assert (err.file, err.field) == ("empty.yaml", "")
    assert err.message in ("file is empty", "expected a mapping of fields at the top level, found nothing")


def test_top_level_must_be_a_mapping(tmp_path):
    write(tmp_path, "list.yaml", "- id: x\n- id: y\n")
    _, err = only_error(tmp_path)
    assert err.message == "expected a mapping of fields at the top level, found list"


def test_key_written_twice(tmp_path):
    write(tmp_path, "twice.yaml", "id: a\nname: B\nid: c\n")
    _, err = only_error(tmp_path)
    assert err.message == "invalid YAML at line 3, column 1: key 'id' appears twice in the same section"


def test_bad_ids_and_voice(tmp_path):
    data = persona_data(id="Billing Dispute")
    data["voice"]["voice_id"] = "rachel"
    write(tmp_path, "p.yaml", data)
    errors = {e.field: e.message for e in load_catalogue(tmp_path).errors}
    assert "may use only lowercase letters, digits and dashes" in errors["id"]
    assert "'rachel' is not an ElevenLabs voice id" in errors["voice.voice_id"]


def test_not_utf8(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes("name: Jos\xe9\n".encode("latin-1"))
    _, err = only_error(tmp_path)
    assert err.message == "file is not UTF-8 text"


def test_valid_personas_still_load_next_to_broken_ones(tmp_path):
    write(tmp_path, "good.yaml", persona_data())
    write(tmp_path, "other.yaml", persona_data(id="billing-2", name="Another"))
    write(tmp_path, "broken.yaml", persona_data(id="billing-3", difficulty="extreme"))
    (tmp_path / "README.md").write_text("not a persona")
    cat = load_catalogue(tmp_path)
    assert sorted(cat.personas) == ["billing-2", "billing-dispute-gold"]
    assert cat.broken_files == ["broken.yaml"]


def test_missing_folder_is_an_error_not_a_crash(tmp_path):
    cat = load_catalogue(tmp_path / "nope")
    assert cat.personas == {}
    assert cat.errors[0].message == "personas folder does not exist"


def test_edited_added_and_removed_files_are_picked_up_without_restart(tmp_path):
    path = write(tmp_path, "p.yaml", persona_data())
    assert get_persona("billing-dispute-gold", tmp_path).name == "Margaret Doyle"

    write(tmp_path, "p.yaml", persona_data(name="Margaret D. Doyle"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert get_persona("billing-dispute-gold", tmp_path).name == "Margaret D. Doyle"

    write(tmp_path, "new.yaml", persona_data(id="new-one"))
    assert sorted(get_catalogue(tmp_path).personas) == ["billing-dispute-gold", "new-one"]

    write(tmp_path, "p.yaml", persona_data(difficulty="extreme"))
    cat = get_catalogue(tmp_path)
    assert sorted(cat.personas) == ["new-one"] and cat.broken_files == ["p.yaml"]

    (tmp_path / "new.yaml").unlink()
    assert get_catalogue(tmp_path).personas == {}


def test_unchanged_folder_is_not_reloaded(tmp_path):
    write(tmp_path, "p.yaml", persona_data())
    assert get_catalogue(tmp_path) is get_catalogue(tmp_path)


def test_default_folder_comes_from_settings(tmp_path, monkeypatch):
    from coach_app.settings import get_settings

    write(tmp_path, "p.yaml", persona_data(id="from-env"))
    monkeypatch.setenv("PERSONAS_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert list(get_catalogue().personas) == ["from-env"]
    finally:
        get_settings.cache_clear()
