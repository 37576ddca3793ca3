"""The lab of the notebook: the gradient of a loss step by step (Section 6) and the training
run (Section 7), checked against complex-step and finite-difference derivatives, and the
training run's claims checked on the configured seed and on ten others."""

import ast
import inspect
import re
import warnings

import nbformat
import numpy as np
import pytest
import vanishing_gradients_reference as ref

from ..conftest import ASSIGNMENT, LOADED, assignment_module, notebook_text

claims = assignment_module(ASSIGNMENT, "claims")
TRAINING = LOADED[ASSIGNMENT].parameters["training"]
SETTINGS = {key: TRAINING[key] for key in ("seed", "hidden", "length", "batch", "updates", "learning_rate", "noise")}
SHAPES = [(1, 1, 1), (2, 3, 5), (5, 3, 20), (7, 2, 12), (4, 1, 30)]  # (n, m, t)
TRAINING_CODE = ("latching_batch", "init_rnn", "loss_and_gradients", "train_rnn", "clip_by_value",
                 "state_jacobian_norms")
CLIFF_CODE = ("cliff_states", "cliff_loss_and_gradient")


def complex_safe(activation):
    """The activation written independently of the reference, analytic for complex-step use."""
    return {"sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)), "tanh": np.tanh}[activation]


def loss_from(k, h_k, W_hh, W_hx, b_h, x, y, activation):
    """L = 0.5 ||h_t - y||^2 with h_t computed forward from the state h_k (no conjugate)."""
    sigma, h = complex_safe(activation), h_k
    for i in range(k + 1, x.shape[1] + 1):
        h = sigma(W_hh @ h + W_hx @ x[:, i - 1] + np.reshape(b_h, -1))
    return 0.5 * np.sum((h - y) * (h - y))


def complex_step_gradient(f, point, step=1e-30):
    """df/dpoint for a real-analytic f, exact to rounding: Im f(point + i step e_j) / step."""
    grad = np.zeros(point.shape)
    for index in np.ndindex(point.shape):
        nudge = np.zeros(point.shape, dtype=complex)
        nudge[index] = 1j * step
        grad[index] = f(point + nudge).imag / step
    return grad


def loss_gradient_W_hh(W_hh, W_hx, b_h, h0, x, y, activation):
    """dL/dW_hh by complex steps."""
    return complex_step_gradient(lambda W: loss_from(0, h0, W, W_hx, b_h, x, y, activation), W_hh)


def loss_gradient_h_k(k, h_k, W_hh, W_hx, b_h, x, y, activation):
    """dL/dh_k by complex steps."""
    return complex_step_gradient(lambda h: loss_from(k, h, W_hh, W_hx, b_h, x, y, activation), h_k)


def random_example(seed, n, m, t, activation):
    """Weights large enough that the product neither vanishes at once nor saturates, with
    consistent states (h_0 in the range of the activation)."""
    rng = np.random.default_rng(seed)
    W_hh = rng.normal(scale=(4.0 if activation == "sigmoid" else 1.2) / np.sqrt(n), size=(n, n))
    W_hx = rng.normal(size=(n, m))
    b_h = rng.normal(size=(n, 1) if seed % 2 else n)
    h0 = rng.uniform(0.0, 1.0, n) if activation == "sigmoid" else rng.uniform(-1.0, 1.0, n)
    x = rng.normal(size=(m, t))
    y = rng.uniform(0.0, 1.0, n)
    return W_hh, W_hx, b_h, h0, x, y


def relative_error(got, expected):
    return np.linalg.norm(got - expected) / np.linalg.norm(expected)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_loss_gradient_terms_sum_to_the_complex_step_gradient(activation, shape):
    """Do the terms (dL/dh_t . dh_t/dh_k) . d+h_k/dW_hh, k = 1..t, add up to dL/dW_hh?"""
    for seed in range(3):
        W_hh, W_hx, b_h, h0, x, y = random_example(seed, *shape, activation)
        terms = ref.loss_gradient_terms(W_hh, W_hx, b_h, h0, x, y, activation)
        expected = loss_gradient_W_hh(W_hh, W_hx, b_h, h0, x, y, activation)
        assert terms.shape == (shape[2], shape[0], shape[0])
        assert relative_error(terms.sum(axis=0), expected) <= 1e-8


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_backpropagated_deltas_are_the_gradients_of_the_states(activation, shape):
    """Is delta_k = J_{k+1}^T delta_{k+1} equal to dL/dh_k, and to (dh_t/dh_k)^T delta_t, for every k?"""
    W_hh, W_hx, b_h, h0, x, y = random_example(7, *shape, activation)
    deltas = ref.backprop_deltas(W_hh, W_hx, b_h, h0, x, y, activation)
    states = ref.run_states(W_hh, W_hx, b_h, h0, x, activation)
    for k in range(shape[2] + 1):
        expected = loss_gradient_h_k(k, states[:, k], W_hh, W_hx, b_h, x, y, activation)
        assert relative_error(deltas[:, k], expected) <= 1e-8, k
        product = ref.jacobian_product(k, W_hh, W_hx, b_h, states[:, :-1], x, activation)
        assert relative_error(deltas[:, k], product.T @ deltas[:, -1]) <= 1e-12, k


def notebook_functions(names):
    """The named functions as the notebook defines them (from the rendered template)."""
    text = notebook_text(LOADED[ASSIGNMENT])
    nodes = [node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef) and node.name in names]
    assert sorted(node.name for node in nodes) == sorted(names)  # each defined once
    return {node.name: ast.get_source_segment(text, node) for node in nodes}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_notebook_loss_gradient_code_agrees_with_complex_steps(shape):
    """Does the notebook's own loss-gradient and delta code, run with a correct `prod`, give dL/dW_hh and dL/dh_k?"""
    namespace = {"np": np, "prod": ref.prod, "sigmoid_gradient": ref.sigmoid_gradient,
                 "sigmoid": complex_safe("sigmoid")}
    for source in notebook_functions(["loss_gradient_terms", "backprop_deltas"]).values():
        exec(source, namespace)
    W_hh, W_hx, b_h, h0, x, y = random_example(3, *shape, "sigmoid")
    h = ref.run_states(W_hh, W_hx, b_h, h0, x)[:, :-1]
    terms = namespace["loss_gradient_terms"](W_hh, W_hx, b_h, h, x, y)
    expected = loss_gradient_W_hh(W_hh, W_hx, b_h, h0, x, y, "sigmoid")
    assert relative_error(terms.sum(axis=0), expected) <= 1e-8
    deltas = namespace["backprop_deltas"](W_hh, W_hx, b_h, h, x, y)
    assert relative_error(deltas, ref.backprop_deltas(W_hh, W_hx, b_h, h0, x, y)) <= 1e-12


