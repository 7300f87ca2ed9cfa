"""Fixtures for the knowledge tests: a small folder of documents, a project folder, and no tiktoken.

Every test here runs with tiktoken made unusable and LlamaIndex's global tokenizer reset, so
any code path that would reach for tiktoken (and its download) fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ponder.knowledge.base import KnowledgeBase
from ponder.knowledge.manifest import IndexSettings
from ponder.knowledge.registry import INDEX_ROOT, KnowledgeSpec

DOCS: dict[str, str] = {
    "install.md": (
        "# Installing Ponder\n"
        "\n"
        "Ponder needs Python 3.11 or newer.\n"
        "Install it with pip install ponder.\n"
        "\n"
        "## The embedded model\n"
        "\n"
        "The local extra installs llama-cpp-python and the Qwen model packages.\n"
        "The model file is assembled into a cache folder and its SHA-256 is verified.\n"
    ),
    "backends.md": (
        "# Backends\n"
        "\n"
        "A model is named provider:model.\n"
        "The ollama provider reads OLLAMA_HOST to find the Ollama server.\n"
        "The openai provider needs OPENAI_API_KEY.\n"
    ),
    "garden/tomatoes.txt": (
        "Tomatoes need six hours of sun a day.\n"
        "Water them at the roots in the morning.\n"
        "Pinch the suckers so the plant puts its energy into fruit.\n"
    ),
    "code/fib.py": (
        "def fibonacci(n: int) -> int:\n"
        '    """The n-th Fibonacci number, computed iteratively."""\n'
        "    a, b = 0, 1\n"
        "    for _ in range(n):\n"
        "        a, b = b, a + b\n"
        "    return a\n"
    ),
}


def write_docs(folder: Path, docs: dict[str, str] = DOCS) -> Path:
    for name, text in docs.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def bump_mtime(path: Path) -> None:
    """Make a file look modified (a later mtime) whatever the filesystem's timestamp resolution."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


@pytest.fixture(autouse=True)
def no_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    import llama_index.core
    import tiktoken

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tiktoken was called: Ponder must count tokens without it")

    monkeypatch.setattr(tiktoken, "get_encoding", refuse)
    monkeypatch.setattr(tiktoken, "encoding_for_model", refuse)
    monkeypatch.setattr(llama_index.core, "global_tokenizer", None)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder, made the working directory (indexes go to its .ponder/index)."""
    folder = tmp_path / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def docs(project: Path) -> Path:
    return write_docs(project / "docs")


def make_base(project: Path, *, name: str = "docs", paths: list[Path] | None = None, **settings: object) -> KnowledgeBase:
    spec = KnowledgeSpec(
        name=name,
        index_dir=project / INDEX_ROOT / name,
        paths=paths if paths is not None else [project / "docs"],
        settings=IndexSettings.model_validate(settings),
    )
    return KnowledgeBase(spec, base_dir=project)
