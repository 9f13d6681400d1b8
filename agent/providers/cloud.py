"""One builder per cloud provider: the stock LiveKit plugin, configured from Settings.

Each builder is named by its row in `coach_app.calls.providers.CLOUD_PROVIDERS` and reads the key,
base URL and model that row names, so a provider's settings have one home. Every model name and
base URL comes from Settings (never a `"provider/model"` string: those route to LiveKit's hosted
inference).
"""

from __future__ import annotations

from typing import Any

from livekit.agents import llm as lk_llm
from livekit.agents import stt, tts
from livekit.plugins import elevenlabs, groq

from coach_app.calls.providers import CloudProvider, ProviderConfigError
from coach_app.personas.schema import Persona
from coach_app.settings import Settings


def api_key(provider: CloudProvider, settings: Settings) -> str:
    key = provider.api_key(settings)
    if not key:
        raise ProviderConfigError(f"{provider.key_env} is not set")
    return key


def groq_stt(provider: CloudProvider, settings: Settings, persona: Persona) -> stt.STT:
    return groq.STT(
        model=provider.model(settings),
        base_url=provider.base_url(settings),
        api_key=api_key(provider, settings),
        language=persona.language_code,
    )


def groq_llm(provider: CloudProvider, settings: Settings, _persona: Persona) -> lk_llm.LLM:
    return groq.LLM(
        model=provider.model(settings),
        base_url=provider.base_url(settings),
        api_key=api_key(provider, settings),
    )


def elevenlabs_tts(provider: CloudProvider, settings: Settings, persona: Persona) -> tts.TTS:
    voice_settings = None
    if persona.voice.settings is not None:
        vs = persona.voice.settings
        voice_settings = elevenlabs.VoiceSettings(
            stability=vs.stability if vs.stability is not None else 0.5,
            similarity_boost=vs.similarity_boost if vs.similarity_boost is not None else 0.75,
            **{
                k: v
                for k, v in (("style", vs.style), ("speed", vs.speed), ("use_speaker_boost", vs.use_speaker_boost))
                if v is not None
            },
        )
    kwargs: dict[str, Any] = {"voice_settings": voice_settings} if voice_settings else {}
    return elevenlabs.TTS(
        voice_id=persona.voice.voice_id,
        model=provider.model(settings),
        encoding=settings.elevenlabs_encoding,
        language=persona.language,
        base_url=provider.base_url(settings),
        api_key=api_key(provider, settings),
        **kwargs,
    )
