"""Stable keys for the cache: what exactly was asked, of which model, by which code.

A response key covers the model's identity (name, backend class and its code, capabilities),
every message, the tools' schemas, stop sequences, token cap, temperature, seed and the repeat
index. A run key covers everything that shapes a whole agent run: the model, the system
prompt and the loop's prompts, the task, the tools (schemas *and* the code of their modules),
the limits, the protocol, and the loop's own code, so changing any of them reruns the case.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import ChatMessage

    from ponder.agents.spec import AgentSpec
    from ponder.backends.base import Backend, ModelRequest
    from ponder.tools.base import Tool

KEY_VERSION = 2


def jsonable(value: Any) -> Any:
    """Plain JSON data from SDK objects (pydantic models, dataclasses) found in message kwargs."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return jsonable(dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return str(value)


def digest(payload: Any) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@lru_cache(maxsize=256)
def file_digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return "unreadable"


def code_digest(obj: Any) -> str:
    """The digest of the source file that defines ``obj`` (its helpers change with it)."""
    try:
        return _cached_code_digest(obj)
    except TypeError:  # unhashable callable
        return _code_digest(obj)


@lru_cache(maxsize=4096)
def _cached_code_digest(obj: Any) -> str:
    return _code_digest(obj)


def _code_digest(obj: Any) -> str:
    try:
        source = inspect.getsourcefile(obj)
    except TypeError:
        source = None
    return file_digest(source) if source else f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"


def backend_identity(backend: Backend) -> dict[str, Any]:
    inner = getattr(backend, "inner", backend)
    identity: dict[str, Any] = {
        "name": inner.name,
        "class": f"{type(inner).__module__}.{type(inner).__qualname__}",
        "code": code_digest(type(inner)),
        "capabilities": dataclasses.asdict(inner.capabilities),
        "fingerprint": getattr(inner, "fingerprint", None),
        "identity": jsonable(inner.identity()),
    }
    if inner.provider == "scripted" and Path(inner.model).is_file():
        identity["script"] = file_digest(str(Path(inner.model).resolve()))
    return identity


def message_payload(message: ChatMessage) -> dict[str, Any]:
    return {
        "role": getattr(message.role, "value", str(message.role)),
        "content": message.content,
        "kwargs": jsonable(message.additional_kwargs),
    }


def request_key(identity: dict[str, Any], request: ModelRequest, repeat: int) -> str:
    return digest(
        {
            "v": KEY_VERSION,
            "model": identity,
            "messages": [message_payload(m) for m in request.messages],
            "tools": [t.openai_schema() for t in request.tools],
            "stop": list(request.stop),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
            "repeat": repeat,
            # typed answers (only when asked for: the keys of other requests stay as they were)
            **({"answer": [request.answer_schema, request.answer_only]} if request.answer_schema is not None else {}),
        }
    )


def tool_fingerprint(tool: Tool) -> dict[str, Any]:
    return {"schema": tool.openai_schema(), "code": code_digest(tool.fn), "timeout": tool.timeout}


@lru_cache(maxsize=1)
def loop_fingerprint() -> str:
    """The loop's own code: a change to how runs unfold invalidates replayed runs."""
    import ponder

    root = Path(ponder.__file__).parent
    files = sorted([*root.glob("agents/*.py"), *root.glob("tools/*.py"), root / "backends" / "base.py"])
    return digest([(str(f.relative_to(root)), file_digest(str(f))) for f in files])


@lru_cache(maxsize=1)
def prompt_names() -> tuple[str, ...]:
    """Every prompt Ponder ships (``ponder/prompts/*.md``)."""
    from importlib import resources

    folder = resources.files("ponder.prompts")
    return tuple(sorted(p.name[:-3] for p in folder.iterdir() if p.name.endswith(".md")))


def run_context(backend: Backend, prompts_dir: Path | None = None) -> str:
    """The part of a run key shared by every case of a run (model, loop prompts, loop code)."""
    from ponder import prompts

    loop_prompts = {name: prompts.load(name, prompts_dir) for name in prompt_names()}
    return digest({"model": backend_identity(backend), "prompts": loop_prompts, "loop": loop_fingerprint()})


class RunKeyer:
    """Run keys for one suite run, without building an ``Agent``.

    A key digests what one job runs: the model's identity, the loop's prompts and code (memoized
    per prompts folder), the job's ``AgentSpec`` fingerprint (prompt, protocol, limits,
    temperature, seed, tool names...), the fingerprints of the tools it gets (schemas and code,
    memoized per tool set), the task and the repeat index. A rerun from the cache spends
    microseconds per case here.
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._contexts: dict[str | None, str] = {}
        self._toolsets: dict[tuple[int, ...], tuple[list[Tool], str]] = {}

    def key(self, *, spec: AgentSpec, tools: list[Tool], task: str, repeat: int) -> str:
        return digest(
            {
                "v": KEY_VERSION,
                "context": self._context(spec.prompts_dir),
                "agent": spec.fingerprint,
                "tools": self._tools(tools),
                "task": task,
                "repeat": repeat,
            }
        )

    def _context(self, prompts_dir: str | None) -> str:
        found = self._contexts.get(prompts_dir)
        if found is None:
            found = self._contexts[prompts_dir] = run_context(self.backend, Path(prompts_dir) if prompts_dir else None)
        return found

    def _tools(self, tools: list[Tool]) -> str:
        ident = tuple(id(t) for t in tools)
        found = self._toolsets.get(ident)
        if found is None:
            # the tools are kept alive with their digest, so their ids cannot be reused meanwhile
            found = (list(tools), digest([tool_fingerprint(t) for t in tools]))
            self._toolsets[ident] = found
        return found[1]
