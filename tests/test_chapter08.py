"""Chapter 8's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises (the engine, the diamond, the freed graph) with PyTorch's numbers.
"""

from __future__ import annotations

from chapter_harness import assert_plotted, assert_stepped, by_round, code_cell, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "08_build_your_own_autograd"
pytestmark = only_if_released(CHAPTER)

# exercise -> (a wrong answer a student might write, strings its failure message must not show),
# in rounds: each round is run once through the release's visible tests and once through the
# source's hidden tests alone, and both must fail every answer of the round.

# --- ex1 sum_to_size ---
# sums over the added leading dimensions only, forgetting the stretched size-1 ones
SUM_LEADING_ONLY = (
    "def sum_to_size(grad, shape):\n"
    "    return grad.sum(axis=tuple(range(grad.ndim - len(shape))))",
    ["array([[", "[[12.]"],
)
# averages where it should add (the copies' gradients add up)
SUM_MEAN = (
    "def sum_to_size(grad, shape):\n"
    "    grad = grad.mean(axis=tuple(range(grad.ndim - len(shape))))\n"
    "    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)\n"
    "    return grad.mean(axis=stretched, keepdims=True)",
    ["np.sum(grad", "mean("],
)
# lines the shapes up from the left, summing the trailing dimensions away
SUM_TRAILING = (
    "def sum_to_size(grad, shape):\n"
    "    return np.sum(grad, axis=tuple(range(len(shape), grad.ndim)))",
    ["range(grad.ndim - len(shape))"],
)
# sums the stretched dimensions without keeping them as size 1
SUM_NO_KEEPDIMS = (
    "def sum_to_size(grad, shape):\n"
    "    grad = np.sum(grad, axis=tuple(range(grad.ndim - len(shape))))\n"
    "    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)\n"
    "    return np.sum(grad, axis=stretched)",
    ["keepdims=True)\n"],
)

# --- ex2 add ---
# a sign slip: treats b as if it were subtracted
ADD_SIGN = (
    "def add(a, b):\n"
    "    return Tensor(a.values + b.values,\n"
    "                  dependency=[(a, lambda grad: grad), (b, lambda grad: -grad)])",
    ["lambda grad: grad)]"],
)
# records only the first input
ADD_ONE_PARENT = (
    "def add(a, b):\n"
    "    return Tensor(a.values + b.values, dependency=[(a, lambda grad: grad)])",
    ["(b, lambda grad: grad)"],
)
# decides for itself that a result requires grad
ADD_ALWAYS_REQUIRES_GRAD = (
    "def add(a, b):\n"
    "    return Tensor(a.values + b.values, requires_grad=True,\n"
    "                  dependency=[(a, lambda grad: grad), (b, lambda grad: grad)])",
    ["Tensor(a.values + b.values, requires_grad"],
)
# sums the gradient to one number, as if the output were the loss
ADD_SUMS_GRAD = (
    "def add(a, b):\n"
    "    return Tensor(a.values + b.values,\n"
    "                  dependency=[(a, lambda grad: grad.sum()), (b, lambda grad: grad.sum())])",
    ["lambda grad: grad)"],
)

# --- ex3 mul ---
# multiplies each gradient by its own input instead of the other one
MUL_OWN_INPUT = (
    "def mul(a, b):\n"
    "    return Tensor(a.values * b.values, dependency=[\n"
    "        (a, lambda grad: grad * a.values), (b, lambda grad: grad * b.values)])",
    ["grad * b.values", "grad * a.values"],
)
# returns the local derivative, forgetting to multiply by the incoming gradient
MUL_NO_GRAD = (
    "def mul(a, b):\n"
    "    return Tensor(a.values * b.values, dependency=[\n"
    "        (a, lambda grad: b.values), (b, lambda grad: a.values)])",
    ["grad * b.values", "grad * a.values"],
)
# lists the pairs in the other order
MUL_ORDER = (
    "def mul(a, b):\n"
    "    return Tensor(a.values * b.values, dependency=[\n"
    "        (b, lambda grad: grad * a.values), (a, lambda grad: grad * b.values)])",
    ["[(a, lambda"],
)

