"""The numbers the notebook's prose, model answer and instructor guide state, and the claims
they make, computed from assignment.yml's parameters with the reference module.

    values(parameters) -> {name: text}   what the templates render (LaTeX-ready strings);
                                         raises ClaimError naming every claim that is false

The example data are drawn exactly as the notebook draws them (same seed, same order of
draws), so the prose describes the very numbers the notebook prints. Each claim is declared
once, as the sentence a reader sees and the check that makes it true; a parameter change that
makes a sentence false stops the build with that sentence in the message.

The training run is chaotic: a kernel that rounds one operation differently (another CPU, another
BLAS) sends it along another trajectory. So a sentence about the run is declared with the number of
training seeds, of SEEDS_CHECKED, on which it must hold (the tests check it): the largest count that a
sentence true on a share p of seeds 0-39 (the lowest share under the kernels measured) misses with
probability at most 2 %. Only such sentences are claims; the run's own numbers are stated as this run's.
"""

import dataclasses
import functools
import inspect
import math
from collections.abc import Callable

import numpy as np
import vanishing_gradients_reference as ref

# Design constants of the examples (rendered into the notebook's code and prose).
SIGMA_VANISHING = 3.5      # sigma_max of the vanishing example, below 1/gamma = 4
SIGMA_LARGE = 8.0          # the same W_hh scaled above 4: necessary, not sufficient
FABRICATED_EIGENVALUES = (4.5, 6.0)   # range of the symmetric worst case's eigenvalues
W_NON_NORMAL = np.array([[3.88, 4.0], [0.0, 3.88]])
W_NILPOTENT = np.array([[6.0, 6.0], [-6.0, -6.0]])  # (W/4)^2 = 0, yet it can grow
FD_STEPS_BACK = (1, 3, 6)  # the finite-difference checks of prod: k = t-1, t-3, t-6
FD_EPS = 1e-6
CLIP_EXAMPLE = ([np.array([[3.0, 4.0]]), np.array([12.0])], 1.0)  # gradients, threshold
# Pascanu et al.'s cliff: the one-unit RNN x_t = w sigmoid(x_{t-1}) + b, drawn along w with b fixed.
CLIFF_BIAS = -2.6          # puts the cliff (the start x_0 crossing a basin boundary) inside CLIFF_RANGE
CLIFF_RANGE = (4.5, 5.5)   # the plotted values of w
CLIFF_POINTS = 20001       # a grid step of 5e-5, fine enough to draw a wall about 1e-3 wide
CLIFF_SIDE = 0.01          # "off the cliff": further than this from it
CLIFF_START = 4.98         # where both steps start, on the wall
CLIFF_LEARNING_RATE = 0.2
CLIFF_MAX_NORM = 1.0
SEEDS_CHECKED = 11         # a claim about the training run is tested on the configured seed and the ten after it


class ClaimError(ValueError):
    """A sentence of the notebook or the guide is false for these parameters."""


@dataclasses.dataclass(frozen=True)
class Claim:
    name: str
    says: str                              # the sentence as the reader sees it
    holds: Callable[[dict], bool]          # on the facts
    measured: Callable[[dict], str]        # what was measured, for the error message
    seeds: int | None = None               # about the training run: holds on at least this many of SEEDS_CHECKED seeds


def _jacobian_norms(W_hh, W_hx, b_h, h, x):
    return np.array([ref.spectral_norm(ref.prod(k, W_hh, W_hx, b_h, h, x)) for k in range(h.shape[1] + 1)])


def _fd_jacobian(k, W_hh, W_hx, b_h, h, x, eps=FD_EPS):
    """Central differences of h_t with respect to h_k, as the notebook computes them."""
    n = W_hh.shape[0]
    estimate = np.zeros((n, n))
    for c in range(n):
        nudge = np.zeros(n)
        nudge[c] = eps
        plus = ref.rnn_states(W_hh, W_hx, b_h, h[:, k] + nudge, x[:, k:])[:, -1]
        minus = ref.rnn_states(W_hh, W_hx, b_h, h[:, k] - nudge, x[:, k:])[:, -1]
        estimate[:, c] = (plus - minus) / (2 * eps)
    return estimate


