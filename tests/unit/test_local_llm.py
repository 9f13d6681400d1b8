"""Local persona replies: a local OpenAI-compatible server when there is one, the script otherwise."""

import pytest
from livekit.agents import Agent, AgentSession, llm

from agent.providers.local import build
from agent.providers.local.llm import SCRIPT_MODEL, ScriptedPersonaLLM
from agent.providers.registry import build_components
from coach_app.calls.llm_server import probe_server
from coach_app.devtools.standin import Script, running_standin
from coach_app.personas.catalogue import get_persona
from coach_app.personas.prompt import build_instructions
from coach_app.settings import Settings
from tests.support.procs import free_port


@pytest.fixture
def persona():
    p = get_persona("billing-dispute-gold")
    assert p is not None
    return p


def built(settings: Settings, persona):
    """What the call is built with, and what the probe of the local LLM server found (None: no probe)."""
    components = build_components(settings, persona)
    return components, build.local_facts(settings, persona, components.plan).probe


def ctx(persona, *user_turns: str) -> llm.ChatContext:
    c = llm.ChatContext()
    c.add_message(role="system", content=build_instructions(persona))
    for t in user_turns:
        c.add_message(role="user", content=t)
    return c


async def test_scripted_llm_streams_the_engines_reply_as_chat_chunks(persona):
    model = ScriptedPersonaLLM(persona)
    metrics = []
    model.on("metrics_collected", metrics.append)
    chunks = []
    async with model.chat(chat_ctx=ctx(persona, "I understand your frustration.")) as stream:
        async for chunk in stream:
            chunks.append(chunk)
    text = "".join(c.delta.content for c in chunks if c.delta and c.delta.content)
    assert text == "Don't tell me you understand. Tell me what you're doing."
    assert len([c for c in chunks if c.delta and c.delta.content]) == 2  # sentence by sentence
    assert metrics and metrics[0].ttft >= 0 and metrics[0].metadata.model_name == SCRIPT_MODEL
    assert (model.provider, model.model) == ("scripted", "persona-script")


async def test_scripted_llm_opens_the_call_when_nothing_was_said_yet(persona):
    reply = await ScriptedPersonaLLM(persona).chat(chat_ctx=ctx(persona)).collect()
    assert reply.text == persona.phases.opening.lines[0]


async def test_scripted_llm_replays_the_conversation_state(persona):
    turns = [
        "Well, the autopay failed, that's your bank's fault.",
        "There's nothing I can do today, I'll transfer you to another department.",
    ]
    reply = await ScriptedPersonaLLM(persona).chat(chat_ctx=ctx(persona, *turns)).collect()
    assert reply.text in ("Then we're done here. Goodbye.", "Forget it. I'm done. Goodbye.")


async def test_scripted_llm_plays_the_persona_inside_an_agent_session(persona):
    async with AgentSession(llm=ScriptedPersonaLLM(persona)) as session:
        await session.start(Agent(instructions=build_instructions(persona)))
        result = await session.run(user_input="Can you tell me what happened from the beginning?")
        result.expect.next_event().is_message(role="assistant")
    said = [e.item.text_content for e in result.events if e.type == "message"]
    assert said == ["It is all in the notes. This is exactly why I am angry."]


async def test_no_server_configured_means_scripted(persona):
    call, probe = built(Settings(_env_file=None), persona)
    assert isinstance(call.llm, ScriptedPersonaLLM) and call.plan.llm.provider == "scripted"
    assert probe is None


async def test_unreachable_server_falls_back_to_the_script_and_says_why(persona, caplog):
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    call, probe = built(Settings(_env_file=None, local_llm_base_url=url), persona)
    assert call.plan.llm.provider == "scripted" and probe.reachable is False
    assert url in call.plan.llm.note
    assert "did not answer" in caplog.text and "replies are scripted" in caplog.text


async def test_reachable_openai_compatible_server_is_used_through_the_openai_plugin(persona):
    with running_standin(Script(replies=["Finally. Go on, then."])) as server:
        probe = probe_server(server.groq_base_url, "local")
        assert probe.reachable and "llama-3.3-70b-versatile" in probe.models
        # LOCAL_LLM_MODEL unset: the first model the server lists.
        call, probe = built(Settings(_env_file=None, local_llm_base_url=server.groq_base_url), persona)
        assert (call.plan.llm.provider, call.plan.llm.model, probe.reachable) == (
            "openai-compatible",
            "llama-3.3-70b-versatile",
            True,
        )
        reply = await call.llm.chat(chat_ctx=ctx(persona, "Hello, billing, how can I help?")).collect()
        assert reply.text == "Finally. Go on, then."
        chats = server.entries("chat")
        assert chats and chats[-1].detail.get("model") == "llama-3.3-70b-versatile"
        await call.llm.aclose()


async def test_time_limit_instruction_gets_a_goodbye_not_the_last_reply_again(persona):
    c = ctx(persona, "Can you tell me what happened from the beginning?")
    c.add_message(role="assistant", content="It is all in the notes. This is exactly why I am angry.")
    c.add_message(role="system", content="The call has reached its time limit and must end now.")
    reply = await ScriptedPersonaLLM(persona).chat(chat_ctx=c).collect()
    assert reply.text in ("Thank you. I have to go now. Goodbye.", "That's all, thanks. Bye.")


async def test_asked_to_speak_again_without_new_words_nudges_the_trainee(persona):
    c = ctx(persona)
    c.add_message(role="assistant", content=persona.phases.opening.lines[0])
    reply = await ScriptedPersonaLLM(persona).chat(chat_ctx=c).collect()
    assert reply.text == persona.phases.opening.lines[1]  # her other opening line, not a repeat
