"""Expressions cheap enough to evaluate in the engine's own process, without a helper.

Decided by measurement (README, *Sandbox*): a helper round trip costs about 0.1 ms on the 2-core
machine when it is idle and several milliseconds under load (it waits to be scheduled), while
the gateway conditions, task properties and timers of real diagrams are of the shape below and
cost microseconds here. With them in helpers, the incoming diagram's persisted step paid five
round trips.

The shape is an allow-list whose cost is bounded by the size of the expression and of the task
data, which is a tree (the runtime caps it; nothing here builds or copies anything):
constants, names from the context, subscripts and ``.get()`` on a dict with constant keys,
``.isoformat()`` of a date or time, comparisons of scalars (``in`` only against a literal of
constants or within a string), ``and``/``or``/``not``, ``a if c else b``, calls of the
registered functions with scalar arguments, and a dict display of such values under constant
keys (a message payload) as the whole expression; the result is a scalar or that new dict. Those functions run in this process anyway (a
helper calls back for them), with the same hostile arguments; the time limit is checked after
each call, as the watchdog does between call-backs. Anything else — another node, another type,
an error, a non-scalar result — goes to a helper, which evaluates the expression from scratch
and reports errors as always. Nothing here has side effects except through registered functions,
and an expression that called one is never evaluated again by a helper.
"""
from __future__ import annotations

import ast
import functools
import operator
import time as clock
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Callable, Mapping

from .restricted import SandboxError

# Values whose comparison costs at most their own size, and which a result may be.
SCALARS = frozenset({type(None), bool, int, float, str, bytes, Decimal, datetime, date, time, timedelta})
# Values whose truth costs O(1).
TRUTHY = SCALARS | {list, tuple, dict, set, frozenset}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_LITERALS = (ast.Tuple, ast.List, ast.Set)
METHODS = {"get": (dict,), "isoformat": (datetime, date, time)}  # method → the only types it is called on


class _Fallback(Exception):
    """Not decidable here: a helper evaluates it."""


@functools.lru_cache(maxsize=4096)
def _tree(source: str) -> ast.AST | None:
    """The expression's tree when every node is allowed, else None."""
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if isinstance(tree, ast.Dict):  # a message payload: {'status': '04', 'document': data.get('id')}
        keys_ok = all(isinstance(k, ast.Constant) and type(k.value) is str for k in tree.keys)
        return tree if keys_ok and all(map(_allowed, tree.values)) else None
    return tree if _allowed(tree) else None


def _allowed(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) in SCALARS
    if isinstance(node, ast.Name):
        return isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.Subscript):
        return _allowed(node.value) and _constant(node.slice)
    if isinstance(node, ast.Call):
        func = node.func
        if node.keywords:
            return False
        if isinstance(func, ast.Name):  # a registered function (checked when it runs)
            return all(map(_allowed, node.args))
        if not (isinstance(func, ast.Attribute) and _allowed(func.value)):
            return False
        if func.attr == "get":
            return 1 <= len(node.args) <= 2 and all(map(_constant, node.args))
        return func.attr == "isoformat" and not node.args
    if isinstance(node, ast.Compare):
        if not _allowed(node.left):
            return False
        if len(node.ops) > 1 and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            return False  # kept simple: `in` alone
        for op, right in zip(node.ops, node.comparators):
            literal = isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, _LITERALS)
            if not (_literal(right) if literal else _allowed(right)):
                return False
            if not isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn, *_COMPARE)):
                return False
        return True
    if isinstance(node, ast.BoolOp):
        return all(map(_allowed, node.values))
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not) and _allowed(node.operand)
    if isinstance(node, ast.IfExp):
        return _allowed(node.test) and _allowed(node.body) and _allowed(node.orelse)
    return False


def _constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in SCALARS


def _literal(node: ast.AST) -> bool:
    return isinstance(node, _LITERALS) and all(map(_constant, node.elts))


class _Run:
    """One evaluation: the context, the registered functions and the deadline."""

    __slots__ = ("context", "functions", "deadline", "seconds")

    def __init__(self, context: Mapping[str, Any], functions: Mapping[str, Callable], seconds: float) -> None:
        self.context, self.functions, self.seconds = context, functions, seconds
        self.deadline = clock.monotonic() + seconds


