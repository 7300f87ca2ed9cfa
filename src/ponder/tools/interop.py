"""Tools from LlamaIndex (LlamaHub tool specs, ``FunctionTool``) and LangChain, as Ponder tools.

A LlamaIndex ``BaseTool`` or a LangChain ``BaseTool`` becomes a ``Tool`` whose argument model is
the tool's own pydantic schema, made to refuse unknown parameters and to coerce near-misses the
way Ponder's do; so validation, coercion, approval, the timeout and the observation budget all
apply as they do to any tool. Tool specs (``BaseToolSpec.to_tool_list()``) and LangChain toolkits
(``get_tools()``) expand to their tools.

Nothing here imports LangChain or LlamaIndex to *recognise* an object: a LangChain tool can only
exist once ``langchain_core`` is imported, so its classes are looked up in ``sys.modules``.
``ponder.tools.references`` turns ``llamahub:...`` and ``langchain:...`` names into tools.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ponder.errors import MissingDependency, ToolDefinitionError
from ponder.tools.base import Tool
from ponder.tools.docstrings import parse_docstring
from ponder.tools.schema import clean_json_schema, inline_refs, model_from_json_schema, model_from_pydantic

MAX_DESCRIPTION = 1024
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")


# -- recognising objects without importing their libraries ------------------------------------------
def _class(module: str, name: str) -> type | None:
    loaded = sys.modules.get(module)
    found = getattr(loaded, name, None) if loaded is not None else None
    return found if isinstance(found, type) else None


def is_llama_index_tool(obj: Any) -> bool:
    base = _class("llama_index.core.tools.types", "BaseTool")
    return base is not None and isinstance(obj, base)


def is_llama_index_spec(obj: Any) -> bool:
    """A LlamaHub tool spec, as a class or an instance."""
    base = _class("llama_index.core.tools.tool_spec.base", "BaseToolSpec")
    if base is None:
        return False
    return isinstance(obj, base) or (isinstance(obj, type) and issubclass(obj, base))


def is_langchain_tool(obj: Any) -> bool:
    base = _class("langchain_core.tools.base", "BaseTool")
    return base is not None and isinstance(obj, base)


def is_langchain_toolkit(obj: Any) -> bool:
    base = _class("langchain_core.tools.base", "BaseToolkit")
    return base is not None and isinstance(obj, base)


def is_collection(obj: Any) -> bool:
    """An object that holds several tools: a tool spec or a LangChain toolkit."""
    return is_llama_index_spec(obj) or is_langchain_toolkit(obj)


# -- one tool --------------------------------------------------------------------------------------
def from_llama_index(
    tool: Any,
    *,
    name: str | None = None,
    needs_approval: bool = False,
    opt_in: bool = False,
    timeout: float | None = None,
    source: str = "llama-index",
) -> Tool:
    """A LlamaIndex ``BaseTool`` as a Ponder ``Tool`` (see ``Tool.from_llama_index``)."""
    if not is_llama_index_tool(tool):
        raise ToolDefinitionError(f"{tool!r} is not a LlamaIndex tool", fix="pass a llama_index.core.tools.BaseTool")
    metadata = tool.metadata
    original = str(metadata.name or "")
    tool_name = name or _api_name(original)
    if not tool_name:
        raise ToolDefinitionError("a LlamaIndex tool has no name", fix="give its ToolMetadata a name")
    summary, param_docs = _describe(metadata.description or "", original)
    schema = metadata.fn_schema
    args_model = _args_model(tool_name, schema) if schema is not None else model_from_json_schema(
        tool_name, metadata.get_parameters_dict()
    )

    def call(**arguments: Any) -> Any:
        return _llama_output(tool(**arguments))

    return _wrapped(
        call, tool_name, summary, args_model, param_docs, wraps="llama-index", original=original,
        needs_approval=needs_approval, timeout=timeout, source=source, opt_in=opt_in,
    )  # fmt: skip


def from_langchain(
    tool: Any,
    *,
    name: str | None = None,
    needs_approval: bool = False,
    opt_in: bool = False,
    timeout: float | None = None,
    source: str = "langchain",
) -> Tool:
    """A LangChain ``BaseTool`` as a Ponder ``Tool`` (see ``Tool.from_langchain``)."""
    if not is_langchain_tool(tool):
        if "langchain_core" not in sys.modules:
            raise MissingDependency("LangChain tools need langchain-core", fix="pip install 'ponder[langchain]'")
        raise ToolDefinitionError(f"{tool!r} is not a LangChain tool", fix="pass a langchain_core.tools.BaseTool")
    original = str(tool.name)
    tool_name = name or _api_name(original)
    summary, param_docs = _describe(str(tool.description or ""), original)
    schema = tool.tool_call_schema
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        args_model = _args_model(tool_name, schema)
    else:  # a tool declared with a JSON-Schema dict
        args_model = model_from_json_schema(tool_name, inline_refs(dict(schema or {})))

    def call(**arguments: Any) -> Any:
        result = tool.invoke(arguments)
        if type(result).__module__.startswith("langchain_core.messages"):
            return result.content  # a ToolMessage (tools that return content and an artifact)
        return result

    return _wrapped(
        call, tool_name, summary, args_model, param_docs, wraps="langchain", original=original,
        needs_approval=needs_approval, timeout=timeout, source=source, opt_in=opt_in,
    )  # fmt: skip


def _wrapped(
    call: Any,
    name: str,
    summary: str,
    args_model: type[BaseModel],
    param_docs: dict[str, str],
    *,
    wraps: str,
    original: str,
    needs_approval: bool,
    timeout: float | None,
    source: str,
    opt_in: bool,
) -> Tool:
    """The Ponder ``Tool`` around another library's tool: its schema, our validation, approval and limits."""
    call.__name__ = name
    return Tool(
        name=name,
        description=summary or name,
        fn=call,
        args_model=args_model,
        parameters=_parameters(args_model, param_docs),
        needs_approval=needs_approval,
        timeout=timeout,
        source=source,
        opt_in=opt_in,
        plain_arguments=True,
        metadata={"wraps": wraps, "original_name": original},
    )


