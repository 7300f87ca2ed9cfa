"""The suite file format (YAML), as pydantic models: validation and the published JSON Schema.

Graders are written as one-key mappings (``- numeric: {tolerance: 0.5}``), a kind with a
scalar shorthand (``- contains: "391"``) or a bare kind (``- exact``); they are checked
against the grader registry after the rest of the file validates, so the error can still
point at the exact entry.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ponder.agents.limits import Limits
from ponder.agents.spec import AgentSpec

_PLACEHOLDER = {"x-ponder": "grader-entry"}
GraderEntry = Annotated[Any, WithJsonSchema(_PLACEHOLDER)]
"""A grader as written in the file; its schema is filled in by ``suite_json_schema``."""

SCHEMA_ID = "https://ponder.dev/schemas/eval-suite.json"


class CaseSpec(BaseModel):
    """One task for the agent and how to grade the result."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[^#\s]+$", description="unique within the suite; no spaces or '#'")
    input: str = Field(min_length=1, description="the task, as the user would write it")
    turns: list[str] = Field(default_factory=list, description="further user messages: the case is a conversation, graded on its last answer and every turn's tool calls")
    expected: Any = Field(None, description="the reference answer graders compare against when they are given no value")
    tags: list[str] = Field(default_factory=list)
    graders: list[GraderEntry] | None = Field(None, description="default: the suite's graders, else 'contains: <expected>'")
    tools: list[str] | None = Field(None, description="tool names for this case (default: the suite's)")
    system_prompt: str | None = None
    output_type: str | dict[str, Any] | None = Field(
        None, description="the answer's type for this case: 'module:Type' or a JSON Schema (default: the agent's)"
    )
    skip: str | None = Field(None, description="a reason to skip this case (recorded as skipped)")


class SuiteSpec(BaseModel):
    """An eval suite: the agent under test and the cases it must pass.

    The agent is ``agent`` (a named agent of ponder.toml, or a table of AgentSpec fields), with
    the top-level agent fields (``model``, ``tools``, ``limits``...) written over it.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_ref: str | None = Field(None, alias="$schema", description="path or URL of this JSON Schema, for editors")
    name: str | None = Field(None, description="default: the file name")
    description: str | None = None
    agent: str | AgentSpec | None = Field(None, description="a named agent of ponder.toml, or an agent table")
    model: str | None = Field(None, description="provider:model; --model overrides it")
    judge_model: str | None = Field(None, description="model for llm_judge graders (default: the model under test)")
    tools: list[str] | None = Field(None, description="tool names from the registry (`ponder tools`); default: none (or the named agent's)")
    system_prompt: str | None = None
    protocol: Literal["native", "text"] | None = None
    knowledge: str | None = Field(None, description="a knowledge base the agent can search; cases tagged 'knowledge' are skipped when it is missing")
    limits: Limits | None = Field(None, description="bounds for each run (Ponder's defaults for fields not set)")
    temperature: float | None = Field(None, ge=0)
    seed: int | None = Field(None, description="base seed; repeat r uses seed + r")
    output_type: str | dict[str, Any] | None = Field(
        None, description="the answer's type: 'module:Type' or a JSON Schema; graders see the validated value"
    )
    repeat: int = Field(1, ge=1, description="runs per case (--repeat overrides)")
    graders: list[GraderEntry] | None = Field(None, description="graders for cases that list none")
    cases: list[CaseSpec] = Field(min_length=1)


def suite_json_schema() -> dict[str, Any]:
    """The JSON Schema of suite files (built-in grader kinds only), for editors and CI linting."""
    from ponder.evals.grading import builtin_graders

    schema = SuiteSpec.model_json_schema(by_alias=True)
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    kinds: dict[str, Any] = {}
    for kind, cls in sorted(builtin_graders().items()):
        sub = cls.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(sub.pop("$defs", {}))
        defs[cls.__name__] = sub
        options: list[dict[str, Any]] = [{"$ref": f"#/$defs/{cls.__name__}"}]
        if not sub.get("required"):
            options.append({"type": "null"})
        if cls.shorthand:
            field = sub["properties"][cls.shorthand]
            options.append({k: v for k, v in field.items() if k not in ("default", "title")})
        kinds[kind] = {"description": (cls.__doc__ or "").strip().split("\n")[0], "anyOf": options}
    bare = [kind for kind, cls in sorted(builtin_graders().items()) if not cls.model_json_schema().get("required")]
    defs["GraderEntry"] = {
        "description": "one grader: {kind: options}, {kind: shorthand value} or a bare kind",
        "anyOf": [
            {"type": "object", "properties": kinds, "additionalProperties": False, "minProperties": 1, "maxProperties": 1},
            {"enum": bare},
        ],
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **_link(schema)}


def _link(node: Any) -> Any:
    if node == _PLACEHOLDER:
        return {"$ref": "#/$defs/GraderEntry"}
    if isinstance(node, dict):
        return {k: _link(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_link(v) for v in node]
    return node
