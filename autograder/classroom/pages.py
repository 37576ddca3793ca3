"""The HTML pages instructors read: `make grade`'s feedback pages and class report, and the
instructor guide. One Jinja environment (templates/ beside this module: one base page, one
stylesheet) and one Markdown renderer (markdown-it), which never passes raw HTML through:
student text stays text.
"""

import functools
import html
import pathlib

import jinja2
import markupsafe
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

TEMPLATES = pathlib.Path(__file__).resolve().parent / "templates"


def _maths(content, options):
    """$...$ and $$...$$ as MathJax's \\(...\\) and \\[...\\], escaped."""
    open_, close = ("\\[", "\\]") if options["display_mode"] else ("\\(", "\\)")
    return open_ + html.escape(content, quote=False) + close


@functools.cache
def _parser(maths):
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    if maths:
        parser.use(dollarmath_plugin, renderer=_maths, allow_labels=False)
    return parser


def markdown_html(text, maths=False):
    """HTML of Markdown text (CommonMark with pipe tables; with maths=True, $-delimited maths for MathJax)."""
    return markupsafe.Markup(_parser(maths).render(str(text)).strip())


def markdown_inline_html(text):
    """HTML of one line of Markdown, with no paragraph around it."""
    return markupsafe.Markup(_parser(False).renderInline(str(text)))


@functools.cache
def environment():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = markdown_html
    env.filters["markdown_inline"] = markdown_inline_html
    env.filters["num"] = number
    return env


def render(template, **values):
    return environment().get_template(template).render(**values)


def macros(template):
    """The macros of a template, callable from Python: each returns escaped markup."""
    return environment().get_template(template).module


def number(value):
    """Points as people write them: 2 for 2.0, 1.25, 0.33."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
