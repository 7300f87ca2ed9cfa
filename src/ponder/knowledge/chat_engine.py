"""``KnowledgeChatEngine``: LlamaIndex's ``CondensePlusContextChatEngine`` that admits when nothing matches.

The stock engine answers "Empty Response" when retrieval finds nothing (its synthesizer skips
the model when there is no context). Here that turn gets a plain sentence saying the documents
do not cover the question, which also goes into the chat memory, and the model is not called.
Imports LlamaIndex at module level: import it only when a chat mode is opened.
"""

from __future__ import annotations

from collections.abc import Generator
from threading import Thread
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.base.response.schema import StreamingResponse
from llama_index.core.chat_engine import CondensePlusContextChatEngine
from llama_index.core.chat_engine.types import AgentChatResponse, StreamingAgentChatResponse


class KnowledgeChatEngine(CondensePlusContextChatEngine):
    """Condense the conversation into a question, retrieve passages, answer from them (or say there are none)."""

    def __init__(self, *args: Any, no_match: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.no_match = no_match

    def chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        synthesizer, context_source, nodes = self._run_c3(message, chat_history)
        if not nodes:
            self._remember(message, self.no_match)
            return AgentChatResponse(response=self.no_match, sources=[context_source], source_nodes=[])
        response = synthesizer.synthesize(message, nodes)
        self._remember(message, str(response))
        return AgentChatResponse(response=str(response), sources=[context_source], source_nodes=nodes)

    def stream_chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> StreamingAgentChatResponse:
        synthesizer, context_source, nodes = self._run_c3(message, chat_history, streaming=True)
        if nodes:
            return self._stream(synthesizer, context_source, nodes, message)
        self._remember(message, self.no_match)

        def once() -> Generator[ChatResponse, None, None]:
            yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=self.no_match), delta=self.no_match)

        return StreamingAgentChatResponse(
            chat_stream=once(), sources=[context_source], source_nodes=[], is_writing_to_memory=False
        )

    def _stream(self, synthesizer: Any, context_source: Any, nodes: list[Any], message: str) -> StreamingAgentChatResponse:
        """The stock streaming path, given the passages already retrieved."""
        response = synthesizer.synthesize(message, nodes)
        assert isinstance(response, StreamingResponse)
        self._memory.put(ChatMessage(content=message, role=MessageRole.USER))

        def deltas() -> Generator[ChatResponse, None, None]:
            text = ""
            for token in response.response_gen:
                text += token
                yield ChatResponse(message=ChatMessage(content=text, role=MessageRole.ASSISTANT), delta=token)

        reply = StreamingAgentChatResponse(chat_stream=deltas(), sources=[context_source], source_nodes=nodes)
        # As in the stock engine: a thread writes the streamed answer to memory as it is consumed.
        thread = Thread(target=reply.write_response_to_history, args=(self._memory,))
        reply.write_response_to_history_thread = thread
        thread.start()
        return reply

    def _remember(self, question: str, answer: str) -> None:
        self._memory.put(ChatMessage(content=question, role=MessageRole.USER))
        self._memory.put(ChatMessage(content=answer, role=MessageRole.ASSISTANT))
