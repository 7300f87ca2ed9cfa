"""``local:``: the embedded model, in-process on llama.cpp (no key, no server, no network).

``local:qwen2.5-coder-1.5b`` is the built-in model (assembled from the ``ponder[local]``
packages on first use); ``local:/path/model.gguf`` runs any GGUF. The prompt is rendered with
the GGUF's own chat template, tools included as the model was trained (``tool_listing="signature"``
lists each tool as a compact signature instead of its JSON schema: about 30% fewer prompt
tokens). Each request is sent as tokens so llama.cpp reuses its KV cache for the longest common
prefix: a step reads only the tokens that are new since the previous call. The model stays
loaded across steps and turns.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ponder.backends.base import Backend, Capabilities, ModelReply, ModelRequest, TextGuard, Usage
from ponder.backends.local import llama_adapter
from ponder.backends.local.files import INSTALL_FIX
from ponder.backends.local.prefix_cache import PrefixCache, shared_length
from ponder.backends.local.tool_listing import TOOL_LISTINGS, ListedTool, listing_formatter
from ponder.errors import BackendError, ConfigError, MissingDependency

if TYPE_CHECKING:
    from llama_cpp import Llama, LlamaGrammar
    from llama_index.core.base.llms.types import ChatMessage

    from ponder.backends.local.llm import LocalLlamaLLM
    from ponder.tools.base import Tool

log = logging.getLogger(__name__)

MIN_SAVED_PREFIX = 32
"""Tokens: a shorter system prompt is read again faster than it is worth keeping."""
MIN_RESTORE_GAIN = 16
"""Tokens a saved prefix must add to what the live cache holds before it replaces it."""


class ContextOverflow(BackendError):
    """The conversation no longer fits the model's context window."""


