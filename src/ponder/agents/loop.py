"""The reasoning loop: ask the model, read its action, run the tool, feed back the observation.

One run is a generator of events. Nothing the model writes can crash it: unreadable calls,
unknown tools, bad arguments, failing or slow tools and repeated calls all become
observations with a hint. Limits (steps, run time, repeats) end the run with one last
attempt to answer from what the model has, and the result says why it stopped.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder import prompts
from ponder.agents import events as ev
from ponder.agents.actions import (
    ActionCall,
    CallWatch,
    extract_actions,
    final_answer,
    mentioned_tool,
    parse_json,
    runaway_end,
)
from ponder.agents.coverage import uncovered_givens
from ponder.agents.documented_formats import conform_dates
from ponder.agents.grounding import (
    conversation_text,
    ungrounded_values,
    without_made_up_options,
    written_in_another_script,
)
from ponder.agents.hand_work import computing_tool, hand_arithmetic
from ponder.agents.limits import Limits
from ponder.agents.output import OutputCheck, OutputType
from ponder.agents.plain_text import plain_answer
from ponder.agents.protocol import (
    Protocol,
    history_message,
    observation_message,
    stringify,
    truncate,
)
from ponder.agents.result import RunResult, StepRecord, StopReason, ToolCallRecord
from ponder.agents.tool_runner import run_tool
from ponder.agents.worked_sums import check_sums, with_right_values
from ponder.backends.base import Backend, Deadline, ModelReply, ModelRequest
from ponder.errors import InternalError, MistakeKind, PonderError
from ponder.tools.approval import Approver
from ponder.tools.base import Tool
from ponder.tools.context import RunContext
from ponder.usage import Usage

log = logging.getLogger(__name__)

_SUM_ROUNDS = 2
"""Corrected sums lead to new ones (24.75 × 19.80 once 25.75 was corrected): two rounds a run."""

_STOPS_TEXT = ("\nObservation:", "\nObservation from", "<tool_response>")
"""Where a model starts making up a tool's result. A call's closing tag is no stop: several calls
may follow one another in one reply; ``complete_action_end`` ends the reply at the first text
after them that is not a call."""


@dataclass
class LoopConfig:
    backend: Backend
    tools: dict[str, Tool]
    system: ChatMessage
    protocol: Protocol
    limits: Limits
    prompts_dir: Path | None = None
    approve: Approver | None = None
    temperature: float = 0.0
    seed: int | None = None
    observation_chars: int = 4000
    cancel: Callable[[], bool] | None = None
    """Asked between steps and as text streams in; True ends the run as ``StopReason.CANCELLED``."""
    output: OutputType | None = None
    """Typed answers: the answer must validate against this type (``RunResult.output``)."""
    context: RunContext[Any] | None = None
    """The run's context, for tools that take a ``RunContext`` parameter (None: a fresh one per run)."""
    system_prompt: str | None = None
    """The system prompt as written, without the tool listing ``system`` may add (None: ``system`` is it)."""


@dataclass
class _State:
    task: str
    started: float
    messages: list[ChatMessage]
    new_messages: list[ChatMessage] = field(default_factory=list)
    trajectory: list[ToolCallRecord] = field(default_factory=list)
    step_records: list[StepRecord] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    seen_calls: dict[str, int] = field(default_factory=dict)
    repeats: int = 0
    timed_out: bool = False
    final_attempt: bool = False
    nudged: bool = False
    """The model was told once that it described a call instead of making it."""
    unchecked: str | None = None
    """An answer worked out by hand that the model was asked to check with a tool."""
    coverage_checked: bool = False
    """The run's first calls were checked against the numbers the task gives (once a run)."""
    held: str | None = None
    """Why this step's calls do not run (the task gives numbers they leave out), else None."""
    sums_sent_back: int = 0
    """How many times an answer's wrong arithmetic was sent back (at most ``_SUM_ROUNDS`` a run)."""
    grounding_checked: bool = False
    """The run's first call was checked for values nobody gave (once a run)."""
    call_next: bool = False
    """The model was told to make the call it described or skipped: the next reply must be a call."""
    answer_next: bool = False
    """The last step only repeated calls already made: the next one is asked for the answer, tools off."""
    output: OutputCheck | None = None
    """Typed answers: the check of the answer (None until there is one, or without an output type)."""
    output_reasked: bool = False
    inner: RunResult | None = None
    """The run of the agent-as-tool that ``_execute`` just called (handed to ``_act``)."""

    def add(self, message: ChatMessage) -> None:
        self.messages.append(message)
        self.new_messages.append(message)


