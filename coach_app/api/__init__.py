"""The plain HTTP API: `routes` (the Starlette app mounted into Reflex), `sessions` (practice
session routes) and `health` (/api/health). No Reflex here."""
