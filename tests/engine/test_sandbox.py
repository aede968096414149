import time
from datetime import timedelta
from decimal import Decimal

import pytest

from engine.sandbox import Sandbox, SandboxError, SandboxViolation


@pytest.fixture
def sandbox():
    return Sandbox()


REFUSED = [
    ("__import__('os')", "name '__import__' is not allowed"),
    ("import os", "import is not allowed"),
    ("from os import path", "import is not allowed"),
    ("().__class__.__base__.__subclasses__()", "attribute '__class__' is not allowed"),
    ("getattr(x, '__class__')", "name 'getattr' is not allowed"),
    ("'{0.__class__}'.format(x)", "attribute 'format' is not allowed"),
    ("'{0}'.format_map(d)", "attribute 'format_map' is not allowed"),
    ("open('/etc/passwd')", "name 'open' is not allowed"),
    ("eval('1')", "name 'eval' is not allowed"),
    ("exec('x=1')", "name 'exec' is not allowed"),
    ("while True: pass", "while loops are not allowed"),
    ("lambda: 1", "lambda is not allowed"),
    ("def f(): pass", "function definitions (def) are not allowed"),
    ("class A: pass", "class definitions are not allowed"),
    ("x.__dict__", "attribute '__dict__' is not allowed"),
    ("[c for c in ().__class__.__mro__]", "attribute '__mro__' is not allowed"),
    ("x.mro()", "attribute 'mro' is not allowed"),
    ("g.gi_frame", "attribute 'gi_frame' is not allowed"),
    ("globals()", "name 'globals' is not allowed"),
    ("type(x)", "name 'type' is not allowed"),
    ("print(1)", "name 'print' is not allowed"),
    ("2 ** n", "'**' with a non-constant exponent is not allowed"),
    ("2 ** 101", "exponent 101 is too large"),
    ("try:\n    x = 1\nexcept Exception:\n    pass", "try is not allowed"),
    ("raise ValueError('x')", "raise is not allowed"),
    ("with x:\n    pass", "with is not allowed"),
    ("global x", "global is not allowed"),
    ("del x.y", "deleting attribute 'y' is not allowed"),
    ("f'{x:{width}}'", "computed format specs are not allowed"),
    ("d[:0] = d", "slice assignment is not allowed"),
]


@pytest.mark.parametrize('source, reason', REFUSED)
def test_refused_at_check_time(sandbox, source, reason):
    with pytest.raises(SandboxViolation) as info:
        sandbox.check_script(source)
    assert reason in info.value.reason


@pytest.mark.parametrize('source, reason', REFUSED)
def test_refused_at_run_time_too(sandbox, source, reason):
    context = {'x': 1, 'd': {}, 'n': 3, 'g': None}
    with pytest.raises(SandboxViolation) as info:
        sandbox.execute(source, context)
    assert reason in info.value.reason
    assert context == {'x': 1, 'd': {}, 'n': 3, 'g': None}


@pytest.mark.parametrize('source', ["__import__('os')", "().__class__", "open('f')", "type(x)"])
def test_expressions_refused_by_evaluate(sandbox, source):
    with pytest.raises(SandboxViolation):
        sandbox.check_expression(source)
    with pytest.raises(SandboxViolation):
        sandbox.evaluate(source, {'x': 1})


def test_statement_is_not_an_expression(sandbox):
    with pytest.raises(SandboxViolation, match='SyntaxError'):
        sandbox.check_expression('x = 1')


def test_multiline_reason_names_the_line(sandbox):
    with pytest.raises(SandboxViolation, match=r"attribute '__class__' is not allowed \(line 2\)"):
        sandbox.check_script('y = 1\nz = y.__class__')


def test_step_budget_stops_nested_loops_quickly(sandbox):
    start = time.perf_counter()
    with pytest.raises(SandboxError, match='step budget exceeded'):
        sandbox.evaluate('[i for i in range(100000) for j in range(100000)]', {})
    assert time.perf_counter() - start < 0.5


def test_step_budget_is_configurable():
    small = Sandbox(max_steps=10)
    assert small.evaluate('sum(i for i in range(10))', {}) == 45
    with pytest.raises(SandboxError, match='step budget exceeded'):
        small.execute('t = 0\nfor i in range(11):\n    t = t + i', {})


@pytest.mark.parametrize('source', [
    "'a' * 10**9", "[0] * 10**9", "10**9 * 'a'", "1 << 10**6", "(10**100) ** 100",
    "'x'.center(10**9)", "str.ljust('x', 10**9)", "'%*d' % (10**9, 1)", "'%999999999d' % 1",
    "range(10**6)", "sum([[1]] * 3, [])", "int(huge)",
])
def test_size_bombs_raise(sandbox, source):
    with pytest.raises(SandboxError):
        sandbox.evaluate(source, {'huge': Decimal('9e999999')})


@pytest.mark.parametrize('script', [
    "s = 'ab'\nfor i in range(40):\n    s = s + s",
    "s = [1]\nfor i in range(40):\n    s += s",
    "s = [1]\nfor i in range(40):\n    s.extend(s)",
    "s = 'a' * 1000\nfor i in range(40):\n    s = '-'.join([s, s])",
    "s = 'a' * 1000\nfor i in range(40):\n    s = s.replace('a', 'aa')",
])
def test_doubling_in_loops_is_stopped(sandbox, script):
    with pytest.raises(SandboxError, match='size limit'):
        sandbox.execute(script, {})


