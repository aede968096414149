"""The restricted evaluator for the expressions and scripts that agency admins put in BPMN
diagrams: the language half of the sandbox (engine.sandbox is the facade).

Built on RestrictedPython: a stricter policy refuses dangerous syntax at check time, and runtime
guards bound attribute access, writes, loop steps and the size of values that operators can
create. Guards cannot bound everything one C-level operation does (``str()`` of a big list, a
comparison of shared structures), so the engine runs this code only in helper processes under OS
limits (engine.sandbox_helper); checking (compiling) stays in the engine's process.
"""
from __future__ import annotations

import ast
import builtins
import functools
import keyword
import operator
import contextvars
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time as dtime, timedelta, timezone
from decimal import Decimal
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence,
                                     guarded_unpack_sequence, safer_getattr_raise)
from RestrictedPython.transformer import (INSPECT_ATTRIBUTES, RestrictingNodeTransformer,
                                          copy_locations)


MAX_LEN = 1_000_000      # elements/chars in one value built by an operator or method
MAX_INT_BITS = 4096
MAX_RANGE = 100_000
MAX_EXPONENT = 100

FORBIDDEN_NAMES = frozenset({
    'getattr', 'setattr', 'delattr', 'eval', 'exec', 'compile', 'open', 'globals',
    'locals', 'vars', 'dir', 'type', 'input', 'breakpoint', 'help', 'memoryview',
    'bytearray', 'object', 'super', 'classmethod', 'staticmethod', 'property', 'print'})
# format/format_map walk attributes ("{0.__class__}"); from_bytes/as_integer_ratio
# build unbounded ints that would bypass the int size guard.
FORBIDDEN_ATTRS = INSPECT_ATTRIBUTES | {
    'format', 'format_map', 'mro', 'from_bytes', 'as_integer_ratio'}


class SandboxViolation(Exception):
    """A diagram expression or script that is not allowed.
    .reason is a human-readable English reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SandboxError(Exception):
    """An allowed expression that failed while running (NameError, ZeroDivisionError,
    step budget exceeded...). .reason str."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- static policy -----------------------------------------------------------

