"""Is the bank of student implementations in tests/vanishing_gradients/files/implementations/ what it claims, and
does the grader score it by understanding?

Each file there is one self-contained student notebook cell defining one of the graded
functions. ``correct_*`` files are different but correct approaches: they must agree with the
reference on fixed edge cases and seeded random inputs and obey every policy (no warning, no
mutation, no aliasing, float64, right shapes and types). ``wrong_*`` files make one realistic
mistake, named on the ``hint:`` line of their docstring: at least one check must fail.
``nothing_*`` files do nothing useful (constants, zeros, identity, echoing an input, None).

Every docstring carries a ``severity:`` line, and the grader's score of the function's cases
must fall in its band (the points policy of assignment.yml, shown in the instructor guide):

* ``nothing``: no attempt, 0 points;
* ``math``: wrong mathematics (formula, order, layout, factor count, norm, measure of size) and
  ``form``: an answer of the wrong kind (a list, a map, a bool, another string, global
  variables, scalar-only maths): at most 25 %;
* ``flaw``: right mathematics with one numerical or policy flaw (warnings or nan at extreme
  inputs, float32 precision, wrong only at k = t, for all-zero gradients or at the threshold,
  a wrong dtype or scalar shape, mutating or aliasing an argument): 50 % to 99 %;
* ``correct``: 100 %.

Tolerances (relative to the size of the answer, never a bare ``np.allclose``):

* ``sigmoid_gradient``: |out - ref| <= 1e-10 |ref| + 1e-15 elementwise. The absolute floor is
  4e-15 of the largest value (1/4). It is there because the literal formula s (1 - s) with a
  stable sigmoid is correct but cancels in the tails: from |x| of about 20 it keeps only
  absolute accuracy, and from |x| of about 37 it returns 0 where the reference returns e^-|x|.
* ``prod``: ||out - ref||_F <= 1e-10 ||ref||_F, so tiny vanishing products are compared
  relatively. The random pre-activations stay within |a| <= 12, or at |a| >= 800 in the
  saturated edge case, where every method underflows to 0. Between those ranges a cancelling
  sigma' (s (1 - s), or the tanh identity) loses relative accuracy.
* ``clip_gradients``: 1e-12 relative to the global norm.
* ``safe_scale``: 1e-12 relative; ``vanishing_horizon`` and ``explosion_regime``: the exact count
  (or None) and label; ``non_normal_trap``: its two properties, gamma rho(W) < 1 and
  ||(gamma W)^steps||_2 > size, never a particular matrix.
* ``step_lengths``: each rule's length within 1e-12 of the reference's, relative to it, and its
  cosine within 1e-12 absolute (a cosine lies in [-1, 1]); the answer is a dict of float pairs.
"""

import ast
import functools
import math
import pathlib
import re
import warnings

import numpy as np
import pytest
import vanishing_gradients_reference as ref

from ..conftest import LOADED

BANK = pathlib.Path(__file__).parent / "files" / "implementations"
CONDITIONS = ("safe_scale", "vanishing_horizon", "non_normal_trap", "explosion_regime")  # Question 5
FUNCTIONS = ("sigmoid_gradient", "prod", "clip_gradients", "step_lengths") + CONDITIONS
MIN_WRONG = {"sigmoid_gradient": 10, "prod": 10, "clip_gradients": 10, "step_lengths": 10,
             **{function: 6 for function in CONDITIONS}}
MIN_CORRECT = 4
MIN_NOTHING = 4
# The share of its points each severity may earn: the points policy of assignment.yml.
BANDS = {policy["severity"]: (policy["min"], policy["max"])
         for policy in LOADED["vanishing_gradients"].points_policy}
SEVERITY = re.compile(rf"^severity: ({'|'.join(BANDS)})$")
ALLOWED_IMPORTS = {"numpy", "math", "functools"}
HINT = re.compile(r"^hint: ([a-z][a-z0-9_]*)$")

SIGMOID_RTOL, SIGMOID_ATOL = 1e-10, 1e-15
PROD_RTOL = 1e-10
CLIP_RTOL = 1e-12
SCALE_RTOL = 1e-12
STEPS_RTOL = 1e-12
N_RANDOM = 30
SEED = 20240607


# --------------------------------------------------------------------------- the bank


def bank_files(kind=None, function=None):
    """Sorted paths of bank files, optionally only one kind ("wrong"/"correct") or function."""
    paths = sorted(BANK.glob("*/*.py"))
    return [
        p
        for p in paths
        if (kind is None or p.stem.startswith(kind + "_"))
        and (function is None or p.parent.name == function)
    ]


