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

import numpy as np

#: max |sigma'| for the logistic sigmoid and for tanh.
GAMMA_SIGMOID = 0.25
GAMMA_TANH = 1.0

VANISHING_GUARANTEED = "vanishing guaranteed"
EXPLOSION_POSSIBLE = "explosion possible"


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


def gradient_regime(W_hh, gamma):
    """Classify W_hh by the sufficient/necessary condition of Pascanu et al. (2013).

    ||dh_t/dh_k|| <= (gamma sigma_max)^(t-k): sigma_max < 1/gamma guarantees vanishing;
    otherwise the bound allows growth, so explosion is possible (not certain).
    """
    return VANISHING_GUARANTEED if spectral_norm(W_hh) < 1.0 / gamma else EXPLOSION_POSSIBLE


#: Auto-graded companions of the free-response question.
COMPANION_ANSWERS = {
    "gamma_sigmoid": GAMMA_SIGMOID,
    "gamma_tanh": GAMMA_TANH,
    "threshold_sigmoid": 1.0 / GAMMA_SIGMOID,
    "n_factors_20_1": 19,
}
