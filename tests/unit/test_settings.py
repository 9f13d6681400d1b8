from coach_app.calls.providers import providers_summary
from coach_app.settings import Settings


def test_local_livekit_defaults_when_url_unset():
    s = Settings(_env_file=None)
    assert s.livekit_is_local
    assert (s.lk_url, s.lk_api_key, s.lk_api_secret) == ("ws://127.0.0.1:7880", "devkey", "secret")


def test_cloud_livekit_from_environment(monkeypatch):
    monkeypatch.setenv("LIVEKIT_URL", "wss://example.livekit.cloud")
    monkeypatch.setenv("LIVEKIT_API_KEY", "APIabc")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s3cr3t-value")
    s = Settings(_env_file=None)
    assert not s.livekit_is_local
    assert s.lk_api_secret == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(s)


def test_providers_summary_never_contains_keys(monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_very_secret")
    monkeypatch.setenv("ELEVEN_API_KEY", "el_very_secret")
    s = Settings(_env_file=None)
    summary = providers_summary(s)
    assert summary["llm"].startswith("groq:") and summary["tts"].startswith("elevenlabs:")
    assert "secret" not in str(summary)
