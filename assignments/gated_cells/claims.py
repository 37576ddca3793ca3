"""The numbers the notebook's prose, model answer and instructor guide state, and the claims they
make, computed from assignment.yml's parameters with the reference module.

    lab_runs(lab, seed) -> {run name: log}           the lab's two runs (gated_cells_reference.train)
    seed_facts(lab, seed) -> {name: number}          what the lab's claims compare, for one seed
    false_claims(parameters) -> [(claim, seed, measured)]   every claim that fails, where and why
    values(parameters) -> {name: text}               what the templates render; raises ClaimError
                                                     naming every false sentence

Each claim is declared once, as the sentence a reader sees and the check that makes it true. A claim
about the example data is checked on those data; a claim about the lab's training runs is checked on
every one of `seeds_checked` seeds (the notebook's seed and those after it), since runs differ from
one computer to the next (the first assignment's README explains why): the notebook states only
what holds on all of them, and gives the shown run's own numbers as that run's.
"""

import dataclasses
import functools
import math
from collections.abc import Callable

import gated_cells_reference as ref
import numpy as np

#: Accuracy on the held-out sequences: a model that ignores the first input scores 1/2 up to sampling
#: (standard deviation 0.022 on 500 sequences); the band is 3.6 standard deviations wide on either side.
CHANCE_BAND = (0.42, 0.58)
LEARNT = 0.95
KEPT_RATIO = 1e-3         # the LSTM's ||dL/dc_1|| / ||dL/dc_L|| stays above this
VANISHED_RATIO = 1e-8     # the RNN's ||dL/dh_1|| / ||dL/dh_L|| falls below this
LAST_BATCHES = 20         # the LSTM's final loss: the mean over this many last batches
# The bias arithmetic of the gate_regimes section (the usual advice, and a long lag).
USUAL_BIAS = 1.0
MEMORY_TOLERANCE = 1e-3
LONG_LAG = 200
# The exploding example: gates saturated open, U_g = u I, zero input and state.
EXPLODING_U = 0.5
EXPLODING_STEPS = 20
SATURATED = 30.0          # a gate bias that saturates it: sigmoid(30) = 1 - 9e-14


class ClaimError(ValueError):
    """A sentence of the notebook or the guide is false for these parameters."""


@dataclasses.dataclass(frozen=True)
class Claim:
    name: str
    says: str                              # the sentence as the reader sees it
    holds: Callable[[dict], bool]          # on the facts (of the examples, or of one seed's runs)
    measured: Callable[[dict], str]        # what was measured, for the error message


def _settings(lab):
    """The keyword arguments of gated_cells_reference.train from assignment.yml's `lab` block."""
    return {key: lab[key] for key in ("hidden", "batch", "updates", "learning_rate", "noise", "max_norm", "eval_size")}


def runs_of(lab):
    """{run name: (model, init scale)}: the RNN's gain, the LSTM's forget-gate bias."""
    return {"tanh RNN": ("rnn", lab["rnn_gain"]), "LSTM": ("lstm", lab["forget_bias"])}


@functools.lru_cache(maxsize=64)  # the build and the tests ask for the same seeds several times
def _cached_runs(lab_items, seed):
    lab = dict(lab_items)
    return {name: ref.train(model, seed, lab["length"], scale, **_settings(lab))
            for name, (model, scale) in runs_of(lab).items()}


def lab_runs(lab, seed):
    """The lab's runs for one seed, {run name: log of gated_cells_reference.train}."""
    return _cached_runs(tuple(sorted(lab.items())), seed)


def seeds(lab):
    return list(range(lab["seed"], lab["seed"] + lab["seeds_checked"]))


def _ratio(norms, length):
    """||dL/ds_1|| / ||dL/ds_L||: how much of the gradient at the last step reaches the first."""
    return float(norms[1] / norms[length]) if norms[length] > 0 else math.nan


def seed_facts(lab, seed):
    rnn, lstm = (lab_runs(lab, seed)[name] for name in runs_of(lab))
    length = lab["length"]
    return {
        "seed": seed,
        "rnn_accuracy": rnn["eval_accuracy"],
        "lstm_accuracy": lstm["eval_accuracy"],
        "rnn_ratio_before": _ratio(rnn["gradient_norms_before"], length),
        "rnn_ratio_after": _ratio(rnn["gradient_norms_after"], length),
        "lstm_ratio_before": _ratio(lstm["gradient_norms_before"], length),
        "lstm_ratio_after": _ratio(lstm["gradient_norms_after"], length),
        "lstm_loss_last": float(np.mean(lstm["loss"][-LAST_BATCHES:])),
        "rnn_loss_last": float(np.mean(rnn["loss"][-LAST_BATCHES:])),
    }


