"""State of the scenario catalogue (`/scenarios`) and a scenario's brief (`/scenarios/[persona_id]`).

Both read the catalogue in the database (`coach_app.programmes.scenarios`, which imports the persona
files) on every page load, so edited scenarios and files show up without a restart. Only what a
trainee may read before the call reaches the browser: never the hidden facts, the persona's
triggers or the rubric's evidence descriptions.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from coach_app.auth import access
from coach_app.calls.recordings import recording_wanted
from coach_app.db import session_scope
from coach_app.personas.catalogue import get_catalogue
from coach_app.personas.schema import DIFFICULTIES, Persona
from coach_app.programmes import scenarios
from coach_app.settings import get_settings
from coach_app.state.auth import AuthState

ALL = "all"


@dataclasses.dataclass
class ScenarioCard:
    id: str = ""
    name: str = ""
    role: str = ""
    scenario: str = ""
    difficulty: str = ""
    language: str = ""  # BCP-47 tag
    language_name: str = ""
    minutes: int = 0
    brief: str = ""
    search_text: str = ""


@dataclasses.dataclass
class ObjectiveRow:
    id: str = ""
    description: str = ""
    weight: int = 0


def card_for(p: Persona) -> ScenarioCard:
    text = " ".join([p.name, p.role, p.scenario.name, p.brief, p.language_name, p.language]).lower()
    return ScenarioCard(
        id=p.id,
        name=p.name,
        role=p.role,
        scenario=p.scenario.name,
        difficulty=p.difficulty,
        language=p.language,
        language_name=p.language_name,
        minutes=p.time_limit_minutes,
        brief=p.brief,
        search_text=text,
    )


def unavailable_text(count: int) -> str:
    if count == 0:
        return ""
    noun = "scenario is" if count == 1 else "scenarios are"
    return f"{count} {noun} unavailable because of errors in the scenario files."


class CatalogueState(rx.State):
    cards: list[ScenarioCard] = []
    unavailable: int = 0
    # File-level error details, filled for managers and admins only.
    error_lines: list[str] = []
    loaded: bool = False

    difficulty: str = ALL
    language: str = ALL
    query: str = ""

    @rx.event
    async def load(self):
        auth = await self.get_state(AuthState)
        user = auth.current_user()
        if user is None:
            return
        cat = get_catalogue()
        with session_scope() as db:
            found = [c.persona for c in scenarios.catalogue(db, user)]
        order = {d: i for i, d in enumerate(DIFFICULTIES)}
        personas = sorted(found, key=lambda p: (order[p.difficulty], p.scenario.name, p.id))
        self.cards = [card_for(p) for p in personas]
        self.unavailable = len(cat.broken_files)
        self.error_lines = [str(e) for e in cat.errors] if access.is_manager(user) else []
        self.loaded = True

    @rx.event
    def set_difficulty(self, value: str | list[str]):
        self.difficulty = value if value in DIFFICULTIES else ALL

    @rx.event
    def set_language(self, value: str):
        self.language = value

    @rx.event
    def set_query(self, value: str):
        self.query = value[:100]

    @rx.event
    def clear_filters(self):
        self.difficulty, self.language, self.query = ALL, ALL, ""

    @rx.var
    def languages(self) -> list[str]:
        return sorted({c.language_name for c in self.cards})

    @rx.var
    def visible(self) -> list[ScenarioCard]:
        words = self.query.lower().split()
        return [
            c
            for c in self.cards
            if self.difficulty in (ALL, c.difficulty)
            and self.language in (ALL, c.language_name)
            and all(w in c.search_text for w in words)
        ]

    @rx.var
    def result_count(self) -> str:
        n, total = len(self.visible), len(self.cards)
        return f"{total} scenarios" if n == total else f"{n} of {total} scenarios"

    @rx.var
    def unavailable_note(self) -> str:
        return unavailable_text(self.unavailable)


class ScenarioState(rx.State):
    persona_id: str = ""
    requested_id: str = ""
    found: bool = False
    loaded: bool = False

    name: str = ""
    role: str = ""
    scenario: str = ""
    situation: str = ""
    trainee_role: str = ""
    difficulty: str = ""
    language: str = ""
    language_name: str = ""
    minutes: int = 0
    pass_mark: int = 0
    recorded: bool = False  # the brief says "this call is recorded"
    brief: str = ""
    trainee_knows: list[str] = []
    objectives: list[ObjectiveRow] = []

    def _route_id(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:120]

    @rx.event
    async def load(self):
        self.loaded, self.found = False, False
        self.requested_id = self._route_id()
        auth = await self.get_state(AuthState)
        user = auth.current_user()
        if user is None:
            return
        with session_scope() as db:
            persona = scenarios.find_persona(db, self.requested_id, user)
        self.loaded = True
        if persona is None:
            self.persona_id = ""
            return
        self._show(persona)

    def _show(self, p: Persona) -> None:
        self.found = True
        self.persona_id = p.id
        self.name, self.role, self.brief = p.name, p.role, p.brief
        self.scenario, self.situation, self.trainee_role = (
            p.scenario.name,
            p.scenario.description,
            p.scenario.trainee_role,
        )
        self.difficulty, self.language, self.language_name = p.difficulty, p.language, p.language_name
        self.minutes, self.pass_mark = p.time_limit_minutes, p.pass_mark
        self.recorded = recording_wanted(get_settings(), p)
        self.trainee_knows = list(p.context.trainee_knows)
        self.objectives = [ObjectiveRow(o.id, o.description, o.weight) for o in p.objectives]

    @rx.event
    async def start_call(self):
        """Start button: create the practice session (persona and rubric frozen), or resume the
        user's open one of this scenario (`calls.start.begin_session`), and go to its call."""
        from coach_app.calls.start import TooManyStarts, UnknownPersona, begin_session
        from coach_app.db import session_scope

        auth = await self.get_state(AuthState)
        user = auth.current_user()
        persona_id = self.persona_id or self._route_id()
        if user is None:
            return rx.redirect(f"/login?next=/scenarios/{persona_id}")
        try:
            with session_scope() as db:
                ps, _resumed = begin_session(db, user, persona_id)  # one open session per trainee
                session_id = ps.id
        except UnknownPersona as exc:
            return rx.toast.error(f"Cannot start: {exc}.")
        except TooManyStarts as exc:
            return rx.toast.error(str(exc))
        return rx.redirect(f"/call/{session_id}")
