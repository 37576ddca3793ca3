"""The student process: runs notebook cells with Jupyter semantics, then answers calls.

This file is sent as source text into a fresh ``python -I`` process (see the sandbox's __init__.py); it
never runs in the grader. It holds no secret: everything it learns arrives over the
protocol pipe as plain data, and it keeps none of it: once the notebook has run, no
variable of the worker still holds its cells or which cells were skipped (the grading
seed never comes here at all). Nothing it reports is trusted beyond being plain data.

Protocol (length-prefixed JSON, see Channel): the grader sends ``{"cells": [...],
"skip": [...]}``; the worker answers ``cell_start``/``cell_end`` events for each cell and
``ready`` at the end, then serves ``lookup`` and ``calls`` requests until EOF: a ``calls`` request
runs one function on several argument lists in turn, answering each call as it returns and
running none after one that raised.
"""

import builtins
import importlib.abc
import importlib.machinery
import os
import signal
import struct
import sys
import types
import warnings

import numpy as np

try:
    from . import codec
except ImportError:  # inside the student process the codec is loaded from source
    import sandbox_codec as codec

HEADER = struct.Struct(">I")
MAX_REQUEST_BYTES = 256 * 2**20
ERROR_TEXT_LIMIT = 2000

# Display-only libraries are replaced by inert stand-ins: plots cost time and are not
# graded, and Otter's own checks must not run (or read anything) inside the grade.
INERT_PACKAGES = ("otter", "matplotlib", "ipywidgets", "IPython", "seaborn", "tqdm")