def cliff_facts():
    """The cliff's numbers, on the grid the notebook plots. x_0 is a fixed point of the map
    x -> w sigmoid(x) + b exactly at w_c = (x_0 - b) / sigmoid(x_0): the cliff."""
    w = np.linspace(*CLIFF_RANGE, CLIFF_POINTS)
    loss, gradient = ref.cliff_loss_and_gradient(w, CLIFF_BIAS)
    paper = inspect.signature(ref.cliff_loss_and_gradient).parameters  # its defaults: Pascanu et al.'s example
    steps, x0, target = (paper[name].default for name in ("steps", "x0", "target"))
    boundary = (x0 - CLIFF_BIAS) / float(ref.sigmoid(x0))
    slope = boundary * float(ref.sigmoid_gradient(x0))
    # For w > 0 every state lies in (b, w + b): start at either end to reach the lowest and the highest attractor.
    low, high = (float(ref.cliff_states(boundary, CLIFF_BIAS, steps=1000, x0=start)[-1])
                 for start in (CLIFF_BIAS, boundary + CLIFF_BIAS))
    loss_above, loss_below = ref.cliff_loss_and_gradient(np.array([boundary - CLIFF_SIDE, boundary + CLIFF_SIDE]),
                                                         CLIFF_BIAS)[0]
    start_loss, start_gradient = ref.cliff_loss_and_gradient(CLIFF_START, CLIFF_BIAS)
    [clipped_gradient], _norm = ref.clip_gradients([np.array(start_gradient)], CLIFF_MAX_NORM)
    plain = CLIFF_START - CLIFF_LEARNING_RATE * float(start_gradient)
    clipped = CLIFF_START - CLIFF_LEARNING_RATE * float(clipped_gradient)
    return {
        "cliff_bias": CLIFF_BIAS,
        "cliff_low": CLIFF_RANGE[0],
        "cliff_high": CLIFF_RANGE[1],
        "cliff_points": CLIFF_POINTS,
        "cliff_side": CLIFF_SIDE,
        "cliff_start": CLIFF_START,
        "cliff_learning_rate": CLIFF_LEARNING_RATE,
        "cliff_max_norm": CLIFF_MAX_NORM,
        "cliff_x0": x0,
        "cliff_target": target,
        "cliff_steps": steps,
        "cliff_boundary": boundary,
        "cliff_slope": slope,
        "cliff_growth": slope ** steps,
        "cliff_attractor_low": low,
        "cliff_attractor_high": high,
        "cliff_steepest_w": float(w[np.argmax(np.abs(gradient))]),
        "cliff_gradient_max": float(np.max(np.abs(gradient))),
        "cliff_gradient_off": float(np.max(np.abs(gradient[np.abs(w - boundary) > CLIFF_SIDE]))),
        "cliff_loss_above": float(loss_above),
        "cliff_loss_below": float(loss_below),
        "cliff_start_loss": float(start_loss),
        "cliff_start_gradient": float(start_gradient),
        "cliff_plain_w": plain,
        "cliff_plain_loss": float(ref.cliff_loss_and_gradient(plain, CLIFF_BIAS)[0]),
        "cliff_clipped_w": clipped,
        "cliff_clipped_loss": float(ref.cliff_loss_and_gradient(clipped, CLIFF_BIAS)[0]),
    }


def example_data(parameters):
    """The notebook's example arrays, drawn in the notebook's order from its seed."""
    n, m, t = parameters["n"], parameters["m"], parameters["t"]
    rng = np.random.default_rng(parameters["seed"])
    W_hh = rng.standard_normal((n, n))
    W_hh *= SIGMA_VANISHING / np.linalg.norm(W_hh, 2)
    W_hx = rng.standard_normal((n, m))
    b_h = rng.standard_normal(n)
    x = rng.standard_normal((m, t))
    h0 = np.zeros(n)
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    eigenvalues = rng.uniform(*FABRICATED_EIGENVALUES, n)
    return {"W_hh": W_hh, "W_hx": W_hx, "b_h": b_h, "x": x, "h0": h0, "Q": Q, "eigenvalues": eigenvalues}


TRAINING_SETTINGS = ("seed", "hidden", "length", "batch", "updates", "learning_rate", "noise")


def training_runs(training):
    """The runs of the notebook's training section for assignment.yml's `training` block:
    {"no clipping", "clip by value", "clip_gradients (by norm)"}, each the reference's log."""
    return _training_runs(tuple(sorted(training.items())))


@functools.lru_cache(maxsize=SEEDS_CHECKED)  # asked for several times per build, and per seed by the tests
def _training_runs(training_items):
    training = dict(training_items)
    settings = {key: training[key] for key in TRAINING_SETTINGS}
    gaussian = {"init": "gaussian", "gain": training["gain"], **settings}
    return {
        "no clipping": ref.train_rnn(**gaussian),
        "clip by value": ref.train_rnn(clip=lambda grads: ref.clip_by_value(grads, training["clip_value"]), **gaussian),
        "clip_gradients (by norm)": ref.train_rnn(
            clip=lambda grads: ref.clip_gradients(grads, training["max_norm"])[0], **gaussian),
    }


# Each run of the training section with the rule that turned its gradients into steps.
RUN_RULES = {"no clipping": "none", "clip by value": "by value", "clip_gradients (by norm)": "by norm"}


def _answers(training, label):
    """step_lengths of every update of one run: [{rule: (length, cosine)}]."""
    rate, max_norm, clip_value = training["learning_rate"], training["max_norm"], training["clip_value"]
    return [ref.step_lengths(grads, rate, max_norm, clip_value) for grads in training_runs(training)[label]["grads"]]


def most_turned_update(training):
    """The index of the update whose step clipping by value turned furthest from -g, in its run."""
    return int(np.argmin([answer["by value"][1] for answer in _answers(training, "clip by value")]))


