"""Fixtures of the chapters' own test files (see tests/chapter_harness.py).

They read `CHAPTER` and `WRONG_ANSWERS` from the test file that asks for them, and run each
notebook once per file (module scope).
"""

from __future__ import annotations

import pytest

import chapter_harness


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
def solved(request, tmp_path_factory):
    """The chapter's source notebook, run top to bottom."""
    return chapter_harness.run_solved(request.module.CHAPTER, tmp_path_factory.mktemp("solved"))
