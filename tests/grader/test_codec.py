"""The plain-data codec between grader and student process."""

import json

import numpy as np
import pytest

from grader.sandbox import codec


def roundtrip(value):
    return codec.decode(codec.loads(codec.dumps(codec.encode(value))))


@pytest.mark.parametrize("value", [
    None, True, 3, -2**70, 1.5, float("inf"), "text", [1, [2.0]], (1, "a"), {"k": [1, 2]}, 1 + 2j, Ellipsis,
])
def test_plain_values_roundtrip(value):
    """Do plain Python values cross the boundary unchanged, with their exact types?"""
    back = roundtrip(value)
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize("dtype", ["f8", "f4", "i8", "i1", "u2", "?", "c16", ">f8"])
def test_arrays_roundtrip_with_shape_and_dtype(dtype):
    """Do numeric arrays keep values, shape and dtype (byte order normalised)?"""
    array = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    back = roundtrip(array)
    assert type(back) is np.ndarray and back.shape == (3, 4)
    assert back.dtype == array.dtype.newbyteorder("=") and np.array_equal(back, array)
    scalar = roundtrip(np.float64(2.5))
    assert type(scalar) is np.float64 and scalar == 2.5


class Sneaky(np.ndarray):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value", [
    object(), {1: 2}, np.array(["a"]), np.array([object()]), lambda: 0, type("F", (float,), {})(1.0),
])
def test_unreadable_values_are_refused(value):
    """Are objects, non-numeric arrays and subclasses of plain types refused?"""
    with pytest.raises(codec.CodecError):
        codec.encode(value)


def test_ndarray_subclass_arrives_as_a_plain_array():
    """Does an ndarray subclass with a lying __eq__ arrive as a plain ndarray?"""
    back = roundtrip(np.zeros(3).view(Sneaky))
    assert type(back) is np.ndarray and not (back == np.ones(3)).all()


@pytest.mark.parametrize("data", [
    {"__ndarray__": {"dtype": "|O", "shape": [1], "data": ""}},
    {"__ndarray__": {"dtype": "<f8", "shape": [2], "data": "AAAA"}},
    {"__ndarray__": {"dtype": "<f8", "shape": [-1], "data": ""}},
    {"__unknown__": 1},
    {"a": 1, "b": 2},
    {"__alias__": [0]},
])
def test_malformed_messages_are_refused(data):
    """Does decoding refuse forged or malformed data instead of building objects?"""
    with pytest.raises(codec.CodecError):
        codec.decode(json.loads(json.dumps(data)))


def test_depth_is_bounded():
    """Is a deeply nested value refused rather than exhausting the stack?"""
    value = []
    for _ in range(100):
        value = [value]
    with pytest.raises(codec.CodecError):
        codec.encode(value)


def test_strings_pass_through_the_text_hook():
    """Is every decoded string, dict keys included, given to the caller's text hook (how the grader cleans them)?"""
    data = codec.encode({"k\u2028": ["a\ud800", ("b",)]})
    back = codec.decode(json.loads(json.dumps(data)), text=lambda s: s.encode("utf-8", "replace").decode())
    assert back == {"k\u2028": ["a?", ("b",)]}


