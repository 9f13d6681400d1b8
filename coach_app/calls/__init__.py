"""A practice call from Start to its end: `start` (create/resume a session and hand out join
credentials), `rooms` (LiveKit rooms, tokens, dispatch), `providers` (which speech/LLM providers a
call uses), `control` (the call page's checks and end), `sweep` and `dispatch` (background keepers run
by the agent worker) and `workers` (agent worker heartbeats). No Reflex here."""
