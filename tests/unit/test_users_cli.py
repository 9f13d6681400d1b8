"""`coach users ...` and `coach seed-demo`, run as real subprocesses against a fresh database."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time

from sqlmodel import Session
from sqlmodel import select as sql_select

from coach_app.auth.users import authenticate
from coach_app.db import make_engine
from coach_app.models import User

COACH = [sys.executable, "-m", "coach_app.cli"]


def coach(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=db_url, COACH_ENV_FILE="")
    return subprocess.run(COACH + list(args), input=stdin, capture_output=True, text=True, env=env, timeout=60)


def _user(db_url: str, name: str) -> User | None:
    with Session(make_engine(db_url)) as s:
        return s.exec(sql_select(User).where(User.username == name)).first()


def test_create_list_set_role_deactivate(fresh_db):
    r = coach(
        fresh_db,
        "users",
        "create",
        "--role",
        "admin",
        "--display-name",
        "Olive Ops",
        "olive",
        "--password-stdin",
        stdin="olive-secret-pw\n",
    )
    assert r.returncode == 0, r.stderr
    assert "olive-secret-pw" not in r.stdout + r.stderr
    r = coach(
        fresh_db,
        "users",
        "create",
        "--role",
        "trainee",
        "--team",
        "blue",
        "tom",
        "--password-stdin",
        stdin="tom-secret-pw\n",
    )
    assert r.returncode == 0, r.stderr

    listing = coach(fresh_db, "users", "list").stdout
    assert re.search(r"olive\s+admin\s+-\s+yes\s+Olive Ops", listing)
    assert re.search(r"tom\s+trainee\s+blue\s+yes", listing)
    assert "argon2" not in listing and "secret" not in listing

    r = coach(fresh_db, "users", "set-role", "tom", "manager", "--team", "blue")
    assert r.returncode == 0 and _user(fresh_db, "tom").role.value == "manager"

    r = coach(fresh_db, "users", "deactivate", "tom")
    assert r.returncode == 0 and _user(fresh_db, "tom").is_active is False
    with Session(make_engine(fresh_db)) as s:
        assert authenticate(s, "tom", "tom-secret-pw") is None
        assert authenticate(s, "olive", "olive-secret-pw") is not None


def test_operator_errors_are_named(fresh_db):
    r = coach(fresh_db, "users", "create", "--role", "manager", "mgr", "--password-stdin", stdin="long-enough-pw\n")
    assert r.returncode == 2 and "manager needs a team" in r.stderr
    r = coach(fresh_db, "users", "create", "shorty", "--password-stdin", stdin="short\n")
    assert r.returncode == 2 and "at least 8 characters" in r.stderr
    r = coach(fresh_db, "users", "set-role", "ghost", "admin")
    assert r.returncode == 2 and "No user named 'ghost'" in r.stderr
    r = coach(fresh_db, "users", "create", "--role", "boss", "x", "--password-stdin", stdin="long-enough-pw\n")
    assert r.returncode == 2 and "invalid choice: 'boss'" in r.stderr


def test_password_prompt_does_not_echo(fresh_db):
    env = dict(os.environ, DATABASE_URL=fresh_db, COACH_ENV_FILE="")
    pid, fd = pty.fork()
    if pid == 0:  # child: the real CLI on a terminal
        os.execve(sys.executable, COACH + ["users", "create", "--role", "trainee", "pia"], env)
    out = b""

    def read_until(marker: bytes, timeout: float = 30) -> None:
        nonlocal out
        deadline = time.monotonic() + timeout
        while marker not in out and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    out += os.read(fd, 1024)
                except OSError:
                    break

    read_until(b"Password: ")
    os.write(fd, b"pia-typed-password\n")
    read_until(b"Repeat password: ")
    os.write(fd, b"pia-typed-password\n")
    read_until(b"created trainee")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, out
    assert b"created trainee 'pia'" in out
    assert b"pia-typed-password" not in out
    with Session(make_engine(fresh_db)) as s:
        assert authenticate(s, "pia", "pia-typed-password") is not None


def test_seed_demo_only_on_an_empty_database_and_prints_working_credentials(fresh_db):
    r = coach(fresh_db, "seed-demo")
    assert r.returncode == 0, r.stderr
    creds = dict(re.findall(r"username: (\S+)\s+password: (\S+)", r.stdout))
    assert set(creds) == {"demo-trainee", "demo-manager"}
    with Session(make_engine(fresh_db)) as s:
        trainee = authenticate(s, "demo-trainee", creds["demo-trainee"])
        manager = authenticate(s, "demo-manager", creds["demo-manager"])
        assert trainee.role.value == "trainee" and manager.role.value == "manager"
        assert trainee.team == manager.team == "demo"

    again = coach(fresh_db, "seed-demo")
    assert again.returncode == 0 and "password:" not in again.stdout
    assert "Demo users exist" in again.stdout
    with Session(make_engine(fresh_db)) as s:
        assert authenticate(s, "demo-trainee", creds["demo-trainee"]) is not None


def test_seed_demo_does_nothing_when_real_users_exist(fresh_db):
    coach(fresh_db, "users", "create", "--role", "admin", "root", "--password-stdin", stdin="root-password\n")
    r = coach(fresh_db, "seed-demo")
    assert r.returncode == 0 and r.stdout.strip() == ""
    assert _user(fresh_db, "demo-trainee") is None
