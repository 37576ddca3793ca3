"""Render Otter test files, and derive their public versions by dropping hidden cases.

Points live in one place: assignment.yml gives each question its points, and the
``points=`` of a template's ``@test_case`` is only the case's relative weight. Rendering
scales the weights so that a question's cases add up to its points exactly.
"""

import ast
import fractions

# Case points are multiples of this step: binary fractions add up exactly in floating point,
# so the cases of a question sum to its points with no rounding left over.
POINT_STEP = fractions.Fraction(1, 4)


class PointsError(SystemExit):
    """A question's points cannot be shared out among its cases."""


def render_all(env, questions, public):
    """{question: full test file source} for the autograder bundle, for the questions of
    assignment.yml ([{"name", "points"}]), with case points scaled to the question's points.
    public: the assignment's public inputs (its build hook public_inputs), rendered as `public`."""
    return {
        question["name"]: with_points(
            env.get_template(f"{question['name']}.py.j2").render(public=public), question["points"], question["name"]
        )
        for question in questions
    }


def _test_case_decorators(tree):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "test_case":
                    yield node, decorator


def _points_keyword(decorator, where):
    for keyword in decorator.keywords:
        if keyword.arg == "points":
            if not (isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, (int, float))):
                raise PointsError(f"{where}: points= must be a number (a relative weight)")
            return keyword.value
    raise PointsError(f"{where}: every @test_case needs points= (its relative weight)")


def split(total, weights, step=POINT_STEP):
    """total split in proportion to weights, in multiples of step, adding up to total exactly
    (largest remainders get the leftover steps; a weight of 0 always gets 0)."""
    units = fractions.Fraction(total) / step
    if units.denominator != 1 or units < 0:
        raise PointsError(f"{total} points cannot be shared out in steps of {float(step)}: use a multiple of it")
    weights = [fractions.Fraction(w) for w in weights]
    if sum(weights) <= 0:
        raise PointsError("no case has a positive weight")
    exact = [units * w / sum(weights) for w in weights]
    shares = [int(e) for e in exact]
    by_remainder = sorted((i for i, w in enumerate(weights) if w), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: int(units) - sum(shares)]:
        shares[i] += 1
    return [share * step for share in shares]


def _literal(value):
    value = fractions.Fraction(value)
    return str(value.numerator) if value.denominator == 1 else repr(float(value))


def with_points(source, total, where="test file"):
    """The test file with each case's weight replaced by its share of total points."""
    tree = ast.parse(source)
    constants = [_points_keyword(decorator, f"{where}, {node.name}") for node, decorator in _test_case_decorators(tree)]
    shares = split(total, [constant.value for constant in constants])
    lines = source.splitlines(keepends=True)
    for constant, share in sorted(zip(constants, shares), key=lambda pair: (-pair[0].lineno, -pair[0].col_offset)):
        line = lines[constant.lineno - 1]
        lines[constant.lineno - 1] = line[: constant.col_offset] + _literal(share) + line[constant.end_col_offset:]
    return "".join(lines)


def _hidden_flag(decorator):
    return (
        isinstance(decorator, ast.Call)
        and getattr(decorator.func, "id", None) == "test_case"
        and any(
            keyword.arg == "hidden" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True
            for keyword in decorator.keywords
        )
    )


def public_version(source):
    """The test file without its hidden cases (their decorators, bodies and imports go too).

    Helpers that only hidden cases use are named `_hidden_*` and go as well. Cuts by line
    ranges from the syntax tree, so comments and formatting of what stays are kept exactly.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    drop = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        if node.name.startswith("_hidden_") or any(_hidden_flag(d) for d in node.decorator_list):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            drop.update(range(start - 1, node.end_lineno))
    kept = "".join(line for index, line in enumerate(lines) if index not in drop)
    while "\n\n\n\n" in kept:
        kept = kept.replace("\n\n\n\n", "\n\n\n")
    return kept.rstrip("\n") + "\n"
