"""`coach personas check [DIR]` and `coach personas prompt ID`."""

import subprocess
import sys

import yaml

from coach_app.cli import main
from coach_app.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "personas"
VALID_TEXT = (SHIPPED / "billing-dispute-gold.yaml").read_text()


def test_check_passes_on_the_shipped_personas(capsys):
    assert main(["personas", "check", str(SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert "10 file(s) checked" in out and "10 valid." in out
    assert "billing-dispute-gold-th" in out and "th-TH" in out


def test_check_prints_each_error_and_fails(tmp_path, capsys):
    (tmp_path / "good.yaml").write_text(VALID_TEXT)
    data = yaml.safe_load(VALID_TEXT)
    data.update(id="other", difficulty="extreme", language="english")
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "empty.yaml").write_text("")
    assert main(["personas", "check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "error: broken.yaml: difficulty: Input should be 'easy', 'medium' or 'hard'" in err
    assert "error: broken.yaml: language: 'english' is not a BCP-47 language tag" in err
    assert "error: empty.yaml: file is empty" in err
    assert "3 file(s) checked" in err and "1 valid, 2 with errors (3 error(s))" in err


def test_check_fails_on_a_folder_without_personas(tmp_path, capsys):
    assert main(["personas", "check", str(tmp_path)]) == 1
    assert "no persona files" in capsys.readouterr().err


def test_the_installed_command_exits_non_zero_on_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("id: [\n")
    proc = subprocess.run(
        [sys.executable, "-m", "coach_app.cli", "personas", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 1
    assert "bad.yaml: invalid YAML at line" in proc.stderr


def test_prompt_prints_the_agent_instructions(capsys):
    assert main(["personas", "prompt", "tech-support-senior", "--dir", str(SHIPPED)]) == 0
    assert "You are Walter Brennan" in capsys.readouterr().out
    assert main(["personas", "prompt", "nobody", "--dir", str(SHIPPED)]) == 1
    assert "no persona with id 'nobody'" in capsys.readouterr().err
