"""Inputs and expected answers of the public test cases, computed with the reference.

Only numbers reach the student release: the public test files embed them as literals.
"""

import functools

import numpy as np
import vanishing_gradients_reference as reference

from . import claims

PUBLIC_SEED = 20130216  # fixed: public cases are the same in every build


def _products(jacobians, n, reverse=True):
    """[J_t ... J_{k+1} for k = 0 ... t] (or J_{k+1} ... J_t with reverse=False)."""
    t = len(jacobians)
    ordered = (lambda js: list(reversed(js))) if reverse else list
    return [functools.reduce(np.matmul, ordered(jacobians[k:]), np.eye(n)) for k in range(t + 1)]


def prod_variants(W_hh, W_hx, b_h, h, x):
    """Well-known wrong answers of prod on the public example, for every k.

    The public test names the mistake when a student's answer matches one of them. No
    answer leaks: the right products of this example are public anyway.
    """
    n, t = W_hh.shape[0], h.shape[1]
    a = reference.pre_activations(W_hh, W_hx, b_h, h, x)
    slopes = reference.sigmoid_gradient(a)
    jacobians = [slopes[:, i - 1, None] * W_hh for i in range(1, t + 1)]

    def rows(diagonals):  # J_i = diag(d_i) W_hh
        return [diagonals[:, i - 1, None] * W_hh for i in range(1, t + 1)]

    hadamard = []
    for k in range(t):  # p = 1; p *= J_i: no k = t entry (that answer is the number 1)
        hadamard.append(functools.reduce(np.multiply, jacobians[k:]))
    no_bias = reference.pre_activations(W_hh, W_hx, np.zeros(n), h, x)
    shifted = reference.pre_activations(W_hh, W_hx, b_h, np.roll(h, 1, axis=1), x)  # h[:, i-2]
    return {
        "transposed": _products([J.T for J in jacobians], n),
        "reversed": _products(jacobians, n, reverse=False),
        "columns": _products([W_hh * slopes[:, i - 1] for i in range(1, t + 1)], n),
        "hadamard": hadamard,
        "sigma": _products(rows(reference.sigmoid(a)), n),
        "tanh": _products(rows(1.0 - np.tanh(a) ** 2), n),
        "no_bias": _products(rows(reference.sigmoid_gradient(no_bias)), n),
        "shifted_states": _products(rows(reference.sigmoid_gradient(shifted)), n),
        "ones_start": [np.ones((n, n)) @ P for P in _products(jacobians, n)],
    }


