"""The gated cells notebook as the build makes it: the solution executes with every public check
passing and the lab's plots as static images, within the time budget; the blank release runs too,
states the fixed signatures, and none of its answers may lean on the lab's code, which the
autograder skips."""

import ast
import inspect
import shutil

import gated_cells_reference as ref
import nbformat
import pytest
from nbclient import NotebookClient

from builder import notebooks

from ..builder.test_build import png_count
from ..conftest import LOADED, assignment_module

ASSIGNMENT = "gated_cells"
claims = assignment_module(ASSIGNMENT, "claims")
#: The graded functions of each question, in the order the notebook asks for them.
FUNCTIONS = {
    "lstm_step": ["lstm_step"],
    "cell_path": ["cell_path_jacobian"],
    "full_jacobian": ["full_cell_jacobian"],
    "gru_carry": ["gru_step", "gru_carry_jacobian"],
    "gate_regimes": ["memory_steps", "forget_bias_for_memory", "cell_gradient_regime"],
}
BUDGET_SECONDS = 30  # the whole notebook, on a laptop CPU


@pytest.fixture(scope="module")
def executed(full_dist):
    return nbformat.read(full_dist / "solutions" / f"{ASSIGNMENT}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def student(dist):
    return nbformat.read(dist / "student" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def defined_functions(cell):
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return []
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]


def run(notebook, folder, timeout=300):
    """Execute notebook (a copy) in a real kernel in folder; returns the executed copy."""
    copy = nbformat.from_dict(nbformat.reads(nbformat.writes(notebook), as_version=4))
    NotebookClient(copy, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return copy


def test_the_questions_are_those_of_assignment_yml():
    """Does the test name each question of assignment.yml, so that nothing below misses one?"""
    assert list(FUNCTIONS) == [question["name"] for question in LOADED[ASSIGNMENT].questions]


def test_solution_ran_without_error_and_passes_every_public_check(executed):
    """Did the solution notebook execute top to bottom in a real kernel, every grader.check passing?"""
    code = code_cells(executed)
    skipped = [cell for cell in code if "skip-execution" in cell.metadata.get("tags", [])]
    assert [cell.source for cell in skipped] == ["grader.export(pdf=False)"]
    assert all(cell.execution_count for cell in code if cell not in skipped)
    assert not [output for cell in code for output in cell.outputs if output.output_type == "error"]
    checks = {cell.source: cell for cell in code if cell.source.startswith("grader.check(")}
    assert sorted(checks) == sorted(f'grader.check("{name}")' for name in FUNCTIONS)
    for source, cell in checks.items():
        assert cell.outputs and all("All test cases passed" in str(o.get("data", {})) for o in cell.outputs), source


def test_every_plot_is_a_static_image_and_the_lab_draws_its_three(executed):
    """Does every drawing cell leave a PNG, and does the lab show the RNN's ||dL/dh_k||, the LSTM's
    ||dL/dc_k|| (two panels of one figure) and both loss curves?"""
    code = code_cells(executed)
    drawing = [cell for cell in code if "plt.show()" in cell.source]
    assert len(drawing) >= 5  # the cell path, the two Jacobians, the GRU's carry, the lab's two figures
    assert [cell.source.split("\n")[0] for cell in drawing if png_count(cell) != 1] == []
    [gradients] = [cell for cell in drawing if "gradient_norms_before" in cell.source]
    assert "plt.subplots(1, 2" in gradients.source and '("h", "c")' in gradients.source
    [losses] = [cell for cell in drawing if 'log["loss"]' in cell.source]
    assert "for name, log in runs.items()" in losses.source


def test_the_lab_prints_the_run_its_text_describes(executed):
    """Does the lab's run cell print, for both models, the held-out accuracy that the text gives as this
    run's (the build computed it under the same pinned kernels)?"""
    [cell] = [cell for cell in code_cells(executed) if cell.source.startswith("lab = {")]
    printed = "".join(output.get("text", "") for output in cell.outputs)
    facts = claims.values(LOADED[ASSIGNMENT].parameters)
    assert f"tanh RNN: held-out accuracy {facts['run_rnn_accuracy']}" in printed
    assert f"LSTM    : held-out accuracy {facts['run_lstm_accuracy']}" in printed
    text = "".join(cell.source for cell in executed.cells if cell.cell_type == "markdown")
    assert f"(this run: {facts['run_rnn_accuracy']})" in text and f"(this run: {facts['run_lstm_accuracy']})" in text


@pytest.mark.slow
def test_the_notebook_runs_within_its_time_budget(executed, full_dist, tmp_path):
    """Does the whole solution notebook, lab included, take at most 30 s of CPU in its kernel?"""
    shutil.copytree(full_dist / "student" / ASSIGNMENT, tmp_path / ASSIGNMENT)
    timed = nbformat.from_dict(nbformat.reads(nbformat.writes(executed), as_version=4))
    timed.cells.insert(0, nbformat.v4.new_code_cell("import time as _t\n_start = _t.process_time()"))
    timed.cells.append(nbformat.v4.new_code_cell("print(_t.process_time() - _start)"))
    done = run(timed, tmp_path / ASSIGNMENT)
    seconds = float(done.cells[-1].outputs[0]["text"])
    assert seconds <= BUDGET_SECONDS, f"the notebook took {seconds:.1f} s of CPU"


@pytest.mark.slow
def test_the_blank_notebook_runs_and_says_what_to_implement(dist, student, tmp_path):
    """Does the blank release run top to bottom without a traceback outside the check cells, every demo
    saying which function it needs, and the lab running as it is?"""
    shutil.copytree(dist / "student" / ASSIGNMENT, tmp_path / ASSIGNMENT)
    done = run(student, tmp_path / ASSIGNMENT)
    errors = [cell.source.split("\n")[0] for cell in code_cells(done)
              if any(o.output_type == "error" for o in cell.outputs) and not cell.source.startswith("grader.")]
    assert errors == []
    printed = "".join(o.get("text", "") for cell in code_cells(done) for o in cell.outputs)
    asked = "\n".join(line for line in printed.splitlines() if line.startswith("Implement `"))
    for name in ("lstm_step", "cell_path_jacobian", "full_cell_jacobian", "gru_step", "cell_gradient_regime"):
        assert f"`{name}`" in asked, name
    assert printed.count("held-out accuracy") == 2


def test_every_graded_function_has_its_own_cell_with_the_references_signature(student):
    """Is each graded function defined in a cell of its own (the bank replaces that cell), blank, with
    exactly the parameters of the reference?"""
    for names in FUNCTIONS.values():
        for name in names:
            [cell] = [cell for cell in code_cells(student) if name in defined_functions(cell)]
            assert defined_functions(cell) == [name]
            assert notebooks.CODE_BLANK[1] in cell.source, name
            [node] = [n for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)]
            assert [a.arg for a in node.args.args] == list(inspect.signature(getattr(ref, name)).parameters), name


def test_the_autograder_skips_the_lab_and_no_answer_calls_it(executed):
    """Are the lab's cells tagged otter_ignore, and does no cell the autograder runs call a function
    that only the lab defines (it would be undefined there)?"""
    code = code_cells(executed)
    ignored = [cell for cell in code if "otter_ignore" in cell.metadata.get("tags", [])]
    lab_names = {name for cell in ignored for name in defined_functions(cell)}
    assert {"train", "lstm_gates", "lstm_loss_and_gradients", "rnn_loss_and_gradients"} <= lab_names
    graded = [cell for cell in code if cell not in ignored]
    called = {node.func.id for cell in graded for node in ast.walk(ast.parse(cell.source))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert called & lab_names == set()
    assert any("gradient_norms_after" in cell.source for cell in ignored)


def test_the_lab_code_is_the_references(executed):
    """Is the lab's code the reference's own training code, so that the notebook trains as the claims were
    checked?"""
    ignored = "\n".join(cell.source for cell in code_cells(executed)
                        if "otter_ignore" in cell.metadata.get("tags", []))
    for function in (ref.train, ref.lstm_loss_and_gradients, ref.rnn_loss_and_gradients, ref.init_lstm,
                     ref.init_rnn, ref.latching_batch, ref.lstm_gates, ref.clip_by_global_norm):
        assert inspect.getsource(function).rstrip() in ignored, function.__name__


def test_the_introduction_gives_each_questions_points(student):
    """Does the introduction's table give every question, the written one included, its points of assignment.yml?"""
    introduction = student.cells[0].source
    for name, points in LOADED[ASSIGNMENT].points.items():
        if name in FUNCTIONS:
            assert f"| `{name}` |" in introduction and introduction.split(f"| `{name}` |")[1].split("\n")[0] \
                .rstrip().endswith(f"| {points} |"), name
    [manual] = LOADED[ASSIGNMENT].manual_questions
    assert f"| {manual['title']} | a written answer, graded by hand | {manual['points']} |" in introduction
