"""Write the adversarial corpus: notebooks that try to fool, hang or crash the grader.

    .venv/bin/python tests/files/adversarial/make_corpus.py

Each notebook here holds only the cells of its attack (or mistake); the test
(tests/grader/test_adversarial.py) adds them to a base notebook built the same way as the
release: `blank` (the student notebook as handed out, which scores 0) or `solution`.
`metadata.adversarial` says how:

    kind      cheat | runaway | honest
    base      blank | solution
    where     append | prepend (relative to the base's cells)
    expect    "blank" (no more than the blank notebook), "full", or
              {"zero": [questions], "below_full": [questions]} with every other question full
    output    phrases the top-level results message must contain (case-insensitive)
    question  the question the case answers
    extra     optional checks of the results block at the end of the case list:
              repeat_last  the last cell is added this many times (too big to keep in git)
              no_hint      phrases no hint may contain (the notebook tries to inject hints)
              public_twin  the visible output must equal the one graded by a bundle without
                           hidden cases: nothing the notebook saw of them shows before publication
              shadow       the solution's code is hidden where Jupyter does not show it, the base's
                           cells being what Jupyter shows: "worksheets" (a legacy key of a version 4
                           notebook), "v3_cells" (a cells key of a version 3 notebook), "no_version"
                           (no nbformat key: nbformat reads the cells as empty), "repeated_key"
                           (the solution's cells first under a repeated "cells" key)

`@MARKER@` in a cell is replaced by a fresh name per run: processes that a notebook
starts call themselves by it (prctl PR_SET_NAME), so the test can prove none survived.

Files that are not notebooks at all are listed in malformed.json with the message the
student must get. The 30 MB notebook is made by the test (too big to keep in git).
"""

import json
import pathlib
import random
import zipfile

import nbformat

HERE = pathlib.Path(__file__).resolve().parent

NAME_MYSELF = '''
import ctypes
ctypes.CDLL(None).prctl(15, b"@MARKER@", 0, 0, 0)  # PR_SET_NAME: the test looks for it
'''.strip()

# Wrong answers that only a fooled comparison could accept. (prod also spoils its input:
# the hidden "inputs untouched" case would otherwise pass any prod that returns anything.)
GARBAGE_FUNCTIONS = '''
def sigmoid_gradient(x):
    return "PASS"

def prod(k, W_hh, W_hx, b_h, h, x):
    W_hh[...] = 7.0
    return "PASS"

def clip_gradients(grads, max_norm):
    return "PASS"

def step_lengths(grads, learning_rate, max_norm, clip_value):
    return "PASS"

def safe_scale(W_hh, gamma):
    return "PASS"

def vanishing_horizon(W_hh, gamma, tol):
    return "PASS"

def non_normal_trap(gamma, size, steps):
    return "PASS"

def explosion_regime(W_hh, gamma):
    return "PASS"
'''.strip()

CASES = {}


def case(name, kind, cells, question, base="blank", where="append", expect=None, output=(), extra=None):
    CASES[name] = {
        "kind": kind,
        "base": base,
        "where": where,
        "expect": expect or ("blank" if base == "blank" else "full"),
        "output": list(output),
        "question": question,
        "cells": [cell.strip("\n") for cell in cells],
        **({"extra": extra} if extra else {}),
    }


# -- tampering with comparisons ------------------------------------------------------

case("cheat_eq_always_true_ndarray_subclass", "cheat", ['''
import numpy as np

class Agreeable(np.ndarray):
    """An array that equals everything and is close to everything."""
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __array_function__(self, func, types, args, kwargs):
        return True
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(()).view(Agreeable)
    def __float__(self):
        return 0.25
    def __bool__(self):
        return True

def agreeable(shape=()):
    return np.zeros(shape).view(Agreeable)

def sigmoid_gradient(x):
    return agreeable(np.shape(x))

def prod(k, W_hh, W_hx, b_h, h, x):
    W_hh[...] = 7.0  # see GARBAGE_FUNCTIONS
    return agreeable(np.shape(W_hh))

def clip_gradients(grads, max_norm):
    return [agreeable(np.shape(g)) for g in grads], agreeable()

class Verdict(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__

def explosion_regime(W_hh, gamma):
    return Verdict("impossible")

def safe_scale(W_hh, gamma):
    return agreeable()

def vanishing_horizon(W_hh, gamma, tol):
    return agreeable()

def non_normal_trap(gamma, size, steps):
    return agreeable((2, 2))
'''], "Does an ndarray subclass whose == is always True (or a str that equals everything) pass any check?")

case("cheat_patch_numpy_comparisons", "cheat", ['''
import numpy as np
import numpy.testing

always = lambda *args, **kwargs: True
np.allclose = np.array_equal = np.array_equiv = always
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.testing.assert_allclose = np.testing.assert_array_equal = lambda *args, **kwargs: None
np.linalg.norm = lambda *args, **kwargs: 0.0
np.all = np.any = always
np.isfinite = lambda x, *args, **kwargs: np.ones(np.shape(x), dtype=bool)
np.ndarray.__eq__ = always  # refused by numpy: a C type; the attempt must not matter
''', GARBAGE_FUNCTIONS], "Does replacing numpy's comparison functions in the notebook make wrong answers pass?")

