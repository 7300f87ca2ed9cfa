"""A run's events as OpenTelemetry spans (GenAI semantic conventions), the loop knowing nothing of it.

``trace_run`` wraps a run's event stream when tracing is on (``ponder.telemetry``) and returns it
untouched otherwise. Spans follow the events as they pass:

- ``invoke_agent [name]`` from ``RunStarted`` to ``RunFinished``, under the caller's current span;
- ``chat {model}`` for each model call, from the loop's resuming after ``StepStarted`` (or, for the
  last attempt, which has no step of its own, after the event before its first ``TextDelta``) to
  its ``UsageEvent``, with the token counts and whether the model called tools or stopped;
- ``execute_tool {tool}`` from the loop's resuming after ``ToolCallStarted`` to ``ToolResult``; a
  failed call is an error span.

Calls start when the loop resumes, not when their event is handed out, so the consumer's time
(rendering an event, say) is never counted in a model or tool call.

While a model call or a tool call runs, its span is the current OpenTelemetry context, so spans
made inside it (LlamaIndex's retrievers, an instrumented HTTP client) nest under it; the loop
carries the context into the tool's worker thread. Content (task, answer, tool arguments and
results) is recorded only when asked for (``capture_content``), and always redacted.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from ponder.agents import events as ev
from ponder.agents.result import StopReason

if TYPE_CHECKING:
    from ponder.agents.limits import Limits

log = logging.getLogger(__name__)

CONTENT_CHARS = 4000
"""Longest content attribute (tool results are already cut to the agent's ``observation_chars``)."""


class RunSettings(Protocol):
    """What the spans say about the requests (an ``Agent`` or a ``LoopConfig``)."""

    temperature: float
    seed: int | None
    limits: Limits


def trace_run(events: Iterator[ev.Event], settings: RunSettings, *, name: str | None = None) -> Iterator[ev.Event]:
    """``events`` with spans made as they pass, or ``events`` itself when runs are not traced.

    ``name``: the agent's name (``gen_ai.agent.name``), e.g. its ``[agents.NAME]``.
    """
    from ponder.telemetry.tracing import capture_content, run_tracer

    tracer = run_tracer()
    if tracer is None:
        return events
    return RunSpans(tracer, settings, name=name, capture=capture_content()).follow(events)


class RunSpans:
    """The spans of one run. Feed it the run's events with ``follow``."""

    def __init__(self, tracer: Any, settings: RunSettings, *, name: str | None, capture: bool) -> None:
        from opentelemetry import context, trace

        self._trace = trace
        self._context = context
        self._tracer = tracer
        self._redactor: Callable[[str], str] | None = None
        self._capture = capture
        self._agent_name = name
        self._request = _drop_none(
            {
                "gen_ai.request.temperature": settings.temperature,
                "gen_ai.request.seed": settings.seed,
                "gen_ai.request.max_tokens": settings.limits.max_tokens_per_step,
            }
        )
        self._model_attributes: dict[str, Any] = {}
        self._model = ""
        self._run: Any = None
        self._run_context: Any = None
        self._chat: Any = None
        self._chat_text: list[str] = []
        self._pending_end: int | None = None
        """The model call's span is kept open past its UsageEvent until the next event says why it stopped."""
        self._tools: dict[str, Any] = {}
        self._attached: list[tuple[Any, Any]] = []
        """(span, token) of the spans made current, innermost last."""
        self._resumed_ns = time.time_ns()
        self._starting: ev.StepStarted | ev.ToolCallStarted | None = None
        """A model or tool call announced by the event just passed on, started when the loop resumes."""
        self._broken = False

    # -- the stream ---------------------------------------------------------------------------
    def follow(self, events: Iterator[ev.Event]) -> Generator[ev.Event, None, None]:
        try:
            for event in events:
                self._guarded(self.on, event)
                yield event
                self._guarded(self.resumed)
        except GeneratorExit:
            _close(events)  # the consumer stopped reading: stop the loop first, then end the spans
            self._finish(None, stopped=True)
            raise
        except Exception as exc:  # a bug in the loop: the spans say so
            self._finish(exc)
            raise
        except BaseException as exc:  # Ctrl-C, or a pause for approval (ponder serve): stopped, not failed
            self._finish(None, stopped=True, by=type(exc).__name__)
            raise
        self._finish(None)

    def _finish(self, exc: BaseException | None, *, stopped: bool = False, by: str | None = None) -> None:
        """End what is open; whatever happens, give the caller back the context it had."""
        try:
            self._end_all(exc, stopped=stopped, by=by)
        except Exception as error:
            log.warning("tracing this run failed (%s: %s)", type(error).__name__, error)
        finally:
            while self._attached:
                span, token = self._attached.pop()
                if self._trace.get_current_span() is span:
                    self._context.detach(token)

    def _guarded(self, handle: Callable[..., None], *args: Any) -> None:
        if self._broken:
            return
        try:
            handle(*args)
        except Exception as exc:  # a trace that cannot be made must not end the run
            self._broken = True
            log.warning("tracing this run failed (%s: %s); the run goes on untraced", type(exc).__name__, exc)

    def on(self, event: ev.Event) -> None:
        """An event has just happened (before its consumer sees it)."""
        if isinstance(event, ev.RunStarted):
            self._start_run(event)
        elif isinstance(event, ev.StepStarted):
            self._finish_chat("stop")
            self._starting = event
        elif isinstance(event, ev.TextDelta):
            if self._chat is None or self._pending_end is not None:  # the last attempt: no StepStarted
                self._start_chat(self._resumed_ns, event.step)
            if self._capture:
                self._chat_text.append(event.text)
        elif isinstance(event, ev.UsageEvent):
            self._usage(event)
        elif isinstance(event, ev.ToolCallStarted):
            self._finish_chat("tool_calls")
            self._starting = event
        elif isinstance(event, ev.ToolResult):
            self._end_tool(event)
        elif isinstance(event, ev.ModelMistakeEvent):
            self._finish_chat("stop")
            if self._run is not None:
                self._run.add_event("ponder.model_mistake", {"ponder.step": event.step, "ponder.mistake": event.kind.value})
        elif isinstance(event, ev.Answer):
            self._finish_chat("stop")
        elif isinstance(event, ev.ErrorEvent):
            self._error(event)
        elif isinstance(event, ev.RunFinished):
            self._finish_run(event)

    def resumed(self) -> None:
        """The consumer asked for the next event: the loop goes on now. A model call or a tool call
        announced by the last event starts here, so its span holds none of the consumer's time."""
        self._resumed_ns = time.time_ns()
        starting, self._starting = self._starting, None
        if isinstance(starting, ev.StepStarted):
            self._start_chat(self._resumed_ns, starting.step)
        elif isinstance(starting, ev.ToolCallStarted):
            self._start_tool(starting)

    # -- the run ------------------------------------------------------------------------------
    def _start_run(self, event: ev.RunStarted) -> None:
        from ponder.telemetry import genai

        provider, model = genai.split_model(event.model)
        self._model = model
        self._model_attributes = {genai.PROVIDER: provider, genai.SYSTEM: provider, genai.REQUEST_MODEL: model}
        attributes: dict[str, Any] = {
            genai.OPERATION: genai.INVOKE_AGENT,
            **self._model_attributes,
            "ponder.protocol": event.protocol,
            "ponder.tools": list(event.tools),
        }
        if self._agent_name:
            attributes[genai.AGENT_NAME] = self._agent_name
        if self._capture:
            attributes[genai.INPUT_MESSAGES] = _messages("user", self._content(event.task))
        name = f"{genai.INVOKE_AGENT} {self._agent_name}" if self._agent_name else genai.INVOKE_AGENT
        self._run = self._tracer.start_span(name, kind=self._trace.SpanKind.INTERNAL, attributes=attributes)
        self._run_context = self._trace.set_span_in_context(self._run)
        self._attach(self._run)

    def _finish_run(self, event: ev.RunFinished) -> None:
        from ponder.telemetry import genai

        self._finish_chat("stop")
        if self._run is None:
            return
        result = event.result
        self._run.set_attributes(
            {
                genai.USAGE_INPUT: result.usage.prompt_tokens,
                genai.USAGE_OUTPUT: result.usage.completion_tokens,
                "ponder.stop_reason": event.stop_reason.value,
                "ponder.steps": result.steps,
            }
        )
        if self._capture and result.answer:
            self._run.set_attribute(genai.OUTPUT_MESSAGES, _messages("assistant", self._content(result.answer)))
        if event.stop_reason is StopReason.ERROR:
            self._set_error(self._run, "_OTHER", self._redact(result.error or "the run failed"))
        self._end_all(None)

    def _error(self, event: ev.ErrorEvent) -> None:
        message = self._redact(event.message)
        for call_id in list(self._tools)[::-1]:  # a tool call the failure interrupted
            span = self._tools.pop(call_id)
            self._set_error(span, "_OTHER", message)
            self._detach(span)
            span.end()
        if self._chat is not None and self._pending_end is None:  # the model call itself failed
            self._set_error(self._chat, "_OTHER", message)
            self._detach(self._chat)
            self._chat.end()
            self._chat = None
        if self._run is not None:
            self._set_error(self._run, "_OTHER", message)

    # -- model calls --------------------------------------------------------------------------
    def _start_chat(self, start_ns: int, step: int) -> None:
        from ponder.telemetry import genai

        self._finish_chat("stop")  # one still waiting for its finish reason (a step cut short by the time limit)
        attributes = {genai.OPERATION: genai.CHAT, **self._model_attributes, **self._request, "ponder.step": step}
        self._chat = self._tracer.start_span(
            f"{genai.CHAT} {self._model}",
            context=self._run_context,
            kind=self._trace.SpanKind.CLIENT,
            attributes=attributes,
            start_time=start_ns,
        )
        self._chat_text = []
        self._pending_end = None
        self._attach(self._chat)

    def _usage(self, event: ev.UsageEvent) -> None:
        from ponder.telemetry import genai

        now = time.time_ns()
        if self._chat is None or self._pending_end is not None:  # the last attempt, and it wrote nothing
            self._start_chat(self._resumed_ns, event.step)
        chat = self._chat
        chat.set_attributes({genai.USAGE_INPUT: event.prompt_tokens, genai.USAGE_OUTPUT: event.completion_tokens})
        if event.prompt_tokens_evaluated is not None:
            chat.set_attribute(genai.USAGE_CACHE_READ, max(0, event.prompt_tokens - event.prompt_tokens_evaluated))
        self._detach(chat)
        self._pending_end = now

    def _finish_chat(self, reason: str) -> None:
        """End the model call's span, now that the next event tells why the model stopped."""
        from ponder.telemetry import genai

        chat = self._chat
        if chat is None:
            return
        if self._pending_end is None:  # no usage came: the call did not finish (the run was stopped)
            self._detach(chat)
            chat.end()
        else:
            chat.set_attribute(genai.FINISH_REASONS, [reason])
            text = "".join(self._chat_text)
            if self._capture and text:
                chat.set_attribute(genai.OUTPUT_MESSAGES, _messages("assistant", self._content(text), finish_reason=reason))
            chat.end(end_time=self._pending_end)
        self._chat = None
        self._pending_end = None

    # -- tool calls ---------------------------------------------------------------------------
    def _start_tool(self, event: ev.ToolCallStarted) -> None:
        from ponder.telemetry import genai

        attributes: dict[str, Any] = {
            genai.OPERATION: genai.EXECUTE_TOOL,
            genai.TOOL_NAME: event.name,
            genai.TOOL_CALL_ID: event.call_id,
            genai.TOOL_TYPE: "function",
            "ponder.step": event.step,
        }
        if self._capture:
            attributes[genai.TOOL_ARGUMENTS] = self._content(json.dumps(event.arguments, default=str, ensure_ascii=False))
        span = self._tracer.start_span(
            f"{genai.EXECUTE_TOOL} {event.name}",
            context=self._run_context,
            kind=self._trace.SpanKind.INTERNAL,
            attributes=attributes,
        )
        self._tools[event.call_id] = span
        self._attach(span)

    def _end_tool(self, event: ev.ToolResult) -> None:
        from ponder.telemetry import genai

        span = self._tools.pop(event.call_id, None)
        if span is None:
            return
        if self._capture:
            span.set_attribute(genai.TOOL_RESULT, self._content(event.output))
        if not event.ok:
            kind = event.error_kind.value if event.error_kind else "_OTHER"
            self._set_error(span, kind, f"the call failed ({kind})")
        self._detach(span)
        span.end()

    # -- helpers ------------------------------------------------------------------------------
    def _redact(self, text: str) -> str:
        """``text`` with secrets masked (the redactor is built on first need: most runs have nothing to redact)."""
        if self._redactor is None:
            from ponder.telemetry.redaction import redactor

            self._redactor = redactor()
        return self._redactor(text)

    def _content(self, text: str) -> str:
        text = text if len(text) <= CONTENT_CHARS else text[:CONTENT_CHARS] + "…"
        return self._redact(text)

    def _set_error(self, span: Any, kind: str, description: str) -> None:
        from opentelemetry.trace import Status, StatusCode

        from ponder.telemetry import genai

        span.set_attribute(genai.ERROR_TYPE, kind)
        span.set_status(Status(StatusCode.ERROR, description))

    def _attach(self, span: Any) -> None:
        token = self._context.attach(self._trace.set_span_in_context(span))
        self._attached.append((span, token))

    def _detach(self, span: Any) -> None:
        """Make the span no longer current (only if it is the innermost and this is the context it was made current in)."""
        if not self._attached or self._attached[-1][0] is not span:
            return
        _, token = self._attached.pop()
        if self._trace.get_current_span() is span:
            self._context.detach(token)

    def _end_all(self, exc: BaseException | None, *, stopped: bool = False, by: str | None = None) -> None:
        """End whatever is still open, innermost first (a normal run has nothing left but its own span)."""
        open_spans = [*self._tools.values()]
        if self._chat is not None:
            open_spans.append(self._chat)
        for span in [*open_spans, self._run]:
            if span is None:
                continue
            if exc is not None:
                self._set_error(span, type(exc).__name__, f"{type(exc).__name__}: {self._redact(str(exc))}")
            elif stopped:
                span.set_attribute("ponder.stopped", True)
                if by:
                    span.set_attribute("ponder.stopped_by", by)
            self._detach(span)
            if span is self._chat and self._pending_end is not None:
                span.end(end_time=self._pending_end)
            else:
                span.end()
        while self._attached:  # spans ended out of order: give the caller its context back anyway
            self._detach(self._attached[-1][0])
        self._tools.clear()
        self._chat = self._run = None
        self._pending_end = None


def _messages(role: str, text: str, *, finish_reason: str | None = None) -> str:
    """One message in the GenAI conventions' JSON shape for ``gen_ai.input/output.messages``."""
    message: dict[str, Any] = {"role": role, "parts": [{"type": "text", "content": text}]}
    if finish_reason is not None:
        message["finish_reason"] = finish_reason
    return json.dumps([message], ensure_ascii=False)


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _close(events: Iterator[ev.Event]) -> None:
    close = getattr(events, "close", None)
    if close is not None:
        close()
