# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 2: The computational graph and `grad_fn`
#
# Chapter 1 showed that autograd *records* operations on tensors that require grad. This chapter
# opens the record: a **computational graph**, a directed acyclic graph (DAG) with one node per
# recorded operation, which `backward()` later walks from the output back to the leaves. You
# will meet the nodes (**`grad_fn`**), follow the edges (**`next_functions`**) down to the
# leaves' **`AccumulateGrad`** nodes, sort tensors into leaves, intermediate results and
# outputs, watch **define-by-run** change the graph from one call to the next, and find with
# your own code the leaves a backward pass will reach.
#
# **How to work through it.** As in chapter 1: run the cells in order, and in each answer cell
# replace `raise NotImplementedError()` with your code; the locked test cell below it tells you
# what is wrong. After a prediction's test, a folded **Why** block explains the answer.
#
# **The engine.** `autograd_core`, imported under PyTorch's name, prints what PyTorch prints;
# object addresses such as `0x7f3a5c2e1d90` differ from run to run. Pictures come from the
# course's `autograd_core.viz` (with PyTorch, the `torchviz` package's `make_dot` draws the same).

# %%
import autograd_core as torch

# %% [markdown]
# ## 1. Every recorded operation leaves a node
#
# A leaf that requires grad:

# %%
x = torch.ones(2, 2, requires_grad=True)
print(x)

# %% [markdown]
# Compute something from it:

# %%
y = x + 2
print(y)

# %% [markdown]
# The value is there at once (`3.` everywhere), and the printout ends in `grad_fn=<AddBackward0>`.
# Because an input of the addition required grad, autograd recorded the addition, and `y.grad_fn`
# points at the record:

# %%
print(y.grad_fn)
print(x.grad_fn)

# %% [markdown]
# `y.grad_fn` is a **node** of the graph, printed with its class name and its address in
# memory. It is the backward half of the addition: the code that, during `backward()`, turns the
# gradient arriving at `y` into a gradient for `x`. `x.grad_fn` is `None`: no operation made
# `x`, you did.
#
# That is the whole data structure. Each tensor points to the node that made it (`grad_fn`),
# each node points to the nodes that made its inputs, and together they form an acyclic graph
# that holds the history of the computation. So in the forward pass autograd does two things
# for every operation: it computes the result and records a node. The trigger is plain operator
# overloading: `x + 2` calls `Tensor.__add__`, which does both.
#
# ## 2. Node names
#
# Two more operations:

# %%
z = y * y * 3
out = z.mean()
print(z, out)

# %% [markdown]
# `z` was made by a multiplication (`MulBackward0`), `out` by a mean (`MeanBackward0`). A node's
# name is the operation's name, then `Backward`, then a number that tells apart different
# backward formulas of one operation: a sum over everything and a sum over one dimension have
# different formulas, so they leave different nodes. `.name()` returns the name as a string:

# %%
m = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
examples = {
    "m.sum()": m.sum(),
    "m.sum(dim=0)": m.sum(dim=0),
    "m ** 2": m ** 2,
    "m ** m": m ** m,
    "2 ** m": 2 ** m,
    "m - 1": m - 1,
    "1 - m": 1 - m,
    "m @ m": m @ m,
    "m[0]": m[0],
}
for code, result in examples.items():
    print(f"{code:13} -> {result.grad_fn.name()}")

# %% [markdown]
# These are the names you meet when you inspect or draw a graph, in the reports of
# `torch.autograd.detect_anomaly()` ("Function 'MulBackward0' returned nan values ..."), and in
# PyTorch's source, where `tools/autograd/derivatives.yaml` lists the backward formula of each
# operation. PyTorch generates a C++ node class from each entry, so a built-in node is **not**
# a `torch.autograd.Function` object, whatever some tutorials say (only the custom operations
# of chapter 3 make their nodes from a `Function` class):

# %%
print(type(y.grad_fn).__name__, isinstance(y.grad_fn, torch.autograd.Function))

# %% [markdown]
#
# No node is made while no input requires grad. Chapter 1 (section 3) showed it:
# `(e * 3) / (e - 1)`, computed from a tensor that did not require grad, was a leaf with `grad_fn`
# `None`, because nothing was recorded; once `e.requires_grad_()` had switched its flag on (in
# place; the flag defaults to `True`), the next operation, `(e * e).sum()`, left a
# `SumBackward0` node.