@pytest.mark.parametrize("value", [
    [[]] * (codec.MAX_NODES + 1),
    {"__tuple__": [0] * (codec.MAX_NODES + 1)},
    {"__dict__": [[f"k{i}", i] for i in range(codec.MAX_NODES // 2 + 1)]},
])
def test_too_many_values_are_refused(value):
    """Is a message with more values than decoding may take refused, whatever their nesting?"""
    with pytest.raises(codec.CodecError, match="parts"):
        codec.decode(json.loads(json.dumps(value)))


def test_the_largest_reply_decodes_quickly():
    """How long do the worst replies under the size limit take to read (printed; the node limit bounds them)?"""
    import time

    from grader.sandbox import Limits

    budget = Limits().reply_kb * 1024
    shapes = {"empty lists": b"[" + b"[]," * (budget // 3 - 1) + b"[]]",
              "floats": b"[" + b"0.5," * (budget // 4 - 2) + b"0.5]",
              "one array": codec.dumps(codec.encode(np.zeros(budget * 3 // 32 - 16)))}
    for name, raw in shapes.items():
        assert len(raw) <= budget
        started = time.perf_counter()
        try:
            codec.decode(codec.loads(raw))
        except codec.CodecError:
            pass
        print(f"decoding {len(raw)} bytes of {name}: {time.perf_counter() - started:.3f} s")


def test_a_call_sends_back_exactly_the_arguments_it_changed():
    """Does the student process send back the arguments a call changed in place (sign of a zero, an int made a
    float, a reshape included), none it left alone, and does the grader then mirror every change?"""
    from grader import grading
    from grader.sandbox import worker
    from grader.session import decode_value

    namespace = {}
    exec("def f(a, b, items, d, e):\n    a[0] = -0.0\n    items[0] = 1.0\n    d.shape = (2, 1)\n    return b.sum()",
         namespace)
    args = [np.zeros(2), np.ones(3), [1, 2.0], np.arange(2.0), None]
    sent = json.loads(codec.dumps([codec.encode(arg) for arg in args]))
    reply = json.loads(codec.dumps(worker.call(namespace, "f", sent)))
    assert reply["ok"] and [after is None for after in reply["args_after"]] == [False, True, False, False, True]
    for original, after in zip(args, reply["args_after"]):
        grading._copy_back(original, decode_value(after))
    expected = [np.zeros(2), np.ones(3), [1, 2.0], np.arange(2.0), None]
    namespace["f"](*expected)
    assert np.signbit(args[0][0]) and type(args[2][0]) is float and args[3].shape == (2, 1)
    assert codec.dumps([codec.encode(arg) for arg in args]) == codec.dumps([codec.encode(arg) for arg in expected])


def _random_value(rng, depth=0):
    """A random plain value of the kinds that cross the boundary, with near-twins (1, 1.0, True, -0.0)."""
    kinds = ["none", "bool", "int", "float", "text", "array"] + (["list", "tuple", "dict"] if depth < 3 else [])
    kind = kinds[rng.integers(len(kinds))]
    if kind == "none":
        return None
    if kind == "bool":
        return bool(rng.integers(2))
    if kind == "int":
        return int(rng.integers(-2, 3))
    if kind == "float":
        return float(rng.choice([0.0, -0.0, 1.0, -1.0, 2.5, np.inf, np.nan]))
    if kind == "text":
        return str(rng.choice(["", "a", "1"]))
    if kind == "array":
        dtype = str(rng.choice(["f8", "f4", "i8", "?"]))
        return (rng.integers(-1, 2, size=tuple(rng.integers(0, 3, size=rng.integers(0, 3)))) * 1.0).astype(dtype)
    items = [_random_value(rng, depth + 1) for _ in range(rng.integers(0, 3))]
    if kind == "list":
        return items
    if kind == "tuple":
        return tuple(items)
    return {str(rng.choice(["a", "b", "c"])): item for item in items}


def test_identical_agrees_with_comparing_the_json_texts():
    """Does codec.identical, which the worker uses to find changed arguments, say what comparing the two
    values' JSON texts says, on random pairs of encoded values that are often equal or nearly so?"""
    rng = np.random.default_rng(7)
    agreed = same = 0
    for _ in range(3000):
        first = codec.encode(_random_value(rng))
        second = codec.encode(_random_value(rng)) if rng.integers(3) else json.loads(codec.dumps(first))
        expected = codec.dumps(first) == codec.dumps(second)
        assert codec.identical(first, second) == expected, (first, second)
        assert codec.identical(first, json.loads(codec.dumps(first)))
        agreed, same = agreed + 1, same + expected
    assert same > agreed / 4  # the pairs test sameness often, not only differences
