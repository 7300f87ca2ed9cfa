"""calculator: exact arithmetic through a safe expression evaluator (placeholder, replaced by the tools issue)."""

from __future__ import annotations

import ast
import math
import operator

from ponder.tools.base import tool

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow, ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv, ast.USub: operator.neg, ast.UAdd: operator.pos}


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left), _eval(node.right))  # type: ignore[no-any-return]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.operand))  # type: ignore[no-any-return]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and hasattr(math, node.func.id):
        return getattr(math, node.func.id)(*[_eval(a) for a in node.args])  # type: ignore[no-any-return]
    raise ValueError(f"unsupported expression element: {ast.dump(node)[:40]}")


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression exactly, e.g. "17 * 23" or "sqrt(2) / 3".

    Args:
        expression: the arithmetic expression to evaluate
    """
    value = _eval(ast.parse(expression, mode="eval"))
    return str(value)