def _at_chance(accuracy):
    return CHANCE_BAND[0] <= accuracy <= CHANCE_BAND[1]


def lab_claims(lab):
    """The sentences of the lab, each checked on one seed's facts."""
    length = lab["length"]
    return [
        Claim("the RNN stays at chance",
              f"at length {length} the tanh RNN's held-out accuracy stays within {CHANCE_BAND}: it never learns "
              "the task",
              lambda f: _at_chance(f["rnn_accuracy"]),
              lambda f: f"accuracy {f['rnn_accuracy']:.3f}"),
        Claim("the RNN's gradient vanishes",
              f"the tanh RNN's ||dL/dh_1|| is below {VANISHED_RATIO:g} times its ||dL/dh_{length}||, before and "
              "after training",
              lambda f: f["rnn_ratio_before"] < VANISHED_RATIO and f["rnn_ratio_after"] < VANISHED_RATIO,
              lambda f: f"ratios {f['rnn_ratio_before']:.3g} before, {f['rnn_ratio_after']:.3g} after"),
        Claim("the LSTM learns",
              f"with forget bias {lab['forget_bias']:g} the LSTM reaches a held-out accuracy of at least {LEARNT}",
              lambda f: f["lstm_accuracy"] >= LEARNT,
              lambda f: f"accuracy {f['lstm_accuracy']:.3f}"),
        Claim("the LSTM keeps the cell gradient",
              f"the LSTM's ||dL/dc_1|| stays above {KEPT_RATIO:g} times its ||dL/dc_{length}||, before and after "
              "training",
              lambda f: f["lstm_ratio_before"] > KEPT_RATIO and f["lstm_ratio_after"] > KEPT_RATIO,
              lambda f: f"ratios {f['lstm_ratio_before']:.3g} before, {f['lstm_ratio_after']:.3g} after"),
        Claim("the LSTM's gradient grows backwards at the start",
              f"before training the LSTM's ||dL/dc_1|| exceeds its ||dL/dc_{length}||: the paths through h add to "
              "the cell path, which alone could only shrink it",
              lambda f: f["lstm_ratio_before"] > 1,
              lambda f: f"ratio {f['lstm_ratio_before']:.3g}"),
        Claim("the LSTM's loss falls",
              f"the LSTM's mean loss of the last {LAST_BATCHES} batches is below a tenth of log 2",
              lambda f: f["lstm_loss_last"] < 0.1 * math.log(2),
              lambda f: f"mean loss {f['lstm_loss_last']:.3g}"),
        Claim("the RNN's loss stays at log 2",
              f"the tanh RNN's mean loss of the last {LAST_BATCHES} batches stays within 10 % of log 2",
              lambda f: abs(f["rnn_loss_last"] - math.log(2)) < 0.1 * math.log(2),
              lambda f: f"mean loss {f['rnn_loss_last']:.3g}"),
    ]


def example_data(parameters):
    """The notebook's example LSTM and GRU, drawn in the notebook's order from its seed."""
    n, m, t = parameters["n"], parameters["m"], parameters["t"]
    rng = np.random.default_rng(parameters["seed"])
    lstm = {"W": rng.standard_normal((4 * n, m)) / np.sqrt(m), "U": rng.standard_normal((4 * n, n)) / np.sqrt(n),
            "b": np.concatenate([np.full(n, USUAL_BIAS), np.zeros(3 * n)])}
    gru = {"W": rng.standard_normal((3 * n, m)) / np.sqrt(m), "U": rng.standard_normal((3 * n, n)) / np.sqrt(n),
           "b": np.zeros(3 * n)}
    x = rng.standard_normal((t, m))
    return {"lstm": lstm, "gru": gru, "x": x, "h0": np.zeros(n), "c0": np.zeros(n)}


