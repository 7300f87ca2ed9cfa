"""`ponder run --output-schema` and agents as tools in `--steps`, through the real console script."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.test_run import ponder, script

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
}


def schema_file(tmp_path: Path) -> str:
    path = tmp_path / "city.schema.json"
    path.write_text(json.dumps(SCHEMA))
    return str(path)


def test_output_schema_prints_the_validated_json(tmp_path: Path) -> None:
    model = script(tmp_path, ['{"city": "Paris", "population": 2100000}'])
    out = ponder("run", "-m", model, "--output-schema", schema_file(tmp_path), "Paris?", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"city": "Paris", "population": 2100000}


def test_output_schema_takes_a_pydantic_model_to_import(tmp_path: Path) -> None:
    (tmp_path / "shapes.py").write_text(
        "from pydantic import BaseModel\n\nclass City(BaseModel):\n    city: str\n    population: int = 0\n"
    )
    model = script(tmp_path, ['{"city": "Lyon"}'])
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    out = ponder("run", "-m", model, "--output-schema", "shapes:City", "Lyon?", cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"city": "Lyon", "population": 0}


def test_an_answer_that_never_validates_exits_1_with_the_raw_text_on_stderr(tmp_path: Path) -> None:
    model = script(tmp_path, ["Paris, I think.", "Paris, definitely."])
    out = ponder("run", "-m", model, "--output-schema", schema_file(tmp_path), "Paris?", cwd=tmp_path)
    assert out.returncode == 1
    assert out.stdout == ""
    assert "stopped: invalid_output: no valid answer (the answer is not JSON)" in out.stderr
    assert "the model's answer was: Paris, definitely." in out.stderr
    assert "Traceback" not in out.stderr


def test_json_includes_the_output(tmp_path: Path) -> None:
    model = script(tmp_path, ['{"city": "Paris", "population": 1}'])
    out = ponder("run", "--json", "-m", model, "--output-schema", schema_file(tmp_path), "Paris?", cwd=tmp_path)
    assert json.loads(out.stdout)["output"] == {"city": "Paris", "population": 1}


def test_a_missing_schema_file_is_a_usage_error_naming_the_fix(tmp_path: Path) -> None:
    out = ponder("run", "-m", "scripted:echo", "--output-schema", "nope.json", "x", cwd=tmp_path)
    assert out.returncode == 2
    assert "no schema file at nope.json" in out.stderr and "module:Class" in out.stderr


def test_a_model_that_cannot_be_imported_is_a_config_error(tmp_path: Path) -> None:
    out = ponder("run", "-m", "scripted:echo", "--output-schema", "nowhere:City", "x", cwd=tmp_path)
    assert out.returncode == 3
    assert "cannot import the output type 'nowhere:City'" in out.stderr


def test_steps_show_an_inner_agents_calls_nested_under_its_call(tmp_path: Path) -> None:
    inner = tmp_path / "inner.json"
    inner.write_text(
        json.dumps(
            ['<tool_call>{"name": "calculator", "arguments": {"expression": "17*23"}}</tool_call>', "17*23 = 391"]
        )
    )
    outer = tmp_path / "outer.json"
    outer.write_text(
        json.dumps([{"tool_calls": [{"name": "mathematician", "arguments": {"task": "17*23"}}]}, "It is 391."])
    )
    (tmp_path / "ponder.toml").write_text(
        f'[agent]\nmodel = "scripted:{outer}"\ntools = ["agent:mathematician"]\n\n'
        f'[agents.mathematician]\nmodel = "scripted:{inner}"\ntools = ["calculator"]\n'
    )
    out = ponder("run", "--steps", "What is 17*23?", cwd=tmp_path, env={"COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "It is 391."
    lines = out.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if "→ mathematician" in line)
    nested = lines[start + 1 : start + 4]
    assert "┊ → calculator" in nested[0]
    assert "┊   ✓ 391" in nested[1]
    assert "┊ ■ scripted:" in nested[2] and "answer · 2 steps · 1 tool call" in nested[2]
    assert "✓ 17*23 = 391" in lines[start + 4]