def _api_name(name: str) -> str:
    """A name the OpenAI API and chat templates accept: letters, digits, ``_`` and ``-``, at most 64."""
    return _NAME_CHARS.sub("_", name.strip())[:64]


def _describe(description: str, name: str) -> tuple[str, dict[str, str]]:
    """A short summary and the parameters' docs from a tool's description.

    LlamaIndex writes ``name(signature) -> type`` and then the whole docstring; LangChain's
    ``@tool`` keeps the docstring's ``Args:`` section. Small models read the summary better.
    """
    text = description.strip()
    first, _, rest = text.partition("\n")
    if name and first.startswith(f"{name}("):
        text = rest
    parsed = parse_docstring(text) if text else None
    summary = " ".join((parsed.summary if parsed and parsed.summary else text).split())
    if len(summary) > MAX_DESCRIPTION:
        summary = summary[: MAX_DESCRIPTION - 1].rstrip() + "…"
    return summary, dict(parsed.params) if parsed else {}


def _args_model(name: str, schema: Any) -> type[BaseModel]:
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise ToolDefinitionError(f"tool '{name}': its schema is not a pydantic model", fix="give the tool a pydantic fn_schema")
    return model_from_pydantic(name, schema)


def _parameters(args_model: type[BaseModel], docs: Mapping[str, str]) -> dict[str, Any]:
    """The JSON schema the model reads, with parameter docs from the docstring where the schema has none."""
    parameters = clean_json_schema(args_model)
    parameters.pop("description", None)  # the tool's description already says it
    for prop, spec in parameters.get("properties", {}).items():
        if isinstance(spec, dict) and not spec.get("description") and docs.get(prop):
            spec["description"] = docs[prop]
    return parameters


class LlamaToolError(RuntimeError):
    """A LlamaIndex tool reported an error in its output (``ToolOutput.is_error``)."""


def _llama_output(output: Any) -> Any:
    """What a LlamaIndex ``ToolOutput`` carries: its text, or its raw value when the text is only that value's repr."""
    if not hasattr(output, "raw_output"):
        return output
    if getattr(output, "is_error", False):
        exception = getattr(output, "exception", None)
        if isinstance(exception, BaseException):
            raise exception
        raise LlamaToolError(str(getattr(output, "content", "")) or "the tool reported an error")
    content = getattr(output, "content", "")
    raw = output.raw_output
    if not content or (not isinstance(raw, str) and content == str(raw)):
        return raw  # a dict or a list: the loop shows it as JSON rather than as a Python repr
    return content


# -- many tools ------------------------------------------------------------------------------------
def tools_from(obj: Any, **policy: Any) -> list[Tool]:
    """Every tool in ``obj``: a Ponder tool, a LlamaIndex or LangChain tool, a tool spec, a toolkit, or a list."""
    if isinstance(obj, Tool):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [tool for item in obj for tool in tools_from(item, **policy)]
    if is_llama_index_spec(obj):
        spec = obj() if isinstance(obj, type) else obj
        return [from_llama_index(t, **policy) for t in spec.to_tool_list()]
    if is_langchain_toolkit(obj):
        return [from_langchain(t, **policy) for t in obj.get_tools()]
    if is_llama_index_tool(obj):
        return [from_llama_index(obj, **policy)]
    if is_langchain_tool(obj):
        return [from_langchain(obj, **policy)]
    raise ToolDefinitionError(
        f"{type(obj).__name__} is not a tool, a tool spec or a toolkit",
        fix="point at a LlamaIndex BaseToolSpec or BaseTool, or a LangChain BaseTool or BaseToolkit",
    )
