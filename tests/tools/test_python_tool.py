"""python: a separate process with time, CPU, memory, process and output limits, in a throwaway folder."""

from __future__ import annotations

import os
import time

import pytest

from ponder.tools.base import Tool
from ponder.tools.builtin.python import python_tools
from ponder.tools.settings import ToolSettings


@pytest.fixture
def python(settings: ToolSettings) -> Tool:
    return python_tools(settings)[0]


def run(tool: Tool, code: str) -> str:
    return str(tool.invoke({"code": code}))


def test_is_opt_in_needs_approval_and_outlasts_its_own_timeout_in_the_loop(python: Tool) -> None:
    assert python.opt_in and python.needs_approval
    assert python.timeout is not None and python.timeout > 5


def test_prints_output_and_the_value_of_a_final_expression(python: Tool) -> None:
    assert run(python, "print('hi')\nx = 6 * 7\nx") == "hi\n42"
    assert run(python, "x = 1") == "(no output)"


def test_errors_show_the_programs_own_traceback(python: Tool) -> None:
    out = run(python, "def f():\n    raise ValueError('boom')\nf()")
    assert out.startswith("Exit code 1.")
    assert 'File "main.py", line 3' in out and "ValueError: boom" in out
    assert "<string>" not in out


def test_runs_in_a_fresh_temporary_folder_that_is_removed(python: Tool) -> None:
    where = run(python, "import os\nopen('scratch.txt', 'w').write('x')\nprint(os.getcwd())")
    assert "ponder-python-" in where
    assert not os.path.exists(where)


def test_secrets_in_the_environment_do_not_reach_the_code(python: Tool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    assert run(python, "import os\nos.environ.get('OPENAI_API_KEY')") == "(no output)"


def test_an_infinite_loop_is_killed_at_the_time_limit(settings: ToolSettings) -> None:
    tool = python_tools(ToolSettings(python_timeout=1.5))[0]
    started = time.perf_counter()
    out = run(tool, "while True:\n    pass")
    assert time.perf_counter() - started < 5
    assert out.startswith("Killed: still running after 1.5s (time limit).")


def test_a_fork_bomb_hits_the_process_limit(settings: ToolSettings) -> None:
    tool = python_tools(ToolSettings(python_timeout=10, python_processes=16))[0]
    code = (
        "import os, time\n"
        "forks = 0\n"
        "while True:\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30)\n"
        "            os._exit(0)\n"
        "        forks += 1\n"
        "    except OSError:\n"
        "        break\n"
        "print('forks', forks)\n"
    )
    started = time.perf_counter()
    out = run(tool, code)
    assert time.perf_counter() - started < 8  # the sleeping children were killed with the run
    forks = int(out.split()[1])
    assert 0 < forks < 16


def test_a_spinning_fork_bomb_is_bounded_by_the_limits(settings: ToolSettings) -> None:
    tool = python_tools(ToolSettings(python_timeout=2, python_processes=8))[0]
    started = time.perf_counter()
    out = run(tool, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass")
    assert time.perf_counter() - started < 6
    assert out.startswith("Killed: still running after 2s")


def test_memory_is_limited(settings: ToolSettings) -> None:
    tool = python_tools(ToolSettings(python_memory_mb=200))[0]
    out = run(tool, "block = bytearray(1024 * 1024 * 1024)")
    assert "MemoryError" in out and "(The memory limit is 200 MB.)" in out


def test_huge_output_is_cut_with_a_note(settings: ToolSettings) -> None:
    tool = python_tools(ToolSettings(output_bytes=1000))[0]
    out = run(tool, "print('x' * 5_000_000)")
    assert out.count("x") == 1000
    assert "[... 4999001 more bytes of stdout cut;" in out
