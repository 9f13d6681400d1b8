"""Builds the call's speech-to-text, LLM and text-to-speech from Settings and the persona.

`coach_app.calls.providers.resolve_providers` decides which provider each component uses (cloud
when the key is set, local otherwise, or as configured); a cloud provider is built by the function
its `CLOUD_PROVIDERS` row names in `agent.providers.cloud`, a local one by `agent.providers.local`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from livekit.agents import APIConnectOptions, llm, stt, tts
from livekit.agents.voice.agent_session import SessionConnectOptions

from agent.providers import cloud
from agent.providers.local import build as local
from coach_app.calls.providers import (
    CLOUD_PROVIDERS,
    LOCAL,
    CloudProvider,
    ComponentChoice,
    ProviderPlan,
    resolve_providers,
)
from coach_app.personas.schema import Persona
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


def cloud_builder(provider: CloudProvider) -> Callable[[CloudProvider, Settings, Persona], Any]:
    return getattr(cloud, provider.builder)


def build_cloud(choice: ComponentChoice, settings: Settings, persona: Persona) -> Any:
    """The plugin for a cloud choice of the plan."""
    provider = next(p for p in CLOUD_PROVIDERS if (p.component, p.name) == (choice.component, choice.provider))
    return cloud_builder(provider)(provider, settings, persona)


def build_components(settings: Settings, persona: Persona) -> Components:
    plan = resolve_providers(settings, language=persona.language, strict=True)
    facts = local.LocalFacts()
    if LOCAL in (plan.stt.mode, plan.llm.mode, plan.tts.mode):
        # What this machine offers (is the LLM server up? which voice speaks the language?),
        # so the recorded plan says what the call really uses.
        facts = local.local_facts(settings, persona, plan)
        plan = resolve_providers(settings, language=persona.language, strict=True, **facts.plan_kwargs())

    def build(choice: ComponentChoice, local_build: Callable[[], Any]) -> Any:
        return local_build() if choice.mode == LOCAL else build_cloud(choice, settings, persona)

    return Components(
        stt=build(plan.stt, lambda: local.local_stt(settings, persona)),
        llm=build(plan.llm, lambda: local.local_llm(settings, persona, plan)),
        tts=build(plan.tts, lambda: local.local_tts(settings, persona, plan, facts)),
        plan=plan,
    )
