"""Chapter 1's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises, with PyTorch's numbers.
"""

from __future__ import annotations

import shutil

import pytest

from course_tools import coursekit

CHAPTER = "01_tensors_and_leaves"
ROOT = coursekit.REPO

# exercise -> (a wrong answer a student might write, strings its failure message must not show)
WRONG_ANSWERS = {
    # forgets that a sum of something that requires grad requires grad
    "ex1_requires_grad": ('requires_grad_names = {"q", "s"}', ["'t'", "{'q', 's', 't'}"]),
    # thinks only tensors you typed in are leaves
    "ex2_leaves": ('leaf_names = {"p", "q"}', ["'r'", "'u'", "['p', 'q', 'r', 'u']"]),
    # gets the derivative of 2*b**3 wrong by hand instead of asking autograd
    "ex3_grads_of": (
        "def grads_of(a_value, b_value):\n    return float(2 * a_value), float(6 * b_value)",
        ["(2.0, 6.0)"],
    ),
    # the source article's mistake, and a zero for the data
    "ex4_line_grads": ('predicted_grads = {"x": 0.0, "w": 2.0, "b": 1.0}', ["3.0", "None"]),
    # forgets leaves and retain_grad()
    "ex5_gets_grad": ("def gets_grad(tensor):\n    return tensor.requires_grad",
                      ["is_leaf", "retains_grad"]),
    # turns the kept ones on but never freezes the others
    "ex6_freeze": (
        "def freeze(params, keep):\n    for name in keep:\n"
        "        params[name].requires_grad_(True)",
        ["name in keep"],
    ),
}


@pytest.fixture(scope="module")
def wrong_answer_failures(tmp_path_factory) -> dict[str, tuple[str, str]]:
    answers = {name: answer for name, (answer, _) in WRONG_ANSWERS.items()}
    workdir = tmp_path_factory.mktemp("wrong")
    return coursekit.failure_messages(ROOT, CHAPTER, answers, workdir)


def test_every_exercise_has_a_wrong_answer_here():
    source = coursekit.read_notebook(coursekit.source_notebook(ROOT, CHAPTER))
    assert sorted(e.name for e in coursekit.exercises(source)) == sorted(WRONG_ANSWERS)


@pytest.mark.parametrize("exercise", sorted(WRONG_ANSWERS))
def test_a_wrong_answer_fails_with_a_helpful_message(exercise, wrong_answer_failures):
    ename, message = wrong_answer_failures.get(f"{exercise}_tests", ("nothing", ""))
    assert ename == "AssertionError", f"{exercise}: {ename}: {message}"
    assert "expected" in message.lower() and "Hint:" in message, message
    for secret in WRONG_ANSWERS[exercise][1]:
        assert secret not in message, f"the message gives away {secret!r}: {message}"


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """The source notebook, run top to bottom; outputs by cell."""
    path = coursekit.source_notebook(ROOT, CHAPTER)
    folder = tmp_path_factory.mktemp("solved")
    shutil.copytree(path.parent, folder, dirs_exist_ok=True)
    return coursekit.execute(coursekit.read_notebook(path), folder)


def outputs(nb, first_line: str) -> str:
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(first_line)]
    assert cells, f"no code cell starting with {first_line!r}"
    return coursekit.text_outputs(cells[0])


def test_the_first_backward_gives_4_and_96(solved):
    printed = outputs(solved, "y.backward()\nprint(a.grad)")
    assert printed == "[stdout] tensor([4.])\ntensor([96.])\n"


def test_the_mean_example_gives_4_5(solved):
    assert "4.5000" in outputs(solved, "out.backward()\nx.grad")


def test_the_line_example_gives_3_not_2(solved):
    assert outputs(solved, "y.backward()\nprint(x.grad, w.grad, b.grad)") == (
        "[stdout] None tensor(3.) tensor(1.)\n")


def test_retain_grad_keeps_an_intermediate_gradient(solved):
    first_lines = "x = torch.ones(2, 2, requires_grad=True)\ny = x + 2\ny.retain_grad()"
    printed = outputs(solved, first_lines)
    assert printed.startswith("[stdout] True True\ntensor([[0.2500, 0.2500],")


def test_the_graph_is_drawn(solved):
    cell = next(c for c in solved.cells if "draw_graph(y" in c.source)
    assert not any(o.output_type == "error" for o in cell.outputs), cell.outputs
    kinds = {key for o in cell.outputs for key in o.get("data", {})}
    if shutil.which("dot"):
        assert "image/svg+xml" in kinds
    else:
        assert "text/html" in kinds  # the text fallback
