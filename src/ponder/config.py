"""Configuration files: ``ponder.toml`` in the working directory, then the user's config file.

This module reads TOML and validates what belongs to no higher layer (knowledge bases, MCP
server and toolkit tables). The agent tables (``[agent]`` and ``[agents.NAME]``) are kept as written and
validated by ``ponder.agents.spec`` (``AgentSpec.from_config``), which reports problems through
``field_error`` so that every error names the file, the line and the field.

The top-level keys of earlier versions (``model = ...``, ``[limits]``, ``[local]``...) are the
default agent: they are read as if written under ``[agent]``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from ponder.errors import ConfigError

PROJECT_FILE = "ponder.toml"
TOP_LEVEL_AGENT_KEYS = (
    "model", "system_prompt", "prompts_dir", "tools", "allow_tools_without_approval", "file_roots", "limits", "local", "mcp",
    "toolkits",
)  # fmt: skip
"""Keys that may stand at the top of the file and mean the default agent's."""


class McpServerConfig(BaseModel):
    """One MCP server an agent may take tools from: a command to start (stdio) or a URL."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    url: str | None = None
    env: dict[str, str] = Field(default_factory=dict)


class ToolkitConfig(BaseModel):
    """One ``[toolkits.NAME]`` table: the tools of a LlamaHub tool spec or of LangChain, built with arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: str = Field(alias="from", pattern=r"^(llamahub|langchain):[\w.]+:\w+$")
    """``llamahub:package.module:ToolSpec`` or ``langchain:package.module:tool_or_class``."""
    args: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments for the class (or factory function)."""
    needs_approval: bool = False
    opt_in: bool = False
    timeout: float | None = Field(None, gt=0)


class KnowledgeConfig(BaseModel):
    """One ``[knowledge.NAME]`` table: a folder of documents that ``ponder index`` turns into a searchable base."""

    model_config = ConfigDict(extra="forbid")
    paths: list[str] = Field(default_factory=list)
    description: str | None = None
    index_dir: str | None = None
    retrieval: Literal["bm25", "vector", "hybrid"] = "bm25"
    embed_model: str | None = None
    top_k: int = Field(3, ge=1, le=50)
    min_coverage: float | None = Field(None, ge=0, le=1)
    min_similarity: float | None = Field(None, ge=-1, le=1)
    chunk_size: int = Field(256, ge=32)
    chunk_overlap: int = Field(32, ge=0)
    exclude: list[str] = Field(default_factory=list)


class RayConfig(BaseModel):
    """The ``[ray]`` table: where and how ``executor = "ray"`` runs cases (flags override it)."""

    model_config = ConfigDict(extra="forbid")
    address: str | None = None
    """A Ray cluster (HOST:PORT or "auto"); default: RAY_ADDRESS, else a local Ray instance."""
    actors: int | None = Field(None, ge=1)
    """Default: as many as the cluster's CPUs allow at ``num_cpus`` each."""
    num_cpus: float = Field(1.0, ge=0)
    num_gpus: float = Field(0.0, ge=0)


class RunsConfig(BaseModel):
    """``[runs]``: the records every ``ponder run`` and chat turn leaves under ``.ponder/runs/``."""

    model_config = ConfigDict(extra="forbid")
    record: bool = True
    keep: int | None = Field(500, ge=1, description="records kept at most (the newest)")
    max_age_days: float | None = Field(30.0, gt=0, description="records older than this are removed")
    dir: str | None = Field(None, description="default: .ponder/runs")


class PonderConfig(BaseModel):
    """A config file: the default agent, named agents, knowledge bases and run records."""

    model_config = ConfigDict(extra="forbid")
    executor: Literal["local", "ray"] = "local"
    """What runs the cases of ``ponder eval`` and the tasks of ``ponder run -f``."""
    ray: RayConfig = Field(default_factory=RayConfig)
    agent: dict[str, Any] = Field(default_factory=dict)
    """The default agent's table as written; ``AgentSpec.from_config`` validates it."""
    agents: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Named agents (``[agents.NAME]``) as written; each starts from the default agent."""
    knowledge: dict[str, KnowledgeConfig] = Field(default_factory=dict)
    runs: RunsConfig = Field(default_factory=RunsConfig)
    source: str | None = Field(None, exclude=True)
    """The file this came from (None: defaults, no file)."""
    _text: str = PrivateAttr("")
    _top_level: frozenset[str] = PrivateAttr(frozenset())

    def field_error(self, exc: ValidationError, prefix: tuple[str | int, ...]) -> ConfigError:
        """A ``ConfigError`` for the first problem of ``exc``, found under the table at ``prefix``."""
        loc = tuple(exc.errors()[0]["loc"])
        if prefix == ("agent",) and loc and loc[0] in self._top_level:
            prefix = ()  # written at the top of the file, shown as written
        return _error(self.source or "config", self._text, exc, (*prefix, *loc))


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(os.environ.get("PONDER_CONFIG") or Path(base) / "ponder" / "config.toml")


def load_file(path: Path) -> PonderConfig:
    try:
        raw = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", fix=f"check the file's permissions or remove {path}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text", fix=f"rewrite {path} as TOML") from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", fix=f"fix the syntax at that line of {path}") from exc
    except RecursionError:
        raise ConfigError(f"{path}: the TOML is nested too deeply to read", fix=f"rewrite {path} as a flat TOML file") from None
    top_level = [key for key in TOP_LEVEL_AGENT_KEYS if key in data]
    agent = data.get("agent", {})
    if top_level and isinstance(agent, dict):
        both = [key for key in top_level if key in agent]
        if both:
            raise ConfigError(
                f"{path}: '{both[0]}' is set both at the top of the file and under [agent]",
                fix="keep one of them (the [agent] table is the clearer place)",
            )
        data["agent"] = {**{key: data.pop(key) for key in top_level}, **agent}
    try:
        config = PonderConfig.model_validate(data)
    except ValidationError as exc:
        raise _error(str(path), raw, exc, tuple(exc.errors()[0]["loc"])) from exc
    config.source = str(path)
    config._text = raw
    config._top_level = frozenset(top_level)
    return config


def load_config(cwd: Path | None = None) -> PonderConfig:
    """The project's ``ponder.toml`` if present, else the user config, else defaults."""
    project = (cwd or Path.cwd()) / PROJECT_FILE
    if project.is_file():
        return load_file(project)
    user = user_config_path()
    if user.is_file():
        return load_file(user)
    return PonderConfig()


def _error(source: str, raw: str, exc: ValidationError, loc: tuple[str | int, ...]) -> ConfigError:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in loc)
    line = _line_of(raw, str(loc[-1]) if loc else "")
    where = f"{source}:{line}" if line else source
    hint = "remove it or check its spelling" if err["type"] == "extra_forbidden" else "set a valid value"
    return ConfigError(f"{where}: field '{field}': {err['msg']}", fix=hint)


def _line_of(raw: str, key: str) -> int | None:
    if not key:
        return None
    for number, line in enumerate(raw.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(key) and stripped[len(key) :].lstrip().startswith("=") or stripped in (f"[{key}]", f"[[{key}]]") or stripped.endswith(f".{key}]"):
            return number
    return None
