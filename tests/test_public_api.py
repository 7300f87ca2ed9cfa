"""The public API a user learns: what ``ponder`` exports, documented, and what the README uses."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import ponder

ROOT = Path(__file__).parents[1]


def test_every_export_resolves_and_has_a_docstring() -> None:
    undocumented = []
    for name in ponder.__all__:
        obj = getattr(ponder, name)
        if not (inspect.getdoc(obj) or "").strip():
            undocumented.append(name)
    assert undocumented == []


def test_the_public_methods_of_agents_and_specs_are_documented() -> None:
    undocumented = [
        f"{cls.__name__}.{name}"
        for cls in (ponder.Agent, ponder.AgentSpec, ponder.Tool)
        for name, member in vars(cls).items()
        if not name.startswith("_") and callable(member) and not (inspect.getdoc(member) or "").strip()
    ]
    assert undocumented == []


def test_readme_examples_import_only_from_the_public_package() -> None:
    imports = re.findall(r"^\s*from (ponder[\w.]*) import", (ROOT / "README.md").read_text(), flags=re.M)
    assert imports and set(imports) == {"ponder"}


def test_no_documented_example_imports_a_private_module() -> None:
    for doc in sorted((ROOT / "docs").rglob("*.md")):
        imports = re.findall(r"^\s*from (ponder[\w.]*) import", doc.read_text(), flags=re.M)
        private = [i for i in imports if any(part.startswith("_") for part in i.split("."))]
        assert private == [], f"{doc.name} imports from {private}"


def test_the_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    assert ponder.__version__ == version("ponder")
    assert '__version__ = "' not in (ROOT / "src" / "ponder" / "__init__.py").read_text()


def test_the_exit_code_page_lists_every_exit_code() -> None:
    page = (ROOT / "docs" / "reference" / "exit-codes.md").read_text()
    for code in ponder.ExitCode:
        assert f"| {int(code)} | {code.meaning} |" in page