def evaluate(source: str, context: Mapping[str, Any], functions: Mapping[str, Callable],
             seconds: float) -> tuple[bool, Any]:
    """(True, value) when ``source`` was evaluated here; (False, None) when a helper must.
    SandboxError when a registered function failed or the time limit passed."""
    tree = _tree(source)
    if tree is None:
        return False, None
    run = _Run(context, functions, seconds)
    try:
        if isinstance(tree, ast.Dict):
            value = {key.value: _value(item, run) for key, item in zip(tree.keys, tree.values)}
            scalars = all(type(item) in SCALARS for item in value.values())
        else:
            value = _value(tree, run)
            scalars = type(value) in SCALARS
    except _Fallback:
        return False, None
    return (True, value) if scalars else (False, None)


def _call(node: ast.Call, run: _Run) -> Any:
    if isinstance(node.func, ast.Attribute):
        target = _value(node.func.value, run)
        if not isinstance(target, METHODS[node.func.attr]):
            raise _Fallback()
        return getattr(target, node.func.attr)(*(arg.value for arg in node.args))
    function = run.functions.get(node.func.id)
    if function is None or node.func.id in run.context:
        raise _Fallback()  # a builtin, or a name that is not a function: the helper knows
    args = [_value(arg, run) for arg in node.args]
    if any(type(arg) not in SCALARS for arg in args):
        raise _Fallback()
    try:
        value = function(*args)
    except Exception as exc:  # worded as a helper words it
        raise SandboxError(f"{type(exc).__name__}: {exc}") from None
    if clock.monotonic() > run.deadline:
        raise SandboxError(f"time limit of {run.seconds:g} s exceeded")
    return value


def _value(node: ast.AST, run: _Run) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in run.context:
            raise _Fallback()  # a builtin, a function, or a NameError: the helper knows
        return run.context[node.id]
    if isinstance(node, ast.Subscript):
        return _item(_value(node.value, run), node.slice.value)
    if isinstance(node, ast.Call):
        return _call(node, run)
    if isinstance(node, ast.Compare):
        return _compare(node, run)
    if isinstance(node, ast.BoolOp):
        is_and = isinstance(node.op, ast.And)
        for operand in node.values:
            value = _value(operand, run)
            if _truth(value) != is_and:
                return value
        return value
    if isinstance(node, ast.UnaryOp):
        return not _truth(_value(node.operand, run))
    if isinstance(node, ast.IfExp):
        return _value(node.body if _truth(_value(node.test, run)) else node.orelse, run)
    raise _Fallback()


def _item(container: Any, key: Any) -> Any:
    if type(container) not in (dict, list, tuple, str):
        raise _Fallback()
    try:
        return container[key]
    except (KeyError, IndexError, TypeError):
        raise _Fallback() from None


def _truth(value: Any) -> bool:
    if type(value) not in TRUTHY:
        raise _Fallback()
    return bool(value)


def _compare(node: ast.Compare, run: _Run) -> bool:
    left = _value(node.left, run)
    for op, right_node in zip(node.ops, node.comparators):
        if isinstance(op, (ast.Is, ast.IsNot)):
            right = _value(right_node, run)
            result = (left is right) == isinstance(op, ast.Is)  # identity: O(1) whatever they are
        elif isinstance(op, (ast.In, ast.NotIn)):
            return _contains(left, right_node, run) == isinstance(op, ast.In)  # alone in its chain
        else:
            right = _value(right_node, run)
            if type(left) not in SCALARS or type(right) not in SCALARS:
                raise _Fallback()
            try:
                result = _COMPARE[type(op)](left, right)
            except (TypeError, ArithmeticError):  # str < int, Decimal NaN: the helper words the error
                raise _Fallback() from None
        if not result:
            return False
        left = right
    return True


def _contains(needle: Any, node: ast.AST, run: _Run) -> bool:
    if type(needle) not in SCALARS:
        raise _Fallback()
    if isinstance(node, _LITERALS):
        return any(needle == element.value for element in node.elts)  # constants of SCALARS
    haystack = _value(node, run)
    if type(needle) is str and type(haystack) is str:
        return needle in haystack  # linear in the two strings
    raise _Fallback()
