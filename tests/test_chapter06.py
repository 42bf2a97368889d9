"""Chapter 6's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples of the 002 and 004 articles with PyTorch's numbers (the sigmoid example where
`.data` gives a zero gradient and `detach()` raises, the `x * x` example where both give [2, 4],
`x += 1` under `no_grad`, and the `numpy()` error).
"""

from __future__ import annotations

from chapter_harness import assert_graph_drawn, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "06_detach_data_and_inplace"
pytestmark = only_if_released(CHAPTER)

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


def test_numpy_refuses_and_detach_numpy_works(solved):
    text = printed(solved, "x = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)\ntry:")
    assert text == ("RuntimeError: Can't call numpy() on Tensor that requires grad. "
                       "Use tensor.detach().numpy() instead.\n")
    assert printed(solved, "array = x.detach().numpy()") == "array([10., 20.])\n"


def test_inplace_under_no_grad_keeps_the_leaf(solved):
    text = printed(solved, "x = torch.tensor([2.0, 3.0], requires_grad=True)\nwith torch.no_grad():\n    x += 1\n    y = x * x")
    assert text == "tensor([3., 4.], requires_grad=True)\n1\nFalse\nTrue None\n"


def test_the_sigmoid_example_data_is_silently_wrong(solved):
    text = printed(solved, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x.sigmoid()\ny.data.zero_()")
    assert text.endswith("tensor([0., 0.])\n"), text


def test_the_sigmoid_example_detach_raises(solved):
    text = printed(solved, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x.sigmoid()\ny.detach().zero_()")
    assert ("[torch.FloatTensor [2]], which is output 0 of Sigmoid, is at version 1; expected "
            "version 0 instead.") in text, text


def test_the_square_example_gives_2_and_4_both_ways(solved):
    text = printed(solved, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * x\ny.data.zero_()")
    assert text.count("tensor([2., 4.])") == 2, text


def test_the_graphs_with_saved_tensors_are_drawn(solved):
    cells = [c for c in solved.cells if "show_saved=True" in c.source]
    assert len(cells) == 3
    for cell in cells:
        assert_graph_drawn(cell)