def training_facts(training):
    """The steps of the training runs, as the text states and compares them: lengths and cosines
    from step_lengths on the logged gradient arrays, against the measured steps."""
    runs = training_runs(training)
    rate, max_norm, clip_value = training["learning_rate"], training["max_norm"], training["clip_value"]
    unclipped, by_norm, by_value = runs["no clipping"], runs["clip_gradients (by norm)"], runs["clip by value"]
    n_parameters = sum(value.size for value in by_value["params"].values())
    answers = {label: _answers(training, label) for label in RUN_RULES}
    errors, cosines = [], {}
    for label, rule in RUN_RULES.items():
        predicted = np.array([answer[rule][0] for answer in answers[label]])
        measured = runs[label]["step"]
        errors.append(float(np.linalg.norm(predicted - measured) / np.linalg.norm(measured)))
        cosines[rule] = np.array([answer[rule][1] for answer in answers[label]])
    first = answers["no clipping"][0]  # the first update: the same gradient in every Gaussian run
    return {
        "steps_rate_times_max_norm": float(rate * max_norm),
        "steps_unclipped_longest": float(unclipped["step"].max()),
        "steps_unclipped_ratio": float(unclipped["step"].max() / (rate * max_norm)),
        "steps_norm_longest": float(by_norm["step"].max()),
        "steps_norm_clipped_percent": round(100 * float(np.mean(by_norm["grad_norm"] > max_norm))),
        "steps_norm_cosine_gap": float(np.max(np.abs(cosines["by norm"] - 1.0))),
        "steps_rate_times_clip_value": float(rate * clip_value),
        "steps_value_longest": float(by_value["step"].max()),
        "steps_value_ratio": float(by_value["step"].max() / (rate * clip_value)),
        "steps_value_bound": float(rate * clip_value * math.sqrt(n_parameters)),
        "steps_n_parameters": n_parameters,
        "steps_value_smallest_cosine": float(cosines["by value"].min()),
        "steps_value_largest_angle": math.degrees(math.acos(float(cosines["by value"].min()))),
        "steps_value_turned_percent": round(100 * float(np.mean(cosines["by value"] < math.cos(math.radians(10))))),
        "steps_first_norm": float(unclipped["grad_norm"][0]),
        "steps_first_value_length": float(first["by value"][0]),
        "steps_first_value_angle": math.degrees(math.acos(min(1.0, first["by value"][1]))),
        "steps_prediction_error": max(errors),
    }


def mean_slope(params, x):
    """The mean slope tanh'(a_i) = 1 - h_i^2 over every step of every sequence of x: near 0 when
    the units saturate."""
    _loss, _grads, states = ref.loss_and_gradients(params, x, np.ones(len(x)))
    return float(np.mean(1.0 - states[1:] ** 2))


@functools.lru_cache(maxsize=SEEDS_CHECKED)
def _start_runs(training_items):
    """The runs the first-update and orthogonal sentences need besides training_runs': both Gaussian
    runs stopped after their first update, and the orthogonal start without clipping."""
    training = dict(training_items)
    settings = {key: training[key] for key in TRAINING_SETTINGS}
    first_update = {"init": "gaussian", "gain": training["gain"], **settings, "updates": 1}
    return {
        "no clipping, first update": ref.train_rnn(**first_update),
        "clip_gradients (by norm), first update": ref.train_rnn(
            clip=lambda grads: ref.clip_gradients(grads, training["max_norm"])[0], **first_update),
        "orthogonal, no clipping": ref.train_rnn(init="orthogonal", gain=1.0, **settings),
    }


def run_facts(training):
    """What the runs did after their first update: the one spike the unclipped and the clipped run
    share, the unclipped step that saturates its network, the later spikes the clipped run meets,
    and how far training takes the orthogonal start."""
    runs = {**training_runs(training), **_start_runs(tuple(sorted(training.items())))}
    rate, max_norm = training["learning_rate"], training["max_norm"]
    unclipped, by_norm = runs["no clipping"], runs["clip_gradients (by norm)"]
    orthogonal = runs["orthogonal, no clipping"]
    g_unclipped, g_clipped, g_orthogonal = unclipped["grad_norm"], by_norm["grad_norm"], orthogonal["grad_norm"]
    differ = np.flatnonzero(g_unclipped != g_clipped)
    cut = g_clipped > max_norm
    x_eval = unclipped["x_eval"]
    return {
        "run_max_norm": float(max_norm),
        "run_shared_updates": int(differ[0]) if differ.size else len(g_unclipped),
        "run_first_spike": float(g_unclipped[0]),
        "run_first_step": float(unclipped["step"][0]),
        "run_slope_start": mean_slope(unclipped["initial"], x_eval),
        "run_slope_after_first": mean_slope(runs["no clipping, first update"]["params"], x_eval),
        "run_slope_end": mean_slope(unclipped["params"], x_eval),
        "run_unclipped_later_largest": float(g_unclipped[1:].max()),
        "run_unclipped_product_end": float(ref.state_jacobian_norms(unclipped["params"], x_eval[0])[0]),
        "run_unclipped_loss": unclipped["eval_loss"],
        "run_clipped_slope_after_first": mean_slope(runs["clip_gradients (by norm), first update"]["params"], x_eval),
        "run_clipped_later_largest": float(g_clipped[1:].max()),
        "run_clipped_later_ratio": float(g_clipped[1:].max() / g_clipped[0]),
        "run_clipped_later_cut": int(np.count_nonzero(cut[1:])),
        "run_clipped_cut_error": float(np.max(np.abs(by_norm["step"][cut] / (rate * max_norm) - 1))) if cut.any()
        else math.nan,
        "run_clipped_loss": by_norm["eval_loss"],
        "orthogonal_sigma_start": ref.spectral_norm(orthogonal["initial"]["W_hh"]),
        "orthogonal_sigma_end": ref.spectral_norm(orthogonal["params"]["W_hh"]),
        "orthogonal_spike_ratio": float(g_orthogonal.max() / np.median(g_orthogonal)),
        "orthogonal_loss": orthogonal["eval_loss"],
    }