def test_notebook_shows_the_reference_training_code():
    """Is the training code the notebook gives students exactly the code these tests check?"""
    text = notebook_text(LOADED[ASSIGNMENT])
    notebook_functions(list(TRAINING_CODE))  # each defined once, at the top level
    for name in TRAINING_CODE:
        assert inspect.getsource(getattr(ref, name)) in text, name


@pytest.mark.parametrize("init", ["gaussian", "orthogonal"])
@pytest.mark.parametrize("hidden, length, batch", [(1, 2, 1), (3, 6, 2), (6, 15, 4)])
def test_training_gradients_are_the_derivatives_of_the_loss(init, hidden, length, batch):
    """Are the BPTT gradients of every parameter array the central-difference derivatives of the loss?"""
    rng = np.random.default_rng(hidden * 100 + length)
    params = ref.init_rnn(rng, hidden, init, 1.5)
    params["b_h"] = rng.normal(scale=0.3, size=hidden)
    params["b_out"] = rng.normal(size=1)
    x, y = ref.latching_batch(rng, batch, length, 0.5)
    _loss, grads, states = ref.loss_and_gradients(params, x, y)
    assert states.shape == (length + 1, batch, hidden)
    eps = 1e-6
    for name, value in params.items():
        estimate = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus = {key: array.copy() for key, array in params.items()}
            minus = {key: array.copy() for key, array in params.items()}
            plus[name][index] += eps
            minus[name][index] -= eps
            difference = ref.loss_and_gradients(plus, x, y)[0] - ref.loss_and_gradients(minus, x, y)[0]
            estimate[index] = difference / (2 * eps)
        assert grads[name].shape == value.shape
        assert relative_error(grads[name], estimate) <= 1e-6, name


def clipped_by_norm(grads):
    return ref.clip_gradients(grads, TRAINING["max_norm"])[0]


def run(seed, clip=None, init="gaussian"):
    gain = TRAINING["gain"] if init == "gaussian" else 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid value, even without clipping
        return ref.train_rnn(**{**SETTINGS, "seed": seed}, init=init, gain=gain, clip=clip)


