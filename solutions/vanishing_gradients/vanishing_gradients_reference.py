"""Reference solutions for the vanishing/exploding gradients assignment.

The grader computes every hidden expected value with these functions and the build
computes the public ones; this module never reaches a student file. The solution
notebook carries its own (loop-based, teaching) implementations, graded like a student's.

Conventions (docs/mathematics.md): a vanilla RNN with logistic sigmoid activation,

    a_i = W_hh h_{i-1} + W_hx x_i + b_h,   h_i = sigmoid(a_i),   i = 1..t,
    J_i = dh_i/dh_{i-1} = diag(sigmoid'(a_i)) W_hh           (numerator layout),
    dh_t/dh_k = J_t J_{t-1} ... J_{k+1}                      (t - k factors).

Column j (0-based) of ``h`` is h_j, the state entering step j+1; column j of ``x`` is
x_{j+1}. Every function is pure: inputs are never modified. Python 3.10 compatible.
"""

import math

import numpy as np

#: max |sigma'| for the logistic sigmoid and for tanh.
GAMMA_SIGMOID = 0.25
GAMMA_TANH = 1.0

#: The answers of explosion_regime.
EXPLOSION_IMPOSSIBLE = "impossible"
EXPLOSION_POSSIBLE = "possible"
EXPLOSION_AT_FULL_SLOPE = "guaranteed at full slope"
#: Distance from 1 up to which gamma sigma_max or gamma rho counts as exactly 1 (rounding).
THRESHOLD_TOLERANCE = 1e-9


def sigmoid(x):
    """Logistic sigmoid, without overflow for any finite input."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_gradient(x):
    """sigma'(x) = sigma(x) (1 - sigma(x)), as float64 of the shape of ``x``.

    Written as e / (1 + e)^2 with e = exp(-|x|): the derivative is even, the form never
    overflows, and it keeps full relative precision in the tails where 1 - sigma(x)
    would cancel to 0.
    """
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return e / (1.0 + e) ** 2


def _as_bias_vector(b_h, n):
    b = np.asarray(b_h, dtype=np.float64)
    if b.shape not in ((n,), (n, 1)):
        raise ValueError(f"b_h must have shape ({n},) or ({n}, 1), got {b.shape}")
    return b.reshape(n)


def pre_activations(W_hh, W_hx, b_h, h, x):
    """All pre-activations at once: column i-1 of the (n, t) result is a_i."""
    W_hh = np.asarray(W_hh, dtype=np.float64)
    b = _as_bias_vector(b_h, W_hh.shape[0])
    return W_hh @ np.asarray(h, dtype=np.float64) + np.asarray(W_hx) @ np.asarray(x) + b[:, None]


def prod(k, W_hh, W_hx, b_h, h, x):
    """dh_t/dh_k = J_t J_{t-1} ... J_{k+1} as an (n, n) array; ``prod(t, ...)`` is I_n.

    Shapes: W_hh (n, n), W_hx (n, m), b_h (n,) or (n, 1), h (n, t), x (m, t); t = h.shape[1].
    """
    W_hh = np.asarray(W_hh, dtype=np.float64)
    n, t = W_hh.shape[0], np.shape(h)[1]
    if not 0 <= k <= t:
        raise ValueError(f"k must satisfy 0 <= k <= t = {t}, got {k}")
    slopes = sigmoid_gradient(pre_activations(W_hh, W_hx, b_h, h, x))  # (n, t)
    product = np.eye(n)
    for i in range(t, k, -1):  # J_t first, J_{k+1} last: matrices do not commute
        product = product @ (slopes[:, i - 1, None] * W_hh)
    return product


def rnn_states(W_hh, W_hx, b_h, h0, x):
    """Run the sigmoid RNN forward: returns (n, t+1) with columns h_0, h_1, ..., h_t."""
    W_hh = np.asarray(W_hh, dtype=np.float64)
    b = _as_bias_vector(b_h, W_hh.shape[0])
    x = np.asarray(x, dtype=np.float64)
    states = [np.asarray(h0, dtype=np.float64).reshape(-1)]
    for j in range(x.shape[1]):
        states.append(sigmoid(W_hh @ states[-1] + W_hx @ x[:, j] + b))
    return np.stack(states, axis=1)


def global_norm(grads):
    """sqrt of the sum of squares of every element of every array, without overflow."""
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    scale = max((float(np.max(np.abs(a))) for a in arrays if a.size), default=0.0)
    if scale == 0.0 or not np.isfinite(scale):
        return scale
    return scale * float(np.sqrt(sum(float(np.sum((a / scale) ** 2)) for a in arrays)))


def clip_gradients(grads, max_norm):
    """Clip a list of gradient arrays by their global L2 norm.

    Returns ``(clipped, g)``: new arrays (same shapes, never aliasing the inputs), scaled by
    max_norm / g when the pre-clip global norm g exceeds max_norm, and g as a float.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    g = global_norm(grads)
    factor = max_norm / g if g > max_norm else 1.0
    return [np.array(a, dtype=np.float64) * factor for a in grads], g


