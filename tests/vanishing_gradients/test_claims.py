"""The numbers and claims of the notebook's prose, model answer and instructor guide follow
assignment.yml's parameters: the build computes them (the assignment's claims.py) and stops, naming the
claim, when a parameter change makes a sentence false."""

import dataclasses
import math
import re

import nbformat
import numpy as np
import pytest

from builder import __main__ as build
from builder import guide, notebooks

from ..conftest import ASSIGNMENT, LOADED, assignment_module, notebook_text, rendered_tests

claims = assignment_module(ASSIGNMENT, "claims")

# Twenty seeds other than the configured one, spread out (not a run of neighbours).
OTHER_SEEDS = [int(seed) for seed in np.random.default_rng(2024).choice(100_000, size=20, replace=False)]
# With this seed the W_hh scaled to sigma_max 8 grows over the sequence (||dh_t/dh_0|| about 8.4).
SEED_WHERE_LARGE_W_HH_GROWS = 1354
# The training run's seeds the claims about it are checked on: the configured one and the ten after it.
TRAINING_SEEDS = [LOADED[ASSIGNMENT].parameters["training"]["seed"] + offset
                  for offset in range(claims.SEEDS_CHECKED)]



@pytest.fixture(scope="module")
def assignment():
    return LOADED[ASSIGNMENT]


def with_seed(assignment, seed):
    return dataclasses.replace(assignment, parameters={**assignment.parameters, "seed": seed})


def test_every_claim_holds_for_the_configured_parameters(assignment):
    """Does every declared claim hold for the parameters of assignment.yml?"""
    assert claims.false_claims(assignment.parameters) == []
    assert len(claims.CLAIMS) >= 10


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_with_another_seed_every_claim_holds_or_the_build_names_it(assignment, seed):
    """With another seed, does the notebook build with every claim true, or stop naming each false one?"""
    changed = with_seed(assignment, seed)
    wrong = claims.false_claims(changed.parameters)
    if wrong:
        with pytest.raises(build.BuildError) as error:
            notebook_text(changed)
        for claim, measured in wrong:
            assert claim.name in str(error.value) and measured in str(error.value)
        assert f"seed={seed}" in str(error.value)
        return
    text = notebook_text(changed)
    for pipeline in (notebooks.STUDENT_PIPELINE, notebooks.SOLUTION_PIPELINE):
        notebooks.run_pipeline(text, pipeline)
    values = claims.values(changed.parameters)
    for name in ("large_first", "vanishing_first", "fab_ratio", "rho_large"):
        assert values[name] in text, name
    assert f"rng = np.random.default_rng({seed})" in text
    loaded = build.load_tests(rendered_tests(changed))
    markdown = guide.markdown_text(build.render.environment(changed), changed, text, loaded, values)
    assert values["large_first"] in markdown


@pytest.mark.parametrize("seed", TRAINING_SEEDS)
def test_with_another_training_seed_every_claim_holds_or_the_build_names_it(assignment, seed):
    """With another seed of the training run, do the sentences true of every seed hold (the Gaussian runs
    share exactly their first gradient; the claims stated for every seed), and does the build either
    render or stop naming each false sentence about this one run?"""
    changed = dataclasses.replace(assignment, parameters={
        **assignment.parameters, "training": {**assignment.parameters["training"], "seed": seed}})
    assert claims.facts(changed.parameters)["run_shared_updates"] == 1
    wrong = claims.false_claims(changed.parameters)
    assert not [claim.name for claim, _measured in wrong if claim.seeds in (None, claims.SEEDS_CHECKED)]
    if wrong:
        with pytest.raises(build.BuildError) as error:
            notebook_text(changed)
        for claim, measured in wrong:
            assert claim.name in str(error.value) and measured in str(error.value)
    else:
        text = notebook_text(changed)
        assert claims.values(changed.parameters)["run_clipped_later_ratio"] in text


def with_training_seed(assignment, seed):
    return {**assignment.parameters, "training": {**assignment.parameters["training"], "seed": seed}}


class ReadRecorder(dict):
    """The facts, remembering which of them a claim reads."""

    def __init__(self, facts):
        super().__init__(facts)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def test_every_claim_about_the_training_run_holds_on_most_seeds(assignment):
    """The run is chaotic (another CPU's rounding gives another trajectory): does every claim that reads the
    training run hold on at least the number of training seeds it states, and every other claim on all?"""
    training = assignment.parameters["training"]
    of_the_run = {*claims.training_facts(training), *claims.run_facts(training)}
    found = [claims.facts(with_training_seed(assignment, seed)) for seed in TRAINING_SEEDS]
    for claim in claims.CLAIMS:
        recorder = ReadRecorder(found[0])
        claim.measured(recorder)
        claim.holds(recorder)
        holding = [seed for seed, facts in zip(TRAINING_SEEDS, found) if claim.holds(facts)]
        if recorder.read & of_the_run:
            assert claim.seeds is not None and 1 <= claim.seeds <= claims.SEEDS_CHECKED, claim.name
            assert len(holding) >= claim.seeds, (claim.name, claim.seeds, holding)
        else:
            assert claim.seeds is None and holding == TRAINING_SEEDS, claim.name