def facts(parameters):
    """Every number the text states or compares, as floats and ints."""
    t = parameters["t"]
    d = example_data(parameters)
    W_hh, W_hx, b_h, x, h0 = d["W_hh"], d["W_hx"], d["b_h"], d["x"], d["h0"]
    h = ref.rnn_states(W_hh, W_hx, b_h, h0, x)[:, :t]
    norms = _jacobian_norms(W_hh, W_hx, b_h, h, x)
    bound = (ref.GAMMA_SIGMOID * SIGMA_VANISHING) ** t
    fd_errors = []
    for back in FD_STEPS_BACK:
        exact = ref.prod(t - back, W_hh, W_hx, b_h, h, x)
        numerical = _fd_jacobian(t - back, W_hh, W_hx, b_h, h, x)
        fd_errors.append(ref.spectral_norm(exact - numerical) / ref.spectral_norm(numerical))

    W_large = W_hh * (SIGMA_LARGE / np.linalg.norm(W_hh, 2))
    h_large = ref.rnn_states(W_large, W_hx, b_h, h0, x)[:, :t]
    norms_large = _jacobian_norms(W_large, W_hx, b_h, h_large, x)

    sigma_fab = float(np.max(np.abs(d["eigenvalues"])))  # symmetric: sigma_max = largest |eigenvalue|
    n, m = parameters["n"], parameters["m"]
    W_fab = d["Q"] @ np.diag(d["eigenvalues"]) @ d["Q"].T
    norms_fab = _jacobian_norms(W_fab, np.zeros((n, m)), np.zeros(n), np.zeros((n, t)), np.zeros((m, t)))
    on_the_line = norms_fab / (sigma_fab / 4) ** (t - np.arange(t + 1)) - 1

    steps = np.arange(301)
    powers = np.array([ref.spectral_norm(np.linalg.matrix_power(W_NON_NORMAL / 4, s)) for s in steps])
    nn_steps = t - 1

    back_below_1 = int(steps[1:][powers[1:] < 1][0]) if np.any(powers[1:] < 1) else len(steps)

    saturated = np.diag([ref.GAMMA_SIGMOID, 0.0]) @ W_NILPOTENT  # unit 2 saturated, unit 1 at slope 1/4
    saturated_norms = np.array([ref.spectral_norm(np.linalg.matrix_power(saturated, s)) for s in steps[1:]])
    saturated_growth = saturated_norms[1:] / saturated_norms[:-1]  # per step, from s = 1 to 300 factors
    grads, threshold = CLIP_EXAMPLE
    by_norm, g = ref.clip_gradients(grads, threshold)
    by_value = np.concatenate([np.clip(a, -threshold, threshold).ravel() for a in grads])
    flat = np.concatenate([a.ravel() for a in grads])

    return {
        "t": t,
        "sigma_vanishing": SIGMA_VANISHING,
        "sigma_large": SIGMA_LARGE,
        "vanishing_last": float(norms[t - 1]),
        "vanishing_first": float(norms[0]),
        "vanishing_ratio": float(norms[0] / norms[t - 1]),
        "vanishing_bound": float(bound),
        "vanishing_below_bound": float(norms[0] / bound),
        "fd_error": float(max(fd_errors)),
        "rho_large": ref.spectral_radius(W_large),
        "large_first": float(norms_large[0]),
        "large_max": float(norms_large.max()),
        "large_bound": float((ref.GAMMA_SIGMOID * SIGMA_LARGE) ** t),
        "fab_low": FABRICATED_EIGENVALUES[0],
        "fab_high": FABRICATED_EIGENVALUES[1],
        "fab_sigma": float(sigma_fab),
        "fab_first": float((sigma_fab / 4) ** t),
        "fab_ratio": float((sigma_fab / 4) ** (t - 1)),
        "fab_off_the_line": float(np.max(np.abs(on_the_line))),
        "nn_rho": ref.spectral_radius(W_NON_NORMAL),
        "nn_sigma": ref.spectral_norm(W_NON_NORMAL),
        "nn_steps": nn_steps,
        "nn_norm_steps": float(powers[nn_steps]) if nn_steps < len(powers) else math.nan,
        "nn_rho_steps": float((ref.spectral_radius(W_NON_NORMAL) / 4) ** nn_steps),
        "nn_peak": float(powers.max()),
        "nn_peak_steps": int(np.argmax(powers)),
        "nn_back_below_1": back_below_1,
        "nn_largest_growth_after_below_1": float(np.max(powers[back_below_1 + 1:] / powers[back_below_1:-1]))
        if back_below_1 < len(steps) - 1 else math.nan,
        "nn_last_steps": int(steps[-1]),
        "nilpotent_square": float(np.max(np.abs(W_NILPOTENT @ W_NILPOTENT))),
        "nilpotent_power_2": ref.spectral_norm(np.linalg.matrix_power(W_NILPOTENT / 4, 2)),
        "nilpotent_growth": float(saturated_growth[-1]),
        "nilpotent_bound_factor": ref.GAMMA_SIGMOID * ref.spectral_norm(W_NILPOTENT),
        "nilpotent_growth_spread": float(np.max(np.abs(saturated_growth / saturated_growth[-1] - 1))),
        "nilpotent_steps": nn_steps,
        "nilpotent_saturated": ref.spectral_norm(np.linalg.matrix_power(saturated, nn_steps)),
        "clip_g": float(g),
        "clip_norm_after": ref.global_norm(by_norm),
        "clip_value_norm": float(np.linalg.norm(by_value)),
        "clip_value_cosine": float(by_value @ flat / (np.linalg.norm(by_value) * np.linalg.norm(flat))),
        "orthogonal_gap": abs(ref.GAMMA_TANH * ref.spectral_norm(d["Q"]) - 1.0),
        **training_facts(parameters["training"]),
        **run_facts(parameters["training"]),
        **cliff_facts(),
    }


