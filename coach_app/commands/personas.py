"""`coach personas check [DIR]` and `coach personas prompt ID`: for people who write persona files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coach_app.settings import get_settings


def _check(args: argparse.Namespace) -> int:
    from coach_app.personas.catalogue import load_catalogue, persona_files

    folder = Path(args.dir or get_settings().personas_dir)
    cat = load_catalogue(folder)
    for err in cat.errors:
        print(f"error: {err}", file=sys.stderr)
    checked = len(persona_files(folder))
    summary = f"{checked} file(s) checked in {folder}: {len(cat.personas)} valid"
    if cat.errors:
        print(f"{summary}, {len(cat.broken_files)} with errors ({len(cat.errors)} error(s)).", file=sys.stderr)
        return 1
    if checked == 0:
        print(f"no persona files (*.yaml) in {folder}", file=sys.stderr)
        return 1
    print(summary + ".")
    for pid, persona in sorted(cat.personas.items()):
        print(f"  {pid:<28} {persona.difficulty:<7} {persona.language:<6} {persona.scenario.name}")
    return 0


def _prompt(args: argparse.Namespace) -> int:
    from coach_app.personas.catalogue import get_catalogue
    from coach_app.personas.prompt import build_instructions

    cat = get_catalogue(args.dir)
    persona = cat.personas.get(args.persona_id)
    if persona is None:
        known = ", ".join(sorted(cat.personas)) or "none"
        print(f"no persona with id '{args.persona_id}' (known: {known})", file=sys.stderr)
        return 1
    print(build_instructions(persona))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("personas", help="check persona files or print a persona's agent instructions")
    psub = p.add_subparsers(dest="personas_command", required=True, metavar="ACTION")
    c = psub.add_parser("check", help="validate every persona file in a folder; exit 1 on any error")
    c.add_argument("dir", nargs="?", help="folder of persona YAML files (default: PERSONAS_DIR)")
    c.set_defaults(func=_check)
    c = psub.add_parser("prompt", help="print the instructions the voice agent gets for a persona")
    c.add_argument("persona_id")
    c.add_argument("--dir", help="folder of persona YAML files (default: PERSONAS_DIR)")
    c.set_defaults(func=_prompt)
