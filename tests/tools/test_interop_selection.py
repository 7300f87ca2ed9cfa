"""LlamaHub and LangChain tools chosen by name: ``--tools llamahub:...``, ``langchain:...`` and ``[toolkits.NAME]``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ponder.agents.spec import AgentSpec
from ponder.config import ToolkitConfig, load_file
from ponder.errors import ConfigError, MissingDependency
from ponder.tools.selection import resolve_tools

SPEC = "llamahub:llama_index.tools.database:DatabaseToolSpec"


@pytest.fixture
def sales_db(tmp_path: Path) -> str:
    path = tmp_path / "sales.db"
    with sqlite3.connect(path) as db:
        db.execute("create table sales (region text, amount integer)")
        db.execute("insert into sales values ('north', 10)")
    return f"sqlite:///{path}"


def toolkits(**tables: dict[str, object]) -> dict[str, ToolkitConfig]:
    return {name: ToolkitConfig.model_validate(table) for name, table in tables.items()}


def test_a_configured_toolkit_joins_the_default_set_with_its_policy(sales_db: str) -> None:
    kits = toolkits(sales={"from": SPEC, "args": {"uri": sales_db}, "needs_approval": True, "timeout": 5})
    tools = {t.name: t for t in resolve_tools(None, toolkits=kits).tools}
    assert {"calculator", "load_data", "list_tables", "describe_tables"} <= set(tools)
    assert tools["load_data"].source == "toolkit:sales"
    assert tools["load_data"].needs_approval and tools["load_data"].timeout == 5
    assert tools["list_tables"].invoke({}) == ["sales"]


def test_an_opt_in_toolkit_is_selected_by_its_source_name(sales_db: str) -> None:
    kits = toolkits(sales={"from": SPEC, "args": {"uri": sales_db}, "opt_in": True})
    assert "load_data" not in {t.name for t in resolve_tools(None, toolkits=kits).tools}
    chosen = [t.name for t in resolve_tools(["toolkit:sales"], toolkits=kits).tools]
    assert sorted(chosen) == ["describe_tables", "list_tables", "load_data"]


def test_a_toolkit_that_cannot_be_built_is_a_warning_not_a_failure() -> None:
    selection = resolve_tools(None, toolkits=toolkits(broken={"from": SPEC, "args": {}}))
    assert "calculator" in {t.name for t in selection.tools}
    assert selection.warnings == [
        f"toolkit 'broken' ({SPEC}) failed to load: {SPEC} failed to build its tools: ValueError: You must provide "
        "either a SQLDatabase, a SQL Alchemy Engine, a valid connection URI, or a valid set of credentials.; "
        "fix: check its arguments (args = {...} in the [toolkits.NAME] table of ponder.toml)"
    ]


def test_a_langchain_reference_in_tools_imports_the_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_lc_tools.py").write_text(
        "from langchain_core.tools import tool\n\n"
        "@tool\ndef shout(text: str) -> str:\n    '''Upper-case a text.'''\n    return text.upper()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    tools = resolve_tools(["calculator", "langchain:my_lc_tools:shout"]).tools
    assert [t.name for t in tools] == ["calculator", "shout"]
    assert tools[1].source == "langchain:my_lc_tools:shout"
    assert tools[1].invoke(tools[1].validate({"text": "hi"})) == "HI"


def test_a_reference_to_a_missing_package_names_the_package_to_install() -> None:
    with pytest.raises(MissingDependency) as err:
        resolve_tools(["llamahub:llama_index.tools.wikipedia:WikipediaToolSpec"])
    assert err.value.fix == "pip install llama-index-tools-wikipedia"


def test_a_reference_to_a_missing_name_says_which_name() -> None:
    with pytest.raises(ConfigError, match="llama_index.tools.database has no 'NoSuchSpec'"):
        resolve_tools(["llamahub:llama_index.tools.database:NoSuchSpec"])


def test_an_agent_in_ponder_toml_gets_its_toolkits_tools(tmp_path: Path, sales_db: str) -> None:
    path = tmp_path / "ponder.toml"
    path.write_text(
        'tools = ["calculator", "toolkit:sales"]\n'
        f'[toolkits.sales]\nfrom = "{SPEC}"\nargs = {{ uri = "{sales_db}" }}\nneeds_approval = true\n'
    )
    spec = AgentSpec.from_config(load_file(path))
    assert spec.toolkits["sales"].from_ == SPEC and spec.toolkits["sales"].args == {"uri": sales_db}
    tools = {t.name: t for t in spec.resolve_tools()}
    assert set(tools) == {"calculator", "load_data", "describe_tables", "list_tables"}
    assert tools["load_data"].needs_approval
    assert AgentSpec.from_json(spec.to_json()) == spec  # a worker rebuilds the same agent


def test_a_toolkit_with_a_malformed_reference_is_refused_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ponder.toml"
    path.write_text('[toolkits.sales]\nfrom = "llama_index.tools.database"\n')
    with pytest.raises(ConfigError, match=r"ponder.toml:2.*toolkits.sales.from"):
        AgentSpec.from_config(load_file(path))


def test_an_imported_name_may_be_a_tool_spec_or_a_langchain_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_kit.py").write_text(
        "from langchain_core.tools import tool\n"
        "from llama_index.tools.database import DatabaseToolSpec\n\n"
        f"db = DatabaseToolSpec(uri='sqlite:///{tmp_path / 'kit.db'}')\n\n"
        "@tool\ndef shout(text: str) -> str:\n    '''Upper-case a text.'''\n    return text.upper()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    names = [t.name for t in AgentSpec(tools=["my_kit:db", "my_kit:shout"]).resolve_tools()]
    assert names == ["load_data", "describe_tables", "list_tables", "shout"]