def spectral_norm(W):
    """Largest singular value sigma_max(W)."""
    return float(np.linalg.norm(np.asarray(W, dtype=np.float64), 2))


def spectral_radius(W):
    """Largest eigenvalue modulus of W."""
    return float(np.max(np.abs(np.linalg.eigvals(np.asarray(W, dtype=np.float64)))))


def safe_scale(W_hh, gamma):
    """The largest c for which gamma sigma_max(c W_hh) <= 1: 1 / (gamma sigma_max(W_hh)).

    Every scale below it guarantees vanishing, ||dh_t/dh_k|| <= (c gamma sigma_max)^(t-k) -> 0.
    W_hh must have a nonzero entry.
    """
    return 1.0 / (gamma * spectral_norm(W_hh))


def vanishing_horizon(W_hh, gamma, tol):
    """The fewest steps s = t - k after which the bound guarantees ||dh_t/dh_k||_2 <= tol.

    The smallest whole s >= 1 with (gamma sigma_max)^s <= tol, for 0 < tol < 1 (the bound only
    falls after that, so it holds for every longer distance too). None when gamma sigma_max >= 1
    (up to THRESHOLD_TOLERANCE): the bound never falls below 1. W_hh must have a nonzero entry.
    """
    if not 0 < tol < 1:
        raise ValueError(f"tol must lie strictly between 0 and 1, got {tol!r}")
    bound = gamma * spectral_norm(W_hh)
    if bound >= 1.0 - THRESHOLD_TOLERANCE:
        return None
    steps = max(1, math.ceil(math.log(tol) / math.log(bound)))
    # The ratio of logarithms can round across a whole number: settle it on the powers themselves.
    while bound**steps > tol:
        steps += 1
    while steps > 1 and bound ** (steps - 1) <= tol:
        steps -= 1
    return steps


def non_normal_trap(gamma, size, steps):
    """A W with gamma rho(W) < 1 whose product at full slope, (gamma W)^steps, has norm > size.

    The eigenvalue rule calls such a W safe, yet with every slope at gamma (every a_i = 0) its
    Jacobian product grows: gamma W = [[lam, c], [0, lam]] has (gamma W)^s = [[lam^s, s c lam^(s-1)],
    [0, lam^s]], whose off-diagonal entry is made 2 size for s = steps. Any W with the two
    properties is a right answer; this is one of them.
    """
    lam = 1.0 - 1.0 / (steps + 1)  # eigenvalue of gamma W, below 1; lam^(steps-1) stays above 1/e
    c = 2.0 * size / (steps * lam ** (steps - 1))
    return np.array([[lam, c], [0.0, lam]]) / gamma


def explosion_regime(W_hh, gamma):
    """Whether the Jacobian products of W_hh can explode, with slopes bounded by gamma.

    With b = gamma sigma_max(W_hh) and r = gamma rho(W_hh) (r <= b):
    "impossible" if b <= 1 (up to THRESHOLD_TOLERANCE): every product has norm <= b^(t-k) <= 1;
    "guaranteed at full slope" if r > 1 (beyond THRESHOLD_TOLERANCE): with every slope at gamma
    the product is (gamma W_hh)^(t-k), whose norm grows like r^(t-k) (Gelfand's formula);
    "possible" otherwise: the bound allows growth, but even at full slope it is transient.
    No W_hh makes explosion certain for every input: saturated units have slopes near 0.
    """
    bound = gamma * spectral_norm(W_hh)
    if bound <= 1.0 + THRESHOLD_TOLERANCE:
        return EXPLOSION_IMPOSSIBLE
    if gamma * spectral_radius(W_hh) > 1.0 + THRESHOLD_TOLERANCE:
        return EXPLOSION_AT_FULL_SLOPE
    return EXPLOSION_POSSIBLE


def full_slope_norms(W, gamma, steps):
    """||(gamma W)^s||_2 for s = 0..steps: the Jacobian products when every slope is gamma."""
    factor = gamma * np.asarray(W, dtype=np.float64)
    product, norms = np.eye(factor.shape[0]), [1.0]
    for _ in range(steps):
        product = product @ factor
        norms.append(float(np.linalg.norm(product, 2)))
    return np.array(norms)


