"""Connecting to Ray: an existing cluster at an address, or a local instance started for one run.

The address comes from ``--ray-address``, then ``RAY_ADDRESS``, then the config; without one
Ponder starts a local Ray instance (``ray.init(address="local")``) and stops it at the end. A
local instance, or a cluster on a loopback address, is kept on the loopback interface (Ray's
own ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, set before Ray is imported): nothing of it is
reachable from the network. Ray is imported only here, and only when asked for.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ponder.errors import ExecutorError, MissingDependency

LOCAL = "local"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
LOCAL_OBJECT_STORE_BYTES = 128 * 1024 * 1024
"""A local instance's shared-memory object store: jobs and records are kilobytes."""
INSTALL = "pip install 'ponder[ray]'"


def chosen_address(flag: str | None = None, configured: str | None = None) -> str:
    """``--ray-address``, else ``RAY_ADDRESS``, else the config's, else a local instance."""
    return flag or os.environ.get("RAY_ADDRESS") or configured or LOCAL


def is_loopback(address: str) -> bool:
    if address == LOCAL:
        return True
    host = address.removeprefix("ray://").rsplit(":", 1)[0].strip("[]")
    return host in LOOPBACK_HOSTS or host.startswith("127.")


LOOPBACK_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
"""Ray reads it once, at import: "0" keeps a local instance's address and servers on 127.0.0.1."""


def import_ray(address: str) -> ModuleType:
    """Ray, imported now; for a local or loopback address, confined to the loopback interface."""
    if is_loopback(address):
        if "ray" not in sys.modules:
            os.environ.setdefault(LOOPBACK_SWITCH, "0")
        elif os.environ.get(LOOPBACK_SWITCH) != "0" and address != LOCAL:
            # Ray, imported earlier without it, would turn 127.0.0.1 into this machine's address and hang
            raise ExecutorError(
                f"Ray was imported before Ponder could keep it on the loopback interface, so it cannot join {address}",
                fix=f"set {LOOPBACK_SWITCH}=0 before starting Python, or give the cluster's network address",
            )
    try:
        import ray
    except ImportError:
        raise MissingDependency("the Ray executor needs Ray, which is not installed", fix=INSTALL) from None
    return ray


@dataclass
class RaySession:
    """A connection to a Ray cluster; ``owned`` when this process started it (and stops it)."""

    ray: ModuleType
    address: str
    owned: bool

    def cluster(self) -> dict[str, Any]:
        """The cluster's size now: live nodes, CPUs and GPUs."""
        nodes = [n for n in self.ray.nodes() if n.get("Alive")]
        total = self.ray.cluster_resources()
        return {"nodes": len(nodes), "cpus": total.get("CPU", 0.0), "gpus": total.get("GPU", 0.0)}

    def node_id(self) -> str:
        return str(self.ray.get_runtime_context().get_node_id())

    def close(self) -> None:
        if self.owned and self.ray.is_initialized():
            self.ray.shutdown()


def connect(address: str, *, cpus_wanted: float = 0.0) -> RaySession:
    """Join the cluster at ``address`` or start a local instance (``"local"``) with at least ``cpus_wanted`` CPUs."""
    if address.startswith("ray://"):
        raise ExecutorError(
            f"{address} is a Ray Client address, which the Ray executor does not use",
            fix="run ponder on a node of the cluster (the driver reads its cache there) and pass the head's "
            "HOST:PORT (`ray status` prints it), or 'auto'",
        )
    ray = import_ray(address)
    if ray.is_initialized():  # a notebook or a benchmark that connected itself: use it as it is
        return RaySession(ray, address, owned=False)
    options: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
    if address == LOCAL:
        cpus = max(os.cpu_count() or 1, math.ceil(cpus_wanted))
        options.update(num_cpus=cpus, include_dashboard=False, object_store_memory=LOCAL_OBJECT_STORE_BYTES)
    else:
        _check_reachable(address)
    try:
        ray.init(address=address, **options)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError or ValueError here
        raise ExecutorError(
            f"cannot connect to the Ray cluster at {address}: {type(exc).__name__}: {exc}",
            fix="start one with `ray start --head` and pass its address (--ray-address HOST:PORT or "
            "RAY_ADDRESS), or leave both unset to start a local Ray instance",
        ) from None
    return RaySession(ray, address, owned=True)


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, not after Ray's minute of retries, when nothing listens at ``address``."""
    if address == "auto":
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ExecutorError(f"'{address}' is not a Ray address", fix="write it as HOST:PORT, e.g. 127.0.0.1:6379")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise ExecutorError(
            f"no Ray cluster answers at {address} ({exc.strerror or exc})",
            fix="check the address (`ray status` on the head node prints it), or leave --ray-address and "
            "RAY_ADDRESS unset to start a local Ray instance",
        ) from None
