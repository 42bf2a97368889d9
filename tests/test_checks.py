"""The checks of tests/test_chapters.py can fail.

Each test breaks a copy of the fixture course (tests/fixtures/course: one chapter, NumPy only,
three exercises worth 2, 1 and 3 points) the way a chapter author might, and expects the check
to say so, naming the cell. The last tests run tests/test_chapters.py itself on the intact copy
(green) and on the three breakages the issue names (red).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import nbformat
import pytest

from course_tools import coursekit

FIXTURE = Path(__file__).parent / "fixtures" / "course"
CHAPTER = "00_fixture"


@pytest.fixture(scope="session")
def fixture_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture course with this repository's configuration, released once per session."""
    root = tmp_path_factory.mktemp("fixture") / "course"
    shutil.copytree(FIXTURE, root)
    shutil.copy2(coursekit.REPO / "nbgrader_config.py", root)
    coursekit.generate_releases(root)
    return root


@pytest.fixture
def course(tmp_path: Path, fixture_course: Path) -> Path:
    """A scratch copy of the released fixture course, for one test to break."""
    root = tmp_path / "course"
    shutil.copytree(fixture_course, root)
    return root


def released(root: Path) -> Path:
    """Regenerate the release after a source was changed."""
    coursekit.generate_releases(root)
    return root


def edit_cell(path: Path, name: str, change: Callable[[str], str]) -> None:
    """Rewrite one cell of a notebook, found by grade_id or by a piece of its source."""
    nb = coursekit.read_notebook(path)
    cells = [c for c in nb.cells if coursekit.grade_id(c) == name or
             (not coursekit.grade_id(c) and name in c.source)]
    assert len(cells) == 1, f"no single cell {name!r} in {path}"
    cells[0].source = change(cells[0].source)
    coursekit.write_notebook(nb, path)


def edit_source(root: Path, name: str, change: Callable[[str], str]) -> None:
    edit_cell(coursekit.source_notebook(root, CHAPTER), name, change)


def with_visible(visible: str) -> Callable[[str], str]:
    """Replace a test cell's visible tests, keep its hidden ones."""
    def change(source: str) -> str:
        hidden = source[source.index(coursekit.HIDDEN_BEGIN):]
        return f"{visible}\n{hidden}"
    return change


def with_hidden(hidden: str) -> Callable[[str], str]:
    def change(source: str) -> str:
        visible = source[: source.index(coursekit.HIDDEN_BEGIN)]
        return f"{visible}{coursekit.HIDDEN_BEGIN}\n{hidden}\n{coursekit.HIDDEN_END}"
    return change


def mentions(problems: list[str], *words: str) -> bool:
    return any(all(word in problem for word in words) for problem in problems)


# --------------------------------------------------------------------------------------------
# The intact fixture passes the checks that read files; its round trip scores exactly


def test_intact_fixture_follows_the_conventions(course):
    assert coursekit.lint_chapter(course, CHAPTER) == []
    assert coursekit.check_text_file(course, CHAPTER) == []


def test_the_release_tags_exercise_cells_only_and_has_complete_metadata(course):
    # Run All goes on past exercise cells (answer and test) and stops at an explanation cell
    nb = coursekit.read_notebook(coursekit.release_notebook(course, CHAPTER))
    for cell in nb.cells:
        exercise = coursekit.is_solution_cell(cell) or coursekit.is_test_cell(cell)
        tagged = coursekit.RUN_ON_TAG in cell.metadata.get("tags", [])
        assert tagged == exercise, cell.source[:60]
    assert nb.metadata.language_info == coursekit.language_info(
        coursekit.RELEASE_PYTHON_VERSION)
    assert nb.metadata.kernelspec == coursekit.KERNELSPEC


