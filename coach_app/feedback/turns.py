"""A call's turns as the analytics and the judge read them, and the words in them. No Reflex here.

A turn has a speaker ("trainee" or "persona"), its text, and `start`/`end` in seconds since the
call started; persona turns may carry the agent's latency metrics. Words are split on
non-letters, or segmented with pythainlp for Thai (languages written without spaces).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from coach_app.feedback.lexicon import rules_for

TRAINEE = "trainee"
PERSONA = "persona"

LATENCY_FIELDS = ("e2e_latency", "end_of_turn_delay", "transcription_delay", "llm_ttft", "tts_ttfb")


@dataclass(frozen=True)
class TurnData:
    speaker: str
    text: str
    start: float
    end: float
    seq: int = 0
    interrupted: bool = False
    e2e_latency: float | None = None
    end_of_turn_delay: float | None = None
    transcription_delay: float | None = None
    llm_ttft: float | None = None
    tts_ttfb: float | None = None

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def turn_data(rows: Iterable[Any]) -> list[TurnData]:
    """TurnData from `Turn` rows, dicts or TurnData, ordered by start time (then seq)."""
    out: list[TurnData] = []
    for i, row in enumerate(rows):
        if isinstance(row, TurnData):
            out.append(row)
            continue
        speaker = _get(row, "speaker")
        speaker = getattr(speaker, "value", speaker)
        seq = _get(row, "seq")
        out.append(
            TurnData(
                speaker=str(speaker),
                text=str(_get(row, "text", "") or ""),
                start=float(_get(row, "start")),
                end=float(_get(row, "end")),
                seq=int(seq) if seq is not None else i,
                interrupted=bool(_get(row, "interrupted", False) or False),
                **{f: (float(v) if (v := _get(row, f)) is not None else None) for f in LATENCY_FIELDS},
            )
        )
    out.sort(key=lambda t: (t.start, t.seq))
    return out


# --- words ----------------------------------------------------------------------------------

WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u2018", "'").lower()


@lru_cache(maxsize=1)
def _thai_tokenizer():
    from pythainlp.tokenize import word_tokenize  # imported only when a Thai text is analysed

    return word_tokenize


@lru_cache(maxsize=8192)
def token_tuple(text: str, unspaced: bool) -> tuple[str, ...]:
    """The words of `text` (cached: the same turn is counted by several analytics)."""
    text = normalise(text)
    if not unspaced:
        return tuple(WORD_RE.findall(text))
    out: list[str] = []
    for tok in _thai_tokenizer()(text, engine="newmm", keep_whitespace=False):
        out.extend(
            WORD_RE.findall(tok.strip()) if tok.isascii() else ([tok.strip()] if any(c.isalnum() for c in tok) else [])
        )
    return tuple(out)


def tokens(text: str, language: str | None = "en") -> list[str]:
    """Lower-cased words of `text`: split on non-letters, or segmented for Thai."""
    return list(token_tuple(text, rules_for(language).unspaced))


def word_count(text: str, language: str | None = "en") -> int:
    return len(token_tuple(text, rules_for(language).unspaced))