# %% [markdown]
# ## 3. Following the edges: `next_functions`
#
# A node knows where the gradient goes next. Its `next_functions` holds one pair per input of the
# forward operation: the node that produced that input, and which output of that node it was
# (almost always `0`; operations with several outputs, like `unbind`, number them `0`, `1`, ...).
# Chapter 1 took one step down this way; now walk the whole graph of `out`:

# %%
print(out.grad_fn)
print(out.grad_fn.next_functions)

# %% [markdown]
# The mean had one input, `z`, made by a `MulBackward0`. That node is the `* 3` of `z = (y * y) * 3`:

# %%
times_three = out.grad_fn.next_functions[0][0]
print(times_three.next_functions)

# %% [markdown]
# Two inputs, two pairs. The first leads to the node of `y * y`. The second is `(None, 0)`: the
# `3` is a plain number that needs no gradient, so there is nowhere to send one. Next step:

# %%
y_times_y = times_three.next_functions[0][0]
print(y_times_y.next_functions)
print(y_times_y.next_functions[0][0] is y.grad_fn)

# %% [markdown]
# Both inputs of `y * y` are `y`, so both pairs point at **the same** `AddBackward0` node, the one
# in `y.grad_fn`. The graph is not a tree: a tensor used twice is one node with two edges into
# it, and during `backward()` the two gradients that reach it are added up.
#
# Last step, from `y = x + 2` to the leaf:

# %%
plus_two = y.grad_fn
print(plus_two.next_functions)
accumulate = plus_two.next_functions[0][0]
print(accumulate)
print(accumulate.next_functions)
print(accumulate.variable is x)

# %% [markdown]
# At the bottom sits an **`AccumulateGrad`** node. Every leaf that requires grad has one; its
# `.variable` is the leaf and it has no `next_functions`. Its only job during `backward()` is to
# add the gradient that reaches it into `x.grad`: that is why gradients land in the leaves'
# `.grad` and nowhere else.
#
# (`accumulate.name()` gives its C++ name, `'torch::autograd::AccumulateGrad'`;
# `type(node).__name__` gives the short name of every node.)
#
# ### Drawing the graph
#
# `draw_graph` does the walk for you and draws it: one grey box per node, the leaves (their
# `AccumulateGrad` nodes) in blue, the output in green. Arrows point the way the forward pass
# went; `backward()` goes against them.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core import viz

viz.draw_graph(out, params={"x": x})

# %% [markdown]
# Notice the single `AddBackward0` with two arrows into the `MulBackward0` of `y * y`.
#
# ### Exercise 1 (predict, then run): the graph of $Q = 3a^3 - b^2$
#
# The PyTorch autograd tutorial computes
#
# ```python
# a = torch.tensor([2., 3.], requires_grad=True)
# b = torch.tensor([6., 4.], requires_grad=True)
# Q = 3 * a ** 3 - b ** 2
# ```
#
# **Before running it**, predict the nodes at the top of its graph. Replace
# `raise NotImplementedError()` with
#
# - `q_root = "..."`: the name of `Q.grad_fn` (a string such as `"AddBackward0"`), and
# - `q_children = [..., ...]`: the names of the two nodes in `Q.grad_fn.next_functions`, in order.
#
# Python evaluates `**` before `*`, and `*` before `-`.

# %% nbgrader={"grade": false, "grade_id": "ex1_q_graph", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
q_root = "SubBackward0"
q_children = ["MulBackward0", "PowBackward0"]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1_q_graph_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message

assert "q_root" in globals() and "q_children" in globals(), message(
    "{first} and {second} are not written yet; expected your prediction. "
    "Hint: write it in the cell above and run it.",
    first="q_root", second="q_children"
)
assert type(q_root) is str, message(
    "q_root is {q_root!r}; expected a node name, a string such as 'AddBackward0'.", q_root=q_root
)
assert type(q_children) in (list, tuple) and len(q_children) == 2 and \
    all(type(name) is str for name in q_children), message(
        "q_children is {q_children!r}; expected a list of two node names (strings).",
        q_children=q_children
    )
