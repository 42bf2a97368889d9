"""Chapter 3's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises, with PyTorch's numbers.
"""

from __future__ import annotations

from chapter_harness import (assert_graph_drawn, assert_plotted, assert_stepped,
                            only_if_released, printed)
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "03_backward_and_the_chain_rule"
pytestmark = only_if_released(CHAPTER)

Q_FUNCTION = """
class QFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return 3 * a ** 3 - b ** 2

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return {backward}
"""

HYPOT = """
class Hypot(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        h = (a ** 2 + b ** 2).sqrt()
        ctx.save_for_backward(a, b, h)
        return h

    @staticmethod
    def backward(ctx, grad_output):
        a, b, h = ctx.saved_tensors
        return {backward}
"""

# Rounds of wrong answers; in each, exercise -> (a wrong answer a student might write,
# strings its failure message must not show).
WRONG_ANSWERS = {
    "first": {
        # forgets grad_output: right when it is 1, wrong for gradcheck's one-hot vectors
        "ex1_q_function": (Q_FUNCTION.format(backward="9 * a ** 2, -2 * b"),
                           ["grad_output * 9", "9 * a ** 2 * grad_output"]),
        # forgets grad_output too: the local derivatives alone
        "ex2_hypot": (HYPOT.format(backward="a / h, b / h"), ["grad_output * a / h"]),
        # thinks the second pass through additions replaces .grad
        "ex3_predict_second_backward": ('predicted_s = [2.0, 2.0]\npredicted_m = "error"',
                                        ["[4.0, 4.0]", "4.0"]),
        # thinks backward() overwrites .grad
        "ex4_predict_accumulation": (
            "predicted_loop = [20.0, 20.0, 20.0]\npredicted_g = 300.0\npredicted_h = 300.0",
            ["40", "60", "[20.0, 40.0, 60.0]"]),
    },
    "second": {
        # the two gradients in the wrong order
        "ex1_q_function": (Q_FUNCTION.format(
            backward="grad_output * -2 * b, grad_output * 9 * a ** 2"), ["grad_output * 9 * a"]),
        # differentiates a ** 2 + b ** 2 and forgets the square root around it
        "ex2_hypot": (HYPOT.format(backward="grad_output * 2 * a, grad_output * 2 * b"),
                      ["a / h"]),
        # thinks every second backward() raises
        "ex3_predict_second_backward": ('predicted_s = "error"\npredicted_m = "error"',
                                        ["[4.0, 4.0]", "4.0"]),
        # forgets the backward() that runs after the zeroing in (B)
        "ex4_predict_accumulation": (
            "predicted_loop = [20.0, 40.0, 60.0]\npredicted_g = 0.0\npredicted_h = 300.0",
            ["300"]),
    },
    "third": {
        # drops the factor 3 of 3 * a ** 3
        "ex1_q_function": (Q_FUNCTION.format(
            backward="grad_output * 3 * a ** 2, grad_output * -2 * b"), ["9 * a"]),
        # the derivative of the square root alone, not times the inside's derivative
        "ex2_hypot": (HYPOT.format(backward="grad_output * 0.5 / h, grad_output * 0.5 / h"),
                      ["a / h"]),
        # thinks a graph with a multiplication also goes through again, and adds
        "ex3_predict_second_backward": ("predicted_s = [4.0, 4.0]\npredicted_m = [4.0, 8.0]",
                                        ['"error"', "raises"]),
        # thinks g was copied before the zeroing
        "ex4_predict_accumulation": (
            "predicted_loop = [20.0, 40.0, 60.0]\npredicted_g = 60.0\npredicted_h = 300.0",
            ["300"]),
    },
    "fourth": {
        # loses the minus sign of -b ** 2
        "ex1_q_function": (Q_FUNCTION.format(
            backward="grad_output * 9 * a ** 2, grad_output * 2 * b"), ["-2 * b"]),
        # one gradient for the two inputs
        "ex2_hypot": (HYPOT.format(backward="grad_output * a / h"), ["b / h"]),
        # thinks a second pass through a multiplication replaces .grad
        "ex3_predict_second_backward": ("predicted_s = [4.0, 4.0]\npredicted_m = [2.0, 4.0]",
                                        ['"error"', "raises"]),
        # thinks x.grad = None leaves the next gradient to be added into h
        "ex4_predict_accumulation": (
            "predicted_loop = [20.0, 40.0, 60.0]\npredicted_g = 300.0\npredicted_h = 600.0",
            ["300"]),
    },
}