def exploding_example(n):
    """Gates saturated open (f = i = o = 1), U_g = u I and every other weight 0: at the zero state
    each step multiplies (h, c) by [[u, 1], [u, 1]] per unit."""
    W = np.zeros((4 * n, 1))
    U = np.zeros((4 * n, n))
    U[2 * n:3 * n] = EXPLODING_U * np.eye(n)
    b = np.concatenate([np.full(n, SATURATED), np.full(n, SATURATED), np.zeros(n), np.full(n, SATURATED)])
    return {"x": np.zeros((EXPLODING_STEPS, 1)), "h0": np.zeros(n), "c0": np.zeros(n), "W": W, "U": U, "b": b}


def example_facts(parameters):
    """The numbers the notebook's example sections state."""
    d = example_data(parameters)
    t, lstm = parameters["t"], d["lstm"]
    args = (d["x"], d["h0"], d["c0"], lstm["W"], lstm["U"], lstm["b"])

    def spectral(matrix):
        return float(np.linalg.norm(matrix, 2))

    cell = [spectral(ref.cell_path_jacobian(k, *args)) for k in range(t + 1)]
    full = [spectral(ref.full_cell_jacobian(k, *args)) for k in range(t + 1)]
    boom = exploding_example(parameters["n"])
    boom_args = (boom["x"], boom["h0"], boom["c0"], boom["W"], boom["U"], boom["b"])
    usual_f = float(ref.sigmoid(USUAL_BIAS))
    lab = parameters["lab"]
    return {
        "cell_path_first": cell[0],
        "full_first": full[0],
        "one_step_difference": float(np.max(np.abs(ref.full_cell_jacobian(t - 1, *args)
                                                   - ref.cell_path_jacobian(t - 1, *args)))),
        "two_step_difference": float(np.max(np.abs(ref.full_cell_jacobian(t - 2, *args)
                                                   - ref.cell_path_jacobian(t - 2, *args)))),
        "cell_path_monotone": all(a <= b for a, b in zip(cell, cell[1:])),
        "usual_forget_gate": usual_f,
        "usual_memory_steps": ref.memory_steps(usual_f, MEMORY_TOLERANCE),
        "long_lag_bias": ref.forget_bias_for_memory(LONG_LAG, MEMORY_TOLERANCE),
        "lab_forget_gate": float(ref.sigmoid(lab["forget_bias"])),
        "lab_cell_path": float(ref.sigmoid(lab["forget_bias"])) ** (lab["length"] - 1),
        "usual_cell_path": usual_f ** (lab["length"] - 1),
        "exploding_full": spectral(ref.full_cell_jacobian(0, *boom_args)),
        "exploding_cell_path": spectral(ref.cell_path_jacobian(0, *boom_args)),
        "exploding_regime": ref.cell_gradient_regime(0, *boom_args, MEMORY_TOLERANCE),
    }


def example_claims(parameters):
    t = parameters["t"]
    growth = (1 + EXPLODING_U) ** EXPLODING_STEPS
    return [
        Claim("one step back the full Jacobian is the cell path",
              f"dc_t/dc_{{t-1}} is diag(f_t) for the full Jacobian too (t = {t}): h_{{t-1}} is held",
              lambda f: f["one_step_difference"] < 1e-12,
              lambda f: f"largest difference {f['one_step_difference']:.3g}"),
        Claim("two steps back they differ",
              "two steps back the full Jacobian differs from the cell path",
              lambda f: f["two_step_difference"] > 1e-3,
              lambda f: f"largest difference {f['two_step_difference']:.3g}"),
        Claim("the cell path only shrinks",
              "the cell path's norm shrinks (or stays) with every step further back",
              lambda f: f["cell_path_monotone"],
              lambda f: "it grows somewhere"),
        Claim("the usual bias forgets within tens of steps",
              f"with forget bias {USUAL_BIAS:g} the cell path falls below {MEMORY_TOLERANCE:g} within 30 steps",
              lambda f: f["usual_memory_steps"] < 30,
              lambda f: f"{f['usual_memory_steps']} steps"),
        Claim("the full Jacobian can explode",
              f"with saturated gates and U_g = {EXPLODING_U:g} I the full Jacobian over {EXPLODING_STEPS} steps grows "
              f"like {1 + EXPLODING_U:g}^{EXPLODING_STEPS} while the cell path stays at 1",
              lambda f: (0.5 * growth < f["exploding_full"] < 2 * growth and abs(f["exploding_cell_path"] - 1) < 1e-9
                         and f["exploding_regime"] == ref.EXPLODING),
              lambda f: f"full {f['exploding_full']:.4g}, cell path {f['exploding_cell_path']:.4g}, "
                        f"regime {f['exploding_regime']}"),
    ]