class Inert:
    """Accepts any attribute access, call, item, iteration or context use, and does nothing."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __setitem__(self, key, value):
        pass

    def __iter__(self):
        return iter((self, self))  # enough for `fig, ax = plt.subplots()`

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return "<not available while grading>"


INERT = Inert()


class InertFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in INERT_PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__getattr__ = lambda name: INERT
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


class Channel:
    """Length-prefixed JSON messages over a pair of pipe file descriptors."""

    def __init__(self, read_fd, write_fd):
        self.read_fd, self.write_fd = read_fd, write_fd

    def _read_exactly(self, size):
        chunks = []
        while size:
            chunk = os.read(self.read_fd, min(size, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def receive(self):
        header = self._read_exactly(HEADER.size)
        if header is None:
            return None
        (size,) = HEADER.unpack(header)
        if size > MAX_REQUEST_BYTES:
            raise SystemExit("request too large")
        body = self._read_exactly(size)
        return None if body is None else codec.loads(body)

    def send(self, message):
        body = codec.dumps(message)
        data = HEADER.pack(len(body)) + body
        while data:
            data = data[os.write(self.write_fd, data):]


def describe_error(error):
    try:
        text = str(error)
    except BaseException:  # noqa: B036 - a student exception whose __str__ fails
        text = ""
    if len(text) > ERROR_TEXT_LIMIT:
        text = text[:ERROR_TEXT_LIMIT] + " ..."
    return {"type": type(error).__name__, "message": text}


class Interrupts:
    """SIGINT raises KeyboardInterrupt only while student code runs, never mid-message."""

    armed = False

    @classmethod
    def handle(cls, signum, frame):
        if cls.armed:
            raise KeyboardInterrupt


def flush_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: B036 - the notebook may have replaced or closed them
            pass


def no_input(prompt=""):
    raise EOFError("input() cannot be answered while grading: the notebook must run without typing anything")


def run_cell(source, index, namespace):
    try:
        try:
            code = compile(source, f"<cell {index + 1}>", "exec")
            Interrupts.armed = True
            exec(code, namespace)
        finally:
            Interrupts.armed = False
    except BaseException as error:  # Jupyter semantics: even SystemExit ends the cell only
        return describe_error(error)
    finally:
        flush_output()
    return None


def array_leaves(value, path):
    """(path, array) for every ndarray in an argument, one list level deep."""
    if isinstance(value, np.ndarray):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            if isinstance(item, np.ndarray):
                yield path + [position], item


def encode_result(value, args, depth=0):
    """Encode a returned value, marking arrays that share memory with an argument."""
    if isinstance(value, np.ndarray):
        for index, arg in enumerate(args):
            for path, leaf in array_leaves(arg, [index]):
                if leaf.shape == value.shape and np.shares_memory(leaf, value):
                    return {"__alias__": path}
        return codec.encode(value)
    if depth < codec.MAX_DEPTH and type(value) in (list, tuple):
        items = [encode_result(item, args, depth + 1) for item in value]
        return items if type(value) is list else {"__tuple__": items}
    return codec.encode(value, depth)


def lookup(namespace, names):
    found = {}
    for name in names:
        if name not in namespace:
            found[name] = {"kind": "missing"}
        elif callable(namespace[name]):
            found[name] = {"kind": "callable"}
        else:
            try:
                found[name] = {"kind": "value", "value": codec.encode(namespace[name])}
            except codec.CodecError:
                found[name] = {"kind": "unreadable", "type": codec.describe_type(namespace[name])}
    return {"names": found}


def call(namespace, name, encoded_args):
    function = namespace.get(name)
    if not callable(function):
        return {"ok": False, "error": {"type": "NameError", "message": f"{name} is not defined"}}
    args = [codec.decode(arg) for arg in encoded_args]
    try:
        try:
            # Floating-point trouble must surface as an error (the functions must not warn), whatever
            # np.seterr the notebook set globally.
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                with np.errstate(all="warn", under="ignore"):
                    Interrupts.armed = True
                    value = function(*args)
        finally:
            Interrupts.armed = False
        encoded = encode_result(value, args)
        # Only what the call changed goes back, for the grader to mirror (None: left as it came).
        args_after = [None if codec.identical(after, sent) else after
                      for after, sent in zip((codec.encode(arg) for arg in args), encoded_args)]
    except codec.CodecError as error:
        return {"ok": False, "error": {"type": "UnsupportedValue", "message": str(error)}}
    except BaseException as error:  # noqa: B036 - whatever the student code raised
        return {"ok": False, "error": describe_error(error)}
    finally:
        flush_output()
    return {"ok": True, "value": encoded, "args_after": args_after}


def main():
    channel = Channel(int(sys.argv[1]), int(sys.argv[2]))
    signal.signal(signal.SIGINT, Interrupts.handle)
    sys.meta_path.insert(0, InertFinder())
    builtins.input = no_input
    builtins.display = lambda *args, **kwargs: None
    builtins.get_ipython = lambda: INERT
    main_module = types.ModuleType("__main__")
    sys.modules["__main__"] = main_module
    namespace = main_module.__dict__

    run_notebook(channel, namespace)
    serve(channel, namespace)


def run_notebook(channel, namespace):
    """Run the cells the grader sends; they are gone with this frame once it returns."""
    setup = channel.receive()
    cells, skipped = setup.pop("cells"), set(setup.pop("skip"))
    cells.reverse()  # so each cell is dropped as it starts, and only the cells not yet run stay
    for index in range(len(cells)):
        source = cells.pop()
        if index in skipped:
            continue
        channel.send({"event": "cell_start", "index": index})
        error = run_cell(source, index, namespace)
        channel.send({"event": "cell_end", "index": index, "error": error})
    channel.send({"event": "ready"})


def serve(channel, namespace):
    """Answer the grader's lookups and calls until it closes the pipe."""
    while True:
        request = channel.receive()
        if request is None:
            return
        try:
            if request["op"] == "lookup":
                channel.send(lookup(namespace, request["names"]))
                continue
            for args in request["calls"]:  # one reply each; none runs after one that raised
                reply = call(namespace, request["name"], args)
                channel.send(reply)
                if not reply["ok"]:
                    break
        except BaseException as error:  # noqa: B036 - e.g. a lookup of a value that cannot be read
            channel.send({"ok": False, "error": describe_error(error)})
