"""Corrupt and hostile inputs for every file Ponder reads, through the real CLI in a subprocess.

Config, task files, suites, the eval cache, eval logs and baselines, batch results, chat
sessions, knowledge indexes, prompt overrides and scripted-backend scripts: each broken one
ends in an error that names the file (exit 2 or 3, never a traceback, never exit 70), or, for
files Ponder owns and can rebuild (caches, logs, results), in a warning that names the file and
says where the damaged copy is kept, and the run goes on. Nothing is silently lost: a file set
aside still exists under its ``.corrupt-<time>`` name.

The commands run four at a time in one module fixture (each starts a Python process); each test
then checks one input's outcome.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PONDER = [sys.executable, "-m", "ponder.cli.main"]
BIN = b"\x00\xff\xfe\x89PNG\r\n\x1a\n" + bytes(range(256))
DEEP = "[" * 50_000 + "]" * 50_000
BOMB = (
    "a: &a ['x','x','x','x','x','x','x','x','x']\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
)
SUITE = "name: s\ncases:\n  - {id: a, input: q, expected: 'You said: q'}\n  - {id: b, input: r, expected: 'You said: r'}\n"
EVAL = ["eval", "s.yaml", "-m", "scripted:echo"]
SESSION = {"format": "ponder-chat-session", "version": 1, "name": "s1"}


@dataclass
class Input:
    name: str
    files: dict[str, str | bytes]
    args: list[str]
    exit_codes: tuple[int, ...]
    names: str
    """The file the message must name (its basename)."""
    says: str = ""
    kept: str = ""
    """A glob (from the working directory) that must match the damaged file, kept aside."""
    stdin: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    before: Callable[[Path], None] | None = None


def run_ponder(cwd: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": "200", "XDG_DATA_HOME": str(cwd / "data"), **(env or {})}
    for var in ("PONDER_MODEL", "PONDER_CONFIG", "OPENAI_API_KEY", "OPENAI_BASE_URL", "PONDER_PROMPTS_DIR", "PONDER_DEBUG"):
        if var not in (env or {}):
            environment.pop(var, None)
    return subprocess.run([*PONDER, *args], cwd=cwd, env=environment, input=stdin, capture_output=True, text=True, timeout=300)


def cached_run_with_bad_rows(cwd: Path) -> None:
    """A real eval fills the cache, then every stored value is replaced with garbage."""
    assert run_ponder(cwd, *EVAL).returncode == 0
    db = sqlite3.connect(cwd / ".ponder" / "cache" / "evals.sqlite3")
    db.execute("UPDATE responses SET value = '{not json'")
    db.execute("UPDATE runs SET value = '[1, 2'")
    db.commit()
    db.close()


def cache_with_wrong_tables(cwd: Path) -> None:
    path = cwd / ".ponder" / "cache" / "evals.sqlite3"
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE responses (a, b)")
    db.commit()
    db.close()


def indexed(cwd: Path) -> None:
    (cwd / "docs").mkdir(exist_ok=True)
    (cwd / "docs" / "boiler.md").write_text("# Boiler\n\nKeep the pressure between 1.2 and 1.8 bar.\n")
    assert run_ponder(cwd, "index", "docs", "--name", "kb").returncode == 0


def indexed_then(path: str, *, new_page: bool = False) -> Callable[[Path], None]:
    """Index a folder, damage one file of the index, and (``new_page``) add a page to the folder."""

    def damage(cwd: Path) -> None:
        indexed(cwd)
        target = cwd / ".ponder" / "index" / "kb" / path
        for file in target.iterdir() if target.is_dir() else [target]:
            file.write_bytes(BIN)
        if new_page:
            (cwd / "docs" / "new.md").write_text("# New\n\nA new page about radiators.\n")

    return damage


def results_of_an_earlier_batch(cwd: Path) -> None:
    assert run_ponder(cwd, "run", "-m", "scripted:echo", "-f", "t.yaml").returncode == 0


def log_with_a_garbled_line(cwd: Path) -> None:
    assert run_ponder(cwd, *EVAL).returncode == 0
    log = cwd / ".ponder" / "evals" / "s.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text(lines[0] + '{"type": "case", "key": \x00garbage\n' + "".join(lines[1:]))


CORPUS = [
    # ponder.toml and the user config
    Input("config: binary", {"ponder.toml": BIN}, ["run", "-m", "scripted:echo", "hi"], (3,), "ponder.toml", "not UTF-8"),
    Input("config: invalid TOML", {"ponder.toml": 'model = "x\n'}, ["run", "-m", "scripted:echo", "hi"], (3,), "ponder.toml", "invalid TOML"),
    Input("config: wrong type", {"ponder.toml": "[agent.limits]\nmax_steps = 'x'\n"}, ["run", "-m", "scripted:echo", "hi"], (3,), "ponder.toml:2"),
    Input("config: unknown field", {"ponder.toml": "[agent]\nmodle = 'x'\n"}, ["run", "-m", "scripted:echo", "hi"], (3,), "ponder.toml", "modle"),
    Input("config: nested 50,000 deep", {"ponder.toml": "a = " + DEEP + "\n"}, ["run", "-m", "scripted:echo", "hi"], (3,), "ponder.toml", "nested too deeply"),
    Input("config: PONDER_CONFIG binary", {"c.toml": BIN}, ["run", "-m", "scripted:echo", "hi"], (3,), "c.toml", env={"PONDER_CONFIG": "c.toml"}),
    # task files
    Input("tasks: invalid YAML", {"t.yaml": "- a\n - b: [\n"}, ["run", "-m", "scripted:echo", "-f", "t.yaml"], (2,), "t.yaml", "invalid YAML"),
    Input("tasks: binary", {"t.yaml": BIN}, ["run", "-m", "scripted:echo", "-f", "t.yaml"], (2,), "t.yaml"),
    Input("tasks: not a list", {"t.yaml": "5"}, ["run", "-m", "scripted:echo", "-f", "t.yaml"], (2,), "t.yaml", "list of tasks"),
    Input("tasks: empty file", {"t.yaml": ""}, ["run", "-m", "scripted:echo", "-f", "t.yaml"], (2,), "t.yaml"),
    Input("tasks: an item that is a number", {"t.yaml": "- a\n- 7\n"}, ["run", "-m", "scripted:echo", "-f", "t.yaml"], (2,), "t.yaml", "task #2"),
    Input("tasks: the same id twice", {"t.yaml": "- {id: x, task: a}\n- {id: x, task: b}\n"}, ["run", "-m", "scripted:echo", "-f", "t.yaml"], (2,), "t.yaml", "used twice"),
    Input("tasks: nested 50,000 deep", {"t.yaml": DEEP}, ["run", "-m", "scripted:echo", "-f", "t.yaml"], (2,), "t.yaml", "nested too deeply"),
    Input("tasks: alias bomb", {"t.yaml": BOMB + "tasks: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"}, ["run", "-m", "scripted:echo", "-f", "t.yaml"], (2,), "t.yaml"),
    # suite files
    Input("suite: binary", {"s.yaml": BIN}, EVAL, (2,), "s.yaml"),
    Input("suite: invalid YAML", {"s.yaml": "cases: [\n"}, EVAL, (2,), "s.yaml", "invalid YAML"),
    Input("suite: a list, not a mapping", {"s.yaml": "[1, 2]"}, EVAL, (2,), "s.yaml"),
    Input("suite: cases is a number", {"s.yaml": "cases: 5"}, EVAL, (2,), "s.yaml:1"),
    Input("suite: unknown grader", {"s.yaml": "cases:\n  - {id: a, input: q, graders: [telepathy]}\n"}, EVAL, (2,), "s.yaml", "telepathy"),
    Input("suite: nested 50,000 deep", {"s.yaml": DEEP}, EVAL, (2,), "s.yaml", "nested too deeply"),
    Input("suite: alias bomb", {"s.yaml": BOMB + "cases: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"}, EVAL, (2,), "s.yaml"),
    # the eval cache
    Input("cache: binary", {"s.yaml": SUITE, ".ponder/cache/evals.sqlite3": BIN * 20}, EVAL, (0,), "evals.sqlite3", "damaged", ".ponder/cache/evals.sqlite3.corrupt-*"),
    Input("cache: text", {"s.yaml": SUITE, ".ponder/cache/evals.sqlite3": "hello"}, EVAL, (0,), "evals.sqlite3", "damaged", ".ponder/cache/evals.sqlite3.corrupt-*"),
    Input("cache: tables of the wrong shape", {"s.yaml": SUITE}, EVAL, (0,), "evals.sqlite3", "damaged", ".ponder/cache/evals.sqlite3.corrupt-*", before=cache_with_wrong_tables),
    Input("cache: unreadable rows", {"s.yaml": SUITE}, EVAL, (0,), "evals.sqlite3", "cannot be read", before=cached_run_with_bad_rows),
    # eval logs and reports read back
    Input("log: binary, resumed", {"s.yaml": SUITE, ".ponder/evals/s.jsonl": BIN}, [*EVAL, "--resume"], (0,), "s.jsonl", "set aside", ".ponder/evals/s.jsonl.corrupt-*"),
    Input("log: lines that are not records, resumed", {"s.yaml": SUITE, ".ponder/evals/s.jsonl": '[1, 2]\n5\n"x"\n'}, [*EVAL, "--resume"], (0,), "s.jsonl", "set aside", ".ponder/evals/s.jsonl.corrupt-*"),
    Input("log: a garbled line, resumed", {"s.yaml": SUITE}, [*EVAL, "--resume"], (0,), "s.jsonl", "could not be read", ".ponder/evals/s.jsonl.corrupt-*", before=log_with_a_garbled_line),
    Input("baseline: binary .jsonl", {"s.yaml": SUITE, "b.jsonl": BIN}, [*EVAL, "--baseline", "b.jsonl"], (2,), "b.jsonl"),
    Input("baseline: binary .json", {"s.yaml": SUITE, "b.json": BIN}, [*EVAL, "--baseline", "b.json"], (2,), "b.json"),
    Input("compare: JSON of the wrong shape", {"a.json": '{"type": "report"}', "b.json": "{}"}, ["eval", "compare", "a.json", "b.json"], (2,), "a.json"),
    # batch results
    Input("results: binary, resumed", {"t.yaml": "- a\n- b\n", "t.results.jsonl": BIN}, ["run", "-m", "scripted:echo", "-f", "t.yaml", "--resume"], (0,), "t.results.jsonl", "could not be read", "t.results.jsonl.corrupt-*"),
    Input("results: an earlier run, not resumed", {"t.yaml": "- a\n"}, ["run", "-m", "scripted:echo", "-f", "t.yaml"], (2,), "t.results.jsonl", "--resume", before=results_of_an_earlier_batch),
    # chat sessions
    Input("session: binary", {"data/ponder/sessions/s1.json": BIN}, ["chat", "--resume", "s1", "-m", "scripted:echo"], (1, 2), "s1.json", stdin="hi\n"),
    Input("session: truncated JSON", {"data/ponder/sessions/s1.json": '{"format": "ponder-chat-session", "mess'}, ["chat", "--resume", "-m", "scripted:echo"], (1, 2), "s1.json", stdin="hi\n"),
    Input("session: turns of the wrong type", {"data/ponder/sessions/s1.json": json.dumps({**SESSION, "turns": "x"})}, ["chat", "--resume", "s1", "-m", "scripted:echo"], (1, 2), "s1.json", "damaged", stdin="hi\n"),
    Input("session: a message that is not one", {"data/ponder/sessions/s1.json": json.dumps({**SESSION, "messages": [{"role": "nobody", "blocks": 7}]})}, ["chat", "--resume", "s1", "-m", "scripted:echo"], (1, 2), "s1.json", "damaged", stdin="hi\n"),
    # knowledge indexes
    Input("index: binary base.json, searched", {}, ["index", "--name", "kb", "--query", "boiler"], (3,), "base.json", "--rebuild", before=indexed_then("base.json")),
    Input("index: binary files.json, re-indexed", {}, ["index", "docs", "--name", "kb"], (0,), "files.json", "rebuilt", before=indexed_then("files.json")),
    Input("index: binary BM25 files, searched", {}, ["index", "--name", "kb", "--query", "boiler"], (3,), "bm25", "--rebuild", before=indexed_then("bm25")),
    Input("index: binary docstore, re-indexed", {}, ["index", "docs", "--name", "kb"], (0,), "kb/storage", "rebuilt", before=indexed_then("storage/docstore.json", new_page=True)),
    # prompt overrides
    Input("prompt: binary", {"p/system.md": BIN}, ["run", "-m", "scripted:echo", "hi"], (3,), "system.md", env={"PONDER_PROMPTS_DIR": "p"}),
    Input(
        "prompt: an unknown field",
        {"p/unknown_tool.md": "No tool {nope}.", "s.json": '[{"tool_calls": [{"name": "nope"}]}, "done"]'},
        ["run", "-m", "scripted:s.json", "hi"],
        (3,),
        "unknown_tool.md",
        "{name}",
        env={"PONDER_PROMPTS_DIR": "p"},
    ),
    # scripted-backend scripts
    Input("script: binary", {"s.json": BIN}, ["run", "-m", "scripted:s.json", "hi"], (2,), "s.json"),
    Input("script: nested 50,000 deep", {"s.json": DEEP}, ["run", "-m", "scripted:s.json", "hi"], (2,), "s.json"),
    Input("script: a call without a name", {"s.json": '[{"tool_calls": [{"arguments": {}}]}]'}, ["run", "-m", "scripted:s.json", "hi"], (2,), "s.json", "name"),
    Input("script: a delay that is a word", {"s.yaml": "- {text: hi, delay: soon}\n"}, ["run", "-m", "scripted:s.yaml", "hi"], (2,), "s.yaml", "delay"),
]


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    cwd: Path


def try_input(item: Input, root: Path) -> Outcome:
    cwd = root / item.name.replace(" ", "_").replace(":", "").replace(",", "")
    cwd.mkdir(parents=True)
    for rel, content in item.files.items():
        path = cwd / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    if item.before is not None:
        item.before(cwd)
    out = run_ponder(cwd, *item.args, stdin=item.stdin, env=item.env)
    return Outcome(out.returncode, out.stdout, out.stderr, cwd)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("corpus")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        done = pool.map(lambda item: (item.name, try_input(item, root)), CORPUS)
        return dict(done)


def problems(item: Input, out: Outcome) -> list[str]:
    """What is wrong with how Ponder met a broken input (empty: one clear message, nothing lost)."""
    found = []
    text = out.stdout + out.stderr
    if "Traceback" in text or "internal error" in text:
        found.append("a traceback or an internal error")
    if out.returncode not in item.exit_codes:
        found.append(f"exit {out.returncode}, not {item.exit_codes}")
    first = ("error:",) if out.returncode else ("warning:", "note:")
    if not [line for line in out.stderr.splitlines() if line.startswith(first) and item.names in line]:
        found.append(f"no {'/'.join(first)} line names {item.names}")
    if item.says not in out.stderr:
        found.append(f"the message does not say {item.says!r}")
    if out.returncode and "fix:" not in out.stderr:
        found.append("the error names no fix")
    if item.kept and not list(out.cwd.glob(item.kept)):
        found.append(f"the damaged file was not kept as {item.kept}")
    return found


@pytest.mark.parametrize("item", CORPUS, ids=[i.name for i in CORPUS])
def test_a_broken_file_gets_one_clear_message_naming_it(item: Input, outcomes: dict[str, Outcome]) -> None:
    out = outcomes[item.name]
    assert problems(item, out) == [], f"exit {out.returncode}\n{out.stderr}"


def test_the_corpus_covers_every_kind_of_file_ponder_reads() -> None:
    kinds = {item.name.split(":")[0] for item in CORPUS}
    assert kinds >= {"config", "tasks", "suite", "cache", "log", "baseline", "results", "session", "index", "prompt", "script"}
    assert len(CORPUS) >= 45