def test_training_run_reproduces_with_its_seed():
    """Does the same seed give the same run, update for update, and another seed a different one?"""
    seed = SETTINGS["seed"]
    for clip in (None, clipped_by_norm):
        first, second = run(seed, clip), run(seed, clip)
        for key in ("grad_norm", "loss"):
            assert np.array_equal(first[key], second[key]), key
        assert first["eval_loss"] == second["eval_loss"]
        assert all(np.array_equal(first["params"][k], second["params"][k]) for k in first["params"])
        assert not np.array_equal(first["loss"], run(seed + 1, clip)["loss"])


# The run is chaotic: a kernel that rounds one operation differently (another CPU) sends it along another
# trajectory. So the tests check what the notebook's runs show on the configured seed and the ten after it,
# each on at least as many of them as a statement true on a share p of seeds 0-39 (the lowest share under
# the kernels measured) misses with probability at most 2 % (as vg_build.claims counts the seeds of a claim).
TRAINING_SEEDS = [SETTINGS["seed"] + offset for offset in range(claims.SEEDS_CHECKED)]
LEAST_SEEDS = {
    "clipping by norm ends lower": 7,                           # p = 35/40
    "the unclipped run explodes": 8,                            # p = 36/40
    "the unclipped run stays near guessing": 5,                 # p = 31/40
    "the clipped run learns": 7,                                # p = 35/40
    "the orthogonal run learns": 8,                             # p = 37/40
    "the networks that learnt have a vanishing product": 7,     # p = 34/40
    "the orthogonal start bounds the product by 1": 11,         # sigma_max(W_hh) = 1 and |tanh'| <= 1
}


@pytest.fixture(scope="module")
def seeded_runs():
    """{seed: the notebook's runs of that seed}: without clipping, clipped by norm, orthogonal."""
    return {seed: {"no clipping": run(seed), "by norm": run(seed, clipped_by_norm),
                   "orthogonal": run(seed, init="orthogonal")} for seed in TRAINING_SEEDS}


def what_the_runs_show(runs):
    """{statement: whether these runs of one seed show it}."""
    unclipped, by_norm, orthogonal = runs["no clipping"], runs["by norm"], runs["orthogonal"]
    sequence = orthogonal["x_eval"][0]
    learnt = [trained for trained in (by_norm, orthogonal) if trained["eval_loss"] < 0.05]
    return {
        "clipping by norm ends lower": by_norm["eval_loss"] < unclipped["eval_loss"],
        "the unclipped run explodes": (unclipped["grad_norm"].max() > 100 * TRAINING["max_norm"]
                                       and ref.state_jacobian_norms(unclipped["initial"], sequence)[0] > 1.0),
        "the unclipped run stays near guessing": unclipped["eval_loss"] > 0.9 * np.log(2),
        "the clipped run learns": by_norm["eval_loss"] < 0.05,
        "the orthogonal run learns": orthogonal["eval_loss"] < 0.05,
        "the networks that learnt have a vanishing product": all(
            ref.state_jacobian_norms(trained["params"], sequence)[0] < 1e-3 for trained in learnt),
        "the orthogonal start bounds the product by 1": bool(
            np.all(ref.state_jacobian_norms(orthogonal["initial"], sequence) <= 1.0 + 1e-12)),
    }


def seeds_showing(seeded_runs):
    """{statement: the seeds whose runs show it}."""
    shown = {seed: what_the_runs_show(runs) for seed, runs in seeded_runs.items()}
    return {statement: [seed for seed in shown if shown[seed][statement]] for statement in LEAST_SEEDS}


def test_clipping_by_norm_ends_lower_than_no_clipping(seeded_runs):
    """Does clipping by global norm end with a lower held-out loss than the same run without clipping, on
    nearly every seed, as the notebook's runs show?"""
    lower = seeds_showing(seeded_runs)["clipping by norm ends lower"]
    assert len(lower) >= LEAST_SEEDS["clipping by norm ends lower"], lower


def test_the_runs_show_what_the_notebook_describes(seeded_runs):
    """On most seeds, does the unclipped run explode and stay near guessing while the clipped and the
    orthogonal runs learn, with a vanishing product where they learnt; on every seed, does the orthogonal
    start bound the product by 1?"""
    for statement, seeds in seeds_showing(seeded_runs).items():
        assert len(seeds) >= LEAST_SEEDS[statement], (statement, seeds)


