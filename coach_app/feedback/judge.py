"""Rubric judge: an LLM scores the trainee against each frozen objective, quoting the transcript.

The LLM (Groq, or a local OpenAI-compatible server; chat completions, JSON output, temperature 0)
judges only what needs language understanding; pass/fail compares the weighted score with the
persona's pass mark. This module finds the endpoint and makes the call; the prompt is built in
`judge_prompt` and the answer checked in `judge_answer`.

No Reflex here: the agent worker runs evaluations when a call ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from coach_app.feedback.judge_answer import JudgeError, ObjectiveResult, check_answer, parse_answer, weighted_score
from coach_app.feedback.judge_prompt import PROMPT_VERSION, build_messages
from coach_app.feedback.turns import TurnData
from coach_app.models import PASS_MARK_DEFAULT
from coach_app.settings import Settings

__all__ = ["PROMPT_VERSION", "JudgeConfig", "JudgeError", "JudgeResult", "judge_config", "judge_transcript"]


@dataclass(frozen=True)
class JudgeConfig:
    base_url: str
    api_key: str
    model: str
    timeout: float = 60.0

    @property
    def where(self) -> str:
        """Host of the endpoint for error messages (never the key)."""
        return urlsplit(self.base_url).netloc or self.base_url


def judge_config(settings: Settings) -> JudgeConfig | None:
    """The judge endpoint: the call's LLM choice (its cloud provider, or in local mode the
    OpenAI-compatible server at LOCAL_LLM_BASE_URL); None when there is no LLM at all (analytics only)."""
    from coach_app.calls.llm_server import local_llm_key, probe_local_server
    from coach_app.calls.providers import CLOUD, cloud_provider, effective_mode

    cloud = cloud_provider(settings, "llm")
    cloud_key = cloud.api_key(settings)
    if cloud_key and effective_mode(settings.llm_provider, True) == CLOUD:
        return JudgeConfig(
            base_url=cloud.base_url(settings).rstrip("/"),
            api_key=cloud_key,
            model=settings.feedback_judge_model or cloud.model(settings),
            timeout=settings.feedback_judge_timeout_seconds,
        )
    if settings.local_llm_base_url and effective_mode(settings.llm_provider, bool(cloud_key)) != CLOUD:
        # LOCAL_LLM_MODEL unset: the first model the server lists (none when it does not answer).
        model = settings.feedback_judge_model or settings.local_llm_model or probe_local_server(settings).first_model
        if model:
            return JudgeConfig(
                base_url=settings.local_llm_base_url.rstrip("/"),
                api_key=local_llm_key(settings),
                model=model,
                timeout=settings.feedback_judge_timeout_seconds,
            )
    return None


@dataclass
class JudgeResult:
    objectives: list[ObjectiveResult]
    overall_score: float
    pass_mark: float
    passed: bool
    model: str
    prompt_version: str = PROMPT_VERSION
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def invented_quote_count(self) -> int:
        return sum(len(o.invented_quotes) for o in self.objectives)

    @property
    def rejected_quote_count(self) -> int:
        return sum(len(o.rejected_quotes) for o in self.objectives)


# --- the call ---------------------------------------------------------------------------------


async def ask_judge(config: JudgeConfig, messages: list[dict[str, str]]) -> tuple[str, dict[str, int]]:
    """POST the chat completion; returns (content, usage). Raises JudgeError with a clear reason."""
    body = {
        "model": config.model,
        "messages": messages,
        "temperature": 0,
        "response_format": {"type": "json_object"},
    }
    url = f"{config.base_url}/chat/completions"
    try:
        async with httpx.AsyncClient(timeout=config.timeout) as client:
            resp = await client.post(url, json=body, headers={"Authorization": f"Bearer {config.api_key}"})
    except httpx.TimeoutException:
        raise JudgeError(
            f"the judge ({config.model} at {config.where}) did not answer within {config.timeout:g} s"
        ) from None
    except httpx.HTTPError as exc:
        raise JudgeError(
            f"the judge ({config.model} at {config.where}) could not be reached: {type(exc).__name__}"
        ) from None
    if resp.status_code != 200:
        detail = ""
        try:
            detail = (resp.json().get("error") or {}).get("message", "")
        except (ValueError, AttributeError):
            detail = resp.text[:200]
        raise JudgeError(
            f"the judge ({config.model} at {config.where}) answered HTTP {resp.status_code}: {detail}".rstrip(": ")
        )
    try:
        data = resp.json()
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise JudgeError("the judge's reply is not a chat completion (no choices[0].message.content)") from None
    if not isinstance(content, str):
        raise JudgeError("the judge's reply has no text content")
    usage = data.get("usage") or {}
    return content, {
        "prompt_tokens": int(usage.get("prompt_tokens") or 0),
        "completion_tokens": int(usage.get("completion_tokens") or 0),
    }


async def judge_transcript(
    config: JudgeConfig,
    persona: dict[str, Any],
    rubric: list[dict[str, Any]],
    turns: list[TurnData],
    pass_mark: float = PASS_MARK_DEFAULT,
) -> JudgeResult:
    """Ask the judge about `turns` and check its answer. Raises JudgeError."""
    if not rubric:
        raise JudgeError("the session has no objectives to score")
    language = persona.get("language")
    content, usage = await ask_judge(config, build_messages(persona, rubric, turns))
    try:
        results = check_answer(parse_answer(content, rubric), rubric, turns, language, persona.get("name"))
    except JudgeError as exc:
        exc.usage = usage  # type: ignore[attr-defined]  # the tokens were spent all the same
        raise
    overall = weighted_score(results)
    return JudgeResult(
        objectives=results,
        overall_score=overall,
        pass_mark=pass_mark,
        passed=overall >= pass_mark,
        model=config.model,
        prompt_tokens=usage["prompt_tokens"],
        completion_tokens=usage["completion_tokens"],
    )
