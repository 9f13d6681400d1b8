"""A personas folder for one test: copies of some shipped persona files, set as PERSONAS_DIR."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach_app.settings import REPO_ROOT, get_settings


def use_personas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *persona_ids: str) -> Path:
    """Copy `persona_ids` from personas/ into tmp_path/personas and point Settings at it."""
    folder = tmp_path / "personas"
    folder.mkdir()
    for persona_id in persona_ids:
        shutil.copy(REPO_ROOT / "personas" / f"{persona_id}.yaml", folder)
    monkeypatch.setenv("PERSONAS_DIR", str(folder))
    get_settings.cache_clear()
    return folder
