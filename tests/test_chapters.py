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
from course_tools import editions as edition_tools
from lying_answers import LYING_ANSWERS

ROOT = Path(os.environ.get("COURSE_ROOT", coursekit.REPO)).resolve()
CHAPTERS = coursekit.chapters(ROOT)
# Checks marked each_edition run on every edition (the `editions` fixture of conftest.py):
# English, and the translations, whose code is the English one's (test_same_code_as_english).
EDITIONS = ["en", *edition_tools.editions(ROOT)]

each_chapter = pytest.mark.parametrize("chapter", CHAPTERS)
each_edition = pytest.mark.parametrize("edition", EDITIONS)


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
@each_edition
def test_solution_passes_every_test(chapter, edition, editions):
    root, runs = editions[edition]
    assert_no_problems(coursekit.check_solution(root, chapter, runs.solution(chapter)))


@each_chapter
def test_chapter_runs_top_to_bottom_in_time(chapter, tmp_path, runs):
    seconds = coursekit.execution_seconds(ROOT, chapter, tmp_path, runs.solution(chapter))
    assert seconds < coursekit.EXECUTION_BUDGET_SECONDS, (
        f"{chapter} took {seconds:.1f} s to run top to bottom; the budget is "
        f"{coursekit.EXECUTION_BUDGET_SECONDS:.0f} s"
    )


@each_chapter
@each_edition
def test_release_fails_every_test(chapter, edition, editions):
    root, runs = editions[edition]
    assert_no_problems(coursekit.check_release_fails(root, chapter, runs.release(chapter)))


@each_chapter
@each_edition
def test_unsolved_exercises_fail_with_a_message(chapter, edition, editions, tmp_path):
    root, runs = editions[edition]
    assert_no_problems(coursekit.check_release_failures_are_explained(root, chapter, tmp_path,
                                                              runs.release(chapter)))


# The two checks that run the release once per exercise (or once with the hidden tests alone)
# run on every English chapter, and on a translation for its first chapter only. Which test cell
# passes does not depend on the language: a translation runs the English code
# (test_same_code_as_english), only the words of a failure differ, and its solution run (every
# test passes) and release run (every graded test fails, with an AssertionError) show that the
# language changes no outcome. Running them for every chapter of every edition would cost CI two
# minutes to learn nothing new.
english_and_first_translated = pytest.mark.parametrize(
    "chapter, edition", [(chapter, "en") for chapter in CHAPTERS]
    + [(CHAPTERS[0], edition) for edition in EDITIONS[1:] if CHAPTERS])


@english_and_first_translated
def test_hidden_tests_fail_on_the_release(chapter, edition, editions, tmp_path):
    assert_no_problems(coursekit.check_hidden_tests_fail(editions[edition][0], chapter, tmp_path))


@english_and_first_translated
def test_each_exercise_is_graded_on_its_own(chapter, edition, editions, tmp_path):
    assert_no_problems(coursekit.check_exercises_alone(editions[edition][0], chapter, tmp_path))


@each_chapter
def test_explanations_print_what_pytorch_prints(chapter, tmp_path, runs):
    pytest.importorskip("torch", reason="PyTorch (the oracle) is not installed")
    assert_no_problems(coursekit.check_outputs_match_pytorch(ROOT, chapter, tmp_path,
                                                     runs.solution(chapter)))


@each_chapter
@pytest.mark.parametrize("edition", EDITIONS[1:])
def test_same_code_as_english(chapter, edition, editions):
    """A translation's source and release run exactly the English code: only markdown and
    comments differ (and its first code cell sets the language of the test messages). So what
    the English checks prove of the code (lying answers, wrong answers, PyTorch parity) holds
    for the translation too."""
    root = editions[edition][0]
    problems = []
    for kind, where in (("source", coursekit.source_notebook), ("release", coursekit.release_notebook)):
        problems += edition_tools.check_same_code(
            coursekit.read_notebook(where(ROOT, chapter)),
            coursekit.read_notebook(where(root, chapter)), f"{chapter} ({edition} {kind})")
    assert_no_problems(problems)


@each_chapter
@pytest.mark.parametrize("edition", EDITIONS[1:])
def test_reveals_stay_folded_in_every_edition(chapter, edition, editions):
    """The reveal lint on the translation, which must find the same predict exercises."""
    nb = coursekit.read_notebook(coursekit.source_notebook(editions[edition][0], chapter))
    english = coursekit.read_notebook(coursekit.source_notebook(ROOT, chapter))
    count = [sum(len(coursekit.PREDICT_HEADING.findall(c.source)) for c in n.cells
                 if c.cell_type == "markdown") for n in (english, nb)]
    assert count[0] == count[1], (f"{chapter} ({edition}): {count[1]} headings of predict "
                                  f"exercises, the English has {count[0]}")
    assert_no_problems(coursekit.lint_reveals(nb, f"{chapter} ({edition})"))


@each_chapter
@pytest.mark.parametrize("edition", EDITIONS[1:])
def test_both_editions_print_the_same(chapter, edition, editions, runs):
    """Every code cell of the solved translation prints what the English one prints: outputs
    are PyTorch's, never translated."""
    english = runs.solution(chapter).notebook
    translated = editions[edition][1].solution(chapter).notebook
    assert english is not None and translated is not None, f"{chapter}: a solution did not run"
    cells = [c for c in translated.cells if c.get("id") != edition_tools.LANGUAGE_CELL_ID]
    differ = [f"cell {i + 1} (id {mine.get('id')}):\n  en: {coursekit.text_outputs(theirs)!r}"
              f"\n  {edition}: {coursekit.text_outputs(mine)!r}"
              for i, (mine, theirs) in enumerate(zip(cells, english.cells))
              if mine.cell_type == "code" and not coursekit.is_test_cell(mine)
              and coursekit.text_outputs(mine) != coursekit.text_outputs(theirs)]
    assert not differ, f"{chapter}: the {edition} edition prints differently:\n" + "\n".join(differ)


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
