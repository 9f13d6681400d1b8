"""Speaking analytics on hand-computed transcripts (every expected number worked out by hand)."""

import pytest

from coach_app.feedback import analytics as a
from coach_app.feedback.analytics import TurnData, compute_analytics, turn_data


def T(seq, speaker, start, end, text, e2e=None):
    return {"seq": seq, "speaker": speaker, "start": start, "end": end, "text": text, "e2e_latency": e2e}


# An English billing call. Word counts: 7, 8, 9, 14, 6, 1, 15, 2.
ENGLISH_CALL = [
    T(0, "persona", 0.0, 4.0, "Hello, this is Dana from billing support."),
    T(1, "trainee", 5.0, 11.0, "Um, hi Dana. What happened with your bill?"),
    T(2, "persona", 12.0, 20.0, "I was charged twice and nobody answers the phone.", e2e=1.2),
    T(3, "trainee", 18.0, 30.0, "Uh, I mean, is that the March invoice? You know, I can check it."),
    T(4, "trainee", 31.0, 40.0, "Let me look at the account."),
    T(5, "persona", 41.5, 50.0, "Fine.", e2e=1.8),
    T(6, "trainee", 50.0, 70.0, "Thanks for waiting. Could you tell me when you noticed it? Was it this month?"),
    T(7, "persona", 72.0, 75.0, "Last week.", e2e=2.4),
]


@pytest.fixture
def call():
    return turn_data(ENGLISH_CALL)


def test_word_counts_split_on_non_letters_and_keep_contractions():
    assert a.word_count("Hello, this is Dana from billing support.") == 7
    assert a.word_count("I don't know\u2014it's 24/7!") == 6  # i, don't, know, it's, 24, 7
    assert a.tokens("Don\u2019t panic") == ["don't", "panic"]
    assert a.word_count("") == 0


def test_talk_time_and_ratio(call):
    assert a.talk_time(call) == {"trainee": 47.0, "persona": 23.5}
    assert a.talk_ratio(call) == pytest.approx(47 / 70.5)
    assert a.talk_ratio([]) is None


def test_words_per_minute_uses_speaking_time(call):
    assert a.words_per_minute(call) == pytest.approx(43 / 47 * 60)
    assert a.words_per_minute(call, speaker="persona") == pytest.approx(19 / 23.5 * 60)


def test_pace_spreads_a_turn_over_the_minutes_it_spans(call):
    # minute 1: 8 + 14 + 6 words in 27 s, plus half of turn 6 (7.5 words in 10 s) -> 35.5 words / 37 s
    # minute 2: the other half of turn 6 -> 7.5 words / 10 s = 45 wpm
    assert a.pace_by_minute(call) == [
        {"minute": 1, "words": 35.5, "speaking_seconds": 37.0, "wpm": 57.6},
        {"minute": 2, "words": 7.5, "speaking_seconds": 10.0, "wpm": 45.0},
    ]


def test_pace_reports_silent_minutes_as_gaps():
    turns = turn_data([T(0, "trainee", 0, 30, "one two three"), T(1, "persona", 60, 150, "a b")])
    pace = a.pace_by_minute(turns)
    assert [p["minute"] for p in pace] == [1, 2, 3]
    assert pace[0]["wpm"] == 6.0
    assert pace[1]["wpm"] is None and pace[2]["wpm"] is None


def test_fillers_match_whole_words_and_phrases(call):
    f = a.filler_words(call)
    assert f["counts"] == {"i mean": 1, "uh": 1, "um": 1, "you know": 1}
    assert f["total"] == 4
    assert f["per_100_words"] == round(4 / 43 * 100, 2)


def test_filler_list_is_configurable_and_never_matches_inside_words():
    turns = turn_data([T(0, "trainee", 0, 10, "It is likely, like, fine. Like I said, um, basically fine.")])
    assert a.filler_words(turns, fillers=["like"])["counts"] == {"like": 2}
    assert a.filler_words(turns)["counts"] == {"basically": 1, "um": 1}


def test_longest_monologue_joins_consecutive_trainee_turns(call):
    assert a.longest_monologue(call) == {
        "seconds": 22.0,
        "words": 20,
        "start": 18.0,
        "end": 40.0,
        "first_seq": 3,
        "last_seq": 4,
    }
    assert a.longest_monologue(turn_data([T(0, "persona", 0, 5, "hi")])) is None


def test_questions_open_and_closed(call):
    q = a.questions(call)
    assert (q["open"], q["closed"], q["total"]) == (2, 2, 4)
    assert [(i["seq"], i["kind"], i["text"]) for i in q["items"]] == [
        (1, "open", "What happened with your bill?"),
        (3, "closed", "Uh, I mean, is that the March invoice?"),
        (6, "open", "Could you tell me when you noticed it?"),
        (6, "closed", "Was it this month?"),
    ]


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("So, how did that happen?", "open"),
        ("Um, you know, why is that?", "open"),  # fillers before the question word are skipped
        ("Tell me more about the charge.", "open"),
        ("Can you walk me through it?", "open"),
        ("Did you get the refund?", "closed"),
        ("You paid twice?", "closed"),
        ("What a mess.", None),
        ("I understand.", None),
        ("why did it fail", "open"),  # no punctuation at all: word order decides
        ("can you see the invoice", "closed"),
        ("is it ready", "closed"),
        ("do that again", None),
    ],
)
def test_english_question_classification(sentence, kind):
    assert a.classify_question(sentence, "en-US") == kind


