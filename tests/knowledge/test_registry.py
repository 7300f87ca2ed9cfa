"""Finding bases by name: [knowledge.NAME] in ponder.toml, or an index under .ponder/index."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.config import ConfigError, load_config
from ponder.knowledge.base import KnowledgeBase
from ponder.knowledge.errors import IndexUnusable
from ponder.knowledge.registry import find_spec, list_specs, name_for
from tests.knowledge.conftest import make_base


def test_a_configured_base_is_indexed_from_its_paths_and_found_by_name(project: Path, docs: Path) -> None:
    (project / "ponder.toml").write_text(
        '[knowledge.garden]\npaths = ["docs/garden"]\ndescription = "gardening notes"\ntop_k = 1\nchunk_size = 64\n'
    )
    kb = KnowledgeBase.open("garden")
    assert kb.spec.index_dir == project / ".ponder" / "index" / "garden"
    assert kb.spec.settings.chunk_size == 64 and kb.spec.options.top_k == 1
    report = kb.index()
    assert report.added == ["docs/garden/tomatoes.txt"]
    assert kb.describe() == "gardening notes"
    assert len(KnowledgeBase.open("garden").search("tomatoes water roots sun")) == 1


def test_config_paths_and_index_dir_are_relative_to_the_project(project: Path, docs: Path) -> None:
    (project / "ponder.toml").write_text('[knowledge.docs]\npaths = ["docs"]\nindex_dir = "build/kb"\n')
    spec = find_spec("docs")
    assert spec.paths == [project / "docs"] and spec.index_dir == project / "build" / "kb"


def test_an_unconfigured_index_is_found_with_the_settings_it_was_built_with(project: Path, docs: Path) -> None:
    make_base(project, chunk_size=64).index()
    spec = find_spec("docs", cwd=project)
    assert not spec.configured
    assert spec.settings.chunk_size == 64 and spec.paths == [project / "docs"]
    assert [s.name for s in list_specs(cwd=project)] == ["docs"]


def test_a_misspelt_field_in_a_knowledge_table_names_file_and_line(project: Path) -> None:
    (project / "ponder.toml").write_text('model = "scripted:echo"\n\n[knowledge.docs]\npath = ["docs"]\n')
    with pytest.raises(ConfigError) as caught:
        load_config(project)
    assert "ponder.toml:4: field 'knowledge.docs.path'" in caught.value.message


def test_config_asking_for_other_retrieval_than_the_index_holds_names_the_fix(project: Path, docs: Path) -> None:
    make_base(project).index()
    (project / "ponder.toml").write_text(
        '[knowledge.docs]\npaths = ["docs"]\nretrieval = "vector"\nembed_model = "ollama:nomic-embed-text"\n'
    )
    with pytest.raises(IndexUnusable) as caught:
        KnowledgeBase.open("docs").search("ollama")
    assert "indexed for bm25 retrieval but ponder.toml asks for vector" in caught.value.message
    assert "ponder index --rebuild --name docs" in caught.value.fix


def test_default_names_come_from_the_folder(project: Path, docs: Path) -> None:
    assert name_for(Path("docs/garden")) == "garden"
    assert name_for(project / "docs" / "install.md") == "install"
    assert name_for(Path("My Notes!")) == "My-Notes"


def test_the_repl_lists_bases_with_a_description(project: Path, docs: Path) -> None:
    from ponder.cli.repl.knowledge import list_bases

    make_base(project).index()
    (project / "ponder.toml").write_text('[knowledge.garden]\npaths = ["docs/garden"]\ndescription = "gardening notes"\n')
    listed = {kb.name: kb.description for kb in list_bases(load_config(project))}
    assert listed == {"docs": "the 'docs' knowledge base (4 files from docs)", "garden": "gardening notes"}
