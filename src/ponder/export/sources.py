"""Reading what the agent did: eval logs, batch results and saved chat sessions, as ``Conversation``s.

What each source records, and so what an example built from it holds:
- an eval log (``.ponder/evals/*.jsonl``): the task, every tool call with its arguments, step and
  output, each step's text (both kept to 4,000 characters), the answer, the grade and the step
  count; the suite file named in the log's manifest gives the system prompt and the tools
  offered. Logs written before records kept the trajectory have outputs cut to 500 characters
  and no step texts (so no thought before a call, and one call per step).
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
    from ponder.export.sessions import from_session, load_session

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
        conversation_id = f"{manifest.get('suite', path.stem)}/{record.key}"
        if record.status in ("skipped", "error") or record.answer is None:
            why = {"skipped": "skipped", "error": "errored"}.get(record.status, "no answer")
            conversations.append(_unusable(conversation_id, path, why))
            continue
        case = next((c for c in suite.cases if c.id == record.case), None) if suite else None
        if case is not None and case.turns:
            conversations.append(_unusable(conversation_id, path, "a conversation case (its log keeps only the last answer)"))
            continue
        offered, prompt = _case_setup(suite, case)
        calls = [
            Call(c.name, c.arguments, c.output, c.ok, step=c.step)
            for c in record.tool_calls
            if c.name and c.error_kind not in SKIPPED_KINDS
        ]
        full = bool(record.step_records) or any(c.step is not None for c in record.tool_calls)
        if full:  # logs written since records keep the trajectory: step texts and outputs to 4,000 characters
            notes = ["tool outputs and step texts kept to 4,000 characters"]
        else:
            notes = ["tool outputs cut to 500 characters", "the model's text before each call is not recorded"]
        tool_names = {c.name for c in record.tool_calls}
        thoughts = {s.step: _thought(s.text, tool_names) for s in record.step_records}
        if not (system_prompt or prompt) and _default_prompt_changed(manifest):
            notes.append("Ponder's system prompt changed since the run: the current one is written")
        if suite is None:
            notes.append("suite file not found: tools are the ones called, the system prompt Ponder's default")
        tool_list = _offered(tools, offered, calls)
        conversations.append(
            Conversation(
                id=conversation_id,
                source=str(path),
                messages=with_system(system_prompt or prompt, turn_messages(record.input, _known(calls, tool_list), record.answer, thoughts)),
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
        thoughts = {s.step: _thought(s.text, set(names)) for s in result.step_records}
        conversations.append(
            Conversation(
                id=f"{path.name}/{line.get('id', number)}",
                source=str(path),
                messages=with_system(system_prompt, turn_messages(result.task, _known(calls, tool_list), result.answer or "", thoughts)),
                tools=[t.openai_schema() for t in tool_list],
                passed=result.stop_reason.value == "answer",
                steps=result.steps,
                notes=["tools offered and system prompt not recorded: tools called (or tools=) and Ponder's default prompt"],
            )
        )
    return conversations


# -- helpers -----------------------------------------------------------------------------------------
def resolve_by_name(names: Iterable[str] | None) -> list[Tool]:
    """Tools by name from the registry (unknown names are left out: a call to one is dropped)."""
    from ponder.tools.registry import load_registry
    from ponder.tools.selection import pick

    registry = load_registry()
    wanted = [n for n in (names if names is not None else ["default"]) if n in registry.tools or n == "default"]
    return pick(wanted, registry)


def _offered(names: Sequence[str] | None, offered: list[Tool] | None, calls: Sequence[Call]) -> list[Tool]:
    if names is not None:
        return resolve_by_name(names)
    if offered is not None:
        return offered
    return resolve_by_name(dict.fromkeys(c.name for c in calls))


def _known(calls: Sequence[Call], tools: Sequence[Tool]) -> list[Call]:
    names = {t.name for t in tools}
    return [c for c in calls if c.name in names]


def _thought(text: str, tool_names: set[str]) -> str:
    """The model's text before its call: what the loop reads as its thought (all of it for a native call)."""
    from ponder.agents.actions import extract_actions

    found = extract_actions(text, tool_names)
    return found.thought if found.calls or found.error else text


def _default_prompt_changed(manifest: dict[str, Any]) -> bool:
    """Does the default system prompt differ from the one the run's manifest hashed?"""
    import hashlib

    from ponder import prompts

    recorded = (manifest.get("prompts") or {}).get("prompts/system")
    current = hashlib.sha256(prompts.load("system").encode("utf-8")).hexdigest()[:16]
    return recorded is not None and recorded != current


def _unusable(conversation_id: str, path: Path, reason: str) -> Conversation:
    return Conversation(id=conversation_id, source=str(path), messages=[], tools=[], unusable=reason)


def with_system(prompt: str | None, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from ponder import prompts

    return [{"role": "system", "content": prompt or prompts.load("system")}, *messages]