def _refuse(what: str) -> Callable:
    def visit(self: _Policy, node: ast.AST) -> ast.AST:
        self.error(node, f'{what} not allowed')
        return node
    return visit


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, tightened for diagram code."""

    _GUARDED_OPS = {ast.Add: '+', ast.Mult: '*', ast.Mod: '%', ast.LShift: '<<', ast.Pow: '**'}

    visit_While = _refuse('while loops are')
    visit_FunctionDef = visit_AsyncFunctionDef = _refuse('function definitions (def) are')
    visit_Lambda = _refuse('lambda is')
    visit_ClassDef = _refuse('class definitions are')
    visit_Await = visit_AsyncFor = visit_AsyncWith = _refuse('async is')
    visit_Yield = visit_YieldFrom = _refuse('yield is')
    visit_Global = _refuse('global is')
    visit_Nonlocal = _refuse('nonlocal is')
    visit_Try = visit_TryStar = _refuse('try is')
    visit_Raise = _refuse('raise is')
    visit_With = _refuse('with is')
    visit_Import = visit_ImportFrom = _refuse('import is')

    def check_name(self, node, name, allow_magic_methods=False):
        if name is not None and (name.startswith('_') or name in FORBIDDEN_NAMES):
            self.error(node, f"name '{name}' is not allowed")

    def visit_Name(self, node):
        # The base class rewrites print/printed; print is simply refused here.
        self.check_name(node, node.id)
        if isinstance(node.ctx, ast.Load):
            self.used_names[node.id] = True
        return node

    def visit_Attribute(self, node):
        if node.attr.startswith('_') or node.attr in FORBIDDEN_ATTRS:
            reason = f"attribute '{node.attr}' is not allowed"
        elif not isinstance(node.ctx, ast.Load):
            # Context data is plain dicts/lists; attribute writes only target other objects.
            verb = 'deleting' if isinstance(node.ctx, ast.Del) else 'assigning'
            reason = f"{verb} attribute '{node.attr}' is not allowed"
        else:
            return super().visit_Attribute(node)
        self.visit(node.value)  # report inner violations first
        self.error(node, reason)
        return node

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in ('eval', 'exec'):
            self.check_name(node.func, node.func.id)  # avoid the base class's duplicate message
            return node
        return super().visit_Call(node)

    def _check_exponent(self, node, exp):
        try:
            value = ast.literal_eval(exp)  # accepts 2 and -2, nothing computed
        except Exception:  # malformed or non-literal node
            value = None
        if type(value) not in (int, float):
            self.error(node, "'**' with a non-constant exponent is not allowed")
        elif abs(value) > MAX_EXPONENT:
            self.error(node, f"exponent {value} is too large (max {MAX_EXPONENT})")

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Pow):
            self._check_exponent(node, node.right)
        node = self.node_contents_visit(node)
        symbol = self._GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        # Operators that can build huge values go through the runtime size guard.
        call = ast.Call(func=ast.Name('_binop_', ast.Load()),
                        args=[ast.Constant(symbol), node.left, node.right], keywords=[])
        copy_locations(call, node)
        return call

    def visit_Subscript(self, node):
        # l[:0] = l doubles a list in place, bypassing the '+' size guard.
        if isinstance(node.ctx, ast.Store) and isinstance(node.slice, ast.Slice):
            self.error(node, 'slice assignment is not allowed')
        return super().visit_Subscript(node)

    def visit_AugAssign(self, node):
        if isinstance(node.op, ast.Pow):
            self._check_exponent(node, node.value)
        return super().visit_AugAssign(node)  # becomes _inplacevar_(), size-guarded too

    def visit_FormattedValue(self, node):
        # f'{x:>1000000000}' would allocate a huge string; computed specs can't be checked.
        spec = node.format_spec
        if spec is not None:
            if not all(isinstance(v, ast.Constant) for v in spec.values):
                self.error(node, 'computed format specs are not allowed')
            elif any(int(n) > MAX_LEN
                     for n in re.findall(r'\d+', ''.join(v.value for v in spec.values))):
                self.error(node, f'format width over {MAX_LEN} is not allowed')
        return self.node_contents_visit(node)


@functools.lru_cache(maxsize=4096)
def _compile(kind: str, source: str) -> tuple[Any, str | None]:
    """Compile once per (kind, source); refusals are cached as their reason."""
    compiler = compile_restricted_eval if kind == 'eval' else compile_restricted_exec
    result = compiler(source, filename=f'<{kind}>', policy=_Policy)
    if not result.errors:
        return result.code, None
    multiline = '\n' in source.strip()
    reasons = []
    for error in result.errors:
        match = re.match(r'Line (\w+): (.*)', error, re.S)
        line, msg = match.groups() if match else (None, error)
        text = f'{msg} (line {line})' if multiline and line not in (None, 'None') else msg
        if text not in reasons:
            reasons.append(text)
    return None, '; '.join(reasons)


# --- runtime guards ----------------------------------------------------------

def _too_big(what: str) -> SandboxError:
    return SandboxError(f'{what} exceeds the sandbox size limit')


def _check_decimal(value: Any) -> None:
    # int(Decimal('9e999999')) takes tens of seconds.
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() > 1300:
        raise _too_big('integer conversion of a huge Decimal')


_SEQ = (str, bytes, list, tuple)
_OP_NAMES = {'+': 'add', '-': 'sub', '*': 'mul', '/': 'truediv', '//': 'floordiv', '%': 'mod',
             '**': 'pow', '<<': 'lshift', '>>': 'rshift', '|': 'or', '^': 'xor', '&': 'and'}
_OPS = {op: getattr(operator, name + '_' if name in ('and', 'or') else name)
        for op, name in _OP_NAMES.items()}
_IOPS = {op + '=': getattr(operator, 'i' + name) for op, name in _OP_NAMES.items()}
_PERCENT_SPEC = re.compile(r'%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?')


def _check_operands(op: str, a: Any, b: Any) -> None:
    if op == '+':
        if isinstance(a, _SEQ) and isinstance(b, _SEQ) and len(a) + len(b) > MAX_LEN:
            raise _too_big("'+' result")
    elif op == '*':
        if isinstance(a, int) and isinstance(b, int):
            if a.bit_length() + b.bit_length() > MAX_INT_BITS:
                raise _too_big("'*' result")
        elif (isinstance(a, _SEQ) and isinstance(b, int) and len(a) * b > MAX_LEN) or \
                (isinstance(b, _SEQ) and isinstance(a, int) and len(b) * a > MAX_LEN):
            raise _too_big('repeated sequence')
    elif op == '<<':
        if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b > MAX_INT_BITS:
            raise _too_big("'<<' result")
    elif op == '**':
        if isinstance(a, int) and isinstance(b, int) and a.bit_length() * b > MAX_INT_BITS:
            raise _too_big("'**' result")
    elif op == '%' and isinstance(a, (str, bytes)):
        fmt = a if isinstance(a, str) else a.decode('latin-1')
        for width in (w for spec in _PERCENT_SPEC.findall(fmt) for w in spec if w):
            if width == '*' or int(width) > MAX_LEN:
                raise _too_big('% formatting width')
        for arg in (b.values() if isinstance(b, dict) else b if isinstance(b, tuple) else (b,)):
            _check_decimal(arg)


def _binop(op: str, a: Any, b: Any) -> Any:
    _check_operands(op, a, b)
    return _OPS[op](a, b)


def _inplacevar(op: str, a: Any, b: Any) -> Any:
    _check_operands(op[:-1], a, b)
    return _IOPS[op](a, b)


_GROWING = frozenset({'center', 'ljust', 'rjust', 'zfill', 'expandtabs', 'join', 'replace',
                      'translate', 'extend'})


def _growth_size(name: str, target: Any, args: list) -> int:
    """Upper bound of the size of target.<name>(*args); args[0] may be materialised."""
    if name in ('join', 'extend'):
        args[0] = parts = list(args[0])
        if name == 'extend':
            return len(target) + len(parts)
        return sum(len(p) for p in parts if isinstance(p, (str, bytes))) + len(target) * len(parts)
    if name in ('center', 'ljust', 'rjust', 'zfill'):
        return args[0] if isinstance(args[0], int) else 0
    if name == 'expandtabs':
        tab = '\t' if isinstance(target, str) else b'\t'
        size = args[0] if args and isinstance(args[0], int) else 8
        return len(target) + target.count(tab) * max(size, 0)
    if name == 'replace' and len(args) >= 2 and isinstance(args[0], type(target)):
        old, new = args[0], args[1]
        hits = target.count(old) if old else len(target) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            hits = min(hits, args[2])
        return len(target) + hits * max(len(new) - len(old), 0)
    if name == 'translate' and isinstance(target, str) and isinstance(args[0], dict):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        return len(target) * longest
    return 0


def _growth_guard(obj: Any, name: str, method: Callable) -> Callable:
    unbound = isinstance(obj, type)  # str.join(sep, parts) must be checked too

    def guarded(*args: Any, **kwargs: Any) -> Any:
        args = list(args)
        target = args.pop(0) if unbound and args else obj
        if args and _growth_size(name, target, args) > MAX_LEN:
            raise _too_big(f'result of {name}()')
        return method(target, *args, **kwargs) if unbound else method(*args, **kwargs)
    return guarded


def _getattr(obj: Any, name: str) -> Any:
    if name.startswith('_') or name in FORBIDDEN_ATTRS:
        raise SandboxViolation(f"attribute '{name}' is not allowed")
    value = safer_getattr_raise(obj, name)  # RestrictedPython's checks as a second layer
    if name in _GROWING and (isinstance(obj, (str, bytes, list))
                             or obj is str or obj is bytes or obj is list):
        return _growth_guard(obj, name, value)
    return value


def _make_getiter(max_steps: int, deadline: float, seconds: float) -> Callable:
    steps = 0

    def getiter(ob: Any) -> Any:
        it = iter(ob)

        def counted() -> Any:
            nonlocal steps
            for item in it:
                steps += 1
                if steps > max_steps:
                    raise SandboxError(f'step budget exceeded ({max_steps} loop iterations)')
                if time.monotonic() > deadline:  # ends a slow loop before the helper is killed
                    raise SandboxError(f'time limit of {seconds:g} s exceeded')
                yield item
        return counted()
    return getiter


# --- builtins ----------------------------------------------------------------

def _range(*args: int) -> range:
    r = range(*args)
    try:
        n = len(r)
    except OverflowError:
        n = MAX_RANGE + 1
    if n > MAX_RANGE:
        raise SandboxError(f'range over {MAX_RANGE} elements is not allowed')
    return r


def _sum(iterable: Any, start: Any = 0) -> Any:
    # sum(lists, []) concatenates without passing through the '+' guard.
    if isinstance(start, _SEQ):
        raise SandboxError('sum() of sequences is not allowed')
    return sum(iterable, start)


def _decimal_checked(fn: Callable) -> Callable:
    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_decimal(args[0] if args else None)
        return fn(*args, **kwargs)
    return checked


_NUMBER = r'(\d+(?:[.,]\d+)?)'
_DURATION = re.compile(r'P(?:{0}Y)?(?:{0}M)?(?:{0}W)?(?:{0}D)?(?:T(?:{0}H)?(?:{0}M)?(?:{0}S)?)?'
                       .format(_NUMBER))


def parse_duration(text: str) -> timedelta:
    """ISO 8601 duration (PnW, PnDTnHnMnS) -> timedelta. Months/years have no fixed length."""
    match = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match or not any(match.groups()) or text.strip().endswith('T'):
        raise ValueError(f'invalid ISO 8601 duration: {text!r}')
    years, months, weeks, days, hours, minutes, seconds = (
        float(g.replace(',', '.')) if g else 0.0 for g in match.groups())
    if years or months:
        raise ValueError(f'durations in years or months are not supported: {text!r}')
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def parse_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)


# The engine's "now" for the code running here: a helper binds the one the engine sends with each
# request (engine.clock stays in the engine, with the SpiffWorkflow it patches: a helper starts
# without importing SpiffWorkflow, 40% faster).
_engine_now: contextvars.ContextVar[datetime | None] = contextvars.ContextVar('diagram_now', default=None)


@contextmanager
def engine_time(now: datetime) -> Iterator[None]:
    token = _engine_now.set(now)
    try:
        yield
    finally:
        _engine_now.reset(token)


def engine_now() -> datetime:
    """The engine's now, timezone-aware (the host's only when nothing is bound)."""
    return _engine_now.get() or datetime.now(timezone.utc)


class DiagramDatetime(datetime):
    """``datetime`` as diagram code sees it: ``now()`` is the engine's clock, never the host's."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        current = engine_now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


_SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in (
    'abs', 'all', 'any', 'bool', 'dict', 'enumerate', 'float', 'len', 'list', 'max', 'min',
    'set', 'sorted', 'str', 'tuple', 'zip', 'None', 'True', 'False')}
_int = _decimal_checked(int)
_REAL_TYPES = {_int: int, _range: range}  # so isinstance(x, int) sees through the wrappers


def _isinstance(obj: Any, classinfo: Any) -> bool:
    if isinstance(classinfo, tuple):
        return isinstance(obj, tuple(_REAL_TYPES.get(c, c) for c in classinfo))
    return isinstance(obj, _REAL_TYPES.get(classinfo, classinfo))


def _internal_import(name: str, *args: Any, **kwargs: Any) -> Any:
    # C code such as datetime.now()/strptime imports through the frame's builtins;
    # diagram code itself can never name __import__.
    if name not in ('time', '_strptime'):
        raise ImportError(f'import of {name!r} is not allowed')
    return builtins.__import__(name, *args, **kwargs)


_REAL_TYPES[DiagramDatetime] = datetime
_SAFE_BUILTINS.update(range=_range, sum=_sum, int=_int, isinstance=_isinstance,
                      __import__=_internal_import,
                      round=_decimal_checked(round), datetime=DiagramDatetime, date=date,
                      timedelta=timedelta, timezone=timezone, parse_datetime=parse_datetime,
                      parse_duration=parse_duration)