@pytest.mark.parametrize("offset", range(3))
def test_step_lengths_follow_from_the_logged_gradient_arrays(offset):
    """Is every logged step the parameter change that step_lengths predicts from the logged gradient arrays
    under the run's rule (none, by value, by norm), does clipping by norm keep every cosine at 1, and do the
    steps clipped by value lie between learning_rate * clip_value and its bound learning_rate * clip_value *
    sqrt(N), as Question 4's text says?"""
    seed, rate = SETTINGS["seed"] + offset, SETTINGS["learning_rate"]
    max_norm, clip_value = TRAINING["max_norm"], TRAINING["clip_value"]
    runs = {"none": run(seed), "by norm": run(seed, clipped_by_norm),
            "by value": run(seed, lambda grads: ref.clip_by_value(grads, clip_value))}
    for rule, log in runs.items():
        answers = [ref.step_lengths(grads, rate, max_norm, clip_value)[rule] for grads in log["grads"]]
        assert relative_error(np.array([length for length, _ in answers]), log["step"]) <= 1e-12, rule
        if rule != "by value":
            assert max(abs(cosine - 1.0) for _, cosine in answers) <= 1e-12, rule
    assert runs["by norm"]["step"].max() <= rate * max_norm * (1 + 1e-12) < runs["none"]["step"].max()
    n_parameters = sum(value.size for value in runs["by value"]["params"].values())
    longest = runs["by value"]["step"].max()
    assert rate * clip_value < longest <= rate * clip_value * np.sqrt(n_parameters)


@pytest.mark.parametrize("seed", range(3))
def test_step_lengths_are_the_length_and_angle_of_a_real_step(seed):
    """On one real update of the training network, do step_lengths' lengths and cosines equal the length of
    theta_new - theta_old and the cosine of its angle with -g, under each rule's own clipping code?"""
    rng = np.random.default_rng(seed)
    params = ref.init_rnn(rng, 6, "gaussian", TRAINING["gain"])
    x, y = ref.latching_batch(rng, 4, 12, 0.3)
    _loss, grads, _states = ref.loss_and_gradients(params, x, y)
    names = list(grads)
    g = [grads[name] for name in names]
    rate = float(rng.uniform(0.1, 1.0))
    norm = np.sqrt(sum(np.sum(a * a) for a in g))
    max_norm, clip_value = 0.3 * norm, float(np.median(np.abs(np.concatenate([a.ravel() for a in g]))))
    rules = {"none": lambda arrays: arrays, "by value": lambda arrays: ref.clip_by_value(arrays, clip_value),
             "by norm": lambda arrays: ref.clip_gradients(arrays, max_norm)[0]}
    answer = ref.step_lengths(g, rate, max_norm, clip_value)
    for rule, clip in rules.items():
        new = {name: params[name] - rate * G for name, G in zip(names, clip(g))}
        step = np.concatenate([(new[name] - params[name]).ravel() for name in names])
        downhill = -np.concatenate([a.ravel() for a in g])
        length, cosine = answer[rule]
        assert length == pytest.approx(np.linalg.norm(step), rel=1e-12), rule
        assert cosine == pytest.approx(step @ downhill / (np.linalg.norm(step) * np.linalg.norm(downhill)), abs=1e-12)
    assert answer["by value"][1] < 1 - 1e-6 and answer["by norm"][0] == pytest.approx(rate * max_norm, rel=1e-12)


def test_logged_gradients_are_the_gradients_before_clipping():
    """Does the log keep each update's gradient arrays as they were before clipping, with the logged norm,
    even when the clip works in place?"""
    def clip_in_place(grads):
        for g in grads:
            np.clip(g, -1e-3, 1e-3, out=g)
        return grads

    log = run(SETTINGS["seed"], clip_in_place)
    norms = [np.sqrt(sum(np.sum(g * g) for g in grads)) for grads in log["grads"]]
    assert np.allclose(norms, log["grad_norm"], rtol=1e-14, atol=0) and log["grad_norm"].max() > 1e-3


def test_executed_notebook_shows_the_reference_runs(full_dist):
    """Does the executed solution notebook's table show the reference runs' final losses?"""
    notebook = nbformat.read(full_dist / "solutions" / f"{ASSIGNMENT}.ipynb", as_version=4)
    [table] = [o.text for c in notebook.cells if c.cell_type == "code" for o in c.outputs
               if o.get("output_type") == "stream" and "sigma_max(W_hh) at start" in o.get("text", "")]
    shown = {label.strip(): float(loss) for label, loss in re.findall(r"^(.+?)\s+[\d.]+\s+\S+\s+\S+\s+([\d.]+)$",
                                                                       table, flags=re.M)}
    seed = SETTINGS["seed"]
    expected = {
        "no clipping": run(seed),
        "clip by value": run(seed, lambda grads: ref.clip_by_value(grads, TRAINING["clip_value"])),
        "clip_gradients (by norm)": run(seed, clipped_by_norm),
        "orthogonal, no clipping": run(seed, init="orthogonal"),
    }
    assert set(shown) == set(expected)
    for label, reference_run in expected.items():
        assert shown[label] == pytest.approx(reference_run["eval_loss"], abs=1e-4), label


