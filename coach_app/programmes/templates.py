"""Starting points for a new scenario: a rubric template and a complete persona to edit (no Reflex).

A template's body validates as it is (so the editor opens on a working scenario); the author
changes the id, the customer and the situation, and keeps or edits the template's objectives.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RubricTemplate:
    key: str
    label: str
    objectives: list[dict[str, Any]]


def _o(id_: str, description: str, weight: int, evidence: str) -> dict[str, Any]:
    return {"id": id_, "description": description, "weight": weight, "evidence": evidence}


TEMPLATES: dict[str, RubricTemplate] = {
    t.key: t
    for t in (
        RubricTemplate(
            "support",
            "Support: empathy and ownership",
            [
                _o(
                    "empathy",
                    "Acknowledges the customer's feelings and the impact on them before solving",
                    35,
                    "Names the frustration or the impact in the trainee's own words",
                ),
                _o(
                    "ownership",
                    "Takes ownership: 'I will', not 'they should'; no blaming other teams",
                    35,
                    "Commits to doing something personally and says when",
                ),
                _o(
                    "resolution",
                    "Agrees a concrete resolution and the next step with the customer",
                    30,
                    "States what happens next, by when, and checks the customer agrees",
                ),
            ],
        ),
        RubricTemplate(
            "sales",
            "Sales: discovery",
            [
                _o(
                    "discovery",
                    "Asks open questions to learn the prospect's situation and needs before pitching",
                    40,
                    "Two or more open questions about the prospect's situation before any pitch",
                ),
                _o(
                    "value",
                    "Links the offer to a need the prospect said, in the prospect's terms",
                    35,
                    "Refers back to something the prospect said when presenting the offer",
                ),
                _o(
                    "next-step",
                    "Asks for a clear next step (meeting, trial, decision date)",
                    25,
                    "Proposes a specific next step with a time",
                ),
            ],
        ),
    )
}

_STARTER: dict[str, Any] = {
    "id": "new-scenario",
    "name": "Alex Morgan",
    "role": "Customer",
    "brief": "A customer with a problem to solve. Replace this with the situation in one sentence.",
    "scenario": {
        "name": "New scenario",
        "description": "What the call is about, as the trainee reads it before starting.",
        "trainee_role": "Customer support agent",
    },
    "difficulty": "medium",
    "language": "en-US",
    "voice": {"voice_id": "21m00Tcm4TlvDq8ikWAM"},
    "time_limit_minutes": 8,
    "pass_mark": 70,
    "profile": {"identity": {"age": 40, "occupation": "Office manager"}},
    "context": {
        "what_happened": "What happened to the customer before the call.",
        "what_they_want": "What the customer wants from this call.",
        "trainee_knows": ["What the trainee can see in the CRM before the call."],
        "hidden_facts": [],
    },
    "phases": {
        "opening": {"mood": "frustrated", "intensity": 6, "lines": ["Hi, I need help with something."]},
        "escalation_triggers": [{"when": "The trainee interrupts or reads a script", "reaction": "Gets short"}],
        "deescalation_points": [{"when": "The trainee acknowledges the problem", "reaction": "Calms down"}],
        "resolution": {"accepts_when": ["A concrete fix with a date is offered"], "walks_away_when": []},
    },
    "objectives": [],
    "constraints": ["Stay in character as the customer; never mention being an AI."],
}


def starter_body(template: str) -> dict[str, Any]:
    """A complete, valid persona to edit, with `template`'s objectives (support when unknown)."""
    body = copy.deepcopy(_STARTER)
    body["objectives"] = copy.deepcopy(TEMPLATES.get(template, TEMPLATES["support"]).objectives)
    return body
