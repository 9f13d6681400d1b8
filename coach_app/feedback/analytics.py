"""Speaking analytics: pure functions over a call's turns. Counts and timings come from code only.

A turn has a speaker ("trainee" or "persona"), its text, and `start`/`end` in seconds since the
call started; persona turns may carry the agent's latency metrics. Every function here takes a
list of `TurnData` (build one with `turn_data(...)` from `Turn` rows or dicts) and returns plain
numbers or JSON-ready dicts; `compute_analytics` gathers them all for a `Feedback` row.

Definitions (the feedback page and tests rely on them):
- talk time: the sum of a speaker's turn durations; talk ratio = trainee / (trainee + persona).
- words per minute: a speaker's words / that speaker's speaking time (turns with zero duration
  are left out). Pace over the call spreads each turn's words evenly over its duration and
  reports, per minute of the call, words in that minute / speaking time in that minute.
- longest monologue: consecutive trainee turns with no persona turn in between count as one
  stretch, from the first turn's start to the last turn's end.
- questions: trainee sentences that are questions, open (what/why/how..., "tell me...") or
  closed (yes/no), by per-language rules in `lexicon.py`.
- interruption: a trainee turn that starts while a persona turn is still playing
  (persona.start < trainee.start < persona.end).
- trainee response time: trainee.start - persona.end for a trainee turn that directly follows a
  finished persona turn (interruptions are not response times).
- persona latency: the agent's voice-to-voice `e2e_latency` metric per persona turn; the observed
  gap (persona.start - previous trainee.end) is reported alongside.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from coach_app.feedback.lexicon import LanguageRules, base_language, rules_for

TRAINEE = "trainee"
PERSONA = "persona"

_LATENCY_FIELDS = ("e2e_latency", "end_of_turn_delay", "transcription_delay", "llm_ttft", "tts_ttfb")


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
                **{f: (float(v) if (v := _get(row, f)) is not None else None) for f in _LATENCY_FIELDS},
            )
        )
    out.sort(key=lambda t: (t.start, t.seq))
    return out


# --- words ----------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u2018", "'").lower()


@lru_cache(maxsize=1)
def _thai_tokenizer():
    from pythainlp.tokenize import word_tokenize  # imported only when a Thai text is analysed

    return word_tokenize


@lru_cache(maxsize=8192)
def _tokens_cached(text: str, unspaced: bool) -> tuple[str, ...]:
    text = _normalise(text)
    if not unspaced:
        return tuple(_WORD_RE.findall(text))
    out: list[str] = []
    for tok in _thai_tokenizer()(text, engine="newmm", keep_whitespace=False):
        out.extend(_WORD_RE.findall(tok.strip()) if tok.isascii() else ([tok.strip()] if any(c.isalnum() for c in tok) else []))
    return tuple(out)


def tokens(text: str, language: str | None = "en") -> list[str]:
    """Lower-cased words of `text`: split on non-letters, or segmented for Thai."""
    return list(_tokens_cached(text, rules_for(language).unspaced))


def word_count(text: str, language: str | None = "en") -> int:
    return len(_tokens_cached(text, rules_for(language).unspaced))


# --- talk time and pace -----------------------------------------------------------------------


def call_length(turns: list[TurnData]) -> float:
    """Seconds from the call's start (time 0) to the end of the last turn."""
    return max((t.end for t in turns), default=0.0)


def talk_time(turns: list[TurnData]) -> dict[str, float]:
    out = {TRAINEE: 0.0, PERSONA: 0.0}
    for t in turns:
        out[t.speaker] = out.get(t.speaker, 0.0) + t.duration
    return out


def talk_ratio(turns: list[TurnData]) -> float | None:
    """Share of speaking time that was the trainee's (0..1), None when nobody spoke."""
    tt = talk_time(turns)
    total = tt[TRAINEE] + tt[PERSONA]
    return tt[TRAINEE] / total if total > 0 else None


def words_per_minute(turns: list[TurnData], language: str | None = "en", speaker: str = TRAINEE) -> float | None:
    words = 0
    seconds = 0.0
    for t in turns:
        if t.speaker == speaker and t.duration > 0:
            words += word_count(t.text, language)
            seconds += t.duration
    return words / seconds * 60 if seconds > 0 else None


