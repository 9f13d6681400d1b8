"""State of the scenario editor: `/manage/scenarios` (the list) and `/manage/scenarios/[slug]`.

`slug` "new" opens a new scenario from a rubric template (`?template=support|sales`). Only admins
and managers edit (`access.can_edit_scenario`, `new_scenario_team`); every loader and handler
re-reads the user, so a trainee's tampered event changes nothing. Each save is a new version.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from coach_app.auth import access
from coach_app.clock import when_text
from coach_app.db import session_scope
from coach_app.models import User
from coach_app.personas.prompt import build_instructions
from coach_app.programmes import editor_form, scenarios
from coach_app.programmes.templates import TEMPLATES, starter_body
from coach_app.state.auth import AuthState

NEW = "new"
BOX_MAX = 50_000  # characters per box; a whole persona file is a few thousand


@dataclasses.dataclass
class ScenarioListRow:
    id: str = ""
    name: str = ""
    scenario: str = ""
    team: str = ""
    version: int = 0
    status: str = ""
    updated: str = ""


class ManageScenariosState(rx.State):
    rows: list[ScenarioListRow] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        auth = await self.get_state(AuthState)
        user = auth.current_user()
        self.rows, self.loaded = [], False
        if not access.is_manager(user):
            return
        with session_scope() as db:
            found = scenarios.catalogue(db, user, include_archived=True)
            self.rows = [
                ScenarioListRow(
                    id=c.record.slug,
                    name=c.persona.name if c.persona else c.record.slug,
                    scenario=c.persona.scenario.name if c.persona else "(no valid version)",
                    team=c.record.team or "every team",
                    version=c.version.version,
                    status="archived" if c.record.archived else "active",
                    updated=when_text(c.record.updated_at),
                )
                for c in found
                if access.can_edit_scenario(user, c.record)
            ]
        self.loaded = True

    @rx.var
    def templates(self) -> list[list[str]]:
        return [[t.key, t.label] for t in TEMPLATES.values()]


@dataclasses.dataclass
class VersionRow:
    version: int = 0
    author: str = ""
    when: str = ""


class ScenarioEditorState(rx.State):
    slug: str = ""  # "" while loading; NEW for a new scenario
    form: dict[str, str] = {}
    history: list[VersionRow] = []
    import_text: str = ""
    new_team: str = ""  # an admin's choice for a new scenario ("": every team)
    errors: dict[str, str] = {}
    preview_text: str = ""
    version: int = 0
    archived: bool = False
    team: str = ""
    page_error: str = ""
    saved_note: str = ""
    loaded: bool = False

    def _route_slug(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:80]

    async def _user(self) -> User | None:
        auth = await self.get_state(AuthState)
        return auth.current_user()

    def _clear(self) -> None:
        self.errors = {box: "" for box in editor_form.BOXES}
        self.preview_text, self.saved_note = "", ""

    @rx.event
    async def load(self):
        self.loaded, self.page_error = False, ""
        self._clear()
        user = await self._user()
        if not access.is_manager(user):
            self.page_error = "Only managers and admins edit scenarios."
            return
        slug = self._route_slug()
        if slug == NEW:
            template = self.router.url.query_parameters.get("template", "support")
            self.slug, self.version, self.archived = NEW, 0, False
            self.team = access.new_scenario_team(user) or "every team"
            self.form = editor_form.form_from_body(starter_body(template))
            self.loaded = True
            return
        with session_scope() as db:
            rec = scenarios.by_slug(db, slug)
            found = scenarios.current(db, rec) if rec is not None else None
        if rec is None or found is None or not access.can_edit_scenario(user, rec):
            self.slug = ""
            self.page_error = f"No scenario '{slug}' that you can edit."
            return
        self.slug, self.version, self.archived = rec.slug, found.version.version, rec.archived
        self.team = rec.team or "every team"
        self.form = editor_form.form_from_body(found.version.body)
        self._load_history()
        self.loaded = True

    def _load_history(self) -> None:
        with session_scope() as db:
            rec = scenarios.by_slug(db, self.slug)
            rows = scenarios.versions(db, rec.id) if rec is not None else []
            self.history = [VersionRow(v.version, v.author, when_text(v.created_at)) for v in rows]

    @rx.event
    def set_new_team(self, value: str):
        self.new_team = str(value)[:64]

    @rx.event
    def set_import_text(self, value: str):
        self.import_text = str(value)[:BOX_MAX]

    @rx.event
    async def import_yaml(self):
        """Fill the form from a pasted persona file (saved only with Save)."""
        if not access.is_manager(await self._user()):
            return
        self._clear()
        try:
            data = scenarios.parse_yaml(self.import_text)
        except scenarios.ScenarioInvalid as exc:
            self.errors = {**self.errors, editor_form.FORM: str(exc)}
            return
        if not isinstance(data, dict):
            self.errors = {**self.errors, editor_form.FORM: "the pasted text is not a persona file (fields: values)"}
            return
        if self.slug != NEW:
            data["id"] = self.slug  # a new version of this scenario
        self.form = editor_form.form_from_body(data)
        self.import_text = ""
        self.saved_note = "Imported into the form: check it, then Save."

    @rx.event
    def set_field(self, key: str, value: str):
        if key in self.form:
            self.form[key] = str(value)[:BOX_MAX]

    @rx.event
    def use_template(self, key: str):
        """Replace the objectives with a rubric template's."""
        if key in TEMPLATES:
            self.form["objectives"] = editor_form.form_from_body({"objectives": TEMPLATES[key].objectives})[
                "objectives"
            ]

    def _validated(self):
        """(persona data, Persona) when the form validates; otherwise fills `errors`."""
        self._clear()
        data, box_errors = editor_form.body_from_form(self.form)
        try:
            persona = scenarios.validate(data)
        except scenarios.ScenarioInvalid as exc:
            shown = {**editor_form.errors_by_box(exc.errors), **box_errors}
            self.errors = {box: shown.get(box, "") for box in editor_form.BOXES}
            return data, None
        if box_errors:
            self.errors = {box: box_errors.get(box, "") for box in editor_form.BOXES}
            return data, None
        return data, persona

    @rx.event
    async def preview(self):
        if not access.is_manager(await self._user()):
            return
        _data, persona = self._validated()
        if persona is not None:
            self.preview_text = build_instructions(persona)

    @rx.event
    async def save(self):
        user = await self._user()
        if not access.is_manager(user) or not self.slug:
            return rx.redirect("/forbidden")
        data, persona = self._validated()
        if persona is None:
            return
        with session_scope() as db:
            try:
                if self.slug == NEW:
                    team = access.new_scenario_team(user, self.new_team.strip() or None)
                    made = scenarios.create(db, user, data, team)
                else:
                    rec = scenarios.by_slug(db, self.slug)
                    if not access.can_edit_scenario(user, rec):
                        return rx.redirect("/forbidden")
                    made = scenarios.save(db, user, rec, data)
            except scenarios.ScenarioConflict as exc:
                self.errors = {**self.errors, "id": f"id: {exc}"}
                return
            except scenarios.ScenarioInvalid as exc:
                shown = editor_form.errors_by_box(exc.errors)
                self.errors = {box: shown.get(box, "") for box in editor_form.BOXES}
                return
            slug, version = made.record.slug, made.version.version
        if self.slug == NEW:
            return rx.redirect(f"/manage/scenarios/{slug}")
        self.version = version
        self._load_history()
        self.saved_note = f"Saved as version {version}."

    async def _editable_record(self):
        user = await self._user()
        if not access.is_manager(user) or self.slug in ("", NEW):
            return user, None
        with session_scope() as db:
            rec = scenarios.by_slug(db, self.slug)
        return user, (rec if access.can_edit_scenario(user, rec) else None)

    @rx.event
    async def duplicate(self):
        user, rec = await self._editable_record()
        if rec is None:
            return rx.redirect("/forbidden")
        with session_scope() as db:
            copy = scenarios.duplicate(db, user, rec, rec.team if access.is_admin(user) else user.team)
            slug = copy.record.slug
        return rx.redirect(f"/manage/scenarios/{slug}")

    @rx.event
    async def set_archived(self, archived: bool):
        _user, rec = await self._editable_record()
        if rec is None:
            return rx.redirect("/forbidden")
        with session_scope() as db:
            self.archived = scenarios.set_archived(db, rec, bool(archived)).archived
        self.saved_note = "Archived: trainees no longer see it." if self.archived else "Back in the catalogue."

    @rx.event
    async def export_yaml(self):
        _user, rec = await self._editable_record()
        if rec is None:
            return rx.redirect("/forbidden")
        with session_scope() as db:
            body = scenarios.current(db, rec).version.body
        return rx.download(data=scenarios.export_yaml(body), filename=f"{rec.slug}.yaml", mime_type="application/yaml")

    @rx.var
    def is_new(self) -> bool:
        return self.slug == NEW

    @rx.var
    def heading(self) -> str:
        if self.slug == NEW:
            return "New scenario"
        return f"{self.form.get('name', '')} · {self.slug} (version {self.version})"