def public_data(parameters):
    """The public cases' data; those of step_lengths come from the reference runs of the
    notebook's training section (assignment.yml's `training` block), the student's own runs."""
    rng = np.random.default_rng(PUBLIC_SEED)
    data = {}

    x = np.array([-4.0, -1.5, 0.0, 0.5, 2.0, 7.0])
    data["sigmoid_x"] = x
    data["sigmoid_expected"] = reference.sigmoid_gradient(x)
    extremes = np.array([-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0])
    data["sigmoid_extreme_expected"] = reference.sigmoid_gradient(extremes)
    kinds = [0.0, 3, np.array(-2.0), np.array([-2.5, 0.0, 1.5]), np.array([[-3, 0], [2, 5]]),
             np.array([-1.5, 0.5, 3.0], dtype=np.float32)]  # the inputs of the public dtype check
    data["sigmoid_input_kinds_expected"] = [reference.sigmoid_gradient(x) for x in kinds]

    # A small consistent sigmoid RNN: n=3, m=2, t=4, states from a real forward pass.
    n, m, t = 3, 2, 4
    W_hh = rng.normal(scale=1.5, size=(n, n)).round(3)
    W_hx = rng.normal(size=(n, m)).round(3)
    b_h = rng.normal(size=n).round(3)
    x_seq = rng.normal(size=(m, t)).round(3)
    h = reference.rnn_states(W_hh, W_hx, b_h, rng.uniform(size=n).round(3), x_seq)[:, :t]
    data.update(prod_W_hh=W_hh, prod_W_hx=W_hx, prod_b_h=b_h, prod_h=h, prod_x=x_seq)
    data["prod_expected"] = [reference.prod(k, W_hh, W_hx, b_h, h, x_seq) for k in range(t + 1)]
    data["prod_variants"] = prod_variants(W_hh, W_hx, b_h, h, x_seq)
    # Growing products: a non-normal W_hh (spectral radius 3.88 < 4 < sigma_max) on real
    # states, so that the slopes differ from step to step.
    W_grow = np.array([[3.88, 4.0], [0.0, 3.88]])
    W_hx_grow = rng.normal(size=(2, 2)).round(3)
    b_grow = (0.5 * rng.normal(size=2)).round(3)
    x_grow = rng.normal(size=(2, 8)).round(3)
    h_grow = reference.rnn_states(W_grow, W_hx_grow, b_grow, rng.uniform(size=2).round(3), x_grow)[:, :8]
    data.update(prod_growing_W_hh=W_grow, prod_growing_W_hx=W_hx_grow, prod_growing_b_h=b_grow,
                prod_growing_h=h_grow, prod_growing_x=x_grow)
    data["prod_growing_expected"] = [reference.prod(k, W_grow, W_hx_grow, b_grow, h_grow, x_grow) for k in range(9)]
    saturated_bias = b_h.copy()
    saturated_bias[0] = -800.0  # unit 0 saturates; h is left as it is (fabricated, and labelled so)
    data["prod_saturated_expected"] = [
        reference.prod(k, W_hh, W_hx, saturated_bias, h, x_seq) for k in range(t + 1)
    ]

    # Question 5 on normal, non-normal and threshold matrices, chosen so that each well-known wrong
    # rule (eigenvalues, Frobenius norm, column sums, largest entry, smallest singular value, no gamma,
    # no tolerance at a threshold) gives a different answer somewhere (tests/vanishing_gradients/test_feedback.py).
    orthogonal = np.linalg.qr(np.random.default_rng(6).normal(size=(3, 3)))[0]  # sigma_max rounds above 1
    turn = np.array([[np.cos(0.7), -np.sin(0.7)], [np.sin(0.7), np.cos(0.7)]])
    unit = np.random.default_rng(1).normal(size=(2, 2))
    unit /= np.linalg.norm(unit, 2)  # sigma_max rounds below 1
    rho_at_one = turn @ np.array([[1.0, 3.0], [0.0, 0.5]]) @ turn.T  # rho rounds above 1, sigma_max > 1
    scales = [
        (np.array([[1.2, 2.0], [0.0, 0.6]]), 0.5),
        (np.diag([2.0, 1.0]), 0.25),
        (np.array([[0.6, -0.7], [0.7, 0.6]]), 1.0),
        (np.array([[1, 2], [3, 4]]), 0.25),
        (np.array([[0.6, 0.0], [0.6, 0.0]]), 1.0),
        (np.diag([-3.0, 0.5, 1.0]), 0.5),
    ]
    data["scale_examples"] = [(W, gamma, reference.safe_scale(W, gamma)) for W, gamma in scales]
    horizons = [
        (np.diag([2.0, 1.8]), 0.25, 0.01),
        (np.array([[0.6, -0.7], [0.7, 0.6]]), 1.0, 0.1),
        (np.array([[0.5, 0.9], [0.0, 0.5]]), 1.0, 0.01),  # rho 0.5, sigma_max 1.13: no horizon
        (np.diag([3.0, -1.0]), 0.25, 0.5),
        (np.array([[1.2, 2.0], [0.0, 0.6]]), 0.25, 1e-6),
        (orthogonal, 1.0, 0.5),  # at the threshold
        (4.0 * orthogonal, 0.25, 0.5),
        (unit, 1.0, 0.5),
        (np.diag([1.0, 0.2]), 0.5, 0.9),  # one step is enough
    ]
    data["horizon_examples"] = [(W, gamma, tol, reference.vanishing_horizon(W, gamma, tol))
                                for W, gamma, tol in horizons]
    regimes = [
        (np.diag([0.9, 0.9]), 1.0),
        (np.array([[0.6, 0.0], [0.6, 0.0]]), 1.0),
        (np.array([[0.8, 0.8], [0.8, 0.8]]), 1.0),
        (np.diag([3.0, 1.0]), 0.5),
        (np.array([[1.2, 2.0], [0.0, 0.6]]), 0.5),
        (np.array([[-1.5, 0.0], [0.0, 0.5]]), 1.0),
        (np.array([[0.6, -0.7], [0.7, 0.6]]), 1.0),
        (np.diag([1.5, 0.25]), 0.25),
        (np.diag([0.8, 0.1]), 0.5),
        (np.array([[3.88, 4.0], [0.0, 3.88]]), 0.25),
        (np.array([[2.0, 2.0], [0.0, 2.0]]), 0.5),  # a Jordan block at rho = 1/gamma: linear growth only
        (orthogonal, 1.0),
        (rho_at_one, 1.0),
        (np.diag([4.0, -2.0]), 0.25),
    ]
    data["explosion_examples"] = [(W, gamma, reference.explosion_regime(W, gamma)) for W, gamma in regimes]

    grads = [np.array([3.0, -4.0, 1.0]), np.array([[2.0, -1.0], [0.5, 6.0]])]
    max_norm = 5.0
    clipped, g = reference.clip_gradients(grads, max_norm)
    data.update(clip_grads=grads, clip_max_norm=max_norm, clip_expected=clipped, clip_g=g)

    training = parameters["training"]
    runs = claims.training_runs(training)
    rate, max_norm, clip_value = training["learning_rate"], training["max_norm"], training["clip_value"]
    data.update(steps_learning_rate=rate, steps_max_norm=max_norm, steps_clip_value=clip_value)
    turned = claims.most_turned_update(training)
    updates = [("the first update of your runs", runs["no clipping"]["grads"][0]),
               (f"update {turned + 1} of the run clipped by value", runs["clip by value"]["grads"][turned])]
    data["steps_run_updates"] = [(label, grads, reference.step_lengths(grads, rate, max_norm, clip_value))
                                 for label, grads in updates]
    # Small gradients that separate the rules: entries of one size (clipping by value keeps the
    # direction), every entry clipped (a step of learning_rate * clip_value * sqrt(N) that turns),
    # and two gradients of norm 5 whose by-value steps differ (not a function of ||g||), below max_norm.
    separating = [
        ("entries of one size", [np.array([2.0, -2.0, 2.0]), np.array([[-2.0], [2.0]])], 0.1, 1.0, 0.5),
        ("every entry above clip_value", [np.array([3.0, -1.5]), np.array([[0.75, -8.0]])], 0.2, 2.0, 0.5),
        ("[array([3, 4])]", [np.array([3.0, 4.0])], 0.1, 10.0, 1.0),
        ("[array([5, 0])]", [np.array([5.0, 0.0])], 0.1, 10.0, 1.0),
    ]
    data["steps_separating"] = [(label, grads, rate, cap, value, reference.step_lengths(grads, rate, cap, value))
                                for label, grads, rate, cap, value in separating]
    return data
