"""An agent that joins a call already under way (the first persona's worker died mid-call).

It carries on the same conversation: the recorded turns become its chat context, it does not say
the opening line again, and it apologises in character for the dropped line instead.
"""

from __future__ import annotations

from livekit.agents import llm

from agent.persona_agent import PersonaAgent
from coach_app.models import Speaker
from coach_app.personas.schema import Persona

# Said by the persona that comes back; languages without an entry use English.
REJOIN_LINES = {
    "en": "Sorry, the line dropped - you were saying?",
    "th": "ขอโทษนะ สายหลุดไป เมื่อกี้พูดว่าอะไรนะ",
    "es": "Perdone, se cortó la línea... ¿qué me decía?",
    "fr": "Pardon, la ligne a coupé... vous disiez ?",
    "de": "Entschuldigung, die Verbindung war weg... Was sagten Sie gerade?",
}


def rejoin_line(persona: Persona) -> str:
    return REJOIN_LINES.get(persona.language_code, REJOIN_LINES["en"])


def conversation_so_far(turns: list[tuple[Speaker, str]]) -> llm.ChatContext:
    """The recorded turns (in order) as the LLM's conversation: trainee = user, persona = assistant."""
    ctx = llm.ChatContext.empty()
    for speaker, text in turns:
        ctx.add_message(role="user" if speaker == Speaker.trainee else "assistant", content=text)
    return ctx


class RejoinedPersonaAgent(PersonaAgent):
    """The persona picking up a dropped call: says the rejoin line instead of the opening line."""

    async def on_enter(self) -> None:
        self.session.say(rejoin_line(self.persona))