def test_the_training_run_is_skipped_by_the_autograder(student_notebook, solution_notebook):
    """Do the training section's code cells carry otter_ignore in both notebooks (so Otter and our grader skip
    them), while every graded function's cell runs?"""
    for notebook in (student_notebook, solution_notebook):
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        ignored = [cell for cell in code if "otter_ignore" in cell.metadata.get("tags", [])]
        assert any("def train_rnn(" in cell.source for cell in ignored)
        assert any("train_rnn(" in cell.source and "def train_rnn(" not in cell.source for cell in ignored)
        for function in ("sigmoid_gradient", "prod", "clip_gradients", "safe_scale", "vanishing_horizon",
                         "non_normal_trap", "explosion_regime"):
            assert not any(f"def {function}(" in cell.source for cell in ignored), function


def cliff_final_state(w, b, steps=50, x0=0.5):
    """x_steps of x_t = w sigmoid(x_{t-1}) + b, written independently of the reference, analytic in w."""
    sigma, x = complex_safe("sigmoid"), x0
    for _ in range(steps):
        x = w * sigma(x) + b
    return x


def cliff_points():
    """Points of the notebook's slice: its ends, the plateaus, the start and landing of the clipped
    step, and the cliff itself (w_c, the steepest grid point and their neighbours)."""
    found = claims.facts(LOADED[ASSIGNMENT].parameters)
    boundary, steepest = found["cliff_boundary"], found["cliff_steepest_w"]
    return [found["cliff_low"], 4.9, found["cliff_start"], boundary - 1e-4, boundary, steepest - 5e-5, steepest,
            steepest + 5e-5, boundary + 1e-4, found["cliff_clipped_w"], found["cliff_high"]]


def test_cliff_gradient_is_the_complex_step_derivative_of_the_forward_recurrence():
    """Is dL/dw by back-propagation through the 50 steps the complex-step derivative of
    L = (x_50 - 0.7)^2, along the slice and on the cliff, where it is largest?"""
    bias, step = claims.CLIFF_BIAS, 1e-30
    gradients = []
    for w in cliff_points():
        loss, gradient = ref.cliff_loss_and_gradient(w, bias)
        x = cliff_final_state(w, bias)
        assert ref.cliff_states(w, bias)[-1] == pytest.approx(x, rel=1e-12)
        assert loss == pytest.approx((x - 0.7) ** 2, rel=1e-12)
        expected = ((cliff_final_state(w + 1j * step, bias) - 0.7) ** 2).imag / step
        assert abs(gradient - expected) <= 1e-8 * abs(expected), (w, gradient, expected)
        gradients.append(abs(expected))
    assert max(gradients) > 1e4 and min(gradients) < 10  # the points reach the cliff and its plateaus


def test_cliff_gradient_of_an_array_is_the_gradient_of_each_entry():
    """Given an array of w, does the cliff code return each entry's loss and gradient, of the shape of w?"""
    w = np.reshape(cliff_points()[:10], (2, 5))
    losses, gradients = ref.cliff_loss_and_gradient(w, claims.CLIFF_BIAS)
    assert losses.shape == gradients.shape == w.shape
    for index in np.ndindex(w.shape):
        assert (losses[index], gradients[index]) == ref.cliff_loss_and_gradient(w[index], claims.CLIFF_BIAS)


def test_notebook_shows_the_reference_cliff_code():
    """Is the cliff code the notebook shows exactly the reference's, and does it, run with the
    notebook's own sigmoid, draw the reference's loss and gradient on the notebook's grid?"""
    text = notebook_text(LOADED[ASSIGNMENT])
    for name in CLIFF_CODE:
        assert inspect.getsource(getattr(ref, name)) in text, name
    namespace = {"np": np}
    for source in notebook_functions(["sigmoid", *CLIFF_CODE]).values():
        exec(source, namespace)
    w = np.linspace(*claims.CLIFF_RANGE, claims.CLIFF_POINTS)
    assert f"np.linspace({claims.CLIFF_RANGE[0]!r}, {claims.CLIFF_RANGE[1]!r}, {claims.CLIFF_POINTS})" in text
    loss, gradient = namespace["cliff_loss_and_gradient"](w, claims.CLIFF_BIAS)
    expected_loss, expected_gradient = ref.cliff_loss_and_gradient(w, claims.CLIFF_BIAS)
    assert relative_error(loss, expected_loss) <= 1e-12
    assert relative_error(gradient, expected_gradient) <= 1e-9
