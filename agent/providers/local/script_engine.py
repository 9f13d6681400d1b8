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

The engine is pure and deterministic: `reply_for(persona, trainee_turns)` replays the whole
conversation, so the LLM wrapper can rebuild the state from the chat context on every turn.
English and Thai have stock lines and concept lexicons; other languages use the persona's own
text (quotes, opening lines) and English stock lines.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache

from coach_app.personas.schema import Persona

# --- text helpers --------------------------------------------------------------------------------

_QUOTE_RE = re.compile(r"[\"“”«»]([^\"“”«»]{2,})[\"“”«»]")
_THAI_RE = re.compile(r"[\u0E00-\u0E7F]")
_NUM_RE = re.compile(r"\d+(?:[.,]\d+)*")

_EN_STOP = set(
    """a an the and or but if of to in on at by for with from as is are was were be been being it its
    this that these those there here i you he she we they me him her us them my your his our their
    mine yours hers ours theirs do does did done doing have has had having will would can could
    should shall may might must not no nor so too very just than then about into over after before
    again once what which who whom whose when where why how all any both each few more most other
    some such only own same also up down out off under until while during through trainee trainees
    customer call person someone something says say said asks ask asked their them one two
    get gets got make makes made tell tells told say's being instead without within already still
    really actually way thing things lot""".split()
)
_TH_EXTRA_STOP = {"ผู้ฝึก", "เธอ", "เขา", "ลูกค้า", "คุณ", "ค่ะ", "คะ", "ครับ", "นะ", "ว่า", "และ", "หรือ", "ที่", "ให้"}


def is_thai(text: str) -> bool:
    return bool(_THAI_RE.search(text))


def _stem(word: str) -> str:
    w = word.lower().strip("'")
    for suffix in ("ational", "ations", "ation", "ising", "izing", "ised", "ized", "ises", "izes", "ings", "ing",
                   "ies", "ied", "ed", "es", "ly", "s"):
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

        return frozenset(thai_stopwords()) | frozenset(_TH_EXTRA_STOP)
    except Exception:  # noqa: BLE001 - corpus missing: fall back to the short list
        return frozenset(_TH_EXTRA_STOP)


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
        if tok.lower() not in _EN_STOP and len(tok) > 2:
            words.add(_stem(tok))
    return words | _numbers(text)


def _norm(text: str) -> str:
    return re.sub(r"[^\w$ ]+", " ", text.lower()).replace("  ", " ").strip()


# --- concepts: what a turn does, in words people actually say -----------------------------------

