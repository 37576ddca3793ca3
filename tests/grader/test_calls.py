"""Calls into the student process made together (Session.call_each, StudentFunction.each) against the same
calls made one by one: same values, same in-place changes, same errors, and the process state a loop of
single calls would leave; and calls a process already answered, which are not made again.
"""

import numpy as np
import pytest

from grader.grading import StudentFunction
from grader.sandbox import Limits
from grader.session import Session, StudentCodeError

CELLS = [
    '''
import time
import numpy as np
log = []

def mixed(x, scale):
    """Depends on its inputs only; changes x in place when scale is negative; may return x itself."""
    log.append(scale)
    if scale < 0:
        x *= scale
        return x
    if scale == 0:
        return [x.sum(), (x.shape, "zero")]
    return np.tanh(x) * scale

def fails_at(k):
    log.append(k)
    if k == 3:
        raise ValueError(f"no {k}")
    return k * k

def hangs_at(k):
    log.append(k)
    while k == 2:
        time.sleep(0.01)
    return k
''',
]


def started_session():
    session = Session(CELLS, Limits(call_seconds=1, case_seconds=30, total_seconds=300))
    session.execute()
    assert session.process is not None and session.process.alive(), session.problem
    return session


@pytest.fixture(scope="module")
def session():
    session = started_session()
    yield session
    session.close()


@pytest.fixture(scope="module")
def other_session():
    """A second process of the same notebook: its calls are made, never answered from the first one's."""
    session = started_session()
    yield session
    session.close()


def logged(session):
    kind, value = session.lookup(["log"])["log"]
    assert kind == "value"
    return value


def random_calls(rng, count):
    calls = []
    for _ in range(count):
        shape = tuple(int(size) for size in rng.integers(1, 5, size=rng.integers(1, 3)))
        calls.append((rng.normal(size=shape), float(rng.choice([-2.0, 0.0, 0.5, 3.0]))))
    return calls


def copies(calls):
    return [(x.copy(), scale) for x, scale in calls]


def same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("seed", range(5))
def test_calls_made_together_return_and_change_what_single_calls_do(session, other_session, seed):
    """On random inputs, each() gives the values and leaves the arguments as calls one by one do."""
    rng = np.random.default_rng(seed)
    calls = random_calls(rng, int(rng.integers(1, 12)))
    one_by_one, together = copies(calls), copies(calls)
    start = len(logged(session))
    expected = [StudentFunction(other_session, "mixed")(*args) for args in one_by_one]
    got = list(StudentFunction(session, "mixed").each(together))
    assert len(logged(session)) - start == len(calls)  # every call made, none answered from memory
    assert len(got) == len(expected)
    for value, wanted, (x, _), (x_single, _) in zip(got, expected, together, one_by_one):
        assert same(value, wanted)
        assert np.array_equal(x, x_single)  # in-place changes reach each call's own argument
        if isinstance(wanted, np.ndarray) and wanted is x_single:
            assert value is x  # a returned argument comes back as that argument


def test_no_call_runs_after_one_that_raised(session):
    """A loop of single calls stops at the first error; so do calls made together."""
    start = len(logged(session))
    values = StudentFunction(session, "fails_at").each([(k,) for k in range(8)])
    assert [next(values) for _ in range(3)] == [0, 1, 4]
    with pytest.raises(StudentCodeError) as raised:
        next(values)
    assert raised.value.type_name == "ValueError" and raised.value.message == "no 3"
    assert logged(session)[start:] == [0, 1, 2, 3]


def test_calls_left_unread_never_answer_a_later_message(session):
    """A check that fails on the first result leaves the other calls running: their replies are dropped."""
    values = StudentFunction(session, "mixed").each([(np.ones(2), 3.0)] * 6)
    first = next(values)
    assert np.allclose(first, np.tanh(np.ones(2)) * 3)
    del values
    assert StudentFunction(session, "fails_at")(5) == 25
    assert logged(session)[-7:] == [3.0] * 6 + [5]


def test_a_call_that_overruns_among_others_is_stopped_and_the_rest_never_run(session):
    """The call over its limit is interrupted, as a single call would be; the process lives on."""
    start = len(logged(session))
    values = StudentFunction(session, "hangs_at").each([(k,) for k in range(5)])
    assert [next(values), next(values)] == [0, 1]
    with pytest.raises(StudentCodeError) as raised:
        next(values)
    assert raised.value.type_name == "TimeLimit"
    assert session.process.alive()
    assert StudentFunction(session, "hangs_at")(7) == 7
    assert logged(session)[start:] == [0, 1, 2, 7]


def test_a_call_already_answered_is_not_made_again(session):
    """Does a call the same process already returned from (same function, same arguments) get its reply again
    without running, as fresh objects with the same in-place changes, while a call that raised runs again and
    a restarted process runs everything anew?"""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 3))
    mixed = StudentFunction(session, "mixed")
    start = len(logged(session))
    first_x, again_x = x.copy(), x.copy()
    first, again = mixed(first_x, -2.0), mixed(again_x, -2.0)  # doubles its argument in place, returns it
    assert first is first_x and again is again_x and np.array_equal(again_x, x * -2.0)
    together = list(mixed.each([(x.copy(), 0.5), (x.copy(), 3.0), (x.copy(), 0.5)]))
    assert logged(session)[start:] == [-2.0, 0.5, 3.0, 0.5]  # a repeat within one message still runs
    values = [mixed(x.copy(), 0.5), mixed(x.copy(), 3.0)]
    assert all(np.array_equal(value, wanted) for value, wanted in zip(values, together[:2]))
    assert values[0] is not together[0]  # decoded afresh: a check that changes one value changes no other
    fails = StudentFunction(session, "fails_at")
    for _ in range(2):
        with pytest.raises(StudentCodeError):
            fails(3)
    assert logged(session)[start + 4:] == [3, 3]
    session.process.kill()
    assert mixed(x.copy(), 3.0) is not None and logged(session)[-1:] == [3.0]  # a new process: made again
