"""Fixtures shared by the test files.

`runs` holds one solution run and one release run per chapter for the whole session; the
chapters' own test files (see tests/chapter_harness.py) read `CHAPTER` and `WRONG_ANSWERS` from
the file that asks for them.
"""

from __future__ import annotations

import os

import pytest

import chapter_harness
from course_tools import coursekit


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> coursekit.SharedRuns:
    """One solution run and one release run per chapter for the whole session (the course at
    $COURSE_ROOT, by default this repository). Under pytest-xdist every worker has its own
    temporary folder inside the session's; the runs live in the session's, where all the
    workers find them."""
    session = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        session = session.parent
    return coursekit.SharedRuns(chapter_harness.ROOT, session / "shared-runs")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One case per wrong answer of the file's WRONG_ANSWERS, named after its exercise."""
    if "wrong_answer" in metafunc.fixturenames:
        wrong_answers = metafunc.module.WRONG_ANSWERS
        cases = chapter_harness.wrong_answer_cases(wrong_answers)
        single_round = len(chapter_harness.rounds(wrong_answers)) == 1
        ids = [exercise if single_round else f"{round_name}-{exercise}"
               for round_name, exercise in cases]
        metafunc.parametrize("wrong_answer", cases, ids=ids)


@pytest.fixture(scope="module")
def wrong_answer_failures(request, tmp_path_factory) -> dict[str, dict]:
    """The release run once per round with that round's wrong answers."""
    module = request.module
    return chapter_harness.failures_by_round(module.CHAPTER, module.WRONG_ANSWERS,
                                             tmp_path_factory)


@pytest.fixture(scope="module")
def solved(request, runs):
    """The chapter's source notebook, run top to bottom: the session's one solution run, which
    tests/test_chapters.py checks too."""
    return runs.solution(request.module.CHAPTER).notebook