# ---------------------------------------------------------------------------------------
# The lab: the gradient of a loss on h_t, step by step, and a real training run.
# The loss-gradient functions take either activation (sigmoid or tanh), so that the tests
# check both. The training functions are shown in the notebook verbatim (the tests check
# that the notebook's copies are these).


def activation_function(name):
    """sigma(a) for "sigmoid" or "tanh" (the sigmoid through tanh: no overflow)."""
    if name == "sigmoid":
        return lambda a: 0.5 * (1.0 + np.tanh(0.5 * a))
    if name == "tanh":
        return np.tanh
    raise ValueError(f'activation must be "sigmoid" or "tanh", got {name!r}')


def activation_slope(name, a):
    """sigma'(a) for real pre-activations a: sigma(1 - sigma) for the sigmoid, 1 - tanh^2 for tanh."""
    if name == "sigmoid":
        return sigmoid_gradient(a)
    activation_function(name)  # raises on an unknown name
    return 1.0 - np.tanh(np.asarray(a, dtype=np.float64)) ** 2


def run_states(W_hh, W_hx, b_h, h0, x, activation="sigmoid"):
    """Columns h_0, h_1, ..., h_t of an RNN with the given activation, as an (n, t+1) array."""
    sigma = activation_function(activation)
    b = np.reshape(b_h, -1)
    states = [np.reshape(h0, -1)]
    for j in range(np.shape(x)[1]):
        states.append(sigma(W_hh @ states[-1] + W_hx @ x[:, j] + b))
    return np.stack(states, axis=1)


def jacobian_product(k, W_hh, W_hx, b_h, h, x, activation="sigmoid"):
    """dh_t/dh_k = J_t ... J_{k+1}, J_i = diag(sigma'(a_i)) W_hh, for either activation."""
    W_hh = np.asarray(W_hh, dtype=np.float64)
    t = np.shape(h)[1]
    slopes = activation_slope(activation, pre_activations(W_hh, W_hx, b_h, h, x))
    product = np.eye(W_hh.shape[0])
    for i in range(t, k, -1):
        product = product @ (slopes[:, i - 1, None] * W_hh)
    return product


def loss_gradient_terms(W_hh, W_hx, b_h, h0, x, y, activation="sigmoid"):
    """The t terms of dL/dW_hh for L = 0.5 ||h_t - y||^2, as a (t, n, n) array.

    Term k-1 (k = 1..t) is (dL/dh_t . dh_t/dh_k) . d+h_k/dW_hh: the row vector
    g = (h_t - y)^T dh_t/dh_k, times the immediate derivative of h_k = sigma(a_k) with
    respect to W_hh (h_{k-1} held fixed), i.e. the matrix outer(g * sigma'(a_k), h_{k-1}).
    """
    states = run_states(W_hh, W_hx, b_h, h0, x, activation)
    h, t = states[:, :-1], np.shape(x)[1]
    slopes = activation_slope(activation, pre_activations(W_hh, W_hx, b_h, h, x))
    dL_dht = states[:, -1] - np.reshape(y, -1)
    terms = []
    for k in range(1, t + 1):
        g = dL_dht @ jacobian_product(k, W_hh, W_hx, b_h, h, x, activation)
        terms.append(np.outer(g * slopes[:, k - 1], h[:, k - 1]))
    return np.stack(terms)


def backprop_deltas(W_hh, W_hx, b_h, h0, x, y, activation="sigmoid"):
    """delta_k = dL/dh_k as columns k = 0..t of an (n, t+1) array, by back-propagation:
    delta_t = h_t - y and delta_k = J_{k+1}^T delta_{k+1} = W_hh^T (sigma'(a_{k+1}) * delta_{k+1})."""
    W_hh = np.asarray(W_hh, dtype=np.float64)
    states = run_states(W_hh, W_hx, b_h, h0, x, activation)
    h, t = states[:, :-1], np.shape(x)[1]
    slopes = activation_slope(activation, pre_activations(W_hh, W_hx, b_h, h, x))
    deltas = [states[:, -1] - np.reshape(y, -1)]
    for k in range(t - 1, -1, -1):  # from delta_{k+1} to delta_k
        deltas.append(W_hh.T @ (slopes[:, k] * deltas[-1]))
    return np.stack(deltas[::-1], axis=1)


def latching_batch(rng, batch, length, noise):
    """A batch of the latching task: keep the sign of the first input for `length` steps.

    Returns x, shape (batch, length, 1), and the targets y in {-1, +1}: the input of step 1
    is y itself, every later input is Gaussian noise of standard deviation `noise`.
    """
    y = rng.choice([-1.0, 1.0], size=batch)
    x = noise * rng.standard_normal((batch, length, 1))
    x[:, 0, 0] = y
    return x, y


