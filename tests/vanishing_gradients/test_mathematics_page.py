"""Are the numbers and formulas that docs/mathematics.md states right?"""

import re

import numpy as np
import pytest
import vanishing_gradients_reference as ref

from ..conftest import REPO

PAGE = (REPO / "docs" / "mathematics.md").read_text(encoding="utf-8")
W = np.array([[3.88, 4.0], [0.0, 3.88]])


def norms_of_powers(J, count):
    return [np.linalg.norm(np.linalg.matrix_power(J, p), 2) for p in range(1, count + 1)]


def test_counterexample_numbers():
    """Are the spectral radius, sigma_max and the growth of the non-normal counterexample as the page says?"""
    rho, sigma_max = max(abs(np.linalg.eigvals(W))), np.linalg.norm(W, 2)
    assert rho < 4 < sigma_max
    assert f"radius is ${rho:.2f} < 4" in PAGE and f"\\sigma_{{\\max}}(W) \\approx {sigma_max:.2f} > 4" in PAGE
    norms = norms_of_powers(W / 4, 400)
    assert f"\\lVert J^{{19}} \\rVert_2 \\approx {norms[18]:.1f}" in PAGE
    peak = int(np.argmax(norms)) + 1
    below_one = next(p for p, value in enumerate(norms, start=1) if value < 1)
    assert f"about {norms[peak - 1]:.1f} at\n$p = {peak}$" in PAGE and f"only after {below_one} steps" in PAGE


def test_counterexample_is_what_prod_computes():
    """With every a_i = 0, is dh_20/dh_1 of that W the 19th power of W/4, with the entries the page gives?"""
    n, t = 2, 20
    P = ref.prod(1, W, np.zeros((n, 1)), np.zeros(n), np.zeros((n, t)), np.zeros((1, t)))
    p = 19
    np.testing.assert_allclose(P, [[0.97**p, p * 0.97 ** (p - 1)], [0, 0.97**p]], rtol=1e-12)
    assert "J^{p} = \\begin{pmatrix} 0.97^{p} & p\\, 0.97^{p-1} \\\\ 0 & 0.97^{p} \\end{pmatrix}" in PAGE


def test_bound_and_slopes():
    """Do the slope bounds hold (1/4 for the sigmoid at 0, 1 for tanh) and does the product obey the bound?"""
    x = np.linspace(-20, 20, 4001)
    assert abs(ref.sigmoid_gradient(x).max() - 0.25) < 1e-12 and ref.sigmoid_gradient(0.0) == 0.25
    assert abs((1 - np.tanh(x) ** 2).max() - 1) < 1e-12
    rng = np.random.default_rng(0)
    for _ in range(20):
        n, m, t = rng.integers(1, 6), rng.integers(1, 4), rng.integers(1, 12)
        W_hh, W_hx, b_h = rng.normal(size=(n, n)) * 2, rng.normal(size=(n, m)), rng.normal(size=n)
        h, x_in = rng.uniform(0, 1, (n, t)), rng.normal(size=(m, t))
        k = int(rng.integers(0, t + 1))
        bound = (0.25 * np.linalg.norm(W_hh, 2)) ** (t - k)
        assert np.linalg.norm(ref.prod(k, W_hh, W_hx, b_h, h, x_in), 2) <= bound * (1 + 1e-12)


def test_page_names_every_lecture_pitfall():
    """Does section 5 list the six code errors and four claims of the lecture, numbered?"""
    section = PAGE.split("## 5.")[1].split("## 6.")[0]
    assert [int(number) for number in re.findall(r"^ ?(\d+)\. \*\*", section, re.MULTILINE)] == list(range(1, 11))


def test_nilpotent_example_numbers():
    """Is W_6 nilpotent (rho = 0), and with one unit saturated does its product grow as the page
    says: J^p = 1.5^(p-1) J, norm sqrt(2) 1.5^p, about 3135 after 19 steps, within the bound 3^p?"""
    W_6 = np.array([[6.0, 6.0], [-6.0, -6.0]])
    assert not np.any(W_6 @ W_6) and "W_6^2 = 0, \\qquad \\rho(W_6) = 0" in PAGE
    J = np.diag([0.25, 0.0]) @ W_6
    assert "J = \\operatorname{diag}(1/4, 0)\\, W_6 =\n\\begin{pmatrix} 1.5 & 1.5 \\\\ 0 & 0 \\end{pmatrix}" in PAGE
    np.testing.assert_allclose(J, [[1.5, 1.5], [0.0, 0.0]], rtol=0)
    for p, norm in enumerate(norms_of_powers(J, 60), start=1):
        np.testing.assert_allclose(np.linalg.matrix_power(J, p), 1.5 ** (p - 1) * J, rtol=1e-12)
        assert norm == pytest.approx(np.sqrt(2) * 1.5**p, rel=1e-12)
        assert norm <= (0.25 * np.linalg.norm(W_6, 2)) ** p
    assert f"about {norms_of_powers(J, 19)[-1]:.0f} after 19 steps" in PAGE
    assert f"\\gamma\\,\\sigma_{{\\max}}(W_6) = {np.linalg.norm(W_6, 2):.0f}/4 = 3" in PAGE


def test_what_can_be_guaranteed_about_explosion():
    """Does W_6 (rho = 0) grow like 1.5^(t-k) with one unit saturated, does a Jordan block at r = 1 grow only
    linearly at full slope, does W_nn's product at full slope stay below 12.5 (under the trap's smallest hidden
    size), and does explosion_regime give the labels the page's reasoning gives?"""
    W_6 = np.array([[6.0, 6.0], [-6.0, -6.0]])
    assert max(abs(np.linalg.eigvals(W_6))) < 1e-12 and "its product grows like $1.5^{t-k}$" in PAGE
    J = np.diag([0.25, 0.0]) @ W_6
    grown = norms_of_powers(J, 30)
    np.testing.assert_allclose(np.array(grown[1:]) / grown[:-1], 1.5, rtol=1e-12)
    jordan = ref.full_slope_norms(np.array([[1.0, 1.0], [0.0, 1.0]]) / 0.25, 0.25, 1000)
    assert 999 < jordan[-1] < 1001  # linear, not geometric
    assert max(ref.full_slope_norms(W, 0.25, 2000)) < 12.6 < 20
    assert ref.explosion_regime(W, 0.25) == ref.explosion_regime(W_6, 0.25) == ref.EXPLOSION_POSSIBLE
    assert ref.explosion_regime(np.array([[1.0, 1.0], [0.0, 1.0]]) / 0.25, 0.25) == ref.EXPLOSION_POSSIBLE
    assert ref.explosion_regime(np.diag([4.5, 1.0]), 0.25) == ref.EXPLOSION_AT_FULL_SLOPE
