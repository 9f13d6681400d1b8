"""Cloud or local, per component: the pure resolution every part of Coach agrees on."""

import pytest

from coach_app.calls.providers import (
    ProviderConfigError,
    VoiceChoice,
    choose_local_voice,
    describe,
    effective_mode,
    is_scripted,
    local_stt_model,
    resolve_providers,
)
from coach_app.settings import Settings

ESPEAK_LANGS = {"en-us", "en-gb", "th", "es", "es-419", "fr-fr", "de"}


def settings(**env) -> Settings:
    return Settings(_env_file=None, **env)


def test_no_keys_means_everything_local_with_scripted_replies():
    plan = resolve_providers(settings())
    assert (plan.stt.mode, plan.stt.provider, plan.stt.model) == ("local", "faster-whisper", "tiny.en")
    assert (plan.llm.mode, plan.llm.provider) == ("local", "scripted")
    assert "LOCAL_LLM_BASE_URL" in plan.llm.note
    assert (plan.tts.mode, plan.tts.provider, plan.tts.model) == ("local", "piper", "en_US-joe-medium")
    assert plan.scripted and plan.fully_local and not plan.problems


def test_keys_present_means_cloud_and_the_record_holds_no_key():
    plan = resolve_providers(settings(groq_api_key="gsk_top_secret", eleven_api_key="el_top_secret"))
    assert plan.record() == {
        "stt": {"mode": "cloud", "provider": "groq", "model": "whisper-large-v3-turbo"},
        "llm": {"mode": "cloud", "provider": "groq", "model": "llama-3.3-70b-versatile"},
        "tts": {"mode": "cloud", "provider": "elevenlabs", "model": "eleven_flash_v2_5"},
    }
    assert "top_secret" not in str(plan.record()) + str(plan.summary())


def test_a_team_can_mix_local_stt_with_cloud_llm_and_voice():
    plan = resolve_providers(settings(groq_api_key="gsk_x", eleven_api_key="el_x", stt_provider="local"))
    assert plan.summary() == {
        "stt": "local:faster-whisper:tiny.en",
        "llm": "groq:llama-3.3-70b-versatile",
        "tts": "elevenlabs:eleven_flash_v2_5",
    }


def test_groq_key_only_gives_cloud_stt_and_llm_but_local_voice():
    plan = resolve_providers(settings(groq_api_key="gsk_x"))
    assert (plan.stt.mode, plan.llm.mode, plan.tts.mode) == ("cloud", "cloud", "local")


def test_forcing_cloud_without_a_key_names_the_missing_variable():
    s = settings(llm_provider="cloud")
    plan = resolve_providers(s)
    assert plan.problems == ("LLM_PROVIDER=cloud needs GROQ_API_KEY",)
    with pytest.raises(ProviderConfigError, match="GROQ_API_KEY"):
        resolve_providers(s, strict=True)


def test_unknown_choice_is_rejected_by_settings():
    with pytest.raises(ValueError, match="stt_provider"):
        settings(stt_provider="gpu")
    with pytest.raises(ProviderConfigError, match="auto, cloud or local"):
        effective_mode("gpu", True)


def test_local_llm_server_used_when_reachable_and_scripted_when_not():
    s = settings(local_llm_base_url="http://127.0.0.1:11434/v1", local_llm_model="llama3.2:3b")
    assert resolve_providers(s).llm.provider == "openai-compatible"  # not probed yet
    up = resolve_providers(s, llm_server_reachable=True)
    assert (up.llm.provider, up.llm.model) == ("openai-compatible", "llama3.2:3b")
    down = resolve_providers(s, llm_server_reachable=False)
    assert down.scripted and "no answer from LOCAL_LLM_BASE_URL (http://127.0.0.1:11434/v1)" in down.llm.note


def test_local_llm_model_defaults_to_what_the_server_offers():
    s = settings(local_llm_base_url="http://127.0.0.1:8080/v1")
    plan = resolve_providers(s, llm_server_reachable=True, llm_server_model="qwen2.5-3b-instruct")
    assert plan.llm.model == "qwen2.5-3b-instruct"


