"""LlamaIndex tools and LlamaHub tool specs become Ponder tools (real packages: llama-index-tools-database,
llama-index-tools-artifact-editor), with their schemas validated, coerced and shown the Ponder way."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from llama_index.core.tools import FunctionTool
from llama_index.tools.artifact_editor import ArtifactEditorToolSpec
from llama_index.tools.database import DatabaseToolSpec
from pydantic import BaseModel, Field

from ponder import Agent
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.errors import ToolArgumentsError, ToolDefinitionError
from ponder.tools.base import Tool, as_tool
from ponder.tools.interop import tools_from


class Report(BaseModel):
    """Create a short report with a title and sections."""

    title: str = Field(description="the report's title")
    sections: list[str] = Field(default_factory=list, description="section texts")


@pytest.fixture
def sales_db(tmp_path: Path) -> str:
    path = tmp_path / "sales.db"
    with sqlite3.connect(path) as db:
        db.execute("create table sales (region text, amount integer)")
        db.executemany("insert into sales values (?, ?)", [("north", 10), ("south", 32)])
    return f"sqlite:///{path}"


def test_a_tool_spec_expands_to_its_tools_with_short_descriptions(sales_db: str) -> None:
    tools = {t.name: t for t in tools_from(DatabaseToolSpec(uri=sales_db))}
    assert set(tools) == {"load_data", "describe_tables", "list_tables"}
    # LlamaIndex writes "load_data(query: str) -> List[Document]" and the whole docstring; Ponder keeps the summary
    assert tools["load_data"].description == "Query and load data from the Database, returning a list of Documents."
    assert tools["load_data"].signature() == "load_data(query: string)"
    assert tools["load_data"].parameters["properties"]["query"]["description"] == "an SQL query to filter tables and rows."


def test_a_spec_tool_reads_local_data(sales_db: str) -> None:
    tools = {t.name: t for t in tools_from(DatabaseToolSpec(uri=sales_db))}
    load = tools["load_data"]
    assert load.invoke(load.validate({"query": "select region, amount from sales order by amount"})) == "north, 10\nsouth, 32"
    assert tools["list_tables"].invoke(tools["list_tables"].validate({})) == ["sales"]


def test_a_nested_object_schema_is_written_out_and_validated_to_the_leaves() -> None:
    tools = {t.name: t for t in tools_from(ArtifactEditorToolSpec(Report))}
    patch = tools["apply_patch"]
    assert "$defs" not in str(patch.parameters) and "$ref" not in str(patch.parameters)
    assert patch.signature() == "apply_patch(patch: {operations: array[{op: string, path: string, value?: any, from_path?: string}]})"
    with pytest.raises(ToolArgumentsError, match=r"'patch\.operations\.0\.path' is required"):
        patch.validate({"patch": {"operations": [{"op": "replace"}]}})
    with pytest.raises(ToolArgumentsError, match="'colour' is not a parameter"):
        patch.validate({"patch": {"operations": []}, "colour": "red"})


def test_validated_nested_arguments_reach_the_tool_as_json_and_it_runs() -> None:
    tools = {t.name: t for t in tools_from(ArtifactEditorToolSpec(Report))}
    create, patch = tools["create_artifact"], tools["apply_patch"]
    assert create.invoke(create.validate({"title": "Q3"})) == {"title": "Q3", "sections": []}
    arguments = patch.validate({"patch": {"operations": [{"op": "replace", "path": "/title", "value": "Q4"}]}})
    assert arguments == {"patch": {"operations": [{"op": "replace", "path": "/title", "value": "Q4"}]}}
    assert patch.invoke(arguments) == {"title": "Q4", "sections": []}


def test_a_tool_that_raises_raises_its_own_error() -> None:
    tools = {t.name: t for t in tools_from(ArtifactEditorToolSpec(Report, current_artifact=Report(title="x")))}
    patch = tools["apply_patch"]
    with pytest.raises(ValueError, match="Invalid field 'colour'"):
        patch.invoke(patch.validate({"patch": {"operations": [{"op": "replace", "path": "/colour", "value": 1}]}}))


def test_arguments_are_coerced_before_the_call() -> None:
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    tool = Tool.from_llama_index(FunctionTool.from_defaults(multiply))
    assert tool.validate({"a": "6", "b": 7}) == {"a": 6, "b": 7}
    assert tool.invoke({"a": 6, "b": 7}) == 42


def test_policy_flags_are_set_from_the_caller() -> None:
    def wipe(table: str) -> str:
        """Delete every row of a table."""
        return f"wiped {table}"

    tool = Tool.from_llama_index(FunctionTool.from_defaults(wipe), needs_approval=True, opt_in=True, timeout=5)
    assert (tool.needs_approval, tool.opt_in, tool.timeout, tool.source) == (True, True, 5, "llama-index")


def test_as_tool_accepts_a_function_tool_but_asks_for_the_tools_of_a_spec(sales_db: str) -> None:
    def shout(text: str) -> str:
        """Upper-case a text."""
        return text.upper()

    assert as_tool(FunctionTool.from_defaults(shout)).name == "shout"
    with pytest.raises(ToolDefinitionError, match="holds several tools") as err:
        as_tool(DatabaseToolSpec(uri=sales_db))
    assert "tools_from" in err.value.fix


def test_an_agent_runs_a_llamahub_tool_and_reads_its_error_as_an_observation() -> None:
    spec = ArtifactEditorToolSpec(Report, current_artifact=Report(title="Draft"))
    backend = ScriptedBackend(
        [
            Scripted(tool_calls=[("apply_patch", {"patch": {"operations": [{"op": "replace", "path": "/nope", "value": 1}]}})]),
            Scripted(tool_calls=[("apply_patch", {"patch": {"operations": [{"op": "replace", "path": "/title", "value": "Final"}]}})]),
            "The title is now Final.",
        ]
    )
    result = Agent(backend, tools=tools_from(spec)).run("Rename the report to Final.")
    first, second = result.trajectory
    assert not first.ok and first.error_kind == "tool_error" and "Invalid field 'nope'" in first.output
    assert second.ok and second.output == '{"title": "Final", "sections": []}'  # JSON, not a Python repr
    assert spec.current_artifact == Report(title="Final")
    assert result.answer == "The title is now Final."


def test_a_long_result_is_cut_to_the_observation_budget(tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    with sqlite3.connect(path) as db:
        db.execute("create table t (n integer)")
        db.executemany("insert into t values (?)", [(n,) for n in range(5000)])
    backend = ScriptedBackend([Scripted(tool_calls=[("load_data", {"query": "select n from t"})]), "Many rows."])
    tools = tools_from(DatabaseToolSpec(uri=f"sqlite:///{path}"))
    result = Agent(backend, tools=tools, observation_chars=200).run("List the rows.")
    output = result.trajectory[0].output
    assert output.startswith("0\n1\n2\n") and "more characters cut" in output and len(output) < 400


def test_approval_applies_to_a_llamahub_tool(sales_db: str) -> None:
    tools = tools_from(DatabaseToolSpec(uri=sales_db), needs_approval=True)
    backend = ScriptedBackend([Scripted(tool_calls=[("load_data", {"query": "delete from sales"})]), "Not allowed."])
    result = Agent(backend, tools=tools, approve=lambda tool, arguments: False).run("Empty the table.")
    assert result.trajectory[0].error_kind == "refused"
    with sqlite3.connect(sales_db.removeprefix("sqlite:///")) as db:
        assert db.execute("select count(*) from sales").fetchone() == (2,)
