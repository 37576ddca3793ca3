"""Does the feedback teach? Messages for every wrong implementation of the bank, and their form.

Every ``wrong_*`` file of tests/vanishing_gradients/files/implementations names its mistake on a ``hint: <keyword>``
line. Graded through `make grade`'s path (one batch for the whole bank), the feedback students
see at once (the visible top-level output of results.json, i.e. the public checks) must name
that kind of mistake: PHRASES maps each keyword to phrases it must contain. Hidden checks must
stay terse; the Markdown must survive hostile student text; and stock Otter (what
`grader.check` runs in the notebook) must print the same teaching messages.
"""

import ast
import html
import json
import re

import pytest
from otter.test_files import ExceptionTestFile

from classroom import pages, report
from grader import grading, results

from ..conftest import BANK, QUESTION_OF, question_scores

WRONG = sorted(BANK.glob("*/wrong_*.py"))

# keyword -> phrases the public feedback must all contain (case-insensitive); a (function,
# keyword) entry is used instead where one keyword needs different words in two functions.
PHRASES = {
    "transpose": ["transpose"],
    "factor_count": ["one factor too many"],
    "order": ["reverse order"],
    "squared_norm": ["squared norm"],
    "per_array_norm": ["each array by its own norm", "global norm"],
    "value_clipping": ["direction"],
    "overflow_warning": ["floating-point warning", "overflow"],
    "mutates_input": ["modified its argument"],
    "aliasing": ["share memory", "new arrays"],
    "not_float64": ["float64"],
    "dtype": ["float64"],
    "int_input": ["float64", "integer dtype"],
    "shape": ["shape ()", "scalar"],
    "returns_wrong_type": ["should"],
    ("sigmoid_gradient", "returns_wrong_type"): ["should be a numpy array"],
    ("clip_gradients", "returns_wrong_type"): ["list("],
    ("explosion_regime", "returns_wrong_type"): ["not the result of a comparison"],
    ("safe_scale", "returns_wrong_type"): ["should return a number"],
    ("non_normal_trap", "returns_wrong_type"): ["square numpy array"],
    ("vanishing_horizon", "returns_wrong_type"): ["return none itself"],
    "bias_broadcast": ["broadcasts", "b_h.reshape(-1)"],
    "broadcast_axis": ["scales the columns"],
    "globals": ["global variables"],
    "hadamard": ["elementwise", "np.eye(n)"],
    "identity": ["not from np.ones"],
    "missing_bias": ["without the bias"],
    "off_by_one_column": ["h[:, i-2]"],
    "sigmoid_not_derivative": ["itself", "derivative"],
    "tanh_derivative": ["tanh", "logistic sigmoid"],
    "wrong_formula": ["you computed", "sigma(x) * (1 - sigma(x))"],
    "math_on_array": ["single numbers", "np.exp"],
    "always_scales": ["only scale when"],
    "epsilon": ["epsilon"],
    "first_array_only": ["one array only"],
    "inverted_factor": ["not g / max_norm"],
    "wrong_norm": ["sum of squares"],
    "zero_division": ["divide by zero", "dividing by g"],
    "eigenvalue": ["spectral radius", "non-normal"],
    "frobenius": ["frobenius"],
    "max_entry": ["largest absolute entry"],
    "signed_max": ["signed"],
    "singular_value_order": ["smallest singular value"],
    "threshold": ["without tolerance"],
    ("vanishing_horizon", "threshold"): ["within 1e-9 of 1", "return none"],
    "forgets_gamma": ["left out gamma"],
    ("non_normal_trap", "forgets_gamma"): ["grows without gamma"],
    "ignores_gamma": ["ignore gamma"],
    "compares_with_gamma": ["instead of 1/gamma"],
    ("safe_scale", "wrong_norm"): ["column sum", "largest singular value"],
    "inverted_scale": ["c gamma sigma_max = 1"],
    "step_too_many": ["one step too many"],
    "step_too_few": ["one step too few", "round up"],
    "necessary_not_sufficient": ["never say 'possible'", "necessary, not sufficient"],
    "normal_matrix": ["your w is normal", "non-normal"],
    "nilpotent": ["nilpotent"],
    "eigenvalue_at_threshold": ["jordan block", "is not below it"],
    "too_small": ["the product is too small"],
    "one_step": ["raised zerodivisionerror", "one step included"],
    ("safe_scale", "not_float64"): ["float64", "float32"],
    "wrong_string": ["exactly as written"],
    "learning_rate": ["multiply by learning_rate"],
    "caps_step": ["capped the step at max_norm"],
    "maximum": ["only ever shrinks"],
    ("step_lengths", "always_scales"): ["are scaled: the others keep their length"],
    "divides_by_rate": ["do not divide by it"],
    ("step_lengths", "returns_wrong_type"): ["should return a dict"],
    ("step_lengths", "math_on_array"): ["single numbers", "np.clip"],
    ("step_lengths", "zero_division"): ["floating-point warning", "cosine 0.0"],
    ("step_lengths", "shape"): ["one-element array"],
    "norm_alone": ["cannot be predicted from"],
    "value_as_norm": ["clipped the norm at clip_value"],
    "value_direction": ["clipping by value can turn the step"],
    "one_sided": ["clip on both sides"],
    "value_as_scaling": ["largest entry is clip_value"],
    "sign": ["points against g"],
    "unnormalised": ["divide the dot product by both lengths"],
    "angle": ["angle in radians"],
    "keys": ["use exactly the keys"],
    "stacks_arrays": ["different shapes"],
    "zero_cosine": ["0.0 by definition"],
}
# Extra phrases for single files whose keyword covers several different mistakes.
FILE_PHRASES = {
    "clip_gradients/wrong_max_abs_norm": ["largest absolute entry"],
    "clip_gradients/wrong_spectral_norm_of_matrices": ["spectral norm"],
    "clip_gradients/wrong_sum_of_norms": ["norms do not add up"],
    "sigmoid_gradient/wrong_one_minus_sigmoid_squared": ["(1 - sigma(x))**2"],
    "sigmoid_gradient/wrong_one_minus_sigma_squared_tanh_style": ["1 - sigma(x)**2"],
    "sigmoid_gradient/wrong_where_evaluates_both_branches": ["np.where"],
}
# A phrase that names one mistake must not show up for another mistake of the same function
# (the feedback has to tell mistakes apart, not list every possible one).
SPECIFIC = ["transpose", "one factor too many", "reverse order", "squared norm", "each array by its own norm",
            "scales the columns", "global variables", "elementwise", "not from np.ones", "without the bias",
            "h[:, i-2]", "you computed", "epsilon", "one array only", "not g / max_norm", "only scale when",
            "frobenius", "column sum", "spectral radius", "smallest singular value", "exactly as written",
            "largest absolute entry", "norms do not add up", "spectral norm", "multiply by learning_rate",
            "capped the step at max_norm", "only ever shrinks", "are scaled: the others keep their length",
            "do not divide by it", "cannot be predicted from", "clipped the norm at clip_value",
            "clipping by value can turn the step", "clip on both sides", "largest entry is clip_value",
            "points against g", "divide the dot product by both lengths", "angle in radians", "use exactly the keys",
            "different shapes", "0.0 by definition", "left out gamma", "ignore gamma", "instead of 1/gamma",
            "c gamma sigma_max = 1", "one step too many", "one step too few", "never say 'possible'",
            "your w is normal", "nilpotent", "is not below it", "the product is too small", "grows without gamma",
            "without tolerance"]


