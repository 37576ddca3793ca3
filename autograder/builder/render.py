"""The one Jinja environment that renders an assignment's notebook, test files, guide and bundle scripts."""

import pathlib

import jinja2
import numpy as np

BUILD_TEMPLATES = pathlib.Path(__file__).resolve().parent / "templates"


def python_literal(value):
    """Exact Python source for plain data and float arrays (repr round-trips floats)."""
    if isinstance(value, np.ndarray):
        return f"np.array({python_literal(value.tolist())})"
    if isinstance(value, (list, tuple)):
        items = ", ".join(python_literal(item) for item in value)
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{python_literal(key)}: {python_literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (np.floating, np.integer)):
        return repr(value.item())
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value)
    raise TypeError(f"no Python literal for {type(value).__name__}")


def environment(assignment):
    """Templates are looked up in the assignment's folders first, then in the toolkit's."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in [*assignment.template_dirs, BUILD_TEMPLATES]]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["py"] = python_literal
    return env