# English phrases are matched on whole words (after lowercasing); Thai ones as substrings.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "apology": ("sorry", "apologise", "apologize", "apologies", "apology", "my fault", "our fault",
                "ขอโทษ", "ขออภัย"),
    "understand": ("i understand", "understand your", "i hear you", "frustration", "frustrating",
                   "เข้าใจ"),
    "refund": ("refund", "refunded", "refunding", "reverse", "reversed", "reversal", "money back",
               "reimburse", "credited", "credit it", "คืนเงิน", "เงินคืน", "โอนคืน"),
    "waive": ("waive", "waived", "waiving", "remove the fee", "removed the fee", "cancel the fee",
              "late fee", "fee waiver", "ยกเลิกค่าปรับ", "ค่าปรับ"),
    "reference": ("reference number", "reference", "confirmation number", "case number", "ticket number",
                  "เลขที่อ้างอิง", "เลขอ้างอิง", "หมายเลขอ้างอิง"),
    "repeat": ("repeat", "again from", "start over", "from the beginning", "whole story",
               "tell me what happened", "explain what happened", "walk me through", "account number",
               "เล่าใหม่", "ตั้งแต่ต้น", "เล่าให้ฟัง", "เล่าเรื่อง", "ขอเลขบัญชี", "ขอทราบเลข"),
    "wait_days": ("3-5 days", "3 to 5", "three to five", "five to seven", "working days", "business days",
                  "few days", "within a week", "7 วัน", "เจ็ดวัน", "วันทำการ"),
    "blame": ("your bank", "the bank", "autopay", "your fault", "you should have", "the system",
              "not our fault", "ธนาคาร", "ความผิดของคุณ", "ความผิดของลูกค้า", "ระบบตัดบัตร", "โทษระบบ", "โทษลูกค้า"),
    "impact": ("affect", "affected", "impact", "how has this", "how did this", "what did this",
               "cost you", "caused you", "กระทบ", "ผลกระทบ", "เดือดร้อน"),
    "overdraft": ("overdraft", "bank fee", "bank charge", "bank charged", "ค่าธรรมเนียม"),
    "compensate": ("cover", "goodwill", "compensate", "compensation", "credit", "ชดเชย", "เครดิต"),
    "time": ("your time", "meeting", "quick", "brief", "short", "won't keep you", "in a hurry",
             "นัด", "เวลา", "สั้น ๆ", "กระชับ"),
    "followup": ("email", "call you back", "callback", "follow up", "follow-up", "confirmation",
                 "personally", "myself", "อีเมล", "โทรกลับ", "ติดตาม", "รับผิดชอบ"),
    "when_money": ("will see", "reach your", "in your account", "by tomorrow", "by friday", "arrive",
                   "within 24", "today", "เมื่อไร", "เข้าบัญชี", "เข้าบัตร", "ภายในวันนี้"),
    "duplicate": ("double", "twice", "duplicate", "two charges", "charged twice", "ตัดซ้ำ", "สองครั้ง", "ซ้ำ"),
    "promise": ("promise", "promised", "broken", "kevin", "last time", "previous", "สัญญา"),
    "transfer": ("transfer you", "another department", "nothing i can do", "nothing we can do",
                 "can't do anything", "not possible today", "โอนสาย", "แผนกอื่น", "ทำอะไรไม่ได้"),
    "supervisor": ("supervisor", "manager", "หัวหน้า"),
    "action": ("refund", "waive", "process", "processed", "processing", "right now", "i've done",
               "i have done", "done that", "fixed", "คืนเงิน", "ดำเนินการ", "ยกเลิกค่าปรับ"),
}
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
            negated |= (concepts_in(m.group(1)) - {"action"}) | ({"action"} if "action" in m.group(1).lower() else set())
            if is_thai(m.group(1)) and ("แก้ไข" in m.group(1) or "ทำอะไร" in m.group(1)):
                negated.add("action")
        concepts = concepts_in(when) - negated - {"action"}
        quotes = tuple(_norm(q) for q in _QUOTE_RE.findall(when))
        return cls(kind, index, when, reaction, frozenset(content_words(when)), frozenset(concepts),
                   frozenset(negated), quotes)

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


# --- making a reaction speakable -----------------------------------------------------------------

_EN_LINES: dict[str, tuple[str, ...]] = {
    "supervisor": ("I want to speak to a supervisor.", "Put me through to your manager, please."),
    "cancel": ("You know what? I'm going to cancel and go with someone else.",
               "That's it. I'm cancelling."),
    "ask_when": ("Okay. So when will I actually see the money?", "And when exactly will that happen?"),
    "calm": ("Okay. Thank you. Go on.", "Alright. I appreciate that. Go on.",
             "Fine. Let's sort it out, then."),
    "grateful": ("Thank you. Honestly, nobody asked me that before.", "Thank you. I really appreciate that."),
    "confused": ("Sorry, I don't understand what that means.", "Can you say that in plain English?"),
    "end": ("I really have to go.", "Look, I don't have time for this."),
    "escalate": ("That's not good enough.", "I've already explained all of this.",
                 "Don't give me that. I want this fixed.", "Are you even listening to me?"),
    "deescalate": ("Okay. That's more like it.", "Alright. Go on.", "Thank you. That helps."),
    "nudge_high": ("So what are you actually going to do about it?", "I'm still waiting to hear what you'll do.",
                   "I don't need a speech. I need this fixed."),
    "nudge_mid": ("Okay. And then what?", "Alright. What happens next?", "Go on."),
    "nudge_low": ("Okay.", "Alright, go on.", "Mm-hm. And?"),
    "accept": ("Alright. That's what I needed. Thank you for actually sorting it out.",
               "Okay. Thank you. That's all I wanted."),
    "closed": ("Thank you. I have to go now. Goodbye.", "That's all, thanks. Bye."),
    "walk_away": ("Then we're done here. Goodbye.", "Forget it. I'm done. Goodbye."),
    "after_walk_away": ("I've said what I had to say. Goodbye.",),
}
_TH_LINES: dict[str, tuple[str, ...]] = {
    "supervisor": ("ขอสายหัวหน้าได้ไหม", "ขอคุยกับหัวหน้าเลย"),
    "cancel": ("ถ้าเป็นแบบนี้ ยกเลิกบริการเลยดีกว่า จะย้ายไปค่ายอื่น", "พอแล้ว ยกเลิกเลย"),
    "ask_when": ("แล้วจะได้เงินคืนเมื่อไร", "แล้วจะเรียบร้อยเมื่อไร"),
    "calm": ("โอเค ว่ามา", "เข้าใจแล้ว ว่าต่อเลย", "ก็ได้ งั้นจัดการให้เรียบร้อยนะ"),
    "grateful": ("ขอบคุณนะที่ถามเรื่องนี้ ไม่เคยมีใครถามเลย", "ขอบคุณมากนะ"),
    "confused": ("ไม่เข้าใจเลย ช่วยพูดให้ง่ายกว่านี้หน่อย",),
    "end": ("ไม่มีเวลาแล้วนะ",),
    "escalate": ("แบบนี้ไม่ได้นะ", "บอกไปหมดแล้วนะ", "ฟังอยู่หรือเปล่า"),
    "deescalate": ("โอเค แบบนี้ค่อยยังชั่ว", "ก็ได้ ว่าต่อ", "ขอบคุณ แบบนี้ค่อยดีหน่อย"),
    "nudge_high": ("ตกลงจะทำอะไรให้บ้าง", "ยังรอฟังอยู่นะว่าจะแก้ยังไง", "ไม่ต้องอธิบายยาว แก้ให้ได้ก่อน"),
    "nudge_mid": ("แล้วยังไงต่อ", "แล้วต่อจากนี้ล่ะ", "ว่าต่อ"),
    "nudge_low": ("โอเค", "ค่ะ ว่าต่อ", "แล้วไงต่อ"),
    "accept": ("โอเค แบบนี้แหละที่ต้องการ ขอบคุณที่จัดการให้จริง ๆ", "ขอบคุณ แค่นี้แหละที่ต้องการ"),
    "closed": ("ขอบคุณ ต้องไปแล้ว สวัสดี",),
    "walk_away": ("งั้นไม่ต้องคุยกันแล้ว สวัสดี", "พอแล้ว ไม่คุยแล้ว"),
    "after_walk_away": ("พูดไปหมดแล้ว สวัสดี",),
}

