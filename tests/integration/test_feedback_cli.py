"""`coach feedback analyze FILE.json`: analytics, rubric via the local stand-in, clear errors for bad files."""

import json
import os
import subprocess
import sys

import pytest

from coach_app.cli import main
from coach_app.devtools.standin import ChatStandin, judge_reply
from coach_app.feedback.judge_prompt import PROMPT_VERSION
from coach_app.settings import get_settings
from tests.support.feedback_seed import BILLING_CALL
from tests.support.procs import REPO

TURNS = [{k: t[k] for k in ("speaker", "text", "start", "end")} for t in BILLING_CALL]


def write(tmp_path, data, name="call.json"):
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(p)


def run(capsys, *argv):
    code = main(["feedback", "analyze", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_analytics_and_says_rubric_needs_an_llm(tmp_path, capsys):
    code, out, err = run(capsys, write(tmp_path, {"persona_id": "billing-dispute-gold", "turns": TURNS}))
    assert code == 0, err
    assert "Margaret Doyle" in out
    # trainee 7+9+10+5 = 31 s, persona 6+4.8+4.5+3.2 = 18.5 s -> 62.6 %
    assert "Talk ratio (trainee)  62.6 %" in out
    assert "Questions             2 (1 open, 1 closed)" in out
    assert "Interruptions         1" in out
    assert "Filler words          1 (" in out and "um 1" in out
    assert "Rubric: not scored. Rubric scoring needs an LLM" in out


def test_json_output(tmp_path, capsys):
    code, out, _ = run(capsys, write(tmp_path, {"persona_id": "billing-dispute-gold", "turns": TURNS}), "--json")
    data = json.loads(out)
    assert code == 0
    assert data["analytics"]["words"]["trainee"] == 59  # 14 + 16 + 19 + 10
    assert data["analytics"]["turns"] == {"trainee": 4, "persona": 4}
    assert "needs an LLM" in data["rubric_note"]


def test_rubric_is_scored_when_a_provider_is_configured(tmp_path, capsys, monkeypatch):
    with ChatStandin() as llm:
        for k, v in llm.env().items():
            monkeypatch.setenv(k, v)
        get_settings.cache_clear()
        llm.reply = judge_reply(
            {
                "acknowledge-and-own": (90, "Owned it.", ["that's our mistake", "we are sorry for the outage"]),
                "resolve-on-call": (80, "Refunded.", []),
                "discover-impact": (70, "Asked.", []),
                "clear-next-steps": (60, "Some.", []),
                "respect-time": (100, "Short.", []),
            }
        )
        try:
            code, out, err = run(capsys, write(tmp_path, {"persona_id": "billing-dispute-gold", "turns": TURNS}))
        finally:
            get_settings.cache_clear()
    assert code == 0, err
    assert f"Rubric (judge judge-standin, prompt {PROMPT_VERSION})" in out
    assert '"that\'s our mistake"  [turn 1]' in out
    assert 'not in the transcript, removed: "we are sorry for the outage"' in out
    assert "Overall 79.5 (pass mark 70): PASSED" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)"),
        ("[1, 2]", 'must hold a JSON object with "persona_id" and "turns"'),
        ({"turns": TURNS}, '"persona_id" is missing'),
        (
            {"persona_id": "no-such-persona", "turns": TURNS},
            "no persona with id 'no-such-persona' (known: billing-dispute-gold",
        ),
        ({"persona_id": "billing-dispute-gold"}, '"turns" is missing'),
        ({"persona_id": "billing-dispute-gold", "turns": []}, '"turns" is empty'),
        (
            {"persona_id": "billing-dispute-gold", "turns": [{"speaker": "agent", "text": "hi", "start": 0, "end": 1}]},
            'turns[0].speaker is "agent": it must be "trainee" or "persona"',
        ),
        (
            {
                "persona_id": "billing-dispute-gold",
                "turns": [{"speaker": "trainee", "text": "hi", "start": 5, "end": 2}],
            },
            "turns[0].end (2) is before its start (5)",
        ),
        (
            {"persona_id": "billing-dispute-gold", "turns": [TURNS[0], {"speaker": "trainee", "start": 5}]},
            "turns[1] is missing 'text', 'end'",
        ),
        (
            {
                "persona_id": "billing-dispute-gold",
                "turns": [{"speaker": "trainee", "text": "hi", "start": "0:05", "end": 9}],
            },
            'turns[0].start must be a number of seconds, not "0:05"',
        ),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path, capsys, content, message):
    code, out, err = run(capsys, write(tmp_path, content))
    assert code == 2
    assert message in err
    assert out == ""


def test_several_problems_are_listed_together(tmp_path, capsys):
    bad = {"persona_id": "nope", "turns": [{"speaker": "bot", "text": "x", "start": 1, "end": 0}]}
    code, _, err = run(capsys, write(tmp_path, bad))
    assert code == 2
    assert "has 2 problems" in err and "no persona with id 'nope'" in err and 'speaker is "bot"' in err


def test_missing_file(tmp_path, capsys):
    code, _, err = run(capsys, str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json: no such file" in err


def test_the_installed_command_runs(tmp_path):
    path = write(
        tmp_path,
        {
            "persona_id": "billing-dispute-gold-th",
            "turns": [
                {"speaker": "persona", "text": "สวัสดีครับ", "start": 0, "end": 3},
                {"speaker": "trainee", "text": "เอ่อ คุณได้รับบิลเมื่อไหร่ครับ", "start": 4, "end": 8},
            ],
        },
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROQ_")}
    proc = subprocess.run(
        [sys.executable, "-m", "coach_app.cli", "feedback", "analyze", path, "--no-judge"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Pace                  90.0 words/min" in proc.stdout  # 6 Thai words in 4 s
    assert "Filler words          1" in proc.stdout
    assert "Rubric" not in proc.stdout
