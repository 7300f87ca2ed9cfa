"""Commands that change the agent: its model, its tools, its memory; and asking again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder import sessions
from ponder.cli.render import preview
from ponder.cli.repl import knowledge
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
    state.switch_backend(backend)
    state.out.note(f"model: {backend.name} (the conversation is kept: {len(state.history())} messages)")
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


@command(
    "knowledge",
    "/knowledge [list | use NAME | drop NAME]",
    "the knowledge bases; `use` gives the agent a search tool over one",
    arguments=("list", "use", "drop"),
)
def knowledge_(state: ChatState, arg: str) -> Exit | None:
    verb, _, name = arg.partition(" ")
    name = name.strip()
    if verb in ("", "list"):
        bases = knowledge.list_bases(state.config)
        if not bases:
            state.out.note("no knowledge bases yet: index documents with `ponder index PATH --name NAME`")
            return None
        agent = state.handle.agent
        attached = {t.metadata.get("knowledge_base") for t in agent.tools.values()} if agent else set()
        for base in bases:
            mark = "✓" if base.name in attached or base.name == state.knowledge else " "
            state.out.line(f"  {mark} {base.name:<16} {preview(base.description, 80)}")
        state.out.note("give the agent a search tool over one with /knowledge use NAME")
        return None
    if verb not in ("use", "drop") or not name:
        raise InputError(f"/knowledge {arg}: expected list, use NAME or drop NAME", fix="/knowledge use docs")
    if not wait_for_agent(state):
        return None
    agent = state.agent()
    if verb == "use":
        tool = knowledge.search_tool(name, state.config)
        agent.tools[tool.name] = state.catalog[tool.name] = tool
        state.out.note(f"the agent can now search '{name}' with {tool.name}")
    else:
        names = [n for n, t in agent.tools.items() if t.metadata.get("knowledge_base") == name]
        if not names:
            raise InputError(
                f"no search tool over '{name}' is attached", fix="/knowledge lists the attached bases (✓)"
            )
        for tool_name in names:
            agent.tools.pop(tool_name)
        state.out.note(f"removed {', '.join(names)}")
    state.autosave()
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
    last = state.session.turns.pop()
    history = state.history()
    starts = [
        i
        for i, m in enumerate(history)
        if getattr(m.role, "value", m.role) == "user" and m.content == last.task
    ]
    if starts:
        state.set_history(history[: starts[-1]])
    state.out.note(f"retrying: {preview(last.task, 80)}")
    run_turn(state, last.task)
    return None