def test_round_trip_scores_the_three_students_exactly(course, tmp_path):
    result = coursekit.round_trip(course, [CHAPTER], tmp_path / "term")[CHAPTER]
    assert result.scores == {"perfect": 6.0, "blank": 0.0, "partial": 5.0}
    assert result.max_score == 6.0
    assert result.cell_scores["partial"] == {
        "ex1_double_tests": 2.0, "ex2_predict_sum_tests": 0.0, "ex3_count_positive_tests": 3.0}
    assert all(path.is_file() for path in result.feedback.values())


# --------------------------------------------------------------------------------------------
# Each check, red


def test_a_vacuous_visible_test_is_caught(course):
    edit_source(course, "ex2_predict_sum_tests", with_visible("assert True"))
    problems = coursekit.check_release_fails(released(course), CHAPTER)
    assert mentions(problems, "ex2_predict_sum_tests", "passes on the unsolved release")
    assert len(problems) == 1


def test_a_test_crashing_on_a_missing_answer_is_caught(course, tmp_path):
    edit_source(course, "ex2_predict_sum_tests", with_visible(
        "assert predicted_sum == 6, 'Expected the sum. Hint: count from 0.'"))
    problems = coursekit.check_release_failures_are_explained(released(course), CHAPTER, tmp_path)
    assert mentions(problems, "ex2_predict_sum_tests fails with NameError")
    assert len(problems) == 1


def test_a_vacuous_hidden_test_is_caught(course, tmp_path):
    edit_source(course, "ex3_count_positive_tests", with_hidden("assert True"))
    problems = coursekit.check_hidden_tests_fail(released(course), CHAPTER, tmp_path)
    assert mentions(problems, "hidden tests of ex3_count_positive_tests")
    assert len(problems) == 1


def test_a_wrong_solution_is_caught(course):
    edit_source(course, "ex3_count_positive", lambda s: s.replace("> 0", ">= 0"))
    problems = coursekit.check_solution(course, CHAPTER)
    assert mentions(problems, "ex3_count_positive_tests", "fails in the solution notebook")


def test_a_cell_writing_to_stderr_is_caught(course):
    edit_source(course, "print(doubled)",
                lambda s: s + "\nimport sys\nprint('careful', file=sys.stderr)")
    problems = coursekit.check_solution(course, CHAPTER)
    assert mentions(problems, "careful")


def test_outputs_compare_as_text_however_the_kernel_splits_a_print():
    # the kernel may send print(a, b) as several stream messages, depending on timing
    split = nbformat.v4.new_code_cell("print(a, b)")
    whole = nbformat.v4.new_code_cell("print(a, b)")
    split.outputs = [nbformat.v4.new_output("stream", name="stdout", text="None"),
                     nbformat.v4.new_output("stream", name="stdout", text=" tensor([1.])\n")]
    whole.outputs = [nbformat.v4.new_output("stream", name="stdout", text="None tensor([1.])\n")]
    assert coursekit.text_outputs(split) == coursekit.text_outputs(whole)
    whole.outputs[0].text = "None tensor([2.])\n"
    assert coursekit.text_outputs(split) != coursekit.text_outputs(whole)


def test_a_hand_edited_release_is_caught(course, tmp_path):
    edit_cell(coursekit.release_notebook(course, CHAPTER), "A tiny chapter",
              lambda s: s.replace("tiny", "small"))
    problems = coursekit.check_release_in_sync(course, tmp_path)
    assert mentions(problems, f"{CHAPTER}.ipynb differs from its regenerated version", "small")


def test_a_hand_edited_test_cell_in_the_release_is_caught(course):
    edit_cell(coursekit.release_notebook(course, CHAPTER), "ex1_double_tests",
              lambda s: "pass")
    problems = coursekit.check_release_fails(course, CHAPTER)
    assert mentions(problems, "checksum")


def test_a_file_in_the_release_without_a_source_is_caught(course, tmp_path):
    (course / "notebooks" / CHAPTER / "notes.txt").write_text("by hand\n")
    problems = coursekit.check_release_in_sync(course, tmp_path)
    assert mentions(problems, "notes.txt has no source")


