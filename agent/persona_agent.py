"""The persona as a livekit-agents Agent: its instructions, its opening line, its fixed lines."""

from __future__ import annotations

from collections.abc import AsyncIterable

from livekit.agents import Agent, ModelSettings, llm

from agent.call_mood import CallMood
from coach_app.personas.prompt import build_instructions, opening_line
from coach_app.personas.schema import Persona

# Said when a provider fails for good (the trainee hears a bad line, not silence).
# Gender-neutral wording; languages without an entry use English.
BREAKING_UP_LINES = {
    "en": "Sorry, you're breaking up... I didn't catch that. Could you say it again?",
    "th": "ขอโทษนะ สัญญาณขาด ๆ หาย ๆ ไม่ได้ยินเลย ช่วยพูดอีกทีได้ไหม",
    "es": "Perdone, se corta la línea... no le he oído. ¿Puede repetirlo?",
    "fr": "Pardon, ça coupe... je n'ai pas entendu. Vous pouvez répéter ?",
    "de": "Entschuldigung, die Verbindung ist schlecht... Können Sie das wiederholen?",
}

TIME_UP_INSTRUCTIONS = (
    "The call has reached its time limit and must end now. Staying fully in character and in your "
    "language, say one short, polite goodbye that fits how the conversation went (for example that "
    "you have to go now). Do not ask a question and do not start a new topic."
)


def breaking_up_line(persona: Persona) -> str:
    return BREAKING_UP_LINES.get(persona.language_code, BREAKING_UP_LINES["en"])


class PersonaAgent(Agent):
    """Speaks as the persona; opens the call with the persona's opening line. With a `CallMood`,
    each reply is told the customer's mood after the trainee's last turn (agent/call_mood.py)."""

    def __init__(self, persona: Persona, mood: CallMood | None = None) -> None:
        super().__init__(instructions=build_instructions(persona))
        self.persona = persona
        self.mood = mood

    async def llm_node(
        self, chat_ctx: llm.ChatContext, tools: list[llm.Tool], model_settings: ModelSettings
    ) -> AsyncIterable[llm.ChatChunk | str]:
        if self.mood is not None:
            chat_ctx = await self.mood.before_reply(chat_ctx)
        async for chunk in Agent.default.llm_node(self, chat_ctx, tools, model_settings):
            yield chunk

    async def on_enter(self) -> None:
        # The opening line is said as written (no LLM round trip): it is the first thing the
        # trainee hears, and the same every time for this persona.
        self.session.say(opening_line(self.persona))