def test_a_false_claim_stops_the_build_with_its_sentence(assignment):
    """When a seed makes "the large W_hh does not explode" false, does the build say so and why?"""
    changed = with_seed(assignment, SEED_WHERE_LARGE_W_HH_GROWS)
    [(claim, measured)] = claims.false_claims(changed.parameters)
    assert claim.name == "large W_hh does not explode"
    with pytest.raises(build.BuildError, match="large W_hh does not explode") as error:
        notebook_text(changed)
    message = str(error.value)
    assert claim.says in message and "||dh_t/dh_0|| = 8.4" in message
    assert f"seed={SEED_WHERE_LARGE_W_HH_GROWS}" in message


def test_a_start_off_the_cliff_stops_the_build_with_its_sentences(assignment, monkeypatch):
    """The cliff does not depend on the seed: if its start moved off the wall, would the build
    still name every cliff sentence that became false?"""
    monkeypatch.setattr(claims, "CLIFF_START", claims.CLIFF_RANGE[0])
    names = {claim.name for claim, _measured in claims.false_claims(assignment.parameters)}
    assert names == {"the start is on the wall", "the plain step is thrown off the plot"}  # clipped: still local
    with pytest.raises(build.BuildError, match="the start is on the wall"):
        notebook_text(assignment)


def test_the_command_line_build_stops_with_a_message_not_a_traceback(assignment, monkeypatch, tmp_path):
    """Does `python -m builder` end with the claim's message when a claim is false?"""
    changed = with_seed(assignment, SEED_WHERE_LARGE_W_HH_GROWS)
    monkeypatch.setattr(build.config, "load", lambda name, root: changed)
    with pytest.raises(SystemExit) as stopped:
        build.main(["--assignment", ASSIGNMENT, "--dist", str(tmp_path), "--no-execute"])
    assert str(stopped.value).startswith("Build stopped:") and "large W_hh does not explode" in str(stopped.value)
    assert not (tmp_path / "student").exists()