def load(path):
    """Exec one file in a fresh namespace (as a notebook cell) and return its function."""
    namespace = {"__name__": "student_cell"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace[path.parent.name]


def docstring_lines(path):
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return [line.strip() for line in doc.strip().splitlines()]


# --------------------------------------------------------------------------- inputs


def _scaled_to_spectral_norm(rng, n, target):
    W = rng.normal(size=(n, n))
    return W * (target / np.linalg.norm(W, 2))


def random_input(function, rng):
    """One random argument tuple for ``function``, with its description."""
    return _GENERATORS[function](rng)


def _random_sigmoid(rng):
    kind = rng.choice(["int", "float", "0d", "1d", "2d", "3d"])
    pool = np.concatenate(
        [
            rng.normal(0, 5, 8),
            rng.uniform(-1000, 1000, 8),
            [-1000, 1000, -745, 745, -40, 40, 0],
        ]
    )
    if kind == "int":
        value = int(rng.choice(pool))
        return f"python int {value}", (value,)
    if kind == "float":
        value = float(rng.choice(pool))
        return f"python float {value!r}", (value,)
    shape = {"0d": (), "1d": (int(rng.integers(1, 8)),)}.get(kind)
    if shape is None:
        ndim = 2 if kind == "2d" else 3
        shape = tuple(int(s) for s in rng.integers(1, 5, ndim))
    dtype = rng.choice(["int64", "int32", "float64", "float64", "float32"])
    values = rng.choice(pool, size=shape)
    x = np.asarray(np.round(values) if dtype.startswith("int") else values).astype(dtype)
    return f"{dtype} array of shape {shape}", (x,)


def _random_prod(rng):
    for _ in range(1000):
        n = int(rng.integers(1, 7))
        m = int(rng.integers(1, 6))
        if m == n:
            m += 1
        t = int(rng.integers(1, 31))
        k = int(rng.integers(0, t + 1))
        integer = rng.random() < 0.3
        column_bias = rng.random() < 0.5
        if integer:
            W_hh = rng.integers(-3, 4, (n, n))
            W_hx = rng.integers(-2, 3, (n, m))
            b_h = rng.integers(-2, 3, n)
            h = rng.integers(0, 2, (n, t))
            x = rng.integers(-2, 3, (m, t))
        else:
            W_hh = _scaled_to_spectral_norm(rng, n, rng.uniform(0.5, 10))
            W_hx = rng.normal(size=(n, m))
            b_h = rng.normal(size=n)
            h = rng.uniform(0.01, 0.99, (n, t))
            x = rng.normal(size=(m, t))
        if column_bias:
            b_h = b_h.reshape(n, 1)
        if np.max(np.abs(ref.pre_activations(W_hh, W_hx, b_h, h, x))) <= 12:
            label = (
                f"{'int' if integer else 'float'} inputs n={n} m={m} t={t} k={k} "
                f"b_h shape {b_h.shape}"
            )
            return label, (k, W_hh, W_hx, b_h, h, x)
    raise RuntimeError("could not draw moderate pre-activations")


def _random_clip(rng):
    count = int(rng.integers(1, 5))
    shapes = [
        tuple(int(s) for s in rng.integers(1, 6, int(rng.integers(1, 4)))) for _ in range(count)
    ]
    mode = rng.choice(["clip", "clip", "keep", "zero"])
    if mode == "zero":
        grads = [np.zeros(s) for s in shapes]
        return f"all-zero grads {shapes}", (grads, float(rng.uniform(0.1, 5)))
    scale = rng.choice([1e-3, 1.0, 100.0])
    grads = [rng.normal(0, scale, s) for s in shapes]
    g = ref.global_norm(grads)
    if mode == "clip":
        max_norm = float(g * rng.uniform(0.05, 0.9))
    elif rng.random() < 0.5:
        max_norm = int(math.ceil(2 * g))  # an int max_norm
    else:
        max_norm = float(g * rng.uniform(1.1, 10))
    return f"{mode}: grads {shapes}, max_norm {max_norm!r}", (grads, max_norm)


def _random_steps(rng):
    """One update's gradient arrays of mixed shapes (entries spread over orders of magnitude, or all
    zeros), max_norm below or above their norm and clip_value between the entries' sizes."""
    count = int(rng.integers(1, 5))
    shapes = [tuple(int(s) for s in rng.integers(1, 5, int(rng.integers(0, 4)))) for _ in range(count)]
    learning_rate = float(10.0 ** rng.uniform(-2, 0.3))
    mode = rng.choice(["clip", "clip", "keep", "equal", "zero"])
    if mode == "zero":
        grads = [np.zeros(s) for s in shapes]
        thresholds = (float(rng.uniform(0.1, 5)), float(rng.uniform(0.1, 5)))
        return f"all-zero grads {shapes}", (grads, learning_rate, *thresholds)
    if mode == "equal":  # entries of one size: clipping by value keeps the direction
        size = 10.0 ** rng.uniform(-1, 1)
        grads = [size * rng.choice([-1.0, 1.0], size=s) for s in shapes]
    else:
        grads = [rng.normal(size=s) * np.exp(rng.normal(scale=1.5, size=s)) for s in shapes]
    flat = np.concatenate([np.ravel(g) for g in grads])
    norm = float(np.linalg.norm(flat))
    max_norm = norm * float(rng.uniform(0.05, 0.9) if mode != "keep" else rng.uniform(1.1, 3.0))
    clip_value = float(np.quantile(np.abs(flat), rng.uniform(0.2, 0.9))) * (0.5 if mode == "equal" else 1.0)
    return f"{mode}: grads {shapes}, max_norm {max_norm:.3g}, clip_value {clip_value:.3g}", \
        (grads, learning_rate, max_norm, clip_value)


def _random_matrix(rng):
    """A square matrix of size 1 to 6 (integer, Gaussian or triangular) and a gamma."""
    n = int(rng.integers(1, 7))
    gamma = float(rng.choice([0.25, 0.5, 1.0, round(float(rng.uniform(0.1, 2.0)), 3)]))
    kind = rng.choice(["int", "gaussian", "triangular"])
    if kind == "int":
        W = rng.integers(-3, 4, (n, n))
        W[0, 0] = W[0, 0] or 2
        return f"int {n}x{n} matrix, gamma {gamma}", W, gamma
    W = _scaled_to_spectral_norm(rng, n, 1.0)
    if kind == "triangular":
        W = np.triu(rng.normal(scale=2.0, size=(n, n)), 1) + np.diag(rng.uniform(-1, 1, n))
    target = rng.uniform(0.3, 2.5) / gamma
    return f"{kind} {n}x{n} matrix with sigma_max {target:.3f}, gamma {gamma}", \
        W * (target / np.linalg.norm(W, 2)), gamma


def _random_scale(rng):
    label, W, gamma = _random_matrix(rng)
    return label, (W, gamma)


def _random_horizon(rng):
    """Below and above the threshold, never within 1e-3 of it, tol never near a whole power of the bound."""
    while True:
        label, W, gamma = _random_matrix(rng)
        bound, tol = gamma * ref.spectral_norm(W), float(10.0 ** rng.uniform(-8, -0.3))
        ratio = math.log(tol) / math.log(bound) if abs(bound - 1) >= 1e-3 else 0.5
        if abs(bound - 1) >= 1e-3 and abs(ratio - round(ratio)) > 1e-6:
            return f"{label}, tol {tol:.3g}", (W, gamma, tol)


def _random_trap(rng):
    gamma = float(rng.choice([0.25, 0.5, 1.0, round(float(rng.uniform(0.1, 2.0)), 3)]))
    size, steps = float(10.0 ** rng.uniform(0.2, 7)), int(rng.integers(1, 150))
    return f"gamma {gamma}, size {size:.4g}, steps {steps}", (gamma, size, steps)


def _random_explosion(rng):
    """Away from both thresholds (gamma sigma_max and gamma rho at least 1e-3 from 1)."""
    while True:
        label, W, gamma = _random_matrix(rng)
        if min(abs(gamma * ref.spectral_norm(W) - 1), abs(gamma * ref.spectral_radius(W) - 1)) >= 1e-3:
            return label, (W, gamma)


_GENERATORS = {
    "sigmoid_gradient": _random_sigmoid,
    "prod": _random_prod,
    "clip_gradients": _random_clip,
    "step_lengths": _random_steps,
    "safe_scale": _random_scale,
    "vanishing_horizon": _random_horizon,
    "non_normal_trap": _random_trap,
    "explosion_regime": _random_explosion,
}


def _fixed_sigmoid():
    tails = np.array([20.0, 30.0, 40.0, 100.0, 700.0, 745.0, 800.0])
    return [
        ("python int 0", (0,)),
        ("python int -1000", (-1000,)),
        ("python int 1000", (1000,)),
        ("python float -1000.0", (-1000.0,)),
        ("python float 1000.0", (1000.0,)),
        ("python float 0.5", (0.5,)),
        ("int array [-1000 -1 0 1 1000]", (np.array([-1000, -1, 0, 1, 1000]),)),
        ("float array [-1000 .. 1000]", (np.array([-1000.0, -2.5, 0.0, 2.5, 1000.0]),)),
        ("0-d float array -1000", (np.array(-1000.0),)),
        ("2-D float array", (np.linspace(-6, 6, 12).reshape(3, 4),)),
        ("3-D int array", (np.arange(-12, 12).reshape(2, 3, 4),)),
        ("float32 array", (np.array([-3.0, 0.0, 0.5, 3.0], dtype=np.float32),)),
        ("tails +-20..800", (np.concatenate([-tails, tails]),)),
        ("empty array", (np.zeros(0),)),
    ]


def _fixed_prod():
    rng = np.random.default_rng(7)
    cases = []

    def add(label, k, W_hh, W_hx, b_h, h, x):
        cases.append((label, (k, W_hh, W_hx, b_h, h, x)))

    n, m, t = 3, 2, 4
    add("k = t gives the identity (b_h (n,1))", t, _scaled_to_spectral_norm(rng, n, 2),
        rng.normal(size=(n, m)), rng.normal(size=(n, 1)), rng.uniform(0, 1, (n, t)),
        rng.normal(size=(m, t)))
    add("t = 1, k = 1 (identity)", 1, _scaled_to_spectral_norm(rng, n, 2),
        rng.normal(size=(n, m)), rng.normal(size=n), rng.uniform(0, 1, (n, 1)),
        rng.normal(size=(m, 1)))
    add("t = 1, k = 0 (one factor)", 0, _scaled_to_spectral_norm(rng, n, 2),
        rng.normal(size=(n, m)), rng.normal(size=n), rng.uniform(0, 1, (n, 1)),
        rng.normal(size=(m, 1)))
    # The non-normal counterexample: spectral radius 3.88 < 4, yet with every a_i = 0 the
    # product of 19 Jacobians grows to about 11.
    add("non-normal W, a_i = 0, t = 20, k = 1", 1, np.array([[3.88, 4.0], [0.0, 3.88]]),
        np.array([[0.5], [-0.5]]), np.zeros(2), np.zeros((2, 20)), np.zeros((1, 20)))
    n, m, t = 4, 3, 30
    add("vanishing: sigma_max 1, t = 30, k = 0", 0, _scaled_to_spectral_norm(rng, n, 1.0),
        rng.normal(size=(n, m)), rng.normal(size=(n, 1)), rng.uniform(0, 1, (n, t)),
        rng.normal(size=(m, t)))
    n, m, t = 2, 3, 25
    add("growing: sigma_max 9, t = 25, k = 2", 2, _scaled_to_spectral_norm(rng, n, 9.0),
        0.3 * rng.normal(size=(n, m)), -np.full(n, 4.0), rng.uniform(0, 1, (n, t)),
        rng.normal(size=(m, t)))
    t = 6
    x_sat = np.vstack([np.ones(t), rng.normal(size=t)])
    add("saturated units (a ~ +-900)", 0, _scaled_to_spectral_norm(rng, 3, 2.0),
        np.array([[900.0, 0.0], [0.0, 0.5], [-900.0, 0.0]]), np.zeros((3, 1)),
        rng.uniform(0, 1, (3, t)), x_sat)
    add("int inputs, b_h (n,1), n=3 m=2 t=7 k=2", 2, np.array([[1, -2, 0], [2, 1, -1], [0, 1, 2]]),
        np.array([[1, 0], [-1, 1], [0, 2]]), np.array([[1], [0], [-1]]),
        np.array([[0, 1, 1, 0, 1, 0, 1], [1, 1, 0, 0, 1, 1, 0], [0, 0, 1, 1, 1, 0, 1]]),
        np.array([[1, -1, 0, 2, -2, 1, 0], [0, 1, 1, -1, 0, 2, -1]]))
    add("scalar RNN n=1, m=3, t=10, k=3", 3, np.array([[2.5]]), rng.normal(size=(1, 3)),
        np.array([0.3]), rng.uniform(0, 1, (1, 10)), rng.normal(size=(3, 10)))
    n, m, t = 5, 2, 20
    add("seed shapes: b_h (5,1), t = 20, k = 5", 5, _scaled_to_spectral_norm(rng, n, 3.0),
        rng.normal(size=(n, m)), rng.normal(size=(n, 1)), rng.uniform(0, 1, (n, t)),
        rng.normal(size=(m, t)))
    return cases


def _fixed_clip():
    return [
        ("all-zero grads of mixed shapes", ([np.zeros((3, 4)), np.zeros(5), np.zeros((2, 3, 2))], 1.0)),
        ("clip: g = 13 > 5", ([np.array([3.0, 4.0]), np.array([[12.0]])], 5.0)),
        ("keep: g = 5 < 10", ([np.array([3.0, 4.0])], 10.0)),
        ("keep: g == max_norm == 5", ([np.array([3.0, 4.0])], 5.0)),
        ("clip a rank-2 matrix", ([np.array([[1.0, 2.0], [3.0, 4.0]])], 1.0)),
        ("int max_norm 2", ([np.array([[2.0, -1.0], [0.5, 3.0]]), np.array([1.0, -2.0, 2.0])], 2)),
        ("tiny gradients stay tiny", ([np.full((2, 2), 1e-3), np.full(3, -2e-3)], 1.0)),
        ("small first array, large second", ([np.full((2, 2), 0.1), np.full(3, 10.0)], 1.0)),
    ]


def _fixed_steps():
    return [
        ("all-zero grads of mixed shapes", ([np.zeros((3, 4)), np.zeros(5), np.zeros(())], 0.5, 1.0, 1.0)),
        ("entries of one size, all clipped", ([np.array([2.0, -2.0, 2.0]), np.array([[-2.0], [2.0]])], 0.1, 1.0, 0.5)),
        ("every entry above clip_value", ([np.array([3.0, -1.5]), np.array([[0.75, -8.0]])], 0.2, 2.0, 0.5)),
        ("norm 5, spread", ([np.array([3.0, 4.0])], 0.1, 10.0, 1.0)),
        ("norm 5, peaked", ([np.array([5.0, 0.0])], 0.1, 10.0, 1.0)),
        ("nothing clipped", ([np.array([0.1, -0.2]), np.array([[0.3]])], 0.5, 10.0, 1.0)),
        ("norm exactly max_norm", ([np.array([3.0, 4.0])], 0.5, 5.0, 10.0)),
        ("entries exactly clip_value", ([np.array([1.0, -1.0, 0.5])], 0.5, 10.0, 1.0)),
        ("a 0-d array and int thresholds", ([np.array(7.0), np.array([1.0, -3.0])], 1, 2, 1)),
        ("one entry", ([np.array([-40.0])], 0.3, 1.0, 2.0)),
        ("some arrays all zero", ([np.zeros((2, 2)), np.array([0.5, -6.0]), np.zeros(3)], 0.2, 1.0, 1.0)),
        ("a spike of 1e4", ([np.full((4, 4), 1e-3), np.array([1e4, -2.0])], 0.5, 1.0, 1.0)),
    ]


_W_NN = np.array([[3.88, 4.0], [0.0, 3.88]])  # the text's non-normal example


def _orthogonal(seed, n):
    return np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))[0]


