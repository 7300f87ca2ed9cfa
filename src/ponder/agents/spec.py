"""``AgentSpec``: an agent declared once, as data, and built the same way wherever it runs.

A spec comes from ``ponder.toml`` (``[agent]`` and ``[agents.NAME]``), from a suite's agent
fields, from flags (``merged``) or from Python, and ``build()`` is the one way every entry
point turns it into an ``Agent``. It round-trips through JSON, so a worker on another machine
(a Ray actor, a server) rebuilds the same agent from it, and its ``fingerprint`` names it in
caches. Live objects that are not data (a backend built in code, tools given as Python
objects, an approval callback) are passed to ``build`` and are not part of the spec.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ponder.agents.limits import Limits
from ponder.backends.local.tool_listing import ToolListing
from ponder.config import McpServerConfig, PonderConfig, ToolkitConfig, load_config
from ponder.errors import ConfigError, InputError
from ponder.tools.approval import Approver

if TYPE_CHECKING:
    from ponder.agents.agent import Agent
    from ponder.backends.base import Backend
    from ponder.tools.base import Tool
    from ponder.tools.selection import ToolSelection
    from ponder.tools.settings import ToolSettings


_RESOLVED_TOOLS: dict[tuple[Any, ...], list[Tool]] = {}
_TOOLS_LOCK = threading.Lock()


class LocalOptions(BaseModel):
    """Options of the embedded model (``local:`` models); ignored by other backends."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    n_ctx: int = Field(8192, ge=512, description="context window in tokens")
    n_threads: int | None = Field(None, ge=1, description="CPU threads (default: all cores)")
    tool_listing: ToolListing = Field("json", description="how the prompt lists tools: json or signature")


