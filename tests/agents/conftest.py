from __future__ import annotations

import time

import pytest

from ponder.tools.base import Tool, tool


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: the first number
        b: the second number
    """
    return a + b


@tool
def divide(a: float, b: float) -> float:
    """Divide a by b.

    Args:
        a: the dividend
        b: the divisor
    """
    return a / b


@tool(timeout=0.3)
def slow(seconds: float) -> str:
    """Sleep, then report.

    Args:
        seconds: how long to sleep
    """
    time.sleep(seconds)
    return "done"


@pytest.fixture
def tools() -> list[Tool]:
    return [add, divide, slow]
