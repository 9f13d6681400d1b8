"""Rules of the code's layout that nothing else checks.

- Only the Reflex UI (coach_app/coach_app.py, state/, pages/, components/) imports Reflex: the agent
  worker and the CLI import the rest, and must not pay for (or depend on) the web framework.
- Every setting is documented in .env.example, so an operator can find it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from coach_app.settings import Settings

REPO = Path(__file__).resolve().parents[2]
UI = ("coach_app/coach_app.py", "coach_app/state/", "coach_app/pages/", "coach_app/components/")


def _imports_reflex(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "reflex" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "reflex" and node.level == 0:
            return True
    return False


def test_only_the_ui_imports_reflex():
    offenders = [
        str(p.relative_to(REPO))
        for folder in ("coach_app", "agent")
        for p in sorted((REPO / folder).rglob("*.py"))
        if not str(p.relative_to(REPO)).startswith(UI) and _imports_reflex(p)
    ]
    assert offenders == [], f"modules outside the Reflex UI import Reflex: {offenders}"


def test_the_agent_and_the_non_ui_modules_load_without_reflex():
    """The same rule at run time: nothing they import pulls Reflex in indirectly."""
    modules = sorted(
        ".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for folder in ("coach_app", "agent")
        for p in (REPO / folder).rglob("*.py")
        if not str(p.relative_to(REPO)).startswith(UI) and "devtools" not in p.parts
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "    assert 'reflex' not in sys.modules, f'importing {m} loaded Reflex'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_every_setting_is_in_env_example():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.M))
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in documented]
    assert missing == [], f"settings missing from .env.example: {missing}"
