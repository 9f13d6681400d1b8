"""`coach sessions delete ID`: delete a practice session with its turns, feedback, review actions
and recording (an operator's tool: the web API's DELETE /api/sessions/{id} is the managers' one)."""

from __future__ import annotations

import argparse
import sys


def _delete(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from coach_app.calls.recordings import SessionStillLive, delete_session
    from coach_app.db import get_engine
    from coach_app.models import PracticeSession
    from coach_app.settings import get_settings

    with Session(get_engine()) as db:
        ps = db.get(PracticeSession, args.session_id)
        if ps is None:
            print(f"error: no session with id {args.session_id}", file=sys.stderr)
            return 2
        if not args.yes:
            print(
                f"error: this deletes session {ps.id} ({ps.persona_id}, {ps.status.value}) with its transcript, "
                "feedback and recording; run again with --yes to do it",
                file=sys.stderr,
            )
            return 2
        try:
            delete_session(db, get_settings(), ps)
        except SessionStillLive as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"deleted session {args.session_id}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sessions", help="manage practice sessions")
    ssub = p.add_subparsers(dest="sessions_command", required=True, metavar="ACTION")
    d = ssub.add_parser("delete", help="delete a session with its transcript, feedback and recording")
    d.add_argument("session_id", type=int)
    d.add_argument("--yes", action="store_true", help="really delete it (without it, nothing is deleted)")
    d.set_defaults(func=_delete)