class RunLoop:
    """Runs one task over a given history; ``new_messages`` holds what the run added to it."""

    def __init__(self, config: LoopConfig) -> None:
        self.c = config
        self.error: PonderError | None = None
        self.new_messages: list[ChatMessage] = []
        self.context: RunContext[Any] | None = config.context

    # -- the run ---------------------------------------------------------------------------
    def events(self, task: str, history: Sequence[ChatMessage] = (), *, continuing: bool = False) -> Iterator[ev.Event]:
        """``continuing``: ``history`` already holds ``task`` and the run's work so far (a paused
        run resumed); the model is asked for the next step with no new user message."""
        c = self.c
        st = _State(task=task, started=time.perf_counter(), messages=[c.system, *history])
        context = c.context if c.context is not None else RunContext.start(task=task)
        self.context = context if context.task else dataclasses.replace(context, task=task)
        if not continuing:
            st.add(ChatMessage(role=MessageRole.USER, content=task))
        self.new_messages = st.new_messages
        yield ev.RunStarted(task=task, model=c.backend.name, protocol=c.protocol.value, tools=tuple(c.tools))
        stop: StopReason | None = None
        answer: str | None = None
        step = 0
        answer_only = False
        try:
            while stop is None:
                if step >= c.limits.max_steps:
                    stop = StopReason.MAX_STEPS
                    break
                if self._out_of_time(st):
                    stop = StopReason.TIMEOUT
                    break
                if self._cancelled():
                    stop = StopReason.CANCELLED
                    break
                step += 1
                yield ev.StepStarted(step=step)
                answer_only, st.answer_next = st.answer_next, False
                reply, text = yield from self._ask(st, step, with_tools=not answer_only)
                if self._cancelled():
                    stop = StopReason.CANCELLED
                    break
                if st.timed_out:
                    st.add(ChatMessage(role=MessageRole.ASSISTANT, content=text))
                    stop = StopReason.TIMEOUT
                    break
                calls, native_ids, problem, thought = self._read_actions(reply, text)
                if problem is not None and self._is_typed_answer(text):
                    problem = None  # typed answers: JSON that validates is the answer, not a broken call
                mistake = MistakeKind.PARSE
                if not calls and problem is None:
                    described = self._described_call(st, text)
                    wrong = None
                    if described is None and not answer_only:
                        wrong, text = yield from self._wrong_sums(st, step, text)
                    by_hand = self._by_hand(st, text) if described is None and wrong is None else None
                    if described is not None:
                        mistake, problem = MistakeKind.NOT_CALLED, described
                    elif by_hand is not None:
                        mistake, problem = MistakeKind.BY_HAND, by_hand
                    elif wrong is not None:
                        mistake, problem = MistakeKind.WRONG_SUMS, wrong
                    else:
                        if st.unchecked is not None and not st.trajectory and c.output is None:
                            # Asked to check its sums, a small model that does not call the tool
                            # tends to reply with a bare (often wrong) number: the worked answer stands.
                            # (A typed answer is checked against its type instead.)
                            text = st.unchecked
                        answer = self._answer_text(text)
                        if answer:
                            st.add(ChatMessage(role=MessageRole.ASSISTANT, content=text))
                            # Typed answers: an invalid answer is asked for once more, then ends the run.
                            if c.output is not None and (yield from self._reask_for_output(st, step, answer)):
                                continue
                            stop = StopReason.ANSWER if st.output is None or st.output.ok else StopReason.INVALID_OUTPUT
                            break
                        mistake, problem = MistakeKind.EMPTY, "your reply was empty"
                if thought:
                    yield ev.Thought(step=step, text=thought)
                st.add(history_message(reply, text, native_ids))
                if problem is not None:
                    yield from self._mistake(st, step, mistake, problem)
                    continue
                ran = len(st.trajectory)
                st.held = self._uncovered(st, calls)
                for i, call in enumerate(calls):
                    call_id = native_ids[i] if native_ids else None
                    looping = yield from self._act(st, step, call, call_id)
                    if looping:
                        stop = StopReason.LOOP
                # A small model that repeats a call has what it needs but does not know to stop:
                # answered with a tool result, it mostly repeats the call again; asked as the
                # user, with the tools off, it answers.
                st.answer_next = all(r.error_kind is MistakeKind.REPEATED for r in st.trajectory[ran:])
                if st.answer_next and stop is None:
                    st.add(ChatMessage(role=MessageRole.USER, content=prompts.render("answer_now", c.prompts_dir)))
                if stop is StopReason.LOOP:
                    break
            # A loop in an answer-only step was the last attempt already: it is not asked twice.
            stopped = (StopReason.ANSWER, StopReason.INVALID_OUTPUT, StopReason.CANCELLED)
            if stop not in stopped and not (stop is StopReason.LOOP and answer_only):
                answer = yield from self._last_attempt(st, step + 1, stop or StopReason.MAX_STEPS)
                if answer and c.output is not None:  # typed answers: the last attempt's is checked, not re-asked
                    st.output = c.output.check(answer)
        except Exception as exc:  # a bug in Ponder is an InternalError: only PonderErrors leave the loop
            error = exc if isinstance(exc, PonderError) else InternalError.from_exception(exc, doing="running the agent loop")
            self.error = error
            stop = StopReason.ERROR
            yield ev.ErrorEvent(message=error.message, fix=error.fix)
        if answer:
            yield ev.Answer(text=answer)
        result = RunResult(
            task=task,
            answer=answer,
            stop_reason=stop or StopReason.ERROR,
            model=c.backend.name,
            protocol=c.protocol.value,
            steps=step,
            trajectory=st.trajectory,
            step_records=st.step_records,
            usage=st.usage,
            seconds=time.perf_counter() - st.started,
            error=str(self.error) if self.error else None,
            output=st.output.value if st.output is not None else None,
            output_error=st.output.problem if st.output is not None else None,
        )
        yield ev.RunFinished(result=result, stop_reason=result.stop_reason)

    # -- one model call ----------------------------------------------------------------------
    def _ask(self, st: _State, step: int, *, with_tools: bool) -> Generator[ev.Event, None, tuple[ModelReply, str]]:
        c = self.c
        # A backend that renders tools into its prompt keeps them for the last attempt too:
        # the prompt prefix then stays the same and its KV cache is reused.
        keep_tools = with_tools or c.backend.capabilities.tool_calls_as_text
        tools = list(c.tools.values()) if (keep_tools and c.protocol is Protocol.NATIVE) else []
        call_tools = list(c.tools.values()) if (with_tools and c.protocol is Protocol.TEXT) else []
        names = list(c.tools) if with_tools else []
        deadline = self._deadline(st)
        watch = CallWatch(names)  # re-reads the growing reply at a cost linear in its length

        def stop_when(text: str) -> int | None:
            if self._cancelled():
                return len(text)
            if deadline is not None and time.perf_counter() > deadline:
                st.timed_out = True
                return len(text)
            runaway = runaway_end(text)
            if runaway is not None:
                return runaway
            return watch(text) if with_tools else None

        request = ModelRequest(
            messages=list(st.messages),
            tools=tools,
            call_tools=call_tools,
            stop=_STOPS_TEXT if with_tools else (),
            max_tokens=c.limits.max_tokens_per_step,
            temperature=c.temperature,
            seed=c.seed,
            stop_when=stop_when,
            deadline=self._request_deadline(st, deadline),
            require_call=with_tools and st.call_next,
            answer_schema=c.output.wire_schema if c.output is not None else None,  # typed answers
            answer_only=not with_tools,
        )
        st.call_next = False
        started = time.perf_counter()
        text = ""
        reply: ModelReply | None = None
        for item in c.backend.stream(request):
            if isinstance(item, ModelReply):
                reply = item
            else:
                text += item
                yield ev.TextDelta(step=step, text=item)
        if reply is None:  # a backend that forgot its final reply: treat the text as the reply
            reply = ModelReply(text=text)
        text = reply.text or text
        u = reply.usage
        st.usage.add(u, calls=1)
        st.step_records.append(
            StepRecord(
                step=step,
                text=text,
                prompt_tokens=u.prompt_tokens,
                prompt_tokens_evaluated=u.prompt_tokens_evaluated,
                completion_tokens=u.completion_tokens,
                seconds=time.perf_counter() - started,
            )
        )
        yield ev.UsageEvent(
            step=step,
            prompt_tokens=u.prompt_tokens,
            completion_tokens=u.completion_tokens,
            prompt_tokens_evaluated=u.prompt_tokens_evaluated,
        )
        return reply, text

    def _read_actions(self, reply: ModelReply, text: str) -> tuple[list[ActionCall], list[str], str | None, str]:
        """The calls in a reply (native first, then read from the text), their ids, a problem, the thought."""
        if reply.tool_calls:
            calls, ids = [], []
            for call in reply.tool_calls:
                args = call.arguments
                if isinstance(args, str):
                    parsed = _loads_object(args)
                    if parsed is None:
                        return [], [], f"the arguments of {call.name} are not a JSON object", text.strip()
                    args = parsed
                calls.append(ActionCall(name=call.name, arguments=args))
                ids.append(call.id)
            return calls, ids, None, text.strip()
        found = extract_actions(text, self.c.tools)
        return found.calls, [], found.error, found.thought

    def _reask_for_output(self, st: _State, step: int, answer: str) -> Generator[ev.Event, None, bool]:
        """Typed answers: check ``answer``; True when it failed for the first time and was sent back.

        The model is told what is wrong and asked for the answer alone, tools off (the backend
        then constrains the whole reply to the schema where it can).
        """
        assert self.c.output is not None
        st.output = self.c.output.check(answer)
        if st.output.ok or st.output_reasked:
            return False
        st.output_reasked = True
        obs = prompts.render("invalid_output", self.c.prompts_dir, problem=st.output.problem)
        yield ev.ModelMistakeEvent(step=step, kind=MistakeKind.INVALID_OUTPUT, observation=obs)
        st.add(ChatMessage(role=MessageRole.USER, content=obs))
        st.answer_next = True
        return True

    def _described_call(self, st: _State, text: str) -> str | None:
        """The tool an answer names without calling it, before any tool ran (told once per run)."""
        if st.nudged or st.trajectory or st.final_attempt:
            return None
        name = mentioned_tool(text, self.c.tools)
        if name is not None:
            st.nudged = True
        return name

    def _by_hand(self, st: _State, text: str) -> str | None:
        """``tool\x00expression`` when an answer works arithmetic out by hand before any tool ran and a
        tool that computes is there (asked once per run), else None."""
        if st.nudged or st.trajectory or st.final_attempt or st.sums_sent_back:
            return None  # (hand work already sent back with the right values is not asked again)
        tool = computing_tool(self.c.tools)
        worked = hand_arithmetic(plain_answer(text)) if tool is not None else None
        if tool is None or worked is None or check_sums(plain_answer(text)).all_right:
            return None  # sums that all check out need no tool
        st.nudged, st.unchecked = True, text
        return "\x00".join((*tool, worked[:160]))

    def _uncovered(self, st: _State, calls: Sequence[ActionCall]) -> str | None:
        """The observation that holds the run's first calls back when they use some of the numbers
        the task gives and leave others out (checked once a run, before anything ran), else None.
        A calculation is not held: its steps rightly come one after another (held back, the 1.5B
        model answered "I cannot do it" to 6 of 20 word problems)."""
        if st.coverage_checked or st.trajectory or st.final_attempt:
            return None
        st.coverage_checked = True
        computing = computing_tool(self.c.tools)
        if computing is not None and any(c.name == computing[0] for c in calls):
            return None
        left = uncovered_givens(st.task, [c.arguments for c in calls])
        return prompts.render("uncovered", self.c.prompts_dir, unused=", ".join(left)) if left else None

    def _wrong_sums(self, st: _State, step: int, text: str) -> Generator[ev.Event, None, tuple[str | None, str]]:
        """(corrections to send back, or None; the reply) for the arithmetic an answer works out wrongly.

        A wrong result nothing later builds on is put right in the reply itself (the model, told
        the right value, mostly wrote its answer again unchanged). A slip that later steps build
        on goes back to the model, which redoes them (``_SUM_ROUNDS`` times a run at most; then
        what can be put right is)."""
        if st.final_attempt or self.c.output is not None:
            return None, text
        wrong = check_sums(plain_answer(text)).wrong
        if not wrong:
            return None, text
        if all(not w.feeds_later for w in wrong) or st.sums_sent_back >= _SUM_ROUNDS:
            fixed = [w for w in wrong if not w.feeds_later]
            if fixed:
                note = "corrected in the answer: " + "; ".join(w.describe() for w in fixed)
                yield ev.ModelMistakeEvent(step=step, kind=MistakeKind.WRONG_SUMS, observation=note)
            return None, with_right_values(plain_answer(text), fixed) if fixed else text
        st.sums_sent_back += 1
        return "; ".join(w.describe() for w in wrong), text

    def _mistake(self, st: _State, step: int, kind: MistakeKind, detail: str) -> Generator[ev.Event, None, None]:
        """An unusable reply becomes an observation that says how to fix it.

        ``detail`` is the problem (``parse``, ``empty``), the tool's name (``not_called``), the
        tool and the worked expression (``by_hand``) or the corrections (``wrong_sums``).
        """
        if kind is MistakeKind.NOT_CALLED:
            obs = prompts.render("not_called", self.c.prompts_dir, name=detail)
        elif kind is MistakeKind.BY_HAND:
            name, _, worked = detail.split("\x00")
            obs = prompts.render("by_hand", self.c.prompts_dir, name=name, expression=worked)
        elif kind is MistakeKind.WRONG_SUMS:
            tool = computing_tool(self.c.tools)
            hint = f" (use {tool[0]} for any step you still have to work out)" if tool is not None else ""
            obs = prompts.render("wrong_sums", self.c.prompts_dir, corrections=detail, hint=hint)
        else:
            template = "empty_reply" if kind is MistakeKind.EMPTY else "parse_error"
            obs = prompts.render(template, self.c.prompts_dir, problem=detail)
        yield ev.ModelMistakeEvent(step=step, kind=kind, observation=obs)
        st.call_next = kind is MistakeKind.BY_HAND  # a described call may rightly become an answer
        if kind in (MistakeKind.PARSE, MistakeKind.EMPTY):  # no call made: the trajectory shows the failed step
            st.trajectory.append(ToolCallRecord(step=step, name="", arguments={}, output=obs, ok=False, error_kind=MistakeKind.PARSE))
        st.add(ChatMessage(role=MessageRole.USER, content=obs))

    # -- one tool call ------------------------------------------------------------------------
    def _act(self, st: _State, step: int, call: ActionCall, call_id: str | None) -> Generator[ev.Event, None, bool]:
        c = self.c
        shown_id = call_id or f"s{step}-{len(st.trajectory)}"
        yield ev.ToolCallStarted(step=step, call_id=shown_id, name=call.name, arguments=call.arguments)
        output, ok, kind, seconds, looping, used = self._execute(st, call)
        output = truncate(output, c.observation_chars)
        # Agents as tools: the inner run nests in this call's record and its usage counts in this run's.
        inner, st.inner = st.inner, None
        if inner is not None:
            st.usage.add(inner.usage)
        st.trajectory.append(
            ToolCallRecord(
                step=step, name=used.name, arguments=used.arguments, output=output, ok=ok, error_kind=kind, seconds=seconds, inner=inner
            )
        )
        yield ev.ToolResult(
            step=step, call_id=shown_id, name=call.name, output=output, ok=ok, error_kind=kind, seconds=seconds, inner=inner
        )
        st.add(observation_message(output, name=call.name, call_id=call_id, capabilities=c.backend.capabilities, protocol=c.protocol))
        return looping

    def _execute(self, st: _State, call: ActionCall) -> tuple[str, bool, MistakeKind | None, float, bool, ActionCall]:
        """Run one call; returns (observation, ok, error kind, seconds, looping, the call as run)."""
        c = self.c
        tool = c.tools.get(call.name) or self._closest_tool(call.name)
        if tool is None:
            available = ", ".join(c.tools) or "(none)"
            return prompts.render("unknown_tool", c.prompts_dir, name=call.name, available=available), False, MistakeKind.UNKNOWN_TOOL, 0.0, False, call
        try:
            arguments = tool.validate(call.arguments)
        except PonderError:
            raise
        except Exception as exc:  # ToolArgumentsError: the model's to fix
            problem = getattr(exc, "observation", str(exc))
            return prompts.render("bad_arguments", c.prompts_dir, problem=problem, name=tool.name), False, MistakeKind.BAD_ARGUMENTS, 0.0, False, call
        said = conversation_text(st.messages, c.system_prompt)
        arguments, dropped = without_made_up_options(arguments, tool.parameters, said)
        if dropped:
            log.info("left out %s of %s: optional, and nobody gave their values", ", ".join(dropped), tool.name)
        arguments, redated = conform_dates(arguments, tool.parameters)
        if redated:
            log.info("rewrote %s of %s in the date layout its documentation gives", ", ".join(redated), tool.name)
        used = ActionCall(name=tool.name, arguments=arguments, raw=call.raw)
        if st.held is not None:
            held, st.held = st.held, "Not run yet: see the note on your first call."
            return held, False, MistakeKind.UNCOVERED, 0.0, False, used
        if not st.grounding_checked and all(r.error_kind is MistakeKind.UNCOVERED for r in st.trajectory):
            st.grounding_checked = True
            made_up = ungrounded_values(arguments, tool.parameters, said, tool.describe())
            if made_up and not written_in_another_script(st.task):  # values a model translated are its own
                obs = prompts.render("ungrounded", c.prompts_dir, name=tool.name, values=", ".join(made_up[:4]))
                return obs, False, MistakeKind.UNGROUNDED, 0.0, False, used
        key = f"{tool.name}:{json.dumps(arguments, sort_keys=True, default=str)}"
        if key in st.seen_calls:
            st.repeats += 1
            looping = st.repeats > c.limits.max_repeats
            return prompts.render("repeated_call", c.prompts_dir, name=tool.name), False, MistakeKind.REPEATED, 0.0, looping, used
        st.seen_calls[key] = len(st.trajectory)
        if tool.needs_approval and not (c.approve and c.approve(tool, arguments)):
            return f"The user did not approve running {tool.name}. Do not retry it; answer without it.", False, MistakeKind.REFUSED, 0.0, False, used
        outcome = run_tool(tool, arguments, tool.timeout or c.limits.tool_timeout, c.prompts_dir, self.context)
        st.inner = outcome.inner  # an agent used as a tool: its run, for _act
        output = stringify(outcome.output)
        if tool.name != call.name:
            output = f"(ran {tool.name}; there is no tool named {call.name}) {output}"
        return output, outcome.ok, outcome.error_kind, outcome.seconds, False, used

    def _closest_tool(self, name: str) -> Tool | None:
        """A near-miss tool name (case, separators, a typo) resolves when exactly one tool is close."""
        tools = self.c.tools
        folded = {n.lower().replace("-", "_").replace(" ", "_"): n for n in tools}
        key = name.lower().replace("-", "_").replace(" ", "_")
        if key in folded:
            return tools[folded[key]]
        close = difflib.get_close_matches(key, list(folded), n=2, cutoff=0.85)
        return tools[folded[close[0]]] if len(close) == 1 else None

    # -- limits ---------------------------------------------------------------------------------
    def _last_attempt(self, st: _State, step: int, reason: StopReason) -> Generator[ev.Event, None, str | None]:
        why = {
            StopReason.MAX_STEPS: f"the limit of {self.c.limits.max_steps} steps is reached",
            StopReason.TIMEOUT: "the time limit is reached",
            StopReason.LOOP: "you are repeating the same call",
        }.get(reason, reason.value)
        st.add(ChatMessage(role=MessageRole.USER, content=prompts.render("final_answer", self.c.prompts_dir, reason=why)))
        st.timed_out = False
        st.final_attempt = True
        reply, text = yield from self._ask(st, step, with_tools=False)
        st.add(ChatMessage(role=MessageRole.ASSISTANT, content=text))
        found = extract_actions(text, self.c.tools)
        answers = (found.is_answer or self._is_typed_answer(text)) and text.strip()
        return self._answer_text(text) if answers else None

    def _answer_text(self, text: str) -> str:
        """The answer a reply gives: LaTeX math rewritten as plain text, except in a typed answer
        (its JSON is validated as the model wrote it)."""
        answer = final_answer(text)
        return (answer if self.c.output is not None else plain_answer(answer)).strip()

    def _is_typed_answer(self, text: str) -> bool:
        """Typed answers: ``text`` validates against the output type. Such a reply is the answer even
        when it looks like a call that could not be read (```json with a "name" key inside it)."""
        return self.c.output is not None and self.c.output.check(text).ok

    def _deadline(self, st: _State) -> float | None:
        timeout = self.c.limits.run_timeout
        if timeout is None:
            return None
        if st.final_attempt:
            return time.perf_counter() + max(10.0, timeout * 0.25)  # the last attempt gets its own short budget
        return st.started + timeout

    def _request_deadline(self, st: _State, at: float | None) -> Deadline | None:
        """The deadline handed to the backend, named as the user set it."""
        timeout = self.c.limits.run_timeout
        if at is None or timeout is None:
            return None
        if st.final_attempt:
            return Deadline(at=at, limit=f"the time allowed for the final answer ({at - time.perf_counter():.0f}s)")
        return Deadline(at=at, limit=f"the run's time limit of {timeout:g}s (--timeout)")

    def _cancelled(self) -> bool:
        return self.c.cancel is not None and self.c.cancel()

    def _out_of_time(self, st: _State) -> bool:
        deadline = self._deadline(st)
        return deadline is not None and time.perf_counter() > deadline


def _loads_object(raw: str) -> dict[str, Any] | None:
    parsed = parse_json(raw) if raw.strip() else {}
    return parsed if isinstance(parsed, dict) else None
