"""Reference solutions for the gated cells assignment (LSTM and GRU), and its lab.

The grader computes every hidden expected value with these functions and the build computes
the public ones; this module never reaches a student file. Numpy only, Python 3.10.

Conventions (docs/mathematics.md, section 7). Samples are rows, features are columns, as in numpy and the
training code of the vanishing gradients assignment: a batch of inputs is x of shape (B, m),
states h and c have shape (B, n); a single sample may be given as a vector, (m,) and (n,).
The LSTM's parameters stack its four blocks in the order f, i, g, o (forget, input,
candidate, output): W (4n, m), U (4n, n), b (4n,), rows [0, n) for f, [n, 2n) for i, and so on.

    f_t = sigmoid(a_f),  i_t = sigmoid(a_i),  g_t = tanh(a_g),  o_t = sigmoid(a_o),
    a = W x_t + U h_{t-1} + b   (a batch: x W^T + h U^T + b),
    c_t = f_t * c_{t-1} + i_t * g_t,    h_t = o_t * tanh(c_t).

A sequence is x of shape (t, m), row j (0-based) holding x_{j+1}; the states h_0..h_t and
c_0..c_t are the rows of (t+1, n) arrays. Jacobians are derivatives of the network run on from
the state (h_k, c_k) of step k, in numerator layout (row r holds the derivatives of component r):
dc_t/dc_k holds h_k fixed, as the first assignment's prod differentiates the run on from h_k.
The GRU (Chung et al. 2014)
stacks z, r and the candidate: W (3n, m), U (3n, n), b (3n,),

    z_t = sigmoid(a_z),  r_t = sigmoid(a_r),  q_t = tanh(W_q x_t + U_q (r_t * h_{t-1}) + b_q),
    h_t = (1 - z_t) * h_{t-1} + z_t * q_t.

Every function is pure: inputs are never modified.
"""

import math

import numpy as np

VANISHING = "vanishing"
EXPLODING = "exploding"
KEPT = "kept"


def sigmoid(a):
    """Logistic sigmoid without overflow, to full relative precision in both tails (gates near 0 matter:
    a product of forget gates is as small as its factors)."""
    a = np.asarray(a, dtype=np.float64)
    e = np.exp(-np.abs(a))  # in (0, 1]: never overflows
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _blocks(a, count):
    """The `count` gate blocks of stacked pre-activations, last axis split in equal parts."""
    n = a.shape[-1] // count
    return [a[..., q * n:(q + 1) * n] for q in range(count)]


def _check_stacked(W, U, b, count, kind):
    n = U.shape[1]
    if U.shape != (count * n, n) or W.shape[0] != count * n or np.shape(b) != (count * n,):
        raise ValueError(f"{kind} parameters must be W ({count}n, m), U ({count}n, n), b ({count}n,) "
                         f"with the same n; got W {W.shape}, U {U.shape}, b {np.shape(b)}")
    return n


# ---------------------------------------------------------------------------------------
# LSTM


def lstm_gates(x, h_prev, W, U, b):
    """(f, i, g, o) of one step, each of h_prev's shape."""
    W, U = np.asarray(W), np.asarray(U)
    _check_stacked(W, U, b, 4, "LSTM")
    a = np.asarray(x) @ W.T + np.asarray(h_prev) @ U.T + np.asarray(b)
    a_f, a_i, a_g, a_o = _blocks(a, 4)
    return sigmoid(a_f), sigmoid(a_i), np.tanh(a_g), sigmoid(a_o)


def lstm_step(x, h_prev, c_prev, W, U, b):
    """One LSTM step on a batch: returns (h, c), each of h_prev's shape (B, n) or (n,)."""
    f, i, g, o = lstm_gates(x, h_prev, W, U, b)
    c = f * np.asarray(c_prev) + i * g
    return o * np.tanh(c), c


def lstm_states(x, h0, c0, W, U, b):
    """Rows h_0..h_t and c_0..c_t of one sequence x (t, m): two (t+1, n) arrays."""
    hs, cs = [np.reshape(h0, -1)], [np.reshape(c0, -1)]
    for x_j in np.asarray(x):
        h, c = lstm_step(x_j, hs[-1], cs[-1], W, U, b)
        hs.append(h)
        cs.append(c)
    return np.stack(hs), np.stack(cs)


