"""What the chapters' own test files (tests/test_chapterNN.py) share.

A chapter's file names its `CHAPTER` and its `WRONG_ANSWERS`, imports the two generic tests
below (pytest collects them in that file, under that file's marks), and checks the worked
examples of its chapter with `printed`, `shown`, `assert_graph_drawn` and `assert_plotted` on
the `solved` notebook (the fixtures are in tests/conftest.py).

`WRONG_ANSWERS` maps each exercise to a wrong answer a student might write and the strings its
failure message must not show: `{exercise: (answer, secrets)}`. A chapter that tries several
wrong answers per exercise gives rounds instead, `{round: {exercise: (answer, secrets)}}`; each
round runs the release once (the visible tests) and the source reduced to its hidden tests once;
both must fail every wrong answer. Each exercise needs MIN_WRONG_ANSWERS of them, and two
different wrong answers to one exercise must get different messages.

The course root is this repository or $COURSE_ROOT, as for tests/test_chapters.py; a chapter that
is not released there is skipped (`only_if_released`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest

from course_tools import coursekit

ROOT = Path(os.environ.get("COURSE_ROOT", coursekit.REPO)).resolve()

WrongAnswers = dict[str, tuple[str, list[str]]]


def only_if_released(chapter: str) -> pytest.MarkDecorator:
    """A module mark: skip the chapter's checks in a course root that does not release it."""
    return pytest.mark.skipif(not coursekit.release_notebook(ROOT, chapter).exists(),
                              reason=f"{chapter} is not released in {ROOT}")


def rounds(wrong_answers: dict) -> dict[str, WrongAnswers]:
    """The wrong answers by round; a single round is called "only"."""
    first = next(iter(wrong_answers.values()))
    return wrong_answers if isinstance(first, dict) else {"only": wrong_answers}


def by_round(round_names: tuple, by_exercise: dict) -> dict[str, WrongAnswers]:
    """``{exercise: (answer in round 1, answer in round 2, ...)}`` turned into rounds."""
    return {name: {exercise: answers[index] for exercise, answers in by_exercise.items()}
            for index, name in enumerate(round_names)}


def wrong_answer_cases(wrong_answers: dict) -> list[tuple[str, str]]:
    """Every (round, exercise) pair, the parameters of the wrong-answer test."""
    return [(round_name, exercise) for round_name, answers in rounds(wrong_answers).items()
            for exercise in sorted(answers)]


def failures_by_round(chapter: str, wrong_answers: dict,
                      tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """For each round, what each test cell raised with that round's answers in place, in the
    release (the visible tests) and in the source reduced to its hidden tests:
    {round: {"visible" | "hidden": {test cell id: (exception name, message)}}}."""
    found = {}
    for round_name, answers in rounds(wrong_answers).items():
        workdir = tmp_path_factory.mktemp(f"wrong-{round_name}")
        sources = {name: answer for name, (answer, _) in answers.items()}
        found[round_name] = {
            "visible": coursekit.failure_messages(ROOT, chapter, sources, workdir),
            "hidden": coursekit.failure_messages(ROOT, chapter, sources, workdir, hidden=True)}
    return found


def code_cell(nb: nbformat.NotebookNode, first_lines: str) -> nbformat.NotebookNode:
    """The first code cell whose source starts with first_lines."""
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(first_lines)]
    assert cells, f"no code cell starting with {first_lines!r}"
    return cells[0]


def printed(nb: nbformat.NotebookNode, first_lines: str) -> str:
    """What that cell printed on stdout, its chunks joined (where the kernel splits a print
    depends on timing) and object addresses blanked to `0x...`. The cell must not have raised
    or written to stderr."""
    cell = code_cell(nb, first_lines)
    for output in cell.outputs:
        assert output.output_type != "error", (
            f"the cell starting with {first_lines!r} raised {output.ename}: {output.evalue}")
        assert not (output.output_type == "stream" and output.name == "stderr"), (
            f"the cell starting with {first_lines!r} wrote to stderr: {output.text}")
    text = "".join(o.text for o in cell.outputs
                   if o.output_type == "stream" and o.name == "stdout")
    return coursekit.ADDRESS.sub("0x...", text)


