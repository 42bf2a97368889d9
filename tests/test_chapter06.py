"""Chapter 6's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples of the 002 and 004 articles with PyTorch's numbers (the sigmoid example where
`.data` gives a zero gradient and `detach()` raises, the `x * x` example where both give [2, 4],
`x += 1` under `no_grad`, and the `numpy()` error).
"""

from __future__ import annotations

import shutil

import pytest

from course_tools import coursekit

CHAPTER = "06_detach_data_and_inplace"
ROOT = coursekit.REPO

# exercise -> (a wrong answer a student might write, strings its failure message must not show)
WRONG_ANSWERS = {
    # sees the leaf error only, and misses the saved outputs of exp and relu
    "ex1_will_raise": ('will_raise = {"A", "F"}', ["'C'", "'G'", "{'A', 'C', 'F', 'G'}"]),
    # the true derivative of tanh, as if .data had changed nothing
    "ex2_tanh_data": ("predicted_tanh_grad = [0.7864, 0.42]", ["0.75"]),
    # thinks .data shares the version counter, as detach() does
    "ex3_versions": ("predicted_versions = (3, 3, 3, 0)", ["(2, 2, 1, 0)", "2, 2, 1"]),
    # ignores every detach()
    "ex4_predict_grads": ('predicted_grads = {"a": 234.0, "b": 168.0, "c": 36.0, "d": 54.0}',
                          ["117", "78", "None"]),
    # rounds, and loses the gradient
    "ex5_straight_through": ("def straight_through_round(x):\n    return x.round()",
                             ["(x.round() - x).detach()"]),
    # forgets to switch recording off
    "ex6_ema_update": (
        "def ema_update_(target_params, online_params, decay):\n"
        "    for target, online in zip(target_params, online_params):\n"
        "        target.mul_(decay).add_(online * (1 - decay))",
        ["no_grad"],
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
def solved(runs):
    """The source notebook, run top to bottom; outputs by cell. It is the session's one
    solution run (conftest.py), which tests/test_chapters.py checks too."""
    return runs.solution(CHAPTER).notebook


def outputs(nb, first_lines: str) -> str:
    """The text outputs of the first code cell that starts with first_lines, one stream."""
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(first_lines)]
    assert cells, f"no code cell starting with {first_lines!r}"
    # Stream chunks may arrive split; join them so that the comparison does not depend on timing.
    return "".join(o.get("text", "") for o in cells[0].outputs if o.output_type == "stream")


def test_numpy_refuses_and_detach_numpy_works(solved):
    printed = outputs(solved, "x = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)\ntry:")
    assert printed == ("RuntimeError: Can't call numpy() on Tensor that requires grad. "
                       "Use tensor.detach().numpy() instead.\n")
    assert outputs(solved, "array = x.detach().numpy()") == "array([10., 20.])\n"


def test_inplace_under_no_grad_keeps_the_leaf(solved):
    printed = outputs(solved, "x = torch.tensor([2.0, 3.0], requires_grad=True)\nwith torch.no_grad():\n    x += 1\n    y = x * x")
    assert printed == "tensor([3., 4.], requires_grad=True)\n1\nFalse\nTrue None\n"


def test_the_sigmoid_example_data_is_silently_wrong(solved):
    printed = outputs(solved, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x.sigmoid()\ny.data.zero_()")
    assert printed.endswith("tensor([0., 0.])\n"), printed


def test_the_sigmoid_example_detach_raises(solved):
    printed = outputs(solved, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x.sigmoid()\ny.detach().zero_()")
    assert ("[torch.FloatTensor [2]], which is output 0 of Sigmoid, is at version 1; expected "
            "version 0 instead.") in printed, printed


def test_the_square_example_gives_2_and_4_both_ways(solved):
    printed = outputs(solved, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * x\ny.data.zero_()")
    assert printed.count("tensor([2., 4.])") == 2, printed


def test_the_graphs_with_saved_tensors_are_drawn(solved):
    cells = [c for c in solved.cells if "show_saved=True" in c.source]
    assert len(cells) == 3
    for cell in cells:
        assert not any(o.output_type == "error" for o in cell.outputs), cell.outputs
        kinds = {key for o in cell.outputs for key in o.get("data", {})}
        if shutil.which("dot"):
            assert "image/svg+xml" in kinds
        else:
            assert "text/html" in kinds  # the text fallback
