"""Commands that change the agent: its model, its tools, its memory; and asking again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder.cli.render import preview
from ponder.cli.repl import knowledge, sessions
from ponder.cli.repl.commands.base import Exit, command
from ponder.cli.repl.turn import run_turn, wait_for_agent
from ponder.errors import InputError

if TYPE_CHECKING:
    from ponder.cli.repl.state import ChatState

SUGGESTED_MODELS = (
    "local:qwen2.5-coder-1.5b",
    "openai:gpt-4o-mini",
    "ollama:qwen2.5:1.5b",
    "scripted:echo",
)


@command(
    "model", "/model [PROVIDER:MODEL]", "show the model, or switch to another (the conversation is kept)"
)
def model(state: ChatState, arg: str) -> Exit | None:
    if not arg:
        state.out.line(f"model: {state.model_name()}")
        state.out.note(f"switch with /model PROVIDER:MODEL, e.g. {', '.join(SUGGESTED_MODELS[:3])}")
        return None
    from ponder.backends.registry import parse_spec

    parse_spec(arg)  # a malformed spec fails at once, before any waiting
    if state.handle.status == "loading":
        wait_for_agent(state)
    agent = state.handle.agent
    if agent is None:  # the first build failed: build again with this model
        with state.out.info.status(f"loading {arg}…", spinner="dots"):
            agent = state.rebuild(arg)
        state.flush_notices()
        state.out.note(f"model: {agent.backend.name}")
        return None
    with state.out.info.status(f"loading {arg}…", spinner="dots"):
        backend = state.resolve_backend(arg)
    old = agent.backend
    agent.set_backend(backend)
    if old is not backend:
        old.close()
    state.out.note(f"model: {backend.name} (the conversation is kept: {len(agent.history)} messages)")
    state.autosave()
    return None


@command(
    "tools",
    "/tools [list | enable NAME... | disable NAME...]",
    "list the tools, or turn some on or off",
    arguments=("list", "enable", "disable"),
)
def tools(state: ChatState, arg: str) -> Exit | None:
    if not wait_for_agent(state):
        return None
    agent = state.agent()
    verb, _, rest = arg.partition(" ")
    names = rest.replace(",", " ").split()
    if verb in ("", "list"):
        if not state.catalog:
            state.out.note("no tools are installed")
        for name in sorted(state.catalog):
            t = state.catalog[name]
            flags = [f for f, on in (("needs approval", t.needs_approval), ("opt-in", t.opt_in)) if on]
            mark = "✓" if name in agent.tools else " "
            extra = f" [{', '.join(flags)}]" if flags else ""
            state.out.line(f"  {mark} {name:<18} {preview(t.description, 70)}{extra}")
        state.out.note("enable or disable with /tools enable NAME, /tools disable NAME")
        return None
    if verb not in ("enable", "disable") or not names:
        raise InputError(
            f"/tools {arg}: expected list, enable NAME... or disable NAME...", fix="/tools enable calculator"
        )
    unknown = [n for n in names if n not in state.catalog]
    if unknown:
        raise InputError(
            f"unknown tool(s): {', '.join(unknown)}", fix=f"choose from: {', '.join(sorted(state.catalog))}"
        )
    for name in names:
        if verb == "enable":
            agent.tools[name] = state.catalog[name]
        else:
            agent.tools.pop(name, None)
    state.out.note(f"tools: {', '.join(agent.tools) or 'none'}")
    state.autosave()
    return None


@command("knowledge", "/knowledge", "the knowledge bases (indexed documents) the chat can use")
def knowledge_(state: ChatState, arg: str) -> Exit | None:
    bases = knowledge.list_bases(state.config)
    if not bases:
        state.out.note("no knowledge bases yet: index documents with `ponder index PATH`")
        return None
    for base in bases:
        state.out.line(f"  {base.name:<18} {preview(base.description, 80)}")
    return None


@command("reset", "/reset", "forget the conversation and start a new session (model and tools stay)")
def reset(state: ChatState, arg: str) -> Exit | None:
    agent = state.handle.agent
    if agent is not None:
        agent.reset()
    old = state.session
    state.session = sessions.SessionFile(name=sessions.default_name(), model=old.model, tools=old.tools)
    state.usage = type(state.usage)()
    state.out.note(
        f"conversation cleared; new session {state.session.name} (the old one stays saved as {old.name})"
    )
    return None


@command("retry", "/retry", "ask the last question again (its earlier answer is forgotten)")
def retry(state: ChatState, arg: str) -> Exit | None:
    if not state.session.turns:
        raise InputError("there is no question to retry yet", fix="ask something first")
    if not wait_for_agent(state):
        return None
    agent = state.agent()
    last = state.session.turns.pop()
    history = agent.history
    starts = [
        i
        for i, m in enumerate(history)
        if getattr(m.role, "value", m.role) == "user" and m.content == last.task
    ]
    if starts:
        agent.memory.set(history[: starts[-1]])
    state.out.note(f"retrying: {preview(last.task, 80)}")
    run_turn(state, last.task)
    return None
