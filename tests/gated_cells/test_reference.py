"""The gated cells reference against the mathematics of docs/mathematics.md (section 7), independently derived:
the steps against per-sample loops of the equations, every Jacobian against complex-step derivatives
of a real forward pass, the back-propagation of the lab against derivatives of its loss."""

import math
from pathlib import Path

import gated_cells_reference as ref
import numpy as np
import pytest
import vanishing_gradients_reference as first_assignment


def logistic(a):
    """Complex-safe, written independently of the reference."""
    return 1.0 / (1.0 + np.exp(-a))


def lstm_sample_step(x, h, c, W, U, b):
    """One LSTM step of one sample, gate by gate, as the equations read (gate order f, i, g, o)."""
    n = len(h)
    a = W @ x + U @ h + b
    f, i, g, o = logistic(a[:n]), logistic(a[n:2 * n]), np.tanh(a[2 * n:3 * n]), logistic(a[3 * n:])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new, f


def gru_sample_step(x, h, W, U, b):
    """One GRU step of one sample (Chung et al. 2014: the carry path is 1 - z)."""
    n = len(h)
    z = logistic(W[:n] @ x + U[:n] @ h + b[:n])
    r = logistic(W[n:2 * n] @ x + U[n:2 * n] @ h + b[n:2 * n])
    q = np.tanh(W[2 * n:] @ x + U[2 * n:] @ (r * h) + b[2 * n:])
    return (1 - z) * h + z * q, z


def lstm_from(k, h_k, c_k, x, W, U, b):
    """(h_t, c_t) run on from the state (h_k, c_k) at step k."""
    h, c = h_k, c_k
    for j in range(k, len(x)):
        h, c, _f = lstm_sample_step(x[j], h, c, W, U, b)
    return h, c


def complex_step_jacobian(f, point, step=1e-30):
    """Numerator-layout Jacobian of a real-analytic f: column j is Im f(point + i step e_j) / step."""
    columns = []
    for j in range(len(point)):
        nudge = np.zeros(len(point), dtype=complex)
        nudge[j] = 1j * step
        columns.append(np.imag(f(point + nudge)) / step)
    return np.stack(columns, axis=1)


def random_lstm(rng, n, m, t, scale):
    W = rng.normal(scale=scale, size=(4 * n, m))
    U = rng.normal(scale=scale / np.sqrt(n), size=(4 * n, n))
    b = rng.normal(size=4 * n)
    return rng.normal(size=(t, m)), rng.uniform(-1, 1, n), rng.normal(size=n), W, U, b


def random_gru(rng, n, m, t, scale):
    W = rng.normal(scale=scale, size=(3 * n, m))
    U = rng.normal(scale=scale / np.sqrt(n), size=(3 * n, n))
    return rng.normal(size=(t, m)), rng.uniform(-1, 1, n), W, U, rng.normal(size=3 * n)


def sizes(rng):
    return int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 9))


def relative_error(got, expected):
    return float(np.max(np.abs(got - expected)) / max(np.max(np.abs(expected)), 1e-300))


@pytest.mark.parametrize("seed", range(6))
def test_lstm_step_is_the_equations_on_every_row(seed):
    """Does lstm_step on a batch give every sample's step of the equations, and leave its inputs alone?"""
    rng = np.random.default_rng(seed)
    n, m, _t = sizes(rng)
    batch = int(rng.integers(1, 7))
    _x, _h0, _c0, W, U, b = random_lstm(rng, n, m, 1, rng.uniform(0.3, 3))
    x, h, c = rng.normal(size=(batch, m)), rng.uniform(-1, 1, (batch, n)), rng.normal(size=(batch, n))
    copies = [a.copy() for a in (x, h, c, W, U, b)]
    h_new, c_new = ref.lstm_step(x, h, c, W, U, b)
    for row in range(batch):
        expected_h, expected_c, _f = lstm_sample_step(x[row], h[row], c[row], W, U, b)
        assert relative_error(h_new[row], expected_h) < 1e-13
        assert relative_error(c_new[row], expected_c) < 1e-13
    one_h, one_c = ref.lstm_step(x[0], h[0], c[0], W, U, b)  # one sample as vectors
    assert one_h.shape == one_c.shape == (n,)
    assert relative_error(one_h, h_new[0]) < 1e-15
    for before, after in zip(copies, (x, h, c, W, U, b)):
        assert np.array_equal(before, after)


