"""``ponder chat --knowledge NAME`` and ``/knowledge``: the chat over a base built by ``ponder index``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.chat_helpers import chat_env, pipe_chat, ponder_argv, start_chat, write_script


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with two notes, indexed as the knowledge base 'house'."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "boiler.md").write_text("# Boiler\n\nThe boiler pressure must stay between 1.2 and 1.8 bar.\n")
    (notes / "garden.md").write_text("# Garden\n\nWater the tomatoes every evening in July.\n")
    subprocess.run(
        ponder_argv("index", "notes", "--name", "house"),
        cwd=tmp_path,
        env=chat_env(),
        check=True,
        capture_output=True,
    )
    return tmp_path


def test_knowledge_mode_answers_with_sources_and_keeps_them_across_a_model_switch(project: Path) -> None:
    write_script(project / "a.yaml", ["Keep it between **1.2 and 1.8 bar**."])
    # a follow-up costs two model calls: condense it into a standalone question, then answer
    write_script(project / "b.yaml", ["When should the tomatoes be watered?", "In July, every evening."])
    term = start_chat("--knowledge", "house", "-m", "scripted:a.yaml", cwd=project)
    try:
        assert "knowledge: house" in term.text()
        term.submit("What pressure should the boiler have?")
        shown = term.output_of("What pressure should the boiler have?")
        assert "Keep it between 1.2 and 1.8 bar." in shown
        assert "sources: notes/boiler.md:1-3" in shown
        term.submit("/model scripted:b.yaml")
        term.submit("When do I water the tomatoes?")
        assert "sources: notes/garden.md:1-3" in term.output_of("When do I water the tomatoes?")
        term.submit("/history")
        history = term.output_of("/history")
        assert "What pressure should the boiler have?" in history
        assert "When do I water the tomatoes?" in history
    finally:
        term.close()


def test_an_unknown_base_is_an_error_with_the_fix_and_the_session_goes_on(project: Path) -> None:
    done = pipe_chat("hello\n", "--knowledge", "nosuch", "-m", "scripted:echo", cwd=project)
    assert done.returncode == 1
    assert "error:" in done.stderr and "nosuch" in done.stderr and "fix:" in done.stderr


def test_knowledge_lists_bases_and_use_gives_the_agent_a_search_tool(project: Path) -> None:
    done = pipe_chat(
        "/knowledge\n/knowledge use house\n/knowledge\n/tools\n", "-m", "scripted:echo", cwd=project
    )
    assert done.returncode == 0, done.stderr
    assert "house" in done.stderr
    assert "the agent can now search 'house' with search_house" in done.stderr
    assert "✓ house" in done.stderr
    assert "✓ search_house" in done.stderr


def test_no_bases_says_how_to_make_one(tmp_path: Path) -> None:
    done = pipe_chat("/knowledge\n", "-m", "scripted:echo", cwd=tmp_path)
    assert "no knowledge bases yet: index documents with `ponder index PATH --name NAME`" in done.stderr
