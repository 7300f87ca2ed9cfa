"""A real two-node Ray cluster on 127.0.0.1, started once for the Ray tests and stopped at the end."""

from __future__ import annotations

import importlib.util
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TOKEN = secrets.token_hex(32)
# Ray reads these once, when it is imported, so they are set before any test here imports it:
# "0" keeps Ray on 127.0.0.1 (Ponder sets it too, if it imports Ray first); the test cluster's token.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.update({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": TOKEN})


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[object]:
    if importlib.util.find_spec("ray") is None:
        pytest.skip("the Ray executor's tests need pip install 'ponder[ray]'")
    from ponder.testing.ray_cluster import RayCluster

    # actors import ponder and these tests (a case's tools travel by reference to this package)
    paths = [str(ROOT / "src"), str(ROOT)]
    with RayCluster(nodes=2, cpus_per_node=2, object_store_mb=80, python_path=paths, token=TOKEN) as cluster:
        yield cluster
