"""Builds the local STT / LLM / TTS of a call, for `agent.providers.registry.build_components`.

`local_facts` finds out what this machine offers (does the local LLM server answer? which voice
speaks the persona's language?) so the session's providers record says what was really used.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

from agent.providers.local.llm import ScriptedPersonaLLM, openai_compatible_llm
from agent.providers.local.stt import (
    LocalModelError,
    WhisperSTT,
    default_threads,
    load_model,
    resolve_model_path,
    split_model_installed,
)
from agent.providers.local.tts import LocalTTS, load_piper, pick_voice
from coach_app.calls.llm_server import ServerProbe, local_llm_key, probe_local_server
from coach_app.calls.providers import (
    LOCAL,
    MULTILINGUAL_STT_MODEL,
    SCRIPTED,
    ProviderConfigError,
    ProviderPlan,
    VoiceChoice,
    local_stt_model,
    resolve_providers,
)
from coach_app.personas.schema import Persona
from coach_app.settings import Settings

logger = logging.getLogger("coach.local")


@dataclass
class LocalFacts:
    probe: ServerProbe | None = None  # None: no local LLM server configured or not needed
    voice: VoiceChoice | None = None  # None: TTS is not local
    stt_model: str | None = None  # None: STT is not local

    def plan_kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"voice": self.voice, "stt_model": self.stt_model}
        if self.probe is not None:
            out["llm_server_reachable"] = self.probe.reachable
            out["llm_server_model"] = self.probe.first_model
        return out


def local_facts(settings: Settings, persona: Persona, plan: ProviderPlan) -> LocalFacts:
    facts = LocalFacts()
    if plan.llm.mode == LOCAL and settings.local_llm_base_url:
        facts.probe = probe_local_server(settings)
        if not facts.probe.reachable:
            logger.warning(
                "local LLM server at LOCAL_LLM_BASE_URL=%s did not answer (%s): the persona's replies are scripted",
                settings.local_llm_base_url,
                facts.probe.error,
            )
        elif not (settings.local_llm_model or facts.probe.models):
            logger.warning("LOCAL_LLM_BASE_URL lists no model and LOCAL_LLM_MODEL is unset; replies are scripted")
            facts.probe = ServerProbe(False, error="no model")
    if plan.tts.mode == LOCAL:
        facts.voice = pick_voice(settings, persona.language)
    if plan.stt.mode == LOCAL:
        facts.stt_model = stt_model_for(settings, persona.language)
    return facts


def stt_model_for(settings: Settings, language: str) -> str:
    """LOCAL_STT_MODEL, or the bundled multilingual model for other languages (see coach_app.calls.providers)."""
    return local_stt_model(settings, language, multilingual_available=split_model_installed(MULTILINGUAL_STT_MODEL))


def local_stt(settings: Settings, persona: Persona) -> WhisperSTT:
    model = stt_model_for(settings, persona.language)
    if persona.language_code != "en" and model.endswith(".en"):
        logger.warning(
            "LOCAL_STT_MODEL=%s is English-only but the persona speaks %s; set a multilingual "
            "model (e.g. LOCAL_STT_MODEL=%s)",
            model,
            persona.language,
            MULTILINGUAL_STT_MODEL,
        )
    try:  # a bad path or name fails the call now, with the message; a name not cached yet downloads
        resolve_model_path(model, settings.local_stt_cache_dir, allow_download=False)
    except LocalModelError as exc:
        if "downloading is off" not in str(exc):
            raise ProviderConfigError(str(exc)) from exc
    return WhisperSTT(
        model=model,
        language=persona.language_code,
        compute_type=settings.local_stt_compute_type,
        cache_dir=settings.local_stt_cache_dir,
        cpu_threads=settings.local_stt_threads,
    )


def local_llm(settings: Settings, persona: Persona, plan: ProviderPlan):
    """The local server's model when the plan says so, else the scripted persona."""
    if plan.llm.provider == SCRIPTED or not settings.local_llm_base_url:
        logger.info("persona replies are scripted from the persona file (no LLM configured)")
        return ScriptedPersonaLLM(persona, seed=random.randrange(1 << 30))
    logger.info("persona replies from the local LLM server %s (model %s)", settings.local_llm_base_url, plan.llm.model)
    return openai_compatible_llm(settings.local_llm_base_url, plan.llm.model, local_llm_key(settings))


def local_tts(settings: Settings, persona: Persona, plan: ProviderPlan, facts: LocalFacts) -> LocalTTS:  # noqa: ARG001 - one builder signature
    return LocalTTS(voice=facts.voice or pick_voice(settings, persona.language))


# --- worker start-up ------------------------------------------------------------------------------


def _stt_is_local(settings: Settings) -> bool:
    return resolve_providers(settings).stt.mode == LOCAL


def fetch_models(settings: Settings) -> None:
    """Worker start (main process, before registering): download the speech model on first use and
    assemble the bundled multilingual one, so no call waits for either. Problems are logged; calls
    then fail with the same clear message."""
    if not _stt_is_local(settings):
        return
    models = dict.fromkeys([settings.local_stt_model, stt_model_for(settings, "th")])  # English, other languages
    for model in models:
        try:
            path = resolve_model_path(model, settings.local_stt_cache_dir)
            logger.info("local speech recognition: model %s at %s", model, path)
        except LocalModelError as exc:
            logger.error("local speech recognition is not ready: %s", exc)


def preload_models(settings: Settings) -> None:
    """Job process warm-up: load the English speech model (never downloads) and the English Piper
    voice, so neither the trainee's first words nor the persona's first sentence wait for a model.
    (The multilingual model loads when a call in another language starts.)"""
    if _stt_is_local(settings):
        try:
            load_model(
                settings.local_stt_model,
                cache_dir=settings.local_stt_cache_dir,
                compute_type=settings.local_stt_compute_type,
                cpu_threads=default_threads(settings.local_stt_threads),
                allow_download=False,
            )
        except Exception as exc:  # noqa: BLE001 - the call loads (or reports) it again
            logger.warning("could not preload the speech recognition model: %s", exc)
    if resolve_providers(settings).tts.mode != LOCAL:
        return
    try:
        voice = pick_voice(settings, "en")
        if voice.engine == "piper":
            load_piper(voice)
    except Exception as exc:  # noqa: BLE001 - the call loads (or reports) it again
        logger.warning("could not preload the Piper voice: %s", exc)