graph_a = torch.tensor([2., 3.], requires_grad=True)
graph_b = torch.tensor([6., 4.], requires_grad=True)
graph_q = 3 * graph_a ** 3 - graph_b ** 2
assert q_root == type(graph_q.grad_fn).__name__, message(
    "q_root is {q_root!r}; expected the name of the node that made Q. Hint: which operation "
    "of 3 * a ** 3 - b ** 2 does Python run last?",
    q_root=q_root
)
children = [type(node).__name__ for node, _ in graph_q.grad_fn.next_functions]
assert not (sorted(q_children) == sorted(children) and list(q_children) != children), message(
    "q_children is {q_children!r}: the right two names, in the wrong order; expected "
    "them in the order of next_functions. Hint: next_functions follows the inputs of the "
    "subtraction from left to right.",
    q_children=list(q_children)
)
wrong = sum(mine != real for mine, real in zip(q_children, children))
assert not wrong, message(
    "q_children is {q_children!r}; expected the names of the two nodes below Q.grad_fn, "
    "in order, and 1 of yours is off. Hint: the last operation has two inputs, 3 * a ** 3 and "
    "b ** 2, in that order; which operation ran last in each of them?",
    q_children=list(q_children)
) if wrong == 1 else message(
    "q_children is {q_children!r}; expected the names of the two nodes below Q.grad_fn, "
    "in order, and {wrong} of yours are off. Hint: the last operation has two inputs, "
    "3 * a ** 3 and b ** 2, in that order; which operation ran last in each of them?",
    q_children=list(q_children), wrong=wrong
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_a = _torch.tensor([[1., -2.]], requires_grad=True)
_b = _torch.tensor([[0.5, 4.]], requires_grad=True)
_q = 3 * _a ** 3 - _b ** 2
assert type(q_root) is str and q_root == _q.grad_fn.name()
assert type(q_children) in (list, tuple) and all(type(n) is str for n in q_children)
assert list(q_children) == [n.name() for n, _ in _q.grad_fn.next_functions]
assert [n.name() for n, _ in _q.grad_fn.next_functions[0][0].next_functions if n is not None] == ["PowBackward0"]
### END HIDDEN TESTS

# %%
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
print(Q)
print(Q.grad_fn)
print([type(node).__name__ for node, _ in Q.grad_fn.next_functions])

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
viz.draw_graph(Q, params={"a": a, "b": b})

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# `a ** 3` runs first (`PowBackward0`), then `3 * ...` (`MulBackward0`); `b ** 2` makes another
# `PowBackward0`; the subtraction comes last, so `Q.grad_fn` is a `SubBackward0` with those two
# nodes below it. The drawing is the tutorial's figure: leaves in blue, the output on top.
# `backward()` starts at that root, runs each node's formula and carries the gradient down to
# the `AccumulateGrad` nodes of the leaves. By hand, $\partial Q/\partial a = 9a^2$ and
# $\partial Q/\partial b = -2b$, and the next cell checks that this lands in `a.grad` and
# `b.grad` (`Q` has two elements, so we sum it first; chapter 4 explains the `gradient`
# argument that does without).
#
# </details>

# %%
Q.sum().backward()
print(a.grad, b.grad)
print(9 * a ** 2 == a.grad)
print(-2 * b == b.grad)

# %% [markdown]
# ### Exercise 2 (predict, then run): same formula, two graphs
#
# Both `shared` and `repeated` below compute $(2x + 1)^2$, with the same values:
#
# ```python
# x = torch.ones(3, requires_grad=True)
# t = x * 2 + 1
# shared = t * t
# repeated = (x * 2 + 1) * (x * 2 + 1)
# ```
#
# How many nodes does each graph have? Count every distinct node reachable from the output's
# `grad_fn`, the `AccumulateGrad` node included (in a drawing, every box except the green
# output). Replace `raise NotImplementedError()` with `n_shared = ...` and `n_repeated = ...`
# (two ints).

# %% nbgrader={"grade": false, "grade_id": "ex2_node_count", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
n_shared = 4
n_repeated = 6
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2_node_count_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message


def count_nodes(tensor):
    """The number of distinct nodes reachable from tensor.grad_fn."""
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(child for child, _ in node.next_functions)
    return len(seen)


assert "n_shared" in globals() and "n_repeated" in globals(), message(
    "{first} and {second} are not written yet; expected your prediction. "
    "Hint: write it in the cell above and run it.",
    first="n_shared", second="n_repeated"
)
assert type(n_shared) is int and type(n_repeated) is int, message(
    "n_shared is {n_shared!r} and n_repeated is {n_repeated!r}; expected two ints.",
    n_shared=n_shared, n_repeated=n_repeated
)
count_x = torch.ones(3, requires_grad=True)
count_t = count_x * 2 + 1
shared_count = count_nodes(count_t * count_t)
assert n_shared == shared_count, message(
    "n_shared is {n_shared}; expected the number of distinct nodes behind shared = t * t, "
    "AccumulateGrad included. Hint: the AccumulateGrad node of x counts too: in a drawing, "
    "every box but the green output.",
    n_shared=n_shared
) if n_shared < shared_count else message(
    "n_shared is {n_shared}; expected the number of distinct nodes behind shared = t * t, "
    "AccumulateGrad included. Hint: t is computed once, so its nodes are made once, however "
    "many times t is used afterwards; a plain number such as 1 makes no node.",
    n_shared=n_shared
)
assert n_repeated != n_shared, message(
    "n_repeated is {n_repeated}, the same as n_shared; expected the number of distinct nodes "
    "behind repeated. Hint: the graph records the operations that ran, not the formula: how "
    "many times did x * 2 + 1 run?",
    n_repeated=n_repeated
)
assert n_repeated == count_nodes((count_x * 2 + 1) * (count_x * 2 + 1)), message(
    "n_repeated is {n_repeated}; expected the number of distinct nodes behind repeated, "
    "AccumulateGrad included. Hint: every operation that runs makes a node of its own, but a "
    "leaf has one AccumulateGrad node however often it is used.",
    n_repeated=n_repeated
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

assert type(n_shared) is int and n_shared == 4
assert type(n_repeated) is int and n_repeated == 6
_x = _torch.ones(2, 2, requires_grad=True)
_t = _x * 2 + 1
_mul = (_t * _t).grad_fn
assert _mul.next_functions[0][0] is _mul.next_functions[1][0] is _t.grad_fn
### END HIDDEN TESTS

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
x = torch.ones(3, requires_grad=True)                # both graphs in one picture: count the boxes
t = x * 2 + 1
shared = t * t
repeated = (x * 2 + 1) * (x * 2 + 1)
viz.draw_graph(shared, repeated, params={"x": x, "shared": shared, "repeated": repeated})

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# `shared` has four nodes: `MulBackward0` (`t * t`), `AddBackward0`, `MulBackward0` (`x * 2`) and
# `AccumulateGrad`. `repeated` has six: the expression `x * 2 + 1` ran twice, so its two nodes
# exist twice. Both graphs share the **one** `AccumulateGrad` node of `x`: a leaf has a single
# one, however many operations use it. The graph records what *ran*, not the formula you had in
# mind.
#
# </details>

# %% [markdown]
# ## 4. Leaves, intermediate results, outputs
#
# Every tensor in a graph plays one of three roles:
#
# - a **leaf**: a tensor you created, such as input data or a model's parameters (in a network,
#   `nn.Parameter`s); `grad_fn` is `None` and `is_leaf` is `True`;
# - an **intermediate result**: made by an operation and used by later ones; it has a `grad_fn`;
# - the **output**: the last result, usually a scalar loss, where `backward()` starts.
#
# Chapter 1 listed the attributes autograd keeps on each tensor: its values (`data`),
# `requires_grad`, `grad`, `grad_fn` and `is_leaf`. Add the tensor's **dependencies**, the
# tensors it was computed from, reachable through `grad_fn.next_functions`, and you have
# everything the graph is made of. Here are all of them for the one-neuron model
# $y = x w + b$, with data `x = 3`, weight `w = 2` and bias `b = 1`, after `backward()`:

# %%
import warnings

x = torch.tensor(3.)
w = torch.tensor(2., requires_grad=True)
b = torch.tensor(1., requires_grad=True)
u = x * w
y = u + b
y.backward()

print("name  data         requires_grad  is_leaf  grad_fn       grad")
for name, t in [("x", x), ("w", w), ("b", b), ("u", u), ("y", y)]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # reading .grad of a non-leaf warns (chapter 1)
        grad = t.grad
    node = type(t.grad_fn).__name__ if t.grad_fn is not None else "None"
    print(f"{name:5} {t.data!r:12} {t.requires_grad!s:14} {t.is_leaf!s:8} {node:13} {grad!r}")
print("dependencies of y:", y.grad_fn.next_functions)
print("dependencies of u:", u.grad_fn.next_functions)

# %% [markdown]
# - `x` is data, a leaf that does not require grad: the `MulBackward0` of `u` has `(None, 0)`
#   where `x` came in.
# - `w` and `b` are leaves that require grad, behind `AccumulateGrad` nodes, and get a `.grad`:
#   $\partial y/\partial w = x = 3$, $\partial y/\partial b = 1$.
# - `u` and `y` require grad because an input does, but they are not leaves, so their `.grad`
#   stays `None`: only tensors with `requires_grad=True` **and** `is_leaf=True` keep a gradient.
#
# ### One structure, two graphs
#
# You can draw this computation twice. The **forward graph** carries values from the inputs to
# the output: `x = 3` and `w = 2` give `u = 6`, then `u` and `b = 1` give `y = 7`. The
# **backward graph** carries gradients from the output to the leaves: `1` from `y` into both
# inputs of the addition, then the multiplication passes `1 · x = 3` on to `w` and nothing to `x`.
#
# ```
#   forward graph: values, inputs -> y       backward graph: gradients, y -> leaves
#
#   x = 3    w = 2                           y:  dy/dy = 1
#      \     /                                     |
#       [ * ]     b = 1                       AddBackward0
#         |      /                             /          \
#       u = 6   /                       MulBackward0    AccumulateGrad (b)
#          \   /                          /      \          b.grad += 1
#          [ + ]                       (None)   AccumulateGrad (w)
#            |                         for x      w.grad += 1 * x = 3
#          y = 7
# ```
#
# The two have the same shape, and PyTorch stores only one structure for both: each tensor's
# `grad_fn` and each node's `next_functions`. Read in one direction it says how values were
# computed; read in the other, where gradients go. `draw_graph` shows the backward graph, and
# with `show_values` and `show_grad` it writes each tensor's value and gradient into its box:

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
viz.draw_graph(y, params={"w": w, "b": b, "y": y}, show_values=True, show_grad=True)

# %% [markdown]
# ### The leaf you did not name
#
# The graph also explains a classic surprise. This looks like a parameter that starts at 2:

# %%
w2 = torch.ones(3, requires_grad=True) * 2
print(w2.is_leaf, w2.grad_fn)
print(w2.grad_fn.next_functions[0][0].variable)

# %% [markdown]
# `w2` is the output of a recorded multiplication, so it is not a leaf, and `backward()` will
# never fill `w2.grad`. The real leaf is the nameless `torch.ones(3, requires_grad=True)`; walking
# down to its `AccumulateGrad` node finds it. To build a parameter from a computation, compute
# first and switch the flag on afterwards: `(torch.ones(3) * 2).requires_grad_()`.
#
# ## 5. Define-by-run: the graph is whatever your code did
#
# PyTorch builds the graph **eagerly**: each statement runs at once, computes its value and adds
# its nodes and edges. There is no "declare the whole graph, then run it" step as in static-graph
# frameworks such as TensorFlow 1.x. You can print, or stop in a debugger such as `pdb`, in the
# middle of a forward pass, and the values are already there:

# %%
x = torch.tensor(3.)
w = torch.tensor(2., requires_grad=True)
b = torch.tensor(1., requires_grad=True)
u = x * w
print("after u = x * w:", u)
y = u + b
print("after y = u + b:", y)

# %% [markdown]
# Because the graph is recorded while Python runs, ordinary `if`, `for` and `while` decide what
# goes into it. This function halves its input until every entry lies in $[-1, 1]$, then adds
# the entries up:

# %%
def shrink(x):
    """Halve x until every entry is in [-1, 1], then sum the entries."""
    y = x
    while y.abs().max() > 1:      # a plain Python loop, decided by the data
        y = y / 2
    return y.sum()

# %% [markdown]
# ### Exercise 3 (predict, then run): a graph that depends on the data
#
# **Before running anything**, predict. Replace `raise NotImplementedError()` with
#
# - `divisions = (..., ...)`: two ints, the number of `DivBackward0` nodes in the graph of
#   `shrink(torch.tensor([3., -5.], requires_grad=True))`, and in the graph of
#   `shrink(torch.tensor([0.5, 0.2], requires_grad=True))`;
# - `first_grad = [..., ...]`: two floats, the `.grad` of the first input,
#   `torch.tensor([3., -5.], requires_grad=True)`, after `shrink(...).backward()`.

# %% nbgrader={"grade": false, "grade_id": "ex3_dynamic_graph", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
divisions = (3, 0)
first_grad = [0.125, 0.125]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3_dynamic_graph_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message


def count_named(tensor, name):
    """The number of distinct nodes called `name` reachable from tensor.grad_fn."""
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(child for child, _ in node.next_functions)
    return sum(type(node).__name__ == name for node in seen)


def shrink_reference(x):
    y = x
    while y.abs().max() > 1:
        y = y / 2
    return y.sum()


assert "divisions" in globals() and "first_grad" in globals(), message(
    "{first} and {second} are not written yet; expected your prediction. "
    "Hint: write it in the cell above and run it.",
    first="divisions", second="first_grad"
)
assert type(divisions) is tuple and len(divisions) == 2 and \
    all(type(n) is int for n in divisions), message(
        "divisions is {divisions!r}; expected a tuple of two ints.", divisions=divisions
    )
built = shrink_reference(torch.tensor([3., -5.], requires_grad=True))
assert divisions[0] == count_named(built, "DivBackward0"), message(
    "divisions[0] is {got}; expected the number of DivBackward0 nodes that shrink "
    "leaves for the input [3., -5.]. Hint: follow the loop by hand; each pass through "
    "y = y / 2 adds one node, and the loop test looks at the largest absolute value.",
    got=divisions[0]
)
built = shrink_reference(torch.tensor([0.5, 0.2], requires_grad=True))
assert divisions[1] == count_named(built, "DivBackward0"), message(
    "divisions[1] is {got}; expected the number of DivBackward0 nodes that shrink "
    "leaves for the input [0.5, 0.2]. Hint: a while loop tests its condition before its "
    "first pass.",
    got=divisions[1]
)
assert type(first_grad) in (list, tuple) and len(first_grad) == 2 and \
    all(type(g) in (int, float) for g in first_grad), message(
        "first_grad is {first_grad!r}; expected a list of two numbers.", first_grad=first_grad
    )
first_x = torch.tensor([3., -5.], requires_grad=True)
shrink_reference(first_x).backward()
assert all(abs(g - e) < 1e-6 for g, e in zip(first_grad, first_x.grad.tolist())), message(
    "first_grad is {first_grad!r}; expected the gradient that backward() stores in x.grad. "
    "Hint: the derivative of x / 2 / 2 / ... with respect to x does not depend on the sign "
    "of x.",
    first_grad=list(first_grad)
) if any(g < 0 for g in first_grad) else message(
    "first_grad is {first_grad!r}; expected the gradient that backward() stores in x.grad. "
    "Hint: the output is the sum of x / 2 / 2 / ..., with as many halvings as the loop made; "
    "what is its derivative with respect to each entry?",
    first_grad=list(first_grad)
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

assert type(divisions) is tuple and all(type(n) is int for n in divisions)
assert divisions == (3, 0)
assert type(first_grad) in (list, tuple) and all(type(g) in (int, float) for g in first_grad)
assert [float(g) for g in first_grad] == [0.125, 0.125]
### END HIDDEN TESTS

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
big = torch.tensor([3., -5.], requires_grad=True)    # text_graph prints what draw_graph draws
small = torch.tensor([0.5, 0.2], requires_grad=True)
print(viz.text_graph(shrink(big), params={"big": big}))
print()
print(viz.text_graph(shrink(small), params={"small": small}))

# %%
big = torch.tensor([3., -5.], requires_grad=True)
shrink(big).backward()
print(big.grad)

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# `[3., -5.]` needs three halvings ($5 \to 2.5 \to 1.25 \to 0.625$), so its graph has three
# `DivBackward0` nodes, and each entry's gradient is $(1/2)^3 = 0.125$. `[0.5, 0.2]` never
# enters the loop: its graph is a `SumBackward0` right on top of the leaf. One Python function,
# two graphs.
#
# </details>

# %% [markdown]
# ### Nodes that never reach the output
#
# The trees above hide something: the loop *test* records nodes too, on every pass. `y`
# requires grad, so `y.abs()` and `.max()` leave an `AbsBackward0` and a `MaxBackward1`:

# %%
y = torch.tensor([3., -5.], requires_grad=True) / 2
largest = y.abs().max()
print(largest.grad_fn, (largest > 1).requires_grad)

# %% [markdown]
# The comparison `> 1` makes a tensor of booleans that needs no gradient, and Python only reads
# its truth value. So these nodes hang off the graph with no path to the output: `backward()`,
# which starts at the output, never reaches them, and they disappear with the tensors that hold
# them.
#
# Each forward pass builds a **new** graph, so the operations, and even the shapes, may change
# from one iteration to the next. Here the batch grows at every step:

# %%
w = torch.tensor([1., 2.], requires_grad=True)
roots = []
for batch_size in (1, 2, 3):
    batch = torch.ones(batch_size, 2) * torch.arange(batch_size).reshape(batch_size, 1)
    loss = (batch @ w + 1).pow(2).mean()
    roots.append(loss.grad_fn)
    print(f"batch of shape {tuple(batch.shape)}: loss {loss.item():.1f}, made by {loss.grad_fn.name()}")
    loss.backward()
print("three different graphs:", roots[0] is not roots[1] and roots[1] is not roots[2])

# %% [markdown]
# ## 6. Walking the graph yourself
#
# ### Exercise 4: which leaves will receive a gradient?
#
# Write `graph_leaves(tensor)`: the leaves whose `.grad` a `tensor.backward()` would fill, in a
# list, each leaf once, in any order; `[]` for a tensor without `grad_fn`. How you walk the
# graph is up to you. Your function will meet leaves used many times, inputs that need no
# gradient, and chains thousands of operations deep (Python allows about a thousand nested
# calls). Tell tensors apart with `is`: `==` compares their values element by element.

# %% nbgrader={"grade": false, "grade_id": "ex4_graph_leaves", "locked": false, "schema_version": 3, "solution": true, "task": false}
def graph_leaves(tensor) -> list:
    """The leaves, each once, whose .grad a backward() from tensor would fill."""
    ### BEGIN SOLUTION
    if tensor.grad_fn is None:
        return []
    leaves = []
    seen = {tensor.grad_fn}
    stack = [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if type(node).__name__ == "AccumulateGrad":
            leaves.append(node.variable)
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    return leaves
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_graph_leaves_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message


def leaves_of(tensor, what):
    """graph_leaves(tensor), with a failure that says what went wrong."""
    try:
        got = graph_leaves(tensor)
    except NotImplementedError:
        raise AssertionError(
            message("{function} is not written yet; expected a function that returns a list of "
                    "leaves. Hint: replace raise NotImplementedError() with your code and run "
                    "the cell.",
                    function="graph_leaves")
        ) from None
    except RecursionError:
        raise AssertionError(
            message("graph_leaves({what}) hit Python's recursion limit; expected a list of "
                    "tensors, even for a chain thousands of operations deep. Hint: keep the "
                    "nodes still to visit in a list of your own instead of calling a function "
                    "for each node.",
                    what=what)
        ) from None
    except (AttributeError, TypeError) as error:
        if "NoneType" not in str(error):
            raise
        raise AssertionError(
            message("graph_leaves({what}) raised {error_type}: {error}; expected a list of "
                    "tensors. Hint: next_functions holds (None, 0) for an input that needs no "
                    "gradient; there is nothing behind it to visit.",
                    what=what, error_type=type(error).__name__, error=error)
        ) from None
    assert type(got) is list, message(
        "graph_leaves({what}) returned a {got_type}; expected a list of tensors."
        " Hint: collect the leaves in a list and return it.",
        what=what, got_type=type(got).__name__
    )
    kinds = sorted({type(g).__name__ for g in got if type(g) is not torch.Tensor})
    assert not kinds, message(
        "graph_leaves({what}) returned a list holding {kinds} objects; expected "
        "the leaves themselves, tensors. Hint: an AccumulateGrad node keeps its leaf in "
        ".variable.",
        what=what, kinds=", ".join(kinds)
    )
    return got


def count_each(got, expected):
    """How many times got holds each tensor of expected (by identity)."""
    return [sum(g is e for g in got) for e in expected]


leaves_x = torch.tensor(3.)
leaves_w = torch.tensor(2., requires_grad=True)
leaves_b = torch.tensor(1., requires_grad=True)
got = leaves_of(leaves_x * leaves_w + leaves_b, "x * w + b")
assert count_each(got, [leaves_w, leaves_b]) == [1, 1] and len(got) == 2, message(
    "graph_leaves(x * w + b) returned {count} tensor(s), {tensors}; expected the leaves that "
    "require grad, each once. Hint: x does not require grad, so it has no AccumulateGrad node.",
    count=len(got), tensors=got
)
leaves_a = torch.tensor([2., 3.], requires_grad=True)
got = leaves_of((leaves_a * leaves_a + leaves_a).sum(), "(a * a + a).sum()")
assert count_each(got, [leaves_a]) == [1] and len(got) == 1, message(
    "graph_leaves((a * a + a).sum()) returned a list of {count} tensors; expected a, "
    "once. Hint: three edges lead to a's AccumulateGrad node; remember the nodes you have seen.",
    count=len(got)
)
got = leaves_of(leaves_w, "w")
assert got == [], message(
    "graph_leaves(w) for a leaf returned a list of {count}; expected an empty list. Hint: "
    "a leaf's grad_fn is None: no backward pass starts there.",
    count=len(got)
)
deep = leaves_w
for _ in range(1200):
    deep = deep * 1.0
got = leaves_of(deep, "deep")
assert count_each(got, [leaves_w]) == [1] and len(got) == 1, message(
    "graph_leaves(deep) for a chain of 1200 multiplications of w returned {count} "
    "tensor(s); expected w, once. Hint: the chain ends in w's AccumulateGrad node.",
    count=len(got)
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_a = _torch.tensor([2., 3.], requires_grad=True)
_b = _torch.tensor([6., 4.], requires_grad=True)
_got = leaves_of(3 * _a ** 3 - _b ** 2, "Q")
assert len(_got) == 2 and sum(g is _a for g in _got) == 1 and sum(g is _b for g in _got) == 1
assert leaves_of(_torch.ones(2) * 3, "a tensor outside any graph") == []
_c = _torch.tensor(1., requires_grad=True)
_deep = _c
for _ in range(2000):
    _deep = _deep * 1.0
_got = leaves_of(_deep, "a chain of 2000")
assert len(_got) == 1 and _got[0] is _c
_frozen = _torch.tensor([1., 1.])
_p = _torch.tensor([0.5, 0.5], requires_grad=True)
with _torch.no_grad():
    _hidden = _p * 2
_got = leaves_of((_frozen * _p + _hidden).sum(), "a graph with a no_grad input")
assert len(_got) == 1 and _got[0] is _p
_w2 = _torch.ones(3, requires_grad=True) * 2
_got = leaves_of((_w2 * _w2).sum(), "the leaf behind w2")
assert len(_got) == 1 and _got[0] is _w2.grad_fn.next_functions[0][0].variable
### END HIDDEN TESTS

# %% [markdown]
# `backward()` walks the same edges, and must also decide *when* each node may run: chapter 8
# builds that engine. Chapter 3 shows what is left of the graph after `backward()`.
#
# ## Summary
#
# - Every operation on a tensor that requires grad leaves a node, the result's `grad_fn`, named
#   like `MulBackward0`; built-in nodes are C++ objects generated from `derivatives.yaml`, not
#   `torch.autograd.Function`s. Tensors you create have `grad_fn` `None`.
# - `grad_fn.next_functions` holds one `(node, output index)` pair per input, `(None, 0)` for an
#   input that needs no gradient. A tensor used twice is one node reached by two edges.
# - Each leaf that requires grad has one `AccumulateGrad` node (its `.variable` is the leaf),
#   which adds incoming gradients into `.grad`.
# - Leaves at the bottom, intermediate results in between, the output on top: one structure is
#   both the forward graph (values) and the backward graph (gradients).
# - The graph is built as the code runs (define-by-run), so `if`, `while` and shapes may differ
#   from call to call; nodes with no path to the output are never run.
#
# Next, chapter 3 runs `backward()` node by node: the chain rule, and nodes you write yourself.

# %% [markdown]
# ## Sources, and where they slip
#
# > This chapter retells examples of these articles, in its own words and with PyTorch
# > 2.13's numbers:
# >
# > * 《pytorch 入门笔记 -02- 自动求导》 by zyk, <https://ld246.com/article/1637720533115>;
# > * 《自动微分模块》 (author and address not recorded);
# > * 《自动求导机制介绍》, a notebook version of PyTorch's tutorial
# >   [A Gentle Introduction to torch.autograd](https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html):
# >   <https://colab.research.google.com/github/lilxmx/DeepLearning-pytorch/blob/main/autograd_tutorial.ipynb>;
# > * 《PyTorch 梯度》 (author and address not recorded).
# >
# > Where they slip:
# >
# > * 《自动微分模块》 says that every operation of the graph is an instance of a
# >   `torch.autograd.Function` subclass, and 《pytorch 入门笔记》 and the tutorial say that
# >   `grad_fn` references a `Function`. PyTorch's own nodes are C++ nodes generated from
# >   `derivatives.yaml` (`isinstance(y.grad_fn, torch.autograd.Function)` is `False`); only a
# >   custom `Function` (chapter 3) makes its node from a `Function` class (section 2).