case("cheat_patch_builtins", "cheat", ['''
import builtins

class NeverRaised(Exception):
    pass

builtins.AssertionError = NeverRaised
builtins.isinstance = lambda obj, cls: True
builtins.abs = lambda x: 0
builtins.max = lambda *args, **kwargs: 0
builtins.float = lambda *args: 0.25
builtins.repr = lambda obj: "PASS"
builtins.Exception = NeverRaised
''', GARBAGE_FUNCTIONS],
    "Does replacing isinstance, AssertionError or other builtins in the notebook change a verdict?")

case("cheat_fake_otter_and_grader_check", "cheat", ['''
import sys
import types

otter = types.ModuleType("otter")

class Notebook:
    def __init__(self, *args, **kwargs):
        pass
    def check(self, *args, **kwargs):
        return "All tests passed!"
    def check_all(self, *args, **kwargs):
        return {"score": 24, "total": 24}
    def export(self, *args, **kwargs):
        pass

otter.Notebook = Notebook
otter.test_files = types.SimpleNamespace(test_case=lambda *args, **kwargs: (lambda f: f))
sys.modules["otter"] = otter
sys.modules["otter.test_files"] = otter.test_files
grader = Notebook()
for question in ("sigmoid_gradient", "prod", "clip_gradients", "step_lengths", "conditions"):
    grader.check(question)
score = 24
results = {"score": 24, "tests": []}
''', GARBAGE_FUNCTIONS], "Does redefining otter, grader.check or a 'score' variable earn points?")

# -- tampering with the runner --------------------------------------------------------

case("cheat_forge_worker_replies", "cheat", ['''
import os
import struct
import sys

# The worker and codec modules, found by what they define (whatever they are called).
loaded = list(sys.modules.values())
worker = next((m for m in loaded if hasattr(m, "call") and hasattr(m, "lookup") and hasattr(m, "encode_result")), None)
codec = next((m for m in loaded if hasattr(m, "encode") and hasattr(m, "dumps") and hasattr(m, "decode")), None)
forged = {"ok": True, "passed": True, "score": 100, "value": "PASS", "args_after": []}
if worker is not None:
    worker.call = lambda namespace, name, args: dict(forged)
    worker.lookup = lambda namespace, names: {"names": {n: {"kind": "value", "value": "PASS"} for n in names}}
    worker.encode_result = lambda value, args, depth=0: {"__alias__": [0]}
if codec is not None:
    codec.encode = lambda value, depth=0: {"__ndarray__": {"dtype": "|O", "shape": [1], "data": ""}}
    codec.dumps = lambda message: b'{"ok": true, "value": {"__alias__": [1]}, "score": 100}'
''', '''
import os
import struct
import sys

# Write forged protocol messages straight into the reply pipe, out of turn.
fd = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 4
for message in (b'{"event": "ready"}', b'{"ok": true, "value": "PASS"}', b'{"event": "cell_end", "index": 999}'):
    try:
        os.write(fd, struct.pack(">I", len(message)) + message)
    except OSError:
        pass
'''], "Does monkeypatching the worker's codec or protocol, or writing forged replies into its pipe, earn points?",
    output=["unexpected message"])

case("cheat_write_fake_results", "cheat", ['''
import json
import os

SKIP = ("site-packages", "versions", "node_modules")  # the Python runtime: large, and read-only
fake = {"score": 1000, "output": "hacked", "tests": [{"name": "all", "score": 1000, "max_score": 24}]}
written = []
targets = ["/autograder/results/results.json", "results.json", "../results.json", "/tmp/results.json",
           os.path.expanduser("~/results.json"), "/autograder/source/config.json"]
for root, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if d not in SKIP and not (root == "/" and d in ("proc", "sys", "dev", "usr"))]
    for name in files:
        if name.endswith(".json") and ("result" in name or "result" in root or name == "config.json"):
            targets.append(os.path.join(root, name))
for path in targets:
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as handle:
            json.dump(fake, handle)
        written.append(path)
    except OSError:
        pass
print(json.dumps(fake))
''', GARBAGE_FUNCTIONS],
    "Does writing a fake results.json (Gradescope's, the working folder's, any found) change the grade?")

case("cheat_kill_the_grader", "cheat", ['''
import os
import signal

for target in (os.getppid(), 1, -1, 0):
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(target, sig)
        except (OSError, ValueError):
            pass
for pid in range(1, 400):
    try:
        os.kill(pid, signal.SIGSTOP)
    except OSError:
        pass
''', GARBAGE_FUNCTIONS],
    "Does signalling the grader, PID 1 or every process (kill -1) stop the grade from being written?")

# -- tampering with imports --------------------------------------------------------

case("cheat_import_hijack", "cheat", ['''
import os
import site
import sys

FAKE = """
def sigmoid_gradient(x):
    return "PASS"
def prod(*args):
    return "PASS"
def clip_gradients(grads, max_norm):
    return "PASS", 0.0
def safe_scale(W_hh, gamma):
    return "PASS"
def explosion_regime(W_hh, gamma):
    return "PASS"
def rnn_states(*args):
    return "PASS"
"""
names = ["vanishing_gradients_reference.py", "numpy.py", "sitecustomize.py", "usercustomize.py", "_checks.py"]
folders = {os.getcwd(), "/tmp", os.path.expanduser("~"), "/autograder/source", *sys.path, *site.getsitepackages()}
planted = []
for folder in folders:
    for name in names:
        try:
            with open(os.path.join(folder, name), "w") as handle:
                handle.write(FAKE)
            planted.append(os.path.join(folder, name))
        except OSError:
            pass
os.environ["PYTHONPATH"] = os.getcwd()
''', GARBAGE_FUNCTIONS],
    "Does planting a fake reference module, numpy.py or sitecustomize.py where the grader might import it "
    "change a verdict?")

