"""How the scripted persona speaks: the persona file's third-person notes turned into lines.

Reactions in persona files describe what the customer does ("Says that it is all in the notes",
"Mentions the $35 fee", "Asks for a supervisor"). These helpers make them speakable: quoted words as
they are, a description in the first person, a hidden fact as the persona would say it, or a stock
line for what the reaction does (English and Thai; other languages use the English lines).
"""

from __future__ import annotations

import re

from coach_app.personas.schema import Persona

# --- making a reaction speakable -----------------------------------------------------------------

EN_LINES: dict[str, tuple[str, ...]] = {
    "supervisor": ("I want to speak to a supervisor.", "Put me through to your manager, please."),
    "cancel": ("You know what? I'm going to cancel and go with someone else.", "That's it. I'm cancelling."),
    "ask_when": ("Okay. So when will I actually see the money?", "And when exactly will that happen?"),
    "calm": ("Okay. Thank you. Go on.", "Alright. I appreciate that. Go on.", "Fine. Let's sort it out, then."),
    "grateful": ("Thank you. Honestly, nobody asked me that before.", "Thank you. I really appreciate that."),
    "confused": ("Sorry, I don't understand what that means.", "Can you say that in plain English?"),
    "end": ("I really have to go.", "Look, I don't have time for this."),
    "escalate": (
        "That's not good enough.",
        "I've already explained all of this.",
        "Don't give me that. I want this fixed.",
        "Are you even listening to me?",
    ),
    "deescalate": ("Okay. That's more like it.", "Alright. Go on.", "Thank you. That helps."),
    "nudge_high": (
        "So what are you actually going to do about it?",
        "I'm still waiting to hear what you'll do.",
        "I don't need a speech. I need this fixed.",
    ),
    "nudge_mid": ("Okay. And then what?", "Alright. What happens next?", "Go on."),
    "nudge_low": ("Okay.", "Alright, go on.", "Mm-hm. And?"),
    "accept": (
        "Alright. That's what I needed. Thank you for actually sorting it out.",
        "Okay. Thank you. That's all I wanted.",
    ),
    "closed": ("Thank you. I have to go now. Goodbye.", "That's all, thanks. Bye."),
    "walk_away": ("Then we're done here. Goodbye.", "Forget it. I'm done. Goodbye."),
    "after_walk_away": ("I've said what I had to say. Goodbye.",),
}
TH_LINES: dict[str, tuple[str, ...]] = {
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
EN_INTENTS: tuple[tuple[str, str], ...] = (
    (r"supervisor|manager", "supervisor"),
    (r"cancel|switch|competitor|leave|close the account", "cancel"),
    (r"asks? (?:when|how soon)|when (?:she|he) will", "ask_when"),
    (r"grateful|thanks?\b|thanks them", "grateful"),
    (r"does not understand|doesn't understand|confused|what that means", "confused"),
    (r"end the call|wind down|hangs? up", "end"),
    (
        r"calm|lowers|softens|warms|relax|pauses|continue|follows along|breathes|relief|stays on the line|"
        r"interested|curious|opens up|willing|listens|pleased|impressed",
        "calm",
    ),
    (
        r"snaps|angry|colder|cold|annoyed|irritable|frustrated|defensive|panics|pushes|pressure|clipped|"
        r"wary|hesitant|shorter|cuts in|interrupts|flat",
        "escalate",
    ),
)
TH_INTENTS: tuple[tuple[str, str], ...] = (
    ("หัวหน้า", "supervisor"),
    ("ยกเลิกบริการ|ย้ายไปค่าย|ย้ายค่าย", "cancel"),
    ("เมื่อไร", "ask_when"),
    ("ขอบคุณ", "grateful"),
    ("ไม่เข้าใจ", "confused"),
    ("ใจเย็น|อ่อนลง|ยอมฟัง|เงียบ|ยอมอยู่", "calm"),
    ("ห้วน|โกรธ|เย็นชา|โมโห|แทรก", "escalate"),
)
SAYS_THAT_RE = re.compile(
    r"^(?:says|snaps|replies|answers|complains|insists|adds|points out|explains|claims|reminds them|admits)"
    r"(?: sharply| flatly| coldly)?(?: that)?\s+(.+)$",
    re.I,
)
REVEAL_RE = re.compile(r"^(?:mentions|reveals|admits|remembers|opens up about|tells them about)\b", re.I)
STAGE_TH = ("ความโกรธ", "เสียง", "น้ำเสียง", "ฟังดู", "เงียบไป")


def first_person(text: str) -> str:
    """Third-person description -> first-person speech (English, good enough for a script)."""
    t = " " + text.strip() + " "
    rules = [
        (r"\b(?:she|he) is\b", "I am"),
        (r"\b(?:she|he)'s\b", "I'm"),
        (r"\b(?:she|he) was\b", "I was"),
        (r"\b(?:she|he) has\b", "I have"),
        (r"\b(?:she|he) does\b", "I do"),
        (r"\b(?:she|he) doesn't\b", "I don't"),
        (r"\b(?:herself|himself)\b", "myself"),
        (r"\bhers\b", "mine"),
        (r"\b(?:she|he)\b", "I"),
        (
            r"\b(charged|offered|told|gave|sent|called|asked|owes?|cost|paid|pays|promised|hurt|helped|left|"
            r"bought|sold|billed)\s+(?:her|him)\b",
            r"\1 me",
        ),
        (r"\b(?:her|his)\b", "my"),
        (r"\bhim\b", "me"),
        (r"\band is\b", "and am"),
        (r"\bI (?:mentions|wants|needs|likes|works|sleeps|spends|misses|guesses)\b", lambda m: m.group(0)[:-1]),
    ]
    for pat, rep in rules:
        t = re.sub(pat, rep, t, flags=re.I)
    t = re.sub(r"\bI am not able\b", "I can't", t)
    t = t.strip()
    t = re.sub(r"^(?:i)\b", "I", t)
    return t[:1].upper() + t[1:]


def sentence(text: str) -> str:
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
    return " ".join(sentence(first_person(c)) for c in clauses)


TH_QUESTION_RE = re.compile(r"(?:ไหม|เมื่อไร|เมื่อไหร่|ยังไง|อย่างไร|หรือเปล่า|ที่ไหน|ทำไม|บ้าง)$")


def thai_particle(persona: Persona) -> str:
    text = " ".join(persona.phases.opening.lines)
    return "ครับ" if "ครับ" in text and "ค่ะ" not in text else "ค่ะ"