def test_an_exercise_leaning_on_another_is_caught(course, tmp_path):
    edit_source(course, "ex3_count_positive_tests", with_visible(
        "count = count_positive(double([-1, 0, 2, 5]) / 2)\nassert count == 2"))
    problems = coursekit.check_exercises_alone(released(course), CHAPTER, tmp_path)
    assert mentions(problems, "only ex3_count_positive solved", "ex3_count_positive_tests fails")


def test_a_test_passing_without_its_own_answer_is_caught(course, tmp_path):
    # ex2's test now checks exercise 1's answer instead of its own
    edit_source(course, "ex2_predict_sum_tests", with_visible(
        "assert list(double([1])) == [2], 'Expected double([1]) == [2]. Hint: ...'"))
    problems = coursekit.check_exercises_alone(released(course), CHAPTER, tmp_path)
    assert mentions(problems, "only ex1_double solved", "ex2_predict_sum_tests passes too")


def test_a_text_file_out_of_date_is_caught(course):
    text = coursekit.text_file(course, CHAPTER)
    text.write_text(text.read_text().replace("A tiny chapter", "A changed chapter"))
    problems = coursekit.check_text_file(course, CHAPTER)
    assert mentions(problems, "disagree", "A changed chapter")


def test_release_picks_up_an_edit_made_to_the_text_file(course):
    source_path = coursekit.source_notebook(course, CHAPTER)
    ids = [cell.id for cell in coursekit.read_notebook(source_path).cells]
    text = coursekit.text_file(course, CHAPTER)
    text.write_text(text.read_text().replace("A tiny chapter", "A changed chapter"))
    os.utime(text, (2_000_000_000, 2_000_000_000))  # the text is the newer file
    coursekit.release(course, log=lambda message: None)
    assert "A changed chapter" in coursekit.release_notebook(course, CHAPTER).read_text()
    source = coursekit.read_notebook(source_path)
    assert [cell.id for cell in source.cells] == ids, "cell ids must survive the text round trip"
    assert coursekit.check_text_file(course, CHAPTER) == []
    assert coursekit.lint_chapter(course, CHAPTER) == []


def test_jupyterlab_can_save_a_source(course):
    # what JupyterLab's Save does, through jupytext's contents manager (installed with the
    # course extra); a jupytext pairing to a text file in the parent folder made it fail
    import asyncio

    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext import build_async_jupytext_contents_manager_class

    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(
        root_dir=str(course))
    path = f"solutions/{CHAPTER}/{CHAPTER}.ipynb"

    async def open_edit_save():
        model = await manager.get(path)
        model["content"].cells[0].source += "\nSaved from JupyterLab."
        await manager.save(model, path)

    asyncio.run(open_edit_save())
    assert "Saved from JupyterLab." in coursekit.source_notebook(course, CHAPTER).read_text()
    coursekit.release(course, [CHAPTER], log=lambda message: None)
    assert "Saved from JupyterLab." in coursekit.text_file(course, CHAPTER).read_text()
    assert coursekit.check_text_file(course, CHAPTER) == []


def _with_output(path: Path) -> None:
    nb = coursekit.read_notebook(path)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    coursekit.write_notebook(nb, path)


def _tagged_explanation(root: Path) -> None:
    path = coursekit.source_notebook(root, CHAPTER)
    nb = coursekit.read_notebook(path)
    nb.cells[1].metadata["tags"] = [coursekit.RUN_ON_TAG]
    coursekit.write_notebook(nb, path)


def _with_solution_file(root: Path) -> None:
    (root / "solutions" / CHAPTER / "answers.py").write_text("### BEGIN SOLUTION\n")