def _check_k(k, t):
    if not 0 <= k <= t:
        raise ValueError(f"k must satisfy 0 <= k <= t = {t}, got {k}")


def cell_path_jacobian(k, x, h0, c0, W, U, b):
    """dc_t/dc_k along the cell path alone: prod_{j=k+1..t} diag(f_j), an (n, n) array."""
    t = len(x)
    _check_k(k, t)
    hs, _cs = lstm_states(x, h0, c0, W, U, b)
    forget = lstm_gates(np.asarray(x)[k:], hs[k:t], W, U, b)[0]  # rows f_{k+1}..f_t
    return np.diag(np.prod(forget, axis=0))


def cell_path_jacobians(x, h0, c0, W, U, b):
    """[cell_path_jacobian(k, ...) for k = 0..t] from one forward pass (equal to rounding: the gates of
    all steps are computed together)."""
    t = len(x)
    hs, _cs = lstm_states(x, h0, c0, W, U, b)
    forget = lstm_gates(np.asarray(x), hs[:t], W, U, b)[0]  # rows f_1..f_t
    return [np.diag(np.prod(forget[k:], axis=0)) for k in range(t + 1)]


def lstm_step_jacobian(x, h_prev, c_prev, W, U, b):
    """d(h_j, c_j)/d(h_{j-1}, c_{j-1}) of one step at one sample, a (2n, 2n) array of blocks

        [[dh/dh, dh/dc],
         [dc/dh, dc/dc]],   dc/dc = diag(f),  dc/dh = diag(c_prev f'(a_f)) U_f
                                               + diag(g i'(a_i)) U_i + diag(i g'(a_g)) U_g,
        dh/dh = diag(tanh(c) o'(a_o)) U_o + diag(o tanh'(c)) dc/dh,  dh/dc = diag(o tanh'(c)) diag(f),

    with the slopes sigmoid' = s (1 - s) and tanh' = 1 - tanh^2.
    """
    U = np.asarray(U)
    f, i, g, o = lstm_gates(x, h_prev, W, U, b)
    c_prev = np.reshape(c_prev, -1)
    c = f * c_prev + i * g
    tc = np.tanh(c)
    n = U.shape[1]
    U_f, U_i, U_g, U_o = (U[q * n:(q + 1) * n] for q in range(4))
    dc_dh = ((c_prev * f * (1 - f))[:, None] * U_f + (g * i * (1 - i))[:, None] * U_i
             + (i * (1 - g ** 2))[:, None] * U_g)
    through = o * (1 - tc ** 2)  # dh_j/dc_j, a diagonal
    dh_dh = (tc * o * (1 - o))[:, None] * U_o + through[:, None] * dc_dh
    return np.block([[dh_dh, np.diag(through * f)], [dc_dh, np.diag(f)]])


def _state_products(k, x, h0, c0, W, U, b):
    """The products J_t ... J_{j+1} for j = t, t-1, ..., k, each the one before times one more factor."""
    hs, cs = lstm_states(x, h0, c0, W, U, b)
    products = [np.eye(2 * hs.shape[1])]
    for j in range(len(x), k, -1):  # J_t first
        products.append(products[-1] @ lstm_step_jacobian(np.asarray(x)[j - 1], hs[j - 1], cs[j - 1], W, U, b))
    return products


def lstm_state_jacobian(k, x, h0, c0, W, U, b):
    """d(h_t, c_t)/d(h_k, c_k) = J_t J_{t-1} ... J_{k+1} (t - k factors of lstm_step_jacobian), (2n, 2n)."""
    _check_k(k, len(x))
    return _state_products(k, x, h0, c0, W, U, b)[-1]


def lstm_state_jacobians(x, h0, c0, W, U, b):
    """[lstm_state_jacobian(k, ...) for k = 0..t] from one backward accumulation (the same factors
    multiplied in the same order, so the same numbers)."""
    return _state_products(0, x, h0, c0, W, U, b)[::-1]


