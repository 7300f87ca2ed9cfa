"""The labelled retrieval set is made from Python's documentation sources, and the committed file is that set."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]

FAQ = """\
General Questions
=================

How do I make a tuple?
----------------------

Use a comma between the items, for example ``1, 2``. See :func:`tuple` and
`the tutorial <https://docs.python.org/3/tutorial/>`_ for more.

.. _faq-label:

Why is it slow?
---------------

It is not.
"""

LIBRARY = """\
:mod:`zipfile` --- Work with ZIP archives
=========================================

.. module:: zipfile
   :synopsis: Read and write ZIP-format archive files.

**Source code:** :source:`Lib/zipfile.py`

--------------

The ZIP file format is a common archive and compression standard. This module provides tools
to create, read, write, append, and list a ZIP file.
"""


def _maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_retrieval_set", ROOT / "benchmarks" / "make_retrieval_set.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_faq_question_becomes_a_pair_without_its_heading_or_markup() -> None:
    (pair,) = _maker().pairs_of("general", FAQ)  # "It is not." is too short to be an answer
    assert pair["query"] == "How do I make a tuple?"
    # the heading is not in the document; roles and links keep their words
    assert pair["document"] == "Use a comma between the items, for example `1, 2`. See tuple and\nthe tutorial for more."


def test_a_library_page_pairs_its_synopsis_with_the_start_of_its_text() -> None:
    pair = _maker().library_pair("zipfile", LIBRARY)
    assert pair is not None
    assert pair["query"] == "Read and write ZIP-format archive files."
    assert pair["document"] == (
        "The ZIP file format is a common archive and compression standard. This module provides tools\n"
        "to create, read, write, append, and list a ZIP file."
    )


def test_the_committed_set_has_one_document_per_query() -> None:
    rows = [json.loads(line) for line in (ROOT / "benchmarks" / "data" / "python_docs_qa.jsonl").read_text().splitlines()]
    assert len(rows) == 427 and len({r["id"] for r in rows}) == 427
    assert {r["kind"] for r in rows} == {"faq", "library"}
    assert all(r["query"] and len(r["document"]) >= 40 for r in rows)
