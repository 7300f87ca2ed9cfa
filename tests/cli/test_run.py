"""`ponder run` and `ponder models` through the real console script, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PONDER = str(Path(sys.executable).with_name("ponder"))


def ponder(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [PONDER, *args], cwd=cwd, env=full_env, capture_output=True, text=True, input=stdin, timeout=120
    )


def script(tmp_path: Path, replies: list[object]) -> str:
    path = tmp_path / "script.json"
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


CALL = '<tool_call>{"name": "calculator", "arguments": {"expression": "17*23"}}</tool_call>'


def test_run_prints_the_answer_on_stdout(tmp_path: Path) -> None:
    out = ponder("run", "--model", script(tmp_path, [CALL, "17*23 is 391."]), "What is 17*23?", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "17*23 is 391."


def test_steps_show_the_tool_call_and_its_result_on_stderr(tmp_path: Path) -> None:
    out = ponder("run", "--steps", "--model", script(tmp_path, [CALL, "391"]), "17*23?", cwd=tmp_path)
    assert out.returncode == 0
    assert "calculator" in out.stderr and "391" in out.stderr
    assert out.stdout.strip() == "391"


def test_json_prints_the_whole_run_result(tmp_path: Path) -> None:
    out = ponder("run", "--json", "--model", script(tmp_path, [CALL, "391"]), "17*23?", cwd=tmp_path)
    result = json.loads(out.stdout)
    assert result["answer"] == "391"
    assert result["stop_reason"] == "answer"
    assert result["trajectory"][0]["name"] == "calculator"
    assert result["trajectory"][0]["output"] == "391"


def test_a_task_file_writes_one_jsonl_line_per_task(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.yaml"
    tasks.write_text("- What is 17*23?\n- id: second\n  task: Say hi\n")
    out = ponder("run", "-f", str(tasks), "--model", script(tmp_path, [CALL, "391", "hi"]), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in (tmp_path / "tasks.results.jsonl").read_text().splitlines()]
    assert [(r["id"], r["answer"]) for r in lines] == [("1", "391"), ("second", "hi")]


def test_a_backend_failure_in_a_batch_is_recorded_and_the_batch_goes_on(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.yaml"
    tasks.write_text("- one\n- two\n")
    out = ponder(
        "run", "-f", str(tasks), "--model", script(tmp_path, [{"fail": "server down"}, "fine"]), cwd=tmp_path
    )
    assert out.returncode == 1
    lines = [json.loads(line) for line in (tmp_path / "tasks.results.jsonl").read_text().splitlines()]
    assert lines[0]["stop_reason"] == "error" and "server down" in lines[0]["error"]
    assert lines[1]["answer"] == "fine"


def test_a_bad_task_file_names_the_line_and_exits_2(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.yaml"
    tasks.write_text("- ok\n- [unclosed\n")
    out = ponder("run", "-f", str(tasks), "--model", "scripted:echo", cwd=tmp_path)
    assert out.returncode == 2
    assert "tasks.yaml:" in out.stderr and "Traceback" not in out.stderr


def test_an_unknown_provider_is_a_one_line_error_with_the_fix(tmp_path: Path) -> None:
    out = ponder("run", "--model", "gpt4", "hi", cwd=tmp_path)
    assert out.returncode == 3
    assert "provider:model" in out.stderr and "fix:" in out.stderr
    assert "Traceback" not in out.stderr


def test_openai_without_a_key_says_which_variable_to_set(tmp_path: Path) -> None:
    out = ponder("run", "--model", "openai:gpt-4o-mini", "hi", cwd=tmp_path)
    assert out.returncode == 4
    assert "OPENAI_API_KEY" in out.stderr and "Traceback" not in out.stderr


def test_ollama_not_running_names_ollama_host_and_ollama_serve(tmp_path: Path) -> None:
    out = ponder("run", "--model", "ollama:qwen2.5", "hi", cwd=tmp_path)
    assert out.returncode == 4
    assert "OLLAMA_HOST" in out.stderr and "ollama serve" in out.stderr


def test_a_broken_ponder_toml_names_the_file_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "ponder.toml").write_text('model = "scripted:echo"\n\n[limits]\nmax_stepz = 3\n')
    out = ponder("run", "hi", cwd=tmp_path)
    assert out.returncode == 3
    assert "ponder.toml:4" in out.stderr and "limits.max_stepz" in out.stderr


def test_invalid_toml_syntax_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "ponder.toml").write_text('model = "scripted:echo\n')
    out = ponder("run", "hi", cwd=tmp_path)
    assert out.returncode == 3
    assert "ponder.toml" in out.stderr and "line 1" in out.stderr


def test_the_model_comes_from_ponder_toml_and_the_choice_is_announced(tmp_path: Path) -> None:
    (tmp_path / "ponder.toml").write_text('model = "scripted:echo"\n')
    out = ponder("run", "hello there", cwd=tmp_path)
    assert out.returncode == 0
    assert out.stdout.strip() == "You said: hello there"
    assert "scripted:echo" in out.stderr and "ponder.toml" in out.stderr


def test_ponder_model_env_wins_over_ponder_toml(tmp_path: Path) -> None:
    (tmp_path / "ponder.toml").write_text('model = "openai:gpt-4o-mini"\n')
    out = ponder("run", "hey", cwd=tmp_path, env={"PONDER_MODEL": "scripted:echo"})
    assert out.stdout.strip() == "You said: hey"


def test_with_nothing_available_the_error_lists_the_three_ways_to_get_a_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ponder.backends import selection
    from ponder.errors import BackendError

    monkeypatch.setattr("ponder.backends.local.files.local_model_installed", lambda *a, **k: False)
    with pytest.raises(BackendError) as info:
        selection.auto_select()
    fix = info.value.fix
    assert "ponder[local]" in fix and "OPENAI_API_KEY" in fix and "ollama serve" in fix


def test_auto_selection_prefers_openai_when_a_key_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from ponder.backends import selection

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert selection.auto_select().spec.startswith("openai:")


def test_models_lists_every_backend(tmp_path: Path) -> None:
    out = ponder("models", "--json", cwd=tmp_path)
    specs = [row["spec"] for row in json.loads(out.stdout)]
    assert any(s.startswith("openai:") for s in specs)
    assert any(s.startswith("ollama:") for s in specs)
    assert any(s.startswith("local:") for s in specs)


def test_no_task_is_a_usage_error(tmp_path: Path) -> None:
    out = ponder("run", "--model", "scripted:echo", cwd=tmp_path)
    assert out.returncode == 2 and "no task given" in out.stderr


def test_the_task_can_come_from_stdin(tmp_path: Path) -> None:
    out = ponder("run", "--model", "scripted:echo", "-", cwd=tmp_path, stdin="piped question\n")
    assert out.stdout.strip() == "You said: piped question"


def test_help_lists_the_exit_codes(tmp_path: Path) -> None:
    out = ponder("--help", cwd=tmp_path)
    assert out.returncode == 0
    assert "exit codes" in out.stdout and "130" in out.stdout


def test_flags_without_a_subcommand_open_the_chat(tmp_path: Path) -> None:
    out = ponder("-m", "scripted:echo", cwd=tmp_path, stdin="hello\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "You said: hello"