def full_cell_jacobian(k, x, h0, c0, W, U, b):
    """dc_t/dc_k with every path (through h_{j-1} into each gate and the candidate), h_k held fixed, (n, n)."""
    n = np.shape(U)[1]
    return lstm_state_jacobian(k, x, h0, c0, W, U, b)[n:, n:]


def full_cell_jacobians(x, h0, c0, W, U, b):
    """[full_cell_jacobian(k, ...) for k = 0..t] from one backward accumulation."""
    n = np.shape(U)[1]
    return [product[n:, n:] for product in lstm_state_jacobians(x, h0, c0, W, U, b)]


# ---------------------------------------------------------------------------------------
# GRU


def gru_gates(x, h_prev, W, U, b):
    """(z, r, q) of one step: update gate, reset gate and candidate, each of h_prev's shape."""
    W, U = np.asarray(W), np.asarray(U)
    n = _check_stacked(W, U, b, 3, "GRU")
    x, h_prev = np.asarray(x), np.asarray(h_prev)
    a = x @ W[:2 * n].T + h_prev @ U[:2 * n].T + np.asarray(b)[:2 * n]
    a_z, a_r = _blocks(a, 2)
    z, r = sigmoid(a_z), sigmoid(a_r)
    q = np.tanh(x @ W[2 * n:].T + (r * h_prev) @ U[2 * n:].T + np.asarray(b)[2 * n:])
    return z, r, q


def gru_step(x, h_prev, W, U, b):
    """One GRU step on a batch: h = (1 - z) h_prev + z q, of h_prev's shape."""
    z, _r, q = gru_gates(x, h_prev, W, U, b)
    return (1 - z) * np.asarray(h_prev) + z * q


def gru_states(x, h0, W, U, b):
    """Rows h_0..h_t of one sequence x (t, m), a (t+1, n) array."""
    hs = [np.reshape(h0, -1)]
    for x_j in np.asarray(x):
        hs.append(gru_step(x_j, hs[-1], W, U, b))
    return np.stack(hs)


def gru_carry_jacobian(k, x, h0, W, U, b):
    """dh_t/dh_k along the carry path alone: prod_{j=k+1..t} diag(1 - z_j), an (n, n) array."""
    t = len(x)
    _check_k(k, t)
    hs = gru_states(x, h0, W, U, b)
    z = gru_gates(np.asarray(x)[k:], hs[k:t], W, U, b)[0]
    return np.diag(np.prod(1 - z, axis=0))


def gru_carry_jacobians(x, h0, W, U, b):
    """[gru_carry_jacobian(k, ...) for k = 0..t] from one forward pass (equal to rounding: the gates of
    all steps are computed together)."""
    t = len(x)
    hs = gru_states(x, h0, W, U, b)
    z = gru_gates(np.asarray(x), hs[:t], W, U, b)[0]
    return [np.diag(np.prod(1 - z[k:], axis=0)) for k in range(t + 1)]


def gru_step_jacobian(x, h_prev, W, U, b):
    """dh_j/dh_{j-1} = diag(1 - z) + diag((q - h_prev) z'(a_z)) U_z
    + diag(z q'(a_q)) U_q (diag(r) + diag(h_prev r'(a_r)) U_r), an (n, n) array."""
    U = np.asarray(U)
    n = U.shape[1]
    z, r, q = gru_gates(x, h_prev, W, U, b)
    h_prev = np.reshape(h_prev, -1)
    U_z, U_r, U_q = U[:n], U[n:2 * n], U[2 * n:]
    reset_input = np.diag(r) + (h_prev * r * (1 - r))[:, None] * U_r  # d(r * h_prev)/dh_prev
    return (np.diag(1 - z) + ((q - h_prev) * z * (1 - z))[:, None] * U_z
            + (z * (1 - q ** 2))[:, None] * (U_q @ reset_input))


