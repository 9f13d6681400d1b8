"""What the trainee said and how fast: talk time, pace, filler words and questions. Pure functions.

Definitions are in `analytics` (the module every caller imports); per-language word lists and
question rules are in `lexicon`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from coach_app.feedback.lexicon import LanguageRules, rules_for
from coach_app.feedback.turns import PERSONA, TRAINEE, WORD_RE, TurnData, normalise, token_tuple, word_count

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
    patterns = [(p, tuple(token_tuple(p, rules.unspaced))) for p in phrases]
    patterns = [(p, pt) for p, pt in patterns if pt]
    counts: dict[str, int] = {}
    total_words = 0
    for t in turns:
        if t.speaker != TRAINEE:
            continue
        toks = token_tuple(t.text, rules.unspaced)
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
                toks = toks[len(pt) :]
                changed = True
                break
    return toks


def _classify_word_order(sentence: str, rules: LanguageRules) -> str | None:
    text = normalise(sentence).strip()
    toks = _strip_lead_ins(WORD_RE.findall(text), rules)
    if not toks:
        return None
    ending = text.rstrip("\"')] ")[-1:]
    aux_then_open = toks[0] in rules.closed_starters and _starts_with(toks[1:], rules.open_after_aux)
    if ending == "?":
        return (
            "open"
            if toks[0] in rules.open_starters or aux_then_open or _starts_with(toks, rules.open_prompts)
            else "closed"
        )
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
    text = normalise(sentence).strip()
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