def _unit_norm(seed, n):
    """A random matrix scaled to sigma_max = 1: rounding leaves it just above or below."""
    W = np.random.default_rng(seed).normal(size=(n, n))
    return W / np.linalg.norm(W, 2)


def _fixed_scale():
    return [
        ("non-normal W_nn, gamma 1/4", (_W_NN, 0.25)),
        ("boundary diag(4, 1), gamma 1/4", (np.diag([4.0, 1.0]), 0.25)),
        ("int identity, gamma 1", (np.eye(3, dtype=int), 1.0)),
        ("1x1 [[-4]], gamma 1/4", (np.array([[-4.0]]), 0.25)),
        ("[[3, 3], [0, 0]] (singular), gamma 1/2", (np.array([[3.0, 3.0], [0.0, 0.0]]), 0.5)),
        ("0.9 times a rotation, gamma 1", (0.9 * _orthogonal(8, 2), 1.0)),
        ("int gamma 1", (np.array([[0.5, 0.3], [0.0, 0.5]]), 1)),
    ]


def _fixed_horizon():
    return [
        ("orthogonal 5x5, tanh: at the threshold", (_orthogonal(8, 5), 1.0, 0.5)),
        ("4 times orthogonal 4x4, gamma 1/4: at the threshold", (4.0 * _orthogonal(9, 4), 0.25, 0.5)),
        ("sigma_max rounded below 1, gamma 1", (_unit_norm(1, 2), 1.0, 0.5)),
        ("sigma_max rounded below 1, 3x3, gamma 1", (_unit_norm(3, 3), 1.0, 0.01)),
        ("non-normal W_nn, gamma 1/4: above", (_W_NN, 0.25, 0.01)),
        ("rho < 1 < gamma sigma_max: no horizon", (np.array([[0.5, 0.9], [0.0, 0.5]]), 1.0, 0.1)),
        ("exact power: 0.5^3 = 0.125", (np.diag([2.0, 1.0]), 0.25, 0.125)),
        ("one step is enough", (np.diag([2.0, 1.0]), 0.25, 0.9)),
        ("1e-4 below the threshold", (np.diag([1.0 - 1e-4, 0.5]), 1.0, 0.3)),
        ("int matrix below the threshold", (np.array([[1, 1], [0, 1]]), 0.25, 1e-6)),
    ]


