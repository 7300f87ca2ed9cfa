"""``Agent``: the public face of the loop.

``run``/``stream`` handle one task with no memory; ``chat``/``chat_stream`` keep a session's
history (LlamaIndex ``ChatMemoryBuffer``, counted with the backend's own tokenizer so no
download is ever needed).
"""

from __future__ import annotations

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
from ponder.agents.protocol import Protocol, choose_protocol, system_message
from ponder.agents.result import RunResult
from ponder.agents.spec import AgentSpec
from ponder.backends.base import Backend
from ponder.tools.approval import Approver
from ponder.tools.base import Tool, as_tool


class Agent:
    """A reasoning-loop agent.

    >>> agent = Agent(model="openai:gpt-4o-mini", tools=[calculator])   # doctest: +SKIP
    >>> agent.run("What is 17 * 23?").answer                             # doctest: +SKIP
    '391'

    ``Agent(...)`` declares an ``AgentSpec`` from its arguments and builds it; ``AgentSpec.build()``
    and ``Agent.from_spec`` are the same path. ``agent.spec`` is the declaration.
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
    ) -> None:
        items = list(tools)
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
        )
        live = [t for t in items if not isinstance(t, str)]
        self._assemble(spec, model if isinstance(model, Backend) else None, live, approve)

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
        self, spec: AgentSpec, backend: Backend | None, live_tools: list[Tool | Callable[..., Any]], approve: Approver | None
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
        window = self.backend.capabilities.context_window
        self.memory = ChatMemoryBuffer.from_defaults(
            token_limit=spec.memory_tokens or max(512, int(window * 0.6)),
            tokenizer_fn=self._token_list,
        )
        self.last_result: RunResult | None = None
        self._last_loop: RunLoop | None = None

    # -- one-off tasks ---------------------------------------------------------------------------
    def run(self, task: str) -> RunResult:
        """Run a task to its end. Raises ``PonderError`` if the backend fails (``exc.result`` has the partial run)."""
        return self._collect(self.stream(task))

    def stream(self, task: str) -> Iterator[ev.Event]:
        """The run's events as they happen; a backend failure arrives as ``ErrorEvent``, not an exception."""
        loop = self._last_loop = RunLoop(self._config())
        yield from self._track(loop.events(task))

    async def arun(self, task: str) -> RunResult:
        """``run`` for async code: the loop runs in a worker thread while the event loop waits."""
        result: RunResult | None = None
        async for event in self.astream(task):
            if isinstance(event, ev.RunFinished):
                result = event.result
        assert result is not None
        return result

    def astream(self, task: str) -> AsyncIterator[ev.Event]:
        """The events as an async stream (the loop runs in a worker thread)."""
        return iterate_in_thread(lambda: self.stream(task))

    # -- sessions ----------------------------------------------------------------------------------
    def chat(self, message: str) -> RunResult:
        """One turn of a multi-turn session: earlier turns (and their tool results) are remembered."""
        return self._collect(self.chat_stream(message))

    def chat_stream(self, message: str) -> Iterator[ev.Event]:
        """``chat``'s events as they happen; the turn is kept in the history even if the stream stops early."""
        loop = self._last_loop = RunLoop(self._config())
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
    def _config(self) -> LoopConfig:
        tools = list(self.tools.values())
        return LoopConfig(
            backend=self.backend,
            tools=self.tools,
            system=system_message(self.system_prompt, tools, self.protocol, self.prompts_dir),
            protocol=self.protocol,
            limits=self.limits,
            prompts_dir=self.prompts_dir,
            approve=self.approve,
            temperature=self.temperature,
            seed=self.seed,
            observation_chars=self.observation_chars,
        )

    def _track(self, events: Iterator[ev.Event]) -> Iterator[ev.Event]:
        for event in events:
            if isinstance(event, ev.RunFinished):
                self.last_result = event.result
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