# -- stealing reference code -----------------------------------------------------------

STEAL_FROM = '''
def adopt(namespace):
    """Take the reference functions if they were found."""
    found = 0
    for name in ("sigmoid_gradient", "prod", "clip_gradients", "safe_scale", "vanishing_horizon", "non_normal_trap",
                 "explosion_regime"):
        if callable(namespace.get(name)):
            globals()[name] = namespace[name]
            found += 1
    return found
'''.strip()

case("cheat_steal_reference_by_walking_the_disk", "cheat", [STEAL_FROM, '''
import os

# Everything but the Python runtime (/usr, site-packages: large, and installed packages only).
SKIP = ("site-packages", "versions", "node_modules")
loot = []
for root, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if d not in SKIP and not (root == "/" and d in ("proc", "sys", "dev", "usr"))]
    for name in files:
        if (name.startswith("vanishing_gradients") or name in ("prod.py", "clip_gradients.py", "conditions.py")
                or "reference" in name or "solution" in root):
            loot.append(os.path.join(root, name))
stolen = 0
for path in loot:
    try:
        if path.endswith(".py"):
            namespace = {"__name__": "stolen"}
            exec(compile(open(path).read(), path, "exec"), namespace)
            stolen += adopt(namespace)
        elif path.endswith(".ipynb"):
            import json
            cells = json.load(open(path)).get("cells", [])
            namespace = {"__name__": "stolen"}
            for cell in cells:
                if cell.get("cell_type") == "code":
                    try:
                        exec("".join(cell["source"]), namespace)
                    except Exception:
                        pass
            stolen += adopt(namespace)
    except Exception:
        pass
print("stolen:", stolen, loot[:20])
''', GARBAGE_FUNCTIONS.replace("def ", "def _unused_")],
    "Can a notebook that walks the whole filesystem find and use the reference solutions or hidden tests?")

case("cheat_steal_reference_from_memory", "cheat", [STEAL_FROM, '''
import gc
import sys

stolen = 0
for module in list(sys.modules.values()):
    if "reference" in getattr(module, "__name__", "") or "vg_tests" in getattr(module, "__name__", ""):
        stolen += adopt(vars(module))
for obj in gc.get_objects():
    try:
        if callable(obj) and "reference" in (getattr(obj, "__module__", "") or ""):
            stolen += adopt({obj.__name__: obj})
        code = getattr(obj, "__code__", None)
        if code is not None and "reference" in code.co_filename:
            stolen += adopt({obj.__name__: obj})
    except Exception:
        pass
print("stolen:", stolen)
'''], "Can gc.get_objects() or sys.modules in the student process reach reference code or hidden tests?")

case("cheat_snoop_on_other_processes", "cheat", ['''
import os
import re

loot = {}
pids = [p for p in os.listdir("/proc") if p.isdigit()] + [str(os.getppid())]
for pid in pids:
    for part in ("environ", "cmdline", "maps", "root/", "cwd/"):
        path = f"/proc/{pid}/{part}"
        try:
            loot[path] = os.listdir(path) if part.endswith("/") else open(path, "rb").read()[:100000]
        except OSError:
            pass
    try:
        with open(f"/proc/{pid}/mem", "rb") as memory:
            memory.seek(0x400000)
            loot[f"/proc/{pid}/mem"] = memory.read(4096)
    except (OSError, ValueError, OverflowError):
        pass
text = repr(loot)
seed = re.findall(r"VG_GRADING_SEED=(\\d+)", text)
sources = re.findall(r"/[\\w/.-]*(?:autograder|vg-bundle|reference)[\\w/.-]*", text)
print("seed:", seed, "paths:", sources[:10], "readable:", sorted(loot)[:20])
''', GARBAGE_FUNCTIONS], "Can the notebook read the grader's environment, command line or memory through /proc?")

# -- runaway resources (the solution around them must still get full marks) ------------

case("runaway_infinite_loop", "runaway", ['''
while True:
    pass
'''], "Is an endless loop stopped after the cell time limit, with the rest of the notebook graded?",
    base="solution", where="prepend", output=["stopped after"])

case("runaway_loop_catching_keyboard_interrupt", "runaway", ['''
while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass
'''], "Is a loop that swallows KeyboardInterrupt killed, skipped on the rerun, and the rest graded?",
    base="solution", where="prepend", output=["would not stop"])

case("runaway_ignores_sigint_and_sigterm", "runaway", ['''
import signal
import time

for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
    signal.signal(sig, signal.SIG_IGN)
time.sleep(10**6)
'''], "Is a cell that ignores SIGINT and SIGTERM stopped anyway, and the rest graded?",
    base="solution", where="prepend", output=["would not stop"])

case("runaway_fork_bomb", "runaway", [NAME_MYSELF, '''
import os
import time

children = 0
try:
    for _ in range(10**6):
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        children += 1
except OSError as error:
    print("fork stopped after", children, "children:", error)
'''], "Is a fork bomb held by the process limit, graded, and every process it forked dead afterwards?",
    base="solution", where="prepend")

