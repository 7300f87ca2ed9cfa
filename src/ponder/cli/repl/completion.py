"""Tab completion: slash commands, then their arguments (tool names, model specs, session names)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

if TYPE_CHECKING:
    from ponder.cli.repl.state import ChatState


class ChatCompleter(Completer):
    def __init__(self, state: ChatState) -> None:
        self.state = state

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return  # plain messages are not completed
        from ponder.cli.repl.commands import COMMANDS, unique_commands  # on first '/', after the prompt shows

        if " " not in text:
            word = text[1:].lower()
            for cmd in unique_commands():
                if cmd.name.startswith(word):
                    yield Completion(f"/{cmd.name}", start_position=-len(text), display_meta=cmd.help)
            return
        name, _, rest = text[1:].partition(" ")
        target = COMMANDS.get(name.lower())
        if target is None:
            return
        *before, current = rest.split(" ")
        for option in self.options(target.name, before, target.arguments):
            if option.startswith(current) and option not in before:
                yield Completion(option, start_position=-len(current))

    def options(self, name: str, before: list[str], fixed: Iterable[str]) -> list[str]:
        state = self.state
        agent = state.handle.agent
        enabled = list(agent.tools) if agent is not None else []
        if name == "tools" and before:
            if before[0] == "enable":
                return [t for t in sorted(state.catalog) if t not in enabled]
            if before[0] == "disable":
                return enabled
            return []
        if before:
            return []
        if name == "model":
            from ponder.cli.repl.commands.agent import SUGGESTED_MODELS

            current = agent.backend.name if agent is not None else None
            return list(dict.fromkeys([*SUGGESTED_MODELS, *([current] if current else [])]))
        if name == "load":
            from ponder.sessions import list_names

            return list_names()
        return list(fixed)