def false_claims(parameters):
    """[(claim, seed or None, measured)] for every claim that fails (seed None: the example data)."""
    examples = example_facts(parameters)
    wrong = [(claim, None, claim.measured(examples)) for claim in example_claims(parameters)
             if not claim.holds(examples)]
    lab = parameters["lab"]
    for seed in seeds(lab):
        facts = seed_facts(lab, seed)
        wrong.extend((claim, seed, claim.measured(facts)) for claim in lab_claims(lab) if not claim.holds(facts))
    return wrong


def latex_number(value, digits=2):
    """1.2 \\times 10^{-5} style, or plain for numbers between 0.01 and 1000."""
    if value == 0 or 1e-2 <= abs(value) < 1e3:
        return f"{value:.{digits + 1}g}"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def power_of_ten(value):
    """10^{-3} for 1e-3: the tolerances and ratios are powers of ten."""
    exponent = round(math.log10(value))
    if not math.isclose(value, 10.0 ** exponent):
        raise ValueError(f"{value!r} is not a power of ten")
    return f"10^{{{exponent}}}"


def values(parameters):
    """{name: text} for the templates; raises ClaimError if any claim is false."""
    wrong = false_claims(parameters)
    if wrong:
        lines = [f"- {claim.name} ({'example data' if seed is None else f'seed {seed}'}): the text says "
                 f"{claim.says}; measured {measured}" for claim, seed, measured in wrong]
        raise ClaimError(f"{len(wrong)} claim(s) of the notebook are false for the parameters of assignment.yml:\n"
                         + "\n".join(lines)
                         + "\nChoose other parameters, or change the example data or the sentence (this "
                           "assignment's claims.py).")
    lab = parameters["lab"]
    e = example_facts(parameters)
    shown = seed_facts(lab, lab["seed"])
    checked = [seed_facts(lab, seed) for seed in seeds(lab)]
    return {
        "seeds_checked": str(lab["seeds_checked"]),
        "seed_first": str(seeds(lab)[0]),
        "seed_last": str(seeds(lab)[-1]),
        "chance_low": f"{CHANCE_BAND[0]:g}",
        "chance_high": f"{CHANCE_BAND[1]:g}",
        "learnt": f"{LEARNT:g}",
        "kept_ratio": power_of_ten(KEPT_RATIO),
        "vanished_ratio": power_of_ten(VANISHED_RATIO),
        "last_batches": str(LAST_BATCHES),
        "usual_bias": f"{USUAL_BIAS:g}",
        "memory_tolerance": power_of_ten(MEMORY_TOLERANCE),
        "memory_tolerance_code": repr(MEMORY_TOLERANCE),
        "long_lag": str(LONG_LAG),
        "long_lag_bias": f"{e['long_lag_bias']:.2f}",
        "usual_forget_gate": f"{e['usual_forget_gate']:.3f}",
        "usual_memory_steps": str(e["usual_memory_steps"]),
        "lab_forget_gate": f"{e['lab_forget_gate']:.3f}",
        "lab_cell_path": f"{e['lab_cell_path']:.2f}",
        "usual_cell_path": latex_number(e["usual_cell_path"], 1),
        "exploding_u": f"{EXPLODING_U:g}",
        "exploding_growth": f"{1 + EXPLODING_U:g}",
        "exploding_steps": str(EXPLODING_STEPS),
        "exploding_full": latex_number(e["exploding_full"], 3),
        "saturated": f"{SATURATED:g}",
        "two_step_difference": f"{e['two_step_difference']:.2g}",
        "run_rnn_accuracy": f"{shown['rnn_accuracy']:.3f}",
        "run_lstm_accuracy": f"{shown['lstm_accuracy']:.3f}",
        "run_rnn_ratio_after": latex_number(shown["rnn_ratio_after"], 1),
        "run_lstm_ratio_after": latex_number(shown["lstm_ratio_after"], 2),
        "run_lstm_ratio_before": latex_number(shown["lstm_ratio_before"], 2),
        "lowest_lstm_accuracy": f"{min(f['lstm_accuracy'] for f in checked):.3f}",
        "rnn_accuracy_range": f"{min(f['rnn_accuracy'] for f in checked):.2f} to "
                              f"{max(f['rnn_accuracy'] for f in checked):.2f}",
    }
