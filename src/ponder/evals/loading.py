"""Suite files: YAML in, a validated ``Suite`` out, or an error that names the file, line and field.

Line numbers come from the YAML node tree (``yaml.compose``): every problem pydantic or the
grader registry finds is mapped back from its field path to the node it came from.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ponder.agents.limits import Limits
from ponder.agents.spec import AgentSpec
from ponder.errors import InputError, PonderError
from ponder.evals.grading import Grader, GraderSpecError, parse_grader
from ponder.evals.spec import CaseSpec, SuiteSpec
from ponder.evals.suite import Case, Suite

FIX = "see docs/evals.md for the suite format (editors can validate against evals/schema.json)"
Loc = tuple[str | int, ...]


class _Problem(Exception):
    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def load_suite_file(path: Path) -> Suite:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read suite file {path}: {exc}", fix="check the path") from exc
    return parse_suite(text, source=str(path), base_dir=path.parent, default_name=path.stem)


def parse_suite(text: str, *, source: str, base_dir: Path | None = None, default_name: str = "suite") -> Suite:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise InputError(f"{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}", fix="fix the YAML at that line") from exc
    except RecursionError:
        raise InputError(f"{source}: the YAML is nested too deeply to read", fix=FIX) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise InputError(f"{source}: a suite file is a mapping with 'cases:'", fix=FIX)
    try:
        spec = SuiteSpec.model_validate(data)
    except ValidationError as exc:
        raise _error(source, node, exc.errors()[0]["loc"], _explain(exc.errors()[0]), len(exc.errors()) - 1) from None
    if base_dir is not None and str(base_dir.resolve()) not in sys.path:
        sys.path.append(str(base_dir.resolve()))  # custom graders may live next to the suite
    try:
        return _build(spec, source=source, base_dir=base_dir, default_name=default_name)
    except _Problem as problem:
        raise _error(source, node, problem.loc, problem.message, 0) from None


def _build(spec: SuiteSpec, *, source: str, base_dir: Path | None, default_name: str) -> Suite:
    from ponder.tools.registry import available_tools

    registry = available_tools()

    def tools(names: list[str], loc: Loc) -> list[Any]:
        for i, name in enumerate(names):
            if name not in registry and name != "default" and ":" not in name:
                near = difflib.get_close_matches(name, list(registry), n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                raise _Problem((*loc, i), f"unknown tool '{name}'{hint}; available: {', '.join(sorted(registry))}")
        return [registry[n] for n in names if n in registry]

    suite_graders = _graders(spec.graders, ("graders",))
    cases: list[Case] = []
    seen: set[str] = set()
    for i, c in enumerate(spec.cases):
        if c.id in seen:
            raise _Problem(("cases", i, "id"), f"case id '{c.id}' is used twice")
        seen.add(c.id)
        cases.append(_case(c, i, suite_graders, tools))
    agent = suite_agent(spec)
    tools(agent.tools or [], ("tools",) if spec.tools is not None else ("agent", "tools"))
    if agent.output_type is not None:
        _output_type(agent.output_type, ("output_type",) if spec.output_type is not None else ("agent", "output_type"))
    return Suite(
        name=spec.name or default_name,
        cases=cases,
        agent=agent,
        judge_model=spec.judge_model,
        knowledge=spec.knowledge,
        repeat=spec.repeat,
        source=source,
        base_dir=base_dir,
    )


SHORTHAND_FIELDS = ("model", "tools", "system_prompt", "protocol", "limits", "temperature", "seed", "output_type")
"""A suite's top-level fields that describe its agent (written over ``agent``)."""


def suite_agent(spec: SuiteSpec) -> AgentSpec:
    """The agent a suite file declares: its ``agent`` (a name in ponder.toml, or a table), then the shorthand fields."""
    if isinstance(spec.agent, str):
        try:
            base = AgentSpec.from_config(name=spec.agent)
        except PonderError as exc:
            raise _Problem(("agent",), exc.message) from None
    else:
        base = spec.agent if spec.agent is not None else AgentSpec(tools=[])
    written = {k: getattr(spec, k) for k in SHORTHAND_FIELDS if k in spec.model_fields_set and getattr(spec, k) is not None}
    if isinstance(written.get("limits"), Limits):
        written["limits"] = written["limits"].model_dump(exclude_unset=True)
    if base.tools is None and "tools" not in written:
        written["tools"] = []  # a suite's agent has no tools unless it names them
    return base.merged(**written)


def _case(c: CaseSpec, i: int, suite_graders: list[Grader] | None, tools: Any) -> Case:
    graders = _graders(c.graders, ("cases", i, "graders")) if c.graders else suite_graders
    if not graders:
        if c.expected is None and not c.skip:
            raise _Problem(("cases", i), f"case '{c.id}' has no graders and no 'expected' answer")
        graders = [parse_grader("contains")]
    if c.tools is not None:
        tools(c.tools, ("cases", i, "tools"))
    if c.output_type is not None:
        _output_type(c.output_type, ("cases", i, "output_type"))
    return Case(
        id=c.id,
        input=c.input,
        turns=tuple(c.turns),
        expected=c.expected,
        tags=tuple(c.tags),
        graders=graders,
        tool_names=list(c.tools) if c.tools is not None else None,
        system_prompt=c.system_prompt,
        output_type=c.output_type,
        skip=c.skip,
    )


def _output_type(declared: Any, loc: Loc) -> None:
    """An output type that cannot be imported or is not a JSON Schema is an error at its line."""
    from ponder.agents.output import OutputType

    try:
        OutputType.of(declared)
    except PonderError as exc:
        raise _Problem(loc, exc.message) from None


def _graders(entries: list[Any] | None, loc: Loc) -> list[Grader] | None:
    if entries is None:
        return None
    out = []
    for j, entry in enumerate(entries):
        try:
            out.append(parse_grader(entry))
        except GraderSpecError as exc:
            raise _Problem((*loc, j, *exc.loc), exc.message) from None
    return out


# -- errors with line numbers -----------------------------------------------------------------
def _error(source: str, root: yaml.Node | None, loc: Loc, message: str, more: int) -> InputError:
    line = line_of(root, loc)
    where = f"{source}:{line}" if line else source
    field = dotted(loc)
    tail = f" (and {more} more problem{'s' * (more > 1)})" if more > 0 else ""
    return InputError(f"{where}: {field + ': ' if field else ''}{message}{tail}", fix=FIX)


def line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the node at ``loc`` (or of its deepest existing ancestor)."""
    if root is None:
        return None
    node: yaml.Node = root
    for depth, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if match is None:
                break
            key, value = match
            node = key if depth == len(loc) - 1 and not isinstance(value, yaml.ScalarNode) else value
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
    return int(node.start_mark.line) + 1


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _explain(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        known = _fields_at(err["loc"][:-1])
        near = difflib.get_close_matches(name, known, n=1)
        return f"unknown field{f' (did you mean {near[0]!r}?)' if near else ''}"
    if kind == "missing":
        return "this field is required"
    return f"{err['msg']} (got {err.get('input')!r})"


_NESTED: dict[str, type[BaseModel]] = {"limits": Limits, "cases": CaseSpec, "agent": AgentSpec}


def _fields_at(loc: Loc) -> list[str]:
    """Field names valid at ``loc`` (for 'did you mean' hints)."""
    model: type[BaseModel] = SuiteSpec
    for part in loc:
        if isinstance(part, int):
            continue
        nested = _NESTED.get(str(part))
        if nested is None:
            return []
        model = nested
    return [f.alias or name for name, f in model.model_fields.items()]
