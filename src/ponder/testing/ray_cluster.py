"""A real Ray cluster of several node processes on 127.0.0.1, for tests and benchmarks.

``with RayCluster(nodes=2) as cluster:`` runs ``ray start --head --block`` and ``nodes - 1``
``ray start --address ... --block`` processes (each its own raylet: a multi-node cluster on one
machine), waits until every node has joined, and yields; ``cluster.address`` is what
``--ray-address`` takes. At the end each ``ray start --block`` process is sent SIGTERM, which
stops the Ray processes it started (then SIGKILL to its process group if it lingers).

Every process authenticates with a token made for this cluster (``auth_env()`` gives it to a
driver). Everything stays on the loopback interface, nothing listens on the network: the head runs with
Ray's ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, which keeps its address and its servers on
127.0.0.1. Ray refuses to add a node in that mode and otherwise replaces 127.0.0.1 by the
machine's address; so the other nodes start through ``ray start`` with that one replacement
(``ray._private.services.resolve_ip_for_localhost``, Ray's private function) turned off. The
dashboard is off and the object store small, so two nodes fit a 2-core machine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from ponder.testing.llama_server import free_port

_JOIN_LOOPBACK = (
    "import sys\n"
    "import ray._private.services as services\n"
    "services.resolve_ip_for_localhost = lambda host: host  # keep 127.0.0.1 (see ponder.testing.ray_cluster)\n"
    "from ray.scripts.scripts import main\n"
    "sys.argv[0] = 'ray'\n"
    "sys.exit(main())\n"
)
_COUNT_NODES = (
    "import ray, sys\n"
    "ray.init(address=sys.argv[1], logging_level='ERROR', log_to_driver=False)\n"
    "print(sum(1 for n in ray.nodes() if n.get('Alive')))\n"
)


class ClusterFailed(RuntimeError):
    """A node process exited, or the cluster did not form in time; the message ends with the logs' tail."""


class RayCluster:
    """``nodes`` Ray node processes on 127.0.0.1 for the length of a ``with`` block."""

    def __init__(
        self,
        *,
        nodes: int = 2,
        cpus_per_node: float = 2,
        object_store_mb: int = 80,
        python_path: list[str] | None = None,
        startup_timeout: float = 120.0,
        token: str | None = None,
    ) -> None:
        """``token``: the cluster's authentication token (default: a new random one). A driver process
        must have ``auth_env()`` in its environment before it imports Ray: Ray reads it once."""
        self.nodes = nodes
        self.cpus_per_node = cpus_per_node
        self.object_store_bytes = object_store_mb * 1024 * 1024
        self.python_path = python_path or []
        self.startup_timeout = startup_timeout
        self.port = 0
        self._token = token or secrets.token_hex(32)
        self._temp: Path | None = None
        self._procs: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def auth_env(self) -> dict[str, str]:
        """What a driver needs to join: Ray's token authentication, with this cluster's own token."""
        return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self._token}

    def env(self, *, cluster_mode: bool = False) -> dict[str, str]:
        """The environment of the node processes (and of a driver that should join them)."""
        env = dict(os.environ)
        env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "1" if cluster_mode else "0"
        env["RAY_USAGE_STATS_ENABLED"] = "0"
        env.update(self.auth_env())
        paths = [*self.python_path, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
        if paths:
            env["PYTHONPATH"] = os.pathsep.join(paths)
        return env

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        self.port = free_port()
        self._temp = Path(tempfile.mkdtemp(prefix="pray-", dir="/tmp"))  # short: Ray's socket paths are bounded
        common = ["--block", "--node-ip-address", "127.0.0.1", "--num-cpus", f"{self.cpus_per_node:g}",
                  "--object-store-memory", str(self.object_store_bytes), "--disable-usage-stats"]  # fmt: skip
        try:
            self._spawn(["-m", "ray.scripts.scripts", "start", "--head", "--port", str(self.port),
                         "--include-dashboard=false", "--temp-dir", str(self._temp), *common], self.env())  # fmt: skip
            self._wait_for(1)
            for _ in range(self.nodes - 1):
                self._spawn(["-c", _JOIN_LOOPBACK, "start", "--address", self.address, *common], self.env(cluster_mode=True))
            self._wait_for(self.nodes)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, args: list[str], env: dict[str, str]) -> None:
        assert self._temp is not None
        log = (self._temp / f"node{len(self._procs)}.log").open("wb")
        self._logs.append(log)
        proc = subprocess.Popen([sys.executable, *args], stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self._procs.append(proc)

    def _wait_for(self, count: int) -> None:
        deadline = time.monotonic() + self.startup_timeout
        probe_error = ""
        while time.monotonic() < deadline:
            for proc in self._procs:
                if proc.poll() is not None:
                    raise ClusterFailed(f"a Ray node process exited with {proc.returncode}\n{self.log_tail()}")
            probe = subprocess.run([sys.executable, "-c", _COUNT_NODES, self.address], capture_output=True,
                                   text=True, env=self.env(), timeout=self.startup_timeout)  # fmt: skip
            if probe.returncode == 0 and probe.stdout.strip().isdigit() and int(probe.stdout.strip()) >= count:
                return
            probe_error = "\n".join(probe.stderr.splitlines()[-10:])
            time.sleep(1.0)
        raise ClusterFailed(
            f"the Ray cluster did not reach {count} nodes in {self.startup_timeout:.0f}s\n{probe_error}\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        if self._temp is None:
            return ""
        text = []
        for path in sorted(self._temp.glob("node*.log")):
            text.append(f"--- {path.name}")
            text.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(text)

    def stop(self) -> None:
        for proc in reversed(self._procs):  # the other nodes first, the head last
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
        self._procs.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None
