"""Feedback keeps the course's secrets (course_tools/feedback.py, issue 11).

One scratch course, chapter 1, three students handed in through nbgrader's own commands
(`zip_collect`, `autograde`, `generate_feedback`, as the README's instructors' steps), so the
preprocessor is exercised exactly as `nbgrader_config.py` wires it:

- "perfect" solves every exercise (its answers are the solutions);
- "blank" hands in the release: every test cell fails in its visible part;
- "partial" solves exercises 1 and 5, hard-codes exercise 3's visible case (passes the visible
  tests, fails the hidden ones), answers exercise 2 with a set holding lines of other chapters'
  hidden tests and solutions (so that the visible failure's message quotes them), and prints a
  marker from an answer cell and from an explanation cell (outputs must not reach feedback).

Feedback must show each test cell's points and, for a visible failure, its message; never a line
of any chapter's hidden tests or solutions (tests/course_secrets.py), never a cell's output.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course_secrets import html_text, leaks, secret_lines
from course_tools import coursekit, feedback, worker

ROOT = Path(os.environ.get("COURSE_ROOT", coursekit.REPO)).resolve()
CHAPTER = "01_tensors_and_leaves"
MARKER = "PRINTED-BY-THE-STUDENT-7d41"
HARD_CODED = ("def nudge_grads(a_value, b_value, h):\n"
              "    return (4.0, 96.5) if h == 0.5 else (4.0, 96.0)\n")


def _students(secrets: set[str]) -> dict[str, nbformat.NotebookNode]:
    source = coursekit.read_notebook(coursekit.source_notebook(ROOT, CHAPTER))
    released = coursekit.read_notebook(coursekit.release_notebook(ROOT, CHAPTER))
    every = {exercise.name for exercise in coursekit.exercises(source)}
    partial = coursekit.solve(released, source, {"ex1_requires_grad", "ex5_gets_grad"})
    quoted = sorted(line for line in secrets if '"' not in line and "\\" not in line)[:3]
    for cell in partial.cells:
        name = coursekit.grade_id(cell)
        if name == "ex1_requires_grad":
            cell.source += f"\nprint({MARKER!r})\n"
        elif name == "ex2_leaves":
            cell.source = f"leaf_names = {set(quoted)!r}\n"
        elif name == "ex3_nudge_grads":
            cell.source = HARD_CODED
    explanation = next(cell for cell in partial.cells
                       if cell.cell_type == "code" and not coursekit.nbgrader_metadata(cell))
    explanation.source += f"\nprint({MARKER!r})\n"
    return {"perfect": coursekit.solve(released, source, every),
            "blank": copy.deepcopy(released), "partial": partial}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The scratch course after autograde and generate_feedback; returns (course, secrets)."""
    secrets = secret_lines(ROOT)
    course = coursekit.scratch_course(ROOT, tmp_path_factory.mktemp("feedback") / "course",
                                      [CHAPTER])
    coursekit.nbgrader(course, "generate_assignment", CHAPTER, "--force")
    archive = course / "downloaded" / CHAPTER / "archive"
    archive.mkdir(parents=True)
    for student, nb in _students(secrets).items():
        coursekit.write_notebook(nb, archive / f"{student}_{CHAPTER}.ipynb")
    coursekit.nbgrader(course, "zip_collect", CHAPTER)
    coursekit.nbgrader(course, "autograde", CHAPTER)
    coursekit.nbgrader(course, "generate_feedback", CHAPTER)
    return course, secrets


def _page(course: Path, student: str) -> str:
    return (course / "feedback" / student / CHAPTER / f"{CHAPTER}.html").read_text(
        encoding="utf-8")


