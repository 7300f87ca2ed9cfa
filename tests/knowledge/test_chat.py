"""The chat mode on LlamaIndex's CondensePlusContextChatEngine, with the scripted backend's ScriptedLLM.

The scripted model records what it was sent: the tests check that the retrieved passages
reached it, that follow-ups are condensed first, and that it is not asked at all when nothing matches.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.backends.scripted import ScriptedBackend
from ponder.config import PonderConfig
from ponder.knowledge.chat import open_chat
from ponder.knowledge.errors import IndexUnusable, KnowledgeBaseNotFound
from tests.knowledge.conftest import make_base


@pytest.fixture
def indexed(project: Path, docs: Path) -> Path:
    make_base(project).index()
    return project


def _sent(backend: ScriptedBackend, request: int = -1) -> str:
    return "\n".join(str(m.content) for m in backend.llm.requests[request])


def test_an_answer_comes_with_the_passages_the_model_was_given(indexed: Path) -> None:
    backend = ScriptedBackend(["Ponder reads OLLAMA_HOST (docs/backends.md)."])
    chat = open_chat(backend, "docs", config=PonderConfig(), cwd=indexed)
    answer, sources = chat.chat("Where does Ponder find the Ollama server?")
    assert answer == "Ponder reads OLLAMA_HOST (docs/backends.md)."
    assert sources[0].citation.startswith("docs/backends.md:")
    sent = _sent(backend)
    assert "The ollama provider reads OLLAMA_HOST to find the Ollama server." in sent
    assert "file: docs/backends.md" in sent and 'knowledge base "docs"' in sent
    assert "Where does Ponder find the Ollama server?" in sent


def test_a_follow_up_is_condensed_with_the_history_before_retrieval(indexed: Path) -> None:
    backend = ScriptedBackend(
        [
            "Six hours of sun a day.",
            "How should tomatoes be watered?",  # the condensed, standalone question
            "At the roots, in the morning.",
        ]
    )
    chat = open_chat(backend, "docs", config=PonderConfig(), cwd=indexed)
    chat.chat("How much sun do tomatoes need?")
    reply = chat.chat("And how should I water them?")
    assert reply.answer == "At the roots, in the morning."
    condense_request = _sent(backend, 1)
    assert "How much sun do tomatoes need?" in condense_request and "Six hours of sun a day." in condense_request
    assert "Water them at the roots in the morning." in _sent(backend, 2)
    assert [s.file for s in reply.sources] == ["docs/garden/tomatoes.txt"]


def test_no_matching_passage_means_no_model_call_and_a_plain_answer(indexed: Path) -> None:
    backend = ScriptedBackend([])
    chat = open_chat(backend, "docs", config=PonderConfig(), cwd=indexed, condense=False)
    answer, sources = chat.chat("Who painted the Mona Lisa?")
    assert answer == 'The knowledge base "docs" has no passage about this, so I cannot answer it from the documents.'
    assert sources == [] and backend.llm.requests == []
    history = [str(m.content) for m in chat.history]
    assert history == ["Who painted the Mona Lisa?", answer]


def test_streaming_gives_the_sources_first_then_the_text(indexed: Path) -> None:
    backend = ScriptedBackend(["Install it with pip install ponder."])
    chat = open_chat(backend, "docs", config=PonderConfig(), cwd=indexed)
    stream = chat.stream("How do I install Ponder with pip?")
    assert stream.sources and stream.sources[0].file == "docs/install.md"
    deltas = list(stream)
    assert len(deltas) > 1 and "".join(deltas) == stream.answer == "Install it with pip install ponder."
    assert "Install it with pip install ponder." in _sent(backend)


def test_streaming_with_no_match_yields_the_refusal(indexed: Path) -> None:
    chat = open_chat(ScriptedBackend([]), "docs", config=PonderConfig(), cwd=indexed)
    stream = chat.stream("Who painted the Mona Lisa?")
    assert "".join(stream).startswith('The knowledge base "docs" has no passage about this')
    assert stream.sources == []


def test_reset_forgets_the_conversation(indexed: Path) -> None:
    backend = ScriptedBackend(["Six hours.", "Python 3.11 or newer."])
    chat = open_chat(backend, "docs", config=PonderConfig(), cwd=indexed)
    chat.chat("How much sun do tomatoes need?")
    chat.reset()
    chat.chat("Which Python version does Ponder need?")
    assert len(backend.llm.requests) == 2  # no condense call: the history was empty again
    assert "tomatoes" not in _sent(backend).lower()


def test_opening_an_unknown_or_broken_base_fails_before_any_question(project: Path, docs: Path) -> None:
    with pytest.raises(KnowledgeBaseNotFound):
        open_chat(ScriptedBackend([]), "docs", config=PonderConfig(), cwd=project)
    config = PonderConfig.model_validate({"knowledge": {"docs": {"paths": ["docs"]}}})
    with pytest.raises(IndexUnusable, match="has no index"):
        open_chat(ScriptedBackend([]), "docs", config=config, cwd=project)


def test_the_query_engine_answers_from_the_retrieved_context(indexed: Path) -> None:
    backend = ScriptedBackend(["Pinch the suckers."])
    engine = make_base(indexed).query_engine(backend.llm)
    response = engine.query("What should I do with tomato suckers?")
    assert str(response) == "Pinch the suckers."
    assert "Pinch the suckers so the plant puts its energy into fruit." in _sent(backend)
    assert response.source_nodes[0].node.metadata["file"] == "docs/garden/tomatoes.txt"
