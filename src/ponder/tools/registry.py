"""The tool registry: built-ins and third-party tools arrive through the ``ponder.tools`` entry-point group.

(Placeholder until the tools issue lands: only the calculator.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ponder.config import PonderConfig
    from ponder.tools.base import Tool


def available_tools(*, config: PonderConfig | None = None) -> dict[str, Tool]:
    from ponder.tools.builtin.calculator import calculator

    return {calculator.name: calculator}
