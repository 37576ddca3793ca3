"""Student text made safe where it enters the grader (grader.safe_text), on random strings.

The strings are drawn by a seeded generator from every plane of Unicode, weighted towards
the characters that break layouts (controls, line and paragraph separators, bidirectional
formatting, lone surrogates, bytes kept by surrogateescape), so each run tries the same
thousands of strings nobody wrote by hand.
"""

import json
import random
import unicodedata

import pytest

from grader import safe_text

NASTY = ("\n\r\t\x0b\x0c\x1c\x1d\x1e\x1f\x00\x1b\x7f\x85\xa0\u2028\u2029\u200b\u200d\u202e\u2066\ufeff"
         "\ud800\udfff\udcff\udc80\U000e0001\U0010ffff\u3000`|*_#<>&\\")
ALLOWED_IN_TEXT = {"\n", "\t"}


def random_strings(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        length = rng.choice([0, 1, 2, 5, 20, 200, 3000])
        chars = []
        for _ in range(length):
            pick = rng.random()
            if pick < 0.3:
                chars.append(rng.choice(NASTY))
            elif pick < 0.6:
                chars.append(chr(rng.randrange(0x20, 0x7F)))
            elif pick < 0.8:
                chars.append(chr(rng.randrange(0x80, 0x10000)))
            else:
                chars.append(chr(rng.randrange(0x10000, 0x110000)))
        yield "".join(chars)


STRINGS = list(random_strings(2000, seed=20260101))


def unsafe_characters(text, allowed=()):
    return [char for char in text if char not in allowed and char != " "
            and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")]


@pytest.mark.parametrize("clean, allowed", [(safe_text.line, ()), (lambda s, n: safe_text.text(s, n), ALLOWED_IN_TEXT)])
@pytest.mark.parametrize("limit", [1, 10, 200, 5000])
def test_cleaned_text_is_printable_utf8_within_its_limit(clean, allowed, limit):
    """Is every cleaned random string valid UTF-8, free of controls and separators, within its length limit?"""
    for raw in STRINGS:
        cleaned = clean(raw, limit)
        cleaned.encode("utf-8")  # strict: no lone surrogate survives
        json.loads(json.dumps(cleaned, ensure_ascii=False))
        assert not unsafe_characters(cleaned, allowed), (raw, cleaned)
        assert len(cleaned) <= limit


def test_no_line_break_but_newline_survives():
    """Does no layout (str.splitlines, a split on newline) find more lines than the newlines kept?"""
    for raw in STRINGS:
        one = safe_text.line(raw, 5000)
        assert len(one.splitlines()) <= 1 and "\n" not in one
        several = safe_text.text(raw, 5000)
        assert several.splitlines() == several.split("\n")[:len(several.splitlines())]
        assert len(several.splitlines()) <= several.count("\n") + 1


def test_cleaning_is_idempotent_and_keeps_clean_text():
    """Does cleaning clean text change nothing (so text cleaned twice reads the same)?"""
    for raw in STRINGS:
        for limit in (50, 5000):
            once = safe_text.text(raw, limit)
            assert safe_text.text(once, limit) == once
            line = safe_text.line(raw, limit)
            assert safe_text.line(line, limit) == line
    plain = "Your code raised ValueError: x must be > 0 (got -1.5) `code` | * _ # é 漢字 🙂"
    assert safe_text.line(plain) == plain and safe_text.text(plain + "\nnext", 1000) == plain + "\nnext"


def test_unsafe_characters_show_as_escapes_and_cuts_say_so():
    """Are unsafe characters shown as escapes (a non-UTF-8 byte as its hex), and a cut string marked as cut?"""
    assert safe_text.line("a\u2028Hint: b") == "a\\u2028Hint: b"
    assert safe_text.line("report\udcff.ipynb") == "report\\xff.ipynb"
    assert safe_text.text("x\ud800\r\ny", 100) == "x\\ud800\ny"
    assert safe_text.line("\u202egnp.exe") == "\\u202egnp.exe"
    cut = safe_text.text("a" * 10000, 100)
    assert len(cut) == 100 and cut.endswith("10000 characters in all]")


def test_a_cleaned_answer_never_becomes_a_right_one():
    """Can a returned string with invisible characters turn into an expected answer by being cleaned?"""
    answer = "vanishing guaranteed"
    for index in range(len(answer) + 1):
        for char in NASTY:
            if char not in " \t\n":
                assert safe_text.text(answer[:index] + char + answer[index:], 10000) != answer


@pytest.mark.parametrize("value, cell", [
    ("=2+3", "'=2+3"), ("+1", "'+1"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "' =1"),
    ("  =1", "'  =1"), ("\r=1", "\\x0d=1"), ("alice", "alice"), (4, 4), (1.5, 1.5), ("", ""),
])
def test_csv_cells_never_start_a_formula(value, cell):
    """Does no grades.csv cell start with = + - @ (or a tab or carriage return before them)?"""
    assert safe_text.csv_cell(value) == cell


def test_csv_cells_of_random_text_never_start_a_formula():
    """Is no random text turned into a cell that starts with a formula character, or that breaks a row?"""
    for raw in STRINGS:
        cell = safe_text.csv_cell(raw)
        assert not cell.lstrip(" ").startswith(safe_text.FORMULA_STARTS)
        assert "\n" not in cell and "\r" not in cell