def _autograded(course: Path, student: str) -> nbformat.NotebookNode:
    return coursekit.read_notebook(course / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb")


def test_secret_lines_are_many_and_the_autograded_notebooks_hold_some(graded):
    """The check below is not vacuous: the autograded notebooks, what nbgrader's own feedback
    renders, carry hidden tests (and the perfect student's, solutions)."""
    course, secrets = graded
    assert len(secrets) > 200
    for student in ("perfect", "blank", "partial"):
        raw = (course / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb").read_text(
            encoding="utf-8")
        assert leaks(raw, secrets), f"{student}'s autograded notebook quotes no secret line"


@pytest.mark.parametrize("student", ["perfect", "blank", "partial"])
def test_feedback_quotes_no_hidden_test_solution_or_output(graded, student):
    course, secrets = graded
    page = _page(course, student)
    assert not leaks(html_text(page), secrets), leaks(html_text(page), secrets)[:5]
    assert not leaks(page, secrets)
    assert MARKER not in page
    assert "BEGIN HIDDEN TESTS" not in page and "BEGIN SOLUTION" not in page


@pytest.mark.parametrize("student", ["perfect", "blank", "partial"])
def test_feedback_shows_each_test_cell_with_its_points(graded, student):
    course, _ = graded
    text = html_text(_page(course, student))
    released = coursekit.read_notebook(coursekit.release_notebook(ROOT, CHAPTER))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(CHAPTER, CHAPTER, student)
        cell_scores = {grade.name: (grade.score, grade.max_score) for grade in notebook.grades}
    for cell in released.cells:
        if not coursekit.is_test_cell(cell):
            continue
        name = coursekit.grade_id(cell)
        score, points = cell_scores[name]
        verdict = "passed" if score >= points else "failed"
        assert f"{verdict}: {score:g} / {points:g} points" in text, (student, name)
        for line in cell.source.strip().splitlines():  # the visible tests, as released
            assert line.strip() in text, (student, name, line)


def test_a_visible_failure_shows_its_message(graded):
    course, _ = graded
    text = html_text(_page(course, "blank"))
    for cell in _autograded(course, "blank").cells:
        if coursekit.is_test_cell(cell):
            error = next(output for output in cell.outputs if output.output_type == "error")
            assert f"{error.ename}: {error.evalue}" in text or (
                not error.evalue and f"{error.ename} (no message)" in text), error.evalue
    assert "requires_grad_names is not defined yet" in text


def test_a_hidden_failure_shows_a_fixed_sentence_not_its_message(graded):
    course, _ = graded
    text = html_text(_page(course, "partial"))
    cell = next(c for c in _autograded(course, "partial").cells
                if coursekit.grade_id(c) == "ex3_nudge_grads_tests")
    error = next(output for output in cell.outputs if output.output_type == "error")
    assert feedback.failing_line(cell, error) is not None
    assert feedback.hidden_mask(cell.source)[feedback.failing_line(cell, error) - 1]
    assert feedback.HIDDEN_FAILURE in text
    assert "(1.5, -2.0, 0.25" not in text  # what the hidden assertion's message would quote


def test_a_message_quoting_secrets_loses_those_lines(graded):
    course, secrets = graded
    text = html_text(_page(course, "partial"))
    assert "of the message not shown: they quote the hidden tests or the solution" in text
    assert not leaks(text, secrets)


def test_course_grade_loads_the_same_feedback_preprocessors(tmp_path):
    """./course grade builds its nbgrader config from the course's nbgrader_config.py."""
    coursekit.scratch_course(ROOT, tmp_path, [])
    config = worker.nbgrader_config(tmp_path, 30, 120)
    assert feedback.KeepSecrets in config.GenerateFeedback.preprocessors


# Unit checks of how the failing line is found, on hand-made cells (no kernel).

TEST_SOURCE = "x = answer()\nassert x == 1, f'got {x}'\n### BEGIN HIDDEN TESTS\n" \
              "assert answer(2) == 4, 'secret input 2'\n### END HIDDEN TESTS"


def _cell(outputs: list) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(TEST_SOURCE, execution_count=7)
    cell.outputs = outputs
    return cell


def _error(line: int, count: int = 7, evalue: str = "got 3") -> nbformat.NotebookNode:
    traceback = ["\x1b[0;31m---------\x1b[0m",
                 f"Cell \x1b[0;32mIn[{count}], line {line}\x1b[0m\n----> {line} ...",
                 "Cell In[3], line 1, in answer(n)"]
    return nbformat.v4.new_output("error", ename="AssertionError", evalue=evalue,
                                  traceback=traceback)


def test_failing_line_is_read_from_this_cells_frame():
    assert feedback.failing_line(_cell([]), _error(2)) == 2
    assert feedback.failing_line(_cell([]), _error(2, count=6)) is None


def test_explain_failure_by_where_the_line_is():
    secrets = {"assert answer(2) == 4, 'secret input 2'"}
    visible = feedback.explain_failure(_cell([_error(2)]), secrets)
    assert "AssertionError: got 3" in visible and "assert x == 1" in visible
    assert feedback.explain_failure(_cell([_error(4, evalue="secret input 2")]),
                                    secrets) == feedback.HIDDEN_FAILURE
    assert "stopped with AssertionError" in feedback.explain_failure(
        _cell([_error(2, count=9)]), secrets)
    stderr = nbformat.v4.new_output("stream", name="stderr", text="careful\n")
    assert feedback.explain_failure(_cell([stderr]), secrets) == feedback.STDERR_FAILURE
    quoting = feedback.explain_failure(
        _cell([_error(2, evalue="fine\nx assert answer(2) == 4, 'secret input 2'")]), secrets)
    assert "secret input" not in quoting and "fine" in quoting


def test_visible_source_is_the_release_view():
    assert feedback.visible_source(TEST_SOURCE) == "x = answer()\nassert x == 1, f'got {x}'"