@pytest.mark.parametrize("seed", range(10))
def test_state_jacobian_is_the_derivative_of_the_forward_pass(seed):
    """Is d(h_t, c_t)/d(h_k, c_k), every block of it, the complex-step derivative of the run on from (h_k, c_k)?"""
    rng = np.random.default_rng(100 + seed)
    n, m, t = sizes(rng)
    x, h0, c0, W, U, b = random_lstm(rng, n, m, t, rng.uniform(0.3, 3))
    hs, cs = ref.lstm_states(x, h0, c0, W, U, b)
    for k in range(t + 1):
        numeric = complex_step_jacobian(lambda s, k=k: np.concatenate(lstm_from(k, s[:n], s[n:], x, W, U, b)),
                                        np.concatenate([hs[k], cs[k]]))
        exact = ref.lstm_state_jacobian(k, x, h0, c0, W, U, b)
        assert relative_error(exact, numeric) < 1e-11, k
        assert relative_error(ref.full_cell_jacobian(k, x, h0, c0, W, U, b), numeric[n:, n:]) < 1e-11, k


@pytest.mark.parametrize("seed", range(6))
def test_full_cell_jacobian_agrees_with_central_differences(seed):
    """Does the full dc_t/dc_k also agree with central differences of c_t (h_k held), on longer sequences?"""
    rng = np.random.default_rng(200 + seed)
    n, m, t = int(rng.integers(2, 6)), int(rng.integers(1, 4)), int(rng.integers(10, 25))
    x, h0, c0, W, U, b = random_lstm(rng, n, m, t, 1.0)
    hs, cs = ref.lstm_states(x, h0, c0, W, U, b)
    k, eps = int(rng.integers(0, t - 1)), 1e-6
    numeric = np.stack([(lstm_from(k, hs[k], cs[k] + eps * e, x, W, U, b)[1]
                         - lstm_from(k, hs[k], cs[k] - eps * e, x, W, U, b)[1]) / (2 * eps) for e in np.eye(n)], axis=1)
    exact = ref.full_cell_jacobian(k, x, h0, c0, W, U, b)
    rounding = 1e-16 * np.max(np.abs(cs)) / eps  # central differences lose this much absolutely
    assert np.linalg.norm(exact - numeric, 2) <= 1e-6 * np.linalg.norm(exact, 2) + 10 * n * rounding


@pytest.mark.parametrize("seed", range(6))
def test_cell_path_is_the_product_of_the_forget_gates(seed):
    """Is the cell path diag(f_{k+1} ... f_t) of the forget gates of the forward pass, the identity at k = t,
    and the whole Jacobian when the gates do not see h (U = 0)?"""
    rng = np.random.default_rng(300 + seed)
    n, m, t = sizes(rng)
    x, h0, c0, W, U, b = random_lstm(rng, n, m, t, rng.uniform(0.3, 3))
    h, c, gates = h0, c0, []
    for j in range(t):
        h, c, f = lstm_sample_step(x[j], h, c, W, U, b)
        gates.append(f)
    for k in range(t + 1):
        expected = np.diag(np.prod(gates[k:], axis=0)) if k < t else np.eye(n)
        assert relative_error(ref.cell_path_jacobian(k, x, h0, c0, W, U, b), expected) < 1e-13
    blind = np.zeros_like(U)
    for k in range(t + 1):
        assert relative_error(ref.full_cell_jacobian(k, x, h0, c0, W, blind, b),
                              ref.cell_path_jacobian(k, x, h0, c0, W, blind, b)) < 1e-13
    # One step back, h_{t-1} is held: the extra terms enter from two steps back on.
    assert relative_error(ref.full_cell_jacobian(t - 1, x, h0, c0, W, U, b), np.diag(gates[-1])) < 1e-13


