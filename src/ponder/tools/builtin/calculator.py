"""calculator: exact arithmetic through a safe expression evaluator.

No ``eval``: the expression is parsed with ``ast`` and walked over a whitelist of nodes.
Integers and decimals stay exact (``0.1 + 0.2`` is ``0.3``, ``1/3`` is ``1/3``); functions
that cannot be exact (``sin``, ``log``) fall back to floats. Every step is bounded, so
``9**9**9`` or ``factorial(10**6)`` is refused at once instead of hanging the agent.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from ponder.tools.base import tool

Number = int | Fraction | float

MAX_CHARS = 1000
MAX_NODES = 400
MAX_DEPTH = 40
MAX_BITS = 10_000
"""Largest exact intermediate value (about 3,000 decimal digits): arithmetic on it stays instant."""
MAX_FACTORIAL = 1000


class CalcError(ValueError):
    """A bad or too large expression; the message is the observation the model reads."""


def _check(value: Number) -> Number:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value.bit_length() > MAX_BITS:
        raise CalcError(f"result too large (about {_digits(value.bit_length())} digits; the limit is about 3000)")
    if isinstance(value, Fraction):
        if max(value.numerator.bit_length(), value.denominator.bit_length()) > MAX_BITS:
            raise CalcError("result too large to keep exact (more than about 3000 digits)")
        if value.denominator == 1:
            return value.numerator
    if isinstance(value, float) and math.isnan(value):
        raise CalcError("result is not a number (NaN)")
    if isinstance(value, float) and math.isinf(value):
        raise CalcError("result too large for a float (overflow)")
    return value


def _digits(bits: int) -> str:
    return f"{int(bits * math.log10(2)) + 1:,}"


def _power(base: Number, exp: Number) -> Number:
    if isinstance(exp, int) and isinstance(base, (int, Fraction)):
        size = abs(base.numerator).bit_length() if isinstance(base, Fraction) else abs(base).bit_length()
        size = max(size, abs(base.denominator).bit_length() if isinstance(base, Fraction) else 0)
        if size > 1 and abs(exp) * (size - 1) > MAX_BITS:
            raise CalcError(
                f"{_plain(base)}**{exp} is too large (about {_digits(abs(exp) * (size - 1))} digits; the limit is about 3000)"
            )
        if base == 0 and exp < 0:
            raise CalcError("division by zero (0 to a negative power)")
        return Fraction(base) ** exp if exp < 0 else base**exp
    if isinstance(exp, Fraction) and isinstance(base, (int, Fraction)) and base >= 0:
        root = _exact_root(Fraction(base), exp.denominator)
        if root is not None:
            return _power(root, exp.numerator)
    try:
        result = float(base) ** float(exp)
    except OverflowError:
        raise CalcError("result too large for a float (overflow)") from None
    except ZeroDivisionError:
        raise CalcError("division by zero (0 to a negative power)") from None
    if isinstance(result, complex):
        raise CalcError(f"{_plain(base)}**{_plain(exp)} is not a real number")
    return result


def _exact_root(value: Fraction, n: int) -> Fraction | None:
    """The exact n-th root of a non-negative rational, if it is rational."""
    if n > 64 or value.numerator.bit_length() > MAX_BITS:
        return None
    num, den = _int_root(value.numerator, n), _int_root(value.denominator, n)
    return Fraction(num, den) if num is not None and den is not None else None


def _int_root(value: int, n: int) -> int | None:
    if n == 2:
        root = math.isqrt(value)
        return root if root * root == value else None
    if value.bit_length() >= 1000:
        return None
    guess = round(value ** (1.0 / n))  # a float guess, checked exactly below
    return next((g for g in (guess - 1, guess, guess + 1) if g >= 0 and g**n == value), None)


def _divide(a: Number, b: Number) -> Number:
    if b == 0:
        raise CalcError("division by zero")
    if isinstance(a, float) or isinstance(b, float):
        return a / b
    return Fraction(a) / Fraction(b)


def _floordiv(a: Number, b: Number) -> Number:
    if b == 0:
        raise CalcError("division by zero")
    return a // b


def _mod(a: Number, b: Number) -> Number:
    if b == 0:
        raise CalcError("modulo by zero")
    return a % b


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _divide,
    ast.FloorDiv: _floordiv,
    ast.Mod: _mod,
    ast.Pow: _power,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Number]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def _sqrt(x: Number) -> Number:
    if x < 0:
        raise CalcError(f"sqrt({x}) is not a real number" if isinstance(x, int) else f"sqrt({_plain(x)}) is not a real number")
    if isinstance(x, (int, Fraction)):
        root = _exact_root(Fraction(x), 2)
        if root is not None:
            return root
    return math.sqrt(x)


def _bounded_int(name: str, x: Number, limit: int) -> int:
    if not isinstance(x, int) or x < 0:
        raise CalcError(f"{name} needs a non-negative whole number, got {_plain(x)}")
    if x > limit:
        raise CalcError(f"{name}({x}) is too large (the limit is {limit})")
    return x


def _factorial(x: Number) -> Number:
    return math.factorial(_bounded_int("factorial", x, MAX_FACTORIAL))


def _comb(n: Number, k: Number) -> Number:
    return math.comb(_bounded_int("comb", n, 10_000), _bounded_int("comb", k, 10_000))


def _perm(n: Number, k: Number) -> Number:
    return math.perm(_bounded_int("perm", n, MAX_FACTORIAL), _bounded_int("perm", k, MAX_FACTORIAL))


def _round(x: Number, digits: Number = 0) -> Number:
    if not isinstance(digits, int) or abs(digits) > 100:
        raise CalcError("round's digits must be a whole number between -100 and 100")
    if isinstance(x, float):
        return round(x, digits) if digits else round(x)
    exact = Fraction(x)
    return round(exact, digits) if digits else round(exact)


def _float_fn(fn: Callable[..., float]) -> Callable[..., Number]:
    def call(*args: Number) -> Number:
        return fn(*(float(a) for a in args))

    return call


FUNCTIONS: dict[str, Callable[..., Number]] = {
    "sqrt": _sqrt,
    "abs": abs,
    "round": _round,
    "floor": lambda x: math.floor(x),
    "ceil": lambda x: math.ceil(x),
    "factorial": _factorial,
    "comb": _comb,
    "perm": _perm,
    "gcd": lambda a, b: math.gcd(_bounded_int("gcd", abs(a), 1 << MAX_BITS), _bounded_int("gcd", abs(b), 1 << MAX_BITS)),
    "lcm": lambda a, b: math.lcm(_bounded_int("lcm", abs(a), 1 << MAX_BITS), _bounded_int("lcm", abs(b), 1 << MAX_BITS)),
    "min": min,
    "max": max,
    "pow": _power,
    **{
        name: _float_fn(getattr(math, name))
        for name in (
            "exp", "log10", "log2", "sin", "cos", "tan", "asin", "acos", "atan",
            "atan2", "sinh", "cosh", "tanh", "degrees", "radians", "hypot",
        )
    },
    "log": _float_fn(math.log),
    "ln": _float_fn(math.log),
}
CONSTANTS: dict[str, Number] = {"pi": math.pi, "e": math.e, "tau": math.tau}


class _Evaluator:
    def __init__(self) -> None:
        self.nodes = 0

    def eval(self, node: ast.AST, depth: int = 0) -> Number:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise CalcError(f"expression too complex (at most {MAX_NODES} parts, nested {MAX_DEPTH} deep)")
        if isinstance(node, ast.Expression):
            return self.eval(node.body, depth + 1)
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Constant) and type(node.value) is float:
            # decimal literals are exact: 0.1 is 1/10, not 0.1000000000000000055...
            return Fraction(repr(node.value)) if math.isfinite(node.value) else node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.eval(node.left, depth + 1), self.eval(node.right, depth + 1)
            return _check(_apply(_BINARY[type(node.op)], left, right, name=type(node.op).__name__))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _check(_UNARY[type(node.op)](self.eval(node.operand, depth + 1)))
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            raise CalcError(f"unknown name '{node.id}'. {_AVAILABLE}")
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Tuple):
            raise CalcError("write numbers without thousands separators and one expression at a time")
        if isinstance(node, ast.Compare):
            raise CalcError("comparisons are not supported; compute each side separately")
        raise CalcError(f"'{ast.unparse(node)[:40]}' is not arithmetic. {_AVAILABLE}")

    def _call(self, node: ast.Call, depth: int) -> Number:
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)[:40]
        fn = FUNCTIONS.get(name)
        if fn is None:
            raise CalcError(f"unknown function '{name}'. {_AVAILABLE}")
        if node.keywords:
            raise CalcError(f"{name}() takes positional arguments only")
        args = [self.eval(arg, depth + 1) for arg in node.args]
        try:
            return _check(_apply(fn, *args, name=name))
        except TypeError as exc:
            raise CalcError(f"wrong arguments for {name}(): {exc}") from None


def _apply(fn: Callable[..., Number], *args: Number, name: str) -> Number:
    try:
        return fn(*args)
    except CalcError:
        raise
    except ZeroDivisionError:
        raise CalcError("division by zero") from None
    except OverflowError:
        raise CalcError("result too large (overflow)") from None
    except ValueError as exc:
        raise CalcError(f"{name}({', '.join(_plain(a) for a in args)}) is undefined ({exc})") from None


_AVAILABLE = (
    "Use numbers, + - * / // % ** (or ^), parentheses, the constants "
    f"{', '.join(CONSTANTS)} and the functions {', '.join(sorted(FUNCTIONS))}."
)


def _show(value: Number) -> str:
    """Exact where it can be: integers as is, finite decimals as decimals, other fractions as p/q ≈ x."""
    if isinstance(value, Fraction):
        den = value.denominator
        while den % 2 == 0:
            den //= 2
        while den % 5 == 0:
            den //= 5
        if den == 1 and value.denominator < 10**30:
            return _decimal(value)
        return f"{value.numerator}/{value.denominator} (≈ {float(value):.12g})"
    if isinstance(value, float):
        return repr(value) if value.is_integer() and abs(value) < 1e16 else f"{value:.15g}"
    return str(value)


def _plain(value: Number) -> str:
    """A short form for error messages: ``(-8)``, ``1/3``."""
    text = f"{value.numerator}/{value.denominator}" if isinstance(value, Fraction) else repr(value)
    return f"({text})" if value < 0 or "/" in text else text


def _decimal(value: Fraction) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole, rest = divmod(value.numerator, value.denominator)
    digits = ""
    while rest:
        rest *= 10
        digit, rest = divmod(rest, value.denominator)
        digits += str(digit)
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def _parse(expression: str) -> ast.Expression:
    text = expression.strip().replace("^", "**").replace("×", "*").replace("÷", "/").replace("−", "-")
    if not text:
        raise CalcError("the expression is empty")
    if len(text) > MAX_CHARS:
        raise CalcError(f"expression too long ({len(text)} characters; the limit is {MAX_CHARS})")
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise CalcError(f"cannot read '{expression[:80]}': {exc.msg}. {_AVAILABLE}") from None
    except (RecursionError, MemoryError):
        raise CalcError(f"expression too deeply nested (the limit is {MAX_DEPTH} levels)") from None


def evaluate(expression: str) -> str:
    """The value of ``expression`` as text; raises ``CalcError`` with a message for the model."""
    tree = _parse(expression)
    try:
        value = _Evaluator().eval(tree)
    except RecursionError:
        raise CalcError(f"expression too deeply nested (the limit is {MAX_DEPTH} levels)") from None
    return _show(value)


def value_of(expression: str) -> float:
    """The value of ``expression`` as a float; raises ``CalcError`` (for checks of worked arithmetic)."""
    tree = _parse(expression)
    try:
        return float(_Evaluator().eval(tree))
    except (RecursionError, OverflowError):
        raise CalcError("expression too large to check") from None


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression exactly, e.g. "17 * 23", "2^100" or "sqrt(2) / 3".

    Args:
        expression: the arithmetic expression: numbers, + - * / // % ** ^, parentheses, pi, e, and functions like sqrt, log, sin, factorial, comb, round
    """
    return evaluate(expression)
