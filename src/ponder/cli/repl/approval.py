"""Ask the user, inline, before a tool that needs approval runs: yes, no, or always (this session).

``--yes`` and the config's ``allow_tools_without_approval`` still approve without asking. In a
pipe there is nobody to ask, so those are the only ways to approve, and a refusal says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ponder.tools.base import Tool

Approve = Callable[["Tool", dict[str, Any]], bool]
Ask = Callable[[str], str]
ANSWERS = {"y": "yes", "yes": "yes", "n": "no", "no": "no", "": "no", "a": "always", "always": "always"}


def ask_in_terminal(question: str) -> str:
    """One line from the terminal (prompt_toolkit, so Ctrl-C cancels the whole turn)."""
    from prompt_toolkit import prompt

    return prompt(question)


class InlineApprover:
    """The REPL's approver: ``base`` first (``--yes``, the allow-list), then the tools allowed ``always``, then ask."""

    def __init__(
        self,
        base: Approve,
        *,
        ask: Ask = ask_in_terminal,
        before_ask: Callable[[], None] | None = None,
        say: Callable[[str], None] = print,
    ) -> None:
        self.base = base
        self.ask = ask
        self.before_ask = before_ask
        self.say = say
        self.always: set[str] = set()

    def __call__(self, tool: Tool, arguments: dict[str, Any]) -> bool:
        if tool.name in self.always or self.base(tool, arguments):
            return True
        if self.before_ask is not None:
            self.before_ask()
        args = json.dumps(arguments, ensure_ascii=False)
        self.say(
            f"? {tool.name} needs your approval to run with {args if len(args) < 400 else args[:399] + '…'}"
        )
        while True:
            answer = ANSWERS.get(
                self.ask("  allow? [y]es / [n]o / [a]lways for this session: ").strip().lower()
            )
            if answer is not None:
                break
            self.say("  please answer y, n or a")
        if answer == "always":
            self.always.add(tool.name)
        if answer == "no":
            self.say(f"  refused: {tool.name} will not run (the model is told so)")
        return answer != "no"


class PipeApprover:
    """No terminal to ask: approve only through ``base``, and say how to allow a refused tool."""

    def __init__(self, base: Approve, *, say: Callable[[str], None]) -> None:
        self.base = base
        self.say = say

    def __call__(self, tool: Tool, arguments: dict[str, Any]) -> bool:
        if self.base(tool, arguments):
            return True
        self.say(
            f"refused: {tool.name} needs approval and there is no terminal to ask "
            f'(fix: pass --yes, or add "{tool.name}" to allow_tools_without_approval in ponder.toml)'
        )
        return False