# What a reaction does, recognised from its description -> stock line key.
_EN_INTENTS: tuple[tuple[str, str], ...] = (
    (r"supervisor|manager", "supervisor"),
    (r"cancel|switch|competitor|leave|close the account", "cancel"),
    (r"asks? (?:when|how soon)|when (?:she|he) will", "ask_when"),
    (r"grateful|thanks?\b|thanks them", "grateful"),
    (r"does not understand|doesn't understand|confused|what that means", "confused"),
    (r"end the call|wind down|hangs? up", "end"),
    (r"calm|lowers|softens|warms|relax|pauses|continue|follows along|breathes|relief|stays on the line|"
     r"interested|curious|opens up|willing|listens|pleased|impressed", "calm"),
    (r"snaps|angry|colder|cold|annoyed|irritable|frustrated|defensive|panics|pushes|pressure|clipped|"
     r"wary|hesitant|shorter|cuts in|interrupts|flat", "escalate"),
)
_TH_INTENTS: tuple[tuple[str, str], ...] = (
    ("หัวหน้า", "supervisor"),
    ("ยกเลิกบริการ|ย้ายไปค่าย|ย้ายค่าย", "cancel"),
    ("เมื่อไร", "ask_when"),
    ("ขอบคุณ", "grateful"),
    ("ไม่เข้าใจ", "confused"),
    ("ใจเย็น|อ่อนลง|ยอมฟัง|เงียบ|ยอมอยู่", "calm"),
    ("ห้วน|โกรธ|เย็นชา|โมโห|แทรก", "escalate"),
)
_SAYS_THAT_RE = re.compile(
    r"^(?:says|snaps|replies|answers|complains|insists|adds|points out|explains|claims|reminds them|admits)"
    r"(?: sharply| flatly| coldly)?(?: that)?\s+(.+)$",
    re.I,
)
_REVEAL_RE = re.compile(r"^(?:mentions|reveals|admits|remembers|opens up about|tells them about)\b", re.I)
_STAGE_TH = ("ความโกรธ", "เสียง", "น้ำเสียง", "ฟังดู", "เงียบไป")