CLAIMS = [
    Claim("vanishing example below the threshold",
          "the vanishing example has sigma_max(W_hh) < 4 = 1/gamma",
          lambda f: f["sigma_vanishing"] < 1 / ref.GAMMA_SIGMOID,
          lambda f: f"sigma_max = {f['sigma_vanishing']}"),
    Claim("early steps vanish",
          "in the vanishing example ||dh_t/dh_0|| is at least three orders of magnitude smaller "
          "than ||dh_t/dh_(t-1)||",
          lambda f: f["vanishing_ratio"] < 1e-3,
          lambda f: f"ratio {f['vanishing_ratio']:.3g}"),
    Claim("far below the bound",
          "in the vanishing example ||dh_t/dh_0|| is at least two orders of magnitude below the bound "
          "(gamma sigma_max)^t",
          lambda f: f["vanishing_below_bound"] < 1e-2,
          lambda f: f"ratio to the bound {f['vanishing_below_bound']:.3g}"),
    Claim("finite differences agree",
          "prod agrees with finite differences to a relative difference below 1e-3",
          lambda f: f["fd_error"] < 1e-3,
          lambda f: f"largest relative difference {f['fd_error']:.3g}"),
    Claim("large W_hh above the threshold",
          "the scaled W_hh has sigma_max > 4: the necessary condition for exploding holds",
          lambda f: f["sigma_large"] > 1 / ref.GAMMA_SIGMOID,
          lambda f: f"sigma_max = {f['sigma_large']}"),
    Claim("large W_hh does not explode",
          "with sigma_max(W_hh) = 8 on real states the product does not explode: ||dh_t/dh_0|| < 1",
          lambda f: f["large_first"] < 1,
          lambda f: f"||dh_t/dh_0|| = {f['large_first']:.3g}"),
    Claim("large W_hh far below its bound",
          "with sigma_max(W_hh) = 8, ||dh_t/dh_0|| is at least three orders of magnitude below the bound (8/4)^t",
          lambda f: f["large_first"] < 1e-3 * f["large_bound"],
          lambda f: f"||dh_t/dh_0|| = {f['large_first']:.3g}, bound {f['large_bound']:.3g}"),
    Claim("fabricated case explodes",
          "in the fabricated worst case ||dh_t/dh_0|| is more than 10 times ||dh_t/dh_(t-1)||",
          lambda f: f["fab_ratio"] > 10 and f["fab_low"] > 4,
          lambda f: f"ratio {f['fab_ratio']:.3g}, smallest eigenvalue bound {f['fab_low']}"),
    Claim("fabricated case on the dashed line",
          "for the symmetric W_hh_fab with every a_i = 0 the norms lie on the line (sigma_max/4)^(t-k)",
          lambda f: f["fab_off_the_line"] < 1e-9,
          lambda f: f"largest relative difference {f['fab_off_the_line']:.3g}"),
    Claim("eigenvalue trap",
          "the non-normal W has rho < 4 < sigma_max and ||(W/4)^(t-1)|| > 1 (the product grows)",
          lambda f: f["nn_rho"] < 4 < f["nn_sigma"] and f["nn_norm_steps"] > 1 and f["nn_rho_steps"] < 1,
          lambda f: f"rho = {f['nn_rho']:.4g}, sigma_max = {f['nn_sigma']:.4g}, "
                    f"||(W/4)^{f['nn_steps']}|| = {f['nn_norm_steps']:.4g}"),
    Claim("largest factors are not the largest product",
          "(W/4)^2 = 0 for W = [[6, 6], [-6, -6]], while a saturated unit makes the product of t-1 factors "
          "larger than 1000",
          lambda f: f["nilpotent_power_2"] == 0 and f["nilpotent_saturated"] > 1000,
          lambda f: f"||(W/4)^2|| = {f['nilpotent_power_2']:.3g}, saturated {f['nilpotent_saturated']:.4g}"),
    Claim("a constant factor's eigenvalues decide its long run",
          "with every slope 1/4 (one constant factor W/4, rho(W/4) < 1) the product of the non-normal W falls "
          "below 1 after nn_back_below_1 steps and keeps falling up to 300 steps",
          lambda f: f["nn_rho"] < 4 and f["nn_back_below_1"] < f["nn_last_steps"]
          and f["nn_largest_growth_after_below_1"] < 1,
          lambda f: f"below 1 after {f['nn_back_below_1']} steps, largest growth per step after that "
                    f"{f['nn_largest_growth_after_below_1']:.6g}"),
    Claim("rho(W_hh) decides neither run",
          "W_6 @ W_6 = 0, so rho(W_6) = 0, yet with one unit saturated the product grows by the same factor "
          "(above 1, at most gamma sigma_max(W_6)) with every step, up to 300 steps",
          lambda f: (f["nilpotent_square"] == 0 and 1 < f["nilpotent_growth"] <= f["nilpotent_bound_factor"]
                     and f["nilpotent_growth_spread"] < 1e-12),
          lambda f: f"max |W_6 @ W_6| = {f['nilpotent_square']:.3g}, growth per step {f['nilpotent_growth']:.6g}, "
                    f"spread {f['nilpotent_growth_spread']:.3g}"),
    Claim("clipping by value can turn the gradient",
          "on the clipping example, clipping by value gives a norm above the threshold and a cosine below 1, "
          "clipping by norm gives norm 1",
          lambda f: (f["clip_value_norm"] > 1 and f["clip_value_cosine"] < 0.99
                     and abs(f["clip_norm_after"] - 1) < 1e-12),
          lambda f: f"by value: norm {f['clip_value_norm']:.4g}, cosine {f['clip_value_cosine']:.4g}"),
    Claim("orthogonal W_hh with tanh is at the threshold",
          "the notebook's orthogonal Q has sigma_max(Q) within 1e-9 of 1 (tanh's bound gamma is 1)",
          lambda f: f["orthogonal_gap"] <= 1e-9,
          lambda f: f"|sigma_max - 1| = {f['orthogonal_gap']:.3g}"),
    Claim("unclipped steps are huge",
          "without clipping, the longest step of the training run is more than 100 times "
          "learning_rate * max_norm",
          lambda f: f["steps_unclipped_ratio"] > 100,
          lambda f: f"longest step {f['steps_unclipped_longest']:.4g}, {f['steps_unclipped_ratio']:.3g} times "
                    f"learning_rate * max_norm",
          seeds=9),
    Claim("clipping by norm bounds every step",
          "clipping by norm changed some updates of its run, and none of its steps is longer than "
          "learning_rate * max_norm",
          lambda f: (f["steps_norm_clipped_percent"] > 0
                     and f["steps_norm_longest"] <= f["steps_rate_times_max_norm"] * (1 + 1e-12)),
          lambda f: f"{f['steps_norm_clipped_percent']} % of the updates clipped, longest step "
                    f"{f['steps_norm_longest']:.6g}",
          seeds=9),
    Claim("clipping by value allows longer steps",
          "with clipping by value, the longest step is more than 10 times learning_rate * clip_value",
          lambda f: f["steps_value_ratio"] > 10,
          lambda f: f"longest step {f['steps_value_longest']:.4g}, {f['steps_value_ratio']:.3g} times "
                    f"learning_rate * clip_value",
          seeds=9),
    Claim("step lengths follow from the gradient arrays",
          "step_lengths on the logged gradient arrays gives the measured steps of the runs without clipping, "
          "clipped by value and clipped by norm, to a relative difference below 1e-10 over each whole log",
          lambda f: f["steps_prediction_error"] < 1e-10,
          lambda f: f"relative difference {f['steps_prediction_error']:.3g}",
          seeds=11),
    Claim("clipping by norm keeps the direction",
          "every step of the run clipped by norm has cosine 1 with -g, to 1e-12",
          lambda f: f["steps_norm_cosine_gap"] < 1e-12,
          lambda f: f"largest |cosine - 1| {f['steps_norm_cosine_gap']:.3g}",
          seeds=11),
    Claim("clipping by value turns steps",
          "clipping by value turned some steps of its run by more than 10 degrees, the first update's among them, "
          "and its smallest cosine is below 0.9",
          lambda f: (f["steps_value_turned_percent"] > 0 and f["steps_value_smallest_cosine"] < 0.9
                     and f["steps_first_value_angle"] > 10),
          lambda f: f"{f['steps_value_turned_percent']} % turned by more than 10 degrees, smallest cosine "
                    f"{f['steps_value_smallest_cosine']:.3g}, first update turned by "
                    f"{f['steps_first_value_angle']:.3g}",
          seeds=9),
    Claim("the runs share only the first spike",
          "the unclipped and the clipped-by-norm runs have the same gradient at the first update only, a spike "
          "more than 100 times max_norm",
          lambda f: f["run_shared_updates"] == 1 and f["run_first_spike"] > 100 * f["run_max_norm"],
          lambda f: f"same gradient norm in the first {f['run_shared_updates']} update(s), the first "
                    f"{f['run_first_spike']:.4g}",
          seeds=5),
    Claim("one unclipped step saturates the network for good",
          "after the unclipped run's first step the mean slope tanh' over the held-out sequences is below 0.01 "
          "(above 0.1 at the start) and still below 0.01 at the end, and its final ||dh_t/dh_0|| along the first "
          "held-out sequence is below 1e-3",
          lambda f: (f["run_slope_start"] > 0.1 and f["run_slope_after_first"] < 0.01 and f["run_slope_end"] < 0.01
                     and f["run_unclipped_product_end"] < 1e-3),
          lambda f: f"mean slope {f['run_slope_start']:.3g} at the start, {f['run_slope_after_first']:.3g} after "
                    f"the first step, {f['run_slope_end']:.3g} at the end; final ||dh_t/dh_0|| "
                    f"{f['run_unclipped_product_end']:.3g}",
          seeds=5),
    Claim("the clipped run meets more spikes, each cut to a step of learning_rate * max_norm",
          "the run clipped by norm stays out of saturation after its first step (mean slope above 0.1), meets "
          "gradients above max_norm after its first update, every update with g > max_norm steps exactly "
          "learning_rate * max_norm (to 1e-12), and the run learns (final loss below 0.05)",
          lambda f: (f["run_clipped_slope_after_first"] > 0.1 and f["run_clipped_later_cut"] > 0
                     and f["run_clipped_cut_error"] < 1e-12 and f["run_clipped_loss"] < 0.05),
          lambda f: f"mean slope {f['run_clipped_slope_after_first']:.3g} after the first step, "
                    f"{f['run_clipped_later_cut']} later updates clipped, steps of clipped updates off by "
                    f"{f['run_clipped_cut_error']:.3g}, final loss {f['run_clipped_loss']:.4g}",
          seeds=6),
    Claim("orthogonal initialisation controls the start, not the training",
          "the orthogonal run starts with sigma_max(W_hh) = 1, meets a gradient more than 100 times its median "
          "and ends with sigma_max(W_hh) above 2",
          lambda f: (abs(f["orthogonal_sigma_start"] - 1) < 1e-12 and f["orthogonal_spike_ratio"] > 100
                     and f["orthogonal_sigma_end"] > 2),
          lambda f: f"sigma_max {f['orthogonal_sigma_start']:.6g} at the start, {f['orthogonal_sigma_end']:.4g} at "
                    f"the end; largest gradient {f['orthogonal_spike_ratio']:.4g} times the median",
          seeds=8),
    Claim("the cliff is a basin boundary",
          "at w_c, inside the plotted range, x_0 is an unstable fixed point (slope w_c sigma'(x_0) > 1) between "
          "a low and a high attractor, and (w_c sigma'(x_0))^50 > 10^3",
          lambda f: (f["cliff_low"] < f["cliff_boundary"] < f["cliff_high"] and f["cliff_slope"] > 1
                     and f["cliff_attractor_low"] < f["cliff_x0"] < f["cliff_attractor_high"]
                     and f["cliff_growth"] > 1e3),
          lambda f: f"w_c = {f['cliff_boundary']:.6g}, slope {f['cliff_slope']:.4g}, attractors "
                    f"{f['cliff_attractor_low']:.4g} and {f['cliff_attractor_high']:.4g}, "
                    f"slope^{f['cliff_steps']} = {f['cliff_growth']:.3g}"),
    Claim("the cliff is where the gradient is largest",
          "the largest |dL/dw| of the plotted slice lies within 10^-3 of w_c",
          lambda f: abs(f["cliff_steepest_w"] - f["cliff_boundary"]) < 1e-3,
          lambda f: f"largest at w = {f['cliff_steepest_w']:.6g}, w_c = {f['cliff_boundary']:.6g}"),
    Claim("the gradient on the cliff dwarfs the gradient off it",
          "the largest |dL/dw| on the slice is at least 10^3 times the largest further than 0.01 from w_c",
          lambda f: f["cliff_gradient_max"] >= 1e3 * f["cliff_gradient_off"],
          lambda f: f"on the cliff {f['cliff_gradient_max']:.3g}, off it {f['cliff_gradient_off']:.3g}"),
    Claim("the loss falls down the cliff",
          "from 0.01 before w_c to 0.01 after it the loss falls by more than a factor of 10",
          lambda f: f["cliff_loss_above"] > 10 * f["cliff_loss_below"],
          lambda f: f"loss {f['cliff_loss_above']:.4g} before, {f['cliff_loss_below']:.4g} after"),
    Claim("the start is on the wall",
          "the start is within 0.01 of w_c and its |dL/dw| is at least 100 times the largest off the cliff",
          lambda f: (abs(f["cliff_start"] - f["cliff_boundary"]) < f["cliff_side"]
                     and abs(f["cliff_start_gradient"]) >= 100 * f["cliff_gradient_off"]),
          lambda f: f"start {f['cliff_start']}, dL/dw = {f['cliff_start_gradient']:.3g}"),
    Claim("the plain step is thrown off the plot",
          "the plain gradient step leaves the plotted range and lands where the loss is higher than at the start",
          lambda f: (not f["cliff_low"] <= f["cliff_plain_w"] <= f["cliff_high"]
                     and f["cliff_plain_loss"] > f["cliff_start_loss"]),
          lambda f: f"lands at w = {f['cliff_plain_w']:.4g}, loss {f['cliff_plain_loss']:.3g} "
                    f"(start {f['cliff_start_loss']:.3g})"),
    Claim("the clipped step stays local",
          "the clipped step, of length learning rate times max_norm in the plain step's direction, stays in the "
          "plotted range and lowers the loss",
          lambda f: (math.isclose(abs(f["cliff_clipped_w"] - f["cliff_start"]),
                                  f["cliff_learning_rate"] * f["cliff_max_norm"], rel_tol=1e-12)
                     and (f["cliff_clipped_w"] - f["cliff_start"]) * (f["cliff_plain_w"] - f["cliff_start"]) > 0
                     and f["cliff_low"] <= f["cliff_clipped_w"] <= f["cliff_high"]
                     and f["cliff_clipped_loss"] < f["cliff_start_loss"]),
          lambda f: f"lands at w = {f['cliff_clipped_w']:.4g}, loss {f['cliff_clipped_loss']:.3g} "
                    f"(start {f['cliff_start_loss']:.3g})"),
]


