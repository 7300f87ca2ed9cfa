"""`--executor`, the `--ray-*` flags and `executor = "ray"` in ponder.toml, as a user meets them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ponder.testing.llama_server import free_port

SUITE = """\
name: tiny
model: 'scripted:ponder.testing.responders:multiply_add'
tools: [calculator]
cases:
  - {id: a, input: 'What is 2 * 3 + 4?', expected: 10, graders: [numeric]}
"""


def ponder(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "ponder.cli.main", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "suite.yaml").write_text(SUITE)
    return tmp_path


def test_executor_ray_in_ponder_toml_sends_the_eval_to_the_configured_cluster(project: Path) -> None:
    pytest.importorskip("ray")
    port = free_port()  # nothing listens there
    (project / "ponder.toml").write_text(f'executor = "ray"\n\n[ray]\naddress = "127.0.0.1:{port}"\nactors = 2\n')
    out = ponder("eval", "suite.yaml", "--no-cache", cwd=project)
    assert out.returncode == 4, out.stderr
    assert f"ray: 2 actors on the Ray cluster at 127.0.0.1:{port}" in out.stderr
    assert f"no Ray cluster answers at 127.0.0.1:{port}" in out.stderr and "Traceback" not in out.stderr


def test_the_flag_and_ray_address_win_over_ponder_toml(project: Path) -> None:
    pytest.importorskip("ray")
    configured, from_env, from_flag = free_port(), free_port(), free_port()
    (project / "ponder.toml").write_text(f'[ray]\naddress = "127.0.0.1:{configured}"\n')
    env = {"RAY_ADDRESS": f"127.0.0.1:{from_env}"}
    by_env = ponder("eval", "suite.yaml", "--executor", "ray", cwd=project, env=env)
    by_flag = ponder("eval", "suite.yaml", "--executor", "ray", "--ray-address", f"127.0.0.1:{from_flag}", cwd=project, env=env)
    assert f"no Ray cluster answers at 127.0.0.1:{from_env}" in by_env.stderr
    assert f"no Ray cluster answers at 127.0.0.1:{from_flag}" in by_flag.stderr


def test_ray_flags_without_the_ray_executor_are_refused_with_the_fix(project: Path) -> None:
    out = ponder("eval", "suite.yaml", "--ray-actors", "3", cwd=project)
    assert out.returncode == 2
    assert "--ray-actors is for the Ray executor" in out.stderr and "--executor ray" in out.stderr


def test_a_misspelt_key_of_the_ray_table_names_the_file_and_line(project: Path) -> None:
    (project / "ponder.toml").write_text('executor = "ray"\n[ray]\nactor = 3\n')
    out = ponder("eval", "suite.yaml", cwd=project)
    assert out.returncode == 3
    assert "ponder.toml:3" in out.stderr and "ray.actor" in out.stderr


def test_an_unknown_executor_in_ponder_toml_is_refused(project: Path) -> None:
    (project / "ponder.toml").write_text('executor = "spark"\n')
    out = ponder("eval", "suite.yaml", cwd=project)
    assert out.returncode == 3 and "executor" in out.stderr


def test_ponder_run_with_the_ray_executor_needs_a_task_file(project: Path) -> None:
    out = ponder("run", "--executor", "ray", "What is 2 * 3 + 4?", cwd=project)
    assert out.returncode == 2 and "-f tasks.yaml" in out.stderr
