"""Reading what the agent did: eval logs, batch results and saved chat sessions, as ``Conversation``s.

What each source records, and so what an example built from it holds:
- an eval log (``.ponder/evals/*.jsonl``): the task, every tool call with its arguments and the
  first 500 characters of its output, the answer, the grade and the step count; the suite file
  named in the log's manifest gives the system prompt and the tools offered. Not recorded: the
  model's text before each call, which calls one step made together, outputs past 500 characters.
- batch results (``ponder run -f`` writes ``<file>.results.jsonl``): a whole ``RunResult``: the
  step texts (the model's thought before each call), the calls by step, full outputs (already cut
  to the observation budget). Not recorded: the tools offered and the system prompt (the tools
  called, or ``tools=``, and Ponder's default prompt are used).
- a chat session (``ponder chat`` saves one after every turn): the whole conversation the model saw,
  tool calls and results included. Not recorded: the system prompt.
A call the loop could not run (unreadable, unknown tool, a repeat it refused) is left out: it
never reached a tool, so it teaches nothing worth keeping.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ponder.errors import InputError
from ponder.export.conversation import Call, Conversation, turn_messages

if TYPE_CHECKING:
    from ponder.tools.base import Tool

SKIPPED_KINDS = frozenset({"parse", "unknown_tool", "repeated", "refused"})
SESSION_PREFIX = "session:"


def read_sources(sources: Sequence[str], *, tools: Sequence[str] | None = None, system_prompt: str | None = None) -> list[Conversation]:
    """Every conversation in ``sources``: eval logs, batch result files, session files or ``session:NAME``."""
    conversations: list[Conversation] = []
    for source in sources:
        conversations += read_source(source, tools=tools, system_prompt=system_prompt)
    return conversations


def read_source(source: str, *, tools: Sequence[str] | None = None, system_prompt: str | None = None) -> list[Conversation]:
    if source.startswith(SESSION_PREFIX):
        return [from_session(load_session(source.removeprefix(SESSION_PREFIX)), tools=tools, system_prompt=system_prompt)]
    path = Path(source)
    if not path.is_file():
        raise InputError(f"no file at {source}", fix="pass an eval log (.ponder/evals/*.jsonl), a *.results.jsonl, a session file or session:NAME")
    if path.suffix == ".json":
        return [from_session(load_session(str(path)), tools=tools, system_prompt=system_prompt)]
    lines = _json_lines(path)
    if lines and lines[0].get("type") == "manifest":
        return from_eval_log(path, lines, tools=tools, system_prompt=system_prompt)
    if lines and all("trajectory" in line or "stop_reason" in line for line in lines):
        return from_batch_results(path, lines, tools=tools, system_prompt=system_prompt)
    raise InputError(
        f"{path} is neither an eval log nor batch results",
        fix="pass a log written by `ponder eval` or `ponder run -f`, a session file, or session:NAME",
    )


def _json_lines(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{number}: not JSON ({exc})", fix="pass a JSONL file written by ponder") from None
        if isinstance(row, dict):
            rows.append(row)
    return rows


# -- eval logs -------------------------------------------------------------------------------------
def from_eval_log(path: Path, lines: list[dict[str, Any]], *, tools: Sequence[str] | None, system_prompt: str | None) -> list[Conversation]:
    from ponder.evals.records import CaseRecord

    manifest = lines[0]
    suite = _suite(manifest.get("suite_source"))
    records: dict[str, CaseRecord] = {}
    for line in lines[1:]:
        if line.get("type") == "case":
            record = CaseRecord.model_validate(line)
            records[record.key] = record  # a rerun of an errored case supersedes it
    conversations = []
    for record in records.values():
        if record.status in ("skipped", "error") or record.answer is None:
            continue
        case = next((c for c in suite.cases if c.id == record.case), None) if suite else None
        if case is not None and case.turns:
            conversations.append(_unusable(f"{manifest.get('suite', path.stem)}/{record.key}", path, "a conversation case (its log keeps only the last answer)"))
            continue
        offered, prompt = _case_setup(suite, case)
        calls = [Call(c.name, c.arguments, c.output, c.ok) for c in record.tool_calls if c.name]
        notes = ["tool outputs cut to 500 characters", "the model's text before each call is not recorded"]
        if suite is None:
            notes.append("suite file not found: tools are the ones called, the system prompt Ponder's default")
        tool_list = _offered(tools, offered, calls)
        conversations.append(
            Conversation(
                id=f"{manifest.get('suite', path.stem)}/{record.key}",
                source=str(path),
                messages=_with_system(system_prompt or prompt, turn_messages(record.input, _known(calls, tool_list), record.answer)),
                tools=[t.openai_schema() for t in tool_list],
                passed=record.passed,
                steps=record.steps,
                notes=notes,
            )
        )
    return conversations


def _suite(source: Any) -> Any:
    if not isinstance(source, str):
        return None
    from ponder.errors import PonderError
    from ponder.evals.sources import load_suite

    try:
        return load_suite(source)
    except PonderError:
        return None


def _case_setup(suite: Any, case: Any) -> tuple[list[Tool] | None, str | None]:
    """The tools and system prompt the runner gave this case (``EvalRunner.job_spec``'s rules)."""
    if suite is None:
        return None, None
    from ponder.errors import PonderError

    spec = suite.agent
    try:
        if case is not None and case.tools is not None:
            offered = list(case.tools)
        elif case is not None and case.tool_names is not None:
            offered = spec.merged(tools=case.tool_names).resolve_tools()
        else:
            offered = [*spec.resolve_tools(), *suite.tools]
    except PonderError:  # a tool that is not installed here any more: fall back to the tools called
        return None, (case.system_prompt if case is not None else None) or spec.system_prompt
    if suite.knowledge:
        from ponder.evals.sources import knowledge_tools

        offered += knowledge_tools(suite.knowledge) or []
    return offered, (case.system_prompt if case is not None else None) or spec.system_prompt


# -- batch results ---------------------------------------------------------------------------------
def from_batch_results(path: Path, lines: list[dict[str, Any]], *, tools: Sequence[str] | None, system_prompt: str | None) -> list[Conversation]:
    from ponder.agents.actions import extract_actions
    from ponder.agents.result import RunResult

    conversations = []
    for number, line in enumerate(lines, start=1):
        if line.get("answer") is None or "trajectory" not in line:
            continue
        result = RunResult.model_validate({k: v for k, v in line.items() if k != "id"})
        calls = [
            Call(c.name, c.arguments, c.output, c.ok, step=c.step)
            for c in result.trajectory
            if c.name and c.error_kind not in SKIPPED_KINDS
        ]
        tool_list = _offered(tools, None, calls)
        names = [t.name for t in tool_list]
        thoughts = {s.step: extract_actions(s.text, names).thought for s in result.step_records}
        conversations.append(
            Conversation(
                id=f"{path.name}/{line.get('id', number)}",
                source=str(path),
                messages=_with_system(system_prompt, turn_messages(result.task, _known(calls, tool_list), result.answer or "", thoughts)),
                tools=[t.openai_schema() for t in tool_list],
                passed=result.stop_reason.value == "answer",
                steps=result.steps,
                notes=["tools offered and system prompt not recorded: tools called (or tools=) and Ponder's default prompt"],
            )
        )
    return conversations


# -- chat sessions -----------------------------------------------------------------------------------
def load_session(name_or_path: str) -> Any:
    """The one place the export reads a chat session (a ``ponder.sessions.SessionFile``), by name or file path."""
    from ponder import sessions

    path = Path(name_or_path)
    return sessions.read(path) if path.suffix == ".json" and path.is_file() else sessions.load(name_or_path)


def from_session(session: Any, *, tools: Sequence[str] | None, system_prompt: str | None) -> Conversation:
    """A whole chat session (every turn) as one multi-turn conversation."""
    from ponder.agents.actions import extract_actions

    offered = _resolve(tools if tools is not None else session.tools)
    names = [t.name for t in offered]
    messages: list[dict[str, Any]] = []
    counter = 0
    steps = longest = 0
    for message in session.to_messages():
        role, text = message.role.value, message.content or ""
        kwargs = message.additional_kwargs
        if role == "user" and text.startswith("Observation from ") and messages and messages[-1]["role"] in ("assistant", "tool"):
            name = text.removeprefix("Observation from ").split(":", 1)[0]
            messages.append(_tool_result(messages, name, text.split("\n", 1)[1] if "\n" in text else ""))
        elif role == "user":
            messages.append({"role": "user", "content": text})
            steps = 0
        elif role == "tool":
            messages.append(_tool_result(messages, str(kwargs.get("name", "")), text, kwargs.get("tool_call_id")))
        elif role == "assistant":
            native = _native_calls(message)
            calls = native or [(c.name, c.arguments) for c in extract_actions(text, names).calls]
            steps += 1
            longest = max(longest, steps)
            if not calls:
                messages.append({"role": "assistant", "content": text.strip()})
                continue
            thought = text if native else extract_actions(text, names).thought
            tool_calls = []
            for name, arguments in calls:
                counter += 1
                tool_calls.append({"id": f"call_{counter}", "type": "function", "function": {"name": name, "arguments": arguments}})
            messages.append({"role": "assistant", "content": thought.strip(), "tool_calls": tool_calls})
    answered = all(t.stop_reason == "answer" for t in session.turns) and bool(session.turns)
    return Conversation(
        id=f"session:{session.name}",
        source=f"session:{session.name}",
        messages=_with_system(system_prompt, _drop_unanswered_calls(messages)),
        tools=[t.openai_schema() for t in offered],
        passed=answered,
        steps=longest,
        notes=["system prompt not recorded: Ponder's default"],
    )


def _native_calls(message: Any) -> list[tuple[str, dict[str, Any]]]:
    """The structured calls of an assistant message: LlamaIndex ``ToolCallBlock``s (arguments a dict or JSON)."""
    calls = []
    for block in message.blocks:
        name = getattr(block, "tool_name", None)
        arguments = getattr(block, "tool_kwargs", None)
        if name is None:
            continue
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments or "{}")
            except ValueError:
                continue
        if isinstance(arguments, dict):
            calls.append((str(name), arguments))
    return calls


