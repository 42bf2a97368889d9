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
# opens the record. While your code runs, autograd builds a **computational graph**: a directed
# acyclic graph (DAG) with one node per recorded operation, which `backward()` later walks from
# the output back to the leaves. You will:
#
# 1. meet the nodes: a tensor's **`grad_fn`**, and how nodes are named (`AddBackward0`, ...);
# 2. follow the edges with **`next_functions`** down to the **`AccumulateGrad`** nodes of the leaves;
# 3. sort tensors into **leaves, intermediate results and outputs**, and see that one structure
#    serves as both the forward and the backward graph;
# 4. see **define-by-run** at work: the graph is built statement by statement, so `if` and
#    `while` change it from one call to the next;
# 5. walk a graph with your own code;
# 6. write a node yourself: a **`torch.autograd.Function`** with `forward` and `backward`,
#    checked by **`gradcheck`**;
# 7. watch the graph be **freed after `backward()`**.
#
# **How to work through it.** As in chapter 1: run the cells in order, write down a prediction
# before each cell marked *predict*, and in each answer cell replace `raise NotImplementedError()`
# with your code; the locked test cell below it tells you what is wrong and gives a hint.
#
# **The engine.** `autograd_core`, imported under PyTorch's name, prints what PyTorch prints.
# Object addresses such as `0x7f3a5c2e1d90` differ from run to run, in both. The cells that
# draw pictures use the course's `autograd_core.viz`; with real PyTorch, the `torchviz`
# package's `make_dot` draws the same pictures.

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
# `y.grad_fn` is an object, a **node** of the graph, printed with its class name and its address
# in memory. It is the backward half of the addition: the code that, during `backward()`, turns
# the gradient arriving at `y` into a gradient for `x`. `x.grad_fn` is `None`: no operation made
# `x`, you did.
#
# That is the whole data structure. Each tensor points to the node that made it (`grad_fn`),
# each node points to the nodes that made its inputs, and together they form an acyclic graph
# that holds the complete history of the computation. A tensor you create yourself has no
# history: its `grad_fn` is `None`.
#
# So in the forward pass autograd does two things at once for every operation: it computes the
# result, and it records the operation's *gradient function* in the graph. The trigger is plain
# operator overloading: `x + 2` calls `Tensor.__add__`, which does both. In
# `autograd_core/tensor.py` it is one line, `def __add__(self, other): return Add.apply(self, ...)`,
# and `Add.apply` computes the sum and makes the node.
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
# PyTorch's source, where `tools/autograd/derivatives.yaml` lists the formula behind each.
#
# No node is made while no input requires grad. Chapter 1's example: `a` below is computed, yet
# it is a leaf with `grad_fn` `None`, because nothing was recorded. Switch its flag on with
# `requires_grad_()` (in place; the flag defaults to `True`) and the next operation leaves a node:

# %%
a = torch.randn(2, 2)
a = (a * 3) / (a - 1)
print(a.requires_grad, a.grad_fn)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)

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
# A detail of names: `accumulate.name()` returns `'torch::autograd::AccumulateGrad'`, the
# node's C++ name (it has no Python-side formula), while `type(accumulate).__name__` is
# `'AccumulateGrad'`. `type(node).__name__` gives the short name of every node.
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

assert "q_root" in globals() and "q_children" in globals(), (
    "q_root and q_children are not defined yet: write your prediction in the cell above and run it."
)
assert type(q_root) is str, (
    f"q_root is {q_root!r}; expected a node name, a string such as 'AddBackward0'."
)
assert type(q_children) in (list, tuple) and len(q_children) == 2 and \
    all(type(name) is str for name in q_children), (
        f"q_children is {q_children!r}; expected a list of two node names (strings)."
    )
