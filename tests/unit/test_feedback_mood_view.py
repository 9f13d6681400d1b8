"""The feedback page's mood section data: the curve, the markers on trainee turns that moved it, help used."""

from coach_app.feedback.mood_view import mood_view


def _mood(anger, trust, progress, hit=None):
    return {"anger": anger, "trust": trust, "progress": progress, "phase": "escalated", "hit": hit, "source": "llm"}


def test_curve_markers_and_help():
    trigger = {"kind": "trigger", "index": 1, "when": "Reads a scripted apology."}
    turns = [
        (1, "persona", _mood(8, 3, 1)),
        (2, "trainee", _mood(10, 2, 1, trigger)),
        (3, "persona", _mood(10, 2, 1)),
        (4, "trainee", _mood(10, 2, 1)),  # moved nothing: no marker
        (5, "persona", None),  # a turn without a stored mood is left out of the curve
    ]
    help_events = [{"kind": "hint", "at": 65.2, "after_seq": 4, "text": "Apologise for the charge."}]
    view = mood_view("practice", help_events, turns)
    assert [(p["turn"], p["anger"], p["moved"]) for p in view["curve"]] == [
        ("#1", 8, None),
        ("#2", 10, 10),
        ("#3", 10, None),
        ("#4", 10, None),
    ]
    assert view["markers"] == [
        {
            "seq": 2,
            "href": "#turn-2",
            "kind": "trigger",
            "label": "#2 escalation trigger: anger 8 \u2192 10, trust 3 \u2192 2",
            "when": "Reads a scripted apology.",
        }
    ]
    assert view["help"] == [{"kind": "hint", "at": "01:05", "text": "Apologise for the charge."}]
    assert view["hints_used"] == 1 and view["mode_label"] == "Practice"


def test_a_turn_that_hit_a_cue_is_a_marker_even_as_the_first_one_stored():
    hit = {"kind": "deescalation", "index": 0, "when": "Apologises."}
    view = mood_view("practice", [], [(2, "trainee", _mood(6, 4, 1, hit))])
    assert [(m["seq"], m["label"]) for m in view["markers"]] == [(2, "#2 de-escalation point")]


def test_assessment_says_so():
    view = mood_view("assessment", [], [])
    assert view["mode_label"].startswith("Assessment") and view["curve"] == []
