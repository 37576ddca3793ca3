"""The reference solutions against the mathematics of docs/mathematics.md, independently derived."""

import warnings

import numpy as np
import pytest
import vanishing_gradients_reference as ref


def forward_from(k, h_k, W_hh, W_hx, b_h, x):
    """h_t from h_k by a real forward pass (complex-safe: for complex-step derivatives)."""
    h = h_k
    b = np.reshape(b_h, -1)
    for i in range(k + 1, x.shape[1] + 1):
        h = 1.0 / (1.0 + np.exp(-(W_hh @ h + W_hx @ x[:, i - 1] + b)))
    return h


def random_rnn(rng, n, m, t, scale, bias_shape):
    W_hh = rng.normal(scale=scale / np.sqrt(n), size=(n, n))
    W_hx = rng.normal(size=(n, m))
    b_h = rng.normal(size=bias_shape(n))
    x = rng.normal(size=(m, t))
    states = ref.rnn_states(W_hh, W_hx, b_h, rng.uniform(size=n), x)
    return W_hh, W_hx, b_h, states, x


@pytest.mark.parametrize("seed", range(8))
def test_prod_is_the_jacobian_of_the_forward_pass(seed):
    """Is prod(k) exactly d h_t / d h_k of a real forward pass (complex-step derivative)?"""
    rng = np.random.default_rng(seed)
    n, m, t = int(rng.integers(1, 6)), int(rng.integers(1, 5)), int(rng.integers(1, 9))
    bias_shape = (lambda n: (n,)) if seed % 2 else (lambda n: (n, 1))
    W_hh, W_hx, b_h, states, x = random_rnn(rng, n, m, t, rng.uniform(0.5, 5.0), bias_shape)
    h = states[:, :t]
    step = 1e-30
    for k in range(t + 1):
        numeric = np.empty((n, n))
        for j in range(n):
            h_k = states[:, k].astype(complex)
            h_k[j] += 1j * step
            numeric[:, j] = forward_from(k, h_k, W_hh, W_hx, b_h, x).imag / step
        analytic = ref.prod(k, W_hh, W_hx, b_h, h, x)
        assert analytic.shape == (n, n)
        assert np.linalg.norm(analytic - numeric) <= 1e-12 * max(np.linalg.norm(numeric), 1e-300)


def test_prod_matches_finite_differences_on_the_lecture_sizes():
    """Does prod agree with central finite differences for n=5, m=3, t=20 (k = 17)?"""
    rng = np.random.default_rng(12345)
    W_hh, W_hx, b_h, states, x = random_rnn(rng, 5, 3, 20, 3.0, lambda n: (n, 1))
    eps = 1e-6
    numeric = np.column_stack([
        (forward_from(17, states[:, 17] + eps * e, W_hh, W_hx, b_h, x)
         - forward_from(17, states[:, 17] - eps * e, W_hh, W_hx, b_h, x)) / (2 * eps)
        for e in np.eye(5)
    ])
    analytic = ref.prod(17, W_hh, W_hx, b_h, states[:, :20], x)
    assert np.linalg.norm(analytic - numeric) <= 1e-7 * np.linalg.norm(numeric)


def test_prod_counts_t_minus_k_factors_in_order():
    """Is prod(k) = J_t ... J_{k+1}, identity at k = t, and is order significant?"""
    rng = np.random.default_rng(3)
    W_hh, W_hx, b_h, states, x = random_rnn(rng, 3, 2, 4, 3.0, lambda n: (n,))
    h = states[:, :4]
    slopes = ref.sigmoid_gradient(W_hh @ h + W_hx @ x + b_h[:, None])
    J = {i: np.diag(slopes[:, i - 1]) @ W_hh for i in range(1, 5)}
    assert np.array_equal(ref.prod(4, W_hh, W_hx, b_h, h, x), np.eye(3))
    np.testing.assert_allclose(ref.prod(3, W_hh, W_hx, b_h, h, x), J[4], rtol=1e-14)
    np.testing.assert_allclose(ref.prod(1, W_hh, W_hx, b_h, h, x), J[4] @ J[3] @ J[2], rtol=1e-13)
    assert not np.allclose(J[4] @ J[3] @ J[2], J[2] @ J[3] @ J[4])


