"""The provider stand-in is a dev tool: the app and the agent never import it (only tests and bench do)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _imports_devtools(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        if any(n == "coach_app.devtools" or n.startswith("coach_app.devtools.") for n in names):
            return True
    return False


def test_no_app_or_agent_module_imports_the_devtools():
    offenders = [
        str(p.relative_to(REPO))
        for folder in ("coach_app", "agent")
        for p in sorted((REPO / folder).rglob("*.py"))
        if not str(p.relative_to(REPO)).startswith("coach_app/devtools/") and _imports_devtools(p)
    ]
    assert offenders == [], f"modules of the app or the agent import the dev tools: {offenders}"


def test_the_agent_worker_runs_without_the_standin():
    code = (
        "import sys, agent.worker, agent.providers.registry; "
        "print([m for m in sys.modules if m.startswith('coach_app.devtools')])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COACH_ENV_FILE": "", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