@pytest.mark.parametrize("seed", range(6))
def test_gru_steps_and_jacobians(seed):
    """Is gru_step the equations on every row, its full dh_t/dh_k the complex-step derivative of the run, and
    its carry path diag(prod (1 - z_j)), the whole Jacobian when U = 0?"""
    rng = np.random.default_rng(400 + seed)
    n, m, t = sizes(rng)
    x, h0, W, U, b = random_gru(rng, n, m, t, rng.uniform(0.3, 3))
    inputs, states = rng.normal(size=(3, m)), rng.uniform(-1, 1, (3, n))
    stepped = ref.gru_step(inputs, states, W, U, b)
    for row in range(3):
        assert relative_error(stepped[row], gru_sample_step(inputs[row], states[row], W, U, b)[0]) < 1e-13
    hs, h, carries = ref.gru_states(x, h0, W, U, b), h0, []
    for j in range(t):
        h, z = gru_sample_step(x[j], h, W, U, b)
        carries.append(1 - z)

    def run_on(k, h_k):
        for j in range(k, t):
            h_k = gru_sample_step(x[j], h_k, W, U, b)[0]
        return h_k

    for k in range(t + 1):
        numeric = complex_step_jacobian(lambda s, k=k: run_on(k, s), hs[k])
        assert relative_error(ref.gru_hidden_jacobian(k, x, h0, W, U, b), numeric) < 1e-11, k
        expected = np.diag(np.prod(carries[k:], axis=0)) if k < t else np.eye(n)
        assert relative_error(ref.gru_carry_jacobian(k, x, h0, W, U, b), expected) < 1e-13
        blind = np.zeros_like(U)
        assert relative_error(ref.gru_hidden_jacobian(k, x, h0, W, blind, b),
                              ref.gru_carry_jacobian(k, x, h0, W, blind, b)) < 1e-13


@pytest.mark.parametrize("seed", range(6))
def test_every_k_at_once_is_every_k_apart(seed):
    """Do the functions for every k of one sequence (one forward pass, one backward accumulation), which the
    grader's expected values come from, give each k's Jacobian, k = 0 ... t?"""
    rng = np.random.default_rng(900 + seed)
    n, m, t = int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 31))
    lstm, gru = random_lstm(rng, n, m, t, rng.uniform(0.3, 3)), random_gru(rng, n, m, t, rng.uniform(0.3, 3))
    every_k = [(ref.lstm_state_jacobians(*lstm), ref.lstm_state_jacobian, lstm),
               (ref.full_cell_jacobians(*lstm), ref.full_cell_jacobian, lstm),
               (ref.cell_path_jacobians(*lstm), ref.cell_path_jacobian, lstm),
               (ref.gru_carry_jacobians(*gru), ref.gru_carry_jacobian, gru)]
    for all_k, one_k, args in every_k:
        assert len(all_k) == t + 1, one_k.__name__
        for k in range(t + 1):
            assert relative_error(all_k[k], one_k(k, *args)) < 1e-13, (one_k.__name__, k)


@pytest.mark.parametrize("seed", range(6))
def test_cell_path_norm_is_the_spectral_norm_of_the_cell_path(seed):
    """Is cell_path_norm of the forward pass's forget gates ||dc_t/dc_k||_2 along the cell path, and at most 1?"""
    rng = np.random.default_rng(500 + seed)
    n, m, t = sizes(rng)
    x, h0, c0, W, U, b = random_lstm(rng, n, m, t, 2.0)
    hs, _cs = ref.lstm_states(x, h0, c0, W, U, b)
    forget = ref.lstm_gates(x, hs[:-1], W, U, b)[0]  # rows f_1..f_t
    for k in range(t):
        size = ref.cell_path_norm(forget[k:])
        assert math.isclose(size, np.linalg.norm(ref.cell_path_jacobian(k, x, h0, c0, W, U, b), 2), rel_tol=1e-13)
        assert 0 < size <= 1
    assert ref.cell_path_norm(np.empty((0, n))) == 1.0


def test_memory_steps_is_the_first_step_below_the_tolerance():
    """Is memory_steps(f, tol) the smallest s with f^s < tol, on random gates and tolerances, exact ones included?"""
    rng = np.random.default_rng(600)
    for f, tol in zip(rng.uniform(0.05, 0.999, 200), 10.0 ** rng.uniform(-12, -0.1, 200)):
        s = ref.memory_steps(f, tol)
        assert f ** s < tol <= f ** (s - 1)
    assert ref.memory_steps(0.5, 0.125) == 4  # 0.5^3 is 0.125, not below it
    assert ref.memory_steps(0.5, 0.75) == 1
    with pytest.raises(ValueError, match="forget_gate"):
        ref.memory_steps(1.0, 0.1)


def test_forget_bias_for_memory_keeps_exactly_the_tolerance():
    """Does sigmoid(b)^steps equal the tolerance for b = forget_bias_for_memory(steps, tolerance)?"""
    rng = np.random.default_rng(700)
    for steps, tol in zip(rng.integers(1, 2000, 100), 10.0 ** rng.uniform(-12, -0.01, 100)):
        b = ref.forget_bias_for_memory(int(steps), tol)
        assert math.isclose(int(steps) * math.log(logistic(b)), math.log(tol), rel_tol=1e-9)
    assert ref.forget_bias_for_memory(1, 0.5) == 0.0  # sigmoid(0) = 1/2
    assert ref.forget_bias_for_memory(200, 1e-3) > ref.forget_bias_for_memory(100, 1e-3) > 1


