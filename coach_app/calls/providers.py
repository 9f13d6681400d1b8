"""Which speech-to-text, LLM and text-to-speech provider a call uses: cloud or local, per component.

Pure functions over `Settings` (plus facts the caller probed, such as whether a local LLM server
answers), so the web app, the agent and the tests all reach the same answer. The result is recorded
on the session (`PracticeSession.providers`) and shown on the call and feedback pages.
No Reflex here: the agent imports this module.

Rules
- `STT_PROVIDER` / `LLM_PROVIDER` / `TTS_PROVIDER` = auto | cloud | local.
- auto: cloud when the provider's key is set (GROQ_API_KEY for STT and LLM, ELEVEN_API_KEY for
  TTS), local otherwise. A team can mix: local STT with a cloud LLM, and so on.
- The cloud providers are the rows of `CLOUD_PROVIDERS` (which settings each reads, which agent
  function builds its plugin); adding one is a row here plus its builder in agent/providers/cloud.py.
- Local LLM: the OpenAI-compatible server at LOCAL_LLM_BASE_URL when it is configured and
  reachable; otherwise the persona's scripted replies (the call page says so).
- Local TTS: Piper (`en_US-joe-medium`, installed with Coach) for English, flite when Piper is not
  available, espeak-ng for other languages it has a voice for; a language with no local voice is
  spoken with an English voice, and the record says so.
- Local STT: LOCAL_STT_MODEL; left at its English-only default, personas in other languages get the
  multilingual Whisper base model that ships in a package (`MULTILINGUAL_STT_MODEL`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from coach_app.settings import Settings

CLOUD, LOCAL = "cloud", "local"
SCRIPTED = "scripted"
# faster-whisper model names that are English-only (they cannot transcribe other languages).
_ENGLISH_ONLY_SUFFIX = ".en"
# The multilingual model installed with Coach, used for other languages while LOCAL_STT_MODEL is the default.
MULTILINGUAL_STT_MODEL = "base"


class ProviderConfigError(ValueError):
    """A provider choice that cannot work (e.g. STT_PROVIDER=cloud without GROQ_API_KEY)."""


# --- the cloud providers -----------------------------------------------------------------------


@dataclass(frozen=True)
class CloudProvider:
    """One cloud provider of one component and the Settings fields it reads.

    `builder` names the function in `agent/providers/cloud.py` that builds its LiveKit plugin: a name,
    not the function, because the web app plans and records calls without importing the plugins.
    """

    component: str  # "stt" | "llm" | "tts"
    name: str  # recorded as the component's provider
    key_setting: str  # Settings field of the API key
    base_url_setting: str
    model_setting: str
    builder: str

    @property
    def key_env(self) -> str:
        return self.key_setting.upper()

    def api_key(self, settings: Settings) -> str:
        secret = getattr(settings, self.key_setting)
        return secret.get_secret_value() if secret is not None else ""

    def base_url(self, settings: Settings) -> str:
        return getattr(settings, self.base_url_setting)

    def model(self, settings: Settings) -> str:
        return getattr(settings, self.model_setting)


# Per component in order of preference: `auto` and `cloud` take the first one whose key is set.
# An LLM's base URL must serve OpenAI-style chat completions: the rubric judge posts there too.
CLOUD_PROVIDERS: tuple[CloudProvider, ...] = (
    CloudProvider("stt", "groq", "groq_api_key", "groq_base_url", "groq_stt_model", "groq_stt"),
    CloudProvider("llm", "groq", "groq_api_key", "groq_base_url", "groq_llm_model", "groq_llm"),
    CloudProvider("tts", "elevenlabs", "eleven_api_key", "elevenlabs_base_url", "elevenlabs_model", "elevenlabs_tts"),
)


def cloud_provider(settings: Settings, component: str) -> CloudProvider:
    """The component's cloud provider: the first row whose key is set, else the first row (so a
    missing key is named in the message)."""
    rows = [p for p in CLOUD_PROVIDERS if p.component == component]
    return next((p for p in rows if p.api_key(settings)), rows[0])


@dataclass(frozen=True)
class ComponentChoice:
    component: str  # "stt" | "llm" | "tts"
    mode: str  # "cloud" | "local"
    provider: str  # groq | elevenlabs | faster-whisper | openai-compatible | scripted | piper | flite | espeak-ng
    model: str
    note: str = ""

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": self.mode, "provider": self.provider, "model": self.model}
        if self.note:
            out["note"] = self.note
        return out

    def label(self) -> str:
        """Short form, e.g. "groq:whisper-large-v3-turbo" or "local:faster-whisper:tiny.en"."""
        base = f"{self.provider}:{self.model}" if self.model else self.provider
        return base if self.mode == CLOUD else f"local:{base}"


@dataclass(frozen=True)
class ProviderPlan:
    stt: ComponentChoice
    llm: ComponentChoice
    tts: ComponentChoice
    problems: tuple[str, ...] = field(default=())

    @property
    def scripted(self) -> bool:
        return self.llm.provider == SCRIPTED

    @property
    def fully_local(self) -> bool:
        return all(c.mode == LOCAL for c in (self.stt, self.llm, self.tts))

    def record(self) -> dict[str, Any]:
        """What is stored on the session (never a key)."""
        return {"stt": self.stt.record(), "llm": self.llm.record(), "tts": self.tts.record()}

    def summary(self) -> dict[str, str]:
        return {"stt": self.stt.label(), "llm": self.llm.label(), "tts": self.tts.label()}


def effective_mode(choice: str, key_present: bool) -> str:
    """auto -> cloud when the key is present, else local; cloud/local are taken as given."""
    if choice == "auto":
        return CLOUD if key_present else LOCAL
    if choice in (CLOUD, LOCAL):
        return choice
    raise ProviderConfigError(f"unknown provider choice '{choice}' (use auto, cloud or local)")


def primary_language(language: str) -> str:
    return (language or "en").split("-")[0].lower()


# --- local STT model ---------------------------------------------------------------------------


def local_stt_model(settings: Settings, language: str, *, multilingual_available: bool = True) -> str:
    """The faster-whisper model for a persona language: LOCAL_STT_MODEL, except that the English-only
    default gives way to the bundled multilingual model for other languages (when it is installed)."""
    model = settings.local_stt_model
    default = type(settings).model_fields["local_stt_model"].default
    if primary_language(language) != "en" and model == default and multilingual_available:
        return MULTILINGUAL_STT_MODEL
    return model


# --- local TTS voice ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceChoice:
    engine: str  # "piper" | "flite" | "espeak-ng"
    voice: str  # Piper voice (name or .onnx path), flite voice name, or espeak-ng voice (language[+variant])
    language: str  # the language the voice speaks (primary subtag)
    note: str = ""  # set when the persona's language has no local voice


def choose_local_voice(
    language: str,
    *,
    engine: str = "auto",
    flite_voice: str = "slt",
    espeak_variant: str = "f3",
    espeak_languages: Collection[str] = (),
    flite_available: bool = True,
    espeak_available: bool = False,
    piper_voice: str = "en_US-joe-medium",
    piper_language: str | None = None,
) -> VoiceChoice:
    """Pick the local voice for a persona language.

    `espeak_languages` are the language codes espeak-ng reports (`espeak-ng --voices`), e.g.
    {"en-us", "th", "es"}. `piper_language` is the language of the installed Piper voice ("en"), None
    when Piper cannot run here. Raises ProviderConfigError when no local engine is installed.
    """
    lang = primary_language(language)
    full = (language or "en").lower()

    def espeak_voice_for(code: str) -> str | None:
        codes = {c.lower() for c in espeak_languages}
        for candidate in (full, code, f"{code}-us" if code == "en" else None):
            if candidate and candidate in codes:
                return candidate
        matches = sorted(c for c in codes if c.split("-")[0] == code)
        return matches[0] if matches else None

    def espeak(code: str, note: str = "") -> VoiceChoice:
        voice = espeak_voice_for(code) or code
        if espeak_variant:
            voice = f"{voice}+{espeak_variant}"
        return VoiceChoice("espeak-ng", voice, code, note)

    if not flite_available and not espeak_available:
        raise ProviderConfigError(
            "local text-to-speech needs flite or espeak-ng; install one (apt-get install flite espeak-ng) "
            "or set ELEVEN_API_KEY to use ElevenLabs"
        )
    if engine == "flite" and not flite_available:
        raise ProviderConfigError("LOCAL_TTS_ENGINE=flite but flite is not installed (apt-get install flite)")
    if engine == "espeak-ng" and not espeak_available:
        raise ProviderConfigError(
            "LOCAL_TTS_ENGINE=espeak-ng but espeak-ng is not installed (apt-get install espeak-ng)"
        )
    if engine == "piper" and piper_language is None:
        raise ProviderConfigError(
            f"LOCAL_TTS_ENGINE=piper but the Piper voice {piper_voice} cannot run here (it needs its voice "
            "package or .onnx file, onnxruntime and espeak-ng; run `make install`)"
        )

    def piper(note: str = "") -> VoiceChoice:
        return VoiceChoice("piper", piper_voice, piper_language or "en", note)

    if engine in ("auto", "piper") and lang == piper_language:
        return piper()
    if lang == "en":
        if engine == "espeak-ng" or (engine == "auto" and not flite_available):
            return espeak("en")
        return VoiceChoice("flite", flite_voice, "en")

    # Not English: flite only has English voices (and the Piper voice speaks its own language).
    if engine in ("auto", "espeak-ng") and espeak_available and espeak_voice_for(lang):
        return espeak(lang)
    note = f"no local voice for {language}; speaking with an English voice"
    if engine in ("flite", "piper") and espeak_available and espeak_voice_for(lang):
        note = f"LOCAL_TTS_ENGINE={engine} has no {language} voice; speaking with an English voice"
    if engine == "piper" or (engine == "auto" and piper_language == "en"):
        return piper(note)
    if engine == "flite" or (engine == "auto" and flite_available):
        return VoiceChoice("flite", flite_voice, "en", note)
    return espeak("en", note)


# --- the plan ----------------------------------------------------------------------------------


def resolve_providers(
    settings: Settings,
    *,
    language: str = "en",
    llm_server_reachable: bool | None = None,
    llm_server_model: str | None = None,
    voice: VoiceChoice | None = None,
    stt_model: str | None = None,
    strict: bool = False,
) -> ProviderPlan:
    """The providers a call in `language` uses under `settings`.

    llm_server_reachable: whether LOCAL_LLM_BASE_URL answered (None = not probed: assume it will).
    llm_server_model: the model the server offered when LOCAL_LLM_MODEL is unset.
    voice: the local voice picked by `choose_local_voice` (None = what a standard install picks for
      English: the bundled Piper voice, or flite/espeak-ng when LOCAL_TTS_ENGINE says so).
    stt_model: the local speech model the agent picked with `local_stt_model` (None = assume the
      bundled multilingual model is installed).
    strict: raise ProviderConfigError for a choice that cannot work instead of noting it.
    """
    problems: list[str] = []
    stt = _cloud_choice(settings, "stt") or _local_stt_choice(settings, language, stt_model)
    llm = _cloud_choice(settings, "llm") or _local_llm_choice(settings, llm_server_reachable, llm_server_model)
    v = voice or _planned_english_voice(settings)
    tts = _cloud_choice(settings, "tts") or ComponentChoice("tts", LOCAL, v.engine, v.voice, v.note)
    for c in (stt, llm, tts):
        if c.mode == CLOUD and c.note:
            problems.append(c.note)
    if strict and problems:
        raise ProviderConfigError("; ".join(problems))
    return ProviderPlan(stt, llm, tts, tuple(problems))


def providers_summary(settings: Settings) -> dict[str, str]:
    """Which provider backs each component ("groq:<model>", "local:faster-whisper:tiny.en"...); never a key."""
    return resolve_providers(settings).summary()


def _cloud_choice(settings: Settings, component: str) -> ComponentChoice | None:
    """The component's cloud choice when its `<COMPONENT>_PROVIDER` says cloud (auto: a key is set)."""
    provider = cloud_provider(settings, component)
    has_key = bool(provider.api_key(settings))
    if effective_mode(getattr(settings, f"{component}_provider"), has_key) != CLOUD:
        return None
    note = "" if has_key else f"{component.upper()}_PROVIDER=cloud needs {provider.key_env}"
    return ComponentChoice(component, CLOUD, provider.name, provider.model(settings), note)


