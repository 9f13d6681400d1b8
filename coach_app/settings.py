"""One Settings object for the app, the agent worker and the CLI.

Values come from the environment or a `.env` file in the working directory.
This module must not import Reflex: the agent worker imports it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

LOCAL_LIVEKIT_KEY = "devkey"
LOCAL_LIVEKIT_SECRET = "secret"


class Settings(BaseSettings):
    # COACH_ENV_FILE="" disables reading a .env file (the test suite does this).
    model_config = SettingsConfigDict(
        env_file=os.environ.get("COACH_ENV_FILE", ".env") or None,
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # --- LiveKit -------------------------------------------------------------
    # Unset: `make dev` starts a local `livekit-server --dev` with devkey/secret.
    livekit_url: str | None = None
    livekit_api_key: str | None = None
    livekit_api_secret: SecretStr | None = None
    # Name the worker registers under; tokens dispatch exactly this agent.
    agent_name: str = "coach-persona"
    # Lifetime of a trainee's room token, in seconds.
    livekit_token_ttl_seconds: int = Field(default=600, ge=30, le=3600)

    # --- Providers -----------------------------------------------------------
    groq_api_key: SecretStr | None = None
    groq_base_url: str = "https://api.groq.com/openai/v1"
    groq_stt_model: str = "whisper-large-v3-turbo"
    groq_llm_model: str = "llama-3.3-70b-versatile"
    eleven_api_key: SecretStr | None = None
    elevenlabs_base_url: str = "https://api.elevenlabs.io/v1"
    elevenlabs_model: str = "eleven_flash_v2_5"
    elevenlabs_encoding: str = "mp3_22050_32"

    # --- The live call (agent) -----------------------------------------------
    # Each STT/LLM/TTS request gives up after this many seconds, then is retried at most
    # PROVIDER_MAX_RETRIES times, PROVIDER_RETRY_INTERVAL_SECONDS apart; after that the persona
    # says it cannot hear well and the error is recorded on the session.
    provider_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    provider_max_retries: int = Field(default=1, ge=0, le=5)
    provider_retry_interval_seconds: float = Field(default=0.5, ge=0, le=10)
    # --- Turn-taking: when the trainee has finished (agent/turn_taking.py) ---
    # "vad": silence alone ends the turn (a split utterance is merged into one stored turn);
    # "model": LiveKit's local end-of-turn model (v1-mini, runs on this machine) also hears whether
    # the sentence sounds finished (measured in bench/results/voice_loop_levers.md: no better here).
    turn_detector: Literal["vad", "model"] = "vad"
    # Silence (s) after which the voice detector ends a stretch of speech and the words go to STT
    # (the end-of-turn model needs at least 0.25 s). 0.25 answers ~0.1 s sooner in the benchmark, but
    # then a failing reply fails while the turn is still open and the trainee heard nothing: 0.55.
    turn_vad_silence_seconds: float = Field(default=0.55, ge=0.25, le=2)
    # Per persona patience (quick | normal | relaxed): silence (s) after the last word before the
    # persona answers when the turn sounds finished (min) and when it sounds unfinished (max).
    turn_quick_min_delay_seconds: float = Field(default=0.3, ge=0, le=5)
    turn_quick_max_delay_seconds: float = Field(default=1.5, ge=0, le=10)
    turn_normal_min_delay_seconds: float = Field(default=0.5, ge=0, le=5)
    turn_normal_max_delay_seconds: float = Field(default=2.0, ge=0, le=10)
    turn_relaxed_min_delay_seconds: float = Field(default=1.2, ge=0, le=5)
    turn_relaxed_max_delay_seconds: float = Field(default=3.0, ge=0, le=10)
    # Start the persona's speech (LLM and TTS) while the turn may still go on; dropped if it does.
    turn_preemptive_tts: bool = False
    # --- The customer's mood (agent/call_mood.py) ---
    # Who decides how each trainee turn moves the mood: the call's LLM (one more request before each
    # reply) or the persona file's keywords (instant). With no LLM (scripted replies) keywords decide.
    mood_classifier: Literal["llm", "keywords"] = "llm"
    # The reply waits at most this long for the LLM's answer; then keywords decide that turn.
    mood_classifier_timeout_seconds: float = Field(default=1.5, gt=0, le=10)
    # Hard cap on any call, in seconds, below the persona's own time limit (unset = persona's limit).
    call_max_seconds: int | None = Field(default=None, ge=10)
    # Practice sessions one user may start per hour (resuming the open one does not count).
    session_starts_per_hour: int = Field(default=20, ge=1, le=1000)
    # Calls one agent worker takes at once (each runs in its own process); more wait for another worker.
    agent_max_calls: int = Field(default=4, ge=1, le=100)
    # How the worker runs its calls: "process" (one job process per call) or "thread" (calls share
    # the worker's job process: much less memory per call, but one crash takes all of them).
    agent_job_executor: Literal["process", "thread"] = "process"
    # Port of the agent worker's own health endpoint (0 = any free port).
    agent_http_port: int = Field(default=8081, ge=0, le=65535)
    # A live call whose persona was lost (its worker died) gets a new agent; after this many
    # seconds without one the session is closed as failed (agent_lost).
    agent_rejoin_timeout_seconds: float = Field(default=20.0, ge=2, le=600)
    # A trainee whose connection leaves the room (a page reload, the web app restarting, a network
    # blip) has this many seconds to rejoin before the call ends as abandoned (trainee_left).
    trainee_rejoin_grace_seconds: float = Field(default=20.0, ge=0, le=600)
    # A stopping worker (SIGTERM, as on a deploy) takes no new calls and lets its calls finish for
    # this many seconds; the calls still running then are handed to another worker.
    agent_drain_timeout_seconds: int = Field(default=600, ge=1, le=86400)

    # --- Provider per component: auto | cloud | local ------------------------
    # auto = cloud when its key is set (GROQ_API_KEY for STT/LLM, ELEVEN_API_KEY for TTS), else local.
    stt_provider: Literal["auto", "cloud", "local"] = "auto"
    llm_provider: Literal["auto", "cloud", "local"] = "auto"
    tts_provider: Literal["auto", "cloud", "local"] = "auto"

    # --- Local mode (no account, nothing leaves the machine) -----------------
    # faster-whisper model: a name (tiny.en, base.en, small, ...) fetched into the cache on first
    # use, or the path of a CTranslate2 model directory. Left at tiny.en, personas in other languages
    # use the multilingual base model installed with Coach.
    local_stt_model: str = "tiny.en"
    local_stt_compute_type: Literal["int8", "int8_float32", "int16", "float32", "default"] = "int8"
    local_stt_cache_dir: Path = REPO_ROOT / "data" / "models"
    # CPU threads for speech recognition (0 = one per CPU core, at most 4).
    local_stt_threads: int = Field(default=0, ge=0, le=64)
    # Any OpenAI-compatible chat server (Ollama, llama.cpp server, vLLM). Unset or unreachable:
    # the persona replies from its script.
    local_llm_base_url: str | None = None
    local_llm_model: str | None = None
    local_llm_api_key: SecretStr | None = None
    # auto = Piper for English (flite when Piper cannot run), espeak-ng for other languages it has a voice for.
    local_tts_engine: Literal["auto", "piper", "flite", "espeak-ng"] = "auto"
    # Piper voice: en_US-joe-medium (installed with Coach) or the path of a Piper .onnx voice (+ .onnx.json).
    local_tts_piper_voice: str = "en_US-joe-medium"
    local_tts_voice: str = "slt"
    local_tts_espeak_variant: str = "f3"

    # --- Storage -------------------------------------------------------------
    database_url: str = Field(default=f"sqlite:///{REPO_ROOT / 'data' / 'coach.db'}")
    personas_dir: Path = REPO_ROOT / "personas"
    # --- Call recordings (stereo OGG: trainee and persona channels) ------------
    record_calls: bool = True
    recordings_dir: Path = REPO_ROOT / "data" / "recordings"
    recordings_retention_days: int = Field(default=0, ge=0)  # 0 = keep

    # --- Feedback --------------------------------------------------------------
    # Replace the built-in filler-word list of a language, e.g. {"en": ["um", "uh", "you know"]}.
    feedback_filler_words: dict[str, list[str]] = Field(default_factory=dict)
    # Model of the rubric judge (OpenAI-compatible chat completions at GROQ_BASE_URL); default GROQ_LLM_MODEL.
    feedback_judge_model: str | None = None
    feedback_judge_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    # Prices in USD used to show the cost of a session (check your provider's current price list).
    price_stt_per_audio_hour: float = 0.04
    price_llm_per_million_input_tokens: float = 0.59
    price_llm_per_million_output_tokens: float = 0.79
    price_tts_per_thousand_characters: float = 0.05

    # --- `make dev` / `coach dev` --------------------------------------------
    # Ports of what `coach dev` starts: the local LiveKit server (unless LIVEKIT_URL is set; its
    # WebRTC ports stay 7881/tcp and 7882/udp) and the web app (frontend, backend).
    dev_livekit_port: int = Field(default=7880, ge=1, le=65535)
    dev_frontend_port: int = Field(default=3000, ge=1, le=65535)
    dev_backend_port: int = Field(default=8000, ge=1, le=65535)

    # --- Web app -------------------------------------------------------------
    # Public URL of the backend, used by the browser for API/websocket calls.
    app_api_url: str | None = None
    # More origins (scheme://host:port, comma-separated) whose pages may use the API and the
    # websocket with a login, besides the app's own (APP_API_URL, Reflex's deploy_url, localhost).
    app_extra_origins: str = ""

    # --- Accounts ------------------------------------------------------------
    # How long a browser login lasts at most, in hours.
    session_ttl_hours: int = Field(default=168, ge=1, le=24 * 90)
    # A login not used for this many minutes ends (each use pushes it on).
    session_idle_minutes: int = Field(default=120, ge=5, le=24 * 60 * 90)
    # Send the login cookie only over HTTPS (turn on when served over https).
    session_cookie_secure: bool = False
    # Failed logins allowed per account / per client address within the window.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)

    @model_validator(mode="after")
    def _livekit_credentials_with_url(self) -> Settings:
        if self.livekit_url and not (
            self.livekit_api_key and self.livekit_api_secret and self.livekit_api_secret.get_secret_value()
        ):
            raise ValueError(
                f"LIVEKIT_URL is set ({self.livekit_url}) but LIVEKIT_API_KEY and/or LIVEKIT_API_SECRET "
                "are not: set both to that server's key and secret (or unset LIVEKIT_URL to use the "
                "local dev server)."
            )
        return self

    @property
    def livekit_is_local(self) -> bool:
        return not self.livekit_url

    @property
    def lk_url(self) -> str:
        return self.livekit_url or f"ws://127.0.0.1:{self.dev_livekit_port}"

    @property
    def lk_api_key(self) -> str:
        return self.livekit_api_key or LOCAL_LIVEKIT_KEY

    @property
    def lk_api_secret(self) -> str:
        if self.livekit_api_secret is not None:
            return self.livekit_api_secret.get_secret_value()
        return LOCAL_LIVEKIT_SECRET


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