def test_prod_leaves_inputs_alone_and_rejects_bad_k():
    """Are inputs unmodified, and is k outside 0..t refused with a clear error?"""
    rng = np.random.default_rng(4)
    args = list(random_rnn(rng, 3, 2, 5, 2.0, lambda n: (n, 1)))
    args[3] = args[3][:, :5]
    before = [a.copy() for a in args]
    ref.prod(2, *args)
    assert all(np.array_equal(a, b) for a, b in zip(args, before))
    for k in (-1, 6):
        with pytest.raises(ValueError, match="0 <= k <= t"):
            ref.prod(k, *args)


def test_non_normal_counterexample_of_spec():
    """Does W = [[3.88, 4], [0, 3.88]] (spectral radius < 4) still grow to about 11 over 19 steps?"""
    W = np.array([[3.88, 4.0], [0.0, 3.88]])
    n, t = 2, 19
    zeros = np.zeros((n, t))
    P = ref.prod(0, W, np.zeros((n, 1)), np.zeros(n), zeros, np.zeros((1, t)))
    assert ref.spectral_radius(W) < 4 < ref.spectral_norm(W)
    assert 10.5 < np.linalg.norm(P, 2) < 11.5
    assert ref.gradient_regime(W, ref.GAMMA_SIGMOID) == ref.EXPLOSION_POSSIBLE


def _orthogonal(rng, n):
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


@pytest.mark.parametrize("seed", range(6))
def test_regime_at_the_threshold(seed):
    """Is a bound gamma sigma_max of exactly 1 (up to rounding) "at the threshold": orthogonal
    W_hh with tanh, or scaled to sigma_max = 1/gamma, whichever way sigma_max rounds?"""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    Q = _orthogonal(rng, n)
    W = rng.normal(size=(n, n))
    assert ref.gradient_regime(Q, ref.GAMMA_TANH) == ref.AT_THRESHOLD
    assert ref.gradient_regime(Q / ref.GAMMA_SIGMOID, ref.GAMMA_SIGMOID) == ref.AT_THRESHOLD
    for gamma in (ref.GAMMA_SIGMOID, 0.5, ref.GAMMA_TANH):
        scaled = W / (gamma * ref.spectral_norm(W))
        assert ref.gradient_regime(scaled, gamma) == ref.AT_THRESHOLD
        assert ref.gradient_regime(scaled * (1 - 1e-6), gamma) == ref.VANISHING_GUARANTEED
        assert ref.gradient_regime(scaled * (1 + 1e-6), gamma) == ref.EXPLOSION_POSSIBLE


def test_regime_labels_follow_gamma_sigma_max():
    """Do the three labels follow gamma sigma_max < 1, > 1 and == 1, whatever the eigenvalues say?"""
    non_normal = np.array([[3.88, 4.0], [0.0, 3.88]])  # spectral radius 3.88 < 4 < sigma_max
    assert ref.gradient_regime(non_normal, ref.GAMMA_SIGMOID) == ref.EXPLOSION_POSSIBLE
    assert ref.gradient_regime(np.diag([3.9, -1.0]), ref.GAMMA_SIGMOID) == ref.VANISHING_GUARANTEED
    assert ref.gradient_regime(np.diag([4.0, 1.0]), ref.GAMMA_SIGMOID) == ref.AT_THRESHOLD
    assert ref.gradient_regime(np.eye(3, dtype=int), 1) == ref.AT_THRESHOLD
    W = np.array([[0.5, 0.3], [0.0, 0.5]])
    before = W.copy()
    ref.gradient_regime(W, ref.GAMMA_TANH)
    assert np.array_equal(W, before)