def _local_stt_choice(settings: Settings, language: str, stt_model: str | None) -> ComponentChoice:
    model = stt_model or local_stt_model(settings, language)
    note = ""
    if primary_language(language) != "en" and model.endswith(_ENGLISH_ONLY_SUFFIX):
        note = (
            f"LOCAL_STT_MODEL={model} is English-only; set a multilingual model "
            f"(e.g. {MULTILINGUAL_STT_MODEL}) to transcribe {language}"
        )
    return ComponentChoice("stt", LOCAL, "faster-whisper", model, note)


def _local_llm_choice(settings: Settings, reachable: bool | None, server_model: str | None) -> ComponentChoice:
    if settings.local_llm_base_url and reachable is not False:
        model = settings.local_llm_model or server_model or "server default"
        return ComponentChoice("llm", LOCAL, "openai-compatible", model)
    why = (
        f"no answer from LOCAL_LLM_BASE_URL ({settings.local_llm_base_url})"
        if settings.local_llm_base_url
        else "no local LLM server configured (LOCAL_LLM_BASE_URL)"
    )
    return ComponentChoice("llm", LOCAL, SCRIPTED, "persona script", f"replies are scripted: {why}")


def _planned_english_voice(settings: Settings) -> VoiceChoice:
    if settings.local_tts_engine == "espeak-ng":
        return VoiceChoice("espeak-ng", f"en-us+{settings.local_tts_espeak_variant}".rstrip("+"), "en")
    if settings.local_tts_engine == "flite":
        return VoiceChoice("flite", settings.local_tts_voice, "en")
    return VoiceChoice("piper", settings.local_tts_piper_voice, "en")


def describe(record: dict[str, Any] | None) -> list[str]:
    """Plain-language lines for a session's providers record (call and feedback pages)."""
    if not record:
        return []
    names = {"stt": "Speech recognition", "llm": "Persona replies", "tts": "Persona voice"}
    out = []
    for key in ("stt", "llm", "tts"):
        item = record.get(key)
        if not isinstance(item, dict):
            continue
        provider = item.get("provider", "?")
        where = "on this machine" if item.get("mode") == LOCAL else "cloud"
        if provider == SCRIPTED:
            text = f"{names[key]}: scripted from the persona file (no language model), {where}"
        else:
            model = item.get("model")
            text = f"{names[key]}: {provider}{f' ({model})' if model else ''}, {where}"
        if item.get("note") and provider != SCRIPTED:
            text += f" - {item['note']}"
        out.append(text)
    return out


def is_scripted(record: dict[str, Any] | None) -> bool:
    return bool(record) and (record.get("llm") or {}).get("provider") == SCRIPTED