case("runaway_daemon_that_escapes", "runaway", [NAME_MYSELF, '''
import os
import signal
import time

if os.fork() == 0:  # double fork + setsid: a daemon in a session of its own
    os.setsid()
    if os.fork() == 0:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        os.closerange(3, 1024)
        time.sleep(600)
    os._exit(0)
time.sleep(0.2)
'''], "Does a double-forked setsid daemon that ignores signals die when grading ends?",
    base="solution", where="prepend")

case("runaway_output_flood", "runaway", ['''
import sys

chunk = "flood " * 170000  # about 1 MB
for _ in range(100):  # about 100 MB in all
    sys.stdout.write(chunk)
    sys.stderr.write(chunk)
'''], "Is 100 MB of output capped without blocking the grader, and the notebook graded?",
    base="solution", where="prepend")

case("runaway_asks_for_input", "runaway", ['''
name = input("What is your name? ")
'''], "Does a cell that calls input() fail that cell only, with a message about input()?",
    base="solution", where="prepend", output=["input()"])

case("runaway_memory_bomb", "runaway", ['''
import numpy as np

def hoard():
    kept = []
    while True:
        kept.append(np.empty(10**7))  # 80 MB of address space each

hoard()
''', '''
huge = bytearray(10**10)
'''], "Does allocating without bound raise MemoryError in that cell only, and the notebook still get graded?",
    base="solution", where="prepend", output=["MemoryError"])

case("runaway_fills_the_disk", "runaway", ['''
import os

for folder in ("/tmp", os.getcwd(), os.path.expanduser("~")):
    with open(os.path.join(folder, "filler"), "wb") as handle:
        for _ in range(4096):
            handle.write(b"\\0" * 2**20)  # 4 GB if nothing stops it
'''], "Is writing gigabytes to /tmp or the working folder stopped by a size limit, and the rest graded?",
    base="solution", where="prepend", output=["cell 1"])

case("runaway_exits_in_a_cell", "runaway", ['''
import sys
sys.exit("bye")
''', '''
exit()
''', '''
raise SystemExit(3)
'''], "Does sys.exit() or exit() in a cell end that cell only, as in Jupyter?",
    base="solution", where="prepend", output=["SystemExit"])

case("runaway_kills_its_own_process", "runaway", ['''
import os
os._exit(1)
''', '''
import os
import signal
os.kill(os.getpid(), signal.SIGKILL)
''', '''
import os
os.abort()
'''], "Is a cell that kills its own process (os._exit, SIGKILL, abort) skipped on the rerun, and the rest graded?",
    base="solution", where="prepend")

case("runaway_slow_on_hidden_inputs_only", "runaway", ['''
import time

_honest_prod = prod

def prod(k, W_hh, W_hx, b_h, h, x):
    if W_hh.shape != (3, 3) or h.shape[1] != 4:  # not the public example: stall
        time.sleep(600)
    return _honest_prod(k, W_hh, W_hx, b_h, h, x)
'''], "Does a function that sleeps past the call limit on hidden inputs lose those cases only, in bounded time?",
    base="solution", expect={"below_full": ["prod"]})

case("runaway_slow_calls_that_ignore_interrupts", "runaway", ['''
import signal
import time

_honest_prod = prod

def prod(k, W_hh, W_hx, b_h, h, x):
    if W_hh.shape != (3, 3) or h.shape[1] != 4:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            time.sleep(1)
    return _honest_prod(k, W_hh, W_hx, b_h, h, x)
'''], "Does a call that cannot be interrupted cost only its own cases, the process being restarted for the rest?",
    base="solution", expect={"below_full": ["prod"]})

case("runaway_huge_return_value", "runaway", ['''
import numpy as np

_honest_prod = prod

def prod(k, W_hh, W_hx, b_h, h, x):
    if k == 0:
        return np.ones(4 * 10**6)  # 32 MB: more than a reply may carry
    if k == 1:
        nested = []
        for _ in range(10**5):
            nested = [nested]
        return nested
    return _honest_prod(k, W_hh, W_hx, b_h, h, x)

def clip_gradients(grads, max_norm):
    return [np.empty(10**9)], 0.0  # 8 GB: more than the process may hold
'''], "Is a reply too large or too deep refused (and the process restarted) without hurting the grader?",
    base="solution", expect={"below_full": ["prod"], "zero": ["clip_gradients"]})

case("runaway_every_cell_must_be_killed", "runaway", ['''
import signal
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    time.sleep(1)
'''] * 5, "Does grading stop after a few restarts of a notebook whose cells all have to be killed, in bounded time?",
    base="solution", where="prepend", expect="blank", output=["restarted 3 times"])

case("runaway_notebook_too_slow_overall", "runaway", ['''
import time
time.sleep(1.2)
'''] * 10, "Is a notebook slower than the notebook limit cut there, graded with what it defined by then?",
    base="solution", where="prepend", expect="blank", output=["did not finish"])

# -- honest notebooks with mistakes ---------------------------------------------------

case("honest_syntax_error_in_one_cell", "honest", ['''
def broken(:
    return 1
'''], "Does a syntax error in one cell cost nothing when the graded functions are defined elsewhere?",
    base="solution", where="prepend", output=["SyntaxError"])

case("honest_crash_before_correct_definitions", "honest", ['''
values = [1, 2, 3]
print(values[10])
''', '''
undefined_name + 1
'''], "Are correct functions defined after a crashing cell graded, as in Jupyter (a failing cell does not stop "
    "the notebook)?",
    base="solution", where="prepend", output=["IndexError", "NameError"])