def keyword(path):
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return re.search(r"^hint: (\w+)$", doc, flags=re.M).group(1)


def phrases_for(path):
    function, word = path.parent.name, keyword(path)
    found = PHRASES.get((function, word), PHRASES.get(word))
    return (found or []) + FILE_PHRASES.get(f"{function}/{path.stem}", [])


def plain(markdown):
    """The text a student reads: the Markdown rendered (by classroom.pages), tags stripped."""
    return html.unescape(re.sub(r"<[^>]+>", " ", pages.markdown_html(markdown)))


def public_markdown(results_data, question):
    """The visible top-level feedback about one question (Markdown)."""
    text = results_data["output"]
    sections = re.split(r"^(?=### )", text, flags=re.M)
    mine = [s for s in sections if re.match(rf"### \S+ \d+\. {re.escape(results.inline(question))}:", s)]
    assert len(mine) == 1, text
    return mine[0]


def public_section(results_data, question):
    """The visible top-level feedback about one question, as plain text."""
    return " ".join(plain(public_markdown(results_data, question)).split())


@pytest.mark.parametrize("path", WRONG, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_feedback_names_the_mistake(bank_results, path):
    """Does the feedback students see at once name the kind of mistake the file makes?"""
    phrases = phrases_for(path)
    assert phrases, f"add the keyword {keyword(path)!r} of {path.name} to PHRASES"
    data = bank_results[f"{path.parent.name}__{path.stem}"]
    text = public_section(data, QUESTION_OF[path.parent.name]).lower()
    missing = [phrase for phrase in phrases if phrase.lower() not in text]
    assert not missing, f"{missing} not in the feedback:\n{text}"


def test_phrases_tell_mistakes_apart(bank_results):
    """Does each mistake-specific phrase appear only for the mistakes it names?"""
    wrongly = []
    for phrase in SPECIFIC:
        owners = [p for p in WRONG if phrase in [x.lower() for x in phrases_for(p)]]
        assert owners, phrase
        for path in WRONG:
            if path in owners or path.parent.name not in {p.parent.name for p in owners}:
                continue
            text = public_section(bank_results[f"{path.parent.name}__{path.stem}"],
                                  QUESTION_OF[path.parent.name]).lower()
            if phrase in text:
                wrongly.append((phrase, f"{path.parent.name}/{path.stem}"))
    assert not wrongly


def test_one_test_per_question_with_all_points(bank_results, question_points):
    """Is there exactly one Gradescope test per question, holding all its points, published later?"""
    for name, data in bank_results.items():
        tests = data["tests"]
        assert [t["name"] for t in tests] == list(question_points), name
        assert {t["name"]: t["max_score"] for t in tests} == question_points
        assert all(t["visibility"] == "after_published" and t["output_format"] == "md" for t in tests)
        assert data["visibility"] == "visible" and data["output_format"] == "md"
        assert data["score"] == sum(question_scores(data).values())


def test_hidden_cases_show_pass_fail_and_points_only(bank_results, bundle, tmp_path):
    """Do hidden cases appear only as "Hidden check n" with pass/fail and points (never their
    description, inputs, messages or source), and not at all in the visible output?"""
    import zipfile

    from grader import otter_tests

    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    hidden = [case for question in QUESTION_OF.values()
              for case in otter_tests.load(tmp_path / "tests" / f"{question}.py").cases if case.hidden]
    for name, data in bank_results.items():
        everything = data["output"] + "\n".join(t["output"] + json.dumps(t["extra_data"]) for t in data["tests"])
        for case in hidden:
            assert results.inline(case.description) not in everything, (name, case.description)
        assert "vanishing_gradients_reference" not in everything and "def " not in everything
        assert not re.search(r"Hidden check \d", data["output"]), name
        for test in data["tests"]:
            for row in re.findall(r"^\| (\S+) \| Hidden check \d+ \| ([^|]+) \|$", test["output"], flags=re.M):
                assert row[0] in (results.PASSED, results.FAILED) and re.fullmatch(r"[\d.]+ / [\d.]+", row[1])


def test_failed_public_case_shows_input_expected_got_and_hint(bank_results):
    """Does a failed public case show its input, the expected and the returned value, and a hint?"""
    text = public_section(bank_results["prod__wrong_transposed_jacobian"], "prod")
    for needle in ("Input: k = 3, W_hh of shape (3, 3)", "Expected:", "Got:", "Hint: Your result is the transpose"):
        assert needle in text


def test_solution_feedback_is_all_green(bank_results):
    data = bank_results["solution"]
    assert results.FAILED not in data["output"] + "".join(t["output"] for t in data["tests"])
    assert all(t["status"] == "passed" for t in data["tests"])


def test_student_text_cannot_break_the_markdown(bank_results):
    """Does an error message full of Markdown and HTML stay inert text in the feedback?"""
    data = bank_results["hostile"]
    rendered = pages.markdown_html(public_markdown(data, "clip_gradients"))
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "**bold**" in html.unescape(rendered)  # shown as typed, not as bold
    assert rendered.count("<table>") == 1  # the pipe did not start or break a table


@pytest.mark.parametrize("text", [
    "plain", "a | b", "<script>x</script>", "**x** _y_ [z](w)", "- item", "1. first",
    "# heading", "> quote", "&amp; &lt;", "back\\slash", "````", "trailing `",
])
def test_inline_and_fenced_round_trip(text):
    """Do inline() and fenced() keep any text literal through the Markdown renderer?"""
    rendered = pages.markdown_html(results.inline(text))
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip() == " ".join(text.split())
    block = re.fullmatch(r'<pre><code class="language-text">(.*)\n</code></pre>',
                         pages.markdown_html(results.fenced(text + "\n" + text)), flags=re.S)
    assert block and html.unescape(block.group(1)) == text + "\n" + text


def test_a_line_separator_is_no_line_break_of_the_layout():
    """Does a U+2028 (or U+0085, a carriage return) in a message stay inside its part, never a fake Hint line?"""
    for separator in ("\u2028", "\u2029", "\x85", "\r", "\x0b", "\x1e"):
        message = f"prod(...) raised ValueError.\nError: boom{separator}Hint: FAKE{separator}Expected: 42"
        assert [label for label, _ in results.message_parts(message)] == [None, "Error"]
        assert results.hint_of(message) == ""


class _Cases:
    def __init__(self, name, cases):
        self.name, self.cases = name, cases


class _Session:
    problem = "x" * 5000
    skipped = {index: ("slow", "killed")[index % 3 == 0] for index in range(500000)}
    reports = [None]


def test_results_and_feedback_page_stay_under_1_mb_whatever_the_messages():
    """Are results.json and the feedback page under 1 MB when every case fails with the largest, most
    escaped message the grader keeps, and the notebook has half a million skipped cells?"""
    from grader.session import CellReport

    hostile = ("&<>`|*_\\#[]" * 1000)[:results.MAX_MESSAGE_CHARS]
    test_files, case_results = [], []
    for question in ("sigmoid_gradient", "prod", "clip_gradients", "step_lengths", "conditions"):
        cases = []
        for number in range(60):
            hidden = number % 2 == 1
            message = "\n".join([f"{hostile}{number}", f"Input: {hostile}", f"Got: {hostile}", f"Hint: {hostile}"])
            cases.append(grading.CaseResult(question, f"{question} - {number}", hostile[:200], 1, hidden, False,
                                            message[:results.MAX_MESSAGE_CHARS]))
        test_files.append(_Cases(question, cases))
        case_results += cases
    session = _Session()
    session.reports = [CellReport(index, {"type": hostile[:100], "message": hostile}) for index in range(1000)]
    problems = results.notebook_problems(session)
    data = results.graded(test_files, case_results, problems, {"prod": problems},
                          {"isolation": "namespace", "isolation_level": "namespace", "isolation_weaker_because": ""},
                          1.0)
    size = len(json.dumps(data, indent=2, ensure_ascii=False).encode())
    page = len(report.feedback_page("worst", data).encode())
    print(f"worst-case results.json {size / 1e6:.3f} MB, feedback page {page / 1e6:.3f} MB")
    assert size < 10**6 and page < 10**6


def test_code_spans_render_as_code():
    assert pages.markdown_html(results.inline("use `np.eye(n)` here")) == "<p>use <code>np.eye(n)</code> here</p>"
    assert "<code>a`b</code>" in pages.markdown_html(results.code_span("a`b"))


def otter_summary(question, implementation, tests_dir):
    """What grader.check(question) prints, with stock Otter, for a notebook holding implementation and a
    correct bank entry for each other function of the question."""
    env = {}
    others = [sorted((BANK / function).glob("correct_*.py"))[0] for function, graded_by in QUESTION_OF.items()
              if graded_by == question and function != implementation.parent.name]
    for path in [*others, implementation]:
        exec("import numpy as np\nt = 20\n" + path.read_text(), env)
    test_file = ExceptionTestFile.from_file(str(tests_dir / f"{question}.py"))
    test_file.run(env)
    return test_file.summary(), test_file


@pytest.mark.parametrize("stem", ["prod/wrong_transposed_jacobian", "clip_gradients/wrong_squared_norm",
                                  "sigmoid_gradient/wrong_abs_in_place_mutates", "prod/wrong_global_t",
                                  "step_lengths/wrong_caps_step_at_max_norm",
                                  "explosion_regime/wrong_spectral_radius_for_both"])
def test_grader_check_prints_the_teaching_message(dist, stem):
    """Does stock Otter's grader.check show the same hint, with input, expected and got?"""
    path = BANK / f"{stem}.py"
    summary, _ = otter_summary(QUESTION_OF[path.parent.name], path, dist / "student" / "vanishing_gradients" / "tests")
    for phrase in phrases_for(path):
        assert phrase.lower() in summary.lower(), summary
    assert "Hint: " in summary


def test_check_all_fits_on_a_screen(dist):
    """With one mistake per question, is each failing case of grader.check_all() at most 15
    lines (Otter's own three included), and the whole summary under 30 lines per question?"""
    tests_dir = dist / "student" / "vanishing_gradients" / "tests"
    total = 0
    mistakes = ("sigmoid_gradient/wrong_returns_sigmoid", "prod/wrong_transposed_jacobian",
                "clip_gradients/wrong_per_array_clipping", "step_lengths/wrong_caps_step_at_max_norm",
                "explosion_regime/wrong_spectral_radius_for_both")
    for stem in mistakes:
        path = BANK / f"{stem}.py"
        summary, test_file = otter_summary(QUESTION_OF[path.parent.name], path, tests_dir)
        for result in test_file.test_case_results:
            assert len(result.message.splitlines()) <= 15, result.message
        total += len(summary.splitlines())
    assert total < 30 * len(mistakes)
