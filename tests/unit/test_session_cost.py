"""The cost card: components that ran on this machine cost nothing; cloud ones are priced by usage."""

from __future__ import annotations

from coach_app.calls.providers import resolve_providers
from coach_app.feedback.cost import session_cost
from coach_app.models import PracticeSession
from coach_app.settings import Settings

PRICES = dict(
    price_stt_per_audio_hour=0.04,
    price_llm_per_million_input_tokens=0.5,
    price_llm_per_million_output_tokens=1.0,
    price_tts_per_thousand_characters=0.1,
)
USAGE = dict(
    stt_audio_seconds=1800.0, llm_prompt_tokens=2_000_000, llm_completion_tokens=1_000_000, tts_characters=10_000
)
JUDGE = (1_000_000, 0)


def session(providers: dict) -> PracticeSession:
    return PracticeSession(persona_id="billing-dispute-gold", providers=providers, **USAGE)


def by_item(cost: dict) -> dict[str, dict]:
    return {line["item"]: line for line in cost["lines"]}


def test_a_local_mode_session_costs_nothing_and_says_where_it_ran():
    # what the agent records for local mode: faster-whisper, scripted replies, a local voice (piper or flite)
    plan = resolve_providers(Settings(_env_file=None, stt_provider="local", llm_provider="local", tts_provider="local"))
    assert plan.fully_local and plan.scripted
    cost = session_cost(session(plan.record()), JUDGE, Settings(_env_file=None, **PRICES))
    lines = by_item(cost)
    assert lines["Speech-to-text"]["price"] == "local (faster-whisper), $0"
    assert lines["Persona LLM"]["price"] == "local (scripted), $0"
    assert plan.tts.provider in ("piper", "flite")
    assert lines["Text-to-speech"]["price"] == f"local ({plan.tts.provider}), $0"
    assert lines["Evaluation (judge)"]["price"] == "local (scripted), $0"
    assert all(line["cost"] == "$0" and line["local"] for line in cost["lines"])
    assert cost["total_value"] == 0 and cost["total"] == "$0 (ran on this machine)"


def test_a_cloud_session_is_priced_by_usage():
    providers = {
        "stt": {"mode": "cloud", "provider": "groq", "model": "whisper-large-v3-turbo"},
        "llm": {"mode": "cloud", "provider": "groq", "model": "llama"},
        "tts": {"mode": "cloud", "provider": "elevenlabs", "model": "eleven_flash_v2_5"},
    }
    cost = session_cost(session(providers), JUDGE, Settings(_env_file=None, **PRICES))
    # 0.5 h * 0.04 + 2 * 0.5 + 1 * 1.0 + 10 * 0.1 + judge 1 * 0.5
    assert [line["cost"] for line in cost["lines"]] == ["$0.0200", "$2.0000", "$1.0000", "$0.5000"]
    assert cost["total"] == "$3.5200" and not any(line["local"] for line in cost["lines"])
    assert by_item(cost)["Speech-to-text"]["price"] == "$0.04 per hour"


def test_a_mixed_session_prices_only_its_cloud_components():
    # local speech recognition and voice, Groq for the persona's replies (and so for the judge)
    providers = {
        "stt": {"mode": "local", "provider": "faster-whisper", "model": "base.en"},
        "llm": {"mode": "cloud", "provider": "groq", "model": "llama"},
        "tts": {"mode": "local", "provider": "piper", "model": "en_US-joe-medium"},
    }
    cost = session_cost(session(providers), JUDGE, Settings(_env_file=None, **PRICES))
    lines = by_item(cost)
    assert lines["Speech-to-text"]["cost"] == "$0" and lines["Text-to-speech"]["price"] == "local (piper), $0"
    assert lines["Persona LLM"]["cost"] == "$2.0000" and lines["Evaluation (judge)"]["cost"] == "$0.5000"
    assert cost["total"] == "$2.5000"


def test_a_session_without_a_providers_record_ran_in_the_cloud():
    # sessions from before providers were recorded
    cost = session_cost(session({}), JUDGE, Settings(_env_file=None, **PRICES))
    assert cost["total"] == "$3.5200"
