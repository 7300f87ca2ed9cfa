"""Configuration: ``ponder.toml`` in the working directory, then the user's config file.

Errors name the file, the line and the field, and say how to fix them.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ponder.backends.tool_listing import ToolListing
from ponder.errors import ConfigError

PROJECT_FILE = "ponder.toml"


class LimitsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_steps: int | None = Field(None, ge=1)
    tool_timeout: float | None = Field(None, gt=0)
    run_timeout: float | None = Field(None, gt=0)


class LocalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n_ctx: int = Field(8192, ge=512)
    n_threads: int | None = Field(None, ge=1)
    tool_listing: ToolListing = "json"


class McpServerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    url: str | None = None
    env: dict[str, str] = Field(default_factory=dict)


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


class ToolkitConfig(BaseModel):
    """One ``[toolkits.NAME]`` table: the tools of a LlamaHub tool spec or of LangChain, built with arguments."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str = Field(alias="from", pattern=r"^(llamahub|langchain):[\w.]+:\w+$")
    """``llamahub:package.module:ToolSpec`` or ``langchain:package.module:tool_or_class``."""
    args: dict[str, Any] = Field(default_factory=dict)
    needs_approval: bool = False
    opt_in: bool = False
    timeout: float | None = Field(None, gt=0)


class PonderConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str | None = None
    system_prompt: str | None = None
    prompts_dir: str | None = None
    tools: list[str] | None = None
    allow_tools_without_approval: list[str] = Field(default_factory=list)
    file_roots: list[str] = Field(default_factory=list)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    local: LocalConfig = Field(default_factory=LocalConfig)
    mcp: dict[str, McpServerConfig] = Field(default_factory=dict)
    toolkits: dict[str, ToolkitConfig] = Field(default_factory=dict)
    knowledge: dict[str, KnowledgeConfig] = Field(default_factory=dict)
    source: str | None = Field(None, exclude=True)


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
    try:
        config = PonderConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        line = _line_of(raw, str(err["loc"][-1]) if err["loc"] else "")
        where = f"{path}:{line}" if line else str(path)
        hint = "remove it or check its spelling" if err["type"] == "extra_forbidden" else "set a valid value"
        raise ConfigError(f"{where}: field '{field}': {err['msg']}", fix=hint) from exc
    config.source = str(path)
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


def _line_of(raw: str, key: str) -> int | None:
    if not key:
        return None
    for number, line in enumerate(raw.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(key) and stripped[len(key) :].lstrip().startswith("=") or stripped in (f"[{key}]", f"[[{key}]]"):
            return number
    return None


def as_dict(config: PonderConfig) -> dict[str, Any]:
    return config.model_dump(exclude_none=True)
