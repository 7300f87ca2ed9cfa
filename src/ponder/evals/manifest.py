"""The reproducibility manifest: what a run's numbers depend on, written at the top of its log.

Suite digest, the hash of every prompt used, the model and backend identity, the package
versions, the platform, seeds, temperature, repeats, and the git commit when there is one.
Two runs with equal manifests should give equal results (bit for bit from the cache).
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
import time
from functools import cache, lru_cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

from ponder.evals.fingerprints import backend_identity

if TYPE_CHECKING:
    from ponder.backends.base import Backend
    from ponder.evals.suite import Suite

# distribution -> the module that says the package is in use in this process
PACKAGES = {
    "ponder": "ponder",
    "llama-index-core": "llama_index.core",
    "pydantic": "pydantic",
    "llama-cpp-python": "llama_cpp",
    "openai": "openai",
    "ollama": "ollama",
}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def package_versions() -> dict[str, str]:
    """Versions of the packages this process has loaded (a backend's SDK appears once it is used)."""
    versions = {"python": platform.python_version()}
    for dist, module_name in PACKAGES.items():
        module = sys.modules.get(module_name)
        if module is not None:
            versions[dist] = str(getattr(module, "__version__", None) or _dist_version(dist))
    return versions


@cache
def _dist_version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def prompt_hashes(suite: Suite) -> dict[str, str]:
    from ponder import prompts
    from ponder.evals.fingerprints import prompt_names

    hashes = {f"prompts/{name}": _sha(prompts.load(name)) for name in prompt_names()}
    if suite.agent.system_prompt:
        hashes["suite/system_prompt"] = _sha(suite.agent.system_prompt)
    for case in suite.cases:
        if case.system_prompt:
            hashes[f"case/{case.id}/system_prompt"] = _sha(case.system_prompt)
    return hashes


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=2, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def build_manifest(
    suite: Suite,
    backend: Backend,
    *,
    repeat: int,
    cache: str,
    judge: str | None = None,
    argv: list[str] | None = None,
    executor: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``executor``: what ran the cases (``Executor.describe()``: local threads, or Ray actors and the cluster's size)."""
    identity = backend_identity(backend)
    return {
        "format": 1,
        "suite": suite.name,
        "suite_source": suite.source,
        "suite_digest": suite.digest,
        "cases": len(suite.cases),
        "repeat": repeat,
        "model": identity["name"],
        "backend": identity,
        "judge_model": judge,
        "agent": suite.agent.model_dump(mode="json", exclude_defaults=True),
        "agent_fingerprint": suite.agent.fingerprint,
        "temperature": suite.agent.temperature,
        "seeds": None if suite.agent.seed is None else [suite.agent.seed + r for r in range(repeat)],
        "limits": suite.agent.limits.model_dump(),
        "prompts": prompt_hashes(suite),
        "packages": package_versions(),
        "platform": f"{platform.system()} {platform.machine()} ({sys.platform})",
        "git_commit": git_commit(),
        "cache": cache,
        "executor": executor or {"executor": "local"},
        "argv": argv,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
