"""Reading a submission before it runs (course_tools/inspection.py): what is refused outright.

The grading parent parses every code cell of every submission outside the sandbox, so a
notebook far larger than any honest one is refused before it is read or parsed; otherwise one
student could stall (or exhaust) the parent for the whole class.
"""

from __future__ import annotations

from course_tools import coursekit, inspection
from course_tools.outcome import Task

CHAPTER = "01_tensors_and_leaves"


def _release():
    return coursekit.read_notebook(coursekit.release_notebook(coursekit.REPO, CHAPTER))


def _task(path) -> Task:
    return Task("student", CHAPTER, path=str(path))


def test_an_ordinary_submission_is_read(tmp_path):
    path = tmp_path / f"{CHAPTER}.ipynb"
    coursekit.write_notebook(_release(), path)
    task = _task(path)
    assert inspection.inspect(task, _release()) is not None
    assert task.problems == []


def test_a_submission_with_megabytes_of_code_is_refused_before_it_is_scanned(tmp_path,
                                                                             monkeypatch):
    nb = _release()
    answer = next(c for c in nb.cells if coursekit.is_solution_cell(c))
    answer.source = "x = 1\n" * 500_000                # 3 MB: the scan alone took about a minute
    path = tmp_path / f"{CHAPTER}.ipynb"
    coursekit.write_notebook(nb, path)
    task = _task(path)

    def scan(*args):
        raise AssertionError("the scan ran on a submission that should be refused first")

    monkeypatch.setattr(inspection.integrity, "scan_notebook", scan)
    assert inspection.inspect(task, _release()) is None
    (problem,) = task.problems
    assert problem.startswith("malformed: ") and "MiB of code" in problem, problem


def test_a_huge_file_is_refused_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / f"{CHAPTER}.ipynb"
    coursekit.write_notebook(_release(), path)
    monkeypatch.setattr(inspection, "MAX_NOTEBOOK_BYTES", 1000)
    task = _task(path)
    assert inspection.inspect(task, _release()) is None
    (problem,) = task.problems
    assert problem.startswith("malformed: ") and "a submission may be" in problem, problem
