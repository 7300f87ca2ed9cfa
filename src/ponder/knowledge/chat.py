"""The knowledge chat mode: talk with a model about a knowledge base, every answer with its sources.

What ``ponder chat --knowledge NAME`` runs on::

    chat = open_chat(backend, "docs")          # backend: a ponder Backend (or any LlamaIndex LLM)
    reply = chat.chat("How do I install Ponder?")
    reply.answer                               # the model's answer, from the retrieved passages
    [p.citation for p in reply.sources]        # ['docs/knowledge-base/install.md:1-18', ...]
    answer, sources = chat.chat("And the tests?")   # follow-ups are condensed with the history

    stream = chat.stream("Which backends are there?")
    for delta in stream: print(delta, end="")  # text as the model writes it
    stream.sources, stream.answer              # passages (known before the first delta), full text

When no passage matches, the answer says the documents do not cover the question, the model is
not called, and ``sources`` is empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ponder.knowledge.base import KnowledgeBase
from ponder.knowledge.passages import Passage, from_nodes
from ponder.knowledge.tokens import ensure_offline_tokenizer, word_tokens

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import ChatMessage
    from llama_index.core.llms import LLM

    from ponder.backends.base import Backend
    from ponder.config import PonderConfig
    from ponder.knowledge.chat_engine import KnowledgeChatEngine


class KnowledgeReply(NamedTuple):
    """One chat turn's answer and the passages it was given (unpacks as ``answer, sources``)."""

    answer: str
    sources: list[Passage]


class KnowledgeStream:
    """A streamed answer: iterate for text deltas; ``sources`` are known at once, ``answer`` once consumed."""

    def __init__(self, deltas: Iterator[str], sources: list[Passage]) -> None:
        self._deltas = deltas
        self.sources = sources
        self.answer = ""

    def __iter__(self) -> Iterator[str]:
        for delta in self._deltas:
            self.answer += delta
            yield delta


class KnowledgeChat:
    """A conversation over one knowledge base, built on LlamaIndex's ``CondensePlusContextChatEngine``."""

    def __init__(
        self,
        base: KnowledgeBase,
        llm: LLM,
        *,
        system_prompt: str | None = None,
        condense: bool = True,
        memory_tokens: int | None = None,
    ) -> None:
        self.base = base
        self.llm = llm
        self.engine = _engine(
            base, llm, system_prompt=system_prompt, condense=condense, memory_tokens=memory_tokens
        )

    def chat(self, message: str) -> KnowledgeReply:
        """Answer ``message`` from the passages retrieved for it (and the conversation so far)."""
        response = self.engine.chat(message)
        return KnowledgeReply(str(response.response).strip(), from_nodes(response.source_nodes))

    def stream(self, message: str) -> KnowledgeStream:
        """Like ``chat``, but the answer arrives as it is written."""
        response = self.engine.stream_chat(message)
        return KnowledgeStream(response.response_gen, from_nodes(response.source_nodes))

    @property
    def history(self) -> list[ChatMessage]:
        """The conversation so far, as LlamaIndex chat messages (user and assistant turns)."""
        return list(self.engine.chat_history)

    def reset(self) -> None:
        """Forget the conversation (the knowledge base stays loaded)."""
        self.engine.reset()


def open_chat(
    model: Backend | LLM,
    name: str,
    *,
    config: PonderConfig | None = None,
    cwd: Path | None = None,
    system_prompt: str | None = None,
    condense: bool = True,
) -> KnowledgeChat:
    """The chat mode for the knowledge base ``name`` with a backend's model.

    Raises ``KnowledgeBaseNotFound`` for an unknown name and ``IndexUnusable`` (naming
    ``ponder index --rebuild``) for a missing, corrupt or outdated index, before any question is asked.
    ``condense=False`` skips the extra model call that rewrites follow-ups into standalone questions.
    """
    from ponder.backends.base import Backend

    llm = model.llm if isinstance(model, Backend) else model
    base = KnowledgeBase.open(name, config=config, cwd=cwd)
    base.retriever()  # load now: a broken index is reported when the mode starts, not at the first question
    return KnowledgeChat(base, llm, system_prompt=system_prompt, condense=condense)


def _engine(
    base: KnowledgeBase, llm: LLM, *, system_prompt: str | None, condense: bool, memory_tokens: int | None
) -> KnowledgeChatEngine:
    from llama_index.core.memory import ChatMemoryBuffer

    from ponder.knowledge.chat_engine import KnowledgeChatEngine

    ensure_offline_tokenizer()
    window = llm.metadata.context_window
    memory = ChatMemoryBuffer.from_defaults(
        token_limit=memory_tokens or max(256, window // 4), tokenizer_fn=word_tokens
    )
    context_prompt = _prompt("knowledge_context").replace("{base}", base.name)
    return KnowledgeChatEngine(
        retriever=base.retriever(),
        llm=llm,
        memory=memory,
        context_prompt=context_prompt,
        system_prompt=system_prompt,
        skip_condense=not condense,
        no_match=(
            f'The knowledge base "{base.name}" has no passage about this, '
            "so I cannot answer it from the documents."
        ),
    )


def _prompt(name: str) -> str:
    from importlib import resources

    return resources.files("ponder.prompts").joinpath(f"{name}.md").read_text(encoding="utf-8").strip()