def test_english_only_whisper_model_is_flagged_for_other_languages():
    plan = resolve_providers(settings(local_stt_model="base.en"), language="th-TH")
    assert "English-only" in plan.stt.note and "th-TH" in plan.stt.note
    assert resolve_providers(settings(local_stt_model="small"), language="th-TH").stt.note == ""


def test_default_speech_model_gives_way_to_the_bundled_multilingual_one_for_other_languages():
    assert resolve_providers(settings(), language="th-TH").stt.model == "base"
    assert resolve_providers(settings(), language="en-GB").stt.model == "tiny.en"
    assert local_stt_model(settings(local_stt_model="small.en"), "th-TH") == "small.en"  # the user's choice stands
    # Without the multilingual packages, the default stays and the record says it is English-only.
    plan = resolve_providers(
        settings(), language="th-TH", stt_model=local_stt_model(settings(), "th-TH", multilingual_available=False)
    )
    assert plan.stt.model == "tiny.en" and "English-only" in plan.stt.note


def test_english_uses_flite_and_thai_uses_espeak_thai_voice():
    en = choose_local_voice("en-US", espeak_languages=ESPEAK_LANGS, espeak_available=True)
    assert en == VoiceChoice("flite", "slt", "en")
    th = choose_local_voice("th-TH", espeak_languages=ESPEAK_LANGS, espeak_available=True)
    assert th == VoiceChoice("espeak-ng", "th+f3", "th")
    es = choose_local_voice("es-419", espeak_languages=ESPEAK_LANGS, espeak_available=True, espeak_variant="")
    assert es.voice == "es-419"


def test_piper_speaks_english_when_it_can_run_and_flite_otherwise():
    kw = {"espeak_languages": ESPEAK_LANGS, "espeak_available": True}
    assert choose_local_voice("en-US", piper_language="en", **kw) == VoiceChoice("piper", "en_US-joe-medium", "en")
    assert choose_local_voice("th-TH", piper_language="en", **kw) == VoiceChoice("espeak-ng", "th+f3", "th")
    assert choose_local_voice("en-US", piper_language=None, **kw) == VoiceChoice("flite", "slt", "en")
    assert choose_local_voice("en-US", engine="flite", piper_language="en", **kw).engine == "flite"
    th = choose_local_voice("th-TH", engine="piper", piper_language="en", **kw)
    assert (
        th.engine == "piper" and th.note == "LOCAL_TTS_ENGINE=piper has no th-TH voice; speaking with an English voice"
    )
    with pytest.raises(ProviderConfigError, match="LOCAL_TTS_ENGINE=piper but the Piper voice"):
        choose_local_voice("en-US", engine="piper", piper_language=None, **kw)


def test_language_without_a_local_voice_falls_back_to_english_and_says_so():
    v = choose_local_voice("fil-PH", espeak_languages=ESPEAK_LANGS, espeak_available=True)
    assert (v.engine, v.language) == ("flite", "en")
    assert v.note == "no local voice for fil-PH; speaking with an English voice"
    # Thai without espeak-ng installed: flite has no Thai voice either.
    v = choose_local_voice("th-TH", espeak_available=False)
    assert v.engine == "flite" and "no local voice for th-TH" in v.note
    plan = resolve_providers(settings(), language="th-TH", voice=v)
    assert plan.record()["tts"]["note"] == v.note


def test_no_local_tts_engine_installed_is_a_clear_error():
    with pytest.raises(ProviderConfigError, match="flite or espeak-ng"):
        choose_local_voice("en-US", flite_available=False, espeak_available=False)
    with pytest.raises(ProviderConfigError, match="LOCAL_TTS_ENGINE=espeak-ng"):
        choose_local_voice("en-US", engine="espeak-ng", espeak_available=False)


def test_describe_says_plainly_that_replies_are_scripted():
    record = resolve_providers(settings()).record()
    lines = describe(record)
    assert lines[1].startswith("Persona replies: scripted from the persona file")
    assert is_scripted(record)
    assert not is_scripted(resolve_providers(settings(groq_api_key="k")).record())
    assert describe({}) == [] and not is_scripted(None)
