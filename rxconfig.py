import os
from pathlib import Path

import reflex as rx

from coach_app.settings import get_settings

# Reflex needs bun >= 1.4.4; `make` installs it from npm into .tools/ (Reflex's own installer
# downloads from outside the package registries). Plain `reflex run` picks it up from here too.
_bun = Path(__file__).parent / ".tools" / "node_modules" / ".bin" / "bun"
if "REFLEX_BUN_PATH" not in os.environ and _bun.exists():
    os.environ["REFLEX_BUN_PATH"] = str(_bun)
os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
# Dev mode (`reflex run`, `make dev`) restarts the backend when a watched file changes. By default
# Reflex watches every top-level entry of the project, so the running product's own writes (the
# SQLite WAL in data/ every heartbeat, recordings, model caches) restarted it every few seconds and
# dropped every call. Watch the app's Python source only: editing coach_app/*.py still hot-reloads.
os.environ.setdefault("REFLEX_HOT_RELOAD_OVERRIDE_PATHS", str(Path(__file__).parent / "coach_app"))
if "NPM_CONFIG_REGISTRY" not in os.environ:
    # Use the registry npm is configured with, rather than letting Reflex probe hosts.
    import subprocess

    try:
        _reg = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, timeout=20)
        if _reg.returncode == 0 and _reg.stdout.strip().startswith("http"):
            os.environ["NPM_CONFIG_REGISTRY"] = _reg.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass

_settings = get_settings()

config = rx.Config(
    app_name="coach_app",
    db_url=_settings.database_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="light", accent_color="teal", gray_color="slate", radius="medium"),
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
    **({"api_url": _settings.app_api_url} if _settings.app_api_url else {}),
)
