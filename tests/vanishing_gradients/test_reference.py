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
    assert ref.explosion_regime(W, ref.GAMMA_SIGMOID) == ref.EXPLOSION_POSSIBLE


def _orthogonal(rng, n):
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


def _random_matrix(rng):
    """A square matrix of random size, normal or not, with gamma sigma_max between 0.3 and 3."""
    n = int(rng.integers(1, 7))
    W = rng.normal(size=(n, n)) * (np.triu(np.ones((n, n))) if rng.uniform() < 0.5 else 1.0)
    gamma = float(rng.choice([0.25, 0.5, 1.0]))
    return W * rng.uniform(0.3, 3.0) / (gamma * ref.spectral_norm(W)), gamma


def _products_with_random_slopes(rng, W, gamma, steps):
    """||D_s W ... D_1 W||_2 for s = 0..steps, with slopes drawn anywhere in (0, gamma]."""
    product, norms = np.eye(len(W)), [1.0]
    for _ in range(steps):
        product = (gamma * rng.uniform(1e-3, 1.0, size=len(W)))[:, None] * W @ product
        norms.append(np.linalg.norm(product, 2))
    return np.array(norms)


@pytest.mark.parametrize("seed", range(8))
def test_safe_scale_is_where_the_bound_reaches_1(seed):
    """Does scaling W_hh by safe_scale give gamma sigma_max = 1, and does any scale below it make
    every product with slopes in (0, gamma] shrink at least as fast as the bound?"""
    rng = np.random.default_rng(seed)
    W, gamma = _random_matrix(rng)
    scale = ref.safe_scale(W, gamma)
    assert gamma * np.linalg.svd(scale * W, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-13)
    below = 0.95 * scale * W
    norms = _products_with_random_slopes(rng, below, gamma, 30)
    assert np.all(norms <= 0.95 ** np.arange(31) * (1 + 1e-12))


@pytest.mark.parametrize("seed", range(8))
def test_vanishing_horizon_is_the_first_step_the_bound_guarantees(seed):
    """Is vanishing_horizon the smallest s with (gamma sigma_max)^s <= tol, after which products with any
    slopes in (0, gamma] stay below tol; and None when gamma sigma_max >= 1?"""
    rng = np.random.default_rng(seed)
    W, gamma = _random_matrix(rng)
    tol = float(10.0 ** rng.uniform(-8, -0.1))
    bound = gamma * ref.spectral_norm(W)
    steps = ref.vanishing_horizon(W, gamma, tol)
    if bound >= 1:
        assert steps is None
        return
    assert isinstance(steps, int) and steps >= 1
    assert bound**steps <= tol and (steps == 1 or bound ** (steps - 1) > tol)
    norms = _products_with_random_slopes(rng, W, gamma, steps + 20)
    assert np.all(norms[steps:] <= tol * (1 + 1e-12))


def test_vanishing_horizon_at_the_threshold_and_on_whole_ratios():
    """None at the threshold whichever way sigma_max rounds (orthogonal with tanh), a count just below
    it, and exact powers of the bound counted right (0.5^3 = 0.125: 3 steps)."""
    rng = np.random.default_rng(3)
    for n in (2, 5):
        Q = _orthogonal(rng, n)
        assert ref.vanishing_horizon(Q, ref.GAMMA_TANH, 0.5) is None
        assert ref.vanishing_horizon(4 * Q, ref.GAMMA_SIGMOID, 0.5) is None
    assert ref.vanishing_horizon(np.diag([2.0, 1.0]), 0.25, 0.125) == 3
    assert ref.vanishing_horizon(np.diag([2.0, 1.0]), 0.25, 0.9) == 1
    assert ref.vanishing_horizon(np.array([[0.999]]), 1.0, 0.5) == 693
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        ref.vanishing_horizon(np.eye(2), 0.5, 1.0)


@pytest.mark.parametrize("seed", range(8))
def test_non_normal_trap_has_both_properties(seed):
    """Does non_normal_trap give a W that the eigenvalue rule calls safe (gamma rho < 1) whose product
    at full slope, computed factor by factor, still grows past size after `steps` steps?"""
    rng = np.random.default_rng(seed)
    gamma, size, steps = float(rng.uniform(0.1, 2.0)), float(10.0 ** rng.uniform(0.3, 8)), int(rng.integers(1, 200))
    W = ref.non_normal_trap(gamma, size, steps)
    assert gamma * ref.spectral_radius(W) < 1
    assert ref.full_slope_norms(W, gamma, steps)[-1] > size
    assert np.linalg.norm(np.linalg.matrix_power(gamma * W, 100 * steps + 2000), 2) < size  # transient only


@pytest.mark.parametrize("seed", range(8))
def test_explosion_regime_follows_the_bound_and_the_full_slope_rate(seed):
    """Is "impossible" exactly where every product with slopes in (0, gamma] stays <= 1, "guaranteed at full
    slope" where (gamma W)^s grows like (gamma rho)^s, and "possible" in between?"""
    rng = np.random.default_rng(seed)
    for _ in range(20):
        W, gamma = _random_matrix(rng)
        regime = ref.explosion_regime(W, gamma)
        full = ref.full_slope_norms(W, gamma, 400)
        rate = full[-1] ** (1 / 400)
        if regime == ref.EXPLOSION_IMPOSSIBLE:
            assert np.all(_products_with_random_slopes(rng, W, gamma, 40) <= 1 + 1e-12)
        elif regime == ref.EXPLOSION_AT_FULL_SLOPE:
            assert full[-1] > full[200] > 1 and rate == pytest.approx(gamma * ref.spectral_radius(W), rel=0.02)
        else:
            assert gamma * ref.spectral_norm(W) > 1 and full[-1] < full[200] * (1 + 1e-9)


def test_explosion_regime_at_the_thresholds():
    """Orthogonal W with tanh is "impossible" whichever way sigma_max rounds; a Jordan block with its
    eigenvalue at 1/gamma grows only linearly at full slope: "possible"; rotated, too; 1e-6 beyond it
    grows geometrically."""
    rng = np.random.default_rng(4)
    for n in (2, 3, 6):
        assert ref.explosion_regime(_orthogonal(rng, n), ref.GAMMA_TANH) == ref.EXPLOSION_IMPOSSIBLE
    for gamma in (0.25, 0.5, 1.0):
        jordan = np.array([[1.0, 1.0], [0.0, 1.0]]) / gamma
        Q = _orthogonal(rng, 2)
        assert ref.explosion_regime(jordan, gamma) == ref.EXPLOSION_POSSIBLE
        assert ref.explosion_regime(Q @ np.array([[1.0, 3.0], [0.0, 0.5]]) @ Q.T / gamma, gamma) == \
            ref.EXPLOSION_POSSIBLE
        assert ref.explosion_regime(jordan * (1 + 1e-6), gamma) == ref.EXPLOSION_AT_FULL_SLOPE
    W = np.array([[0.5, 0.3], [0.0, 0.5]])
    before = W.copy()
    ref.explosion_regime(W, ref.GAMMA_TANH)
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