def false_claims(parameters):
    """[(claim, measured)] of the claims that do not hold for these parameters."""
    found = facts(parameters)
    return [(claim, claim.measured(found)) for claim in CLAIMS if not claim.holds(found)]


def latex_number(value, digits=2):
    """1.2 \\times 10^{-9} for very small or large values, 0.0123 or 12.3 otherwise."""
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if -2 <= exponent <= 3:
        return f"{value:.{max(digits - 1 - exponent, 0)}f}"
    mantissa = value / 10 ** exponent
    if round(mantissa, digits - 1) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits - 1}f} \\times 10^{{{exponent}}}"


def values(parameters):
    """{name: text} for the templates; raises ClaimError if any claim is false."""
    wrong = false_claims(parameters)
    if wrong:
        shown = ", ".join(f"{key}={parameters[key]}" for key in sorted(parameters))
        lines = [f"- {claim.name}: the text says {claim.says}; measured {measured}" for claim, measured in wrong]
        raise ClaimError(
            f"{len(wrong)} claim(s) of the notebook are false for the parameters of assignment.yml ({shown}):\n"
            + "\n".join(lines)
            + "\nChoose other parameters, or change the example data or the sentence (this assignment's claims.py)."
        )
    f = facts(parameters)
    text = {name: latex_number(value) for name, value in f.items() if isinstance(value, float)}
    text.update({name: str(value) for name, value in f.items() if isinstance(value, int)})
    text.update({
        "sigma_vanishing": f"{SIGMA_VANISHING:g}",
        "sigma_large": f"{SIGMA_LARGE:g}",
        "fab_low": f"{FABRICATED_EIGENVALUES[0]:g}",
        "fab_high": f"{FABRICATED_EIGENVALUES[1]:g}",
        "nn_rho": f"{f['nn_rho']:.2f}",
        "nn_sigma": f"{f['nn_sigma']:.2f}",
        "nn_norm_steps": f"{f['nn_norm_steps']:.0f}" if f["nn_norm_steps"] >= 10 else f"{f['nn_norm_steps']:.1f}",
        "nn_peak": f"{f['nn_peak']:.1f}",
        "nilpotent_saturated": f"{f['nilpotent_saturated']:.0f}",
        "clip_g": f"{f['clip_g']:g}",
        "clip_value_norm": f"{f['clip_value_norm']:.2f}",
        "clip_value_cosine": f"{f['clip_value_cosine']:.2f}",
        "rho_large": f"{f['rho_large']:.2f}",
        "rho_large_side": "above" if f["rho_large"] > 1 / ref.GAMMA_SIGMOID else "below",
        "large_bound": latex_number(f["large_bound"]),
        "vanishing_orders": str(math.floor(-math.log10(f["vanishing_ratio"]))),
    })
    text.update({name: repr(f[name]) for name in ("cliff_bias", "cliff_low", "cliff_high", "cliff_side", "cliff_start",
                                                  "cliff_learning_rate", "cliff_max_norm", "cliff_x0",
                                                  "cliff_target")})
    text.update({
        "orthogonal_sigma_end": f"{f['orthogonal_sigma_end']:.1f}",
        "nilpotent_bound_factor": f"{f['nilpotent_bound_factor']:.3g}",
        "cliff_boundary": f"{f['cliff_boundary']:.4f}",
        "cliff_slope": f"{f['cliff_slope']:.2f}",
        "cliff_growth": latex_number(round(f["cliff_growth"], -2)),
        "cliff_clipped_w": f"{f['cliff_clipped_w']:.2f}",
        "cliff_clipped_step": f"{f['cliff_learning_rate'] * f['cliff_max_norm']:g}",
        "cliff_start_gradient_size": latex_number(abs(f["cliff_start_gradient"])),
    })
    return text
