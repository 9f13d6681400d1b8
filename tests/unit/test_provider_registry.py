"""The cloud provider table: each row reads settings that exist and names a builder the agent has."""

from livekit.plugins import elevenlabs, groq

from agent.providers.registry import build_components, cloud_builder
from coach_app.calls.providers import CLOUD_PROVIDERS
from coach_app.personas.catalogue import get_persona
from coach_app.settings import Settings


def test_every_row_reads_existing_settings_and_names_an_agent_builder():
    for row in CLOUD_PROVIDERS:
        assert {row.key_setting, row.base_url_setting, row.model_setting} <= set(Settings.model_fields), row
        assert callable(cloud_builder(row)), row
    assert {row.component for row in CLOUD_PROVIDERS} == {"stt", "llm", "tts"}


def test_a_cloud_call_is_built_with_the_settings_its_rows_name():
    s = Settings(
        _env_file=None,
        groq_api_key="gsk_x",
        eleven_api_key="el_x",
        groq_base_url="http://127.0.0.1:9/openai/v1",
        groq_llm_model="model-from-settings",
    )
    call = build_components(s, get_persona("billing-dispute-gold"))
    assert isinstance(call.stt, groq.STT) and isinstance(call.llm, groq.LLM) and isinstance(call.tts, elevenlabs.TTS)
    assert call.llm.model == "model-from-settings"
    assert call.record()["llm"] == {"mode": "cloud", "provider": "groq", "model": "model-from-settings"}