def _fixed_trap():
    return [
        ("the text's setting: gamma 1/4, size 10, 19 steps", (0.25, 10.0, 19)),
        ("tanh, size 100, 5 steps", (1.0, 100.0, 5)),
        ("one step, size 3", (0.25, 3.0, 1)),
        ("one step, gamma 2", (2.0, 1.5, 1)),
        ("300 steps past 1e9", (0.5, 1e9, 300)),
        ("int size", (1.0, 50, 12)),
    ]


def _fixed_explosion():
    rotated = _orthogonal(10, 2) @ np.array([[1.0, 3.0], [0.0, 0.5]]) @ _orthogonal(10, 2).T
    return [
        ("non-normal W_nn, gamma 1/4: possible", (_W_NN, 0.25)),
        ("W_6 = [[6, 6], [-6, -6]] (nilpotent), gamma 1/4", (np.array([[6.0, 6.0], [-6.0, -6.0]]), 0.25)),
        ("orthogonal 5x5, tanh: impossible", (_orthogonal(8, 5), 1.0)),
        ("sigma_max rounded to 1", (_unit_norm(3, 3), 1.0)),
        ("boundary diag(4, -2), gamma 1/4", (np.diag([4.0, -2.0]), 0.25)),
        ("Jordan block at rho = 1/gamma", (np.array([[2.0, 2.0], [0.0, 2.0]]), 0.5)),
        ("rotated triangular, rho = 1/gamma up to rounding", (rotated, 1.0)),
        ("1e-6 above rho = 1/gamma", (np.array([[2.0, 2.0], [0.0, 2.0]]) * (1 + 1e-6), 0.5)),
        ("symmetric, gamma 1", (np.array([[1.5, 0.3], [0.3, -0.2]]), 1.0)),
        ("int matrix, int gamma", (np.array([[1, 2], [0, 1]]), 1)),
    ]


_FIXED = {
    "sigmoid_gradient": _fixed_sigmoid,
    "prod": _fixed_prod,
    "clip_gradients": _fixed_clip,
    "step_lengths": _fixed_steps,
    "safe_scale": _fixed_scale,
    "vanishing_horizon": _fixed_horizon,
    "non_normal_trap": _fixed_trap,
    "explosion_regime": _fixed_explosion,
}


@functools.cache
def cases(function):
    """Fixed edge cases, then N_RANDOM seeded random ones: a tuple of (label, args)."""
    rng = np.random.default_rng([SEED, FUNCTIONS.index(function)])
    fixed = [(f"edge case: {label}", args) for label, args in _FIXED[function]()]
    randoms = []
    for i in range(N_RANDOM):
        label, args = random_input(function, rng)
        randoms.append((f"random #{i}: {label}", args))
    return tuple(fixed + randoms)


# --------------------------------------------------------------------------- checks


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _snapshot(args):
    """Deep copies of the arguments, plus the identities of list items."""
    return [(_copy(a), [id(v) for v in a] if isinstance(a, list) else None) for a in args]


def _same(before, after):
    if isinstance(before, np.ndarray):
        return (
            isinstance(after, np.ndarray)
            and before.shape == after.shape
            and before.dtype == after.dtype
            and np.array_equal(before, after, equal_nan=True)
        )
    if isinstance(before, list):
        return (
            isinstance(after, list)
            and len(before) == len(after)
            and all(_same(b, a) for b, a in zip(before, after))
        )
    return type(before) is type(after) and before == after


def _unchanged(args, snapshot):
    for position, (arg, (saved, ids)) in enumerate(zip(args, snapshot)):
        if not _same(saved, arg) or (ids is not None and ids != [id(v) for v in arg]):
            return f"argument {position} was modified"
    return None


def _input_arrays(args):
    for a in args:
        if isinstance(a, np.ndarray):
            yield a
        elif isinstance(a, list):
            yield from (v for v in a if isinstance(v, np.ndarray))


def _shares(out_arrays, args):
    for out in out_arrays:
        for arr in _input_arrays(args):
            if isinstance(out, np.ndarray) and np.shares_memory(out, arr):
                return "the result shares memory with an input"
    return None