case("honest_later_redefinition_wins", "honest", ['''
def clip_gradients(grads, max_norm):
    """A later, wrong version (it never clips) replaces the correct one above."""
    import numpy as np
    norm = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))
    return [np.array(g, dtype=np.float64) for g in grads], norm
'''], "Does the last definition of a function win, as when the notebook runs top to bottom?",
    base="solution", expect={"below_full": ["clip_gradients"]})

case("honest_plots_and_magics", "honest", ['''
%matplotlib inline
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.plot([1, 2, 3])
plt.show()
!pip install nothing-at-all
''', '''
%%bash
echo "a shell cell"
'''], "Do plots, line magics, shell escapes and cell magics run harmlessly?",
    base="solution", where="prepend")


# -- state left for a later notebook (keys, IPC, files, memory) -------------------------
# Generator functions, one per kind of state that could outlive a sandbox. Each notebook
# first looks for what an earlier run with the same @MARKER@ left (anything named after the
# marker but not after this run's own token) and raises "LEAKED ..." if it finds some, then
# plants its own. tests/grader/test_sandbox.py grades each twice, at the namespace and the user
# level, and checks the host after each run: nothing may be found, nothing may be left.

LEFTOVER_PRELUDE = '''
import ctypes
import os

MARKER = "@MARKER@"
RUN = os.urandom(6).hex()  # this run's own token: anything else named after MARKER is a leftover
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
ADD_KEY, KEYCTL = {"x86_64": (248, 250), "aarch64": (217, 219), "riscv64": (217, 219)}.get(os.uname().machine,
                                                                                             (None, None))
leaked = []

def report_leaks():
    if leaked:
        raise RuntimeError("LEAKED " + repr(leaked)[:1500])
'''.strip()


def leftover_kernel_keys():
    case("cheat_leave_kernel_keys", "cheat", [LEFTOVER_PRELUDE, '''
EVERYONE = 0x3F3F3F3F  # possessor, user, group and other may view, read, write, search, link, set attributes
KEYCTL_SETPERM, KEYCTL_LINK, KEYCTL_GET_PERSISTENT = 5, 8, 22
try:
    leaked += [line.strip() for line in open("/proc/keys") if MARKER in line and RUN not in line]
except OSError:
    pass

def add_key(description, keyring):
    payload = b"secret of " + RUN.encode()
    serial = libc.syscall(ADD_KEY, b"user", description.encode(), payload, ctypes.c_size_t(len(payload)),
                          ctypes.c_long(keyring))
    if serial > 0:
        libc.syscall(KEYCTL, ctypes.c_long(KEYCTL_SETPERM), ctypes.c_long(serial), ctypes.c_long(EVERYONE))
    return serial

planted = []
if ADD_KEY is not None:
    # thread, process, session, user, user-session keyrings; then the persistent one
    for keyring in (-1, -2, -3, -4, -5):
        libc.syscall(KEYCTL, ctypes.c_long(KEYCTL_SETPERM), ctypes.c_long(keyring), ctypes.c_long(EVERYONE))
        planted.append(add_key(f"{MARKER}-{RUN}-{keyring}", keyring))
    persistent = libc.syscall(KEYCTL, ctypes.c_long(KEYCTL_GET_PERSISTENT), ctypes.c_long(-1), ctypes.c_long(-3))
    if persistent > 0:
        libc.syscall(KEYCTL, ctypes.c_long(KEYCTL_SETPERM), ctypes.c_long(persistent), ctypes.c_long(EVERYONE))
        planted.append(add_key(f"{MARKER}-{RUN}-persistent", persistent))
    # A key anyone may read (made in the possessed session keyring), linked into the keyrings of the user id,
    # then the user-session keyring closed to its own user and opened to every other one.
    shared = add_key(f"{MARKER}-{RUN}-shared", -3)
    for keyring in (-4, -5, persistent):
        libc.syscall(KEYCTL, ctypes.c_long(KEYCTL_LINK), ctypes.c_long(shared), ctypes.c_long(keyring))
    libc.syscall(KEYCTL, ctypes.c_long(KEYCTL_SETPERM), ctypes.c_long(-5), ctypes.c_long(0x3F))
print("planted keys:", planted)
report_leaks()
'''], "Can a notebook leave kernel keys (user, session, persistent keyrings) for a later notebook to read?")


def leftover_ipc():
    case("cheat_leave_ipc_objects", "cheat", [LEFTOVER_PRELUDE, '''
import zlib

IPC_CREAT, O_CREAT, O_RDWR = 0o1000, 0o100, 0o2
base = zlib.crc32(MARKER.encode()) & 0x3FFFFFF0  # the same System V keys in every run with this marker
for kind in ("shm", "msg", "sem"):
    try:
        lines = open(f"/proc/sysvipc/{kind}").read().splitlines()[1:]
    except OSError:
        continue
    leaked += [f"{kind} {line.split()[:2]}" for line in lines if int(line.split()[0]) - base in range(8)]
for folder in ("/dev/shm", "/dev/mqueue"):
    try:
        leaked += [f"{folder}/{name}" for name in os.listdir(folder) if MARKER in name and RUN not in name]
    except OSError:
        pass
made = {
    "shm": libc.shmget(base, 4096, IPC_CREAT | 0o666),
    "msg": libc.msgget(base + 1, IPC_CREAT | 0o666),
    "sem": libc.semget(base + 2, 1, IPC_CREAT | 0o666),
    "private shm": [libc.shmget(0, 4096, IPC_CREAT | 0o666) for _ in range(3)],
}
try:  # POSIX shared memory and a named semaphore are files in /dev/shm
    for name in (f"{MARKER}-{RUN}", f"sem.{MARKER}-{RUN}"):
        with open(f"/dev/shm/{name}", "w") as handle:
            handle.write(RUN)
        os.chmod(f"/dev/shm/{name}", 0o666)
    made["posix shm"] = True
except OSError as error:
    made["posix shm"] = str(error)
try:
    rt = ctypes.CDLL("librt.so.1", use_errno=True)
    made["mqueue"] = rt.mq_open(f"/{MARKER}-{RUN}".encode(), O_CREAT | O_RDWR, 0o666, None)
except OSError as error:
    made["mqueue"] = str(error)
print("made:", made)
report_leaks()
'''], "Can a notebook leave System V or POSIX shared memory, message queues or semaphores for a later notebook?")


