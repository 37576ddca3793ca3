"""Plain-data codec between the grader and the student process.

Everything that crosses the process boundary is JSON with a few tagged forms, decoded
without pickle into plain Python and numpy values: nothing the student process sends
can carry code or a class of its own. This module's source is also sent into the
student process, so it must import nothing but the standard library and numpy.
"""

import base64
import json
import math

import numpy as np

# Only numeric and boolean arrays cross the boundary (no object, string or void dtypes).
ALLOWED_DTYPES = frozenset(
    np.dtype(code).str
    for code in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16")
)
MAX_DEPTH = 32
# Values in one message: plenty for any answer here, and few enough to decode in milliseconds.
MAX_NODES = 20000


class CodecError(ValueError):
    """A value that cannot cross the process boundary."""


def describe_type(value):
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def encode(value, depth=0):
    """Turn a value into JSON-ready plain data; raise CodecError for anything else."""
    if depth > MAX_DEPTH:
        raise CodecError("the value is nested too deeply")
    # Exact type checks: a subclass could override behaviour the grader relies on.
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if kind is complex:
        return {"__complex__": [encode(value.real), encode(value.imag)]}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if kind is list:
        return [encode(v, depth + 1) for v in value]
    if kind is tuple:
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise CodecError("a dict with non-string keys")
        return {"__dict__": [[k, encode(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        array = np.asarray(value)
        dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
        if dtype.str not in ALLOWED_DTYPES:
            raise CodecError(f"an array of dtype {array.dtype}, which is not numeric")
        payload = {
            "dtype": dtype.str,
            "shape": list(array.shape),
            "data": base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode(),
        }
        return {"__scalar__" if isinstance(value, np.generic) else "__ndarray__": payload}
    raise CodecError(f"an object of type {describe_type(value)}")


def _decode_array(payload, max_bytes):
    if not isinstance(payload, dict) or set(payload) != {"dtype", "shape", "data"}:
        raise CodecError("malformed array")
    dtype, shape, data = payload["dtype"], payload["shape"], payload["data"]
    if dtype not in ALLOWED_DTYPES:
        raise CodecError(f"array dtype {dtype!r} is not allowed")
    if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
        raise CodecError("malformed array shape")
    if not isinstance(data, str) or len(data) > max_bytes * 4 // 3 + 4:
        raise CodecError("array too large")
    raw = base64.b64decode(data, validate=True)
    count = math.prod(shape)
    if len(raw) != count * np.dtype(dtype).itemsize:
        raise CodecError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.replace("<", "="), copy=True)


def decode(data, max_bytes=64 * 2**20, aliases=None, text=None, max_nodes=MAX_NODES):
    """Inverse of encode, validating every node; returns only plain values and numpy data.

    ``aliases`` resolves ``{"__alias__": path}`` nodes, which the student process sends for
    a returned array that shares memory with an argument: the caller gets its own argument
    object back, so identity and aliasing checks behave as in a direct call. ``text``, if
    given, is applied to every string (dict keys included): the grader makes student text
    safe there. At most ``max_nodes`` values are decoded, so decoding any message is fast.
    """
    budget = [max_nodes]

    def node(data, depth):
        if depth > MAX_DEPTH:
            raise CodecError("the value is nested too deeply")
        budget[0] -= 1
        if budget[0] < 0:
            raise CodecError(f"the value has more than {max_nodes} parts")
        kind = type(data)
        if kind is str:
            return text(data) if text is not None else data
        if data is None or kind in (bool, int, float):
            return data
        if kind is list:
            return [node(v, depth + 1) for v in data]
        if kind is not dict or len(data) != 1:
            raise CodecError("malformed value")
        (tag, payload), = data.items()
        if tag == "__float__" and payload in ("inf", "-inf", "nan"):
            return float(payload)
        if tag == "__complex__" and type(payload) is list and len(payload) == 2:
            re, im = (node(v, depth + 1) for v in payload)
            if type(re) is float and type(im) is float:
                return complex(re, im)
        if tag == "__ellipsis__":
            return Ellipsis
        if tag == "__tuple__" and type(payload) is list:
            return tuple(node(v, depth + 1) for v in payload)
        if tag == "__dict__" and type(payload) is list:
            items = {}
            for item in payload:
                if type(item) is not list or len(item) != 2 or type(item[0]) is not str:
                    raise CodecError("malformed dict")
                items[node(item[0], depth + 1)] = node(item[1], depth + 1)
            return items
        if tag == "__ndarray__":
            return _decode_array(payload, max_bytes)
        if tag == "__alias__" and aliases is not None and type(payload) is list:
            return aliases(payload)
        if tag == "__scalar__":
            array = _decode_array(payload, max_bytes)
            if array.shape != ():
                raise CodecError("malformed scalar")
            return array[()]
        raise CodecError(f"unknown tag {tag!r}")

    return node(data, 0)


def identical(first, second):
    """Are two encoded values the same, as their JSON texts would be? (No text is made: the worker asks
    this of every argument after every call. 1, 1.0 and True differ, and so do 0.0 and -0.0.)"""
    kind = type(first)
    if kind is not type(second):
        return False
    if kind is list:
        return len(first) == len(second) and all(map(identical, first, second))
    if kind is dict:
        return first.keys() == second.keys() and all(identical(value, second[key]) for key, value in first.items())
    if kind is float:
        return first == second and math.copysign(1.0, first) == math.copysign(1.0, second)
    return first == second


def dumps(message):
    return json.dumps(message, allow_nan=False, separators=(",", ":")).encode()


def loads(raw):
    return json.loads(raw.decode("utf-8"))
