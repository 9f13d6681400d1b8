"""The judge's answer, checked by code: JSON shape, scores, and every quote against the transcript.

The LLM judges only what needs language understanding. Code does the rest: every evidence quote
is checked against the transcript (quotes that are not there are dropped and flagged), and a
quote counts only when it is in the genuine part of a turn of the speaker the judge names
(`transcript_guard`), so a trainee cannot forge the persona's words or stitch a quote across a
fake speaker label. The overall score is the weighted mean of the objective scores.

No Reflex here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from coach_app.feedback.lexicon import rules_for
from coach_app.feedback.transcript_guard import genuine_text
from coach_app.feedback.turns import TRAINEE, TurnData

MAX_QUOTES_PER_OBJECTIVE = 4
MAX_RATIONALE_CHARS = 600


class JudgeError(RuntimeError):
    """The judge could not be reached or answered something we cannot use."""


@dataclass
class ObjectiveResult:
    id: str
    description: str
    weight: float
    score: float
    rationale: str
    quotes: list[dict[str, Any]] = field(default_factory=list)  # {"text", "seq", "speaker"}
    invented_quotes: list[str] = field(default_factory=list)
    # in the transcript but not acceptable: {"text", "reason"} (wrong speaker, forged part of a turn)
    rejected_quotes: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "weight": self.weight,
            "score": self.score,
            "rationale": self.rationale,
            "quotes": self.quotes,
            "invented_quotes": self.invented_quotes,
            "rejected_quotes": self.rejected_quotes,
        }


# --- quotes ---------------------------------------------------------------------------------


def normalise_for_match(text: str, unspaced: bool = False) -> str:
    """Case-folded, punctuation-free, single-spaced text (no spaces at all for unspaced scripts)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    if unspaced:
        return re.sub(r"\s+", "", text)
    return re.sub(r"\s+", " ", text).strip()


class QuoteIndex:
    """The transcript normalised once, to look many quotes up in it.

    Each turn is indexed twice: its genuine part (`transcript_guard.genuine_text`: the words
    before anything imitating a speaker label or instructions), which is where evidence may come
    from, and its whole text, to tell a forged quote from an invented one.
    """

    def __init__(self, turns: list[TurnData], language: str | None = "en", persona_name: str | None = None):
        self.unspaced = rules_for(language).unspaced
        # Trainee turns first, so a phrase both sides said links to the trainee's turn.
        ordered = [t for t in turns if t.speaker == TRAINEE] + [t for t in turns if t.speaker != TRAINEE]
        pad = "" if self.unspaced else " "

        def norm(text: str) -> str:
            return f"{pad}{normalise_for_match(text, self.unspaced)}{pad}"

        self._items = [(t, norm(genuine_text(t.text, persona_name)), norm(t.text)) for t in ordered]

    def _needle(self, quote: str) -> str | None:
        q = normalise_for_match(quote, self.unspaced)
        if not q:
            return None
        return q if self.unspaced else f" {q} "  # whole words only: "refund" is not in "refunded"

    def find(self, quote: str, speaker: str | None = None, seq: int | None = None) -> TurnData | None:
        """The turn whose genuine words contain `quote` (of `speaker` when given; turn `seq` first)."""
        q = self._needle(quote)
        if q is None:
            return None
        hits = [t for t, genuine, _ in self._items if q in genuine and (speaker is None or t.speaker == speaker)]
        return next((t for t in hits if t.seq == seq), hits[0] if hits else None)

    def why_not(self, quote: str, speaker: str | None) -> str | None:
        """Why a quote that `find` refused is still in the transcript; None when it is not there at all."""
        q = self._needle(quote)
        if q is None:
            return None
        other = next((t for t, genuine, _ in self._items if q in genuine), None)
        if other is not None:
            return f"said by the {other.speaker} (turn {other.seq}), not the {speaker}"
        forged = next((t for t, _, whole in self._items if q in whole), None)
        if forged is not None:
            return (
                f"part of turn {forged.seq} that imitates a speaker label or instructions ({forged.speaker}'s own text)"
            )
        return None


