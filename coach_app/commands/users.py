"""`coach users create|list|set-role|set-password|deactivate|activate` and `coach seed-demo`.

Passwords come from an interactive prompt (not echoed) or, for scripts, one line on stdin with
`--password-stdin`; never from the command line, where they would land in shell history.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys

from coach_app.models import Role

DEMO_TEAM = "demo"
DEMO_USERS = [("demo-trainee", Role.trainee, "Demo Trainee"), ("demo-manager", Role.manager, "Demo Manager")]


def _err(msg: str) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return 2


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        print("error: no terminal to prompt for the password; pipe it in with --password-stdin", file=sys.stderr)
        return None
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        print("error: the two passwords differ", file=sys.stderr)
        return None
    return first


def _run(fn) -> int:
    from coach_app.auth.passwords import PasswordPolicyError
    from coach_app.auth.users import UserError
    from coach_app.db import session_scope

    try:
        with session_scope() as s:
            return fn(s) or 0
    except (UserError, PasswordPolicyError) as exc:
        return _err(str(exc))


def _create(args: argparse.Namespace) -> int:
    from coach_app.auth.users import create_user

    password = _read_password(args)
    if password is None:
        return 2

    def go(s):
        u = create_user(s, args.username, password, role=args.role, team=args.team, display_name=args.display_name)
        print(f"created {u.role.value} {u.username!r}" + (f" in team {u.team!r}" if u.team else ""))

    return _run(go)


def _list(_args: argparse.Namespace) -> int:
    from coach_app.auth.users import list_users

    def go(s):
        rows = list_users(s)
        if not rows:
            print("no users yet: create one with `coach users create --role admin USERNAME`")
            return
        header = ("USERNAME", "ROLE", "TEAM", "ACTIVE", "NAME")
        table = [header] + [
            (u.username, u.role.value, u.team or "-", "yes" if u.is_active else "no", u.display_name or "")
            for u in rows
        ]
        widths = [max(len(r[i]) for r in table) for i in range(len(header))]
        for r in table:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())

    return _run(go)


def _set_role(args: argparse.Namespace) -> int:
    from coach_app.auth.users import set_role

    def go(s):
        u = set_role(s, args.username, args.role, team=args.team)
        print(f"{u.username!r} is now {u.role.value}" + (f" in team {u.team!r}" if u.team else ""))

    return _run(go)


def _set_password(args: argparse.Namespace) -> int:
    from coach_app.auth.users import set_password

    password = _read_password(args)
    if password is None:
        return 2

    def go(s):
        u = set_password(s, args.username, password)
        print(f"password changed for {u.username!r}; their browser logins were ended and API tokens revoked")

    return _run(go)


def _deactivate(args: argparse.Namespace) -> int:
    from coach_app.auth.users import deactivate

    def go(s):
        u = deactivate(s, args.username)
        print(f"{u.username!r} deactivated: cannot log in; browser logins and API tokens stopped working")

    return _run(go)


def _activate(args: argparse.Namespace) -> int:
    from coach_app.auth.users import activate

    def go(s):
        u = activate(s, args.username)
        print(f"{u.username!r} activated")

    return _run(go)


def _seed_demo(_args: argparse.Namespace) -> int:
    """Create a demo trainee and manager (same team) when there are no users at all."""
    from sqlalchemy import func
    from sqlmodel import select

    from coach_app.auth.users import create_user
    from coach_app.models import User

    def go(s):
        if s.exec(select(func.count()).select_from(User)).one() > 0:
            names = set(s.exec(select(User.username)).all())
            if {n for n, _, _ in DEMO_USERS} <= names:
                print(
                    "Demo users exist: demo-trainee, demo-manager "
                    "(forgot a password? `coach users set-password demo-trainee`)."
                )
            return
        lines = []
        for name, role, display in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            create_user(s, name, password, role=role, team=DEMO_TEAM, display_name=display)
            lines.append(f"  {role.value:<8} username: {name:<13} password: {password}")
        print("Created demo users (team 'demo'); log in with:")
        print("\n".join(lines))
        print("These passwords are shown once. Create real users with `coach users create`.")

    return _run(go)


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="create and manage user accounts")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    roles = [r.value for r in Role]

    p = usub.add_parser("create", help="create a user (asks for the password)")
    p.add_argument("username")
    p.add_argument("--role", choices=roles, default="trainee")
    p.add_argument("--team", help="team name; managers see their team's sessions (required for managers)")
    p.add_argument("--display-name", default="", help="name shown in the app")
    p.add_argument("--password-stdin", action="store_true", help="read the password from one line on stdin")
    p.set_defaults(func=_create)

    p = usub.add_parser("list", help="list users")
    p.set_defaults(func=_list)

    p = usub.add_parser("set-role", help="change a user's role (and team)")
    p.add_argument("username")
    p.add_argument("role", choices=roles)
    p.add_argument("--team", help="also change the team")
    p.set_defaults(func=_set_role)

    p = usub.add_parser("set-password", help="set a new password (ends their browser logins, revokes their API tokens)")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from one line on stdin")
    p.set_defaults(func=_set_password)

    p = usub.add_parser("deactivate", help="stop a user logging in (their data is kept)")
    p.add_argument("username")
    p.set_defaults(func=_deactivate)

    p = usub.add_parser("activate", help="let a deactivated user log in again")
    p.add_argument("username")
    p.set_defaults(func=_activate)

    p = sub.add_parser("seed-demo", help="create a demo trainee and manager when there are no users")
    p.set_defaults(func=_seed_demo)