# --- ex4 matmul ---
# forgets the transposes
MATMUL_NO_TRANSPOSE = (
    "def matmul(a, b):\n"
    "    return Tensor(a.values @ b.values, dependency=[\n"
    "        (a, lambda grad: grad @ b.values), (b, lambda grad: a.values @ grad)])",
    ["swapaxes", ".T"],
)
# puts the transposed factor on the wrong side
MATMUL_WRONG_SIDE = (
    "def matmul(a, b):\n"
    "    return Tensor(a.values @ b.values, dependency=[\n"
    "        (a, lambda grad: b.values.T @ grad), (b, lambda grad: grad @ a.values.T)])",
    ["grad @ np.swapaxes", "swapaxes(a.values"],
)
# copies mul's rule to a matrix product
MATMUL_ELEMENTWISE = (
    "def matmul(a, b):\n"
    "    return Tensor(a.values @ b.values, dependency=[\n"
    "        (a, lambda grad: grad * b.values), (b, lambda grad: grad * a.values)])",
    ["swapaxes", ".T"],
)

# --- ex5 tensor_sum ---
# passes the one-number gradient on without giving it a's shape
SUM_SCALAR_GRAD = (
    "def tensor_sum(a):\n"
    "    return Tensor(a.values.sum(), dependency=[(a, lambda grad: grad)])",
    ["ones_like", "broadcast_to"],
)
# the right shape, but forgets the incoming gradient
SUM_ONES = (
    "def tensor_sum(a):\n"
    "    return Tensor(a.values.sum(), dependency=[(a, lambda grad: np.ones_like(a.values))])",
    ["grad * np.ones_like"],
)
# keeps the summed dimensions: a (1, 1) result where a.sum() has shape ()
SUM_KEEPDIMS = (
    "def tensor_sum(a):\n"
    "    return Tensor(a.values.sum(keepdims=True),\n"
    "                  dependency=[(a, lambda grad: grad * np.ones_like(a.values))])",
    ["a.values.sum()"],
)

# --- ex6 naive diamond (a prediction) ---
NAIVE_TRUE_DERIVATIVE = ("naive_a_grad = 4.0", ["6"])         # the true derivative
NAIVE_DOUBLED = ("naive_a_grad = 8.0", ["6"])                 # every path counted twice over
NAIVE_FIRST_VISIT = ("naive_a_grad = 2.0", ["6"])             # only b's first visit counted

# --- ex7 topological_order ---
# pre-order depth first: appends a tensor when first popped, and never reverses
TOPO_PREORDER = (
    "def topological_order(root):\n"
    "    order, seen, stack = [], set(), [root]\n"
    "    while stack:\n"
    "        node = stack.pop()\n"
    "        if node in seen:\n"
    "            continue\n"
    "        seen.add(node)\n"
    "        order.append(node)\n"
    "        stack.extend(parent for parent, _ in node.dependency)\n"
    "    return order",
    ["reverse()", "expanded"],
)
# breadth first: the order in which the tensors are discovered
TOPO_BREADTH_FIRST = (
    "def topological_order(root):\n"
    "    order, seen, queue = [root], {root}, [root]\n"
    "    while queue:\n"
    "        node = queue.pop(0)\n"
    "        for parent, _ in node.dependency:\n"
    "            if parent not in seen:\n"
    "                seen.add(parent)\n"
    "                order.append(parent)\n"
    "                queue.append(parent)\n"
    "    return order",
    ["reverse()", "expanded"],
)
# right order, but recursive: dies on the deep chain
TOPO_RECURSIVE = (
    "def topological_order(root):\n"
    "    order, seen = [], set()\n"
    "    def visit(node):\n"
    "        if node in seen:\n"
    "            return\n"
    "        seen.add(node)\n"
    "        for parent, _ in node.dependency:\n"
    "            visit(parent)\n"
    "        order.append(node)\n"
    "    visit(root)\n"
    "    return order[::-1]",
    ["(node, True)", "expanded"],
)
# the finishing order, never reversed: the leaves first
TOPO_NOT_REVERSED = (
    "def topological_order(root):\n"
    "    finished, visited, stack = [], set(), [(root, False)]\n"
    "    while stack:\n"
    "        node, expanded = stack.pop()\n"
    "        if expanded:\n"
    "            finished.append(node)\n"
    "        elif node not in visited:\n"
    "            visited.add(node)\n"
    "            stack.append((node, True))\n"
    "            stack.extend((parent, False) for parent, _ in node.dependency)\n"
    "    return finished",
    ["finished.reverse()", "[::-1]"],
)