def test_bound_gamma_sigma_max_holds():
    """Is ||dh_t/dh_k|| <= (gamma sigma_max)^(t-k) on random RNNs?"""
    rng = np.random.default_rng(5)
    for _ in range(20):
        W_hh, W_hx, b_h, states, x = random_rnn(rng, 4, 3, 10, rng.uniform(0.5, 8), lambda n: (n,))
        bound_base = ref.GAMMA_SIGMOID * ref.spectral_norm(W_hh)
        for k in range(11):
            P = ref.prod(k, W_hh, W_hx, b_h, states[:, :10], x)
            assert np.linalg.norm(P, 2) <= bound_base ** (10 - k) * (1 + 1e-12)


@pytest.mark.parametrize("x", [1000.0, -1000.0, np.array([-1000.0, -709.8, 0.0, 709.8, 1000.0]), 7, np.arange(-3, 4)])
def test_sigmoid_gradient_is_stable(x):
    """Is sigmoid_gradient warning-free, finite and float64 at extreme and int inputs?"""
    original = np.copy(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            value = ref.sigmoid_gradient(x)
    assert value.dtype == np.float64 and value.shape == np.shape(x)
    assert np.all(np.isfinite(value)) and np.all(value >= 0) and np.all(value <= 0.25)
    assert np.array_equal(np.copy(x), original)


def test_sigmoid_gradient_matches_the_derivative():
    """Does it equal sigma(x)(1 - sigma(x)) and the complex-step derivative of sigma?"""
    x = np.linspace(-30, 30, 601)
    step = 1e-30
    derivative = (1.0 / (1.0 + np.exp(-(x + 1j * step)))).imag / step
    np.testing.assert_allclose(ref.sigmoid_gradient(x), derivative, rtol=1e-12, atol=1e-15)
    s = ref.sigmoid(x)
    np.testing.assert_allclose(ref.sigmoid_gradient(x), s * (1 - s), rtol=1e-9, atol=1e-15)  # the grader's tolerance
    assert ref.sigmoid_gradient(0.0) == 0.25


def test_clip_edge_cases():
    """Clipping: above, below and at the threshold; all zeros; new arrays; inputs untouched."""
    grads = [np.array([3.0, 4.0]), np.array([[12.0]])]
    before = [g.copy() for g in grads]
    clipped, g = ref.clip_gradients(grads, 1.0)
    assert g == 13.0 and isinstance(g, float)
    np.testing.assert_allclose(np.sqrt(sum(np.sum(c**2) for c in clipped)), 1.0, rtol=1e-15)
    np.testing.assert_allclose(clipped[0], [3 / 13, 4 / 13], rtol=1e-15)
    assert all(np.array_equal(a, b) for a, b in zip(grads, before))
    same, g = ref.clip_gradients(grads, 13.0)  # at the threshold: unchanged
    assert g == 13.0 and all(np.array_equal(a, b) for a, b in zip(same, grads))
    assert not any(np.shares_memory(a, b) for a, b in zip(same, grads))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zeros, g = ref.clip_gradients([np.zeros(3), np.zeros((2, 2))], 1.0)
    assert g == 0.0 and all(not z.any() for z in zeros)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        ref.clip_gradients(grads, 0.0)


def test_clip_preserves_direction_and_handles_huge_values():
    """Is the clipped update parallel to the gradient, even for entries near 1e200?"""
    rng = np.random.default_rng(6)
    grads = [rng.normal(size=(3, 2)) * 1e200, rng.normal(size=4) * 1e200]
    clipped, g = ref.clip_gradients(grads, 5.0)
    flat = np.concatenate([a.ravel() for a in grads]) / 1e200
    flat_clipped = np.concatenate([a.ravel() for a in clipped])
    assert np.isfinite(g) and np.isclose(np.linalg.norm(flat_clipped), 5.0, rtol=1e-14)
    cosine = flat @ flat_clipped / (np.linalg.norm(flat) * np.linalg.norm(flat_clipped))
    assert cosine == pytest.approx(1.0, abs=1e-14)
