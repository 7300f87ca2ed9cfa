"""A scripted backend: replies come from a queue, every request is recorded.

For tests and offline demos of the plumbing (never the demo of the product). The queue feeds
a real LlamaIndex ``CustomLLM`` (``ScriptedLLM``), so stock LlamaIndex agents can run on the
very same script in benchmarks.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from ponder.backends.base import (
    Backend,
    Capabilities,
    ModelReply,
    ModelRequest,
    NativeToolCall,
    TextGuard,
    Usage,
    estimate_tokens,
)
from ponder.backends.native import assistant_message
from ponder.errors import BackendUnavailable, InputError


@dataclass
class Scripted:
    """One scripted model reply."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any] | str]] = field(default_factory=list)
    delay: float = 0.0
    """Seconds to sleep before replying (simulates a slow model)."""
    fail: str | None = None
    """If set, the backend raises ``BackendUnavailable`` with this message instead of replying."""


Reply = str | Scripted
Responder = Callable[[Sequence[ChatMessage]], Reply]


class ScriptExhausted(AssertionError):
    """The script ran out of replies: the code under test asked the model more often than expected."""


class ScriptedLLM(CustomLLM):
    """A LlamaIndex LLM that answers from a queue and records the messages it was sent."""

    _queue: deque[Reply] = PrivateAttr(default_factory=deque)
    _responder: Responder | None = PrivateAttr(default=None)
    _requests: list[list[ChatMessage]] = PrivateAttr(default_factory=list)
    _chunk_chars: int = PrivateAttr(default=8)

    def __init__(self, replies: Iterable[Reply] = (), responder: Responder | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._queue = deque(replies)
        self._responder = responder

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=32768, num_output=1024, is_chat_model=True, model_name="scripted")

    @property
    def requests(self) -> list[list[ChatMessage]]:
        return self._requests

    def enqueue(self, *replies: Reply) -> None:
        self._queue.extend(replies)

    def next_reply(self, messages: Sequence[ChatMessage]) -> Scripted:
        self._requests.append(list(messages))
        if self._queue:
            reply = self._queue.popleft()
        elif self._responder is not None:
            reply = self._responder(messages)
        else:
            raise ScriptExhausted(f"scripted model has no reply left for request #{len(self._requests)}")
        reply = reply if isinstance(reply, Scripted) else Scripted(text=reply)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.fail:
            raise BackendUnavailable(reply.fail, fix="this failure was scripted by the test")
        return reply

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        reply = self.next_reply(messages)
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=reply.text))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        reply = self.next_reply(messages)

        def gen() -> ChatResponseGen:
            text = ""
            for delta in _chunks(reply.text, self._chunk_chars):
                text += delta
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        reply = self.next_reply([ChatMessage(role=MessageRole.USER, content=prompt)])
        return CompletionResponse(text=reply.text)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        reply = self.next_reply([ChatMessage(role=MessageRole.USER, content=prompt)])

        def gen() -> CompletionResponseGen:
            text = ""
            for delta in _chunks(reply.text, self._chunk_chars):
                text += delta
                yield CompletionResponse(text=text, delta=delta)

        return gen()


def _chunks(text: str, size: int) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


class ScriptedBackend(Backend):
    """``scripted:<file.json|file.yaml>`` or ``scripted:echo``; in Python, ``ScriptedBackend([...])``."""

    provider = "scripted"

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        *,
        responder: Responder | None = None,
        model: str = "script",
        native_tool_calls: bool = True,
        context_window: int = 32768,
    ) -> None:
        self.model = model
        self._llm = ScriptedLLM(replies, responder=responder)
        self.capabilities = Capabilities(
            native_tool_calls=native_tool_calls, streaming_with_tools=True, context_window=context_window
        )
        self.requests: list[ModelRequest] = []
        self.source: str | None = None
        """The digest of the responder's module, for a ``scripted:<module>:<factory>`` model."""

    @property
    def llm(self) -> ScriptedLLM:
        return self._llm

    def identity(self) -> dict[str, Any]:
        return {"source": self.source} if self.source else {}

    def enqueue(self, *replies: Reply) -> None:
        self._llm.enqueue(*replies)

    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        self.requests.append(request)
        reply = self._llm.next_reply(request.messages)
        guard = TextGuard(request)
        for delta in _chunks(reply.text, 8):
            shown, done = guard.feed(delta)
            if shown:
                yield shown
            if done:
                break
        yield from guard.rest()
        text = guard.text
        calls = [
            NativeToolCall(id=f"call_{len(self.requests)}_{i}", name=name, arguments=args)
            for i, (name, args) in enumerate(reply.tool_calls)
        ]
        prompt = sum(estimate_tokens(str(m.content or "")) for m in request.messages)
        yield ModelReply(
            text=text,
            tool_calls=calls,
            usage=Usage(prompt_tokens=prompt, completion_tokens=estimate_tokens(text)),
            # as the OpenAI and Ollama backends do: the assistant turn keeps its calls (a session records them)
            message=assistant_message(text, calls, [c.arguments for c in calls]) if calls else None,
        )