def leftover_files():
    case("cheat_leave_files_in_world_writable_folders", "cheat", [LEFTOVER_PRELUDE, '''
import stat

def writable_folders(top="/", depth=3):
    """Folders this user may create files in, a few levels deep (not its own home)."""
    found, stack = [], [(top, 0)]
    while stack:
        folder, level = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if folder == "/" and entry.name in ("proc", "sys", "usr"):
                continue
            try:
                if not entry.is_dir(follow_symlinks=False):
                    continue
            except OSError:
                continue
            if os.access(entry.path, os.W_OK | os.X_OK) and entry.path != os.path.expanduser("~"):
                found.append(entry.path)
            if level + 1 < depth:
                stack.append((entry.path, level + 1))
    return found

folders = writable_folders()
for folder in folders:
    try:
        leaked += [f"{folder}/{name}" for name in os.listdir(folder) if MARKER in name and RUN not in name]
    except OSError:
        pass
planted = []
for folder in folders:
    try:
        path = os.path.join(folder, f"{MARKER}-{RUN}")
        with open(path, "w") as handle:
            handle.write(RUN)
        os.chmod(path, 0o666)
        os.makedirs(path + ".d/inner", exist_ok=True)
        os.chmod(path + ".d", 0o777)
        planted.append(folder)
    except OSError:
        pass
print("planted in:", planted)
report_leaks()
'''], "Can a notebook leave files in /tmp, /var/tmp, /dev/shm, /run/lock or any other world-writable folder for "
         "a later notebook?")


def memory_in_many_processes():
    case("runaway_hoards_memory_in_many_processes", "runaway", ['''
import os
import signal
import time

CHUNK = 16 * 2**20

def hoard():
    """Touch as much memory as this process may have; the number of MB held."""
    kept = []
    try:
        while len(kept) < 64:
            kept.append(bytearray(CHUNK))
    except MemoryError:
        pass
    return kept

def hoard_everywhere():
    """Fork as many processes as allowed, each holding all it can at the same time; MB held in all."""
    children, pipes = [], []
    for _ in range(16):
        try:
            read, write = os.pipe()
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            os.close(read)
            kept = hoard()
            os.write(write, str(len(kept) * CHUNK // 2**20).encode().ljust(16))
            time.sleep(30)  # holding it, until the parent has counted
            os._exit(0)
        os.close(write)
        children.append(pid)
        pipes.append(read)
    held = len(hoard()) * CHUNK // 2**20  # freed on return: later cells need the memory
    for read in pipes:
        try:
            held += int(os.read(read, 16) or b"0")
        except (OSError, ValueError):
            pass
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return held, len(children)

held, children = hoard_everywhere()
raise RuntimeError(f"held {held} MB in {children + 1} processes")
'''], "Is the memory of all the notebook's processes together bounded (a fork per allocation gets no more)?",
        base="solution", where="prepend", output=["held"])


for generate in (leftover_kernel_keys, leftover_ipc, leftover_files, memory_in_many_processes):
    generate()


# -- shadow code: what is graded must be what Jupyter shows ------------------------------

for shadow, output, where in [
    ("worksheets", [], "a legacy worksheets key of a version 4 notebook"),
    ("v3_cells", [], "a cells key of a version 3 notebook (whose code lives in its worksheets)"),
    ("no_version", ["does not say which notebook format"], "the cells of a notebook with no nbformat version"),
    ("repeated_key", ["twice"], "the first of two \"cells\" keys"),
]:
    case(f"cheat_shadow_code_in_{shadow}", "cheat", [], f"Is the solution's code hidden in {where}, which "
         "Jupyter does not show, never graded?", output=output, extra={"shadow": shadow})


# -- files that are not notebooks ------------------------------------------------------