def init_rnn(rng, hidden, init, gain):
    """Parameters of a tanh RNN with one input and a logistic read-out of its last state.

    init="gaussian": W_hh has independent N(0, gain^2 / hidden) entries, so for gain > 1
    its sigma_max is well above 1. init="orthogonal": W_hh
    is gain times a random orthogonal matrix, so every singular value equals gain.
    """
    if init == "orthogonal":
        W_hh = gain * np.linalg.qr(rng.standard_normal((hidden, hidden)))[0]
    elif init == "gaussian":
        W_hh = gain * rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
    else:
        raise ValueError(f'init must be "gaussian" or "orthogonal", got {init!r}')
    return {
        "W_hh": W_hh,
        "W_hx": 0.5 * rng.standard_normal((hidden, 1)),
        "b_h": np.zeros(hidden),
        "w_out": rng.standard_normal(hidden) / np.sqrt(hidden),
        "b_out": np.zeros(1),
    }


def loss_and_gradients(params, x, y):
    """Loss of the read-out z = w_out . h_t + b_out and its gradients, by full BPTT.

    The loss is the batch mean of log(1 + exp(-y z)) (log 2 = 0.693 means guessing); the
    gradients are a dict with the keys and shapes of params. Also returns the states h_0..h_t,
    shape (length + 1, batch, hidden). Each row of a batched array is one sequence.
    """
    W_hh, W_hx, b_h = params["W_hh"], params["W_hx"], params["b_h"]
    batch, length, _ = x.shape
    states = [np.zeros((batch, len(b_h)))]  # h_0 = 0
    for i in range(length):  # h_i = tanh(W_hh h_{i-1} + W_hx x_i + b_h), all rows at once
        states.append(np.tanh(states[-1] @ W_hh.T + x[:, i] @ W_hx.T + b_h))
    z = states[-1] @ params["w_out"] + params["b_out"][0]
    loss = np.mean(np.logaddexp(0.0, -y * z))
    dz = -y * 0.5 * (1.0 - np.tanh(0.5 * y * z)) / batch  # dL/dz = -y sigmoid(-y z) / batch
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    grads["w_out"] = states[-1].T @ dz
    grads["b_out"] = np.array([dz.sum()])
    delta = np.outer(dz, params["w_out"])  # row r: dL/dh_t of sequence r
    for i in range(length, 0, -1):  # back-propagation through time
        da = delta * (1.0 - states[i] ** 2)  # dL/da_i, since tanh'(a_i) = 1 - h_i^2
        grads["W_hh"] += da.T @ states[i - 1]
        grads["W_hx"] += da.T @ x[:, i - 1]
        grads["b_h"] += da.sum(axis=0)
        delta = da @ W_hh  # delta_{i-1} = J_i^T delta_i, one row per sequence
    return loss, grads, np.stack(states)


def train_rnn(seed, init, gain, clip=None, hidden=16, length=50, batch=20, updates=200,
              learning_rate=0.5, noise=0.2, eval_size=500):
    """Train by plain SGD with full BPTT on fresh latching batches; return the run's log.

    clip: None, or a function from the list of gradient arrays to the list to apply (e.g.
    clipping by norm or by value). The log holds, per update, the loss of the batch, the
    global gradient norm before clipping, the gradient arrays themselves (before clipping, in
    the order of params) and the length ||theta_new - theta_old|| of the step.
    Everything random comes from `seed`: the same seed gives the same run.
    """
    params = init_rnn(np.random.default_rng([seed, 0]), hidden, init, gain)
    initial = {name: value.copy() for name, value in params.items()}
    data = np.random.default_rng([seed, 1])
    x_eval, y_eval = latching_batch(np.random.default_rng([seed, 2]), eval_size, length, noise)
    grad_norms, gradients, losses, steps = [], [], [], []
    for _update in range(updates):
        x, y = latching_batch(data, batch, length, noise)
        loss, grads, _states = loss_and_gradients(params, x, y)
        names = list(grads)
        arrays = [grads[name] for name in names]
        grad_norms.append(float(np.sqrt(sum(np.sum(g * g) for g in arrays))))
        gradients.append([g.copy() for g in arrays])  # copies: a clip that works in place cannot change the log
        losses.append(float(loss))
        if clip is not None:
            arrays = clip(arrays)
        before = {name: params[name] for name in names}
        for name, g in zip(names, arrays):
            params[name] = params[name] - learning_rate * g
        steps.append(float(np.sqrt(sum(np.sum((params[name] - before[name]) ** 2) for name in names))))
    return {
        "grad_norm": np.array(grad_norms),
        "grads": gradients,
        "loss": np.array(losses),
        "step": np.array(steps),
        "eval_loss": float(loss_and_gradients(params, x_eval, y_eval)[0]),
        "initial": initial,
        "params": params,
        "x_eval": x_eval,
    }


