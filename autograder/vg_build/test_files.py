"""Render Otter test files, and derive their public versions by dropping hidden cases."""

import ast

from .public_data import public_data


def render_all(env, question_names):
    """{question: full test file source} for the autograder bundle."""
    data = public_data()
    return {q: env.get_template(f"{q}.py.j2").render(public=data) for q in question_names}


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
