"""LangChain tools (real langchain-core: ``@tool``, ``StructuredTool``, a toolkit) become Ponder tools."""

from __future__ import annotations

import subprocess
import sys

import pytest
from langchain_core.tools import BaseToolkit, StructuredTool, ToolException, tool
from pydantic import BaseModel, Field

from ponder import Agent
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.errors import ToolArgumentsError
from ponder.tools.base import Tool, as_tool
from ponder.tools.interop import tools_from


class Point(BaseModel):
    x: float = Field(description="the x coordinate")
    y: float = Field(description="the y coordinate")


@tool
def centroid(points: list[Point], label: str = "c") -> str:
    """The centre of a set of points.

    Args:
        points: the points to average
        label: a name for the result
    """
    xs, ys = [p.x for p in points], [p.y for p in points]
    return f"{label} = ({sum(xs) / len(xs):g}, {sum(ys) / len(ys):g})"


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ToolException("cannot divide by zero")
    return a / b


divide = StructuredTool.from_function(_divide, name="divide", description="Divide a by b.")


def test_a_decorated_tool_keeps_its_summary_and_documents_its_parameters() -> None:
    converted = Tool.from_langchain(centroid)
    assert converted.description == "The centre of a set of points."  # the Args section went into the schema
    assert converted.signature() == 'centroid(points: array[{x: number, y: number}], label: string = "c")'
    assert converted.parameters["properties"]["points"]["description"] == "the points to average"
    assert converted.source == "langchain"


def test_nested_arguments_are_validated_coerced_and_run() -> None:
    converted = as_tool(centroid)
    arguments = converted.validate({"points": [{"x": 1, "y": "2"}, {"x": 3, "y": 4}]})
    assert arguments == {"points": [{"x": 1.0, "y": 2.0}, {"x": 3.0, "y": 4.0}]}
    assert converted.invoke(arguments) == "c = (2, 3)"
    with pytest.raises(ToolArgumentsError, match=r"'points\.1\.y' is required"):
        converted.validate({"points": [{"x": 1, "y": 2}, {"x": 3}]})


def test_a_tool_that_raises_becomes_an_observation_the_model_reads() -> None:
    backend = ScriptedBackend(
        [Scripted(tool_calls=[("divide", {"a": 1, "b": 0})]), Scripted(tool_calls=[("divide", {"a": 9, "b": "3"})]), "It is 3."]
    )
    result = Agent(backend, tools=[divide]).run("What is 9 / 3?")
    failed, worked = result.trajectory
    assert failed.error_kind == "tool_error" and "ToolException: cannot divide by zero" in failed.output
    assert worked.ok and worked.output == "3.0"


def test_a_toolkit_expands_to_its_tools_with_the_callers_policy() -> None:
    class Geometry(BaseToolkit):
        def get_tools(self) -> list:  # type: ignore[type-arg]
            return [centroid, divide]

    tools = tools_from(Geometry(), needs_approval=True, timeout=3)
    assert [t.name for t in tools] == ["centroid", "divide"]
    assert all(t.needs_approval and t.timeout == 3 for t in tools)


IMPORT_CHECK = '''
import sys
from ponder.tools.base import as_tool
from ponder.tools.selection import resolve_tools

def double(x: int) -> int:
    """Double a number.

    Args:
        x: the number
    """
    return 2 * x

as_tool(double)
resolve_tools(["calculator"])
print("langchain_core" in sys.modules)
'''


def test_importing_ponder_tools_does_not_import_langchain() -> None:
    out = subprocess.run([sys.executable, "-c", IMPORT_CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