def pace_by_minute(turns: list[TurnData], language: str | None = "en", speaker: str = TRAINEE) -> list[dict[str, Any]]:
    """Per minute of the call: {minute (1-based), words, speaking_seconds, wpm (None if silent)}."""
    n_minutes = max(1, math.ceil(call_length(turns) / 60)) if turns else 0
    words = [0.0] * n_minutes
    seconds = [0.0] * n_minutes
    for t in turns:
        if t.speaker != speaker or t.duration <= 0:
            continue
        rate = word_count(t.text, language) / t.duration
        first = max(0, int(t.start // 60))
        last = min(n_minutes - 1, int(t.end // 60))
        for m in range(first, last + 1):
            overlap = min(t.end, (m + 1) * 60) - max(t.start, m * 60)
            if overlap > 0:
                seconds[m] += overlap
                words[m] += rate * overlap
    return [
        {
            "minute": m + 1,
            "words": round(words[m], 2),
            "speaking_seconds": round(seconds[m], 2),
            "wpm": round(words[m] / seconds[m] * 60, 1) if seconds[m] > 0 else None,
        }
        for m in range(n_minutes)
    ]


# --- fillers ------------------------------------------------------------------------------------


def filler_words(
    turns: list[TurnData], language: str | None = "en", fillers: Iterable[str] | None = None
) -> dict[str, Any]:
    """Filler words the trainee said: {total, per_100_words, counts: {filler: n}} (counts > 0 only)."""
    rules = rules_for(language)
    phrases = list(fillers) if fillers is not None else list(rules.fillers)
    patterns = [(p, tuple(_tokens_cached(p, rules.unspaced))) for p in phrases]
    patterns = [(p, pt) for p, pt in patterns if pt]
    counts: dict[str, int] = {}
    total_words = 0
    for t in turns:
        if t.speaker != TRAINEE:
            continue
        toks = _tokens_cached(t.text, rules.unspaced)
        total_words += len(toks)
        for phrase, pt in patterns:
            n = _count_sequence(toks, pt)
            if n:
                counts[phrase] = counts.get(phrase, 0) + n
    total = sum(counts.values())
    return {
        "total": total,
        "per_100_words": round(total / total_words * 100, 2) if total_words else None,
        "counts": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def _count_sequence(toks: tuple[str, ...], pattern: tuple[str, ...]) -> int:
    k = len(pattern)
    n = 0
    i = 0
    while i + k <= len(toks):
        if toks[i : i + k] == pattern:
            n += 1
            i += k
        else:
            i += 1
    return n


# --- monologue --------------------------------------------------------------------------------


def longest_monologue(turns: list[TurnData], language: str | None = "en") -> dict[str, Any] | None:
    """The trainee's longest uninterrupted stretch: {seconds, words, start, end, first_seq, last_seq}."""
    best: dict[str, Any] | None = None
    run: list[TurnData] = []

    def close() -> None:
        nonlocal best
        if not run:
            return
        seconds = max(t.end for t in run) - run[0].start
        if best is None or seconds > best["seconds"]:
            best = {
                "seconds": round(seconds, 2),
                "words": sum(word_count(t.text, language) for t in run),
                "start": run[0].start,
                "end": max(t.end for t in run),
                "first_seq": run[0].seq,
                "last_seq": run[-1].seq,
            }

    for t in turns:
        if t.speaker == TRAINEE:
            run.append(t)
        else:
            close()
            run = []
    close()
    return best


# --- questions --------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.?!\u3002\uff1f])\s+|\n+")
_UNSPACED_SPLIT = re.compile(r"(?<=[?!])|\s+")


def sentences(text: str, language: str | None = "en") -> list[str]:
    rules = rules_for(language)
    splitter = _UNSPACED_SPLIT if rules.unspaced else _SENTENCE_END
    return [s.strip() for s in splitter.split(text) if s and s.strip()]


def classify_question(sentence: str, language: str | None = "en") -> str | None:
    """'open', 'closed' or None (not a question) for one sentence."""
    rules = rules_for(language)
    if rules.unspaced:
        return _classify_particles(sentence, rules)
    return _classify_word_order(sentence, rules)


def _starts_with(toks: list[str], phrases: tuple[str, ...]) -> bool:
    for p in phrases:
        pt = p.split()
        if toks[: len(pt)] == pt:
            return True
    return False


def _strip_lead_ins(toks: list[str], rules: LanguageRules) -> list[str]:
    """Drop "so", "okay", "um", "you know"... from the start of a sentence."""
    skip = [p.split() for p in (*rules.lead_ins, *rules.fillers)]
    changed = True
    while toks and changed:
        changed = False
        for pt in skip:
            if toks[: len(pt)] == pt:
                toks = toks[len(pt):]
                changed = True
                break
    return toks


def _classify_word_order(sentence: str, rules: LanguageRules) -> str | None:
    text = _normalise(sentence).strip()
    toks = _strip_lead_ins(_WORD_RE.findall(text), rules)
    if not toks:
        return None
    ending = text.rstrip("\"')] ")[-1:]
    aux_then_open = toks[0] in rules.closed_starters and _starts_with(toks[1:], rules.open_after_aux)
    if ending == "?":
        return "open" if toks[0] in rules.open_starters or aux_then_open or _starts_with(toks, rules.open_prompts) else "closed"
    if _starts_with(toks, rules.open_prompts) or aux_then_open:
        return "open"  # "Tell me more." / "Could you walk me through it."
    if ending in (".", "!"):
        return None  # punctuated as a statement: "What a day!"
    # No end punctuation at all (some transcribers): go by word order.
    if toks[0] in rules.open_starters and len(toks) > 1:
        return "open"
    if toks[0] in rules.closed_starters and len(toks) > 1 and toks[1] in rules.subjects:
        return "closed"
    return None


def _classify_particles(sentence: str, rules: LanguageRules) -> str | None:
    text = _normalise(sentence).strip()
    has_mark = text.endswith("?")
    core = re.sub(r"[\s?!.,]+", "", text)
    for phrase in rules.not_questions:
        core = core.replace(phrase, "")
    trimmed = core
    changed = True
    while changed and trimmed:
        changed = False
        for p in sorted(rules.trailing_particles, key=len, reverse=True):
            if trimmed.endswith(p) and len(trimmed) > len(p):
                trimmed = trimmed[: -len(p)]
                changed = True
                break
    if any(trimmed.endswith(p) for p in rules.closed_particles):
        return "closed"
    if any(m in core for m in rules.open_markers):
        return "open"
    return "closed" if has_mark else None


def questions(turns: list[TurnData], language: str | None = "en") -> dict[str, Any]:
    """Questions the trainee asked: {open, closed, total, items: [{seq, kind, text}]}."""
    items: list[dict[str, Any]] = []
    for t in turns:
        if t.speaker != TRAINEE:
            continue
        for s in sentences(t.text, language):
            kind = classify_question(s, language)
            if kind:
                items.append({"seq": t.seq, "kind": kind, "text": s})
    n_open = sum(1 for i in items if i["kind"] == "open")
    return {"open": n_open, "closed": len(items) - n_open, "total": len(items), "items": items}


# --- turn-taking ------------------------------------------------------------------------------


def interruptions(turns: list[TurnData]) -> list[dict[str, Any]]:
    """Trainee turns that started while the persona was still speaking."""
    out: list[dict[str, Any]] = []
    personas = [t for t in turns if t.speaker == PERSONA]
    for t in turns:
        if t.speaker != TRAINEE:
            continue
        for p in personas:
            if p.start < t.start < p.end:
                out.append({"trainee_seq": t.seq, "persona_seq": p.seq, "at": t.start,
                            "overlap": round(p.end - t.start, 3)})
                break
    return out


def response_times(turns: list[TurnData]) -> list[float]:
    """Seconds between a persona turn ending and the trainee's next turn starting."""
    out: list[float] = []
    for prev, t in zip(turns, turns[1:]):
        if t.speaker == TRAINEE and prev.speaker == PERSONA and t.start >= prev.end:
            out.append(t.start - prev.end)
    return out


def persona_gaps(turns: list[TurnData]) -> list[float]:
    """Observed seconds between the trainee finishing and the persona starting to answer."""
    out: list[float] = []
    for prev, t in zip(turns, turns[1:]):
        if t.speaker == PERSONA and prev.speaker == TRAINEE and t.start >= prev.end:
            out.append(t.start - prev.end)
    return out


def persona_latency(turns: list[TurnData]) -> list[dict[str, Any]]:
    """Per persona turn that has metrics: {seq, start, e2e_latency, end_of_turn_delay, llm_ttft, tts_ttfb}."""
    out = []
    for t in turns:
        if t.speaker == PERSONA and t.e2e_latency is not None:
            out.append({"seq": t.seq, "start": t.start, **{f: getattr(t, f) for f in _LATENCY_FIELDS}})
    return out


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _r(x: float | None, nd: int) -> float | None:
    return None if x is None else round(x, nd)


# --- everything -------------------------------------------------------------------------------


def compute_analytics(
    turns: Iterable[Any], language: str | None = "en", fillers: Iterable[str] | None = None
) -> dict[str, Any]:
    """All analytics for one call, JSON-ready (stored on `Feedback.analytics`)."""
    ts = turn_data(turns)
    tt = talk_time(ts)
    ratio = talk_ratio(ts)
    latency = persona_latency(ts)
    resp = response_times(ts)
    gaps = persona_gaps(ts)
    inter = interruptions(ts)
    trainee_words = sum(word_count(t.text, language) for t in ts if t.speaker == TRAINEE)
    persona_words = sum(word_count(t.text, language) for t in ts if t.speaker == PERSONA)
    return {
        "language": base_language(language),
        "turns": {TRAINEE: sum(1 for t in ts if t.speaker == TRAINEE), PERSONA: sum(1 for t in ts if t.speaker == PERSONA)},
        "call_seconds": round(call_length(ts), 2),
        "talk_seconds": {k: round(v, 2) for k, v in tt.items()},
        "talk_ratio": _r(ratio, 4),
        "words": {TRAINEE: trainee_words, PERSONA: persona_words},
        "wpm": _r(words_per_minute(ts, language, TRAINEE), 1),
        "persona_wpm": _r(words_per_minute(ts, language, PERSONA), 1),
        "pace": pace_by_minute(ts, language, TRAINEE),
        "fillers": filler_words(ts, language, fillers),
        "longest_monologue": longest_monologue(ts, language),
        "questions": questions(ts, language),
        "interruptions": {"count": len(inter), "items": inter},
        "response_time_avg": _r(_mean(resp), 3),
        "persona_latency_avg": _r(_mean([x["e2e_latency"] for x in latency]), 3),
        "persona_gap_avg": _r(_mean(gaps), 3),
        "latency": latency,
    }
