"""What one session cost: usage columns and the judge's tokens times the prices in settings. No Reflex here."""

from __future__ import annotations

from typing import Any, TypedDict

from coach_app.calls.providers import LOCAL
from coach_app.models import PracticeSession
from coach_app.settings import Settings


class CostLine(TypedDict):
    item: str
    usage: str
    price: str
    cost: str
    local: bool  # ran on this machine: costs nothing


class CostView(TypedDict):
    lines: list[CostLine]
    total: str
    total_value: float


def empty_cost() -> CostView:
    return CostView(lines=[], total="", total_value=0.0)


def _ran_locally(providers: dict[str, Any] | None, component: str) -> str | None:
    """The local provider that ran `component` ("stt" | "llm" | "tts") on this machine, else None.

    Sessions recorded before providers were stored have no record: they ran in the cloud.
    """
    item = (providers or {}).get(component)
    if isinstance(item, dict) and item.get("mode") == LOCAL:
        return str(item.get("provider") or "local")
    return None


def session_cost(ps: PracticeSession, judge_tokens: tuple[int, int], settings: Settings) -> CostView:
    """Cost lines from the usage columns and the judge's tokens, with per-unit prices from settings.

    A component that ran on this machine (the session's providers record says `mode: local`)
    costs nothing, whatever it used. The judge runs on the call's LLM choice (`judge.judge_config`),
    so it is local when the persona's replies were.
    """
    p_in, p_out = settings.price_llm_per_million_input_tokens, settings.price_llm_per_million_output_tokens
    llm_price = f"${p_in:g} / ${p_out:g} per million"
    local_llm = _ran_locally(ps.providers, "llm")
    lines = [
        (
            "Speech-to-text",
            f"{ps.stt_audio_seconds / 60:.1f} min of audio",
            ps.stt_audio_seconds / 3600 * settings.price_stt_per_audio_hour,
            f"${settings.price_stt_per_audio_hour:g} per hour",
            _ran_locally(ps.providers, "stt"),
        ),
        (
            "Persona LLM",
            f"{ps.llm_prompt_tokens:,} in / {ps.llm_completion_tokens:,} out tokens",
            ps.llm_prompt_tokens / 1e6 * p_in + ps.llm_completion_tokens / 1e6 * p_out,
            llm_price,
            local_llm,
        ),
        (
            "Text-to-speech",
            f"{ps.tts_characters:,} characters",
            ps.tts_characters / 1000 * settings.price_tts_per_thousand_characters,
            f"${settings.price_tts_per_thousand_characters:g} per 1,000",
            _ran_locally(ps.providers, "tts"),
        ),
        (
            "Evaluation (judge)",
            f"{judge_tokens[0]:,} in / {judge_tokens[1]:,} out tokens",
            judge_tokens[0] / 1e6 * p_in + judge_tokens[1] / 1e6 * p_out,
            llm_price,
            local_llm,
        ),
    ]
    out: list[CostLine] = []
    for item, usage, cloud_cost, price, local in lines:
        if local:
            out.append({"item": item, "usage": usage, "price": f"local ({local}), $0", "cost": "$0", "local": True})
        else:
            out.append({"item": item, "usage": usage, "price": price, "cost": f"${cloud_cost:.4f}", "local": False})
    total = sum(c for _, _, c, _, local in lines if not local)
    every_local = all(local for *_, local in lines)
    return {
        "lines": out,
        "total": "$0 (ran on this machine)" if every_local else f"${total:.4f}",
        "total_value": total,
    }
