"""The scripted persona's choices, on the shipped billing-dispute personas (English and Thai)."""

import pytest

from agent.providers.local.script_engine import ScriptedPersona, reply_for
from agent.providers.local.script_lines import speakable_fact
from coach_app.personas.catalogue import get_catalogue, get_persona


@pytest.fixture
def margaret():
    p = get_persona("billing-dispute-gold")
    assert p is not None
    return ScriptedPersona(p)


@pytest.fixture
def wilaiwan():
    p = get_persona("billing-dispute-gold-th")
    assert p is not None
    return ScriptedPersona(p)


def test_opens_with_the_persona_files_first_line(margaret):
    r = margaret.opening()
    assert r.kind == "opening"
    assert r.text == margaret.persona.phases.opening.lines[0]
    assert r.intensity == 8


def test_asking_her_to_repeat_the_story_escalates_in_her_words(margaret):
    margaret.opening()
    r = margaret.respond("Can you tell me what happened from the beginning?")
    assert r.kind == "escalation" and r.intensity == 9
    assert r.text == "It is all in the notes. This is exactly why I am angry."


def test_scripted_empathy_gets_the_quoted_reaction(margaret):
    margaret.opening()
    r = margaret.respond("I understand your frustration.")
    assert r.text == "Don't tell me you understand. Tell me what you're doing."
    assert "scripted apology" in r.matched


def test_refund_in_days_without_reference_brings_up_kevin_and_a_supervisor(margaret):
    margaret.opening()
    r = margaret.respond("I'll make sure the refund goes through in 3 to 5 business days.")
    assert r.kind == "escalation"
    assert r.text.startswith("That is exactly what Kevin said.")
    assert "supervisor" in r.text or "manager" in r.text


def test_same_words_with_a_reference_number_do_not_trigger_that_escalation(margaret):
    margaret.opening()
    r = margaret.respond("I've processed the refund, you'll see it in 3 to 5 days, your reference number is RF1234.")
    assert r.kind != "escalation"


def test_specific_apology_deescalates_and_a_bare_one_does_not(margaret):
    margaret.opening()
    bare = margaret.respond("I'm sorry.")
    assert bare.kind != "deescalation"
    r = margaret.respond("I'm so sorry about the double charge, and that the two promises we made were broken.")
    assert r.kind == "deescalation" and r.intensity < bare.intensity


def test_asking_about_impact_reveals_the_hidden_overdraft_fee_once(margaret):
    margaret.opening()
    r = margaret.respond("How has this affected you?")
    assert r.kind == "deescalation"
    assert "My bank charged me a $35 overdraft fee" in r.text
    again = margaret.respond("I can cover that overdraft fee with a goodwill credit.")
    assert "$35 overdraft fee" not in again.text  # not repeated word for word


def test_resolution_when_every_criterion_is_met(margaret):
    margaret.opening()
    margaret.respond(
        "I've refunded the $94.99 duplicate charge and waived the $25 late fee right now. "
        "Your reference number is RF1234."
    )
    assert margaret.state == "talking"
    r = margaret.respond(
        "The money will be back in your account by tomorrow, and I'll send you an email "
        "confirmation and call you back personally."
    )
    assert r.kind == "accept" and margaret.state == "resolved"
    assert margaret.respond("Anything else I can help with?").kind == "closed"


def test_blaming_her_warns_first_then_she_walks_away(margaret):
    margaret.opening()
    first = margaret.respond("Well, the autopay failed, that's really your bank's fault.")
    assert first.kind == "escalation" and "cancel" in first.text.lower()
    second = margaret.respond("There's nothing I can do today, I'll transfer you to another department.")
    assert second.kind == "walk_away" and margaret.state == "walked_away"
    assert margaret.respond("Hello?").kind == "closed"


def test_unmatched_turns_get_a_nudge_that_uses_her_other_opening_line(margaret):
    margaret.opening()
    r = margaret.respond("Let me pull up your account.")
    assert r.kind == "nudge"
    assert r.text == margaret.persona.phases.opening.lines[1]
    later = margaret.respond("Okay, one moment please.")
    assert later.kind == "nudge" and later.text != r.text


def test_thai_persona_reacts_in_thai_with_her_particles(wilaiwan):
    wilaiwan.opening()
    r = wilaiwan.respond("ช่วยเล่าเรื่องทั้งหมดให้ฟังใหม่ตั้งแต่ต้นได้ไหมคะ")
    assert r.kind == "escalation" and r.text == "มีบันทึกอยู่แล้วทุกอย่าง นี่แหละคือเหตุผลที่โมโหค่ะ"
    r = wilaiwan.respond("จะคืนเงินภายใน 7 วันทำการค่ะ")
    assert r.kind == "escalation" and r.text.startswith("น้องเอก็พูดแบบนี้") and "หัวหน้า" in r.text


def test_thai_apology_is_not_mistaken_for_blame(wilaiwan):
    """ขอโทษ (sorry) contains โทษ (blame): the apology must de-escalate."""
    wilaiwan.opening()
    r = wilaiwan.respond("ขอโทษจริง ๆ ค่ะที่ตัดเงินซ้ำ และที่สัญญาไว้สองครั้งแต่ไม่ได้ทำ")
    assert r.kind == "deescalation"


def test_thai_resolution(wilaiwan):
    wilaiwan.opening()
    wilaiwan.respond("ดิฉันคืนเงิน 1,290 บาทและยกเลิกค่าปรับ 100 บาทให้แล้วค่ะ เลขที่อ้างอิง RF1234")
    r = wilaiwan.respond("เงินจะเข้าบัตรภายในวันนี้ค่ะ และจะส่งอีเมลยืนยันและโทรกลับไปติดตามค่ะ")
    assert r.kind == "accept" and r.text.startswith("ขอบคุณ")


def test_hidden_facts_are_turned_into_first_person_speech():
    assert speakable_fact("She has a client meeting in 20 minutes and is short on time.", False) == (
        "I have a client meeting in 20 minutes and am short on time."
    )
    assert (
        speakable_fact("A competitor offered her a cheaper fibre plan last week; she has the quote open.", False)
        == "A competitor offered me a cheaper fibre plan last week. I have the quote open."
    )


def test_replay_is_deterministic_for_a_seed():
    p = get_persona("billing-dispute-gold")
    turns = ["Hello, how can I help?", "I'm sorry.", "Let me check."]
    assert reply_for(p, turns, seed=3) == reply_for(p, turns, seed=3)
    assert reply_for(p, []).kind == "opening"


def test_every_shipped_persona_holds_a_conversation():
    turns = [
        "Hello, thanks for calling.",
        "I'm sorry about that.",
        "Can you tell me what happened?",
        "I can fix that for you right now.",
        "Is there anything else?",
    ]
    catalogue = get_catalogue()
    assert len(catalogue.personas) >= 2
    for persona in catalogue.personas.values():
        engine = ScriptedPersona(persona)
        engine.opening()
        for t in turns:
            r = engine.respond(t)
            assert r.text.strip(), (persona.id, t)
            assert "trainee" not in r.text.lower() and "ผู้ฝึก" not in r.text, (persona.id, r.text)
