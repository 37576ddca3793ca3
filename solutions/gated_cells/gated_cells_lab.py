"""The lab's settings and the claims its text makes, checked on every seed the build asks for.

    lab_runs(seed) -> {run name: log}        the lab's runs (gated_cells_reference.train)
    seed_facts(seed) -> {name: number}       what the claims compare, for one seed
    false_claims(seeds) -> [(claim, seed, measured)]   the claims that fail, on which seed and why
    lab_claims(seeds) -> {seed: facts}       the facts, or ClaimError naming every false claim

Each claim is declared once, as the sentence a reader sees and the check that makes it true on
one seed; the notebook states it only if it holds for every seed checked.
"""

import dataclasses
import functools
import math
from collections.abc import Callable

import numpy as np

import gated_cells_reference as ref

#: The lab's runs: one length, the same training for both models.
LENGTH = 100
TRAINING = {"hidden": 16, "batch": 20, "updates": 200, "learning_rate": 0.005, "noise": 0.2, "max_norm": 1.0,
            "eval_size": 500}
RNN_GAIN = 0.5            # W_hh entries N(0, 0.25 / hidden): spectral radius about 0.5, the state forgets
FORGET_BIAS = 5.0         # f = sigmoid(5) = 0.993: the cell path alone keeps f^99 = 0.51 (3e-14 with bias 1)
RUNS = {"tanh RNN": ("rnn", RNN_GAIN), "LSTM": ("lstm", FORGET_BIAS)}  # name: (model, gain or forget bias)
#: Accuracy on the 500 held-out sequences: a model that ignores the first input scores 1/2 up to sampling
#: (standard deviation 0.022); the band is 3.6 standard deviations wide on either side.
CHANCE_BAND = (0.42, 0.58)
LEARNT = 0.95
KEPT_RATIO = 1e-3         # the LSTM's ||dL/dc_1|| / ||dL/dc_L|| stays above this
VANISHED_RATIO = 1e-8     # the RNN's ||dL/dh_1|| / ||dL/dh_L|| falls below this


class ClaimError(ValueError):
    """A sentence of the lab is false for one of the seeds checked."""


@dataclasses.dataclass(frozen=True)
class Claim:
    name: str
    says: str                              # the sentence as the reader sees it
    holds: Callable[[dict], bool]          # on one seed's facts
    measured: Callable[[dict], str]        # what was measured, for the error message


@functools.lru_cache(maxsize=64)  # the build and the tests ask for the same seeds several times
def lab_runs(seed):
    """The lab's runs for one seed, {run name: log of gated_cells_reference.train}."""
    return {name: ref.train(model, seed, LENGTH, scale, **TRAINING) for name, (model, scale) in RUNS.items()}


def _ratio(norms):
    """||dL/ds_1|| / ||dL/ds_L||: how much of the gradient at the last step reaches the first."""
    return float(norms[1] / norms[LENGTH]) if norms[LENGTH] > 0 else math.nan


def seed_facts(seed):
    runs = lab_runs(seed)
    rnn, lstm = (runs[name] for name in RUNS)
    return {
        "seed": seed,
        "rnn_accuracy": rnn["eval_accuracy"],
        "lstm_accuracy": lstm["eval_accuracy"],
        "rnn_ratio_before": _ratio(rnn["gradient_norms_before"]),
        "rnn_ratio_after": _ratio(rnn["gradient_norms_after"]),
        "lstm_ratio_before": _ratio(lstm["gradient_norms_before"]),
        "lstm_ratio_after": _ratio(lstm["gradient_norms_after"]),
        "lstm_loss_last": float(np.mean(lstm["loss"][-20:])),
    }


def _at_chance(accuracy):
    return CHANCE_BAND[0] <= accuracy <= CHANCE_BAND[1]


CLAIMS = [
    Claim("the RNN stays at chance",
          f"at length {LENGTH} the tanh RNN's held-out accuracy stays within {CHANCE_BAND}: it never learns the task",
          lambda f: _at_chance(f["rnn_accuracy"]),
          lambda f: f"accuracy {f['rnn_accuracy']:.3f}"),
    Claim("the RNN's gradient vanishes",
          f"the tanh RNN's ||dL/dh_1|| is below {VANISHED_RATIO:g} times its ||dL/dh_{LENGTH}||, before and after "
          "training",
          lambda f: f["rnn_ratio_before"] < VANISHED_RATIO and f["rnn_ratio_after"] < VANISHED_RATIO,
          lambda f: f"ratios {f['rnn_ratio_before']:.3g} before, {f['rnn_ratio_after']:.3g} after"),
    Claim("the LSTM learns",
          f"with forget bias {FORGET_BIAS:g} the LSTM reaches a held-out accuracy of at least {LEARNT}",
          lambda f: f["lstm_accuracy"] >= LEARNT,
          lambda f: f"accuracy {f['lstm_accuracy']:.3f}"),
    Claim("the LSTM keeps the cell gradient",
          f"the LSTM's ||dL/dc_1|| stays above {KEPT_RATIO:g} times its ||dL/dc_{LENGTH}||, "
          "before and after training",
          lambda f: f["lstm_ratio_before"] > KEPT_RATIO and f["lstm_ratio_after"] > KEPT_RATIO,
          lambda f: f"ratios {f['lstm_ratio_before']:.3g} before, {f['lstm_ratio_after']:.3g} after"),
    Claim("the LSTM's gradient grows backwards at the start",
          f"before training the LSTM's ||dL/dc_1|| exceeds its ||dL/dc_{LENGTH}||: the paths through h add to the "
          "cell path, which alone could only shrink it",
          lambda f: f["lstm_ratio_before"] > 1,
          lambda f: f"ratio {f['lstm_ratio_before']:.3g}"),
    Claim("the LSTM's loss falls",
          "the LSTM's mean loss of the last 20 batches is below a tenth of log 2",
          lambda f: f["lstm_loss_last"] < 0.1 * math.log(2),
          lambda f: f"mean loss {f['lstm_loss_last']:.3g}"),
]


def false_claims(seeds):
    """[(claim, seed, measured)] for every claim that fails on one of the seeds."""
    wrong = []
    for seed in seeds:
        facts = seed_facts(seed)
        wrong.extend((claim, seed, claim.measured(facts)) for claim in CLAIMS if not claim.holds(facts))
    return wrong


def lab_claims(seeds):
    """{seed: facts} when every claim holds on every seed; otherwise ClaimError naming each failure."""
    wrong = false_claims(seeds)
    if wrong:
        lines = [f"- {claim.name} (seed {seed}): the text says {claim.says}; measured {measured}"
                 for claim, seed, measured in wrong]
        raise ClaimError(f"{len(wrong)} claim(s) of the lab are false:\n" + "\n".join(lines)
                         + "\nChoose other settings (gated_cells_lab.py) or change the sentence.")
    return {seed: seed_facts(seed) for seed in seeds}