# --- ex8 run_backward ---
# counts a tensor's dependency once, when first discovered, not once per edge (issue 18);
# then `PER_NODE` with a LIFO ready list, and the same with a FIFO one
PER_NODE = (
    "def run_backward(root, gradient, retain_graph=False):\n"
    "    pending, stack = {}, [root]\n"
    "    while stack:\n"
    "        node = stack.pop()\n"
    "        for parent, _ in node.dependency:\n"
    "            if parent not in pending:\n"
    "                pending[parent] = 1\n"
    "                stack.append(parent)\n"
    "    grads, ready = {root: gradient}, [root]\n"
    "    while ready:\n"
    "        node = ready.pop({end})\n"
    "        grad = grads.pop(node)\n"
    "        if node.is_leaf:\n"
    "            if node.requires_grad:\n"
    "                node.grad = grad if node.grad is None else node.grad + grad\n"
    "            continue\n"
    "        for parent, grad_fn in node.dependency:\n"
    "            contribution = unbroadcast(grad_fn(grad), parent.shape)\n"
    "            grads[parent] = grads[parent] + contribution if parent in grads else contribution\n"
    "            pending[parent] -= 1\n"
    "            if pending[parent] == 0:\n"
    "                ready.append(parent)\n"
    "        if not retain_graph:\n"
    "            node.dependency = [(parent, freed) for parent, _ in node.dependency]"
)
RUN_PER_NODE_LIFO = (PER_NODE.replace("{end}", ""), ["pending.get(parent, 0) + 1"])
RUN_PER_NODE_FIFO = (PER_NODE.replace("{end}", "0"), ["pending.get(parent, 0) + 1"])
# correct sums along every path, but recursive and never frees the graph
RUN_RECURSIVE = (
    "def run_backward(root, gradient, retain_graph=False):\n"
    "    def visit(node, grad):\n"
    "        if node.is_leaf:\n"
    "            node.grad = grad if node.grad is None else node.grad + grad\n"
    "            return\n"
    "        for parent, grad_fn in node.dependency:\n"
    "            visit(parent, unbroadcast(grad_fn(grad), parent.shape))\n"
    "    visit(root, gradient)",
    ["pending", "ready.append"],
)
# the engine of the solution, but a leaf's .grad is overwritten instead of accumulated
RUN_OVERWRITES = (
    PER_NODE.replace("{end}", "")
    .replace("            if parent not in pending:\n"
             "                pending[parent] = 1\n"
             "                stack.append(parent)\n",
             "            if parent not in pending:\n"
             "                stack.append(parent)\n"
             "            pending[parent] = pending.get(parent, 0) + 1\n")
    .replace("node.grad = grad if node.grad is None else node.grad + grad",
             "node.grad = grad"),
    ["node.grad + grad"],
)

# --- ex9 take (the transfer exercise) ---
# writes each picked row's gradient into place: a row picked twice keeps only the last one
TAKE_ASSIGNS = (
    "def take(a, index):\n"
    "    def grad_fn(grad):\n"
    "        full = np.zeros_like(a.values)\n"
    "        full[index] = grad\n"
    "        return full\n"
    "    return Tensor(a.values[index], dependency=[(a, grad_fn)])",
    ["add.at", "np.add"],
)
# hands the gradient back at the result's shape, as if nothing had been picked
TAKE_PASSES_GRAD = (
    "def take(a, index):\n"
    "    return Tensor(a.values[index], dependency=[(a, lambda grad: grad)])",
    ["add.at", "zeros_like"],
)
# picks the rows but records nothing
TAKE_NO_DEPENDENCY = (
    "def take(a, index):\n"
    "    return Tensor(a.values[index], requires_grad=a.requires_grad)",
    ["add.at", "zeros_like"],
)
# marks the picked rows with ones, forgetting the incoming gradient
TAKE_ONES = (
    "def take(a, index):\n"
    "    def grad_fn(grad):\n"
    "        full = np.zeros_like(a.values)\n"
    "        full[index] = 1.0\n"
    "        return full\n"
    "    return Tensor(a.values[index], dependency=[(a, grad_fn)])",
    ["add.at", "np.add"],
)