def gru_hidden_jacobian(k, x, h0, W, U, b):
    """dh_t/dh_k of the GRU with every path: the product of t - k factors gru_step_jacobian, (n, n)."""
    t = len(x)
    _check_k(k, t)
    hs = gru_states(x, h0, W, U, b)
    product = np.eye(hs.shape[1])
    for j in range(t, k, -1):
        product = product @ gru_step_jacobian(np.asarray(x)[j - 1], hs[j - 1], W, U, b)
    return product


# ---------------------------------------------------------------------------------------
# When gates still vanish or explode (the auto-graded companions of the written question)


def cell_path_norm(forget_gates):
    """||prod_j diag(f_j)||_2 for forget gates f_j in the rows of an (s, n) array: the largest
    product of one unit's gates (the spectral norm of a diagonal matrix is its largest |entry|).
    At most 1: the cell path alone never explodes. An empty product (s = 0) is the identity: 1."""
    f = np.asarray(forget_gates, dtype=np.float64)
    if f.ndim != 2 or f.shape[1] == 0:
        raise ValueError(f"forget_gates must be an (s, n) array with n >= 1, got shape {f.shape}")
    return float(np.max(np.abs(np.prod(f, axis=0))))


def memory_steps(forget_gate, tolerance):
    """The number of steps after which a constant forget gate f in (0, 1) has brought the cell
    path below `tolerance` in (0, 1): the smallest whole s with f^s < tolerance."""
    f, tol = float(forget_gate), float(tolerance)
    if not (0 < f < 1 and 0 < tol < 1):
        raise ValueError(f"forget_gate and tolerance must lie in (0, 1), got {forget_gate!r} and {tolerance!r}")
    s = math.floor(math.log(tol) / math.log(f)) + 1
    while f ** s >= tol:  # the logarithms may round across a whole number
        s += 1
    while s > 0 and f ** (s - 1) < tol:
        s -= 1
    return s


def forget_bias_for_memory(steps, tolerance):
    """The smallest forget-gate bias b with sigmoid(b)^steps >= tolerance (the gate's other inputs
    zero): b = logit(tolerance^(1/steps)). steps >= 1, tolerance in (0, 1)."""
    if not (int(steps) == steps >= 1 and 0 < tolerance < 1):
        raise ValueError(f"steps must be a whole number >= 1 and tolerance in (0, 1), got {steps!r} and {tolerance!r}")
    log_f = math.log(tolerance) / steps  # log of the forget gate needed, < 0
    return -math.log(-math.expm1(log_f)) + log_f  # logit(e^log_f) = log_f - log(1 - e^log_f), without cancellation


def cell_gradient_regime(k, x, h0, c0, W, U, b, tolerance):
    """"vanishing" when ||dc_t/dc_k||_2 (the full Jacobian) < tolerance, "exploding" when it exceeds
    1/tolerance, "kept" otherwise (tolerance in (0, 1))."""
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must lie in (0, 1), got {tolerance!r}")
    size = float(np.linalg.norm(full_cell_jacobian(k, x, h0, c0, W, U, b), 2))
    if size < tolerance:
        return VANISHING
    return EXPLODING if size > 1 / tolerance else KEPT


# ---------------------------------------------------------------------------------------
# The lab: the latching task of the vanishing gradients assignment, learnt by a clipped tanh
# RNN and by an LSTM, both with full back-propagation through time. Each row of a batched
# array is one sequence. The training functions are shown in the notebook verbatim.


def latching_batch(rng, batch, length, noise):
    """A batch of the latching task: keep the sign of the first input for `length` steps.

    The vanishing gradients assignment's task generator, reimplemented draw for draw (the
    tests check that both give the same batches). Returns x, shape (batch, length, 1), and
    the targets y in {-1, +1}: the input of step 1 is y itself, every later input is Gaussian
    noise of standard deviation `noise`.
    """
    y = rng.choice([-1.0, 1.0], size=batch)
    x = noise * rng.standard_normal((batch, length, 1))
    x[:, 0, 0] = y
    return x, y