def _tool_result(messages: list[dict[str, Any]], name: str, content: str, call_id: Any = None) -> dict[str, Any]:
    """A tool message answering the latest call of that name that has no answer yet."""
    answered = {m.get("tool_call_id") for m in messages if m["role"] == "tool"}
    for message in reversed(messages):
        for call in message.get("tool_calls") or []:
            if call["id"] not in answered and (call["function"]["name"] == name or not name):
                return {"role": "tool", "tool_call_id": call["id"], "name": call["function"]["name"], "content": content}
    return {"role": "tool", "tool_call_id": str(call_id or "call_unmatched"), "name": name, "content": content}


def _drop_unanswered_calls(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep only calls that got a result (a turn cut short by Ctrl-C leaves one without)."""
    answered = {m["tool_call_id"] for m in messages if m["role"] == "tool"}
    out = []
    for message in messages:
        if message.get("tool_calls"):
            kept = [c for c in message["tool_calls"] if c["id"] in answered]
            message = {**message, "tool_calls": kept} if kept else {"role": "assistant", "content": message["content"]}
            if not kept and not message["content"]:
                continue
        out.append(message)
    return out


# -- helpers -----------------------------------------------------------------------------------------
def _resolve(names: Iterable[str] | None) -> list[Tool]:
    """Tools by name from the registry (unknown names are left out: a call to one is dropped)."""
    from ponder.tools.registry import load_registry
    from ponder.tools.selection import pick

    registry = load_registry()
    wanted = [n for n in (names if names is not None else ["default"]) if n in registry.tools or n == "default"]
    return pick(wanted, registry)


def _offered(names: Sequence[str] | None, offered: list[Tool] | None, calls: Sequence[Call]) -> list[Tool]:
    if names is not None:
        return _resolve(names)
    if offered is not None:
        return offered
    return _resolve(dict.fromkeys(c.name for c in calls))


def _known(calls: Sequence[Call], tools: Sequence[Tool]) -> list[Call]:
    names = {t.name for t in tools}
    return [c for c in calls if c.name in names]


def _unusable(conversation_id: str, path: Path, reason: str) -> Conversation:
    return Conversation(id=conversation_id, source=str(path), messages=[], tools=[], unusable=reason)


def _with_system(prompt: str | None, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from ponder import prompts

    return [{"role": "system", "content": prompt or prompts.load("system")}, *messages]