def test_cell_gradient_regime_sees_the_full_jacobian():
    """Does cell_gradient_regime say "vanishing" for low forget gates, "exploding" when the extra terms grow
    while every forget gate is near 1, and "kept" for forget gates near 1 that see no h?"""
    rng = np.random.default_rng(800)
    n, t, tol = 3, 30, 1e-3
    x, h0, c0 = np.zeros((t, 1)), np.zeros(n), np.zeros(n)
    W = np.zeros((4 * n, 1))
    low_forget = np.concatenate([np.full(n, -2.0), np.zeros(3 * n)])
    U = rng.normal(size=(4 * n, n)) / np.sqrt(n)
    assert ref.cell_gradient_regime(0, x, h0, c0, W, U, low_forget, tol) == "vanishing"
    # f, i, o saturated at 1 and the state at its fixed point 0, where g' = tanh' = 1: with U_g = u I each step
    # multiplies a unit's (h, c) by [[u, 1], [u, 1]], whose eigenvalue u + 1 = 3 makes the product grow like 3^steps.
    open_gates = np.concatenate([np.full(n, 30.0), np.full(n, 30.0), np.zeros(n), np.full(n, 30.0)])
    growing = np.zeros((4 * n, n))
    growing[2 * n:3 * n] = 2.0 * np.eye(n)
    assert np.linalg.norm(ref.cell_path_jacobian(0, x, h0, c0, W, growing, open_gates), 2) <= 1
    assert ref.cell_gradient_regime(0, x, h0, c0, W, growing, open_gates, tol) == "exploding"
    assert ref.cell_gradient_regime(0, x, h0, c0, W, np.zeros_like(U), open_gates, tol) == "kept"


# ---------------------------------------------------------------------------------------------------------------
# The lab


def test_latching_task_is_the_first_assignments():
    """Do the lab's batches and its tanh RNN's initial parameters equal the vanishing gradients assignment's?"""
    for seed in range(5):
        ours = ref.latching_batch(np.random.default_rng(seed), 7, 13, 0.2)
        theirs = first_assignment.latching_batch(np.random.default_rng(seed), 7, 13, 0.2)
        for a, b in zip(ours, theirs):
            assert np.array_equal(a, b)
        ours = ref.init_rnn(np.random.default_rng(seed), 6, 3.0)
        theirs = first_assignment.init_rnn(np.random.default_rng(seed), 6, "gaussian", 3.0)
        assert ours.keys() == theirs.keys() and all(np.array_equal(ours[k], theirs[k]) for k in ours)


def test_rnn_loss_and_gradients_are_the_first_assignments():
    """Does the lab's RNN back-propagation give the first assignment's loss and gradients?"""
    rng = np.random.default_rng(900)
    params = ref.init_rnn(rng, 5, 2.0)
    x, y = ref.latching_batch(rng, 4, 9, 0.5)
    loss, grads, _z, _norms = ref.rnn_loss_and_gradients(params, x, y)
    their_loss, their_grads, _states = first_assignment.loss_and_gradients(params, x, y)
    assert math.isclose(loss, their_loss, rel_tol=1e-14)
    for name in params:
        assert relative_error(grads[name], their_grads[name]) < 1e-13


def lstm_loss(params, x, y):
    """The lab's LSTM loss by the per-sample equations (complex-safe)."""
    n = len(params["w_out"])
    total = 0.0
    for row in range(len(y)):
        h, c = np.zeros(n), np.zeros(n)
        for j in range(x.shape[1]):
            h, c, _f = lstm_sample_step(x[row, j], h, c, params["W"], params["U"], params["b"])
        z = params["w_out"] @ h + params["b_out"][0]
        total = total + np.log(1 + np.exp(-y[row] * z))
    return total / len(y)


def rnn_loss(params, x, y):
    total = 0.0
    for row in range(len(y)):
        h = np.zeros(len(params["b_h"]))
        for j in range(x.shape[1]):
            h = np.tanh(params["W_hh"] @ h + params["W_hx"] @ x[row, j] + params["b_h"])
        total = total + np.log(1 + np.exp(-y[row] * (params["w_out"] @ h + params["b_out"][0])))
    return total / len(y)