def test_condition_over_context(sandbox):
    source = "approved == True and urgency in ('khan', 'hoa_toc')"
    assert sandbox.evaluate(source, {'approved': True, 'urgency': 'khan'}) is True
    assert sandbox.evaluate(source, {'approved': True, 'urgency': 'thuong'}) is False


def test_date_arithmetic(sandbox):
    result = sandbox.evaluate("(parse_datetime(received) + timedelta(days=3)).isoformat()",
                              {'received': '2024-05-01T08:00:00+07:00'})
    assert result == '2024-05-04T08:00:00+07:00'


def test_datetime_helpers_that_import_internally(sandbox):
    # datetime.now()/strptime import modules from C; only those imports are let through.
    assert sandbox.evaluate('datetime.now(timezone.utc).year >= 2024', {}) is True
    assert sandbox.evaluate("datetime.strptime('02/01/2024', '%d/%m/%Y').month", {}) == 1


@pytest.mark.parametrize('text, expected', [
    ('P2DT4H', timedelta(days=2, hours=4)), ('P1W', timedelta(weeks=1)),
    ('PT30M', timedelta(minutes=30)), ('PT1.5H', timedelta(minutes=90)),
    ('P1DT2H3M4S', timedelta(days=1, hours=2, minutes=3, seconds=4)),
])
def test_parse_duration(sandbox, text, expected):
    assert sandbox.evaluate(f'parse_duration({text!r})', {}) == expected


@pytest.mark.parametrize('text, reason', [
    ('P1M', 'years or months'), ('P1Y', 'years or months'),
    ('PT', 'invalid'), ('3 days', 'invalid'),
])
def test_parse_duration_refuses(sandbox, text, reason):
    with pytest.raises(SandboxError, match=reason):
        sandbox.evaluate(f'parse_duration({text!r})', {})


def test_registered_helper():
    sandbox = Sandbox({'plus_days': lambda d, n: d + timedelta(days=n)})
    sandbox.register('scale', lambda x, factor=2: x * factor)
    assert sandbox.evaluate('scale(plus_days(date(2024, 1, 1), 3).day, factor=3)', {}) == 12


@pytest.mark.parametrize('name', ['_hidden', 'open', 'not an identifier', 'for'])
def test_register_refuses_bad_names(sandbox, name):
    with pytest.raises(ValueError):
        sandbox.register(name, len)


def test_script_writes_back_plain_data_only():
    sandbox = Sandbox({'helper': len})
    context = {'items': [1, 2, 3]}
    sandbox.execute('total = sum(items)\nflag = total > 3\nfn = helper\nd = date(2024, 1, 1)',
                    context)
    assert context == {'items': [1, 2, 3], 'total': 6, 'flag': True,
                       'd': sandbox.evaluate('date(2024, 1, 1)', {})}
    assert not any(callable(v) for v in context.values())


def test_script_mutations_and_del(sandbox):
    context = {'lst': [1], 'data': {'k': 1}, 'tmp': 0}
    sandbox.execute("lst.append(2)\ndata['k'] = data.get('k', 0) + 1\ndel tmp", context)
    assert context == {'lst': [1, 2], 'data': {'k': 2}}


def test_plain_data_access(sandbox):
    context = {'data': {'k': 5}, 'name': 'abc'}
    assert sandbox.evaluate("data.get('k', 1)", context) == 5
    assert sandbox.evaluate("data.get('missing', 1)", context) == 1
    assert sandbox.evaluate("data['k'] * 2", context) == 10
    assert sandbox.evaluate("name.upper() + '%s' % 1", context) == 'ABC1'
    assert sandbox.evaluate("[k for k, v in data.items()]", context) == ['k']
    assert sandbox.evaluate("f'{name:>5}'", context) == '  abc'


@pytest.mark.parametrize('source, error', [
    ('missing + 1', "NameError: name 'missing' is not defined"),
    ('1 / 0', 'ZeroDivisionError'), ("'a' + 1", 'TypeError'), ("data['nope']", 'KeyError'),
])
def test_runtime_errors_become_sandbox_errors(sandbox, source, error):
    with pytest.raises(SandboxError) as info:
        sandbox.evaluate(source, {'data': {}})
    assert error in info.value.reason


def test_isinstance_sees_through_wrapped_builtins(sandbox):
    source = 'isinstance(n, int) and isinstance(r, (range, str)) and not isinstance(s, int)'
    assert sandbox.evaluate(source, {'n': 3, 'r': range(2), 's': 'x'}) is True


def test_writes_only_to_dicts_and_lists(sandbox):
    with pytest.raises(SandboxError):
        sandbox.execute("t[0] = 1", {'t': (1, 2)})


def test_context_cannot_replace_guards(sandbox):
    # A hostile context key must not swap out a guard.
    assert sandbox.evaluate('x.upper()', {'x': 'a', '_getattr_': getattr}) == 'A'


def test_compiled_code_is_cached(sandbox):
    from engine.sandbox import _compile
    sandbox.evaluate("urgency == 'khan'", {'urgency': 'khan'})
    hits = _compile.cache_info().hits
    sandbox.evaluate("urgency == 'khan'", {'urgency': 'khan'})
    assert _compile.cache_info().hits == hits + 1
