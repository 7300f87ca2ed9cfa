"""The tool contract: a typed Python function whose docstring documents every parameter.

``Tool`` is Ponder's small interface over LlamaIndex's ``FunctionTool``: it adds argument
validation (pydantic, before the call), an approval flag, a timeout and a source label.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, get_type_hints, overload

from pydantic import BaseModel, Field, ValidationError, create_model

from ponder.errors import ToolArgumentsError, ToolDefinitionError
from ponder.tools.context import RunContext, is_context_type
from ponder.tools.docstrings import parse_docstring
from ponder.tools.schema import ARGS_CONFIG, clean_json_schema, model_from_json_schema, type_label

if TYPE_CHECKING:
    from llama_index.core.tools import FunctionTool

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Tool:
    """A callable the agent can use. Build one with ``@tool``, ``Tool.from_function`` or ``Tool.from_json_schema``."""

    name: str
    description: str
    fn: Callable[..., Any]
    args_model: type[BaseModel]
    parameters: dict[str, Any]
    needs_approval: bool = False
    timeout: float | None = None
    source: str = "python"
    """Where the tool comes from: "builtin", an installed package's name, "mcp:<server>", or "python"."""
    metadata: dict[str, Any] = field(default_factory=dict)
    opt_in: bool = False
    """Off unless selected by name (``--tools`` or ``tools = [...]``): tools that reach outside the process."""
    plain_arguments: bool = False
    """Pass (and record) the checked arguments as JSON values, not model instances: what LlamaIndex and
    LangChain tools expect, since their own agents hand them the model's JSON."""
    context_param: str | None = None
    """The first parameter, typed ``RunContext``, that receives the run's context (not in the schema)."""

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        needs_approval: bool = False,
        timeout: float | None = None,
        source: str = "python",
        opt_in: bool = False,
    ) -> Tool:
        """Schema from the type hints, descriptions from the docstring; refuses undocumented parameters."""
        tool_name = name or fn.__name__
        doc = parse_docstring(inspect.getdoc(fn))
        summary = description or doc.summary
        if not summary:
            raise ToolDefinitionError(
                f"tool '{tool_name}' has no description",
                fix=f"add a docstring to {fn.__qualname__} saying what it does",
            )
        try:
            hints = get_type_hints(fn)
        except Exception as exc:  # unresolvable forward references
            raise ToolDefinitionError(f"tool '{tool_name}': cannot read its type hints ({exc})") from exc
        fields: dict[str, Any] = {}
        context_param = _context_parameter(fn, hints, tool_name)
        for param in inspect.signature(fn).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.name == context_param:
                continue
            if param.name not in hints:
                raise ToolDefinitionError(
                    f"tool '{tool_name}': parameter '{param.name}' has no type hint",
                    fix=f"annotate it, e.g. '{param.name}: str'",
                )
            if param.name not in doc.params:
                raise ToolDefinitionError(
                    f"tool '{tool_name}': parameter '{param.name}' is not documented in the docstring",
                    fix=f"add '{param.name}: <what it is>' under 'Args:' in {fn.__qualname__}'s docstring",
                )
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[param.name] = (hints[param.name], Field(default, description=doc.params[param.name]))
        model = create_model(f"{tool_name}_args", __config__=ARGS_CONFIG, **fields)
        return cls(
            name=tool_name,
            description=summary,
            fn=fn,
            args_model=model,
            parameters=clean_json_schema(model),
            needs_approval=needs_approval,
            timeout=timeout,
            source=source,
            opt_in=opt_in,
            context_param=context_param,
        )

    @classmethod
    def from_json_schema(
        cls,
        function: Mapping[str, Any],
        fn: Callable[..., Any],
        *,
        needs_approval: bool = False,
        timeout: float | None = None,
        source: str = "json-schema",
        opt_in: bool = False,
    ) -> Tool:
        """A tool from an OpenAI-style function description (``name``, ``description``, ``parameters``) and a callable."""
        spec = function.get("function", function)
        name = spec.get("name")
        if not name or not isinstance(name, str):
            raise ToolDefinitionError("a function description has no 'name'", fix="give every function a name")
        parameters = dict(spec.get("parameters") or {"type": "object", "properties": {}})
        return cls(
            name=name,
            description=str(spec.get("description") or name),
            fn=fn,
            args_model=model_from_json_schema(name, parameters),
            parameters=_normalise_schema(parameters),
            needs_approval=needs_approval,
            timeout=timeout,
            source=source,
            opt_in=opt_in,
        )

    @classmethod
    def from_llama_index(cls, tool: Any, **policy: Any) -> Tool:
        """A LlamaIndex ``BaseTool`` (``FunctionTool``, a tool spec's tools, ``QueryEngineTool``) as a Ponder tool.

        ``policy``: ``needs_approval``, ``opt_in``, ``timeout``, ``source``, ``name``. Its schema
        becomes Ponder's, so its arguments are validated and coerced before the call.
        """
        from ponder.tools.interop import from_llama_index

        return from_llama_index(tool, **policy)

    @classmethod
    def from_langchain(cls, tool: Any, **policy: Any) -> Tool:
        """A LangChain ``BaseTool`` (``@tool``, ``StructuredTool``, a community tool) as a Ponder tool.

        Needs ``langchain-core`` (``pip install 'ponder[langchain]'``); the same ``policy`` as
        ``from_llama_index``.
        """
        from ponder.tools.interop import from_langchain

        return from_langchain(tool, **policy)

    # -- use ----------------------------------------------------------------------------
    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Check and coerce arguments against the schema; a failure is a message for the model."""
        try:
            parsed = self.args_model.model_validate(dict(arguments))
        except ValidationError as exc:
            raise ToolArgumentsError(self._explain(exc)) from None
        fields = self.args_model.model_fields
        given = parsed.model_fields_set | _required(self.args_model)
        if self.plain_arguments:
            plain: dict[str, Any] = parsed.model_dump(mode="json", by_alias=True, include=given, exclude_unset=True)
            return plain
        return {fields[k].alias or k: getattr(parsed, k) for k in fields if k in given}

    def invoke(self, arguments: Mapping[str, Any], context: RunContext[Any] | None = None) -> Any:
        """Run the tool with already validated arguments (and the run's context, if it takes one)."""
        if self.context_param is not None:
            result = self.fn(context if context is not None else RunContext.start(), **arguments)
        else:
            result = self.fn(**arguments)
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
        return result

    def signature(self) -> str:
        """``name(a: integer, b: string = "x", c?: "up"|"down")``: a compact line for prompts and listings.

        ``?`` marks an optional parameter without a default; enum values, array item types and
        defaults are shown, since small models copy them rather than guess.
        """
        props = self.parameters.get("properties", {})
        required = set(self.parameters.get("required", []))
        parts = []
        for prop, spec in props.items():
            optional = prop not in required and "default" not in spec
            part = f"{prop}{'?' if optional else ''}: {type_label(spec)}"
            if "default" in spec:
                part += f" = {json.dumps(spec['default'], ensure_ascii=False, default=str)}"
            parts.append(part)
        return f"{self.name}({', '.join(parts)})"

    def describe(self) -> str:
        """The tool for a prompt: ``signature: description``, then ``  a: what a is`` per documented parameter.

        The same facts as its JSON schema in about 30% fewer tokens; the text protocol and the
        embedded model's compact listing both use it.
        """
        head = f"{self.signature()}: {self.description}" if self.description else self.signature()
        properties: dict[str, Any] = self.parameters.get("properties") or {}
        lines = [f"  {name}: {spec['description']}" for name, spec in properties.items() if spec.get("description")]
        return "\n".join([head, *lines])

    @cached_property
    def llama_tool(self) -> FunctionTool:
        """The same tool as a LlamaIndex ``FunctionTool`` (for native tool calling and stock agents)."""
        from llama_index.core.tools import FunctionTool, ToolMetadata

        fn = self.fn if self.context_param is None else functools.partial(self.fn, RunContext.start())
        return FunctionTool(
            fn=fn,
            metadata=ToolMetadata(name=self.name, description=self.description, fn_schema=self.args_model),
        )

    def openai_schema(self) -> dict[str, Any]:
        """The tool as an OpenAI function-calling schema (what native backends and templates receive)."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def _explain(self, exc: ValidationError) -> str:
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err["loc"]) or "arguments"
            if err["type"] == "extra_forbidden":
                problems.append(f"'{where}' is not a parameter of {self.name}")
            elif err["type"] == "missing":
                problems.append(f"'{where}' is required")
            else:
                problems.append(f"'{where}': {err['msg']} (got {err.get('input')!r})")
        return f"Invalid arguments for {self.name}: {'; '.join(problems)}. Expected {self.signature()}."


def _context_parameter(fn: Callable[..., Any], hints: dict[str, Any], tool_name: str) -> str | None:
    """The name of ``fn``'s ``RunContext`` parameter, which must come first; None if it takes none."""
    params = [p for p in inspect.signature(fn).parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    typed = [p.name for p in params if is_context_type(hints.get(p.name))]
    if not typed:
        return None
    if typed != [params[0].name]:
        raise ToolDefinitionError(
            f"tool '{tool_name}': a RunContext parameter must be the first one, and only one",
            fix=f"make '{typed[0]}: RunContext' the first parameter of {fn.__qualname__}",
        )
    return typed[0]


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _required(model: type[BaseModel]) -> set[str]:
    return {name for name, f in model.model_fields.items() if f.is_required()}


_BFCL_TYPES = {"dict": "object", "float": "number", "tuple": "array", "list": "array", "any": None}


def _normalise_schema(node: Any) -> Any:
    """Map non-standard type names (BFCL writes 'dict', 'float', 'tuple') to JSON Schema's."""
    if isinstance(node, dict):
        out = {k: _normalise_schema(v) for k, v in node.items()}
        kind = out.get("type")
        if isinstance(kind, str) and kind in _BFCL_TYPES:
            mapped = _BFCL_TYPES[kind]
            if mapped is None:
                out.pop("type")
            else:
                out["type"] = mapped
        return out
    if isinstance(node, list):
        return [_normalise_schema(v) for v in node]
    return node


@overload
def tool(fn: F, /) -> Tool: ...
@overload
def tool(
    *,
    name: str | None = None,
    needs_approval: bool = False,
    timeout: float | None = None,
    opt_in: bool = False,
    source: str = "python",
) -> Callable[[F], Tool]: ...
def tool(
    fn: F | None = None,
    /,
    *,
    name: str | None = None,
    needs_approval: bool = False,
    timeout: float | None = None,
    opt_in: bool = False,
    source: str = "python",
) -> Tool | Callable[[F], Tool]:
    """Decorator: turn a typed, documented function into a ``Tool``.

    >>> @tool
    ... def add(a: int, b: int) -> int:
    ...     '''Add two numbers.
    ...
    ...     Args:
    ...         a: the first number
    ...         b: the second number
    ...     '''
    ...     return a + b
    """

    def wrap(f: F) -> Tool:
        return Tool.from_function(
            f, name=name, needs_approval=needs_approval, timeout=timeout, opt_in=opt_in, source=source
        )

    return wrap(fn) if fn is not None else wrap


def as_tool(obj: Any) -> Tool:
    """Accept a Tool, a plain documented function, a LlamaIndex ``BaseTool`` or a LangChain ``BaseTool``."""
    if isinstance(obj, Tool):
        return obj
    from ponder.tools import interop  # cheap: it imports LlamaIndex or LangChain only for their objects

    if interop.is_llama_index_tool(obj):
        return interop.from_llama_index(obj)
    if interop.is_langchain_tool(obj):
        return interop.from_langchain(obj)
    if interop.is_collection(obj):
        raise ToolDefinitionError(
            f"{type(obj).__name__} holds several tools, not one",
            fix="pass its tools: ponder.tools.interop.tools_from(obj) (or spec.to_tool_list())",
        )
    if callable(obj):
        return Tool.from_function(obj)
    raise ToolDefinitionError(
        f"{obj!r} is not a tool", fix="pass a function, a ponder.Tool, or a LlamaIndex or LangChain tool"
    )


def import_tools(ref: str) -> list[Tool]:
    """The tools ``package.module:name`` points at: a Tool, a list of them, a documented function, a LlamaIndex
    or LangChain tool, a LlamaHub tool spec or a LangChain toolkit."""
    import importlib

    module_name, _, attr = ref.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ToolDefinitionError(
            f"cannot import the tool '{ref}': {exc}", fix="check the module path and that its package is installed"
        ) from exc
    from ponder.tools.interop import is_collection, tools_from

    items = obj if isinstance(obj, list | tuple) else [obj]
    return [tool for item in items for tool in (tools_from(item) if is_collection(item) else [as_tool(item)])]