def test_no_cell_fails_or_writes_to_stderr(solved):
    for cell in solved.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", (cell.source[:80], output.get("evalue"))
            assert output.get("name") != "stderr", (cell.source[:80], output.get("text"))


def test_article_000_gives_4_and_96(solved):
    text = printed(solved, "a = torch.tensor([2.], requires_grad=True)")
    assert text == "tensor([132.], grad_fn=<AddBackward0>)\ntensor([4.]) tensor([96.])\n"


def test_the_walk_by_hand_gives_4_and_96(solved):
    text = printed(solved, "grad_y = torch.ones_like(y)")
    assert "(tensor([4.]),)" in text and "(tensor([96.]),)" in text


def test_article_001_gives_4_5_and_two_gradients_of_2_25(solved):
    assert "4.5000" in printed(solved, "out.backward()\nprint(x.grad)")
    walk = printed(solved, "y = x + 2\nz = y * y * 3\nout = z.mean()\n\nmean_node")
    assert "2.2500" in walk and "4.5000" in walk and "True" in walk


def test_article_002_float64_examples(solved):
    assert printed(solved, "x = torch.tensor(10, requires_grad=True, dtype=torch.float64)\n"
                           "f = x ** 2 + 20") == (
        "tensor(120., dtype=torch.float64, grad_fn=<AddBackward0>)\n"
        "tensor(20., dtype=torch.float64)\n")
    assert printed(solved, "y2.backward()") == (
        "tensor([50., 80.], dtype=torch.float64)\n"
        "tensor([ 70., 100.], dtype=torch.float64)\n"
        "tensor([[1300.],\n        [2800.]], dtype=torch.float64)\n")


def test_a_second_backward_accumulates_or_raises(solved):
    text = printed(solved, "s.backward()\nprint(xs.grad)")
    assert text.startswith("tensor([4., 4.])\nRuntimeError: Trying to backward through the "
                              "graph a second time")
    assert printed(solved, "xm = torch.tensor([1., 2.], requires_grad=True)\nm = (xm * xm).sum()\n"
                           "m.backward(retain_graph=True)") == "tensor([4., 8.])\n"


def test_the_zero_grad_loop_of_article_002(solved):
    cells = [c for c in solved.cells if c.cell_type == "code"
             and c.source.startswith("x = torch.tensor(10, requires_grad=True, dtype=torch.float64)\n"
                                     "for _ in range(3):")]
    assert len(cells) == 2
    accumulating, zeroing = (printed(solved, c.source) for c in cells)
    assert [line.split("(")[1].split(",")[0] for line in accumulating.splitlines()] == ["20.", "40.", "60."]
    assert [line.split("(")[1].split(",")[0] for line in zeroing.splitlines()] == ["20.", "20.", "20."]


def test_a_custom_function_node_runs_through_apply(solved):
    assert printed(solved, "class MulAdd") == (
        "tensor(7., grad_fn=<MulAddBackward>)\n"
        "((None, 0), (<AccumulateGrad object at 0x...>, 0), (<AccumulateGrad object at 0x...>, 0))\n"
        "(tensor(2.), tensor(3.), tensor(1.))\n"
        "tensor(3.) tensor(1.)\n")


def test_gradcheck_accepts_muladd_and_rejects_badcube(solved):
    assert printed(solved, "x64 = torch.tensor") == "True\n"
    assert "analytical:tensor([[3., 0., 0.],\n        [0., 6., 0.]," in printed(
        solved, "class BadCube")


def test_the_pictures_are_drawn(solved):
    cells = [c for c in solved.cells if "draw_graph(" in c.source or "plot_function(" in c.source]
    assert len(cells) == 5
    for cell in cells:
        if "plot_function(" in cell.source:
            assert_plotted(cell)
        else:
            assert_graph_drawn(cell)


def test_the_engine_can_be_watched_step_by_step(solved):
    assert_stepped(next(c for c in solved.cells if "step_backward(y, params" in c.source))


def test_two_pieces_add_up_to_the_whole_batch(solved):
    assert printed(solved, "data_x = torch.linspace(-1, 1, 8)") == (
        "tensor(-2.1429) tensor(-2.1429) True\n")