#: The update rules of Question 4, the keys of step_lengths' answer.
STEP_RULES = ("none", "by value", "by norm")


def _flat(grads):
    """Every element of every array, in order, as one float64 vector."""
    return np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in grads] or [np.zeros(0)])


def _cosine(u, v):
    """The cosine of the angle between two flat vectors; 0.0 when either is zero (a zero step has
    no direction, so it points along nothing)."""
    u_norm, v_norm = global_norm([u]), global_norm([v])
    if u_norm == 0.0 or v_norm == 0.0:
        return 0.0
    return float(np.dot(u / u_norm, v / v_norm))


def step_lengths(grads, learning_rate, max_norm, clip_value):
    """The plain-SGD step -learning_rate * G of one update, for each rule of turning the gradient
    arrays `grads` (g, before clipping) into the applied gradient G: "none" (G = g), "by value"
    (every entry clipped into [-clip_value, clip_value]) and "by norm" (g scaled by
    max_norm / ||g|| when its global norm ||g|| exceeds max_norm, as clip_gradients does).

    Returns {rule: (length, cosine)}: the step's length learning_rate * ||G|| and the cosine of
    its angle with -g, as floats; a zero step (g = 0) has cosine 0.0. Inputs are never modified.
    """
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
    if not (max_norm > 0 and clip_value > 0):
        raise ValueError(f"max_norm and clip_value must be positive, got {max_norm!r} and {clip_value!r}")
    g = _flat(grads)
    norm = global_norm([g])
    applied = {
        "none": g,
        "by value": np.clip(g, -clip_value, clip_value),
        "by norm": g * (max_norm / norm) if norm > max_norm else g,
    }
    return {rule: (learning_rate * global_norm([applied[rule]]), _cosine(applied[rule], g)) for rule in STEP_RULES}


def clip_by_value(grads, value):
    """Clip every entry into [-value, value]: this bounds the entries, not the norm."""
    return [np.clip(g, -value, value) for g in grads]


def state_jacobian_norms(params, x):
    """||dh_t/dh_k||_2 for k = 0..t along one input sequence x, shape (length, 1)."""
    _loss, _grads, states = loss_and_gradients(params, x[None], np.ones(1))
    h = states[:, 0]  # rows h_0, h_1, ..., h_t
    product = np.eye(len(params["b_h"]))
    norms = [1.0]  # k = t: the identity
    for i in range(len(h) - 1, 0, -1):  # J_t first, then J_{t-1}, ...: J_i = diag(1 - h_i^2) W_hh
        product = product @ ((1.0 - h[i] ** 2)[:, None] * params["W_hh"])
        norms.append(float(np.linalg.norm(product, 2)))
    return np.array(norms[::-1])  # entry k is ||dh_t/dh_k||


# ---------------------------------------------------------------------------------------
# The cliff of Pascanu, Mikolov and Bengio (2013, Section 3): one sigmoid unit, shown in the
# notebook verbatim like the training code.


def cliff_states(w, b, steps=50, x0=0.5):
    """x_0, x_1, ..., x_steps of the one-unit RNN x_t = w sigmoid(x_{t-1}) + b, one row per t.

    w may be an array (every entry is its own network): row t has the shape of w.
    """
    w = np.asarray(w, dtype=np.float64)
    states = [np.full(w.shape, x0)]
    for _ in range(steps):
        states.append(w * sigmoid(states[-1]) + b)
    return np.stack(states)


def cliff_loss_and_gradient(w, b, steps=50, x0=0.5, target=0.7):
    """L = (x_steps - target)^2 of the one-unit RNN and dL/dw, by back-propagation through the steps."""
    w = np.asarray(w, dtype=np.float64)
    states = cliff_states(w, b, steps, x0)
    loss = (states[-1] - target) ** 2
    delta = 2.0 * (states[-1] - target)  # dL/dx_steps
    gradient = 0.0  # becomes an array of w's shape, or a float for one w
    for x_before in states[-2::-1]:  # x_{t-1} for t = steps, ..., 1
        s = sigmoid(x_before)
        gradient += delta * s  # w's direct part in x_t = w s + b
        delta = delta * w * s * (1.0 - s)  # dL/dx_{t-1} = dL/dx_t * w sigmoid'(x_{t-1})
    return loss, gradient