def echo_responder(messages: Sequence[ChatMessage]) -> Reply:
    last_user = next((m for m in reversed(messages) if m.role == MessageRole.USER), None)
    return f"You said: {last_user.content if last_user else ''}"


class _ScriptCall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)


class _ScriptItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = ""
    tool_calls: list[_ScriptCall] = Field(default_factory=list)
    delay: float = Field(0.0, ge=0, le=3600)
    fail: str | None = None


def load_script(path: Path) -> list[Reply]:
    """A script file: a JSON or YAML list whose items are strings or {text, tool_calls, delay, fail}."""
    fix = "write a JSON or YAML list of replies: strings or {text, tool_calls: [{name, arguments}], delay, fail}"
    if not path.is_file():
        raise InputError(f"scripted backend: no script file at {path}", fix="pass scripted:<path to a .json or .yaml list>")
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"scripted backend: cannot read {path}: {exc}", fix=fix) from None
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(raw)
        else:
            data = json.loads(raw)
    except Exception as exc:  # yaml.YAMLError, json.JSONDecodeError, RecursionError on deep nesting
        detail = " ".join(str(exc).split())[:200]
        raise InputError(f"scripted backend: cannot parse {path}: {detail}", fix=fix) from None
    if not isinstance(data, list):
        raise InputError(f"scripted backend: {path} must hold a list of replies", fix=fix)
    replies: list[Reply] = []
    for number, item in enumerate(data, start=1):
        if isinstance(item, str):
            replies.append(item)
            continue
        try:
            parsed = _ScriptItem.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "reply"
            raise InputError(f"scripted backend: {path}: reply #{number}: {where}: {err['msg']}", fix=fix) from None
        calls = [(c.name, c.arguments) for c in parsed.tool_calls]
        replies.append(Scripted(text=parsed.text, tool_calls=calls, delay=parsed.delay, fail=parsed.fail))
    return replies


def create(model: str, **_: Any) -> ScriptedBackend:
    """``scripted:echo`` echoes the last user message; ``scripted:<file>`` replays a script file;
    ``scripted:<module>:<factory>[?name=value&...]`` answers with ``factory(**params)``, a responder."""
    if model == "echo":
        return ScriptedBackend(responder=echo_responder, model="echo")
    if _RESPONDER_REF.match(model) and not Path(model).expanduser().exists():
        backend = ScriptedBackend(responder=import_responder(model), model=model)
        backend.source = _source_digest(model.partition(":")[0])
        return backend
    return ScriptedBackend(load_script(Path(model).expanduser()), model=model)


_RESPONDER_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*(\?.*)?$")


def import_responder(ref: str) -> Responder:
    """``package.module:factory?delay=0.2`` -> ``factory(delay=0.2)`` (values read as JSON, else text)."""
    import importlib
    from urllib.parse import parse_qsl

    target, _, query = ref.partition("?")
    module_name, _, attr = target.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"scripted backend: cannot import {target}: {exc}", fix="name an importable module:function") from exc
    params: dict[str, Any] = {}
    for name, raw in parse_qsl(query, keep_blank_values=True):
        try:
            params[name] = json.loads(raw)
        except ValueError:
            params[name] = raw
    try:
        responder: Responder = factory(**params)
    except TypeError as exc:
        raise InputError(f"scripted backend: {target}({query}) failed: {exc}", fix="pass the parameters the factory takes") from exc
    return responder


def _source_digest(module_name: str) -> str:
    """The digest of a responder module's file: cache keys change when its replies may."""
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec(module_name)
    origin = spec.origin if spec is not None else None
    if not origin or not Path(origin).is_file():
        return module_name
    return hashlib.sha256(Path(origin).read_bytes()).hexdigest()[:16]
