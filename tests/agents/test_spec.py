"""``AgentSpec``: one declared agent, the same from ponder.toml, a suite, flags or Python, built one way."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ponder import Agent, AgentSpec, Limits, load_agent
from ponder.cli.common import agent_spec
from ponder.config import PonderConfig, load_file
from ponder.errors import ConfigError, InputError, ToolDefinitionError
from ponder.evals.loading import parse_suite

TOML = """
[agent]
model = "scripted:echo"
tools = ["calculator"]
system_prompt = "You are terse."

[agent.limits]
max_steps = 3
run_timeout = 40

[agents.coder]
tools = ["calculator", "python"]
temperature = 0.2

[agents.coder.limits]
max_steps = 6
"""


def project(tmp_path: Path, text: str = TOML) -> Path:
    (tmp_path / "ponder.toml").write_text(textwrap.dedent(text))
    return tmp_path


def flags(**given: object) -> argparse.Namespace:
    names = ("agent", "model", "tools", "system", "max_steps", "timeout", "protocol")
    return argparse.Namespace(**{**{n: None for n in names}, "yes": False, **given})


def expected() -> AgentSpec:
    return AgentSpec(
        model="scripted:echo",
        tools=["calculator"],
        system_prompt="You are terse.",
        limits=Limits(max_steps=3, run_timeout=40),
    )


def test_the_same_agent_from_toml_a_suite_flags_and_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PONDER_MODEL", raising=False)
    from_toml = AgentSpec.from_config(load_file(project(tmp_path) / "ponder.toml"))
    suite = parse_suite(
        textwrap.dedent(
            """
            model: scripted:echo
            tools: [calculator]
            system_prompt: You are terse.
            limits: {max_steps: 3, run_timeout: 40}
            cases: [{id: a, input: hi, expected: hi}]
            """
        ),
        source="suite.yaml",
    )
    from_flags = agent_spec(
        flags(model="scripted:echo", tools="calculator", system="You are terse.", max_steps=3, timeout=40.0),
        config=PonderConfig(),
        quiet=True,
    )
    from_python = Agent(
        "scripted:echo", tools=["calculator"], system_prompt="You are terse.", limits=Limits(max_steps=3, run_timeout=40)
    ).spec
    assert from_toml == suite.agent == from_flags == from_python == expected()
    assert len({s.fingerprint for s in (from_toml, suite.agent, from_flags, from_python)}) == 1
    agents = [s.build() for s in (from_toml, suite.agent, from_flags)]
    assert {tuple(a.tools) for a in agents} == {("calculator",)}
    assert {a.system_prompt for a in agents} == {"You are terse."}
    assert {a.limits for a in agents} == {Limits(max_steps=3, run_timeout=40)}


def test_a_spec_round_trips_through_json_and_rebuilds_the_same_agent() -> None:
    spec = expected().merged(seed=7, local={"tool_listing": "signature"}, allow_tools_without_approval=["python"])
    text = spec.to_json()
    again = AgentSpec.from_json(text)
    assert again == spec and again.fingerprint == spec.fingerprint
    assert json.loads(text)["limits"] == {"max_steps": 3, "run_timeout": 40.0}
    agent = again.build()
    assert list(agent.tools) == ["calculator"] and agent.seed == 7 and agent.backend.name == "scripted:echo"


def test_the_fingerprint_is_stable_across_processes_and_ignores_the_name() -> None:
    spec = expected()
    code = "from ponder import AgentSpec; import sys; print(AgentSpec.from_json(sys.argv[1]).fingerprint)"
    out = subprocess.run([sys.executable, "-c", code, spec.to_json()], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == spec.fingerprint
    assert spec.merged(name="other").fingerprint == spec.fingerprint
    assert spec.merged(temperature=0.5).fingerprint != spec.fingerprint


def test_a_named_agent_starts_from_the_default_agent(tmp_path: Path) -> None:
    coder = load_agent("coder", cwd=project(tmp_path))
    assert coder.name == "coder"
    assert coder.model == "scripted:echo" and coder.system_prompt == "You are terse."
    assert coder.tools == ["calculator", "python"] and coder.temperature == 0.2
    assert coder.limits == Limits(max_steps=6, run_timeout=40)


def test_an_unknown_agent_name_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_agent("writer", cwd=project(tmp_path))
    assert "no agent named 'writer'" in info.value.message and "coder" in info.value.fix


def test_a_typo_in_a_named_agent_names_the_file_line_and_field(tmp_path: Path) -> None:
    project(tmp_path, TOML + "\n[agents.writer]\ntemprature = 1\n")
    with pytest.raises(ConfigError) as info:
        load_agent("writer", cwd=tmp_path)
    assert "ponder.toml:" in info.value.message and "agents.writer.temprature" in info.value.message


def test_flags_override_the_named_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PONDER_MODEL", raising=False)
    config = load_file(project(tmp_path) / "ponder.toml")
    spec = agent_spec(flags(agent="coder", max_steps=2, tools="calculator"), config=config, quiet=True)
    assert spec.name == "coder" and spec.tools == ["calculator"]
    assert spec.limits.max_steps == 2 and spec.limits.run_timeout == 40 and spec.temperature == 0.2


def test_a_tool_can_be_named_by_its_import_path() -> None:
    spec = AgentSpec(model="scripted:echo", tools=["tests.agents.spec_tools:double"])
    agent = spec.build()
    assert list(agent.tools) == ["double"] and agent.tools["double"].invoke({"x": 21}) == 42
    with pytest.raises(ToolDefinitionError) as info:
        AgentSpec(model="scripted:echo", tools=["tests.agents.spec_tools:missing"]).build()
    assert "cannot import the tool 'tests.agents.spec_tools:missing'" in info.value.message


def test_json_that_is_not_a_spec_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        AgentSpec.from_json('{"modle": "x"}')
    assert "modle" in info.value.message


def test_every_entry_point_builds_its_agent_through_the_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ponder.cli.main import main

    built: list[AgentSpec] = []
    real = Agent.from_spec.__func__  # type: ignore[attr-defined]

    def spy(cls: type[Agent], spec: AgentSpec, **kw: object) -> Agent:
        built.append(spec)
        return real(cls, spec, **kw)  # type: ignore[no-any-return]

    monkeypatch.setattr(Agent, "from_spec", classmethod(spy))
    monkeypatch.chdir(project(tmp_path))
    monkeypatch.delenv("PONDER_MODEL", raising=False)
    assert main(["run", "hello"]) == 0
    assert built[-1].tools == ["calculator"] and built[-1].model == "scripted:echo"
    (tmp_path / "s.yaml").write_text("agent: coder\ncases: [{id: a, input: hi, expected: hi}]\n")
    assert main(["eval", "s.yaml", "--no-cache", "--no-progress", "-q"]) == 0
    assert built[-1].name == "coder"
    capsys.readouterr()
