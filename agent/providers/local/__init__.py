"""Local providers: a whole practice call on this machine, with no cloud account.

- `stt.WhisperSTT`: faster-whisper (CTranslate2) on the CPU, non-streaming (AgentSession wraps it
  with a VAD StreamAdapter).
- `tts.LocalTTS`: Piper in-process (`piper`), flite or espeak-ng in a subprocess, resampled to the
  pipeline rate.
- `llm`: an OpenAI-compatible server the user runs, or `ScriptedPersonaLLM` when there is none
  (the scripted persona: `script_match` hears the trainee, `script_engine` answers).
- `build`: what this machine offers, and the three built for a call.
"""
