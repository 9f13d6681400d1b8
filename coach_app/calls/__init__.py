"""A practice call from Start to its end: `start` (create/resume a session and hand out join
credentials), `rooms` (LiveKit rooms, tokens, dispatch), `providers` (which speech/LLM providers a
call uses) with `llm_server` (the probe of a local OpenAI-compatible server), `control` (the call
page's checks and end, the call time limit), `sweep` and `dispatch` (background keepers run by the
agent worker) and `workers` (agent worker heartbeats). No Reflex here."""