def printed(notebook, marker):
    """The printed text of the first code cell whose source contains marker."""
    cell = next(c for c in notebook.cells if c.cell_type == "code" and marker in c.source)
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_the_executed_notebook_prints_the_numbers_the_prose_states(full_dist, assignment):
    """Are the claims computed on the very data the notebook draws and prints (same seed, same order)?"""
    notebook = nbformat.read(full_dist / "solutions" / f"{ASSIGNMENT}.ipynb", as_version=4)
    found = claims.facts(assignment.parameters)

    def close(text, pattern, expected, rtol=1e-2):
        [value] = re.findall(pattern, text)
        assert float(value) == pytest.approx(expected, rel=rtol), (pattern, value, expected)

    vanishing = printed(notebook, "norms = jacobian_norms(W_hh, W_hx")
    close(vanishing, r"\|\|dh_t/dh_0\|\| = (\S+)", found["vanishing_first"])
    close(vanishing, r"\|\|dh_t/dh_\(t-1\)\|\| = (\S+)", found["vanishing_last"])
    large = printed(notebook, "h_large = rnn_forward")
    close(large, r"largest \|eigenvalue\| = (\S+),?", found["rho_large"])
    close(large, r"\|\|dh_t/dh_0\|\| = (\S+)", found["large_first"])
    close(large, r"largest over all k: ([^)]+)\)", found["large_max"])
    fabricated = printed(notebook, "norms_fab = jacobian_norms")
    close(fabricated, r"\|\|dh_t/dh_0\|\| = (\S+);", found["fab_first"])
    non_normal = printed(notebook, "W_nn = np.array")
    close(non_normal, r"largest singular value\s+= (\S+)", found["nn_sigma"])
    close(non_normal, r"\|\|\(W_nn/4\)\^\d+\|\|_2 = (\S+)", found["nn_norm_steps"])
    assert f"after {found['nn_peak_steps']} steps" in non_normal
    assert non_normal.rstrip().endswith(str(found["nn_back_below_1"]))
    check = printed(notebook, "finite_difference_jacobian(k_check")
    differences = [float(v) for v in re.findall(r"finite differences = (\S+)", check)]
    assert max(differences) < 1e-3
    saturated = printed(notebook, "J_saturated")
    assert f"= {found['nilpotent_saturated']:.0f}" in saturated
    steps = printed(notebook, "step_lengths(grads, learning_rate, max_norm, clip_value) for grads in")
    rows = re.findall(r"(?m)^(.+?) +(none|by value|by norm) +(\S+) +(\S+) +(\S+) +(\S+)$", steps)
    assert [(label, rule) for label, rule, *_ in rows] == [("no clipping", "none"), ("clip by value", "by value"),
                                                          ("clip_gradients (by norm)", "by norm"),
                                                          ("orthogonal, no clipping", "none")], steps
    longest = {label: float(value) for label, _, value, *_ in rows}
    assert longest["no clipping"] == pytest.approx(found["steps_unclipped_longest"], rel=1e-2)
    assert longest["clip_gradients (by norm)"] == pytest.approx(found["steps_norm_longest"], rel=1e-2)
    assert longest["clip by value"] == pytest.approx(found["steps_value_longest"], rel=1e-2)
    assert max(float(difference) for *_, difference, _ in rows) < 1e-10, steps
    smallest = {label: float(cosine) for label, *_, cosine in rows}
    assert smallest["clip_gradients (by norm)"] == smallest["no clipping"] == 1.0
    assert smallest["clip by value"] == pytest.approx(found["steps_value_smallest_cosine"], abs=1e-4)
    close(steps, r"first update, \|\|g\|\| = (\S+),", found["steps_first_norm"])
    close(steps, r"by value step +(\S+),", found["steps_first_value_length"])
    close(steps, r"by value step .*, cosine with -g (\S+)", math.cos(math.radians(found["steps_first_value_angle"])))
    close(steps, r"clip by value: longest step (\S+) =", found["steps_value_longest"])
    assert f"changed {found['steps_norm_clipped_percent']}% of the updates" in steps
    assert f"turned by more than 10 degrees: {found['steps_value_turned_percent']}% of its updates" in steps
    first_update = printed(notebook, "def mean_slope(")
    unclipped, by_norm = r"(?m)^no clipping: ", r"(?m)^clip_gradients \(by norm\): "
    close(first_update, r"\|\|g\|\| = (\S+) \(the same: True\)", found["run_first_spike"])
    close(first_update, r"step (\S+) long without clipping", found["run_first_step"])
    close(first_update, r"mean slope at the start: (\S+)", found["run_slope_start"])
    close(first_update, unclipped + r"mean slope (\S+) after", found["run_slope_after_first"])
    close(first_update, unclipped + r"mean slope .* step, (\S+) at the end", found["run_slope_end"])
    close(first_update, by_norm + r"mean slope (\S+) after", found["run_clipped_slope_after_first"])
    close(first_update, unclipped + r"largest .* update (\S+),", found["run_unclipped_later_largest"])
    close(first_update, by_norm + r"largest .*, (\S+) x the first", found["run_clipped_later_ratio"])
    close(first_update, r"at the start, (\S+) at the end; largest", found["orthogonal_sigma_end"])
    close(first_update, r"largest \|\|g\|\| (\S+) x its median", found["orthogonal_spike_ratio"])
    products = printed(notebook, 'state_jacobian_norms(run["params"]')
    [after] = re.findall(r"(?m)^no clipping\s+\|\|dh_t/dh_0\|\|:\s+\S+ before training,\s+(\S+) after", products)
    assert float(after) < 1e-3
    assert float(after) == pytest.approx(found["run_unclipped_product_end"], rel=1e-2, abs=1e-300)
    close(saturated, r"growing by (\S+) per step", found["nilpotent_growth"])
    cliff = printed(notebook, "cliff_loss_and_gradient(w_grid")
    close(cliff, r"w_c = (\S+);", found["cliff_boundary"], rtol=1e-4)
    close(cliff, r"largest \|dL/dw\| on the grid: (\S+),", found["cliff_gradient_max"])
    close(cliff, rf"further than {found['cliff_side']} from w_c: (\S+)", found["cliff_gradient_off"])
    close(cliff, r"start: .*, loss (\S+),", found["cliff_start_loss"])
    close(cliff, r"dL/dw = (\S+)", found["cliff_start_gradient"])
    close(cliff, r"plain step: +lands at w = (\S+),", found["cliff_plain_w"])
    close(cliff, r"plain step: .*, loss (\S+)", found["cliff_plain_loss"])
    close(cliff, r"clipped step: +lands at w = (\S+),", found["cliff_clipped_w"])
    close(cliff, r"clipped step: .*, loss (\S+)", found["cliff_clipped_loss"])


@pytest.mark.parametrize("value, text", [
    (2.1234e-9, "2.1 \\times 10^{-9}"), (0.0692, "0.069"), (1872.4, "1872"), (11.0, "11"),
    (9.96e-5, "1.0 \\times 10^{-4}"), (1048576.0, "1.0 \\times 10^{6}"), (0.0, "0"),
])
def test_numbers_are_written_as_a_reader_expects(value, text):
    """Are tiny and huge numbers written as LaTeX powers of ten, others in plain digits?"""
    assert claims.latex_number(value) == text
