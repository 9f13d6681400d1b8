"""agent.providers.registry.build_components in local and mixed modes: what a call is built with and recorded as."""

import pytest
from livekit.plugins import groq
from livekit.plugins import openai as lk_openai

from agent.providers.local.llm import ScriptedPersonaLLM
from agent.providers.local.stt import WhisperSTT
from agent.providers.local.tts import LocalTTS
from agent.providers.registry import build_components
from coach_app.calls.providers import ProviderConfigError, describe
from coach_app.devtools.standin import running_standin
from coach_app.personas.catalogue import get_persona
from coach_app.settings import Settings
from tests.support.procs import free_port


def settings(**env) -> Settings:
    return Settings(_env_file=None, **env)


@pytest.fixture
def margaret():
    return get_persona("billing-dispute-gold")


def test_no_account_at_all_builds_a_fully_local_call(margaret):
    c = build_components(settings(), margaret)
    assert isinstance(c.stt, WhisperSTT) and isinstance(c.llm, ScriptedPersonaLLM) and isinstance(c.tts, LocalTTS)
    record = c.record()
    assert record["llm"]["provider"] == "scripted"
    assert record["tts"] == {"mode": "local", "provider": "piper", "model": "en_US-joe-medium"}
    assert describe(record)[1].startswith("Persona replies: scripted")


def test_thai_persona_gets_the_espeak_thai_voice_and_the_multilingual_speech_model():
    c = build_components(settings(), get_persona("billing-dispute-gold-th"))
    assert c.record()["tts"] == {"mode": "local", "provider": "espeak-ng", "model": "th+f3"}
    assert c.record()["stt"] == {"mode": "local", "provider": "faster-whisper", "model": "base"}
    assert isinstance(c.stt, WhisperSTT) and c.stt.model == "base"
    # A model the user chose stays, with the note that it cannot transcribe Thai.
    c = build_components(settings(local_stt_model="base.en"), get_persona("billing-dispute-gold-th"))
    assert c.stt.model == "base.en" and "English-only" in c.record()["stt"]["note"]


def test_local_llm_server_that_answers_is_used_and_recorded(margaret):
    with running_standin() as server:
        c = build_components(settings(local_llm_base_url=server.groq_base_url), margaret)
        assert isinstance(c.llm, lk_openai.LLM) and c.llm.model == "llama-3.3-70b-versatile"
        assert c.record()["llm"] == {
            "mode": "local",
            "provider": "openai-compatible",
            "model": "llama-3.3-70b-versatile",
        }


def test_local_llm_server_that_is_down_means_scripted_replies_and_the_record_says_why(margaret):
    url = f"http://127.0.0.1:{free_port()}/v1"
    c = build_components(settings(local_llm_base_url=url), margaret)
    assert isinstance(c.llm, ScriptedPersonaLLM)
    assert c.record()["llm"]["note"] == f"replies are scripted: no answer from LOCAL_LLM_BASE_URL ({url})"


def test_mixed_local_speech_recognition_with_cloud_llm(margaret):
    c = build_components(settings(groq_api_key="gsk_test", stt_provider="local"), margaret)
    assert isinstance(c.stt, WhisperSTT) and isinstance(c.llm, groq.LLM) and isinstance(c.tts, LocalTTS)
    assert c.plan.summary() == {
        "stt": "local:faster-whisper:tiny.en",
        "llm": "groq:llama-3.3-70b-versatile",
        "tts": "local:piper:en_US-joe-medium",
    }


def test_bad_local_model_path_fails_the_call_with_the_setting_named(margaret, tmp_path):
    with pytest.raises(ProviderConfigError, match="LOCAL_STT_MODEL=.*no such directory"):
        build_components(settings(local_stt_model=str(tmp_path / "missing")), margaret)


def test_worker_start_up_preloads_the_local_speech_model_and_voice_and_skips_them_for_cloud(caplog):
    from agent.providers.local import build, piper, stt

    stt._models.clear()
    piper._voices.clear()
    build.preload_models(settings(groq_api_key="gsk_test", eleven_api_key="el_test"))  # cloud: nothing to load
    assert not stt._models and not piper._voices
    build.fetch_models(settings())
    build.preload_models(settings())
    assert [k.path for k in stt._models] == [str(stt.bundled_model_path("tiny.en"))]
    assert [spec for spec, _threads in piper._voices] == ["en_US-joe-medium"]
    loaded = next(iter(piper._voices.values()))
    # The call then reuses the loaded model instead of loading it again.
    whisper = build.local_stt(settings(), get_persona("billing-dispute-gold"))
    whisper.load()
    assert len(stt._models) == 1
    tts = build_components(settings(), get_persona("billing-dispute-gold")).tts
    assert tts.voice.engine == "piper" and build.load_piper(tts.voice) is loaded


def test_worker_start_up_reports_a_bad_model_setting_without_crashing(caplog, tmp_path):
    from agent.providers.local import build

    build.fetch_models(settings(local_stt_model=str(tmp_path / "nope")))
    assert "local speech recognition is not ready" in caplog.text and "no such directory" in caplog.text
