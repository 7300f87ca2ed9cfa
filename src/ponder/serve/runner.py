"""One segment of a run, in a worker thread: from its start (or a resume) to its end or a pause.

A tool that needs approval, and that the agent's spec does not pre-approve, makes the server's
approver raise ``PauseForApproval`` inside the loop: the segment stops there, before the tool
runs, with the conversation so far. A resume settles that call (runs the tool, or tells the
model it was refused), then lets the loop continue the same conversation
(``RunLoop.events(continuing=True)``). Steps, trajectory and usage of every segment add up to one
``RunResult``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.agents import events as ev
from ponder.agents.loop import LoopConfig, RunLoop
from ponder.agents.protocol import observation_message, stringify, truncate
from ponder.agents.result import RunResult, StepRecord, ToolCallRecord
from ponder.agents.tool_runner import run_tool
from ponder.agents.tracing import trace_run
from ponder.backends.base import Backend, ModelReply, ModelRequest
from ponder.errors import InternalError, MistakeKind, PonderError
from ponder.serve.store import PendingCall, Progress
from ponder.tools.approval import Approver, describe_call
from ponder.tools.base import Tool
from ponder.usage import Usage

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

Emit = Callable[[ev.Event], None]
REFUSED = "The user did not approve running {name}. Do not retry it; answer without it."
NOT_RUN = "Not run: the run paused for approval before this call. Call it again if you still need it."


class PauseForApproval(BaseException):
    """Raised by the server's approver inside the loop; a BaseException so no handler swallows it."""

    def __init__(self, tool: Tool, arguments: dict[str, Any]) -> None:
        super().__init__(tool.name)
        self.tool = tool
        self.arguments = arguments


def pausing(policy: Approver) -> Approver:
    """Approves what ``policy`` (the spec's allow-list, ``approve_all``) approves; pauses on the rest."""

    def approve(tool: Tool, arguments: dict[str, Any]) -> bool:
        if policy(tool, arguments):
            return True
        raise PauseForApproval(tool, arguments)

    return approve


@dataclass(frozen=True)
class ApprovalPending(ev.Event):
    """A tool call waits for ``POST /v1/runs/{run_id}/approve`` (or ``/deny``); the run is saved on disk."""

    run_id: str
    step: int
    call_id: str
    name: str
    arguments: dict[str, Any]
    description: str


class ReplyTap(Backend):
    """The agent's backend, remembering the native call ids of its last reply.

    A paused call that the model made natively must be answered by its id (and so must the calls
    after it in the same turn, which never ran); a call read from the text has none.
    """

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.provider = inner.provider
        self.model = inner.model
        self.capabilities = inner.capabilities
        self.last_call_ids: list[str] = []

    @property
    def llm(self) -> LLM:
        return self.inner.llm

    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        self.last_call_ids = []
        for item in self.inner.stream(request):
            if isinstance(item, ModelReply):
                self.last_call_ids = [call.id for call in item.tool_calls]
            yield item

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


@dataclass
class Segment:
    config: LoopConfig
    task: str
    history: list[ChatMessage]
    """For a new run, the request's conversation before the task; for a resume, all of it so far."""
    progress: Progress = field(default_factory=Progress)
    settle: PendingCall | None = None
    approved: bool = False


@dataclass
class Paused:
    messages: list[ChatMessage]
    pending: PendingCall
    progress: Progress


@dataclass
class Finished:
    result: RunResult
    error: PonderError | None


def run_segment(segment: Segment, emit: Emit) -> Paused | Finished:
    """Run the segment to its end or its pause, emitting its events (steps numbered across segments)."""
    offset = segment.progress.steps
    recorder = _Recorder()
    history = list(segment.history)
    progress = segment.progress
    if segment.settle is not None:
        record, messages = _settle(segment, emit)
        history += messages
        progress = progress.model_copy(update={"trajectory": [*progress.trajectory, record]})
    tap = ReplyTap(segment.config.backend)
    loop = RunLoop(dataclasses.replace(segment.config, backend=tap))
    try:
        events = loop.events(segment.task, history, continuing=segment.settle is not None)
        for event in trace_run(events, segment.config):  # OpenTelemetry spans, when tracing is on
            if isinstance(loop.error, InternalError):
                # A bug in Ponder: its text (which may hold anything) is never sent to the client;
                # the original exception goes up to the 500-with-a-reference handler.
                raise loop.error.__cause__ or loop.error
            if isinstance(event, ev.RunFinished):
                result = _merged(progress, event.result, offset)
                emit(ev.RunFinished(result=result, stop_reason=result.stop_reason))
                return Finished(result, loop.error)
            if isinstance(event, ev.RunStarted) and segment.settle is not None:
                continue  # the client saw the run start already
            event = _shifted(event, offset)
            recorder.feed(event)
            emit(event)
    except PauseForApproval as pause:
        messages = [*history, *loop.new_messages]
        call = recorder.last_call
        call_id = call.call_id if call is not None else "call_0"
        turn = tap.last_call_ids
        native = call_id in turn
        pending = PendingCall(
            call_id=call_id,
            name=pause.tool.name,
            arguments=pause.arguments,
            native=native,
            later_ids=turn[turn.index(call_id) + 1 :] if native else [],
            description=describe_call(pause.tool, pause.arguments),
        )
        return Paused(messages=messages, pending=pending, progress=recorder.added_to(progress, offset))
    raise AssertionError("a run always ends with RunFinished")


