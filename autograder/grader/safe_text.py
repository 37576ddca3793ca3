"""Text that comes from a submission, made safe once, where it enters the grader.

Student code controls exception types and messages, returned strings, file names and
names inside zips. Any of them may hold lone surrogates (not UTF-8 at all), control
characters, or characters that layouts read as structure: U+2028/U+2029/U+0085 and
\\r end a line for ``str.splitlines``, bidirectional overrides reorder what a reader sees.
Every such string passes through one of the functions below before the grader keeps it:

``line``   one line (file names, type names, progress messages): no line breaks at all
``text``   several lines (error messages, returned strings): "\\n" and tab kept

Both return printable text only (``str.isprintable``, plus the kept whitespace), valid
UTF-8, at most ``limit`` characters. A character that is not printable is shown as its
escape (``\\x1b``, ``\\u2028``; a byte of a non-UTF-8 file name as ``\\xff``), so nothing is
silently dropped and a cleaned string never equals a different clean one by accident; other
spaces (no-break, ideographic) become a plain space. Cleaning clean text changes nothing.

``csv_cell`` makes a spreadsheet cell that no spreadsheet reads as a formula.

This module uses nothing but the standard library (the grader ships it to Gradescope).
"""

NAME_LIMIT = 200
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escape(char):
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a non-UTF-8 file name, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _printable(char, keep):
    if char.isprintable() or char in keep:
        return char
    if char.isspace() and char not in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029":
        return " "  # a space of another width (no-break, ideographic, tab in one line)
    return _escape(char)


def _clean(value, limit, keep):
    text = value if type(value) is str else str(value)
    if "\r\n" in text and "\n" in keep:
        text = text.replace("\r\n", "\n")
    head = text[:limit]
    if not head.isprintable():
        head = "".join(_printable(char, keep) for char in head)
    if len(head) <= limit and len(text) <= limit:
        return head
    note = f" [... cut: {len(text)} characters in all]"
    return head[:max(limit - len(note), 0)] + note[:limit]


def line(value, limit=NAME_LIMIT):
    """`value` as one printable line of at most `limit` characters."""
    return _clean(value, limit, keep="")


def text(value, limit):
    """`value` as printable text of at most `limit` characters; newlines and tabs kept."""
    return _clean(value, limit, keep="\n\t")


def csv_cell(value):
    """A grades.csv cell: numbers as they are; text as one safe line no spreadsheet runs as a formula."""
    if type(value) in (int, float):
        return value
    cell = line(value, limit=1000)
    return "'" + cell if cell.lstrip(" ").startswith(FORMULA_STARTS) else cell
