"""Inputs and expected answers of the public test cases, computed with the reference.

Only numbers reach the student release: the public test files embed them as literals.
"""

import functools

import numpy as np

import vanishing_gradients_reference as reference

PUBLIC_SEED = 20130216  # fixed: public cases are the same in every build


def public_data():
    rng = np.random.default_rng(PUBLIC_SEED)
    data = {}

    x = np.array([-4.0, -1.5, 0.0, 0.5, 2.0, 7.0])
    data["sigmoid_x"] = x
    data["sigmoid_expected"] = reference.sigmoid_gradient(x)
    data["sigmoid_extreme_expected"] = reference.sigmoid_gradient(np.array([-1000.0, -40.0, 40.0, 1000.0]))

    # A small consistent sigmoid RNN: n=3, m=2, t=4, states from a real forward pass.
    n, m, t = 3, 2, 4
    W_hh = rng.normal(scale=1.5, size=(n, n)).round(3)
    W_hx = rng.normal(size=(n, m)).round(3)
    b_h = rng.normal(size=n).round(3)
    x_seq = rng.normal(size=(m, t)).round(3)
    h = reference.rnn_states(W_hh, W_hx, b_h, rng.uniform(size=n).round(3), x_seq)[:, :t]
    data.update(prod_W_hh=W_hh, prod_W_hx=W_hx, prod_b_h=b_h, prod_h=h, prod_x=x_seq)
    data["prod_expected"] = [reference.prod(k, W_hh, W_hx, b_h, h, x_seq) for k in range(t + 1)]
    slopes = reference.sigmoid_gradient(reference.pre_activations(W_hh, W_hx, b_h, h, x_seq))
    jacobians = [slopes[:, i - 1, None] * W_hh for i in range(1, t + 1)]
    # Well-known wrong answers, so public failures can name the mistake (no answers leak:
    # the right products are public here anyway).
    data["prod_reversed"] = [functools.reduce(np.matmul, jacobians[k:], np.eye(n)) for k in range(t + 1)]
    data["prod_transposed_jacobians"] = [
        functools.reduce(np.matmul, [J.T for J in reversed(jacobians[k:])], np.eye(n)) for k in range(t + 1)
    ]

    grads = [np.array([3.0, -4.0, 1.0]), np.array([[2.0, -1.0], [0.5, 6.0]])]
    max_norm = 5.0
    clipped, g = reference.clip_gradients(grads, max_norm)
    data.update(clip_grads=grads, clip_max_norm=max_norm, clip_expected=clipped, clip_g=g)
    return data