def shown(nb: nbformat.NotebookNode, first_lines: str) -> str:
    """What that cell printed, then the value of its last expression as text (a cell ending in
    `x.grad` shows the tensor without printing it)."""
    cell = code_cell(nb, first_lines)
    results = "".join(o.data.get("text/plain", "") + "\n" for o in cell.outputs
                      if o.output_type == "execute_result")
    return printed(nb, first_lines) + coursekit.ADDRESS.sub("0x...", results)


def _kinds(cell: nbformat.NotebookNode) -> set[str]:
    assert not any(o.output_type == "error" for o in cell.outputs), cell.outputs
    return {key for output in cell.outputs for key in output.get("data", {})}


def assert_graph_drawn(cell: nbformat.NotebookNode) -> None:
    """A `draw_graph` cell drew a picture (SVG), or its text fallback where Graphviz is
    missing."""
    expected = "image/svg+xml" if shutil.which("dot") else "text/html"
    assert expected in _kinds(cell), cell.outputs


def assert_stepped(cell: nbformat.NotebookNode) -> None:
    """A `step_backward` cell showed its step-through picture: the controls' root, the static
    strip of steps, and the graph (Graphviz's SVG, or boxes where Graphviz is missing)."""
    html = "".join("".join(output.get("data", {}).get("text/html", ""))
                   for output in cell.get("outputs", []))
    assert 'class="sb-root' in html and "sb-strip" in html, cell.outputs
    if shutil.which("dot"):
        assert "<svg" in html, "the step-through picture has no graph"


def assert_plotted(cell: nbformat.NotebookNode) -> None:
    """A matplotlib cell showed its figure."""
    assert "image/png" in _kinds(cell), cell.outputs


# Every exercise meets at least this many plausible wrong answers, one per round.
MIN_WRONG_ANSWERS = 3


def test_every_exercise_has_a_wrong_answer_here(request):
    module = request.module
    source = coursekit.read_notebook(coursekit.source_notebook(ROOT, module.CHAPTER))
    names = sorted(exercise.name for exercise in coursekit.exercises(source))
    by_round = rounds(module.WRONG_ANSWERS)
    for round_name, answers in by_round.items():
        assert names == sorted(answers), f"round {round_name!r}: {sorted(answers)} != {names}"
    assert len(by_round) >= MIN_WRONG_ANSWERS, (
        f"{len(by_round)} rounds of wrong answers; each exercise needs {MIN_WRONG_ANSWERS}")


def test_different_mistakes_get_different_messages(request, wrong_answer_failures):
    """Two different wrong answers to one exercise must not get the same message: the learner
    has to be able to tell which mistake they made."""
    by_round = rounds(request.module.WRONG_ANSWERS)
    for exercise in next(iter(by_round.values())):
        seen: dict[str, tuple[str, str]] = {}  # message -> (round, answer)
        for round_name, answers in by_round.items():
            answer = answers[exercise][0]
            message = wrong_answer_failures[round_name]["visible"].get(
                f"{exercise}_tests", ("nothing", ""))[1]
            earlier, earlier_answer = seen.setdefault(message, (round_name, answer))
            assert earlier_answer == answer, (
                f"{exercise}: rounds {earlier!r} and {round_name!r} are different mistakes "
                f"with the same message: {message}")


def test_a_wrong_answer_fails_with_a_helpful_message(request, wrong_answer,
                                                      wrong_answer_failures):
    round_name, exercise = wrong_answer
    _, secrets = rounds(request.module.WRONG_ANSWERS)[round_name][exercise]
    failures = wrong_answer_failures[round_name]
    ename, message = failures["visible"].get(f"{exercise}_tests", ("nothing", ""))
    assert ename == "AssertionError", f"{exercise}: the visible tests raised {ename}: {message}"
    assert "expected" in message.lower() and "Hint:" in message, message
    for secret in secrets:
        assert secret not in message, f"the message gives away {secret!r}: {message}"
    # The hidden tests must catch it on their own too (they guard other inputs, not only these).
    # Any error fails it there, but a NameError means they lean on a name the visible checks
    # compute: hidden tests are self-contained.
    ename, message = failures["hidden"].get(f"{exercise}_tests", ("nothing", ""))
    assert ename not in ("nothing", "NameError"), (
        f"{exercise}: the hidden tests alone raised {ename}: {message}")
