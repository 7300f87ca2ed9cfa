"""The chat's state: the agent (built in the background), the session file, usage and settings.

The REPL, the pipe mode and the slash commands all work on one ``ChatState``.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ponder import sessions
from ponder.cli.repl.approval import InlineApprover, PipeApprover
from ponder.cli.repl.handle import AgentHandle
from ponder.cli.repl.output import Output
from ponder.usage import SessionTotals

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import ChatMessage

    from ponder.agents.agent import Agent
    from ponder.agents.result import RunResult
    from ponder.backends.base import Backend
    from ponder.config import PonderConfig
    from ponder.knowledge.chat import KnowledgeChat
    from ponder.tools.base import Tool


class ChatState:
    def __init__(
        self,
        args: argparse.Namespace,
        *,
        out: Output,
        session: sessions.SessionFile | None = None,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.args = args
        self.out = out
        self.interactive = out.interactive
        self.session = session or sessions.SessionFile(name=sessions.default_name())
        self.usage = SessionTotals.from_dict(self.session.usage)
        steps = getattr(args, "steps", None)
        self.show_steps: bool = self.interactive if steps is None else bool(steps)
        self.multiline = False
        self.config: PonderConfig | None = None
        self.knowledge: str | None = getattr(args, "knowledge", None)
        """The knowledge base of the knowledge chat mode (``--knowledge NAME``), if any."""
        self.kchat: KnowledgeChat | None = None
        self.warming: threading.Thread | None = None
        """The embedded model's warm-up (load, then read the prompt's prefix), if one runs."""
        self.catalog: dict[str, Tool] = {}
        """Every tool that could be enabled (loaded with the agent, for /tools and completion)."""
        self.approver: InlineApprover | PipeApprover = (
            InlineApprover(_refuse, say=out.line) if self.interactive else PipeApprover(_refuse, say=out.note)
        )
        self.autosave_enabled = True
        """Save after every turn (the REPL); the pipe mode saves only when asked."""
        self.notices: list[str] = []
        """Things the background build wants to say; shown before the next turn."""
        self.handle = AgentHandle(self._build, on_done=on_ready)

    # -- the agent ----------------------------------------------------------------------------
    def agent(self) -> Agent:
        return self.handle.get()

    def _build(self) -> Agent:
        from ponder.cli.common import build_agent, record_runs
        from ponder.config import load_config
        from ponder.tools.registry import load_registry

        config = self.config = load_config()
        args = argparse.Namespace(**vars(self.args))
        if not getattr(args, "model", None) and self.session.model:
            args.model = self.session.model
        agent = build_agent(args, config=config, quiet=True)
        record_runs(agent, source="chat", config=config)
        self.approver.base = agent.spec.approver()
        agent.approve = self.approver
        # every tool that /tools could enable (MCP servers were started by build_agent if needed)
        registry = load_registry(settings=agent.spec.tool_settings())
        self.catalog = {**registry.tools, **agent.tools}
        self.notices.extend(registry.warnings)
        if self.session.tools is not None and not getattr(args, "tools", None):
            self.apply_tools(agent, self.session.tools)
        history = self.session.to_messages() if self.session.messages else []
        if self.knowledge:
            from ponder.cli.repl.knowledge import open_mode

            self.kchat = open_mode(agent.backend, self.knowledge, config, history=history)
        elif history:
            agent.memory.set(history)
        from ponder.cli.repl import warmup

        self.warming = warmup.start(agent, knowledge_mode=self.kchat is not None)
        with contextlib.suppress(ImportError):  # warm rich up while the user types
            import rich.live  # noqa: F401
            import rich.markdown  # noqa: F401
        return agent

    def apply_tools(self, agent: Agent, names: list[str]) -> None:
        missing = [n for n in names if n not in self.catalog]
        agent.tools = {n: self.catalog[n] for n in names if n in self.catalog}
        if missing:
            self.notices.append(f"tools from the session that are not installed now: {', '.join(missing)}")

    def rebuild(self, model: str) -> Agent:
        """Build again with another model (after the first build failed); raises PonderError."""
        self.args.model = model
        self.session.model = None
        agent = self._build()
        self.handle.replace(agent)
        return agent

    def resolve_backend(self, spec: str) -> Backend:
        """A backend for ``spec`` with the config's options (context size, threads for local models)."""
        from ponder.agents.spec import AgentSpec

        agent = self.handle.agent
        base = agent.spec if agent is not None else AgentSpec.from_config(self.config)
        return base.merged(model=spec).resolve_backend()

    def history(self) -> list[ChatMessage]:
        """The conversation the model sees (the agent's, or the knowledge chat's)."""
        if self.kchat is not None:
            return self.kchat.history
        return self.agent().history

    def set_history(self, messages: list[ChatMessage]) -> None:
        if self.kchat is not None:
            from ponder.cli.repl.knowledge import set_history

            set_history(self.kchat, messages)
        else:
            self.agent().memory.set(messages)

    def switch_backend(self, backend: Backend) -> None:
        """Use another model from now on; the conversation is kept (in the knowledge mode too)."""
        from ponder.cli.repl import warmup

        agent = self.agent()
        old = agent.backend
        warmup.wait(self.warming)  # never close a model that is still being warmed
        agent.set_backend(backend)
        if self.kchat is not None and self.knowledge:
            from ponder.cli.repl.knowledge import open_mode

            self.kchat = open_mode(backend, self.knowledge, self.config, history=self.kchat.history)
        if old is not backend:
            old.close()

    def model_name(self) -> str:
        agent = self.handle.agent
        if agent is not None:
            return agent.backend.name
        if self.handle.status == "failed":
            return "unavailable"
        return getattr(self.args, "model", None) or self.session.model or "auto"

    # -- the session --------------------------------------------------------------------------
    def record(self, turn: sessions.Turn, result: RunResult | None) -> None:
        self.session.turns.append(turn)
        if result is not None:
            self.usage.add(result)
        self.autosave()

    def snapshot(self) -> sessions.SessionFile:
        agent = self.handle.agent
        if agent is not None:
            self.session.messages = sessions.dump_messages(
                self.kchat.history if self.kchat else agent.history
            )
            self.session.model = agent.backend.name
            self.session.tools = list(agent.tools)
        self.session.usage = self.usage.to_dict()
        return self.session

    def autosave(self) -> Path | None:
        """Save after every turn so ``--resume`` never loses one."""
        return self.save() if self.autosave_enabled else None

    def save(self) -> Path | None:
        """Write the session file; a failure is said once, not fatal."""
        try:
            return sessions.save(self.snapshot())
        except OSError as exc:
            if not getattr(self, "_save_failed", False):
                self._save_failed = True
                self.out.error(
                    f"cannot save the session: {exc}",
                    fix="check that the data dir is writable (XDG_DATA_HOME)",
                )
            return None

    def flush_notices(self) -> None:
        while self.notices:
            self.out.note(self.notices.pop(0))


def _refuse(tool: Tool, arguments: object) -> bool:
    return False
