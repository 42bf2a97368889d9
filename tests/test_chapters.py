"""Every chapter, checked the way docs/authoring.md promises.

The course root is this repository, or $COURSE_ROOT (tests/test_checks.py points it at broken
copies of a fixture course to show that each check can fail). Run one chapter's checks with
`./course test tests/test_chapters.py -k 01_tensors_and_leaves`; the nbgrader round trip
(`-k round_trip`) grades all the chapters at once.

Several checks read one execution: each chapter's source is run once (its test cells, its
stderr, its run time and its outputs for the comparison with PyTorch come from that run) and
its release once (which test cells pass, and what the failing ones raise), shared by the
pytest-xdist workers through coursekit.SharedRuns (the `runs` fixture of conftest.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from course_tools import coursekit
from lying_answers import LYING_ANSWERS

ROOT = Path(os.environ.get("COURSE_ROOT", coursekit.REPO)).resolve()
CHAPTERS = coursekit.chapters(ROOT)

each_chapter = pytest.mark.parametrize("chapter", CHAPTERS)


def assert_no_problems(problems: list[str]) -> None:
    assert not problems, "\n\n".join(problems)


def test_the_course_has_chapters():
    assert CHAPTERS, f"no chapter folders in {ROOT / coursekit.SOURCE_DIR}"


@each_chapter
def test_chapter_follows_the_conventions(chapter):
    assert_no_problems(coursekit.lint_chapter(ROOT, chapter))


@each_chapter
def test_text_file_matches_the_source(chapter):
    assert_no_problems(coursekit.check_text_file(ROOT, chapter))


@each_chapter
def test_solution_passes_every_test(chapter, runs):
    assert_no_problems(coursekit.check_solution(ROOT, chapter, runs.solution(chapter)))


@each_chapter
def test_chapter_runs_top_to_bottom_in_time(chapter, tmp_path, runs):
    seconds = coursekit.execution_seconds(ROOT, chapter, tmp_path, runs.solution(chapter))
    assert seconds < coursekit.EXECUTION_BUDGET_SECONDS, (
        f"{chapter} took {seconds:.1f} s to run top to bottom; the budget is "
        f"{coursekit.EXECUTION_BUDGET_SECONDS:.0f} s"
    )


@each_chapter
def test_release_fails_every_test(chapter, runs):
    assert_no_problems(coursekit.check_release_fails(ROOT, chapter, runs.release(chapter)))


@each_chapter
def test_unsolved_exercises_fail_with_a_message(chapter, tmp_path, runs):
    assert_no_problems(coursekit.check_release_failures_are_explained(ROOT, chapter, tmp_path,
                                                                      runs.release(chapter)))


@each_chapter
def test_hidden_tests_fail_on_the_release(chapter, tmp_path):
    assert_no_problems(coursekit.check_hidden_tests_fail(ROOT, chapter, tmp_path))


@each_chapter
def test_each_exercise_is_graded_on_its_own(chapter, tmp_path):
    assert_no_problems(coursekit.check_exercises_alone(ROOT, chapter, tmp_path))


@each_chapter
def test_explanations_print_what_pytorch_prints(chapter, tmp_path, runs):
    pytest.importorskip("torch", reason="PyTorch (the oracle) is not installed")
    assert_no_problems(coursekit.check_outputs_match_pytorch(ROOT, chapter, tmp_path,
                                                             runs.solution(chapter)))


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if c in LYING_ANSWERS])
def test_lying_answers_fail_the_visible_tests(chapter, tmp_path):
    """Answers that lie about equality or type (tests/lying_answers.py) fail the visible tests:
    the test cells check the type of what a student made before comparing it."""
    answers = LYING_ANSWERS[chapter]
    failures = coursekit.failure_messages(ROOT, chapter, answers, tmp_path)
    fooled = {name: failures.get(f"{name}_tests", ("nothing raised", ""))[0]
              for name in answers}
    fooled = {name: raised for name, raised in fooled.items() if raised != "AssertionError"}
    assert not fooled, f"{chapter}: test cells not failing on a lying answer: {fooled}"


def test_releases_are_in_sync_with_their_sources(tmp_path):
    assert_no_problems(coursekit.check_release_in_sync(ROOT, tmp_path))


def test_nbgrader_round_trip_gives_the_expected_scores(tmp_path):
    """One nbgrader term for all the chapters at once (see coursekit.round_trip): "perfect" gets
    each chapter's total, "blank" 0, "partial" exactly the points of exercises 1, 3, 5, ...
    A single test, so that one worker runs the term while the other runs the rest: one term
    per chapter costs an nbgrader start-up per chapter and command."""
    problems = []
    for chapter, result in coursekit.round_trip(ROOT, CHAPTERS, tmp_path).items():
        if result.scores != result.expected_scores:
            problems.append(f"{chapter}: scores {result.scores}, expected {result.expected_scores}")
        if result.cell_scores != result.expected_cell_scores:
            problems.append(f"{chapter}: test-cell scores {result.cell_scores}, expected "
                            f"{result.expected_cell_scores}")
        if not result.max_score == result.expected_scores["perfect"] > 0:
            problems.append(f"{chapter}: max score {result.max_score}")
        for student, feedback in result.feedback.items():
            if not feedback.is_file() or chapter not in feedback.read_text(encoding="utf-8"):
                problems.append(f"{chapter}: no feedback for {student}")
    assert_no_problems(problems)