_GUARDS = {
    '_getattr_': _getattr, '_getitem_': default_guarded_getitem, '_write_': full_write_guard,
    '_iter_unpack_sequence_': guarded_iter_unpack_sequence,
    '_unpack_sequence_': guarded_unpack_sequence, '_inplacevar_': _inplacevar,
    '_binop_': _binop, '_apply_': lambda f, *a, **kw: f(*a, **kw)}
# Only these are written back from scripts: what the workflow serializer can store.
PLAIN = (type(None), bool, int, float, str, bytes, list, tuple, dict, set, frozenset,
         datetime, date, dtime, timedelta, Decimal)


def compiled(kind: str, source: Any) -> Any:
    """The restricted code object of an 'eval' or 'exec' source; SandboxViolation if refused."""
    if not isinstance(source, str):
        raise SandboxViolation(f'source must be a string, not {type(source).__name__}')
    code, reason = _compile(kind, source.strip() if kind == 'eval' else source)
    if reason is not None:
        raise SandboxViolation(reason)
    return code


def builtins_with(functions: Mapping[str, Callable]) -> dict[str, Any]:
    """The builtins diagram code sees: the safe ones plus the registered functions."""
    return {**_SAFE_BUILTINS, **functions}


def run_here(kind: str, source: str, namespace: dict[str, Any], builtins_: dict[str, Any],
             max_steps: int, seconds: float) -> Any:
    """Run diagram code in this process, bounded only by the guards above. The engine never calls
    this directly: it runs in a sandbox helper process under OS limits (engine.sandbox_helper)."""
    code = compiled(kind, source)
    namespace.update({'__builtins__': builtins_, **_GUARDS})  # after the context: no key replaces a guard
    namespace['_getiter_'] = _make_getiter(max_steps, time.monotonic() + seconds, seconds)
    try:
        return eval(code, namespace)  # noqa: S307 - restricted code object
    except (SandboxViolation, SandboxError, MemoryError):
        raise  # MemoryError: the helper reports the memory limit and is replaced
    except Exception as exc:
        raise SandboxError(f'{type(exc).__name__}: {exc}') from exc
