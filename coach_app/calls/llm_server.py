"""The one probe of an OpenAI-compatible server (the local LLM server at LOCAL_LLM_BASE_URL).

`GET {base}/models` costs no tokens and tells both whether the server answers and which models it
offers. The agent asks once per call (is the persona's LLM up, or are replies scripted?), the rubric
judge when LOCAL_LLM_MODEL is unset (which model to ask). No Reflex here: the agent imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from coach_app.settings import Settings

# Short: a call starts after it (the persona waits); a server this slow to list models cannot chat anyway.
PROBE_TIMEOUT_S = 1.5
# Sent when LOCAL_LLM_API_KEY is unset: local servers ignore the key, but clients must send one.
LOCAL_KEY = "local"


@dataclass(frozen=True)
class ServerProbe:
    reachable: bool
    models: tuple[str, ...] = ()
    error: str = ""

    @property
    def first_model(self) -> str | None:
        return self.models[0] if self.models else None


def local_llm_key(settings: Settings) -> str:
    """The key for the local LLM server: LOCAL_LLM_API_KEY, or a placeholder."""
    key = settings.local_llm_api_key.get_secret_value() if settings.local_llm_api_key else ""
    return key or LOCAL_KEY


def probe_server(base_url: str, api_key: str | None = None, timeout: float = PROBE_TIMEOUT_S) -> ServerProbe:
    """Does an OpenAI-compatible server answer `GET /models` at `base_url`? (blocking, bounded by `timeout`)."""
    try:
        resp = httpx.get(
            base_url.rstrip("/") + "/models",
            headers={"Authorization": f"Bearer {api_key or LOCAL_KEY}"},
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        return ServerProbe(False, error=f"{type(exc).__name__}: {exc}".strip(": "))
    if resp.status_code != 200:
        hint = " (set LOCAL_LLM_API_KEY)" if resp.status_code in (401, 403) else ""
        return ServerProbe(False, error=f"HTTP {resp.status_code}{hint}")
    try:
        models = tuple(str(m["id"]) for m in resp.json().get("data") or [] if isinstance(m, dict) and m.get("id"))
    except (ValueError, AttributeError, KeyError):
        models = ()
    return ServerProbe(True, models)


def probe_local_server(settings: Settings) -> ServerProbe:
    """The probe of LOCAL_LLM_BASE_URL with LOCAL_LLM_API_KEY."""
    if not settings.local_llm_base_url:
        return ServerProbe(False, error="LOCAL_LLM_BASE_URL is not set")
    return probe_server(settings.local_llm_base_url, local_llm_key(settings))