# exercise -> its wrong answers in the rounds "first", "second", "third", "fourth"
WRONG_ANSWERS = by_round(("first", "second", "third", "fourth"), {
    "ex1_sum_to_size": (SUM_LEADING_ONLY, SUM_MEAN, SUM_TRAILING, SUM_NO_KEEPDIMS),
    "ex2_add": (ADD_SIGN, ADD_ONE_PARENT, ADD_ALWAYS_REQUIRES_GRAD, ADD_SUMS_GRAD),
    "ex3_mul": (MUL_OWN_INPUT, MUL_NO_GRAD, MUL_ORDER, MUL_OWN_INPUT),
    "ex4_matmul": (MATMUL_NO_TRANSPOSE, MATMUL_WRONG_SIDE, MATMUL_ELEMENTWISE, MATMUL_NO_TRANSPOSE),
    "ex5_sum": (SUM_SCALAR_GRAD, SUM_ONES, SUM_KEEPDIMS, SUM_SCALAR_GRAD),
    "ex6_naive_diamond": (NAIVE_TRUE_DERIVATIVE, NAIVE_DOUBLED, NAIVE_FIRST_VISIT, NAIVE_TRUE_DERIVATIVE),
    "ex7_topological_order": (TOPO_PREORDER, TOPO_BREADTH_FIRST, TOPO_RECURSIVE, TOPO_NOT_REVERSED),
    "ex8_run_backward": (RUN_PER_NODE_LIFO, RUN_PER_NODE_FIFO, RUN_RECURSIVE, RUN_OVERWRITES),
    "ex9_take": (TAKE_ASSIGNS, TAKE_PASSES_GRAD, TAKE_NO_DEPENDENCY, TAKE_ONES),
})


def test_the_line_example_gives_3_not_2(solved):
    assert printed(solved, "x = torch.tensor(3.0)\nw = torch.tensor(2.0, requires_grad=True)\n"
                           "b = torch.tensor(1.0, requires_grad=True)\ny = x * w + b\nprint(y)") == (
        "tensor(7., grad_fn=<AddBackward0>)\nNone tensor(3.) tensor(1.)\n")


def test_un_broadcasting_is_pictured(solved):
    assert_plotted(code_cell(solved, "import matplotlib.pyplot as plt\n\nincoming ="))


def test_un_broadcasting_can_be_watched_step_by_step(solved):
    assert_stepped(next(c for c in solved.cells if "step_backward(out, torch.ones(3, 4)" in c.source))


def test_the_naive_walk_gives_6_on_the_diamond_and_pytorch_4(solved):
    assert printed(solved, "print(a.grad)                        # what naive") == "6.0\ntensor(4.)\n"


def test_the_engine_is_watched_on_the_diamond_before_the_exercise(solved):
    cells = solved.cells
    stepped = next(i for i, c in enumerate(cells) if "step_backward(tb + tb" in c.source)
    assert_stepped(cells[stepped])
    exercise = next(i for i, c in enumerate(cells)
                    if c.metadata.get("nbgrader", {}).get("grade_id") == "ex8_run_backward")
    assert stepped < exercise


def test_your_engine_gives_the_worked_examples_and_says_what_they_should_be(solved):
    text = printed(solved, "def backward_with_fallback(")
    assert text == ("diamond: a.grad = 4.0 (should be 4.0)\n"
                    "x1.grad = [50. 80.], x2.grad = [ 70. 100.] (should be [50. 80.] and [ 70. 100.])\n"
                    "line: None 3.0 1.0 None (should be None 3.0 1.0 None)\n"), text


def test_the_graph_is_freed_after_backward(solved):
    text = printed(solved, "try:\n    y.backward()\n    print(\"No error")
    assert text.startswith("RuntimeError: Trying to backward through the graph a second")


def test_the_network_gets_autograd_cores_gradients_and_learns_without_a_spike(solved):
    compared = printed(solved, "params = {name: Tensor(value, requires_grad=True) for name, value "
                               "in start.items()}\nx, y = Tensor(inputs)")
    assert compared.count("same as autograd_core: True") == 4 and "x.grad: None" in compared
    trained = printed(solved, "params = {name: Tensor(value, requires_grad=True) for name, value "
                              "in start.items()}\nlosses = []")
    lines = trained.splitlines()
    assert lines[-1] == "lower at every step: True", trained
    losses = [float(line.split()[-1]) for line in lines[:-1]]
    assert losses[0] > 1.0 and losses[-1] < 0.03, losses
