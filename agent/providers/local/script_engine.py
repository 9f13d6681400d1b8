"""The scripted persona: a coherent call driven by the persona file, with no language model at all.

Used in local mode when no LLM server is configured or reachable (the call page says plainly that
replies are scripted). Everything comes from the persona file:

- the call opens with one of `phases.opening.lines`;
- each trainee turn is matched against the escalation triggers, de-escalation points and
  resolution criteria (`when` / `accepts_when` / `walks_away_when` texts) by shared words, numbers,
  quoted phrases and a small lexicon of call-centre concepts (apology, refund, reference number...);
- the reply is the matched `reaction` made speakable: its quoted words when it has some ("Cuts in -
  "Don't tell me you understand.""), a third-person description turned into first-person speech
  ("Says that it is all in the notes" -> "It is all in the notes."), a hidden fact the reaction
  reveals ("Mentions the $35 fee" -> the $35 hidden fact), or a stock line for what the reaction
  does (asks for a supervisor, calms down, threatens to cancel);
- intensity starts at the opening's and rises with escalations, falls with de-escalations; when
  every resolution criterion has been met the persona accepts and closes; a walk-away condition
  ends the call on the persona's side.

Split by what each part does: `script_match` hears the trainee (which cues a turn meets; its words in `script_lexicon`),
`script_lines` phrases what the persona says; this module keeps the call's state (intensity,
criteria met, resolved or walked away) and chooses the reply.

The engine is pure and deterministic: `reply_for(persona, trainee_turns)` replays the whole
conversation, so the LLM wrapper can rebuild the state from the chat context on every turn.
English and Thai have stock lines and concept lexicons; other languages use the persona's own
text (quotes, opening lines) and English stock lines.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from agent.providers.local.script_lines import (
    EN_INTENTS,
    EN_LINES,
    REVEAL_RE,
    SAYS_THAT_RE,
    STAGE_TH,
    TH_INTENTS,
    TH_LINES,
    TH_QUESTION_RE,
    first_person,
    sentence,
    speakable_fact,
    thai_particle,
)
from agent.providers.local.script_match import MATCH_THRESHOLD, QUOTE_RE, Cue, concepts_in, content_words, is_thai
from coach_app.personas.schema import Persona


@dataclass
class Reply:
    text: str
    kind: str  # opening | escalation | deescalation | hidden_fact | accept | walk_away | nudge | closed
    intensity: int
    matched: str = ""  # the `when` text of the cue that drove it


@dataclass
class ScriptedPersona:
    persona: Persona
    seed: int = 0
    intensity: int = field(init=False)
    satisfied: set[int] = field(default_factory=set, init=False)
    state: str = field(default="talking", init=False)  # talking | resolved | walked_away
    said: list[str] = field(default_factory=list, init=False)
    opened: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        p = self.persona
        self.thai = p.language_code == "th" or is_thai(" ".join(p.phases.opening.lines))
        self.rng = random.Random(self.seed)
        self.intensity = p.phases.opening.intensity
        ph = p.phases
        self.cues: list[Cue] = (
            [Cue.build("escalation", i, t.when, t.reaction) for i, t in enumerate(ph.escalation_triggers)]
            + [Cue.build("deescalation", i, t.when, t.reaction) for i, t in enumerate(ph.deescalation_points)]
            + [Cue.build("walk_away", i, w) for i, w in enumerate(ph.resolution.walks_away_when)]
        )
        self.accepts = [Cue.build("accept", i, w) for i, w in enumerate(ph.resolution.accepts_when)]
        self.lines = TH_LINES if self.thai else EN_LINES
        self.intents = TH_INTENTS if self.thai else EN_INTENTS

    # -- public ------------------------------------------------------------------------------------

    def opening(self) -> Reply:
        self.opened = True
        line = self.persona.phases.opening.lines[0]
        return self._reply(line, "opening")

    def respond(self, trainee_text: str) -> Reply:
        if not self.opened:
            self.opened = True
            self.said.append(self.persona.phases.opening.lines[0])
        text = (trainee_text or "").strip()
        if self.state == "resolved":
            return self._reply(self._pick("closed"), "closed")
        if self.state == "walked_away":
            return self._reply(self._pick("after_walk_away"), "closed")
        if not text:
            return self._reply(self._nudge(), "nudge")

        words, concepts = content_words(text), concepts_in(text)
        threshold = MATCH_THRESHOLD
        newly_met = [
            c.index
            for c in self.accepts
            if c.index not in self.satisfied and c.score(words, concepts, text) >= threshold
        ]
        self.satisfied.update(newly_met)

        scored = sorted(
            ((c.score(words, concepts, text), c) for c in self.cues),
            key=lambda sc: (sc[0], sc[1].kind == "deescalation"),
            reverse=True,
        )
        best_score, best = scored[0] if scored else (0.0, None)

        if best is not None and best.kind == "walk_away" and best_score >= threshold:
            if self.intensity >= 9:  # already pushed to the edge: she hangs up
                self.state = "walked_away"
                self.intensity = 10
                return self._reply(self._pick("walk_away"), "walk_away", best.when)
            # First offence: a warning, as the matching escalation (or a stock one).
            self.intensity = min(10, self.intensity + 2)
            esc = next((c for sc, c in scored if c.kind == "escalation" and sc >= threshold), None)
            if esc is not None:
                return self._reply(self._react(esc)[0], "escalation", esc.when)
            return self._reply(self._pick("cancel"), "escalation", best.when)

        if self.accepts and len(self.satisfied) == len(self.accepts):
            self.state = "resolved"
            self.intensity = 1
            return self._reply(self._pick("accept"), "accept")

        if best is not None and best_score >= threshold and best.kind in ("escalation", "deescalation"):
            if best.kind == "escalation":
                self.intensity = min(10, self.intensity + 1)
            else:
                self.intensity = max(1, self.intensity - 2)
            line, kind = self._react(best)
            return self._reply(line, kind, best.when)

        if newly_met:  # progress on the resolution without a specific reaction
            self.intensity = max(1, self.intensity - 1)
            return self._reply(self._pick("deescalate"), "deescalation")
        return self._reply(self._nudge(), "nudge")

    def goodbye(self) -> Reply:
        """A short goodbye (the call's time is up, or the agent is told to close)."""
        key = "after_walk_away" if self.state == "walked_away" else "closed"
        self.state = "walked_away" if self.state == "walked_away" else "resolved"
        return self._reply(self._pick(key), "closed")

    def prompt_again(self) -> Reply:
        """Asked to speak again with nothing new from the trainee: nudge them."""
        if self.state != "talking":
            return self.goodbye()
        return self._reply(self._nudge(), "nudge")

    # -- internals ---------------------------------------------------------------------------------

    def _reply(self, text: str, kind: str, matched: str = "") -> Reply:
        from_file = text in self.persona.phases.opening.lines
        if self.thai and text and not from_file and not text.endswith(("ค่ะ", "คะ", "ครับ", "นะ", "?")):
            particle = thai_particle(self.persona)
            if particle == "ค่ะ" and TH_QUESTION_RE.search(text):
                particle = "คะ"
            text = f"{text}{particle}"
        self.said.append(text)
        return Reply(text=text, kind=kind, intensity=self.intensity, matched=matched)

    def _pick(self, key: str) -> str:
        options = list(self.lines.get(key) or EN_LINES[key])
        fresh = [o for o in options if not any(o in s for s in self.said)]
        return self.rng.choice(fresh or options)

    def _nudge(self) -> str:
        unused = [line for line in self.persona.phases.opening.lines if line not in self.said]
        if unused and self.intensity >= 6:
            return unused[0]
        key = "nudge_high" if self.intensity >= 7 else "nudge_mid" if self.intensity >= 4 else "nudge_low"
        return self._pick(key)

    def _intent(self, text: str) -> str | None:
        for pattern, key in self.intents:
            if re.search(pattern, text, re.I):
                return key
        return None

    def _hidden_fact_for(self, reaction: str) -> str | None:
        facts = self.persona.context.hidden_facts
        if not facts:
            return None
        rwords = content_words(reaction)
        best, best_hits = None, 0
        for fact in facts:
            hits = len(rwords & content_words(fact))
            if hits > best_hits:
                best, best_hits = fact, hits
        return speakable_fact(best, self.thai) if best and best_hits >= 1 else None

    def _react(self, cue: Cue) -> tuple[str, str]:
        reaction = cue.reaction.strip()
        line = self._react_line(cue)
        if any(line in s for s in self.said):  # the same reaction again: do not repeat it word for word
            line = self._pick(self._intent(reaction) or ("escalate" if cue.kind == "escalation" else "deescalate"))
        return line, cue.kind

    def _react_line(self, cue: Cue) -> str:
        reaction = cue.reaction.strip()
        quotes = QUOTE_RE.findall(reaction)
        if quotes:
            return " ".join(q.strip() if self.thai else sentence(q.strip()) for q in quotes)
        if self.thai:
            return self._react_thai(cue)
        parts: list[str] = []
        main = re.split(r";", reaction)[0]
        for chunk in re.split(
            r",\s*(?:and\s+)?|\s+and\s+(?=(?:asks|says|moves|stays|lets|goes|gets|becomes|"
            r"repeats|agrees|starts|thanks|decides|reads|follows)\b)",
            main,
        ):
            chunk = chunk.strip().rstrip(".")
            if not chunk:
                continue
            if REVEAL_RE.match(chunk):
                fact = self._hidden_fact_for(chunk)
                if fact and not any(fact in s for s in self.said):
                    parts.append(fact)
                    continue
            m = SAYS_THAT_RE.match(chunk)
            if m and not QUOTE_RE.search(chunk):
                said = m.group(1)
                if re.match(r"(?:is|was|has)\b", said):  # "Says that is exactly what Kevin said"
                    said = "that " + said
                for piece in re.split(r"\s+and that\s+", said):
                    parts.append(sentence(first_person(piece)))
                continue
            intent = self._intent(chunk)
            if intent and intent not in ("calm", "escalate"):
                parts.append(self._pick(intent))
        if parts:
            return " ".join(dict.fromkeys(parts))
        intent = self._intent(reaction) or ("escalate" if cue.kind == "escalation" else "deescalate")
        return self._pick(intent)

    def _react_thai(self, cue: Cue) -> str:
        reaction = cue.reaction.strip()
        if reaction.startswith(("เล่าเรื่อง", "เล่าถึง", "พูดถึง", "ยอมรับว่า")):
            fact = self._hidden_fact_for(reaction)
            if fact and not any(fact in s for s in self.said):
                rest = self._intent(reaction.split(" ", 1)[1]) if " " in reaction else None
                extra = f" {self._pick(rest)}" if rest in ("grateful", "ask_when") else ""
                return fact + extra
        i = reaction.find("ว่า")
        if i >= 0:
            said = reaction[i + 3 :]
            chunks = [c for c in said.split() if c and not c.startswith(STAGE_TH)]
            spoken = []
            for c in chunks:
                key = self._intent(c) if c.startswith("แล้ว") else None
                spoken.append(self._pick(key) if key in ("supervisor", "cancel", "ask_when") else c)
            if spoken:
                return " ".join(spoken)
        key = self._intent(reaction) or ("escalate" if cue.kind == "escalation" else "deescalate")
        return self._pick(key)


def reply_for(persona: Persona, trainee_turns: list[str], seed: int = 0) -> Reply:
    """Replay a conversation; the reply to its last trainee turn (or the opening when there is none)."""
    engine = ScriptedPersona(persona, seed=seed)
    reply = engine.opening()
    for turn in trainee_turns:
        reply = engine.respond(turn)
    return reply