graph_a = torch.tensor([2., 3.], requires_grad=True)
graph_b = torch.tensor([6., 4.], requires_grad=True)
graph_q = 3 * graph_a ** 3 - graph_b ** 2
assert q_root == type(graph_q.grad_fn).__name__, (
    f"q_root is {q_root!r}; expected the name of the node that made Q. Hint: which operation "
    "of 3 * a ** 3 - b ** 2 does Python run last?"
)
children = [type(node).__name__ for node, _ in graph_q.grad_fn.next_functions]
wrong = sum(mine != real for mine, real in zip(q_children, children))
assert not wrong, (
    f"q_children is {list(q_children)!r}; expected the names of the two nodes below Q.grad_fn, "
    f"in order, and {wrong} of yours {'is' if wrong == 1 else 'are'} off. Hint: the last "
    "operation has two inputs, 3 * a ** 3 and b ** 2, in that order; which operation ran last "
    "in each of them?"
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

# %% [markdown]
# Now run it and look:

# %%
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
print(Q)
print(Q.grad_fn)
print([type(node).__name__ for node, _ in Q.grad_fn.next_functions])

# %% [markdown]
# <details><summary>Why these nodes (open after running the test)</summary>
#
# `a ** 3` runs first (`PowBackward0`), then `3 * ...` (`MulBackward0`); `b ** 2` makes another
# `PowBackward0`; the subtraction comes last, so `Q.grad_fn` is a `SubBackward0` with those two
# nodes below it.
#
# </details>
#
# Drawn, with the leaves `a` and `b` in blue (this is the figure of the PyTorch tutorial):

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
viz.draw_graph(Q, params={"a": a, "b": b})

# %% [markdown]
# In this DAG the leaves are the input tensors and the root is the output. `backward()` starts
# at the root, calls each node's backward formula, and, by the chain rule, carries the gradient
# all the way to the leaves, where the `AccumulateGrad` nodes store it. By hand,
# $\partial Q/\partial a = 9a^2$ and $\partial Q/\partial b = -2b$, and that is what lands in
# `a.grad` and `b.grad` (`Q` has two elements, so we sum it into a scalar first; chapter 4
# explains the `gradient` argument that does without):

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


def count_nodes(tensor):
    """The number of distinct nodes reachable from tensor.grad_fn."""
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(child for child, _ in node.next_functions)
    return len(seen)


assert "n_shared" in globals() and "n_repeated" in globals(), (
    "n_shared and n_repeated are not defined yet: write your prediction in the cell above and run it."
)
assert type(n_shared) is int and type(n_repeated) is int, (
    f"n_shared is {n_shared!r} and n_repeated is {n_repeated!r}; expected two ints."
)
count_x = torch.ones(3, requires_grad=True)
count_t = count_x * 2 + 1
assert n_shared == count_nodes(count_t * count_t), (
    f"n_shared is {n_shared}; expected the number of distinct nodes behind shared = t * t, "
    "AccumulateGrad included. Hint: t is computed once, so its nodes are made once, however "
    "many times t is used afterwards."
)
assert n_repeated == count_nodes((count_x * 2 + 1) * (count_x * 2 + 1)), (
    f"n_repeated is {n_repeated}; expected the number of distinct nodes behind repeated, "
    "AccumulateGrad included. Hint: every operation that runs makes a node of its own, but a "
    "leaf has one AccumulateGrad node however often it is used."
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

# %% [markdown]
# Draw both graphs in one picture and count the boxes:

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
x = torch.ones(3, requires_grad=True)
t = x * 2 + 1
shared = t * t
repeated = (x * 2 + 1) * (x * 2 + 1)
viz.draw_graph(shared, repeated, params={"x": x, "shared": shared, "repeated": repeated})

# %% [markdown]
# <details><summary>The count, box by box (open after running the test)</summary>
#
# `shared` has four nodes: `MulBackward0` (`t * t`), `AddBackward0`, `MulBackward0` (`x * 2`) and
# `AccumulateGrad`. `repeated` has six: the expression `x * 2 + 1` ran twice, so its two nodes
# exist twice. Both graphs share the **one** `AccumulateGrad` node of `x`: a leaf has a single
# one, however many operations use it.
#
# </details>
#
# The graph records what *ran*, not the formula you had in mind: two spellings of one formula
# can give two different graphs, with the same gradient.
#
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
# - `x` is data: a leaf that does not require grad. It is not even in the backward graph: the
#   `MulBackward0` of `u` has `(None, 0)` where `x` came in.
# - `w` and `b` are leaves that require grad. Their dependencies are `AccumulateGrad` nodes and
#   they get a `.grad`: $\partial y/\partial w = x = 3$, $\partial y/\partial b = 1$.
# - `u` (intermediate) and `y` (output) require grad because an input does, but they are not
#   leaves, so their `.grad` stays `None`: only tensors with `requires_grad=True` **and**
#   `is_leaf=True` keep a gradient.
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


assert "divisions" in globals() and "first_grad" in globals(), (
    "divisions and first_grad are not defined yet: write your prediction in the cell above and run it."
)
assert type(divisions) is tuple and len(divisions) == 2 and \
    all(type(n) is int for n in divisions), (
        f"divisions is {divisions!r}; expected a tuple of two ints."
    )
for k, values in enumerate(([3., -5.], [0.5, 0.2])):
    built = shrink_reference(torch.tensor(values, requires_grad=True))
    assert divisions[k] == count_named(built, "DivBackward0"), (
        f"divisions[{k}] is {divisions[k]}; expected the number of DivBackward0 nodes that "
        f"shrink leaves for the input {values}. Hint: follow the loop by hand; each pass through "
        "y = y / 2 adds one node, and the loop test looks at the largest absolute value."
    )
assert type(first_grad) in (list, tuple) and len(first_grad) == 2 and \
    all(type(g) in (int, float) for g in first_grad), (
        f"first_grad is {first_grad!r}; expected a list of two numbers."
    )
first_x = torch.tensor([3., -5.], requires_grad=True)
shrink_reference(first_x).backward()
assert all(abs(g - e) < 1e-6 for g, e in zip(first_grad, first_x.grad.tolist())), (
    f"first_grad is {list(first_grad)}; expected the gradient that backward() stores in x.grad. "
    "Hint: the output is the sum of x / 2 / 2 / ..., with as many halvings as the loop made; "
    "what is its derivative with respect to each entry?"
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

assert type(divisions) is tuple and all(type(n) is int for n in divisions)
assert divisions == (3, 0)
assert type(first_grad) in (list, tuple) and all(type(g) in (int, float) for g in first_grad)
assert [float(g) for g in first_grad] == [0.125, 0.125]
### END HIDDEN TESTS

# %% [markdown]
# The two graphs, as text trees this time (`viz.text_graph` prints what `draw_graph` draws):

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
big = torch.tensor([3., -5.], requires_grad=True)
small = torch.tensor([0.5, 0.2], requires_grad=True)
print(viz.text_graph(shrink(big), params={"big": big}))
print()
print(viz.text_graph(shrink(small), params={"small": small}))

# %% [markdown]
# <details><summary>Counting the halvings (open after running the test)</summary>
#
# `[3., -5.]` needs three halvings ($5 \to 2.5 \to 1.25 \to 0.625$), so its graph has three
# `DivBackward0` nodes, and each entry's gradient is $(1/2)^3 = 0.125$ (the next cell prints
# it). `[0.5, 0.2]` never enters the loop: its graph is a `SumBackward0` right on top of the
# leaf.
#
# </details>

# %%
big = torch.tensor([3., -5.], requires_grad=True)
shrink(big).backward()
print(big.grad)

# %% [markdown]
# One Python function, two different graphs. The loop test `y.abs().max() > 1` records nodes
# too, on every pass: `y` requires grad, so `y.abs()` and `.max()` leave an `AbsBackward0` and
# a `MaxBackward1`. But the comparison `> 1` gives a tensor of booleans that has no gradient,
# and Python only reads its truth value: nothing computed from those nodes reaches the output,
# so `backward()` never walks them, and they are freed with the tensors that hold them.
#
# The same goes for training. Each forward pass builds a **new** graph from scratch, so the
# operations, and even the shapes, may change from one iteration to the next. Here the batch
# grows at every step:

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
# Time to automate the walk of section 3.
#
# ### Exercise 4: list the operations from the output to the leaves
#
# Write `graph_ops(tensor)`, which returns the names of the nodes behind `tensor` in
# **breadth-first** order:
#
# - start with `tensor.grad_fn`;
# - take nodes from the front of a queue (`collections.deque`); for each, append its name
#   (`type(node).__name__`) to the result and put the nodes of its `next_functions` at the back
#   of the queue, in order, skipping `None`;
# - list each node once, where it is first reached (the `AddBackward0` that `y * y` reaches
#   twice appears once);
# - a tensor without `grad_fn` (a leaf, or a tensor outside any graph) gives `[]`.
#
# No recursion: a loop of 5,000 steps makes a graph 5,000 nodes deep, far beyond Python's
# recursion limit. For `out = (y * y * 3).mean()` with `y = x + 2`, the answer is
# `['MeanBackward0', 'MulBackward0', 'MulBackward0', 'AddBackward0', 'AccumulateGrad']`.

# %% nbgrader={"grade": false, "grade_id": "ex4_graph_ops", "locked": false, "schema_version": 3, "solution": true, "task": false}
from collections import deque


def graph_ops(tensor) -> list:
    """The names of the nodes behind tensor, breadth-first from tensor.grad_fn, each once."""
    ### BEGIN SOLUTION
    if tensor.grad_fn is None:
        return []
    names = []
    seen = {tensor.grad_fn}
    queue = deque([tensor.grad_fn])
    while queue:
        node = queue.popleft()
        names.append(type(node).__name__)
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                queue.append(child)
    return names
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_graph_ops_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch

ops_x = torch.ones(2, 2, requires_grad=True)
ops_y = ops_x + 2
ops_out = (ops_y * ops_y * 3).mean()
got = graph_ops(ops_out)
assert type(got) is list and all(type(name) is str for name in got), (
    f"graph_ops(out) returned {got!r}; expected a list of names (strings)."
)
assert got == ["MeanBackward0", "MulBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad"], (
    f"graph_ops(out) for out = (y * y * 3).mean() returned {got}; expected the answer given "
    "above the exercise: its five nodes, each once, breadth-first from out.grad_fn. Hint: keep a "
    "set of the nodes already queued, so that the AddBackward0 that y * y reaches twice is listed once."
)
got = graph_ops(ops_x)
assert type(got) is list and got == [], (
    f"graph_ops(x) for a leaf returned {got!r}; expected an empty list. Hint: a leaf's grad_fn "
    "is None."
)
deep = ops_x
for _ in range(1200):
    deep = deep * 1.0
try:
    got = graph_ops(deep)
except RecursionError:
    raise AssertionError(
        "graph_ops(deep) for a chain of 1200 multiplications hit Python's recursion limit; "
        "expected a list of names. Hint: walk with a queue (collections.deque), not with recursion."
    ) from None
assert type(got) is list and all(type(name) is str for name in got) and len(got) == 1201 \
        and got[0] == "MulBackward0" and got[-1] == "AccumulateGrad", (
    f"graph_ops(deep) for a chain of 1200 multiplications returned {len(got)} names; expected "
    "one per multiplication, then the leaf's AccumulateGrad. Hint: each node once, in the order "
    "the queue hands them out."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch


def _names(got):
    assert type(got) is list and all(type(name) is str for name in got)
    return got


_a = _torch.tensor([2., 3.], requires_grad=True)
_b = _torch.tensor([6., 4.], requires_grad=True)
assert _names(graph_ops(3 * _a ** 3 - _b ** 2)) == [
    "SubBackward0", "MulBackward0", "PowBackward0", "PowBackward0", "AccumulateGrad",
    "AccumulateGrad"]
_c = _torch.tensor(1., requires_grad=True)
_d = _c + _c
assert _names(graph_ops(_d + _d)) == ["AddBackward0", "AddBackward0", "AccumulateGrad"]
assert _names(graph_ops(_torch.ones(3) * 2)) == []
_e = _torch.tensor([[1., 2.]], requires_grad=True)
assert _names(graph_ops((_e * _torch.ones(2)).sum(dim=0))) == ["SumBackward1", "MulBackward0", "AccumulateGrad"]
_f = _torch.tensor([1., 2.], requires_grad=True)
_g = _torch.tensor([3., 4.], requires_grad=True)
assert _names(graph_ops((_f * _g).exp() + _g)) == [
    "AddBackward0", "ExpBackward0", "AccumulateGrad", "MulBackward0", "AccumulateGrad"]
_deep = _c
for _ in range(2000):
    _deep = _deep + 1
assert _names(graph_ops(_deep)) == ["AddBackward0"] * 2000 + ["AccumulateGrad"]
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5: find the leaves that will receive gradients
#
# Write `graph_leaves(tensor)`, which returns the leaves whose `.grad` a `tensor.backward()`
# would fill: the `.variable` of every `AccumulateGrad` node reachable from `tensor.grad_fn`.
# Return a list with each leaf once, in any order; a tensor without `grad_fn` gives `[]`. Again
# no recursion. To tell tensors apart use `is`, not `==` (which compares values element by element).

# %% nbgrader={"grade": false, "grade_id": "ex5_graph_leaves", "locked": false, "schema_version": 3, "solution": true, "task": false}
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


# %% nbgrader={"grade": true, "grade_id": "ex5_graph_leaves_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch


def same_tensors(got, expected):
    """Whether got holds exactly the tensors of expected (by identity), each once."""
    return type(got) is list and len(got) == len(expected) and \
        all(sum(g is e for g in got) == 1 for e in expected)


leaves_x = torch.tensor(3.)
leaves_w = torch.tensor(2., requires_grad=True)
leaves_b = torch.tensor(1., requires_grad=True)
got = graph_leaves(leaves_x * leaves_w + leaves_b)
assert type(got) is list, (
    f"graph_leaves(x * w + b) returned {got!r}; expected a list of tensors."
)
assert same_tensors(got, [leaves_w, leaves_b]), (
    f"graph_leaves(x * w + b) returned {len(got)} tensor(s), {got}; expected the leaves that "
    "require grad, each once. Hint: x does not require grad, so it has no AccumulateGrad node; "
    "the leaf of an AccumulateGrad node is its .variable."
)
leaves_a = torch.tensor([2., 3.], requires_grad=True)
got = graph_leaves((leaves_a * leaves_a + leaves_a).sum())
assert same_tensors(got, [leaves_a]), (
    f"graph_leaves((a * a + a).sum()) returned {len(got)} tensor(s); expected a, once. Hint: the "
    "same AccumulateGrad node is reached three times; remember the nodes already seen."
)
got = graph_leaves(leaves_w)
assert type(got) is list and got == [], (
    f"graph_leaves(w) for a leaf returned {got!r}; expected an empty list. Hint: a leaf's grad_fn "
    "is None."
)
deep = leaves_w
for _ in range(1200):
    deep = deep * 1.0
try:
    got = graph_leaves(deep)
except RecursionError:
    raise AssertionError(
        "graph_leaves(deep) for a chain of 1200 multiplications hit Python's recursion limit; "
        "expected a list of tensors. Hint: walk with a stack or a queue, not with recursion."
    ) from None
assert same_tensors(got, [leaves_w]), (
    f"graph_leaves(deep) for a chain of 1200 multiplications of w returned {len(got)} tensor(s); "
    "expected w, once. Hint: the chain ends in w's AccumulateGrad node."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_a = _torch.tensor([2., 3.], requires_grad=True)
_b = _torch.tensor([6., 4.], requires_grad=True)
_got = graph_leaves(3 * _a ** 3 - _b ** 2)
assert type(_got) is list and len(_got) == 2 and sum(g is _a for g in _got) == 1 and sum(g is _b for g in _got) == 1
_got = graph_leaves(_torch.ones(2) * 3)
assert type(_got) is list and _got == []
_c = _torch.tensor(1., requires_grad=True)
_deep = _c
for _ in range(2000):
    _deep = _deep * 1.0
_got = graph_leaves(_deep)
assert type(_got) is list and len(_got) == 1 and _got[0] is _c
_frozen = _torch.tensor([1., 1.])
_p = _torch.tensor([0.5, 0.5], requires_grad=True)
with _torch.no_grad():
    _hidden = _p * 2
_got = graph_leaves((_frozen * _p + _hidden).sum())
assert type(_got) is list and len(_got) == 1 and _got[0] is _p
_w2 = _torch.ones(3, requires_grad=True) * 2
_got = graph_leaves((_w2 * _w2).sum())
assert type(_got) is list and len(_got) == 1 and _got[0] is _w2.grad_fn.next_functions[0][0].variable
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Inside a node: `forward` and `backward`
#
# Every operation comes in two halves:
#
# - **forward**: compute the output from the inputs, and keep what backward will need;
# - **backward**: given the gradient of the loss with respect to the output, return the gradient
#   with respect to each input. This is the chain rule for one operation.
#
# The node in `grad_fn` is the backward half. For PyTorch's own operations it is not a Python
# `torch.autograd.Function` object: PyTorch generates these nodes in C++ from
# `tools/autograd/derivatives.yaml`, one backward formula per operation (and `autograd_core`
# writes them as small Python classes of its own):

# %%
u = torch.tensor(2., requires_grad=True) * 3
print(type(u.grad_fn).__name__, isinstance(u.grad_fn, torch.autograd.Function))

# %% [markdown]
# What you can write yourself is a **custom** operation: subclass `torch.autograd.Function` with
# two static methods, `forward` and `backward`. Their first argument, `ctx`, carries what forward
# saves (`ctx.save_for_backward(...)`) over to backward (`ctx.saved_tensors`). You call the
# function with `.apply`, and its node is made from your class. Here is the model $y = xw + b$
# of section 4 as one operation:

# %%
class MulAdd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x * w + b

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        # one gradient per input of forward, in the same order
        return grad_output * w, grad_output * x, grad_output


x = torch.tensor(3.)
w = torch.tensor(2., requires_grad=True)
b = torch.tensor(1., requires_grad=True)
y = MulAdd.apply(x, w, b)
print(y)
print(y.grad_fn.next_functions)
y.backward()
print(w.grad, b.grad)

# %% [markdown]
# The graph now has a single `MulAddBackward` node (the class name plus `Backward`) instead of a
# `MulBackward0` and an `AddBackward0`. Its `next_functions` has one pair per input of `forward`,
# with `(None, 0)` for `x`, and the gradients are the same as before, 3 and 1.
#
# Inside `forward`, recording is switched off: the `*` and `+` there leave no nodes of their own.
# That is the deal: *you* supply the backward formula, and autograd trusts it. A wrong formula
# gives wrong gradients without any error, so test it. `torch.autograd.gradcheck` compares your
# backward with central differences, $\frac{f(x + \epsilon) - f(x - \epsilon)}{2\epsilon}$, for
# every element of every input. Give it float64 inputs: in float32 the differences drown in
# rounding error.

# %%
x64 = torch.tensor([1., 2., 3.], dtype=torch.float64, requires_grad=True)
w64 = torch.tensor([0.5, -1., 2.], dtype=torch.float64, requires_grad=True)
b64 = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64, requires_grad=True)
print(torch.autograd.gradcheck(MulAdd.apply, (x64, w64, b64)))

# %% [markdown]
# And a broken one, which writes the derivative of $x^3$ as $3x$ instead of $3x^2$:

# %%
class BadCube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 3 * x * grad_output          # wrong: the derivative is 3 * x ** 2


try:
    torch.autograd.gradcheck(BadCube.apply, (x64,))
except RuntimeError as error:
    print(f"{type(error).__name__}: {error}")

# %% [markdown]
# `gradcheck` raises a `GradcheckError` (a kind of `RuntimeError`) that shows both Jacobians of
# $x \mapsto x^3$ at `x64 = [1., 2., 3.]`. The elements are independent, so only the diagonals
# are non-zero: the numerical one holds the true derivatives $3x^2 = 3, 12, 27$, and the
# analytical one, built from `BadCube.backward`, holds $3x = 3, 6, 9$. They agree only at
# $x = 1$, where $3x = 3x^2$. Pass `raise_exception=False` to get `False` instead of the error:

# %%
print(torch.autograd.gradcheck(BadCube.apply, (x64,), raise_exception=False))

# %% [markdown]
# ### Exercise 6: write $Q = 3a^3 - b^2$ as one `Function`
#
# Complete `QFunction` so that `QFunction.apply(a, b)` computes $Q = 3a^3 - b^2$ elementwise in
# `forward`, and `backward` returns the two gradients $\partial L/\partial a$ and
# $\partial L/\partial b$, in that order, from `grad_output` $= \partial L/\partial Q$. Save what
# backward needs with `ctx.save_for_backward`, and use tensor operations only. The tests run
# `gradcheck` on it.

# %% nbgrader={"grade": false, "grade_id": "ex6_q_function", "locked": false, "schema_version": 3, "solution": true, "task": false}
class QFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ### BEGIN SOLUTION
        ctx.save_for_backward(a, b)
        return 3 * a ** 3 - b ** 2
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output):
        ### BEGIN SOLUTION
        a, b = ctx.saved_tensors
        return grad_output * 9 * a ** 2, grad_output * -2 * b
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_q_function_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch

func_a = torch.tensor([2., 3.], requires_grad=True)
func_b = torch.tensor([6., 4.], requires_grad=True)
func_q = QFunction.apply(func_a, func_b)
assert type(func_q) is torch.Tensor and func_q.shape == func_a.shape and \
    torch.allclose(func_q, 3 * func_a.detach() ** 3 - func_b.detach() ** 2), (
        f"QFunction.apply(a, b) for a = [2., 3.], b = [6., 4.] returned {func_q}; expected "
        "3 * a ** 3 - b ** 2, elementwise. Hint: forward receives the tensors a and b and returns "
        "the result."
    )
assert type(func_q.grad_fn).__name__ == "QFunctionBackward", (
    f"Q.grad_fn is {func_q.grad_fn}; expected a QFunctionBackward node. Hint: forward must return "
    "a new tensor computed from a and b."
)
func_q.sum().backward()
assert type(func_a.grad) is torch.Tensor and torch.allclose(func_a.grad, 9 * func_a.detach() ** 2), (
    f"After Q.sum().backward(), a.grad is {func_a.grad}; expected dQ/da = 9 * a ** 2 (the "
    "incoming gradient is 1 here). Hint: backward returns the gradient for a first, then the "
    "one for b."
)
assert type(func_b.grad) is torch.Tensor and torch.allclose(func_b.grad, -2 * func_b.detach()), (
    f"After Q.sum().backward(), b.grad is {func_b.grad}; expected dQ/db = -2 * b (the incoming "
    "gradient is 1 here). Hint: backward returns the gradient for a first, then the one for b."
)
check_a = torch.tensor([0.5, -1.5, 2.], dtype=torch.float64, requires_grad=True)
check_b = torch.tensor([1., 0.25, -3.], dtype=torch.float64, requires_grad=True)
passed = torch.autograd.gradcheck(QFunction.apply, (check_a, check_b), raise_exception=False)
assert passed, (
    f"gradcheck(QFunction.apply, (a, b)) for float64 a = [0.5, -1.5, 2.], b = [1., 0.25, -3.] "
    f"returned {passed}; expected True (your backward agrees with central differences). Hint: "
    "multiply each local derivative by grad_output, the gradient that arrives at Q."
)
### BEGIN HIDDEN TESTS
import numpy as _np

import autograd_core as _torch

_rng = _np.random.default_rng(2)
_a = _torch.tensor(_rng.standard_normal((3, 4)), requires_grad=True)
_b = _torch.tensor(_rng.standard_normal((3, 4)), requires_grad=True)
assert _torch.autograd.gradcheck(QFunction.apply, (_a, _b))
_a = _torch.tensor([1., -2.], requires_grad=True)
_b = _torch.tensor([3., 0.5], requires_grad=True)
_q = QFunction.apply(_a, _b)
assert [type(n).__name__ for n, _ in _q.grad_fn.next_functions] == ["AccumulateGrad", "AccumulateGrad"]
_q.backward(_torch.tensor([0.5, -1.]))
assert type(_a.grad) is _torch.Tensor and _torch.allclose(_a.grad, _torch.tensor([4.5, -36.]))
assert type(_b.grad) is _torch.Tensor and _torch.allclose(_b.grad, _torch.tensor([-3., 1.]))
_c = _torch.tensor([2.], requires_grad=True)
_q = QFunction.apply(_c, _torch.tensor([1.]))
_q.backward(_torch.ones(1))
assert type(_c.grad) is _torch.Tensor and _torch.allclose(_c.grad, _torch.tensor([36.]))
### END HIDDEN TESTS

# %% [markdown]
# ## 8. After `backward()`, the graph is gone
#
# Nodes keep what their backward formulas need: the `MulBackward0` of `x * x` keeps `x` (to
# compute $2x$), `MulAdd` kept `x` and `w`. In a real network these *saved tensors* are the
# activations of every layer, and they take most of the memory of training. So `backward()`
# frees them as soon as each node has run: the graph is **destroyed by the backward pass**, and
# the next forward pass builds a new one. With `show_saved=True` the drawing shows the saved
# tensors in orange (`x * x` saved both of its inputs, the same `x` twice):

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
x = torch.tensor([1., 2.], requires_grad=True)
loss = (x * x).sum()
viz.draw_graph(loss, params={"x": x}, show_saved=True)

# %% [markdown]
# After `backward()` the nodes are still there (`loss.grad_fn` still points at them), but what
# they saved is gone:

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
loss.backward()
viz.draw_graph(loss, params={"x": x}, show_saved=True)

# %% [markdown]
# So a second `backward()` through the same graph fails, for lack of a saved tensor:

# %%
x = torch.tensor([1., 2.], requires_grad=True)
loss = (x * x).sum()
loss.backward()
print(x.grad)
try:
    loss.backward()
except RuntimeError as error:
    print("RuntimeError:", str(error).split(". ")[0] + ".")

# %% [markdown]
# The same happens after `torch.autograd.grad(...)`, the other way of running a backward pass.
# `backward(retain_graph=True)` keeps the saved tensors for a second pass; chapter 3 shows when
# you need it and what a second pass does to `.grad`.
#
# PyTorch's dynamic graph, in two rules:
#
# 1. **The forward pass runs eagerly.** Each statement computes its result at once and adds its
#    nodes and edges to the graph; nothing waits for the graph to be complete.
# 2. **The graph is freed by the backward pass.** Its saved tensors are released, and the next
#    iteration builds a new graph from scratch, which is exactly what lets control flow and
#    shapes change at every step.
#
# ## Summary
#
# - Every operation on a tensor that requires grad leaves a node, the result's `grad_fn`, named
#   like `MulBackward0`. Tensors you create have `grad_fn` `None`.
# - `grad_fn.next_functions` holds one `(node, output index)` pair per input, `(None, 0)` for an
#   input that needs no gradient. A tensor used twice is one node reached by two edges.
# - Each leaf that requires grad has one `AccumulateGrad` node (its `.variable` is the leaf),
#   which adds incoming gradients into `.grad`.
# - The graph records the operations that ran: leaves at the bottom, intermediate results in
#   between, the output on top. The same structure is the forward graph (values) and the
#   backward graph (gradients).
# - The graph is built as the code runs (define-by-run), so `if`, `while` and shapes may differ
#   from call to call; `backward()` frees it.
# - A node is the backward half of an operation: it turns the output's gradient into one
#   gradient per input. PyTorch's own nodes are generated in C++ from `derivatives.yaml`; a
#   custom `torch.autograd.Function` makes its own node from `forward` (computes and saves) and
#   `backward`, and `gradcheck` tests that backward against finite differences.
#
# Next, chapter 3 runs `backward()` on these graphs node by node: the chain rule, the order in
# which the nodes run, and how gradients accumulate.

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
# >   custom `Function` makes its node from a `Function` class (section 7).
# > * 《PyTorch 梯度》 says that the graph is destroyed after `backward()`: the nodes stay, what
# >   they saved is freed (section 8).