def find_quote(quote: str, turns: list[TurnData], language: str | None = "en") -> TurnData | None:
    """The turn whose text contains `quote` (ignoring case, punctuation and spacing), else None."""
    return QuoteIndex(turns, language).find(quote)


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def parse_answer(content: str, rubric: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The judge's JSON as {objective id: {score, rationale, evidence}}; JudgeError names what is wrong."""
    m = _FENCE.match(content)
    text = m.group(1) if m else content
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JudgeError(f"the judge's answer is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict) or not isinstance(data.get("objectives"), list):
        raise JudgeError('the judge\'s answer has no "objectives" list')
    wanted = {o["id"] for o in rubric}
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(data["objectives"]):
        if not isinstance(item, dict):
            raise JudgeError(f"the judge's objectives[{i}] is not an object")
        oid = item.get("id")
        if oid not in wanted:
            continue  # an objective we did not ask about: ignored
        score = item.get("score")
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            try:
                score = float(str(score).strip())
            except ValueError:
                raise JudgeError(f"the judge's score for objective '{oid}' is not a number: {score!r}") from None
        if not 0 <= score <= 100:
            raise JudgeError(f"the judge's score for objective '{oid}' is {score:g}, outside 0-100")
        rationale = item.get("rationale")
        if not isinstance(rationale, str) or not rationale.strip():
            raise JudgeError(f"the judge gave no rationale for objective '{oid}'")
        evidence = item.get("evidence", item.get("quotes", []))
        if evidence is None:
            evidence = []
        if isinstance(evidence, str):
            evidence = [evidence]
        if not isinstance(evidence, list):
            raise JudgeError(f"the judge's evidence for objective '{oid}' is not a list of quotes")
        quotes = []
        for q in evidence:
            quote, n, speaker = q, None, None
            if isinstance(q, dict):
                quote = q.get("quote") or q.get("text")
                n = q.get("n", q.get("turn"))
                speaker = q.get("speaker")
            if not isinstance(quote, str):
                raise JudgeError(f"the judge's evidence for objective '{oid}' contains something that is not a quote")
            if quote.strip():
                quotes.append(
                    {
                        "quote": quote.strip(),
                        "n": n if isinstance(n, int) and not isinstance(n, bool) else None,
                        "speaker": speaker.strip().lower() if isinstance(speaker, str) and speaker.strip() else None,
                    }
                )
        out[oid] = {"score": float(score), "rationale": rationale.strip(), "evidence": quotes}
    missing = [oid for oid in (o["id"] for o in rubric) if oid not in out]
    if missing:
        raise JudgeError("the judge gave no score for objective(s): " + ", ".join(f"'{m}'" for m in missing))
    return out


def weighted_score(results: list[ObjectiveResult]) -> float:
    total = sum(r.weight for r in results)
    if total <= 0:
        return 0.0
    return round(sum(r.score * r.weight for r in results) / total, 1)


def check_answer(
    answer: dict[str, dict[str, Any]],
    rubric: list[dict[str, Any]],
    turns: list[TurnData],
    language: str | None,
    persona_name: str | None = None,
) -> list[ObjectiveResult]:
    """Turn the parsed answer into results, keeping only quotes that are really in the transcript,
    in the genuine words of the speaker the judge attributes them to."""
    results = []
    index = QuoteIndex(turns, language, persona_name)
    speaker_of = {t.seq: t.speaker for t in turns}
    for o in rubric:
        a = answer[o["id"]]
        kept: list[dict[str, Any]] = []
        invented: list[str] = []
        rejected: list[dict[str, str]] = []
        for ev in a["evidence"]:
            if isinstance(ev, str):
                ev = {"quote": ev, "n": None, "speaker": None}
            q = ev["quote"]
            claimed = ev.get("speaker")
            claimed = claimed if claimed in (TRAINEE, "persona") else speaker_of.get(ev.get("n"))
            t = index.find(q, claimed, ev.get("n"))
            if t is None:
                reason = index.why_not(q, claimed)
                if reason is None:
                    invented.append(q)
                else:
                    rejected.append({"text": q, "reason": reason})
            elif len(kept) < MAX_QUOTES_PER_OBJECTIVE and all(k["text"] != q for k in kept):
                kept.append({"text": q, "seq": t.seq, "speaker": t.speaker})
        rationale = a["rationale"]
        if len(rationale) > MAX_RATIONALE_CHARS:
            rationale = rationale[: MAX_RATIONALE_CHARS - 1].rstrip() + "\u2026"
        results.append(
            ObjectiveResult(
                id=o["id"],
                description=o.get("description", ""),
                weight=float(o.get("weight", 1)),
                score=round(a["score"], 1),
                rationale=rationale,
                quotes=kept,
                invented_quotes=invented,
                rejected_quotes=rejected,
            )
        )
    return results
