"""Chapter 2's own checks (tests/test_chapters.py runs the generic ones).

Plausible wrong answers to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises, with PyTorch's numbers.
"""

from __future__ import annotations

from chapter_harness import assert_graph_drawn, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "02_computational_graph"
pytestmark = only_if_released(CHAPTER)

LEAVES_WITHOUT_SEEN = '''
def graph_leaves(tensor):
    leaves, stack = [], [tensor.grad_fn] if tensor.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if type(node).__name__ == "AccumulateGrad":
            leaves.append(node.variable)
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return leaves
'''

RECURSIVE_LEAVES = '''
def graph_leaves(tensor):
    leaves, seen = [], set()

    def visit(node):
        if node is None or node in seen:
            return
        seen.add(node)
        if type(node).__name__ == "AccumulateGrad":
            leaves.append(node.variable)
        for child, _ in node.next_functions:
            visit(child)

    visit(tensor.grad_fn)
    return leaves
'''


def _walk(collect: str = "leaves.append(node.variable)",
          follow: str = "child is not None and child not in seen") -> str:
    """The solution's walk over the graph (a stack and a set of the nodes seen), with one of its
    steps changed."""
    return ("def graph_leaves(tensor):\n"
            "    if tensor.grad_fn is None:\n"
            "        return []\n"
            "    leaves, seen, stack = [], {tensor.grad_fn}, [tensor.grad_fn]\n"
            "    while stack:\n"
            "        node = stack.pop()\n"
            "        if type(node).__name__ == \"AccumulateGrad\":\n"
            f"            {collect}\n"
            "        for child, _ in node.next_functions:\n"
            f"            if {follow}:\n"
            "                seen.add(child)\n"
            "                stack.append(child)\n"
            "    return leaves\n")


# Rounds of wrong answers; in each, exercise -> (a wrong answer a student might write,
# strings its failure message must not show).
WRONG_ANSWERS = {
    "first": {
        # forgets the multiplication by 3
        "ex1_q_graph": ('q_root = "SubBackward0"\nq_children = ["PowBackward0", "PowBackward0"]',
                        ["MulBackward0"]),
        # one AccumulateGrad node per use of x
        "ex2_node_count": ("n_shared = 4\nn_repeated = 7", ["6"]),
        # stops one halving early
        "ex3_dynamic_graph": ("divisions = (2, 0)\nfirst_grad = [0.25, 0.25]", ["(3, 0)", "0.125"]),
        # a leaf reached three times is listed three times
        "ex4_graph_leaves": (LEAVES_WITHOUT_SEEN, ["seen = "]),
    },
    "second": {
        # reads `-` as an addition
        "ex1_q_graph": ('q_root = "AddBackward0"\nq_children = ["MulBackward0", "PowBackward0"]',
                        ["SubBackward0"]),
        # counts the constant 1 as a node
        "ex2_node_count": ("n_shared = 5\nn_repeated = 6", ["4"]),
        # right count, but forgets the chain rule through the halvings
        "ex3_dynamic_graph": ("divisions = (3, 0)\nfirst_grad = [1.0, 1.0]", ["0.125"]),
        # right on small graphs, blows the recursion limit on deep ones
        "ex4_graph_leaves": (RECURSIVE_LEAVES, ["deque(", "stack = ["]),
    },
    "third": {
        # the right children in the wrong order
        "ex1_q_graph": ('q_root = "SubBackward0"\nq_children = ["PowBackward0", "MulBackward0"]',
                        ["['MulBackward0', 'PowBackward0']"]),
        # thinks the same formula gives the same graph
        "ex2_node_count": ("n_shared = 4\nn_repeated = 4", ["6"]),
        # thinks a while loop runs its body once before testing
        "ex3_dynamic_graph": ("divisions = (3, 1)\nfirst_grad = [0.125, 0.125]", ["(3, 0)"]),
        # does not skip the (None, 0) of an input that needs no gradient
        "ex4_graph_leaves": (_walk(follow="child not in seen"), ["child is not None"]),
    },
    "fourth": {
        # names the operations in the order they are written, not the order they run
        "ex1_q_graph": ('q_root = "MulBackward0"\nq_children = ["PowBackward0", "SubBackward0"]',
                        ["SubBackward0\"", "['MulBackward0', 'PowBackward0']"]),
        # forgets the AccumulateGrad node
        "ex2_node_count": ("n_shared = 3\nn_repeated = 5", ["4", "6"]),
        # gives the negative entry a negative gradient (the sign of x, not of the derivative)
        "ex3_dynamic_graph": ("divisions = (3, 0)\nfirst_grad = [0.125, -0.125]", ["[0.125, 0.125]"]),
        # returns the AccumulateGrad nodes, not the leaves
        "ex4_graph_leaves": (_walk(collect="leaves.append(node)"), [".variable)"]),
    },
}


def test_y_is_made_by_an_add_node(solved):
    assert printed(solved, "y = x + 2") == (
        "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)\n")
    assert printed(solved, "print(y.grad_fn)") == "<AddBackward0 object at 0x...>\nNone\n"


def test_z_and_out_are_27(solved):
    assert printed(solved, "z = y * y * 3") == (
        "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) "
        "tensor(27., grad_fn=<MeanBackward0>)\n")


def test_q_and_its_gradients(solved):
    assert printed(solved, "Q.sum().backward()") == (
        "tensor([36., 81.]) tensor([-12.,  -8.])\ntensor([True, True])\ntensor([True, True])\n")


def test_the_line_example_gives_3_for_w(solved):
    table = printed(solved, "import warnings\n\nx = torch.tensor(3.)")
    assert "w     tensor(2.)   True           True     None          tensor(3.)" in table


def test_shrink_halves_three_times(solved):
    assert printed(solved, "big = torch.tensor([3., -5.], requires_grad=True)\nshrink(big)") == (
        "tensor([0.1250, 0.1250])\n")


def test_built_in_nodes_are_not_functions(solved):
    assert printed(solved, "print(type(y.grad_fn).__name__, isinstance") == "AddBackward0 False\n"


def test_the_loop_test_records_a_node_with_no_path_to_the_output(solved):
    assert printed(solved, "y = torch.tensor([3., -5.], requires_grad=True) / 2") == (
        "<MaxBackward1 object at 0x...> False\n")


def test_the_graphs_are_drawn(solved):
    cells = [c for c in solved.cells if "viz.draw_graph(" in c.source]
    assert len(cells) == 4
    for cell in cells:
        assert_graph_drawn(cell)