LINT_CASES = {
    "a test cell ending in a bare number": (
        lambda root: edit_source(root, "ex1_double_tests", lambda s: s + "\n1.0"),
        "bare expression"),
    "a test cell without hidden tests": (
        lambda root: edit_source(root, "ex1_double_tests", coursekit.visible_part),
        "BEGIN HIDDEN TESTS"),
    "a solution without markers": (
        lambda root: edit_source(root, "ex2_predict_sum", lambda s: "predicted_sum = 6"),
        "BEGIN SOLUTION"),
    "outputs left in the source": (
        lambda root: _with_output(coursekit.source_notebook(root, CHAPTER)),
        "outputs must be stripped"),
    "a file with solutions in the chapter folder": (_with_solution_file, "answers.py"),
    "an explanation cell that Run All would run past": (_tagged_explanation, "raises-exception"),
}


@pytest.mark.parametrize("case", LINT_CASES)
def test_the_conventions_check_catches(course, case):
    breakage, words = LINT_CASES[case]
    breakage(course)
    assert mentions(coursekit.lint_chapter(course, CHAPTER), words)


# --------------------------------------------------------------------------------------------
# The suite itself: green on the intact fixture, red on each breakage the issue names


def run_chapter_suite(root: Path, selection: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(Path(__file__).parent / "test_chapters.py"),
         "-q", "-p", "no:cacheprovider", "-k", selection],
        env={**os.environ, "COURSE_ROOT": str(root)},
        cwd=coursekit.REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )


def test_the_chapter_suite_is_green_on_the_intact_fixture(course):
    # the round trip is left out here: test_round_trip_scores_the_three_students_exactly runs it
    run = run_chapter_suite(course, "not round_trip")
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and " failed" not in run.stdout


def _vacuous_test_cell(root: Path) -> None:
    edit_source(root, "ex2_predict_sum_tests", with_visible("assert True"))
    released(root)


def _hand_edited_release(root: Path) -> None:
    edit_cell(coursekit.release_notebook(root, CHAPTER), "A tiny chapter",
              lambda s: s.replace("tiny", "small"))


def _wrong_solution(root: Path) -> None:
    edit_source(root, "ex3_count_positive", lambda s: s.replace("> 0", ">= 0"))
    released(root)


RED_CASES = {
    "a vacuous test cell": (
        _vacuous_test_cell, "release_fails", "test_release_fails_every_test"),
    "a hand-edited release": (
        _hand_edited_release, "in_sync", "test_releases_are_in_sync_with_their_sources"),
    "a wrong solution": (
        _wrong_solution, "solution_passes", "test_solution_passes_every_test"),
}


@pytest.mark.parametrize("case", RED_CASES)
def test_the_chapter_suite_is_red_on(course, case):
    breakage, selection, failing_test = RED_CASES[case]
    breakage(course)
    run = run_chapter_suite(course, selection)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"FAILED tests/test_chapters.py::{failing_test}" in run.stdout, run.stdout


def test_a_predict_exercise_keeps_its_answer_folded_below_the_test():
    def notebook(*markdown_after_test: str) -> nbformat.NotebookNode:
        test = nbformat.v4.new_code_cell("assert guess == 2")
        test.metadata["nbgrader"] = {"grade": True, "grade_id": "ex1_tests", "locked": True,
                                     "points": 1, "schema_version": 3, "solution": False}
        return nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell("### Exercise 1 (predict, then run): a sum"), test,
            *map(nbformat.v4.new_markdown_cell, markdown_after_test),
            nbformat.v4.new_markdown_cell("## 2. The next idea"),
            nbformat.v4.new_markdown_cell("It is 2, and nothing hides this: not an exercise.")])

    folded = "<details><summary>Why 2</summary>\n\nOne plus one.\n\n</details>"
    assert coursekit.lint_reveals(notebook(folded), CHAPTER) == []
    for shown in ("It is 2: one plus one.", folded.replace("<details>", "<details open>"),
                  folded + "\n\nAnd 2 again, in sight.",
                  folded + "\n\nIt is 2.\n\n" + folded):
        (problem,) = coursekit.lint_reveals(notebook(folded, shown), CHAPTER)
        assert problem.startswith(f"{CHAPTER} cell 3: explains a predict-then-run exercise")
