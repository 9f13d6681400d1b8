"""Who may see or act on what. Every page loader, event handler and HTTP route asks these.

- trainee: their own sessions only
- manager: sees their own sessions and every session of a *trainee* in their team, and manages
  (comments on, overrides, re-runs) only the trainees' ones; a manager's own sessions and peer
  managers' sessions are for admins
- admin: everything
Inactive users may do nothing. Only the owner may join (talk in) a session's call.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, true
from sqlmodel import select

from coach_app.models import PracticeSession, Role, User


def _role(user: User | None) -> Role | None:
    if user is None or not user.is_active:
        return None
    return Role(user.role)


def is_manager(user: User | None) -> bool:
    return _role(user) in (Role.manager, Role.admin)


def is_admin(user: User | None) -> bool:
    return _role(user) == Role.admin


def _owner(practice_session: PracticeSession) -> User | None:
    from coach_app.db import session_scope

    if practice_session.user_id is None:
        return None
    with session_scope() as s:
        return s.get(User, practice_session.user_id)


def is_owner(user: User | None, practice_session: PracticeSession | None) -> bool:
    return (
        practice_session is not None
        and _role(user) is not None
        and practice_session.user_id is not None
        and practice_session.user_id == user.id
    )


def can_manage_session(user: User | None, practice_session: PracticeSession | None) -> bool:
    """Managers of the trainee's team and admins (review, comment, override, re-run evaluation)."""
    role = _role(user)
    if practice_session is None or role is None:
        return False
    if role == Role.admin:
        return True
    if role != Role.manager or not user.team:
        return False
    owner = _owner(practice_session)
    return owner is not None and owner.id != user.id and Role(owner.role) == Role.trainee and owner.team == user.team


def can_view_session(user: User | None, practice_session: PracticeSession | None) -> bool:
    """The trainee who owns it, their team's managers, admins."""
    return is_owner(user, practice_session) or can_manage_session(user, practice_session)


def can_join_session(user: User | None, practice_session: PracticeSession | None) -> bool:
    """Only the owner may get a room token for (talk in) a session."""
    return is_owner(user, practice_session)


def visible_sessions_clause(user: User | None) -> Any:
    """A where-clause on PracticeSession for the sessions `user` may see."""
    role = _role(user)
    if role is None:
        return false()
    if role == Role.admin:
        return true()
    own = PracticeSession.user_id == user.id
    if role == Role.manager and user.team:
        return or_(own, PracticeSession.user_id.in_(select(User.id).where(_team_trainees(user))))
    return own


def visible_sessions(user: User | None):
    """`select(PracticeSession)` restricted to what `user` may see (add order/filters as needed)."""
    return select(PracticeSession).where(visible_sessions_clause(user))


def visible_users_clause(user: User | None) -> Any:
    """A where-clause on User for the people whose work `user` may see (for review filters)."""
    role = _role(user)
    if role is None:
        return false()
    if role == Role.admin:
        return true()
    if role == Role.manager and user.team:
        return or_(User.id == user.id, _team_trainees(user))
    return User.id == user.id


def _team_trainees(manager: User) -> Any:
    """A where-clause on User: the trainees of `manager`'s team (peer managers are not among them)."""
    return (User.team == manager.team) & (User.role == Role.trainee)


# --- scenarios (coach_app/programmes/scenarios.py) -------------------------------------------------


def can_see_scenario(user: User | None, scenario: Any) -> bool:
    """A scenario of nobody's team (the shipped ones) is for everyone; a team's is for its members."""
    role = _role(user)
    if role is None or scenario is None:
        return False
    return role == Role.admin or scenario.team is None or scenario.team == user.team


def can_edit_scenario(user: User | None, scenario: Any) -> bool:
    """Admins edit every scenario, managers their team's; trainees none."""
    role = _role(user)
    if role is None or scenario is None:
        return False
    return role == Role.admin or (role == Role.manager and bool(user.team) and scenario.team == user.team)


def new_scenario_team(user: User | None, requested: str | None = None) -> str | None:
    """The team a new scenario belongs to: a manager's own team; an admin's choice (None: every team).
    Raises PermissionError for anyone else (and for a manager without a team)."""
    role = _role(user)
    if role == Role.admin:
        return requested or None
    if role == Role.manager and user.team:
        return user.team
    raise PermissionError("only managers (of a team) and admins can create scenarios")


def can_manage_assignment(user: User | None, assignment: Any) -> bool:
    """Admins every assignment; managers their team's (see its board, export it)."""
    role = _role(user)
    if role is None or assignment is None:
        return False
    return role == Role.admin or (role == Role.manager and bool(user.team) and assignment.team == user.team)