def _settle(segment: Segment, emit: Emit) -> tuple[ToolCallRecord, list[ChatMessage]]:
    """Run the approved call (or refuse it) and answer it in the conversation, as the loop would have."""
    c = segment.config
    pending = segment.settle
    assert pending is not None
    tool = c.tools.get(pending.name)
    step = segment.progress.steps
    arguments = pending.arguments
    seconds = 0.0
    kind: MistakeKind | None
    if tool is None:
        output, ok, kind = f"There is no tool named {pending.name} any more.", False, MistakeKind.UNKNOWN_TOOL
    elif not segment.approved:
        output, ok, kind = REFUSED.format(name=tool.name), False, MistakeKind.REFUSED
    else:
        try:
            arguments = tool.validate(arguments)
        except Exception as exc:  # the arguments were valid when the run paused; a changed tool may differ
            output, ok, kind = str(getattr(exc, "observation", exc)), False, MistakeKind.BAD_ARGUMENTS
        else:
            outcome = run_tool(tool, arguments, tool.timeout or c.limits.tool_timeout, c.prompts_dir)
            output, ok, kind, seconds = stringify(outcome.output), outcome.ok, outcome.error_kind, outcome.seconds
    output = truncate(output, c.observation_chars)
    emit(ev.ToolResult(step=step, call_id=pending.call_id, name=pending.name, output=output, ok=ok, error_kind=kind, seconds=seconds))
    record = ToolCallRecord(step=step, name=pending.name, arguments=arguments, output=output, ok=ok, error_kind=kind, seconds=seconds)
    answer = observation_message(
        output,
        name=pending.name,
        call_id=pending.call_id if pending.native else None,
        capabilities=c.backend.capabilities,
        protocol=c.protocol,
    )
    # The API wants every call of the turn answered: those after the paused one never ran.
    later = [ChatMessage(role=MessageRole.TOOL, content=NOT_RUN, additional_kwargs={"tool_call_id": i}) for i in pending.later_ids]
    return record, [answer, *later]


def _shifted(event: ev.Event, offset: int) -> ev.Event:
    if offset and hasattr(event, "step"):
        return dataclasses.replace(event, step=event.step + offset)  # type: ignore[call-arg]
    return event


def _merged(progress: Progress, result: RunResult, offset: int) -> RunResult:
    """One result for the whole run: the earlier segments' work, then this segment's (steps shifted)."""
    if offset == 0 and not progress.trajectory:
        return result
    usage = Usage()
    usage.add(progress.usage)
    usage.add(result.usage)
    return result.model_copy(
        update={
            "steps": offset + result.steps,
            "trajectory": [*progress.trajectory, *(r.model_copy(update={"step": r.step + offset}) for r in result.trajectory)],
            "step_records": [*progress.step_records, *(r.model_copy(update={"step": r.step + offset}) for r in result.step_records)],
            "usage": usage,
            "seconds": progress.seconds + result.seconds,
        }
    )


class _Recorder:
    """Rebuilds a paused segment's records from its events (the loop returns none when it is interrupted)."""

    def __init__(self) -> None:
        self.last_call: ev.ToolCallStarted | None = None
        self.steps = 0
        self.trajectory: list[ToolCallRecord] = []
        self.step_records: list[StepRecord] = []
        self.usage = Usage()
        self._text = ""
        self._calls: dict[str, ev.ToolCallStarted] = {}
        self._started: float | None = None

    def feed(self, event: ev.Event) -> None:
        import time

        if isinstance(event, ev.StepStarted):
            self.steps = event.step
            self._text = ""
            self._started = time.perf_counter()
        elif isinstance(event, ev.TextDelta):
            self._text += event.text
        elif isinstance(event, ev.UsageEvent):
            seconds = time.perf_counter() - self._started if self._started is not None else 0.0
            self.step_records.append(
                StepRecord(
                    step=event.step,
                    text=self._text,
                    prompt_tokens=event.prompt_tokens,
                    prompt_tokens_evaluated=event.prompt_tokens_evaluated,
                    completion_tokens=event.completion_tokens,
                    seconds=seconds,
                )
            )
            self.usage.add(Usage(event.prompt_tokens, event.completion_tokens, event.prompt_tokens_evaluated), calls=1)
        elif isinstance(event, ev.ToolCallStarted):
            self.last_call = self._calls[event.call_id] = event
        elif isinstance(event, ev.ToolResult):
            started = self._calls.get(event.call_id)
            arguments = started.arguments if started is not None else {}
            self.trajectory.append(
                ToolCallRecord(
                    step=event.step, name=event.name, arguments=arguments, output=event.output,
                    ok=event.ok, error_kind=event.error_kind, seconds=event.seconds, inner=event.inner,
                )
            )  # fmt: skip
            if event.inner is not None:  # an agent used as a tool: its usage counts in this run's, as in the loop
                self.usage.add(event.inner.usage)
        elif isinstance(event, ev.ModelMistakeEvent) and event.kind in (MistakeKind.PARSE, MistakeKind.EMPTY):
            # the loop records these two in the trajectory; a nudge (not_called, by_hand, invalid_output) is none
            self.trajectory.append(
                ToolCallRecord(step=event.step, name="", arguments={}, output=event.observation, ok=False, error_kind=MistakeKind.PARSE)
            )

    def added_to(self, progress: Progress, offset: int) -> Progress:
        usage = Usage()
        usage.add(progress.usage)
        usage.add(self.usage)
        seconds = sum(r.seconds for r in self.step_records) + sum(r.seconds for r in self.trajectory)
        return Progress(
            steps=max(offset, self.steps),
            trajectory=[*progress.trajectory, *self.trajectory],
            step_records=[*progress.step_records, *self.step_records],
            usage=usage,
            seconds=progress.seconds + seconds,
        )
