"""The call's speech-to-text, LLM and text-to-speech.

- `registry`: builds the three for a call from the plan in `coach_app.calls.providers` (which
  provider per component; its table `CLOUD_PROVIDERS` names each cloud provider's builder).
- `cloud`: one builder per cloud provider (the stock LiveKit plugins, pointed at Settings' URLs).
- `local/`: everything that runs on this machine (faster-whisper, Piper/flite/espeak-ng, a local
  OpenAI-compatible server or the scripted persona).
"""