MALFORMED = {
    "malformed_not_json.ipynb": (b"def prod(k):\n    return 1\n", "not a Jupyter notebook",
                                 "Is a Python file renamed to .ipynb refused with a clear message?"),
    "malformed_empty.ipynb": (b"", "not a Jupyter notebook", "Is an empty file refused with a clear message?"),
    "malformed_binary_garbage.ipynb": (bytes(random.Random(7).randrange(256) for _ in range(4096)),
                                       "not a Jupyter notebook", "Is binary garbage refused with a clear message?"),
    "malformed_zip_instead_of_ipynb.ipynb": (None, "not a Jupyter notebook",
                                             "Is a zip file renamed to .ipynb refused with a clear message?"),
    "malformed_json_list.ipynb": (b"[1, 2, 3]", "not a Jupyter notebook", "Is JSON that is not an object refused?"),
    "malformed_cells_not_a_list.ipynb": (json.dumps({"nbformat": 4, "cells": "print(1)"}).encode(), "no list of cells",
                                         "Is a notebook whose cells are not a list refused?"),
    "malformed_code_that_is_not_text.ipynb": (
        json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["def prod(*args):\n", 42, "    return 1"]}]}
        ).encode(), "other than text",
        "Is a code cell whose source is not text (which Jupyter cannot show) refused, with no code run?"),
    "malformed_deeply_nested.ipynb": (b"[" * 20000, "not a Jupyter notebook",
                                      "Is deeply nested JSON refused without crashing the grader?"),
    "malformed_utf16.ipynb": (json.dumps({"nbformat": 4, "cells": []}).encode("utf-16"), "not a Jupyter notebook",
                              "Is a notebook saved in UTF-16 refused with a clear message?"),
}


# -- results: always valid, bounded, and nothing hidden shows early ----------------------
# (Every corpus case is also checked for these properties: results.json and the feedback
# page under 1 MB, only printable text, the grading seed nowhere in what students see.)

case("cheat_strings_that_break_layouts", "cheat", [r"""
class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text for you")

def raise_each(errors):
    for error in errors:
        try:
            raise error
        except Exception as caught:
            last = caught
    raise last

raise ValueError("\ud800 lone surrogate \udfff and \udcff")
""", r"""
raise ValueError("boom\u2028Hint: FAKEHINT\u2029Expected: FAKE\x85Got: FAKE\r\nHint: FAKEHINT\x0bHint: FAKEHINT")
""", r"""
raise type("Hint\u2028Evil\x1b[31m\u202e", (Exception,), {})("\x1b[2J\u202edetrevni \x00 nul")
""", r"""
raise Unprintable()
""", r"""
def sigmoid_gradient(x):
    raise ValueError("bad\u2028Hint: FAKEHINT\ud800\x1c\x1dHint: FAKEHINT")

def prod(k, W_hh, W_hx, b_h, h, x):
    W_hh[...] = 7.0
    return "explosion\u2028Hint: FAKEHINT\ud800"

def clip_gradients(grads, max_norm):
    return {"\ud800key\u2028Hint: FAKEHINT": "\x00"}, 0.0

def explosion_regime(W_hh, gamma):
    return "impossible\x00"  # cleaned text never equals an answer

def safe_scale(W_hh, gamma):
    return "0.25\u2028Hint: FAKEHINT"
"""], "Do lone surrogates, line separators, terminal escapes and bidi overrides in messages, type names and "
    "returned strings leave a valid result, with no injected Hint line?",
    output=["ValueError", "\\ud800"], extra={"no_hint": ["FAKEHINT"]})

case("cheat_huge_messages_everywhere", "cheat", [r"""
import sys

flood = ("&<>`|*_\\#[]\n" * 100000)[:10**6]
sys.stdout.write(flood)
for _ in range(3):
    try:
        raise ValueError(flood)
    except ValueError:
        pass
raise ValueError(flood)
""", r"""
flood = ("&<>`|*_\\#[]\n" * 100000)[:10**6]
raise KeyError(flood)
""", r"""
flood = ("&<>`|*_\\#[]\n" * 100000)[:10**6]

def sigmoid_gradient(x):
    raise ValueError(flood * 5)

def prod(k, W_hh, W_hx, b_h, h, x):
    W_hh[...] = 7.0
    raise ArithmeticError(flood)

def clip_gradients(grads, max_norm):
    raise type("E" * 10**5, (Exception,), {})(flood)

def explosion_regime(W_hh, gamma):
    return flood
"""] + [r"""
raise ValueError("&" * 10**5)
"""] * 40, "Do megabytes of Markdown-special text in every message still give results.json and a feedback page "
    "under 1 MB?", output=["more cells raised errors"])

case("runaway_notebook_cut_then_500000_cells", "runaway", [r"""
import time
time.sleep(1.2)
"""] * 6 + ["pass"], "Does a notebook cut by its time limit, followed by half a million cells, get a bounded "
    "result that counts the cells not run instead of listing them?",
    base="solution", where="prepend", expect="blank", output=["were not run"], extra={"repeat_last": 500000})

case("runaway_slow_notebook_whose_calls_kill_it", "runaway", [r"""
import time
time.sleep(1.0)
"""] * 4 + [r"""
import os

def _die(*args):
    os._exit(1)

sigmoid_gradient = prod = clip_gradients = step_lengths = _die
safe_scale = vanishing_horizon = non_normal_trap = explosion_regime = _die
"""], "Does a slow notebook whose every call kills its process (each rerun costs the notebook's time) stay "
    "within the submission's time budget?",
    base="solution", expect={"zero": ["sigmoid_gradient", "prod", "clip_gradients", "step_lengths", "conditions"]})

case("runaway_replies_too_big_to_decode", "runaway", [r"""
_honest_prod = prod

def prod(k, W_hh, W_hx, b_h, h, x):
    if k == 0 and W_hh.shape == (3, 3):
        return [[]] * 400000  # 1.2 MB of JSON: over the reply limit (the process is restarted)
    if k == 1:
        return [[] for _ in range(20500)]  # under the reply limit, but 20500 values to decode
    return _honest_prod(k, W_hh, W_hx, b_h, h, x)

def clip_gradients(grads, max_norm):
    return [0] * 25000, 0.0  # under the reply limit, 25000 values
"""], "Are replies too large, or with too many values to decode quickly, refused in bounded time?",
    base="solution", expect={"below_full": ["prod"], "zero": ["clip_gradients"]})

