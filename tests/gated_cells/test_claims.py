"""The numbers and claims of the gated cells notebook and guide: the build computes them from
assignment.yml (the assignment's claims.py), states the reference's numbers, and stops naming the
sentence when a change makes one false. The public cases' data are a contract with the test files."""

import math

import gated_cells_reference as ref
import numpy as np
import pytest

from ..conftest import LOADED, assignment_module, notebook_text

ASSIGNMENT = "gated_cells"
claims = assignment_module(ASSIGNMENT, "claims")
public_data = assignment_module(ASSIGNMENT, "public_data")
PARAMETERS = LOADED[ASSIGNMENT].parameters
#: What the public test templates render with: their authors rely on exactly these keys.
PUBLIC_KEYS = {
    "lstm_W", "lstm_U", "lstm_b", "lstm_x", "lstm_h_prev", "lstm_c_prev", "lstm_h", "lstm_c", "lstm_h_vector",
    "lstm_c_vector",
    "seq_W", "seq_U", "seq_b", "seq_x", "seq_h0", "seq_c0", "cell_path_expected", "full_jacobian_expected",
    "gru_W", "gru_U", "gru_b", "gru_x_batch", "gru_h_batch", "gru_x", "gru_h0", "gru_step_expected",
    "gru_carry_expected",
    "memory_steps_examples", "forget_bias_examples", "regime_examples",
}


def test_every_claim_about_the_examples_holds():
    """Does every sentence about the notebook's example data hold for the parameters of assignment.yml?"""
    facts = claims.example_facts(PARAMETERS)
    wrong = [(claim.name, claim.measured(facts)) for claim in claims.example_claims(PARAMETERS)
             if not claim.holds(facts)]
    assert wrong == []


def test_the_lab_is_checked_on_at_least_twenty_seeds_including_the_one_shown():
    """Are the lab's claims checked on twenty seeds or more, the notebook's own run among them?"""
    lab = PARAMETERS["lab"]
    assert lab["seeds_checked"] >= 20 and lab["seed"] in claims.seeds(lab)
    assert len(set(claims.seeds(lab))) == lab["seeds_checked"]


def test_a_false_sentence_about_the_examples_stops_the_build_with_its_words(monkeypatch):
    """If the exploding example no longer exploded (U_g = 0), would the build name that sentence and what
    it measured?"""
    monkeypatch.setattr(claims, "EXPLODING_U", 0.0)
    parameters = {**PARAMETERS, "lab": {**PARAMETERS["lab"], "seeds_checked": 1}}
    with pytest.raises(claims.ClaimError) as error:
        claims.values(parameters)
    message = str(error.value)
    assert "- the full Jacobian can explode (example data): the text says with saturated gates" in message
    assert "measured full 1, cell path 1, regime kept" in message


def test_the_notebook_states_the_references_numbers():
    """Are the bias arithmetic and the exploding example the notebook states the reference's numbers?"""
    text = notebook_text(LOADED[ASSIGNMENT])
    usual = float(ref.sigmoid(claims.USUAL_BIAS))
    steps = ref.memory_steps(usual, 1e-3)
    assert f"\\approx {usual:.3f}$: the cell\n# path falls below $10^{{-3}}$ after {steps} steps" in text
    assert f"must be at least\n# ${ref.forget_bias_for_memory(claims.LONG_LAG, 1e-3):.2f}$" in text
    lab = PARAMETERS["lab"]
    kept = float(ref.sigmoid(lab["forget_bias"])) ** (lab["length"] - 1)
    assert f"\\approx {kept:.2f}$ of the gradient over the sequence" in text
    assert f"= {float(ref.sigmoid(lab['forget_bias'])):.3f}$" in text


def test_the_exploding_example_grows_as_the_notebook_says():
    """Is the saturated example's full dc_t/dc_0 the (c, c) entry of [[u, 1], [u, 1]]^t, (1 + u)^(t-1),
    with the cell path at 1?"""
    example = claims.exploding_example(3)
    args = (example["x"], example["h0"], example["c0"], example["W"], example["U"], example["b"])
    u, t = claims.EXPLODING_U, claims.EXPLODING_STEPS
    step = np.array([[u, 1.0], [u, 1.0]])
    expected = np.linalg.matrix_power(step, t)[1, 1] * np.eye(3)
    np.testing.assert_allclose(ref.full_cell_jacobian(0, *args), expected, rtol=1e-9)
    assert math.isclose(expected[0, 0], (1 + u) ** (t - 1), rel_tol=1e-12)
    np.testing.assert_allclose(ref.cell_path_jacobian(0, *args), np.eye(3), rtol=1e-10)  # sigmoid(30)^20 = 1 - 2e-12


def test_public_data_keeps_its_keys_and_is_the_same_in_every_build():
    """Does public_inputs give exactly the keys the test files use, the same numbers on every call?"""
    first, second = (LOADED[ASSIGNMENT].hooks.public_inputs(PARAMETERS) for _ in range(2))
    assert set(first) == PUBLIC_KEYS
    for key in PUBLIC_KEYS:
        assert repr(first[key]) == repr(second[key]), key


def test_public_expected_values_are_the_references():
    """Are the public cases' expected values the reference's on their own inputs, for every k?"""
    data = public_data.public_data()
    h, c = ref.lstm_step(data["lstm_x"], data["lstm_h_prev"], data["lstm_c_prev"], data["lstm_W"], data["lstm_U"],
                         data["lstm_b"])
    np.testing.assert_array_equal(h, data["lstm_h"])
    np.testing.assert_array_equal(c, data["lstm_c"])
    np.testing.assert_array_equal(data["lstm_h_vector"], data["lstm_h"][0])
    sequence = [data[f"seq_{name}"] for name in ("x", "h0", "c0", "W", "U", "b")]
    t = len(data["seq_x"])
    assert len(data["cell_path_expected"]) == len(data["full_jacobian_expected"]) == t + 1
    for k in range(t + 1):
        np.testing.assert_array_equal(data["cell_path_expected"][k], ref.cell_path_jacobian(k, *sequence))
        np.testing.assert_array_equal(data["full_jacobian_expected"][k], ref.full_cell_jacobian(k, *sequence))
    gru = [data[f"gru_{name}"] for name in ("x", "h0", "W", "U", "b")]
    for k in range(len(data["gru_x"]) + 1):
        np.testing.assert_array_equal(data["gru_carry_expected"][k], ref.gru_carry_jacobian(k, *gru))
    for f, tolerance, steps in data["memory_steps_examples"]:
        assert steps == ref.memory_steps(f, tolerance) and f ** steps < tolerance <= f ** (steps - 1)


def test_the_public_regime_examples_give_each_answer_once():
    """Do the public regime examples show each of the three answers, the exploding one where the cell path
    alone would say "kept"?"""
    examples = public_data.public_data()["regime_examples"]
    assert sorted(example[-1] for example in examples) == sorted([ref.VANISHING, ref.KEPT, ref.EXPLODING])
    [exploding] = [example for example in examples if example[-1] == ref.EXPLODING]
    _label, k, x, h0, c0, W, U, b, tolerance, _regime = exploding
    assert tolerance < np.linalg.norm(ref.cell_path_jacobian(k, x, h0, c0, W, U, b), 2) <= 1