def _first_person(text: str) -> str:
    """Third-person description -> first-person speech (English, good enough for a script)."""
    t = " " + text.strip() + " "
    rules = [
        (r"\b(?:she|he) is\b", "I am"), (r"\b(?:she|he)'s\b", "I'm"), (r"\b(?:she|he) was\b", "I was"),
        (r"\b(?:she|he) has\b", "I have"), (r"\b(?:she|he) does\b", "I do"), (r"\b(?:she|he) doesn't\b", "I don't"),
        (r"\b(?:herself|himself)\b", "myself"), (r"\bhers\b", "mine"),
        (r"\b(?:she|he)\b", "I"),
        (r"\b(charged|offered|told|gave|sent|called|asked|owes?|cost|paid|pays|promised|hurt|helped|left|"
         r"bought|sold|billed)\s+(?:her|him)\b", r"\1 me"),
        (r"\b(?:her|his)\b", "my"), (r"\bhim\b", "me"),
        (r"\band is\b", "and am"), (r"\bI (?:mentions|wants|needs|likes|works|sleeps|spends|misses|guesses)\b",
                                      lambda m: m.group(0)[:-1]),
    ]
    for pat, rep in rules:
        t = re.sub(pat, rep, t, flags=re.I)
    t = re.sub(r"\bI am not able\b", "I can't", t)
    t = t.strip()
    t = re.sub(r"^(?:i)\b", "I", t)
    return t[:1].upper() + t[1:]


def _sentence(text: str) -> str:
    text = text.strip().rstrip(",;- ")
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


_META_RE = re.compile(r"only if|if asked|unless|mentions it|until asked|forgets it|would value|happily", re.I)


def speakable_fact(fact: str, thai: bool) -> str:
    """A hidden fact as the persona would say it."""
    if thai:
        for marker in ("จะเล่า", "จะบอก", "ก็ต่อเมื่อ", " เธอ", " เขา"):
            i = fact.find(marker)
            if i > 0:
                fact = fact[:i]
        return fact.strip()
    clauses = [c for c in re.split(r";|\. ", fact) if c.strip() and not _META_RE.search(c)]
    return " ".join(_sentence(_first_person(c)) for c in clauses)


_TH_QUESTION_RE = re.compile(r"(?:ไหม|เมื่อไร|เมื่อไหร่|ยังไง|อย่างไร|หรือเปล่า|ที่ไหน|ทำไม|บ้าง)$")


def _thai_particle(persona: Persona) -> str:
    text = " ".join(persona.phases.opening.lines)
    return "ครับ" if "ครับ" in text and "ค่ะ" not in text else "ค่ะ"


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
        self.lines = _TH_LINES if self.thai else _EN_LINES
        self.intents = _TH_INTENTS if self.thai else _EN_INTENTS

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
        threshold = 0.75
        newly_met = [c.index for c in self.accepts
                     if c.index not in self.satisfied and c.score(words, concepts, text) >= threshold]
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
            particle = _thai_particle(self.persona)
            if particle == "ค่ะ" and _TH_QUESTION_RE.search(text):
                particle = "คะ"
            text = f"{text}{particle}"
        self.said.append(text)
        return Reply(text=text, kind=kind, intensity=self.intensity, matched=matched)

    def _pick(self, key: str) -> str:
        options = list(self.lines.get(key) or _EN_LINES[key])
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
        quotes = _QUOTE_RE.findall(reaction)
        if quotes:
            return " ".join(q.strip() if self.thai else _sentence(q.strip()) for q in quotes)
        if self.thai:
            return self._react_thai(cue)
        parts: list[str] = []
        main = re.split(r";", reaction)[0]
        for chunk in re.split(r",\s*(?:and\s+)?|\s+and\s+(?=(?:asks|says|moves|stays|lets|goes|gets|becomes|"
                              r"repeats|agrees|starts|thanks|decides|reads|follows)\b)", main):
            chunk = chunk.strip().rstrip(".")
            if not chunk:
                continue
            if _REVEAL_RE.match(chunk):
                fact = self._hidden_fact_for(chunk)
                if fact and not any(fact in s for s in self.said):
                    parts.append(fact)
                    continue
            m = _SAYS_THAT_RE.match(chunk)
            if m and not _QUOTE_RE.search(chunk):
                said = m.group(1)
                if re.match(r"(?:is|was|has)\b", said):  # "Says that is exactly what Kevin said"
                    said = "that " + said
                for piece in re.split(r"\s+and that\s+", said):
                    parts.append(_sentence(_first_person(piece)))
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
            said = reaction[i + 3:]
            chunks = [c for c in said.split() if c and not c.startswith(_STAGE_TH)]
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