class LocalModel:
    """A loaded GGUF: the llama.cpp handle, its chat template, and a lock (one generation at a time)."""

    def __init__(self, path: Path, *, n_ctx: int, n_threads: int | None) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise MissingDependency("the embedded model needs llama-cpp-python", fix=INSTALL_FIX) from exc
        threads = n_threads or os.cpu_count() or 2
        self.path = path
        self.lock = threading.RLock()
        self.llama: Llama = Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            n_batch=512,
            verbose=False,
        )
        template = self.llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise BackendError(f"{path.name} has no chat template", fix="use an instruct GGUF that embeds its chat template")
        llama_adapter.check(self.llama)
        self.eos = llama_adapter.token_text(self.llama, self.llama.token_eos())
        self._format = listing_formatter(template, eos_token=self.eos)
        self._use_fast_grammar_sampling()
        self.prefixes = PrefixCache()
        """Saved system-prompt-and-tools prefixes (see ``prefix_cache``)."""

    def _use_fast_grammar_sampling(self) -> None:
        """Greedy generation under a grammar checks one token, not the vocabulary (``grammar_sampler``)."""
        from ponder.backends.local.sampler import GreedyGrammarSampler

        llama = self.llama

        def choose(stock: Any, options: dict[str, Any]) -> Any:
            plain = options.get("repeat_penalty", 1.0) == 1.0 and not options.get("logits_processor")
            if options.get("grammar") is not None and options.get("temp") == 0.0 and plain:
                return GreedyGrammarSampler(llama, options["grammar"])
            return stock(**options)

        llama_adapter.replace_sampler(llama, choose)

    @property
    def n_ctx(self) -> int:
        return int(self.llama.n_ctx())

    def render(self, messages: Sequence[ChatMessage], tools: Sequence[Tool] = (), *, listing: str = "json") -> str:
        """The prompt for ``messages``; ``listing="signature"`` lists the tools in fewer tokens than JSON."""
        dicts = [_as_template_message(m) for m in messages]
        listed = listing == "signature"
        schemas = [ListedTool(t) if listed else t.openai_schema() for t in tools] or None
        return str(self._format(messages=dicts, tools=schemas).prompt)

    def tokenize(self, text: str) -> list[int]:
        return list(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def cached_prefix(self, tokens: Sequence[int]) -> int:
        """How many leading tokens of ``tokens`` are already in the live KV cache."""
        return shared_length(llama_adapter.cached_tokens(self.llama), tokens)

    def prepare(self, tokens: Sequence[int], *, stable: int) -> int:
        """Load the KV cache with as much of ``tokens`` as it or a saved prefix holds; return that count.

        ``stable`` is how many leading tokens depend only on the system prompt and the tools: when
        that prefix is not saved yet and must be read anyway, it is read first and saved, so the
        next conversation that starts the same way skips it.
        """
        cached = self.cached_prefix(tokens)
        saved, shared = self.prefixes.best(tokens)
        if saved is not None and shared >= cached + MIN_RESTORE_GAIN:
            self._restore(saved.tokens, saved.state)
            restored = self.cached_prefix(tokens)  # nothing, if the restore failed
            log.debug(
                "saved prefix restored: %d of %d prompt tokens are cached (the live cache held %d)%s",
                restored, len(tokens), cached, "" if restored else "; llama.cpp refused the saved state",
            )
            cached = restored
        if stable >= MIN_SAVED_PREFIX and cached <= stable and tokens[:stable] not in self.prefixes:
            self._hold(tokens[:stable], cached)
            self._save(tokens[:stable])
            log.debug("prefix of %d tokens saved (%d saved prefixes, %.1f MB)", stable, len(self.prefixes), self.prefixes.size_bytes / 1e6)
        return cached

    def _hold(self, prefix: Sequence[int], cached: int) -> None:
        """Make the live KV cache hold exactly ``prefix``, of which ``cached`` tokens are there already."""
        self.llama.n_tokens = cached
        if cached < len(prefix):
            self.llama.eval(list(prefix[cached:]))  # drops whatever followed the cached part first
        else:
            llama_adapter.forget_from(self.llama, cached)

    def _save(self, prefix: Sequence[int]) -> None:
        import ctypes

        import llama_cpp

        ctx = llama_adapter.context_pointer(self.llama)
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
        if written:
            self.prefixes.put(prefix, ctypes.string_at(buffer, written))

    def _restore(self, prefix: Sequence[int], state: bytes) -> None:
        """Replace the live KV cache with a saved prefix's (an empty one if llama.cpp refuses it)."""
        import ctypes

        import llama_cpp

        buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        llama_adapter.forget_from(self.llama, 0)
        self.llama.n_tokens = 0
        llama_adapter.expect_decode(self.llama)  # no logits come with the state: never sample before a decode
        if llama_cpp.llama_state_seq_set_data(llama_adapter.context_pointer(self.llama), buffer, len(state), 0):
            llama_adapter.set_cached_tokens(self.llama, prefix)

    def generate(
        self, tokens: list[int], request: ModelRequest, *, grammar: LlamaGrammar | None = None
    ) -> Generator[str, None, None]:
        """Stream text for a token prompt (the caller holds ``lock``)."""
        stream = self.llama.create_completion(
            tokens,
            max_tokens=request.max_tokens or 1024,
            temperature=request.temperature,
            top_k=40 if request.temperature > 0 else 1,
            repeat_penalty=1.0,
            stop=list(request.stop) or None,
            seed=request.seed,
            stream=True,
            grammar=grammar,
        )
        try:
            for chunk in stream:
                text = chunk["choices"][0]["text"]  # type: ignore[index]
                if text:
                    yield str(text)
        finally:
            stream.close()  # type: ignore[union-attr]


def _as_template_message(message: ChatMessage) -> dict[str, Any]:
    role = message.role.value
    out: dict[str, Any] = {"role": role, "content": message.content or ""}
    if role == "tool" and message.additional_kwargs.get("name"):
        out["name"] = message.additional_kwargs["name"]
    return out


_MODELS: dict[tuple[str, int, int | None], LocalModel] = {}
_MODELS_LOCK = threading.Lock()


def load_model(path: Path, *, n_ctx: int, n_threads: int | None) -> LocalModel:
    """One loaded copy per (file, context, threads) per process: steps, turns and agents share it."""
    key = (str(path), n_ctx, n_threads)
    with _MODELS_LOCK:
        if key not in _MODELS:
            log.info("loading %s (context %d tokens, %s threads)", path.name, n_ctx, n_threads or "all")
            started = time.perf_counter()
            _MODELS[key] = LocalModel(path, n_ctx=n_ctx, n_threads=n_threads)
            log.info("loaded %s in %.1fs", path.name, time.perf_counter() - started)
        return _MODELS[key]


class LocalBackend(Backend):
    provider = "local"

    def __init__(
        self,
        model: str = "",
        *,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        constrain_calls: bool = True,
        tool_listing: str = "json",
    ) -> None:
        from ponder.backends.local.files import MODEL_NAME

        self.model = model or MODEL_NAME
        self.constrain_calls = constrain_calls
        """Write tool calls under a grammar built from the tools' schemas (see ``call_grammar``)."""
        if tool_listing not in TOOL_LISTINGS:
            raise ConfigError(
                f"unknown tool_listing {tool_listing!r}", fix=f"use one of: {', '.join(TOOL_LISTINGS)}"
            )
        self.tool_listing = tool_listing
        """How the prompt lists the tools: ``signature`` (compact, see ``tool_listing``) or ``json`` (the template's own)."""
        self._n_ctx = n_ctx
        self._n_threads = n_threads
        self._loaded: LocalModel | None = None
        self._load_lock = threading.Lock()
        self._llm: LocalLlamaLLM | None = None
        self.capabilities = Capabilities(
            native_tool_calls=True, streaming_with_tools=True, context_window=n_ctx, tool_calls_as_text=True
        )

    def identity(self) -> dict[str, Any]:
        return {"tool_listing": self.tool_listing, "constrain_calls": self.constrain_calls}

    # -- loading ----------------------------------------------------------------------------
    def load(self) -> LocalModel:
        """Assemble (first run only) and load the model; later calls return the loaded one."""
        with self._load_lock:
            if self._loaded is None:
                from ponder.backends.local.files import resolve_model_path

                path = resolve_model_path(self.model)
                self._loaded = load_model(path, n_ctx=self._n_ctx, n_threads=self._n_threads)
            return self._loaded

    @property
    def llm(self) -> LocalLlamaLLM:
        if self._llm is None:
            from ponder.backends.local.llm import LocalLlamaLLM

            self._llm = LocalLlamaLLM(backend=self)
        return self._llm

    # -- generation -------------------------------------------------------------------------
    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        model = self.load()
        prompt = model.render(request.messages, request.tools, listing=self.tool_listing)
        with model.lock:
            tokens = model.tokenize(prompt)
            budget = request.max_tokens or 1024
            if len(tokens) + min(budget, 256) > model.n_ctx:
                raise ContextOverflow(
                    f"the conversation ({len(tokens)} tokens) no longer fits the context window ({model.n_ctx})",
                    fix="start a new session (/reset in the REPL) or raise [local] n_ctx in ponder.toml",
                )
            budget = min(budget, model.n_ctx - len(tokens))
            evaluated = len(tokens) - model.prepare(tokens, stable=self._stable_prefix(model, request, tokens))
            guard = TextGuard(request)
            pieces = 0
            finish = "stop"
            grammar = None
            callable_tools = request.tools or request.call_tools
            # Typed answers: the whole reply is generated under one grammar, a call or the answer.
            answer = self._answer_grammar(request, callable_tools)
            if answer is not None:
                finish = "constrained_answer"
            elif callable_tools and self.constrain_calls:
                from ponder.backends.local.grammar import grammar_for

                grammar = grammar_for(callable_tools)  # None: a schema llama.cpp cannot take
            generator = model.generate(tokens, _with_budget(request, budget), grammar=answer)
            from ponder.backends.local.grammar import CallWatch

            watch = CallWatch() if grammar is not None else None
            constrained_from: int | None = None
            if request.require_call and watch is not None:
                # A call is required: the reply starts as Qwen starts one, the rest under the grammar.
                generator.close()
                generator = _no_text()
                shown, _ = guard.feed(watch.feed(_REQUIRED_OPENER))
                if shown:
                    yield shown
                constrained_from = watch.start
            try:
                for piece in generator:
                    pieces += 1
                    if watch is not None:
                        piece = watch.feed(piece)
                        if watch.start is not None:
                            constrained_from = watch.start
                    shown, done = guard.feed(piece) if piece else ("", False)
                    if shown:
                        yield shown
                    if done:
                        finish = "stopped_early"
                        break
                    if constrained_from is not None:
                        break
                else:
                    if watch is not None and not guard.stopped:
                        shown, _ = guard.feed(watch.flush())
                        if shown:
                            yield shown
            finally:
                generator.close()
            if constrained_from is not None and not guard.stopped and grammar is not None:
                # The model began a call: write the rest of it under the tools' grammar.
                call_tokens = model.tokenize(prompt + guard.text)
                evaluated += len(call_tokens) - model.cached_prefix(call_tokens)
                rest = _with_budget(request, max(16, budget - pieces))
                if watch is not None and watch.opener in ("tag", "fence"):  # more calls may follow
                    grammar = grammar_for(callable_tools, opener=watch.opener) or grammar
                generator = model.generate(call_tokens, rest, grammar=grammar)
                try:
                    for piece in generator:
                        pieces += 1
                        shown, done = guard.feed(piece)
                        if shown:
                            yield shown
                        if done:
                            break
                finally:
                    generator.close()
                finish = "constrained_call"
            yield from guard.rest()
            completion = len(model.tokenize(guard.text)) if guard.text else 0
        if pieces >= budget:
            finish = "length"
        yield ModelReply(
            text=guard.text,
            usage=Usage(prompt_tokens=len(tokens), completion_tokens=completion, prompt_tokens_evaluated=max(evaluated, 1)),
            finish_reason=finish,
        )

    def _answer_grammar(self, request: ModelRequest, tools: Sequence[Tool]) -> LlamaGrammar | None:
        """The grammar of a typed answer (or of a call or that answer, while calls are allowed); None
        when a call is required (the reply then starts as a call, under the tools' grammar)."""
        if request.answer_schema is None or (request.require_call and tools and self.constrain_calls):
            return None  # no typed answer, or a call is required: the tools' grammar alone (below)
        calls = [] if request.answer_only else list(tools)
        if calls and not self.constrain_calls:
            return None  # calls are written freely, so the answer must be too
        from ponder.backends.local.grammar import answer_grammar

        return answer_grammar(dict(request.answer_schema), calls)

    def _stable_prefix(self, model: LocalModel, request: ModelRequest, tokens: Sequence[int]) -> int:
        """How many leading tokens depend only on the system prompt and the tools, not the conversation."""
        system: list[ChatMessage] = []
        for message in request.messages:
            if message.role.value != "system":
                break
            system.append(message)
        if not system:
            return 0  # the template's own default system prompt, if any, is short
        from jinja2 import TemplateError

        try:
            probe = model.render(system, request.tools, listing=self.tool_listing)
        except TemplateError:  # a template that needs a user turn: nothing saved, nothing lost
            return 0
        return shared_length(model.tokenize(probe), tokens)

    def count_tokens(self, text: str) -> int:
        if self._loaded is None:
            return super().count_tokens(text)
        return len(self._loaded.tokenize(text))


_REQUIRED_OPENER = '<tool_call>\n{"name":'


def _no_text() -> Generator[str, None, None]:
    yield from ()


def _with_budget(request: ModelRequest, budget: int) -> ModelRequest:
    from dataclasses import replace

    return replace(request, max_tokens=budget)


def create(
    model: str,
    *,
    n_ctx: int = 8192,
    n_threads: int | None = None,
    constrain_calls: bool = True,
    tool_listing: str = "json",
    **_: Any,
) -> LocalBackend:
    return LocalBackend(
        model, n_ctx=n_ctx, n_threads=n_threads, constrain_calls=constrain_calls, tool_listing=tool_listing
    )