def _logistic_readout(h_last, params, y):
    """Loss of z = w_out . h_t + b_out (batch mean of log(1 + exp(-y z)); log 2 means guessing),
    z, dL/dz per sequence, and the read-out's gradients."""
    z = h_last @ params["w_out"] + params["b_out"][0]
    loss = np.mean(np.logaddexp(0.0, -y * z))
    dz = -y * 0.5 * (1.0 - np.tanh(0.5 * y * z)) / len(y)  # -y sigmoid(-y z) / batch
    return loss, z, dz, {"w_out": h_last.T @ dz, "b_out": np.array([dz.sum()])}


def init_rnn(rng, hidden, gain):
    """Parameters of a tanh RNN with one input: W_hh has N(0, gain^2 / hidden) entries (the draws of
    the vanishing gradients assignment's Gaussian init_rnn, in its order)."""
    return {
        "W_hh": gain * rng.standard_normal((hidden, hidden)) / np.sqrt(hidden),
        "W_hx": 0.5 * rng.standard_normal((hidden, 1)),
        "b_h": np.zeros(hidden),
        "w_out": rng.standard_normal(hidden) / np.sqrt(hidden),
        "b_out": np.zeros(1),
    }


def rnn_loss_and_gradients(params, x, y):
    """Loss, gradients (a dict like params), read-out z and ||dL/dh_k|| for k = 0..length, by full BPTT.

    h_i = tanh(W_hh h_{i-1} + W_hx x_i + b_h) from h_0 = 0; ||dL/dh_k|| is the Frobenius norm of the
    batch's (batch, hidden) array of dL/dh_k.
    """
    W_hh, W_hx, b_h = params["W_hh"], params["W_hx"], params["b_h"]
    batch, length, _ = x.shape
    states = [np.zeros((batch, len(b_h)))]
    for i in range(length):
        states.append(np.tanh(states[-1] @ W_hh.T + x[:, i] @ W_hx.T + b_h))
    loss, z, dz, grads = _logistic_readout(states[-1], params, y)
    grads.update(W_hh=np.zeros_like(W_hh), W_hx=np.zeros_like(W_hx), b_h=np.zeros_like(b_h))
    delta = np.outer(dz, params["w_out"])  # dL/dh_t, one row per sequence
    norms = np.zeros(length + 1)
    for i in range(length, 0, -1):
        norms[i] = np.linalg.norm(delta)
        da = delta * (1.0 - states[i] ** 2)  # tanh'(a_i) = 1 - h_i^2
        grads["W_hh"] += da.T @ states[i - 1]
        grads["W_hx"] += da.T @ x[:, i - 1]
        grads["b_h"] += da.sum(axis=0)
        delta = da @ W_hh
    norms[0] = np.linalg.norm(delta)
    return loss, grads, z, norms


def init_lstm(rng, hidden, forget_bias):
    """Parameters of an LSTM with one input: W (4n, 1), U (4n, n) with N(0, 1/n) entries, b zero but
    for the forget gate's block, `forget_bias` (gate order f, i, g, o)."""
    b = np.zeros(4 * hidden)
    b[:hidden] = forget_bias
    return {
        "W": 0.5 * rng.standard_normal((4 * hidden, 1)),
        "U": rng.standard_normal((4 * hidden, hidden)) / np.sqrt(hidden),
        "b": b,
        "w_out": rng.standard_normal(hidden) / np.sqrt(hidden),
        "b_out": np.zeros(1),
    }


