"""Inputs and expected answers of the public test cases, computed with the reference.

Only numbers reach the student release: the public test files embed them as literals. Every
example is small (n = 3 units, m = 2 inputs) and rounded to 3 decimals, so that a student can
copy it into a cell and look at it.

    lstm_*          one LSTM step on a batch of B = 2 rows and on a single sample (vectors)
    seq_*           an LSTM sequence (t = 5) for cell_path and full_jacobian, expected for every k
    gru_*           one GRU step on a batch and a GRU sequence (t = 5) for gru_carry, every k
    memory_steps_examples, forget_bias_examples, regime_examples: (arguments..., expected)
"""

import gated_cells_reference as reference
import numpy as np

from . import claims

PUBLIC_SEED = 19970815  # fixed: public cases are the same in every build
N, M, T, B = 3, 2, 5, 2


def _lstm_parameters(rng, n, m, forget_bias=1.0):
    W = rng.normal(size=(4 * n, m)).round(3)
    U = rng.normal(scale=0.8, size=(4 * n, n)).round(3)
    b = rng.normal(scale=0.5, size=4 * n).round(3)
    b[:n] += forget_bias
    return W, U, b


def public_data():
    rng = np.random.default_rng(PUBLIC_SEED)
    data = {}

    W, U, b = _lstm_parameters(rng, N, M)
    x, h, c = (rng.normal(size=(B, size)).round(3) for size in (M, N, N))
    data.update(lstm_W=W, lstm_U=U, lstm_b=b, lstm_x=x, lstm_h_prev=h, lstm_c_prev=c)
    data["lstm_h"], data["lstm_c"] = reference.lstm_step(x, h, c, W, U, b)
    data["lstm_h_vector"], data["lstm_c_vector"] = reference.lstm_step(x[0], h[0], c[0], W, U, b)

    W, U, b = _lstm_parameters(rng, N, M)
    x = rng.normal(size=(T, M)).round(3)
    h0, c0 = (rng.normal(scale=0.5, size=N).round(3) for _ in range(2))
    data.update(seq_W=W, seq_U=U, seq_b=b, seq_x=x, seq_h0=h0, seq_c0=c0)
    data["cell_path_expected"] = [reference.cell_path_jacobian(k, x, h0, c0, W, U, b) for k in range(T + 1)]
    data["full_jacobian_expected"] = [reference.full_cell_jacobian(k, x, h0, c0, W, U, b) for k in range(T + 1)]

    W = rng.normal(size=(3 * N, M)).round(3)
    U = rng.normal(scale=0.8, size=(3 * N, N)).round(3)
    b = rng.normal(scale=0.5, size=3 * N).round(3)
    x_batch, h_batch = rng.normal(size=(B, M)).round(3), rng.normal(size=(B, N)).round(3)
    x = rng.normal(size=(T, M)).round(3)
    h0 = rng.normal(scale=0.5, size=N).round(3)
    data.update(gru_W=W, gru_U=U, gru_b=b, gru_x_batch=x_batch, gru_h_batch=h_batch, gru_x=x, gru_h0=h0)
    data["gru_step_expected"] = reference.gru_step(x_batch, h_batch, W, U, b)
    data["gru_carry_expected"] = [reference.gru_carry_jacobian(k, x, h0, W, U, b) for k in range(T + 1)]

    data["memory_steps_examples"] = [(f, tol, reference.memory_steps(f, tol))
                                     for f, tol in [(0.5, 0.1), (0.9, 1e-3), (float(reference.sigmoid(1.0)), 1e-3),
                                                    (0.99, 0.5), (0.999, 1e-6)]]
    data["forget_bias_examples"] = [(steps, tol, reference.forget_bias_for_memory(steps, tol))
                                    for steps, tol in [(1, 0.5), (10, 0.1), (100, 1e-3), (200, 1e-3)]]

    # The three regimes on one small LSTM each: forget gates well below 1, open gates, and the
    # saturated-open cell whose paths through h explode (claims.exploding_example).
    W, U, b = _lstm_parameters(rng, N, M, forget_bias=0.0)
    x = rng.normal(size=(12, M)).round(3)
    zeros = np.zeros(N)
    closed = b.copy()
    closed[:N] = -3.0
    open_gates = np.concatenate([np.full(N, 8.0), b[N:]])
    boom = claims.exploding_example(N)
    cases = [("forget gates near sigmoid(-3)", 0, x, zeros, zeros, 0.3 * W, 0.3 * U, closed, 1e-3),
             ("forget gates near sigmoid(8)", 0, x, zeros, zeros, 0.3 * W, 0.3 * U, open_gates, 1e-3),
             ("gates saturated open, U_g = 0.5 I", 0, boom["x"], boom["h0"], boom["c0"], boom["W"], boom["U"],
              boom["b"], 1e-3)]
    data["regime_examples"] = [(*case, reference.cell_gradient_regime(*case[1:])) for case in cases]
    return data
