"""A tool importable by path, for the spec tests (``tests.agents.spec_tools:double``)."""

from ponder import tool


@tool
def double(x: int) -> int:
    """Double a number.

    Args:
        x: the number
    """
    return 2 * x