def lstm_loss_and_gradients(params, x, y):
    """Loss, gradients (a dict like params), read-out z and ||dL/dc_k|| for k = 0..length, by full BPTT.

    From h_0 = c_0 = 0. dL/dc_k is the gradient BPTT carries into c_k: through h_k = o_k tanh(c_k)
    and through c_{k+1} = f_{k+1} c_k + ...; its norm is the Frobenius norm over the batch.
    """
    W, U, b = params["W"], params["U"], params["b"]
    batch, length, _ = x.shape
    hs, cs, gates = [np.zeros((batch, len(b) // 4))], [np.zeros((batch, len(b) // 4))], []
    for j in range(length):
        f, i, g, o = lstm_gates(x[:, j], hs[-1], W, U, b)
        cs.append(f * cs[-1] + i * g)
        hs.append(o * np.tanh(cs[-1]))
        gates.append((f, i, g, o))
    loss, z, dz, grads = _logistic_readout(hs[-1], params, y)
    grads.update(W=np.zeros_like(W), U=np.zeros_like(U), b=np.zeros_like(b))
    dh = np.outer(dz, params["w_out"])  # dL/dh_j, one row per sequence
    dc = np.zeros_like(dh)  # dL/dc_j through c_{j+1} only
    norms = np.zeros(length + 1)
    for j in range(length, 0, -1):
        f, i, g, o = gates[j - 1]
        tc = np.tanh(cs[j])
        dc = dc + dh * o * (1.0 - tc ** 2)  # now all of dL/dc_j
        norms[j] = np.linalg.norm(dc)
        da = np.concatenate([dc * cs[j - 1] * f * (1 - f), dc * g * i * (1 - i), dc * i * (1 - g ** 2),
                             dh * tc * o * (1 - o)], axis=1)  # dL/da_j, blocks f, i, g, o
        grads["W"] += da.T @ x[:, j - 1]
        grads["U"] += da.T @ hs[j - 1]
        grads["b"] += da.sum(axis=0)
        dh = da @ U
        dc = dc * f
    norms[0] = np.linalg.norm(dc)
    return loss, grads, z, norms


def clip_by_global_norm(grads, max_norm):
    """The gradient dict scaled by max_norm / g when its global L2 norm g exceeds max_norm, and g."""
    g = float(np.sqrt(sum(np.sum(v * v) for v in grads.values())))
    scale = max_norm / g if g > max_norm else 1.0
    return {name: scale * v for name, v in grads.items()}, g


MODELS = {"rnn": (init_rnn, rnn_loss_and_gradients), "lstm": (init_lstm, lstm_loss_and_gradients)}


def train(model, seed, length, init_scale, *, hidden, batch, updates, learning_rate, noise, max_norm, eval_size):
    """Train `model` ("rnn" or "lstm") on fresh latching batches; return the run's log.

    init_scale is the RNN's gain or the LSTM's forget-gate bias. Every update clips the gradient
    by its global norm at max_norm, then takes an Adam step (Kingma & Ba 2015: beta 0.9 and 0.999,
    epsilon 1e-8), which rescales every parameter's step, so both models get the same steps
    whatever the size of their gradients. The log holds the loss of every batch, the loss and
    accuracy on a held-out batch after training, and ||dL/ds_k|| over k = 0..length on that batch
    (s = h for the RNN, c for the LSTM) before and after training. The same seed gives the same run.
    """
    init, loss_and_gradients = MODELS[model]
    params = init(np.random.default_rng([seed, 0]), hidden, init_scale)
    data = np.random.default_rng([seed, 1])
    x_eval, y_eval = latching_batch(np.random.default_rng([seed, 2]), eval_size, length, noise)
    first = {name: np.zeros_like(v) for name, v in params.items()}  # Adam's running moments
    second = {name: np.zeros_like(v) for name, v in params.items()}
    _loss, _grads, _z, norms_before = loss_and_gradients(params, x_eval, y_eval)
    losses = []
    for update in range(1, updates + 1):
        x, y = latching_batch(data, batch, length, noise)
        loss, grads, _z, _norms = loss_and_gradients(params, x, y)
        losses.append(float(loss))
        grads, _g = clip_by_global_norm(grads, max_norm)
        for name, g in grads.items():
            first[name] = 0.9 * first[name] + 0.1 * g
            second[name] = 0.999 * second[name] + 0.001 * g * g
            step = (first[name] / (1 - 0.9 ** update)) / (np.sqrt(second[name] / (1 - 0.999 ** update)) + 1e-8)
            params[name] = params[name] - learning_rate * step
    eval_loss, _grads, z, norms_after = loss_and_gradients(params, x_eval, y_eval)
    return {
        "loss": np.array(losses),
        "eval_loss": float(eval_loss),
        "eval_accuracy": float(np.mean(np.sign(z) == y_eval)),
        "gradient_norms_before": norms_before,
        "gradient_norms_after": norms_after,
        "params": params,
    }
