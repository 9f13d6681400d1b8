"""How the scripted persona hears the trainee: a turn matched against the persona file's cues.

A cue is one thing the trainee might do, written in the persona file as plain text: an escalation
trigger or de-escalation point (`when`), a resolution criterion (`accepts_when`) or a walk-away
condition (`walks_away_when`). With no language model, a turn matches a cue by what they share:
content words (stemmed; Thai segmented with pythainlp), numbers, quoted phrases, and a small lexicon
of call-centre concepts (apology, refund, reference number...; `script_lexicon`) so "I'm so sorry" meets "apologises".
A cue that says "without an apology" is spoiled by one. Scores are normalised by the cue's size, so
a long trigger text does not win just by having more words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from agent.providers.local.script_lexicon import CONCEPTS, EN_STOP, TH_EXTRA_STOP

# A cue counts as met by a turn from this score up (the scripted persona and the mood engine).
MATCH_THRESHOLD = 0.75

# --- text helpers --------------------------------------------------------------------------------

QUOTE_RE = re.compile(r"[\"“”«»]([^\"“”«»]{2,})[\"“”«»]")
_THAI_RE = re.compile(r"[\u0E00-\u0E7F]")
_NUM_RE = re.compile(r"\d+(?:[.,]\d+)*")


def is_thai(text: str) -> bool:
    return bool(_THAI_RE.search(text))


def _stem(word: str) -> str:
    w = word.lower().strip("'")
    for suffix in (
        "ational",
        "ations",
        "ation",
        "ising",
        "izing",
        "ised",
        "ized",
        "ises",
        "izes",
        "ings",
        "ing",
        "ies",
        "ied",
        "ed",
        "es",
        "ly",
        "s",
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[: -len(suffix)]
            if suffix in ("ies", "ied"):
                base += "y"
            return base
    return w


@lru_cache(maxsize=1)
def _thai_stopwords() -> frozenset[str]:
    try:
        from pythainlp.corpus import thai_stopwords

        return frozenset(thai_stopwords()) | frozenset(TH_EXTRA_STOP)
    except Exception:  # noqa: BLE001 - corpus missing: fall back to the short list
        return frozenset(TH_EXTRA_STOP)


def _numbers(text: str) -> set[str]:
    out = set()
    for n in _NUM_RE.findall(text):
        n = n.replace(",", "")
        out.add(n)
        if "." in n:  # "$94.99" also matches "94"
            out.add(n.split(".")[0])
    return out


def content_words(text: str) -> set[str]:
    """Stemmed content words and numbers (Thai segmented with pythainlp)."""
    words: set[str] = set()
    if is_thai(text):
        from pythainlp.tokenize import word_tokenize

        stop = _thai_stopwords()
        for tok in word_tokenize(text, engine="newmm", keep_whitespace=False):
            tok = tok.strip().lower()
            if len(tok) > 1 and tok not in stop and not _NUM_RE.fullmatch(tok) and re.search(r"\w", tok):
                words.add(tok)
    for tok in re.findall(r"[A-Za-z][A-Za-z']+", text):
        if tok.lower() not in EN_STOP and len(tok) > 2:
            words.add(_stem(tok))
    return words | _numbers(text)


def _norm(text: str) -> str:
    return re.sub(r"[^\w$ ]+", " ", text.lower()).replace("  ", " ").strip()


# --- concepts: what a turn does, in words people actually say -----------------------------------

# English phrases are matched on whole words (after lowercasing); Thai ones as substrings.
# A `when` text that names these words means "no <concept> in the trainee's turn".
_NEGATION_RE = re.compile(r"\b(?:without|with no|no)\s+(?:a |an |any )?([a-z -]+)", re.I)
_TH_NEGATION_RE = re.compile(r"โดยไม่(?:มี)?([\u0E00-\u0E7F ]+)")


def _phrase_in(phrase: str, text_norm: str, raw: str) -> bool:
    if is_thai(phrase):
        return phrase.replace(" ", "") in raw.replace(" ", "")
    return re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text_norm) is not None


def concepts_in(text: str) -> set[str]:
    norm = " " + text.lower() + " "
    return {name for name, phrases in CONCEPTS.items() if any(_phrase_in(p, norm, text) for p in phrases)}


@dataclass(frozen=True)
class Cue:
    """One thing the trainee might do, from the persona file, prepared for matching."""

    kind: str  # escalation | deescalation | accept | walk_away
    index: int
    when: str
    reaction: str = ""
    words: frozenset[str] = frozenset()
    concepts: frozenset[str] = frozenset()
    negated: frozenset[str] = frozenset()
    quotes: tuple[str, ...] = ()

    @classmethod
    def build(cls, kind: str, index: int, when: str, reaction: str = "") -> Cue:
        negated: set[str] = set()
        for m in list(_NEGATION_RE.finditer(when)) + list(_TH_NEGATION_RE.finditer(when)):
            negated |= (concepts_in(m.group(1)) - {"action"}) | (
                {"action"} if "action" in m.group(1).lower() else set()
            )
            if is_thai(m.group(1)) and ("แก้ไข" in m.group(1) or "ทำอะไร" in m.group(1)):
                negated.add("action")
        concepts = concepts_in(when) - negated - {"action"}
        quotes = tuple(_norm(q) for q in QUOTE_RE.findall(when))
        return cls(
            kind, index, when, reaction, frozenset(content_words(when)), frozenset(concepts), frozenset(negated), quotes
        )

    def score(self, words: set[str], concepts: set[str], text: str) -> float:
        if self.negated & concepts:
            return 0.0
        hit = 2.0 * len(self.concepts & concepts) + 1.0 * len(self.words & words)
        norm = _norm(text)
        for q in self.quotes:
            variants = [v.strip() for v in re.split(r"/", q)] if "/" in q else [q]
            if any(v and (v in norm or v.replace(" ", "") in text.replace(" ", "")) for v in variants):
                hit += 4.0
        if hit == 0:
            return 0.0
        size = 2.0 * len(self.concepts) + len(self.words) + 4.0 * len(self.quotes)
        return hit / math.sqrt(max(size, 1.0))
