"""Every chapter, checked the way docs/authoring.md promises.

The course root is this repository, or $COURSE_ROOT (tests/test_checks.py points it at broken
copies of a fixture course to show that each check can fail). Run one chapter's checks with
`./course test tests/test_chapters.py -k 01_tensors_and_leaves`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import coursekit

ROOT = Path(os.environ.get("COURSE_ROOT", coursekit.REPO)).resolve()
CHAPTERS = coursekit.chapters(ROOT)

each_chapter = pytest.mark.parametrize("chapter", CHAPTERS)


def report(problems: list[str]) -> str:
    return "\n\n".join(problems)


def test_the_course_has_chapters():
    assert CHAPTERS, f"no chapter folders in {ROOT / coursekit.SOURCE_DIR}"


@each_chapter
def test_chapter_follows_the_conventions(chapter):
    problems = coursekit.lint_chapter(ROOT, chapter)
    assert not problems, report(problems)


@each_chapter
def test_text_file_matches_the_source(chapter):
    problems = coursekit.check_text_file(ROOT, chapter)
    assert not problems, report(problems)


@each_chapter
def test_solution_passes_every_test(chapter):
    problems = coursekit.check_solution(ROOT, chapter)
    assert not problems, report(problems)


@each_chapter
def test_chapter_runs_top_to_bottom_in_time(chapter, tmp_path):
    seconds = coursekit.execution_seconds(ROOT, chapter, tmp_path)
    assert seconds < coursekit.EXECUTION_BUDGET_SECONDS, (
        f"{chapter} took {seconds:.1f} s to run top to bottom; the budget is "
        f"{coursekit.EXECUTION_BUDGET_SECONDS:.0f} s"
    )


@each_chapter
def test_release_fails_every_test(chapter):
    problems = coursekit.check_release_fails(ROOT, chapter)
    assert not problems, report(problems)


@each_chapter
def test_unsolved_exercises_fail_with_a_message(chapter, tmp_path):
    problems = coursekit.check_release_failures_are_explained(ROOT, chapter, tmp_path)
    assert not problems, report(problems)


@each_chapter
def test_hidden_tests_fail_on_the_release(chapter, tmp_path):
    problems = coursekit.check_hidden_tests_fail(ROOT, chapter, tmp_path)
    assert not problems, report(problems)


@each_chapter
def test_each_exercise_is_graded_on_its_own(chapter, tmp_path):
    problems = coursekit.check_exercises_alone(ROOT, chapter, tmp_path)
    assert not problems, report(problems)


@each_chapter
def test_explanations_print_what_pytorch_prints(chapter, tmp_path):
    pytest.importorskip("torch", reason="PyTorch (the oracle) is not installed")
    problems = coursekit.check_outputs_match_pytorch(ROOT, chapter, tmp_path)
    assert not problems, report(problems)


def test_releases_are_in_sync_with_their_sources(tmp_path):
    problems = coursekit.check_release_in_sync(ROOT, tmp_path)
    assert not problems, report(problems)


@pytest.fixture(scope="session")
def round_trips(request, tmp_path_factory) -> dict:
    """One nbgrader term for every chapter whose round-trip test this session runs (they share
    a worker: see the xdist_group below), which is much cheaper than one term per chapter."""
    selected = sorted({
        item.callspec.params["chapter"] for item in request.session.items
        if item.originalname == "test_nbgrader_round_trip_gives_the_expected_scores"
    })
    return coursekit.round_trip(ROOT, selected, tmp_path_factory.mktemp("term"))


@pytest.mark.xdist_group("round_trip")
@each_chapter
def test_nbgrader_round_trip_gives_the_expected_scores(chapter, round_trips):
    result = round_trips[chapter]
    assert result.scores == result.expected_scores
    assert result.cell_scores == result.expected_cell_scores
    assert result.max_score == result.expected_scores["perfect"] > 0
    for student, feedback in result.feedback.items():
        assert feedback.is_file(), f"no feedback for {student}"
        assert chapter in feedback.read_text(encoding="utf-8")