def test_interruptions_are_trainee_turns_starting_while_persona_speaks(call):
    assert a.interruptions(call) == [{"trainee_seq": 3, "persona_seq": 2, "at": 18.0, "overlap": 2.0}]


def test_response_times_skip_interruptions_and_continuations(call):
    # persona 0 ends 4.0 -> trainee 1 at 5.0; persona 5 ends 50.0 -> trainee 6 at 50.0
    assert a.response_times(call) == [1.0, 0.0]
    assert a.persona_gaps(call) == [1.0, 1.5, 2.0]


def test_compute_analytics_gathers_everything(call):
    r = compute_analytics(ENGLISH_CALL, "en-GB")
    assert r["language"] == "en"
    assert r["turns"] == {"trainee": 4, "persona": 4}
    assert r["call_seconds"] == 75.0
    assert r["talk_seconds"] == {"trainee": 47.0, "persona": 23.5}
    assert r["talk_ratio"] == 0.6667
    assert r["words"] == {"trainee": 43, "persona": 19}
    assert r["wpm"] == 54.9
    assert r["persona_wpm"] == 48.5
    assert r["fillers"]["total"] == 4
    assert r["longest_monologue"]["seconds"] == 22.0
    assert (r["questions"]["open"], r["questions"]["closed"]) == (2, 2)
    assert r["interruptions"]["count"] == 1
    assert r["response_time_avg"] == 0.5
    assert r["persona_latency_avg"] == 1.8
    assert r["persona_gap_avg"] == 1.5
    assert [x["seq"] for x in r["latency"]] == [2, 5, 7]
    assert [x["e2e_latency"] for x in r["latency"]] == [1.2, 1.8, 2.4]


def test_turn_rows_are_ordered_by_start_and_accept_enum_speakers():
    from coach_app.models import Speaker, Turn

    rows = [
        Turn(session_id=1, seq=1, speaker=Speaker.trainee, text="b", start=3.0, end=4.0),
        Turn(session_id=1, seq=0, speaker=Speaker.persona, text="a", start=0.0, end=2.0, e2e_latency=0.9),
    ]
    ts = turn_data(rows)
    assert [(t.seq, t.speaker, t.e2e_latency) for t in ts] == [(0, "persona", 0.9), (1, "trainee", None)]


def test_empty_call_gives_empty_analytics():
    r = compute_analytics([], "en")
    assert r["talk_ratio"] is None and r["wpm"] is None and r["pace"] == []
    assert r["fillers"] == {"total": 0, "per_100_words": None, "counts": {}}
    assert r["response_time_avg"] is None and r["persona_latency_avg"] is None


# A Thai call. Thai has no spaces between words: they are segmented with a dictionary.
THAI_CALL = [
    T(0, "persona", 0.0, 3.0, "สวัสดีครับ"),  # สวัสดี|ครับ = 2
    T(1, "trainee", 4.0, 8.0, "เอ่อ คุณได้รับบิลเมื่อไหร่ครับ"),  # เอ่อ|คุณ|ได้รับ|บิล|เมื่อไหร่|ครับ = 6
    T(2, "persona", 9.0, 12.0, "ขอบคุณครับ", e2e=1.1),  # 2
    # อืม|ผม|อ่าน|แล้ว|แบบ|ว่า|ไม่|เข้าใจ|ได้รับ|บิล|แล้ว|ใช่ไหม|ครับ = 13
    T(3, "trainee", 13.0, 19.0, "อืม ผมอ่านแล้ว แบบว่าไม่เข้าใจ ได้รับบิลแล้วใช่ไหมครับ"),
]


def test_thai_words_fillers_and_questions():
    ts = turn_data(THAI_CALL)
    assert a.word_count("เอ่อ คุณได้รับบิลเมื่อไหร่ครับ", "th") == 6
    r = compute_analytics(THAI_CALL, "th-TH")
    assert r["words"] == {"trainee": 19, "persona": 4}
    assert r["wpm"] == 114.0  # 19 words in 10 s
    # "อ่า" (uh) is not counted inside "อ่าน" (read)
    assert r["fillers"]["counts"] == {"อืม": 1, "เอ่อ": 1, "แบบว่า": 1}
    assert r["fillers"]["per_100_words"] == round(3 / 19 * 100, 2)
    assert [(i["kind"], i["text"]) for i in a.questions(ts, "th")["items"]] == [
        ("open", "คุณได้รับบิลเมื่อไหร่ครับ"),
        ("closed", "ได้รับบิลแล้วใช่ไหมครับ"),
    ]


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("ทำไมถึงเป็นแบบนั้นคะ", "open"),
        ("มีอะไรให้ช่วยไหมครับ", "closed"),  # ends with the yes/no particle ไหม
        ("ไม่มีอะไรครับ", None),  # "nothing": a question word that is not a question
        ("จริงเหรอ", "closed"),
        ("โอเคครับ", None),
    ],
)
def test_thai_question_classification(sentence, kind):
    assert a.classify_question(sentence, "th") == kind


def test_unknown_language_falls_back_to_english_rules():
    assert a.classify_question("What now?", "xx") == "open"
    assert isinstance(turn_data([T(0, "trainee", 0, 1, "x")])[0], TurnData)
