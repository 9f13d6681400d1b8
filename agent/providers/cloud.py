"""Builds the call's speech-to-text, LLM and text-to-speech from Settings and the persona.

Every model name and base URL comes from Settings (never a `"provider/model"` string: those
route to LiveKit's hosted inference). Which provider each component uses is decided by
`coach_app.calls.providers` (cloud when the key is set, local otherwise, or as configured).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from livekit.agents import APIConnectOptions, llm, stt, tts
from livekit.agents.voice.agent_session import SessionConnectOptions
from livekit.plugins import elevenlabs, groq

from coach_app.personas.schema import Persona
from agent.local import build as local
from coach_app.calls.providers import CLOUD, LOCAL, ProviderConfigError, ProviderPlan, resolve_providers
from coach_app.settings import Settings


@dataclass
class Components:
    stt: stt.STT
    llm: llm.LLM
    tts: tts.TTS
    plan: ProviderPlan

    def record(self) -> dict[str, Any]:
        """What is stored on the session: provider and model per component (never a key)."""
        return self.plan.record()


def connect_options(settings: Settings) -> SessionConnectOptions:
    """Timeouts and retries for every provider request of the call."""
    opts = APIConnectOptions(
        max_retry=settings.provider_max_retries,
        retry_interval=settings.provider_retry_interval_seconds,
        timeout=settings.provider_timeout_seconds,
    )
    return SessionConnectOptions(stt_conn_options=opts, llm_conn_options=opts, tts_conn_options=opts)


def _key(secret, name: str) -> str:
    if secret is None or not secret.get_secret_value():
        raise ProviderConfigError(f"{name} is not set")
    return secret.get_secret_value()


# --- cloud: Groq (STT, LLM) and ElevenLabs (TTS) -----------------------------------------------

def groq_stt(settings: Settings, persona: Persona) -> stt.STT:
    return groq.STT(
        model=settings.groq_stt_model,
        base_url=settings.groq_base_url,
        api_key=_key(settings.groq_api_key, "GROQ_API_KEY"),
        language=persona.language_code,
    )


def groq_llm(settings: Settings) -> llm.LLM:
    return groq.LLM(
        model=settings.groq_llm_model,
        base_url=settings.groq_base_url,
        api_key=_key(settings.groq_api_key, "GROQ_API_KEY"),
    )


def elevenlabs_tts(settings: Settings, persona: Persona) -> tts.TTS:
    voice_settings = None
    if persona.voice.settings is not None:
        vs = persona.voice.settings
        voice_settings = elevenlabs.VoiceSettings(
            stability=vs.stability if vs.stability is not None else 0.5,
            similarity_boost=vs.similarity_boost if vs.similarity_boost is not None else 0.75,
            **{k: v for k, v in (("style", vs.style), ("speed", vs.speed),
                                 ("use_speaker_boost", vs.use_speaker_boost)) if v is not None},
        )
    kwargs: dict[str, Any] = {"voice_settings": voice_settings} if voice_settings else {}
    return elevenlabs.TTS(
        voice_id=persona.voice.voice_id,
        model=settings.elevenlabs_model,
        encoding=settings.elevenlabs_encoding,
        language=persona.language,
        base_url=settings.elevenlabs_base_url,
        api_key=_key(settings.eleven_api_key, "ELEVEN_API_KEY"),
        **kwargs,
    )


# --- local mode: faster-whisper, a local OpenAI-compatible server or the script, flite/espeak-ng --

def build_components(settings: Settings, persona: Persona) -> Components:
    plan = resolve_providers(settings, language=persona.language, strict=True)
    facts = local.LocalFacts()
    if LOCAL in (plan.stt.mode, plan.llm.mode, plan.tts.mode):
        # What this machine offers (is the LLM server up? which voice speaks the language?),
        # so the recorded plan says what the call really uses.
        facts = local.local_facts(settings, persona, plan)
        plan = resolve_providers(settings, language=persona.language, strict=True, **facts.plan_kwargs())
    return Components(
        stt=groq_stt(settings, persona) if plan.stt.mode == CLOUD else local.local_stt(settings, persona),
        llm=groq_llm(settings) if plan.llm.mode == CLOUD else local.local_llm(settings, persona, plan),
        tts=elevenlabs_tts(settings, persona) if plan.tts.mode == CLOUD else local.local_tts(settings, persona, plan, facts),
        plan=plan,
    )
