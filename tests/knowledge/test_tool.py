"""A knowledge base as an agent tool: passages with their sources, or a plain "not covered"."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ponder.agents.agent import Agent
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.config import PonderConfig
from ponder.knowledge.base import KnowledgeBase
from ponder.knowledge.errors import KnowledgeBaseNotFound
from ponder.knowledge.tool import knowledge_tool, knowledge_tools, tool_name
from tests.knowledge.conftest import make_base, write_docs


def test_the_tool_is_named_after_its_base_and_takes_a_query(project: Path, docs: Path) -> None:
    kb = make_base(project, name="team-docs")
    kb.index()
    tool = knowledge_tool(kb)
    assert tool.name == "search_team_docs" == tool_name("team-docs")
    assert tool.signature() == "search_team_docs(query: string)"
    assert "'team-docs' knowledge base (4 files from docs)" in tool.description
    assert tool.source == "knowledge"


def test_the_configured_description_reaches_the_tool(project: Path, docs: Path) -> None:
    base = make_base(project)
    kb = KnowledgeBase(dataclasses.replace(base.spec, description="the team's garden and install notes"))
    assert "Search the team's garden and install notes" in knowledge_tool(kb).description


def test_the_tool_returns_passages_under_their_citations(project: Path, docs: Path) -> None:
    kb = make_base(project)
    kb.index()
    out = knowledge_tool(kb).invoke({"query": "How often do tomatoes need sun?"})
    assert out.startswith('1 passage from "docs" for "How often do tomatoes need sun?":')
    assert "[1] docs/garden/tomatoes.txt:1-3\nTomatoes need six hours of sun a day." in out


def test_a_question_the_documents_do_not_cover_is_answered_with_a_refusal(project: Path, docs: Path) -> None:
    kb = make_base(project)
    kb.index()
    out = knowledge_tool(kb).invoke({"query": "Who painted the Mona Lisa?"})
    assert out == (
        'No passage in knowledge base "docs" matches "Who painted the Mona Lisa?". '
        "The documents do not cover this: say so rather than guessing."
    )


def test_long_passages_are_cut_to_the_budget(project: Path) -> None:
    folder = project / "long"
    folder.mkdir()
    for i in range(3):
        (folder / f"part{i}.md").write_text(f"# Part {i}\n\n" + "Kettles descale with vinegar overnight. " * 60)
    kb = make_base(project, paths=[folder], chunk_size=512)
    kb.index()
    out = knowledge_tool(kb, max_chars=900).invoke({"query": "kettles descale vinegar"})
    assert 800 < len(out) <= 900
    assert out.count("…") == 3 and "[3] long/part" in out


def test_an_agent_reads_the_passages_and_several_bases_can_be_attached(project: Path, docs: Path) -> None:
    write_docs(project / "recipes", {"pancakes.md": "# Pancakes\n\nWhisk two eggs into 250 ml of milk.\n"})
    make_base(project).index()
    make_base(project, name="recipes", paths=[project / "recipes"]).index()
    tools = knowledge_tools(["docs", "recipes"], config=PonderConfig(), cwd=project)
    assert [t.name for t in tools] == ["search_docs", "search_recipes"]

    backend = ScriptedBackend(
        [Scripted(tool_calls=[("search_recipes", {"query": "how much milk for pancakes"})]), "Use 250 ml of milk."]
    )
    result = Agent(backend, tools=tools).run("How much milk goes into the pancakes?")
    assert result.answer == "Use 250 ml of milk."
    assert result.trajectory[0].name == "search_recipes"
    seen_by_model = "\n".join(str(m.content) for m in backend.requests[-1].messages)
    assert "[1] recipes/pancakes.md:1-3" in seen_by_model
    assert "Whisk two eggs into 250 ml of milk." in seen_by_model


def test_all_known_bases_become_tools_when_none_are_named(project: Path, docs: Path) -> None:
    make_base(project).index()
    config = PonderConfig.model_validate({"knowledge": {"notes": {"paths": ["docs/garden"]}}})
    assert [t.name for t in knowledge_tools(config=config, cwd=project)] == ["search_docs", "search_notes"]


def test_an_unknown_base_is_a_clear_error(project: Path, docs: Path) -> None:
    make_base(project).index()
    with pytest.raises(KnowledgeBaseNotFound) as caught:
        knowledge_tools(["handbook"], config=PonderConfig(), cwd=project)
    assert caught.value.message == "no knowledge base named 'handbook' (known: docs)"
    assert "ponder index PATH --name handbook" in caught.value.fix


def test_the_entry_point_offers_every_base_to_the_tool_registry(project: Path, docs: Path) -> None:
    from importlib.metadata import EntryPoint

    from ponder.tools.registry import Registry, _load_entry_point
    from ponder.tools.settings import ToolSettings

    make_base(project).index()
    registry = Registry()
    entry = EntryPoint(name="knowledge", value="ponder.knowledge.tool:registered_tools", group="ponder.tools")
    _load_entry_point(registry, entry, "builtin", ToolSettings())
    assert registry.warnings == []
    assert list(registry.tools) == ["search_docs"]
    assert "Tomatoes need six hours" in registry.tools["search_docs"].invoke({"query": "tomatoes sun"})
