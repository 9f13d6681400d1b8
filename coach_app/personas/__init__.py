"""Personas: `schema` (the file format), `catalogue` (loading the files) and `prompt` (the agent's
instructions built from a persona). No Reflex here: the agent worker imports this package."""
