"""Per-language word lists for the speaking analytics (data only, no logic).

Filler lists can be replaced per language with the `FEEDBACK_FILLER_WORDS` setting
(JSON, e.g. `{"en": ["um", "uh", "you know"]}`). Phrases are matched as whole token sequences,
so "like" never matches inside "likely" and Thai "อ่า" never matches inside "อ่าน".
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LanguageRules:
    # Hesitations and verbal tics counted as filler words.
    fillers: tuple[str, ...]
    # Question words that start an open question (cannot be answered yes/no).
    open_starters: tuple[str, ...] = ()
    # Requests that invite an open answer even without a question mark ("Tell me more.").
    open_prompts: tuple[str, ...] = ()
    # Auxiliaries that start a closed (yes/no) question.
    closed_starters: tuple[str, ...] = ()
    # Subjects after an auxiliary that make an unpunctuated sentence a question ("can you ...").
    subjects: tuple[str, ...] = ()
    # After a closed starter, these make the request open ("could you tell me ...").
    open_after_aux: tuple[str, ...] = ()
    # Lead-ins skipped before classifying ("so, what happened?").
    lead_ins: tuple[str, ...] = ()
    # Question words anywhere in a sentence (languages without a fixed question word order, e.g. Thai).
    open_markers: tuple[str, ...] = ()
    # Phrases where a question word is not a question ("ไม่มีอะไร" = "nothing"); removed first.
    not_questions: tuple[str, ...] = ()
    # Sentence-final particles that make a yes/no question.
    closed_particles: tuple[str, ...] = ()
    # Politeness particles stripped from the end before looking for a question particle.
    trailing_particles: tuple[str, ...] = field(default=())
    # True when words are not separated by spaces (needs a word segmenter).
    unspaced: bool = False


ENGLISH = LanguageRules(
    fillers=(
        "um",
        "umm",
        "uh",
        "uhh",
        "uhm",
        "er",
        "erm",
        "hmm",
        "mm",
        "you know",
        "i mean",
        "basically",
        "literally",
        "sort of",
        "kind of",
    ),
    open_starters=("what", "why", "how", "where", "when", "who", "whom", "whose", "which"),
    open_prompts=("tell me", "walk me through", "describe", "explain", "help me understand"),
    closed_starters=(
        "is",
        "are",
        "am",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "will",
        "should",
        "shall",
        "may",
        "might",
        "have",
        "has",
        "had",
        "isn't",
        "aren't",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "couldn't",
        "wouldn't",
        "won't",
        "haven't",
        "hasn't",
    ),
    subjects=("i", "you", "we", "they", "he", "she", "it", "there", "your", "my", "our"),
    open_after_aux=(
        "you tell me",
        "you explain",
        "you describe",
        "you walk me through",
        "you help me understand",
    ),
    lead_ins=("so", "and", "but", "okay", "ok", "well", "right", "now", "then", "alright", "also"),
)

THAI = LanguageRules(
    fillers=("เอ่อ", "อ่า", "อืม", "อื้ม", "เอ้อ", "แบบว่า", "คือว่า", "ประมาณว่า", "ก็คือแบบ"),
    open_markers=(
        "อะไร",
        "ทำไม",
        "อย่างไร",
        "ยังไง",
        "เมื่อไร",
        "เมื่อไหร่",
        "ที่ไหน",
        "ตรงไหน",
        "ใคร",
        "เท่าไร",
        "เท่าไหร่",
        "แบบไหน",
        "อันไหน",
        "กี่",
        "ช่วยเล่า",
        "เล่าให้ฟัง",
        "อธิบาย",
    ),
    not_questions=("ไม่มีอะไร", "ไม่เป็นไร", "อะไรก็ได้", "ที่ไหนก็ได้", "ยังไงก็ได้", "ยังไงก็ตาม", "ใครก็ได้"),
    closed_particles=(
        "ใช่ไหม",
        "ใช่มั้ย",
        "ไหม",
        "มั้ย",
        "มั๊ย",
        "หรือเปล่า",
        "รึเปล่า",
        "หรือไม่",
        "หรือยัง",
        "รึยัง",
        "เหรอ",
        "หรอ",
        "หรือ",
    ),
    trailing_particles=("ครับ", "คะ", "ค่ะ", "ค๊ะ", "นะ", "จ๊ะ", "จ้ะ", "ฮะ"),
    unspaced=True,
)

LANGUAGES: dict[str, LanguageRules] = {"en": ENGLISH, "th": THAI}


def base_language(code: str | None) -> str:
    """'en-GB' -> 'en', 'th-TH' -> 'th'; unknown or empty -> 'en'."""
    return (code or "en").split("-")[0].split("_")[0].lower() or "en"


def rules_for(code: str | None) -> LanguageRules:
    """Rules for a BCP-47 code, English for languages we have no lists for."""
    return LANGUAGES.get(base_language(code), ENGLISH)