def complex_step_gradients(loss, params, x, y, step=1e-30):
    grads = {}
    for name, value in params.items():
        grads[name] = np.zeros(value.shape)
        for index in np.ndindex(value.shape):
            nudged = {key: v.astype(complex) for key, v in params.items()}
            nudged[name][index] += 1j * step
            grads[name][index] = np.imag(loss(nudged, x, y)) / step
    return grads


@pytest.mark.parametrize("model, hidden, length, batch", [("lstm", 1, 1, 1), ("lstm", 3, 6, 4), ("lstm", 4, 11, 2),
                                                          ("rnn", 3, 6, 4), ("rnn", 5, 12, 3)])
def test_lab_gradients_are_the_derivatives_of_its_loss(model, hidden, length, batch):
    """Are the lab's BPTT gradients, for every parameter, the complex-step derivatives of its loss, and its
    ||dL/ds_k|| the norms of the derivatives of the loss with respect to the states?"""
    rng = np.random.default_rng(hidden * 100 + length)
    init, loss_and_gradients = ref.MODELS[model]
    params = init(rng, hidden, 1.0 if model == "lstm" else 1.5)
    params = {name: value + 0.3 * rng.normal(size=value.shape) for name, value in params.items()}
    x, y = ref.latching_batch(rng, batch, length, 0.5)
    loss, grads, z, norms = loss_and_gradients(params, x, y)
    direct = lstm_loss if model == "lstm" else rnn_loss
    assert math.isclose(loss, direct(params, x, y), rel_tol=1e-13)
    numeric = complex_step_gradients(direct, params, x, y)
    for name in params:
        assert relative_error(grads[name], numeric[name]) < 1e-10, name
    assert z.shape == (batch,) and norms.shape == (length + 1,)
    if model == "lstm":
        assert_cell_gradient_norms(params, x, y, norms)


def assert_cell_gradient_norms(params, x, y, norms):
    """||dL/dc_k|| of the lab is the norm of the derivative of the loss with respect to every c_k of the batch,
    with h_k = o_k tanh(c_k) following c_k (k >= 1; c_0 enters only through c_1)."""
    n, (batch, length, _) = len(params["w_out"]), x.shape
    W, U, b = params["W"], params["U"], params["b"]
    for k in range(length + 1):
        nudges = np.zeros((batch, n))

        def loss_of(nudge, k=k):
            total = 0.0
            for row in range(batch):
                h, c = np.zeros(n), np.zeros(n) + (nudge[row] if k == 0 else 0)
                for j in range(length):
                    h_before = h
                    h, c, _f = lstm_sample_step(x[row, j], h, c, W, U, b)
                    if j + 1 == k:  # perturb c_k, and h_k = o_k tanh(c_k) with it
                        o = logistic((W @ x[row, j] + U @ h_before + b)[3 * n:])
                        c = c + nudge[row]
                        h = o * np.tanh(c)
                total = total + np.log(1 + np.exp(-y[row] * (params["w_out"] @ h + params["b_out"][0])))
            return total / batch

        gradient = complex_step_jacobian(lambda flat: np.array([loss_of(flat.reshape(batch, n))]),
                                         nudges.reshape(-1).astype(complex))
        assert math.isclose(np.linalg.norm(gradient), norms[k], rel_tol=1e-9), k


def test_the_numbers_of_the_mathematics_page():
    """Are the numbers section 7 of docs/mathematics.md states the reference's, and does the page state them?"""
    page = (Path(__file__).resolve().parents[2] / "docs" / "mathematics.md").read_text()
    page = " ".join(page.split("\n## 7. ", 1)[1].split())
    f_usual, f_long = float(ref.sigmoid(1.0)), float(ref.sigmoid(5.0))
    stated = [
        f"$f = \\sigma(1) \\approx {f_usual:.3f}$",
        f"falls below $10^{{-3}}$ after {ref.memory_steps(f_usual, 1e-3)} steps",
        f"only for $b_f \\ge {ref.forget_bias_for_memory(200, 1e-3):.2f}$",
        f"$f \\approx \\sigma(5) = {f_long:.3f}$",
        f"$0.993^{{99}} \\approx {f_long ** 99:.2f}$",
        f"$3 \\times 10^{{{math.floor(math.log10(f_usual ** 99))}}}$",
    ]
    assert f"{f_usual ** 99:.0e}".startswith("3e")  # the mantissa of sigma(1)^99
    for text in stated:
        assert text in page, f"the page does not say {text!r}"