LEAK_HELPERS = r"""
import gc
import hashlib
import os
import re
import sys

SEEN = []  # every call, in order: hidden inputs included, if they came before public messages
STORE = os.path.join(os.environ.get("TMPDIR", "/tmp"), "seen.txt")  # survives a restart of the process
GUESSES = []


def remember(name, args):
    SEEN.append(name + ":" + hashlib.sha256(repr(args).encode()).hexdigest()[:10])
    try:
        with open(STORE, "a") as handle:
            handle.write(SEEN[-1] + "\n")
    except OSError:
        pass


def grader_state():
    # lists of the notebook's cell sources still held by the worker after the notebook ran
    return sum(1 for obj in gc.get_objects() if type(obj) is list
               and any(type(item) is str and "LEAK" + "-MARKER-CELL" in item for item in obj))


def everything():
    try:
        stored = open(STORE).read().split()
    except OSError:
        stored = []
    environ = ""
    for path in ("/proc/self/environ", f"/proc/{os.getppid()}/environ"):
        try:
            environ += open(path, "rb").read().decode(errors="replace")
        except OSError:
            pass
    found = re.findall(r"VG_GRADING_SEED=(\d+)", environ) + [os.environ.get("VG_GRADING_SEED", "")]
    return (f"calls {len(SEEN)}: {' '.join(SEEN)} | stored {' '.join(stored)} | seeds {GUESSES} {found} | "
            f"grader state found: {grader_state()}")


def spy(name):
    def function(*args):
        remember(name, args)
        raise ValueError(everything())
    return function
""".strip()

case("cheat_leak_hidden_inputs_and_seed_into_public_messages", "cheat", [LEAK_HELPERS, r"""
# LEAK-MARKER-CELL: the worker's frames hold the cells still to run; with them, guess the seed
# as a hash of the cells (how it was once computed).
frame, cells = sys._getframe(), []
while frame is not None:
    for value in frame.f_locals.values():
        if type(value) is list and all(type(item) is str for item in value):
            cells += value
        elif type(value) is dict and type(value.get("cells")) is list:
            cells += value["cells"]
    frame = frame.f_back
for candidate in (cells, cells[::-1]):
    digest = hashlib.sha256("\0".join(candidate).encode()).digest()
    GUESSES.append(int.from_bytes(digest[:8], "big"))
""", r"""
sigmoid_gradient = spy("sigmoid_gradient")
prod = spy("prod")
clip_gradients = spy("clip_gradients")
explosion_regime = spy("explosion_regime")
"""], "Can a notebook record the inputs of hidden checks (or which of them ran), or compute the grading seed, "
    "and show it in a message students see before grades are published?",
    output=["grader state found: 0"], extra={"public_twin": True})

MALFORMED.update({
    "malformed_5000_digit_integer.ipynb": (
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"n": ' + b"7" * 5000 + b'}, "cells": []}',
        "not a Jupyter notebook", "Is a notebook with a 5000-digit number in its JSON refused as not a notebook?"),
})


def zip_bytes():
    path = HERE / "_tmp.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("vanishing_gradients.ipynb", json.dumps({"nbformat": 4, "cells": []}))
    data = path.read_bytes()
    path.unlink()
    return data


def main():
    for old in HERE.glob("*.ipynb"):
        old.unlink()
    for name, spec in CASES.items():
        notebook = nbformat.v4.new_notebook()
        # Ids by position, so that regenerating changes only the notebooks whose cells changed.
        notebook.cells = [nbformat.v4.new_code_cell(source, id=f"cell-{index:03d}")
                          for index, source in enumerate(spec["cells"])]
        notebook.metadata["adversarial"] = {key: value for key, value in spec.items() if key != "cells"}
        nbformat.write(notebook, HERE / f"{name}.ipynb")
    manifest = {}
    for name, (content, output, question) in MALFORMED.items():
        (HERE / name).write_bytes(zip_bytes() if content is None else content)
        manifest[name] = {"output": [output], "question": question}
    # Small notebooks that are valid but odd: graded like the blank one.
    odd = {
        "malformed_no_cells.ipynb": ({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []},
                                     "Does a notebook with no cells get a valid result, with every check failing?"),
        "malformed_nbformat3.ipynb": ({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [
            {"cells": [{"cell_type": "code", "input": "x = 1", "language": "python", "outputs": []}]}]},
            "Is an old nbformat 3 notebook read (cells inside worksheets) and graded?"),
        "malformed_odd_cells.ipynb": ({"nbformat": 4, "cells": [
            {"source": "x = 1"}, {"cell_type": "markdown", "source": 42}, {"cell_type": 4, "source": "y = 2"},
            {"cell_type": "raw", "source": "import os"}]},
            "Are cells without a type, or of other types, skipped (nothing runs them) without crashing the grader?"),
    }
    for name, (content, question) in odd.items():
        (HERE / name).write_text(json.dumps(content, indent=1) + "\n")
        manifest[name] = {"output": ["not defined"], "question": question, "graded": True}
    (HERE / "malformed.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(CASES)} notebooks and {len(manifest)} malformed files to {HERE}")


if __name__ == "__main__":
    main()