def call_strictly(func, args):
    """Call with every warning an error and numpy's over/divide/invalid set to warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn", under="ignore"):  # underflow to 0 is allowed
            return func(*args)


def _float64_array(out, shape):
    if not isinstance(out, (np.ndarray, np.floating, float)):
        return f"returned {type(out).__name__}, expected a float64 ndarray"
    arr = np.asarray(out)
    if arr.shape != shape:
        return f"shape {arr.shape}, expected {shape}"
    if arr.dtype != np.float64:
        return f"dtype {arr.dtype}, expected float64"
    return None


def _check_sigmoid(args, out, expected):
    (x,) = args
    problem = _float64_array(out, np.shape(x))
    if problem:
        return problem
    arr = np.asarray(out)
    bad = ~(np.abs(arr - expected) <= SIGMOID_RTOL * np.abs(expected) + SIGMOID_ATOL)
    if np.any(bad):
        i = np.flatnonzero(bad)[0]
        return (
            f"value {arr.ravel()[i]!r} at x = {np.ravel(np.asarray(x))[i]!r}, "
            f"expected {np.ravel(expected)[i]!r}"
        )
    return _shares([out], args)


def _check_prod(args, out, expected):
    n = np.shape(args[1])[0]
    if not isinstance(out, np.ndarray):
        return f"returned {type(out).__name__}, expected an ndarray"
    problem = _float64_array(out, (n, n))
    if problem:
        return problem
    size = np.linalg.norm(expected)
    error = np.linalg.norm(out - expected)
    if not error <= PROD_RTOL * size:
        return f"relative Frobenius error {error / size if size else error:.3g} (|ref| = {size:.3g})"
    return _shares([out], args)


def _check_clip(args, out, expected):
    grads, _ = args
    clipped_ref, g_ref = expected
    if not (isinstance(out, tuple) and len(out) == 2):
        return f"returned {type(out).__name__}, expected a (clipped, g) tuple"
    clipped, g = out
    if not isinstance(clipped, list):
        return f"clipped is a {type(clipped).__name__}, expected a list"
    if clipped is grads:
        return "returned the input list itself"
    if len(clipped) != len(grads):
        return f"{len(clipped)} arrays returned for {len(grads)}"
    for i, (c, a) in enumerate(zip(clipped, grads)):
        if not isinstance(c, np.ndarray):
            return f"clipped[{i}] is {type(c).__name__}, expected an ndarray"
        problem = _float64_array(c, a.shape)
        if problem:
            return f"clipped[{i}]: {problem}"
    if not isinstance(g, float):
        return f"g is {type(g).__name__}, expected a float"
    if not abs(g - g_ref) <= CLIP_RTOL * g_ref:
        return f"g = {g!r}, expected {g_ref!r}"
    error = math.sqrt(sum(float(np.sum((c - r) ** 2)) for c, r in zip(clipped, clipped_ref)))
    size = ref.global_norm(clipped_ref)
    if not error <= CLIP_RTOL * size:
        return f"clipped values off by {error:.3g} (global norm of the expected result {size:.3g})"
    return _shares(clipped, args)


def _check_steps(args, out, expected):
    if not isinstance(out, dict):
        return f"returned {type(out).__name__}, expected a dict"
    if set(out) != set(ref.STEP_RULES):
        return f"keys {sorted(map(str, out))}, expected {sorted(ref.STEP_RULES)}"
    for rule in ref.STEP_RULES:
        pair = out[rule]
        if not (isinstance(pair, tuple) and len(pair) == 2 and all(type(v) is float for v in pair)):
            return f"{rule!r}: {pair!r}, expected a pair of floats"
        (length, cosine), (expected_length, expected_cosine) = pair, expected[rule]
        if not abs(length - expected_length) <= STEPS_RTOL * expected_length:
            return f"{rule!r}: length {length!r}, expected {expected_length!r}"
        if not abs(cosine - expected_cosine) <= STEPS_RTOL:
            return f"{rule!r}: cosine {cosine!r}, expected {expected_cosine!r}"
    return None


def _check_scale(args, out, expected):
    if not isinstance(out, (float, np.float64)):
        return f"returned {type(out).__name__} {out!r}, expected a float"
    if not abs(out - expected) <= SCALE_RTOL * expected:
        return f"returned {out!r}, expected {expected!r}"
    return None


def _check_horizon(args, out, expected):
    if expected is None:
        return None if out is None else f"returned {out!r}, expected None"
    if isinstance(out, bool) or not isinstance(out, (int, np.integer)):
        return f"returned {type(out).__name__} {out!r}, expected the int {expected}"
    return None if out == expected else f"returned {out!r}, expected {expected}"


def _check_trap(args, out, expected):
    gamma, size, steps = args
    if not (isinstance(out, np.ndarray) and out.ndim == 2 and out.shape[0] == out.shape[1] <= 20
            and out.dtype.kind in "iuf" and np.all(np.isfinite(out))):
        return f"returned {type(out).__name__}, expected a finite square array"
    if not gamma * ref.spectral_radius(out) < 1:
        return f"gamma rho(W) = {gamma * ref.spectral_radius(out)!r}, not below 1"
    with np.errstate(all="ignore"):
        grown = ref.full_slope_norms(out, gamma, steps)[-1]
    return None if np.isfinite(grown) and grown > size else f"||(gamma W)^steps|| = {grown!r}, not above {size!r}"


def _check_explosion(args, out, expected):
    if not isinstance(out, str):
        return f"returned {type(out).__name__} {out!r}, expected a str"
    return None if out == expected else f"returned {out!r}, expected {expected!r}"


_CHECKS = {
    "sigmoid_gradient": _check_sigmoid,
    "prod": _check_prod,
    "clip_gradients": _check_clip,
    "step_lengths": _check_steps,
    "safe_scale": _check_scale,
    "vanishing_horizon": _check_horizon,
    "non_normal_trap": _check_trap,
    "explosion_regime": _check_explosion,
}


def first_failure(function, func):
    """The first failed check of ``func`` over every case, as a message; None if all pass."""
    reference = getattr(ref, function)
    for label, args in cases(function):
        expected = reference(*_copy(list(args)))
        work = _copy(list(args))  # keep the cached case pristine for the next file
        snapshot = _snapshot(work)
        try:
            out = call_strictly(func, work)
        except Exception as exc:  # a raised warning counts as a failure too
            return f"{label}: raised {type(exc).__name__}: {exc}"
        problem = _unchanged(work, snapshot) or _CHECKS[function](work, out, expected)
        if problem:
            return f"{label}: {problem}"
    return None


# --------------------------------------------------------------------------- tests


def _ids(paths):
    return [p.stem for p in paths]


ALL_FILES = bank_files()
CORRECT_FILES = bank_files("correct")
WRONG_FILES = bank_files("wrong")
NOTHING_FILES = bank_files("nothing")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_bank_has_enough_implementations(function):
    """Does each function have enough wrong and correct implementations in the bank?"""
    wrong = bank_files("wrong", function)
    correct = bank_files("correct", function)
    assert len(wrong) >= MIN_WRONG[function], [p.name for p in wrong]
    assert len(correct) >= MIN_CORRECT, [p.name for p in correct]


def test_every_file_is_wrong_correct_or_nothing_for_a_known_function():
    """Is every bank file named <function>/<wrong|correct|nothing>_<slug>.py?"""
    assert ALL_FILES
    for path in BANK.rglob("*.py"):
        assert path.parent.parent == BANK and path.parent.name in FUNCTIONS, path
        assert re.fullmatch(r"(wrong|correct|nothing)_[a-z0-9_]+", path.stem), path


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_file_is_a_single_notebook_cell(path):
    """Is the file a docstring, imports and exactly one top-level def of the graded name?"""
    tree = ast.parse(path.read_text())
    body = tree.body
    assert body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    assert isinstance(body[0].value.value, str), "first statement must be the docstring"
    defs = [node for node in body[1:] if isinstance(node, ast.FunctionDef)]
    assert [d.name for d in defs] == [path.parent.name]
    for node in body[1:]:
        if isinstance(node, ast.Import):
            assert {a.name.split(".")[0] for a in node.names} <= ALLOWED_IMPORTS, ast.dump(node)
        elif isinstance(node, ast.ImportFrom):
            assert node.module.split(".")[0] in ALLOWED_IMPORTS, ast.dump(node)
        else:
            assert isinstance(node, ast.FunctionDef), f"top-level side effect: {ast.dump(node)}"
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert "print" not in names


def severity(path):
    """The severity label of a bank file (its docstring's ``severity:`` line)."""
    labels = [SEVERITY.match(line).group(1) for line in docstring_lines(path) if SEVERITY.match(line)]
    assert len(labels) == 1, f"{path.name}: one `severity: <label>` line expected"
    return labels[0]


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_docstring_describes_the_file(path):
    """Does the docstring say what the file does, with a hint keyword exactly on wrong files and a
    severity label that agrees with the file's kind?"""
    lines = docstring_lines(path)
    assert lines and lines[0] and not lines[0].startswith(("hint:", "severity:"))
    hints = [line for line in lines if line.startswith("hint:")]
    kind = path.stem.split("_")[0]
    if kind == "wrong":
        assert len(hints) == 1 and lines[1] == hints[0], lines
        assert HINT.match(hints[0]), hints[0]
        assert severity(path) in ("math", "form", "flaw")
    else:
        assert hints == [], lines
        assert severity(path) == kind


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_has_a_do_nothing_family(function):
    """Does each function have do-nothing entries (zeros or constants, echo or identity, None)?"""
    assert len(bank_files("nothing", function)) >= MIN_NOTHING
    assert any("none" in p.stem for p in bank_files("nothing", function))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_reference_passes_every_check(function):
    """Does the reference itself pass every check (so the checks are not too strict)?"""
    assert first_failure(function, getattr(ref, function)) is None


@pytest.mark.parametrize("path", CORRECT_FILES, ids=_ids(CORRECT_FILES))
def test_correct_alternative_agrees_with_reference(path):
    """Does every correct alternative agree with the reference and obey every policy?"""
    failure = first_failure(path.parent.name, load(path))
    assert failure is None, failure


@pytest.mark.parametrize("path", WRONG_FILES + NOTHING_FILES, ids=_ids(WRONG_FILES + NOTHING_FILES))
def test_wrong_implementation_is_caught(path):
    """Does at least one check fail for every wrong or do-nothing implementation?"""
    assert first_failure(path.parent.name, load(path)) is not None


def test_random_inputs_cover_the_required_variety():
    """Do the generated inputs cover the shapes, dtypes and regimes the grader must try?"""
    sig = [args[0] for _, args in cases("sigmoid_gradient")]
    assert any(isinstance(x, int) for x in sig) and any(isinstance(x, float) for x in sig)
    assert any(isinstance(x, np.ndarray) and x.dtype.kind == "i" for x in sig)
    assert any(isinstance(x, np.ndarray) and x.ndim >= 2 for x in sig)
    assert max(np.max(np.abs(x)) for x in sig if np.size(x)) == 1000

    prods = [args for _, args in cases("prod")]
    ts = [np.shape(h)[1] for _, _, _, _, h, _ in prods]
    assert min(ts) == 1 and max(ts) >= 25
    assert any(W_hx.shape[0] != W_hx.shape[1] for _, _, W_hx, _, _, _ in prods)
    assert {np.ndim(b) for _, _, _, b, _, _ in prods} == {1, 2}
    assert any(k == 0 for k, *_ in prods) and any(k == np.shape(h)[1] for k, _, _, _, h, _ in prods)
    assert any(0 < k < np.shape(h)[1] for k, _, _, _, h, _ in prods)
    assert any(np.asarray(W).dtype.kind == "i" for _, W, *_ in prods)

    clips = [args for _, args in cases("clip_gradients")]
    norms = [(ref.global_norm(grads), max_norm) for grads, max_norm in clips]
    assert any(g == 0 for g, _ in norms)
    assert any(g > c for g, c in norms) and any(0 < g <= c for g, c in norms)
    assert any(len({a.shape for a in grads}) > 1 for grads, _ in clips)

    steps = [args for _, args in cases("step_lengths")]
    flats = [(np.concatenate([np.ravel(g) for g in grads]), max_norm, clip_value)
             for grads, _, max_norm, clip_value in steps]
    assert any(not np.any(g) for g, _, _ in flats)  # all zeros
    assert any(np.linalg.norm(g) > c for g, c, _ in flats) and any(0 < np.linalg.norm(g) < c for g, c, _ in flats)
    assert any(np.any(np.abs(g) > v) and np.any((0 < np.abs(g)) & (np.abs(g) < v)) for g, _, v in flats)
    assert any(np.any(g) and len(set(np.abs(g[g != 0]))) == 1 and np.all(np.abs(g[g != 0]) > v) for g, _, v in flats)
    assert any(len({np.shape(a) for a in grads}) > 1 for grads, *_ in steps)
    assert len({learning_rate for _, learning_rate, _, _ in steps}) >= N_RANDOM


# --------------------------------------------------------------------------- scores by understanding
#
# Graded through `make grade`'s path (tests/conftest.py): the score of a bank entry is the score
# of the cases that call its function (conditions also holds the short answers, which every
# entry keeps from the solution notebook).

# Bank entries that pass every public check of their function yet fail a hidden one, with the
# reason the public checks cannot predict it. None so far: every hidden property has a public twin.
PUBLIC_HIDDEN_EXCEPTIONS = {}


@pytest.fixture(scope="module")
def function_cases(bundle, tmp_path_factory):
    """{function: {case name: case}} of the bundle's test files: the cases that call the function."""
    import zipfile

    from grader import otter_tests

    from ..conftest import QUESTION_OF

    folder = tmp_path_factory.mktemp("bundle")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    cases = {}
    for function, question in QUESTION_OF.items():
        loaded = otter_tests.load(folder / "tests" / f"{question}.py")
        cases[function] = {case.name: case for case in loaded.cases if function in case.parameters}
    return cases


def function_results(results, function, function_cases):
    """[(case, passed)] of the cases calling function, from one results.json."""
    from ..conftest import QUESTION_OF

    test = next(t for t in results["tests"] if t["name"] == QUESTION_OF[function])
    passed = {case["name"]: case["passed"] for case in test["extra_data"]["cases"]}
    return [(case, passed[name]) for name, case in function_cases[function].items()]


def function_score(results, function, function_cases):
    """The fraction of the function's points that results earned."""
    rows = function_results(results, function, function_cases)
    return sum(case.points for case, ok in rows if ok) / sum(case.points for case, _ in rows)


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_score_is_in_the_band_of_its_severity(bank_results, function_cases, path):
    """Does each entry score within the band of its severity label (nothing 0, wrong maths or form
    at most 25 %, one flaw 50 to 99 %, correct 100 %)?"""
    results = bank_results[f"{path.parent.name}__{path.stem}"]
    score = function_score(results, path.parent.name, function_cases)
    low, high = BANDS[severity(path)]
    assert low <= score <= high, f"{severity(path)} entry scored {score:.1%}: {results['tests']}"


# The flaws nearest a tolerance: float32 arithmetic, right mathematics at too low a precision.
NEAR_TOLERANCE = ("prod/wrong_float32_slopes", "safe_scale/wrong_float32")


@pytest.mark.parametrize("stem", NEAR_TOLERANCE)
def test_flaws_near_a_tolerance_keep_their_band_on_every_seed(function_cases, monkeypatch, stem):
    """Does each flaw nearest a tolerance earn a flaw's share on each of 40 grading seeds, not only on the
    seed the bank is graded with (any change to a test file draws new hidden inputs)?"""
    function = stem.split("/")[0]
    namespace = {}
    exec((BANK / f"{stem}.py").read_text(), namespace)
    cases = function_cases[function].values()
    low, high = BANDS["flaw"]
    for seed in np.random.default_rng(0).integers(0, 2**63, size=40):
        monkeypatch.setenv("VG_GRADING_SEED", str(seed))
        earned = 0.0
        for case in cases:
            try:
                case.function(**{name: namespace[name] for name in case.parameters})
            except Exception:  # a failed check
                continue
            earned += case.points
        share = earned / sum(case.points for case in cases)
        assert low <= share <= high, f"seed {seed}: {share:.1%}"


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_public_checks_predict_hidden_ones(bank_results, function_cases, path):
    """If an entry passes every public check of its function, does it pass every hidden one too?"""
    rows = function_results(bank_results[f"{path.parent.name}__{path.stem}"], path.parent.name, function_cases)
    public_pass = all(ok for case, ok in rows if not case.hidden)
    failed_hidden = [case.description for case, ok in rows if case.hidden and not ok]
    if f"{path.parent.name}/{path.stem}" in PUBLIC_HIDDEN_EXCEPTIONS:
        assert public_pass and failed_hidden, "the exception no longer applies: remove it"
    else:
        assert not (public_pass and failed_hidden), failed_hidden


def test_public_cases_earn_nothing_and_hidden_ones_call_the_function(function_cases):
    """Are public cases worth 0 points, and does every paying case belong to a hidden check?"""
    for function, cases in function_cases.items():
        assert all(case.points == 0 for case in cases.values() if not case.hidden), function
        assert sum(case.points for case in cases.values() if case.hidden) > 0, function


# --------------------------------------------------------------------------- gaming the grader

SIGNATURES = {
    "sigmoid_gradient": "x",
    "prod": "k, W_hh, W_hx, b_h, h, x",
    "clip_gradients": "grads, max_norm",
    "step_lengths": "grads, learning_rate, max_norm, clip_value",
    "safe_scale": "W_hh, gamma",
    "vanishing_horizon": "W_hh, gamma, tol",
    "non_normal_trap": "gamma, size, steps",
    "explosion_regime": "W_hh, gamma",
}
LOOKUP_CELL = '''import copy

import numpy as np

_ANSWERS_{function} = {answers}


def _same(a, b):
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype.kind == b.dtype.kind and np.array_equal(a, b)


def {function}({signature}):
    for inputs, answer in _ANSWERS_{function}:
        if _same(inputs, ({signature},)):
            return copy.deepcopy(answer)
    raise NotImplementedError("not among the public inputs")
'''


def public_answers(tests_dir):
    """{function: [(inputs, expected output)]}: every input of the public checks with the
    expected output that the public test files themselves give for it."""
    def namespace(question):
        found = {"__name__": f"public_{question}"}
        exec((tests_dir / f"{question}.py").read_text(), found)
        return found

    sig = namespace("sigmoid_gradient")
    pairs = [(sig["_SMALL_X"], sig["_SMALL_EXPECTED"]), (sig["_EXTREME_X"], sig["_EXTREME_EXPECTED"])]
    pairs += list(zip(sig["_INPUT_KINDS"], sig["_INPUT_KINDS_EXPECTED"]))
    answers = {"sigmoid_gradient": [((x,), expected) for x, expected in pairs]}
    prod = namespace("prod")
    examples = [(prod["_public_example"]((-1,)), prod["_PUBLIC_EXPECTED"]),
                (prod["_public_example"]((-1, 1)), prod["_PUBLIC_EXPECTED"]),
                (prod["_saturated_example"](), prod["_SATURATED_EXPECTED"]),
                (prod["_growing_example"](), prod["_GROWING_EXPECTED"])]
    answers["prod"] = [((k, *args), expected[k]) for args, expected in examples for k in range(len(expected))]
    clip = namespace("clip_gradients")
    grads = clip["_public_grads"]()
    answers["clip_gradients"] = [((grads, clip["_MAX_NORM"]), (clip["_EXPECTED"], clip["_EXPECTED_G"])),
                                 ((grads, 100.0), (grads, clip["_EXPECTED_G"])),
                                 ((clip["_ZERO_GRADS"], 1.0), (clip["_ZERO_GRADS"], 0.0))]
    steps = namespace("step_lengths")
    rates = (steps["_RATE"], steps["_MAX_NORM"], steps["_CLIP_VALUE"])
    answers["step_lengths"] = [((grads, *rates), expected) for _, grads, expected in steps["_RUN_UPDATES"]]
    answers["step_lengths"] += [((grads, *thresholds), expected)
                                for _, grads, *thresholds, expected in steps["_SEPARATING"]]
    answers["step_lengths"] += [((steps["_ZERO_GRADS"], 0.5, 1.0, 1.0), steps["_ZERO_EXPECTED"])]
    conditions = namespace("conditions")
    untouched = np.array([[1.2, 2.0], [0.0, 0.6]])  # the matrix of the public checks that W_hh is left alone
    answers["safe_scale"] = [((W, gamma), scale) for W, gamma, scale in conditions["_SCALE_EXAMPLES"]]
    answers["safe_scale"] += [((untouched, 0.5), ref.safe_scale(untouched, 0.5))]
    answers["vanishing_horizon"] = [((W, gamma, tol), steps)
                                    for W, gamma, tol, steps in conditions["_HORIZON_EXAMPLES"]]
    answers["vanishing_horizon"] += [((untouched, 0.25, 0.01), ref.vanishing_horizon(untouched, 0.25, 0.01))]
    # The construction has no expected value: the memoriser keeps a right matrix per public input.
    answers["non_normal_trap"] = [(args, ref.non_normal_trap(*args))
                                  for args in [(0.25, 10.0, 19), (1.0, 100.0, 5), (0.5, 1e4, 40), (0.25, 3.0, 1),
                                               (1.0, 1e9, 300)]]
    answers["explosion_regime"] = [((W, gamma), label) for W, gamma, label in conditions["_EXPLOSION_EXAMPLES"]]
    answers["explosion_regime"] += [((untouched, 0.5), ref.explosion_regime(untouched, 0.5))]
    return answers


def lookup_cell(function, answers):
    from builder.render import python_literal

    return LOOKUP_CELL.format(function=function, signature=SIGNATURES[function], answers=python_literal(answers))


def test_memorising_the_public_checks_earns_nothing(grade, dist, student_notebook, function_cases):
    """Does a notebook that answers every public input with the expected output of the release's
    public test files (and has stubs elsewhere) pass those checks yet score 0? Does the blank
    release score 0 without a traceback?"""
    from ..conftest import ASSIGNMENT, with_cell_replaced

    answers = public_answers(dist / "student" / ASSIGNMENT / "tests")
    memoriser = student_notebook
    for function, pairs in answers.items():
        memoriser = with_cell_replaced(memoriser, function, lookup_cell(function, pairs))
    results = grade({"memoriser": memoriser, "blank": student_notebook})
    for function in FUNCTIONS:
        rows = function_results(results["memoriser"], function, function_cases)
        assert all(ok for case, ok in rows if not case.hidden), (function, results["memoriser"]["output"][:3000])
    assert results["memoriser"]["score"] == 0, results["memoriser"]["tests"]
    assert results["blank"]["score"] == 0
    assert "Traceback" not in results["blank"]["output"] + "".join(t["output"] for t in results["blank"]["tests"])


# Question 5 answered with the numbers and verdicts the notebook's text states, and nothing computed.
TEXT_COPIER = {
    "safe_scale": "def safe_scale(W_hh, gamma):\n    return 4.0 if gamma == 0.25 else 1.0\n",
    "vanishing_horizon": "def vanishing_horizon(W_hh, gamma, tol):\n    return None if gamma == 1.0 else 19\n",
    "non_normal_trap": "import numpy as np\n\n\ndef non_normal_trap(gamma, size, steps):\n"
                       "    return np.array([[3.88, 4.0], [0.0, 3.88]])\n",
    "explosion_regime": "def explosion_regime(W_hh, gamma):\n"
                        '    return "possible" if gamma == 0.25 else "impossible"\n',
}


def test_copying_the_numbers_of_the_text_earns_nothing(grade, solution_notebook):
    """Does a notebook that answers Question 5 with the numbers the text states (the threshold 4, the 19
    factors, its non-normal W_nn, its verdicts) and computes nothing score 0 on the question?"""
    from ..conftest import question_scores, with_cell_replaced

    copier = solution_notebook
    for function, source in TEXT_COPIER.items():
        copier = with_cell_replaced(copier, function, source)
    results = grade({"copier": copier})["copier"]
    assert question_scores(results)["conditions"] == 0, results["tests"]


def _corrupting_cell(function, base, how):
    """A cell whose function returns base's answer, then changes its array arguments in place."""
    signature = SIGNATURES[function]
    return f'''{base}

def _corrupt(value, how):
    arrays = [value] if isinstance(value, np.ndarray) else [v for v in value if isinstance(v, np.ndarray)] \\
        if isinstance(value, list) else []
    for a in arrays:
        if how == "zeros":
            a[...] = 0
        elif how == "nan" and a.dtype.kind == "f":
            a[...] = np.nan
        elif how == "transpose" and a.ndim == 2 and a.shape[0] == a.shape[1]:
            a[...] = a.T.copy()
    if how == "clear" and isinstance(value, list):
        value.clear()


def {function}({signature}):
    answer = _answer({signature})
    for argument in ({signature},):
        _corrupt(argument, {how!r})
    return answer
'''


# Wrong answers that the corruption "zeros" would make right, were expected values computed
# after the call from the changed arguments.
CONSTANT_ANSWERS = {
    "sigmoid_gradient": "return np.full(np.shape(x), 0.25)",
    "prod": "return np.eye(W_hh.shape[0]) if k == h.shape[1] else np.zeros(np.shape(W_hh))",
    "clip_gradients": "return [np.zeros(np.shape(a)) for a in grads], 0.0",
    "step_lengths": 'return {"none": (0.0, 0.0), "by value": (0.0, 0.0), "by norm": (0.0, 0.0)}',
    "safe_scale": "return 1.0",
    "vanishing_horizon": "return None",
    "non_normal_trap": "return np.zeros((2, 2))",
    "explosion_regime": 'return "impossible"',
}
CORRUPTIONS = {"sigmoid_gradient": ("zeros", "nan"), "prod": ("zeros", "nan", "transpose"),
               "clip_gradients": ("zeros", "nan", "clear"), "step_lengths": ("zeros", "nan", "clear"),
               "safe_scale": ("zeros", "nan", "transpose"), "vanishing_horizon": ("zeros", "nan", "transpose"),
               "non_normal_trap": (), "explosion_regime": ("zeros", "nan", "transpose")}
# Right arrays with a non-finite entry, or a non-finite norm: never worth a point.
NON_FINITE = {
    "sigmoid_gradient": ["out = np.array(_answer(x), dtype=np.float64)\n    out.flat[0] = {value}\n    return out"],
    "prod": ["P = np.array(_answer(k, W_hh, W_hx, b_h, h, x))\n    P[0, 0] = {value}\n    return P"],
    "clip_gradients": [
        "clipped, g = _answer(grads, max_norm)\n    return clipped, {value}",
        "clipped, g = _answer(grads, max_norm)\n    clipped[0] = clipped[0] + {value}\n    return clipped, g",
    ],
    "step_lengths": ['answer = _answer(grads, learning_rate, max_norm, clip_value)\n'
                     '    answer["by norm"] = (answer["by norm"][0], {value})\n    return answer',
                     'answer = _answer(grads, learning_rate, max_norm, clip_value)\n'
                     '    answer["by value"] = ({value}, answer["by value"][1])\n    return answer'],
    "safe_scale": ["return _answer(W_hh, gamma) + {value}"],
    "non_normal_trap": ["W = np.array(_answer(gamma, size, steps), dtype=np.float64)\n    W[0, -1] = {value}\n"
                        "    return W"],
}


def right_answer(function):
    """A correct bank entry's source, its function renamed to _answer."""
    path = bank_files("correct", function)[0]
    return path.read_text().replace(f"def {function}(", "def _answer(")


def constant_answer(function):
    return f"import numpy as np\n\n\ndef _answer({SIGNATURES[function]}):\n    {CONSTANT_ANSWERS[function]}\n"


@pytest.fixture(scope="module")
def gaming_results(grade, solution_notebook):
    """Corrupting and non-finite variants of each function, graded in one batch."""
    from ..conftest import with_cell_replaced

    cells = {}
    for function in FUNCTIONS:
        for base_name, base in (("right", right_answer(function)), ("constant", constant_answer(function))):
            for how in ("none",) + CORRUPTIONS[function]:
                cells[f"{function}__{base_name}__{how}"] = (function, _corrupting_cell(function, base, how))
        for index, body in enumerate(NON_FINITE.get(function, [])):
            for value in ("np.nan", "np.inf"):
                wrapper = f"def {function}({SIGNATURES[function]}):\n    {body.format(value=value)}\n"
                source = f"{right_answer(function)}\n\n{wrapper}"
                cells[f"{function}__nonfinite{index}__{value[3:]}"] = (function, source)
    notebooks = {stem: with_cell_replaced(solution_notebook, function, source)
                 for stem, (function, source) in cells.items()}
    return grade(notebooks)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_corrupting_the_arguments_never_gains_a_point(gaming_results, function_cases, function):
    """Does an answer followed by an in-place corruption of the arguments (zeros, nan, transposes,
    an emptied list) score no more than the same answer without it: the right answer losing only
    the mutation's share (a flaw), and a wrong answer that the corruption would make "right" 0?"""
    def score(base, how):
        return function_score(gaming_results[f"{function}__{base}__{how}"], function, function_cases)

    assert score("right", "none") == 1.0 and score("constant", "none") == 0.0
    for how in CORRUPTIONS[function]:
        assert BANDS["flaw"][0] <= score("right", how) <= BANDS["flaw"][1], how
        assert score("constant", how) == 0.0, how


@pytest.mark.parametrize("function", sorted(NON_FINITE))
def test_non_finite_values_never_pass(gaming_results, function_cases, function):
    """Does an otherwise right answer with a nan or inf in it (or as the norm) score 0?"""
    stems = [stem for stem in gaming_results if stem.startswith(f"{function}__nonfinite")]
    assert len(stems) == 2 * len(NON_FINITE[function])
    for stem in stems:
        assert function_score(gaming_results[stem], function, function_cases) == 0.0, stem


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_hidden_case_discriminates(bank_results, function_cases, function):
    """Does every hidden case of a function fail every bank entry of wrong mathematics, wrong form
    or no attempt: is there no hidden case in which their answers agree with the reference?"""
    for path in bank_files(function=function):
        if severity(path) in ("nothing", "math", "form"):
            rows = function_results(bank_results[f"{function}__{path.stem}"], function, function_cases)
            passed = [case.description for case, ok in rows if case.hidden and ok]
            assert not passed, (path.stem, passed)
