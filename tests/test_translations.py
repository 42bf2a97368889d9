"""The Chinese edition's checks.

The test cells' messages: a chapter's test cell, run on a known wrong answer, fails with the
message of the learner's language, the translation taken from course_messages/zh.po.
"""

from __future__ import annotations

import nbformat
import polib
import pytest

import course_messages
from course_tools import coursekit

CHAPTER = "01_tensors_and_leaves"


def _test_cell(grade_id: str) -> str:
    """The visible source of a test cell of chapter 1's release."""
    nb = nbformat.read(coursekit.release_notebook(coursekit.REPO, CHAPTER), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell.source
    raise AssertionError(f"{CHAPTER} has no cell {grade_id}")


def _failure(grade_id: str, answers: dict) -> str:
    """The message of the AssertionError a test cell raises with `answers` in place."""
    with pytest.raises(AssertionError) as raised:
        exec(compile(_test_cell(grade_id), grade_id, "exec"), dict(answers))
    return str(raised.value)


def _chinese(template: str) -> str:
    """The catalogue's translation of `template` (translated and not fuzzy)."""
    entries = {entry.msgid: entry for entry in
               polib.pofile(str(course_messages.catalogue_path("zh")))}
    entry = entries.get(template)
    assert entry is not None and entry.msgstr and not entry.fuzzy, (
        f"course_messages/zh.po has no current translation of {template!r}")
    return entry.msgstr


@pytest.fixture
def language(monkeypatch):
    """`course_messages.use`, with the language chosen before the test restored after it."""
    monkeypatch.setattr(course_messages, "_chosen", course_messages._chosen)
    return course_messages.use


WRONG_FREEZE = "def freeze(params, keep):\n    return params\n"
FREEZE_TEMPLATE = ("freeze returned {returned_type}; expected None (it works in place). "
                   "Hint: no return statement is needed.")


def test_a_test_cell_fails_in_the_learners_language(language):
    answers = {}
    exec(WRONG_FREEZE, answers)
    language("zh")
    chinese = _failure("ex6_freeze_tests", answers)
    assert chinese == _chinese(FREEZE_TEMPLATE).format(returned_type="dict")
    assert "提示" in chinese
    language("en")
    english = _failure("ex6_freeze_tests", answers)
    assert english == FREEZE_TEMPLATE.format(returned_type="dict")
    assert "提示" not in english


def test_hints_put_together_are_translated_clause_by_clause(language):
    # x and w predicted wrong: two hints of the table, joined by a template of their own
    answers = {"predicted_grads": {"x": 0.0, "w": 2.0, "b": 1.0}}
    template = ("Expected what backward() stores in each .grad; your prediction for {names} is "
                "off. Hint: {hint}")
    x_hint = ("x is data: does it require grad, and which tensors does backward() fill "
              "(section 5)?")
    w_hint = ("the derivative of x * w + b with respect to w is the factor that multiplies w, "
              "not the value of w.")
    joined = "{hint} And {next_hint}"
    language("zh")
    hint = _chinese(joined).format(hint=_chinese(x_hint), next_hint=_chinese(w_hint))
    assert _failure("ex4_line_grads_tests", answers) == \
        _chinese(template).format(names="x.grad, w.grad", hint=hint)
    language("en")
    assert _failure("ex4_line_grads_tests", answers) == template.format(
        names="x.grad, w.grad", hint=joined.format(hint=x_hint, next_hint=w_hint))


def test_messages_are_english_unless_a_language_is_chosen(language, monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    language("zh")
    assert course_messages.language() == "zh"
    monkeypatch.setattr(course_messages, "_chosen", None)
    assert course_messages.language() == "en"
    assert course_messages.message(FREEZE_TEMPLATE, returned_type="list") == \
        FREEZE_TEMPLATE.format(returned_type="list")
