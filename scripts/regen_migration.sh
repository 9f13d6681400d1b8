#!/usr/bin/env bash
# Rebuild the single initial migration from coach_app/models.py (no deployed databases exist yet).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f alembic/versions/0001_initial_tables.py
COACH_ENV_FILE="" DATABASE_URL="sqlite:///$tmp/regen.db" .venv/bin/alembic revision --autogenerate -m "initial tables" --rev-id 0001 >/dev/null 2>&1
rm -rf "$tmp"
echo "regenerated alembic/versions/0001_initial_tables.py"
