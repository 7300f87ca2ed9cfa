"""The embedded model as a LlamaIndex LLM, sharing the loaded weights with the ``LocalBackend`` that made it.

Lets stock LlamaIndex components (chat engines, the stock agents in benchmarks) run on the
very model Ponder's loop uses, with the GGUF's own chat template.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from pydantic import PrivateAttr

from ponder.backends.base import ModelReply, ModelRequest

if TYPE_CHECKING:
    from ponder.backends.base import Backend


class LocalLlamaLLM(CustomLLM):
    _backend: Backend = PrivateAttr()

    def __init__(self, *, backend: Backend, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._backend = backend

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self._backend.capabilities.context_window,
            num_output=1024,
            is_chat_model=True,
            model_name=self._backend.name,
        )

    def _stream(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
        request = ModelRequest(
            messages=list(messages),
            stop=tuple(kwargs.get("stop") or ()),
            max_tokens=kwargs.get("max_tokens") or 1024,
            temperature=float(kwargs.get("temperature", 0.0)),
        )
        for item in self._backend.stream(request):
            if not isinstance(item, ModelReply):
                yield item

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        text = "".join(self._stream(messages, **kwargs))
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        def gen() -> ChatResponseGen:
            text = ""
            for delta in self._stream(messages, **kwargs):
                text += delta
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        text = "".join(self._stream([ChatMessage(role=MessageRole.USER, content=prompt)], **kwargs))
        return CompletionResponse(text=text)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        def gen() -> CompletionResponseGen:
            text = ""
            for delta in self._stream([ChatMessage(role=MessageRole.USER, content=prompt)], **kwargs):
                text += delta
                yield CompletionResponse(text=text, delta=delta)

        return gen()
