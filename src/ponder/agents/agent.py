"""``Agent``: the public face of the loop.

``run``/``stream`` handle one task with no memory; ``chat``/``chat_stream`` keep a session's
history (LlamaIndex ``ChatMemoryBuffer``, counted with the backend's own tokenizer so no
download is ever needed).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.memory import ChatMemoryBuffer

from ponder import prompts
from ponder.agents import events as ev
from ponder.agents.aio import iterate_in_thread
from ponder.agents.limits import Limits
from ponder.agents.loop import LoopConfig, RunLoop
from ponder.agents.output import OutputType
from ponder.agents.protocol import Protocol, choose_protocol, system_message
from ponder.agents.result import RunResult
from ponder.agents.spec import AgentSpec
from ponder.agents.tracing import trace_run
from ponder.backends.base import Backend
from ponder.errors import ConfigError
from ponder.tools.approval import Approver
from ponder.tools.base import Tool, as_tool
from ponder.tools.context import RunContext

log = logging.getLogger(__name__)


class Agent:
    """A reasoning-loop agent.

    >>> agent = Agent(model="openai:gpt-4o-mini", tools=[calculator])   # doctest: +SKIP
    >>> agent.run("What is 17 * 23?").answer                             # doctest: +SKIP
    '391'

    ``Agent(...)`` declares an ``AgentSpec`` from its arguments and builds it; ``AgentSpec.build()``
    and ``Agent.from_spec`` are the same path. ``agent.spec`` is the declaration.

    ``output_type=Ticket`` makes ``result.output`` a validated ``Ticket`` (``ponder.agents.output``);
    ``as_tool()`` lends the agent to another one; ``run(task, deps=...)`` hands ``deps`` to the tools
    that take a ``RunContext``.
    """

    def __init__(
        self,
        model: str | Backend | None = None,
        *,
        tools: Iterable[Tool | Callable[..., Any] | str] = (),
        system_prompt: str | None = None,
        protocol: Protocol | str | None = None,
        limits: Limits | None = None,
        approve: Approver | None = None,
        prompts_dir: Path | str | None = None,
        temperature: float = 0.0,
        seed: int | None = None,
        observation_chars: int = 4000,
        memory_tokens: int | None = None,
        output_type: Any = None,
    ) -> None:
        items = list(tools)
        output = OutputType.of(output_type)
        spec = AgentSpec(
            model=model.name if isinstance(model, Backend) else model,
            tools=[t for t in items if isinstance(t, str)],
            system_prompt=system_prompt,
            protocol=Protocol(protocol).value if protocol else None,
            limits=limits or Limits(),
            prompts_dir=str(prompts_dir) if prompts_dir else None,
            temperature=temperature,
            seed=seed,
            observation_chars=observation_chars,
            memory_tokens=memory_tokens,
            output_type=output.ref if output is not None else None,
        )
        live = [t for t in items if not isinstance(t, str)]
        self._assemble(spec, model if isinstance(model, Backend) else None, live, approve, output)

    @classmethod
    def from_spec(
        cls,
        spec: AgentSpec,
        *,
        backend: Backend | None = None,
        tools: Iterable[Tool | Callable[..., Any]] = (),
        approve: Approver | None = None,
    ) -> Agent:
        """The agent ``spec`` declares (``AgentSpec.build`` calls this)."""
        agent = cls.__new__(cls)
        agent._assemble(spec, backend, list(tools), approve)
        return agent

    def _assemble(
        self,
        spec: AgentSpec,
        backend: Backend | None,
        live_tools: list[Tool | Callable[..., Any]],
        approve: Approver | None,
        output: OutputType | None = None,
    ) -> None:
        """The one place an agent is put together from its spec and the live objects given with it."""
        self.spec = spec
        self.backend = backend if backend is not None else spec.resolve_backend()
        self.tools: dict[str, Tool] = {}
        for item in [*spec.resolve_tools(), *live_tools]:
            t = as_tool(item)
            self.tools[t.name] = t
        self.prompts_dir = Path(spec.prompts_dir) if spec.prompts_dir else None
        self.system_prompt = spec.system_prompt or prompts.load("system", self.prompts_dir)
        self.protocol = choose_protocol(self.backend.capabilities, spec.protocol)
        self.limits = spec.limits
        self.approve: Approver | None = approve if approve is not None else spec.approver()
        self.temperature = spec.temperature
        self.seed = spec.seed
        self.observation_chars = spec.observation_chars
        self.output_type = output if output is not None else OutputType.of(spec.output_type)
        """The type the answer must have (``RunResult.output``); None for a plain-text answer."""
        window = self.backend.capabilities.context_window
        self.memory = ChatMemoryBuffer.from_defaults(
            token_limit=spec.memory_tokens or max(512, int(window * 0.6)),
            tokenizer_fn=self._token_list,
        )
        self.last_result: RunResult | None = None
        self._last_loop: RunLoop | None = None
        self.observers: list[Callable[[ev.Event], None]] = []
        """Called with every event of every run (run records, traces); a failing observer is logged, never fatal."""

    # -- one-off tasks ---------------------------------------------------------------------------
    def run(self, task: str, *, deps: Any = None) -> RunResult:
        """Run a task to its end. Raises ``PonderError`` if the backend fails (``exc.result`` has the partial run).

        ``deps`` reaches tools that take a ``RunContext`` (``ctx.deps``): a connection, a client, a user id.
        """
        return self._collect(self.stream(task, deps=deps))

    def stream(self, task: str, *, deps: Any = None) -> Iterator[ev.Event]:
        """The run's events as they happen; a backend failure arrives as ``ErrorEvent``, not an exception."""
        loop = self._last_loop = RunLoop(self._config(RunContext.start(deps=deps, spec=self.spec, task=task)))
        yield from self._track(loop.events(task))

    async def arun(self, task: str, *, deps: Any = None) -> RunResult:
        """``run`` for async code: the loop runs in a worker thread while the event loop waits."""
        result: RunResult | None = None
        async for event in self.astream(task, deps=deps):
            if isinstance(event, ev.RunFinished):
                result = event.result
        assert result is not None
        return result

    def astream(self, task: str, *, deps: Any = None) -> AsyncIterator[ev.Event]:
        """The events as an async stream (the loop runs in a worker thread)."""
        return iterate_in_thread(lambda: self.stream(task, deps=deps))

    # -- as a tool of another agent ----------------------------------------------------------------
    def as_tool(self, *, name: str | None = None, description: str | None = None) -> Tool:
        """This agent as a tool another agent can call with a task (see ``agent_tool``)."""
        from ponder.agents.agent_tool import agent_tool

        name = name or self.spec.name
        if not name:
            raise ConfigError("an agent used as a tool needs a name", fix="pass as_tool(name=..., description=...)")
        return agent_tool(self, name=name, description=description or self.spec.description or f"Ask the {name} agent.")

    def run_nested(self, task: str, parent: RunContext[Any]) -> RunResult:
        """A run started by a tool of ``parent``'s run: same deps, never raises (a failure is in the result)."""
        loop = RunLoop(self._config(RunContext.start(deps=parent.deps, spec=self.spec, task=task, parent=parent)))
        result: RunResult | None = None
        # Traced like any run: under the outer run's tool span, when tracing is on.
        for event in trace_run(loop.events(task), self, name=self.spec.name):
            if isinstance(event, ev.RunFinished):
                result = event.result
        assert result is not None, "a run always ends with RunFinished"
        return result

    # -- sessions ----------------------------------------------------------------------------------
    def chat(self, message: str, *, deps: Any = None) -> RunResult:
        """One turn of a multi-turn session: earlier turns (and their tool results) are remembered."""
        return self._collect(self.chat_stream(message, deps=deps))

    def chat_stream(self, message: str, *, deps: Any = None) -> Iterator[ev.Event]:
        """``chat``'s events as they happen; the turn is kept in the history even if the stream stops early."""
        loop = self._last_loop = RunLoop(self._config(RunContext.start(deps=deps, spec=self.spec, task=message)))
        try:
            yield from self._track(loop.events(message, self.memory.get()))
        finally:
            # Whatever happened (even Ctrl-C mid-turn), keep what the turn added: nothing is lost.
            for msg in loop.new_messages:
                self.memory.put(msg)

    def reset(self) -> None:
        """Forget the session's history (the tools, model and spec stay)."""
        self.memory.reset()

    @property
    def history(self) -> list[ChatMessage]:
        return self.memory.get_all()

    def set_backend(self, backend: Backend) -> None:
        """Switch models mid-session; the history stays."""
        self.backend = backend
        self.protocol = choose_protocol(backend.capabilities, None)

    # -- internals ---------------------------------------------------------------------------------
    def _config(self, context: RunContext[Any] | None = None) -> LoopConfig:
        """The loop's settings for one run; ``context`` defaults to a fresh one for this agent's spec."""
        tools = list(self.tools.values())
        system = system_message(self.system_prompt, tools, self.protocol, self.prompts_dir)
        if self.output_type is not None:  # typed answers: the model is told the answer's schema
            system = ChatMessage(role=system.role, content=f"{system.content}\n\n{self.output_type.instructions(self.prompts_dir)}")
        return LoopConfig(
            backend=self.backend,
            tools=self.tools,
            system=system,
            protocol=self.protocol,
            limits=self.limits,
            prompts_dir=self.prompts_dir,
            approve=self.approve,
            temperature=self.temperature,
            seed=self.seed,
            observation_chars=self.observation_chars,
            output=self.output_type,
            context=context if context is not None else RunContext.start(spec=self.spec),
            system_prompt=self.system_prompt,
        )

    def _track(self, events: Iterator[ev.Event]) -> Iterator[ev.Event]:
        for event in trace_run(events, self, name=self.spec.name):  # OpenTelemetry spans, when tracing is on
            if isinstance(event, ev.RunFinished):
                self.last_result = event.result
            for observe in self.observers:
                try:
                    observe(event)
                except Exception as exc:  # a record or trace that cannot be written must not end the run
                    log.warning("an observer of the run failed (%s: %s); the run goes on", type(exc).__name__, exc)
            yield event

    def _collect(self, events: Iterator[ev.Event]) -> RunResult:
        result: RunResult | None = None
        for event in events:
            if isinstance(event, ev.RunFinished):
                result = event.result
        assert result is not None, "a run always ends with RunFinished"
        error = self._last_loop.error if self._last_loop else None
        if error is not None:
            error.result = result  # type: ignore[attr-defined]
            raise error
        return result

    def _token_list(self, text: str) -> list[int]:
        return [0] * self.backend.count_tokens(text)