class AgentSpec(BaseModel):
    """Everything that makes an agent, as data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(
        None, description="the agent's name in ponder.toml (not part of the fingerprint)"
    )
    model: str | None = Field(None, description="provider:model; None: PONDER_MODEL, the config, then auto")
    tools: list[str] | None = Field(
        None,
        description="tool names, 'default', 'mcp:<server>', 'agent:<name>' or 'module:function'; None: the default set",
    )
    system_prompt: str | None = None
    protocol: Literal["native", "text"] | None = Field(None, description="None: what the backend supports")
    limits: Limits = Field(default_factory=Limits)
    prompts_dir: str | None = Field(None, description="a folder of prompt files that replace Ponder's own")
    allow_tools_without_approval: list[str] = Field(
        default_factory=list, description="tool names or sources, or '*'"
    )
    approve_all: bool = Field(False, description="approve every tool that needs approval (--yes)")
    file_roots: list[str] = Field(default_factory=list, description="folders the file tools may read")
    local: LocalOptions = Field(default_factory=LocalOptions)
    mcp: dict[str, McpServerConfig] = Field(
        default_factory=dict, description="MCP servers whose tools may be selected"
    )
    toolkits: dict[str, ToolkitConfig] = Field(
        default_factory=dict, description="LlamaHub tool specs and LangChain tools built with arguments"
    )
    temperature: float = Field(0.0, ge=0)
    seed: int | None = None
    observation_chars: int = Field(4000, ge=100, description="longest tool result shown to the model")
    memory_tokens: int | None = Field(
        None, ge=64, description="history kept in a session (default: 60% of the window)"
    )
    output_type: str | dict[str, Any] | None = Field(
        None, description="the answer's type: 'module:Type' (pydantic model, dataclass...) or a JSON Schema"
    )
    description: str | None = Field(
        None, description="what the agent does: its tool description when another agent uses it (agent:NAME)"
    )

    # -- reading ---------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: PonderConfig | None = None, name: str | None = None) -> AgentSpec:
        """The default agent of ``config`` (``ponder.toml``), or the named agent, which starts from it."""
        config = config if config is not None else load_config()
        base = _validated(cls, config, config.agent, ("agent",))
        if name is None or (name == "default" and name not in config.agents):
            return base
        if name not in config.agents:
            known = ", ".join(sorted(config.agents)) or "(none)"
            raise ConfigError(
                f"no agent named '{name}' in {config.source or 'the config'}",
                fix=f"add an [agents.{name}] table to ponder.toml, or use one of: {known}",
            )
        table = config.agents[name]
        merged = _deep_merge(base.model_dump(exclude_unset=True), table)
        return _validated(cls, config, {**merged, "name": name}, ("agents", name))

    @classmethod
    def from_json(cls, text: str | bytes) -> AgentSpec:
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise InputError(
                f"not an agent spec: {_first_problem(exc)}",
                fix="pass the JSON that AgentSpec.to_json() wrote",
            ) from None

    def to_json(self) -> str:
        """The spec as JSON (fields left at their defaults are omitted); ``from_json`` reads it back."""
        return self.model_dump_json(exclude_defaults=True)

    # -- changing --------------------------------------------------------------------------------
    def merged(self, **overrides: Any) -> AgentSpec:
        """A copy with the given fields replaced, ignoring those that are None (flags not given).

        ``limits`` may be a partial mapping: ``merged(limits={"max_steps": 3})`` keeps the rest.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        if not given:
            return self
        limits = given.get("limits")
        if isinstance(limits, Mapping):
            given["limits"] = self.limits.updated(**limits)
        data = {**self.model_dump(exclude_unset=True), **given}
        try:
            return type(self).model_validate(data)
        except ValidationError as exc:
            raise ConfigError(
                f"invalid agent setting: {_first_problem(exc)}", fix="check the flag or field named"
            ) from None

    # -- identity --------------------------------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        """A stable digest of everything declared (not the name): equal specs, equal fingerprints."""
        data = self.model_dump(mode="json", exclude={"name"})
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    # -- building --------------------------------------------------------------------------------
    def build(
        self,
        *,
        backend: Backend | None = None,
        tools: Iterable[Tool | Callable[..., Any]] = (),
        approve: Approver | None = None,
    ) -> Agent:
        """The agent this spec declares. ``backend`` replaces the one ``model`` names (a model built in
        code, a caching wrapper); ``tools`` are added to the named ones; ``approve`` replaces the
        policy that ``approve_all`` and ``allow_tools_without_approval`` make."""
        from ponder.agents.agent import Agent

        return Agent.from_spec(self, backend=backend, tools=tools, approve=approve)

    def resolve_backend(self) -> Backend:
        """The backend ``model`` names, with this spec's backend options; the usual choice when None."""
        from ponder.backends.registry import resolve_backend
        from ponder.backends.selection import select_model

        model = self.model or select_model().spec
        return resolve_backend(model, **self.backend_options(model))

    def backend_options(self, model: str | None = None) -> dict[str, Any]:
        """The options the backend factory of ``model`` (default: this spec's) gets from this spec."""
        if (model or self.model or "").startswith("local:"):
            return self.local.model_dump()
        return {}

    def tool_settings(self, cwd: Path | None = None) -> ToolSettings:
        """The limits and permissions the built-in tools get: file roots, timeouts capped by ``limits.tool_timeout``."""
        from ponder.tools.settings import ToolSettings

        return ToolSettings.configured(
            file_roots=self.file_roots, tool_timeout=self.limits.tool_timeout, cwd=cwd
        )

    def resolve_tools(self) -> list[Tool]:
        """The tools ``tools`` names, from the registry (plugins and MCP servers included).

        Remembered per process for the same names, settings and servers: an eval builds an agent
        per case, and loading the registry costs milliseconds each time. Agents named as tools
        (``agent:NAME``) are read from ``ponder.toml`` afresh: it may have changed.
        """
        if any(n.startswith("agent:") for n in self.tools or ()):
            return self.tool_selection().tools
        key = (
            None if self.tools is None else tuple(self.tools),
            self.tool_settings(),
            json.dumps([self.model_dump(mode="json")[k] for k in ("mcp", "toolkits")], sort_keys=True),
        )
        with _TOOLS_LOCK:
            found = _RESOLVED_TOOLS.get(key)
        if found is None:
            found = self.tool_selection().tools
            with _TOOLS_LOCK:
                if len(_RESOLVED_TOOLS) >= 64:
                    _RESOLVED_TOOLS.pop(next(iter(_RESOLVED_TOOLS)))
                _RESOLVED_TOOLS[key] = found
        return list(found)

    def tool_selection(self) -> ToolSelection:
        """The tools ``tools`` names and the load warnings; ``module:function`` names are imported."""
        from ponder.tools.base import import_tools
        from ponder.tools.selection import ToolSelection, resolve_tools

        names = self.tools
        refs = [n for n in names or () if _is_import_ref(n)]
        agents = [n.partition(":")[2] for n in names or () if n.startswith("agent:")]
        plain = None if names is None else [n for n in names if not _is_import_ref(n) and not n.startswith("agent:")]
        selection = (
            ToolSelection()
            if plain == []
            else resolve_tools(plain, settings=self.tool_settings(), mcp_servers=self.mcp, toolkits=self.toolkits)
        )
        for ref in refs:
            selection.tools.extend(import_tools(ref))
        if agents:
            from ponder.agents.agent_tool import named_agent_tool

            selection.tools.extend(named_agent_tool(name) for name in agents)
        return selection

    def approver(self) -> Approver:
        """The approval policy this spec declares (``approve_all``, ``allow_tools_without_approval``)."""
        from ponder.tools.approval import ApprovalPolicy

        return ApprovalPolicy.build(yes=self.approve_all, allowed=self.allow_tools_without_approval)


def load_agent(name: str | None = None, *, cwd: Path | None = None) -> AgentSpec:
    """The agent ``name`` of the project's ``ponder.toml`` (the default agent when None)."""
    return AgentSpec.from_config(load_config(cwd), name)


NAMED_PREFIXES = frozenset({"mcp", "toolkit", "llamahub", "langchain", "agent"})
"""``prefix:...`` tool names the registry resolves itself (everything else with a colon is an import)."""


def _is_import_ref(name: str) -> bool:
    """``package.module:function`` (a tool, a list of tools or a documented function to import)."""
    module, sep, attr = name.partition(":")
    if not sep or module in NAMED_PREFIXES:
        return False
    return all(part.isidentifier() for part in module.split(".")) and attr.replace(".", "_").isidentifier()


def _validated(
    cls: type[AgentSpec], config: PonderConfig, data: Mapping[str, Any], prefix: tuple[str, ...]
) -> AgentSpec:
    try:
        return cls.model_validate(dict(data))
    except ValidationError as exc:
        raise config.field_error(exc, prefix) from None


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) and key not in ("mcp", "toolkits", "output_type"):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])
