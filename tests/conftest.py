"""Fixtures shared by the test files.

`runs` holds one solution run and one release run per chapter for the whole session; the
chapters' own test files (see tests/chapter_harness.py) read `CHAPTER` and `WRONG_ANSWERS` from
the file that asks for them.
"""

from __future__ import annotations

import fcntl
import os

import pytest

import chapter_harness
from course_tools import coursekit
from course_tools import editions as edition_tools


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> coursekit.SharedRuns:
    """One solution run and one release run per chapter for the whole session (the course at
    $COURSE_ROOT, by default this repository). Under pytest-xdist every worker has its own
    temporary folder inside the session's; the runs live in the session's, where all the
    workers find them."""
    return runs_for(chapter_harness.ROOT, _session_folder(tmp_path_factory))


def _session_folder(tmp_path_factory: pytest.TempPathFactory):
    session = tmp_path_factory.getbasetemp()
    return session.parent if os.environ.get("PYTEST_XDIST_WORKER") else session


@pytest.fixture(scope="session")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Each edition of the course as a course root of its own, with its SharedRuns: English is
    the course itself; the Chinese one (edition_tools.edition_course) holds the translated
    sources and the Chinese releases under the English names, so every check runs on it
    unchanged. Built once per session, under a lock, where every xdist worker finds it."""
    session = _session_folder(tmp_path_factory)
    found = {"en": (chapter_harness.ROOT, runs_for(chapter_harness.ROOT, session))}
    for language in edition_tools.editions(chapter_harness.ROOT):
        root = session / f"edition-{language}"
        with open(session / f"edition-{language}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (root / "done").exists():
                edition_tools.edition_course(chapter_harness.ROOT, root, language)
                (root / "done").write_text("")
        found[language] = (root, coursekit.SharedRuns(root, session / f"shared-runs-{language}"))
    return found


def runs_for(root, session) -> coursekit.SharedRuns:
    return coursekit.SharedRuns(root, session / "shared-runs")


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
