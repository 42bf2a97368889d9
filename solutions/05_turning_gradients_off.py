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
# # Chapter 5: Turning gradients off (`no_grad`, `set_grad_enabled`, frozen parameters)
#
# Until now every operation on a tensor with `requires_grad=True` left a node in the graph. That
# is what training needs, and it is wasted work everywhere else: when you evaluate a model, when
# an optimizer writes new values into the weights, when you fine-tune only the last layer of a
# big network. This chapter is about the switches that stop the recording.
#
# By the end you will be able to
#
# * switch recording off in the three ways PyTorch offers (`with torch.no_grad():`, the
#   `@torch.no_grad()` decorator, `torch.set_grad_enabled(False)`) and switch it back on inside
#   with `torch.enable_grad()`;
# * say for any result whether it will `require_grad`, from its inputs and the grad mode;
# * freeze the body of a ResNet-18 and fine-tune a new classifier, and say which parameters the
#   optimizer really changes;
# * measure what `no_grad` saves: graph nodes, and memory;
# * tell `model.eval()` and `torch.no_grad()` apart, and write an evaluation function that uses
#   both and puts everything back as it was.
#
# As in every chapter: run the cells in order, write down your prediction before each
# *predict, then run* exercise, and use the test cell under each exercise for feedback (the
# **Validate** button checks them all). `import autograd_core as torch` gives an engine that
# prints what PyTorch prints; `nn` and `optim` are its small versions of `torch.nn` and
# `torch.optim`.

# %%
import autograd_core as torch
from autograd_core import nn, optim

# %% [markdown]
# ## 1. Autograd asks two questions before it records an operation
#
# Each time an operation runs, autograd decides on the spot whether to add a node to the graph.
# It records one only when **both** answers are yes:
#
# 1. **Is grad mode on?** A switch kept per thread (thread-local), on by default;
#    `torch.is_grad_enabled()` reads it for the thread that calls it. Switching it off in one
#    thread leaves the others alone, and a new thread starts with it on; in a notebook, which
#    runs your cells in one thread, it behaves like a single switch.
# 2. **Does at least one input require grad?** A flag on each tensor, `requires_grad`.
#
# When a node is recorded, the result gets `requires_grad=True` and a `grad_fn`. Otherwise the
# result is a plain tensor: `requires_grad=False`, `grad_fn=None`. There are therefore two ways
# to keep an operation out of the graph, and this chapter covers both: turn grad mode off
# (sections 2 and 3), or make sure no input requires grad (sections 4 to 6).
#
# Here is the first way in its shortest form. `x` requires grad; we square it once with grad mode
# on and once inside a `with torch.no_grad():` block.

# %%
x = torch.tensor([1., 2., 3.], requires_grad=True)
print(x.requires_grad)
print((x ** 2).requires_grad)

with torch.no_grad():
    print((x ** 2).requires_grad)
    print(torch.is_grad_enabled())

print(torch.is_grad_enabled())

# %% [markdown]
# Outside the block, `x ** 2` requires grad because its input does. Inside, the same expression
# gives a tensor that does not: grad mode is off, so question 1 already says no.
#
# Notice what `no_grad` does **not** do: it leaves `x.requires_grad` alone. `x` is still a leaf
# that requires grad inside the block; the block only stops operations from being *recorded*. And
# when the block ends, grad mode is back on.

# %% [markdown]
# ## 2. Three ways to switch recording off
#
# PyTorch gives three spellings of "grad mode off". We use the same small function,
# $y = x^2 + 20$ at $x = 10$, in all three.
#
# ### 2.1 A block: `with torch.no_grad():`

# %%
x = torch.tensor(10., requires_grad=True, dtype=torch.float64)

with torch.no_grad():
    y = x ** 2 + 20

print(y)
print(y.requires_grad, y.grad_fn, y.is_leaf)

# %% [markdown]
# `y` holds the right value, 120, but nothing about how it was made: no `grad_fn`, and so it is a
# leaf, like a tensor you typed in yourself. There is no graph behind it to go back through, and
# `backward()` says so:

# %%
try:
    y.backward()
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# A tip for reading other people's code: a snippet often found online writes `x = x ** 2 + 20`
# inside the block. That rebinds the *name* `x` to the unrecorded result, so from that line on `x`
# no longer requires grad, and anything computed from it afterwards is unrecorded too, whatever
# the grad mode. Keep the tensor you differentiate under its own name, as we do here.
#
# ### 2.2 A function: the `@torch.no_grad()` decorator
#
# When a whole function should never record (a prediction helper, a metric), decorate it. Grad
# mode is off while the function runs and back to what it was as soon as it returns.

# %%
@torch.no_grad()
def shifted_square(t):
    return t ** 2 + 20

z = shifted_square(x)
print(z, z.requires_grad)
print(torch.is_grad_enabled())

# %% [markdown]
# ### 2.3 A switch: `torch.set_grad_enabled(False)`
#
# `torch.set_grad_enabled(mode)` sets grad mode to `mode`. Called on a line of its own it is a
# plain switch, and it **stays** switched: every operation after it, in every cell you run next,
# goes unrecorded until you switch it back.

# %%
torch.set_grad_enabled(False)
w = x ** 2 + 20
print(w, torch.is_grad_enabled())

torch.set_grad_enabled(True)      # switch it back, or nothing you run from now on is recorded
w = x ** 2 + 20
print(w)

# %% [markdown]
# The same expression gave a recorded result (`grad_fn=<AddBackward0>`) only after the switch went
# back on. Forgetting that second call is a classic way to spend an afternoon wondering why
# `backward()` complains that "element 0 of tensors does not require grad".
#
# `set_grad_enabled` is also a context manager, and that is how it is usually used: it takes a
# boolean, so one loop can serve training (record) and evaluation (do not record).

# %%
for training in (True, False):
    with torch.set_grad_enabled(training):
        out = x * 3
    print(f"training={training}: out.requires_grad={out.requires_grad}")
print(torch.is_grad_enabled())

# %% [markdown]
# ### 2.4 A block restores the mode it found, even when something fails
#
# `no_grad`, `enable_grad` and `set_grad_enabled` used with `with` (or as decorators) remember the
# grad mode on entry and put **that** mode back on exit, exceptions included:

# %%
try:
    with torch.no_grad():
        raise ValueError("something went wrong inside the block")
except ValueError as error:
    print("caught:", error)
print(torch.is_grad_enabled())

with torch.no_grad():
    with torch.no_grad():
        pass
    print(torch.is_grad_enabled())     # the inner block restored "off", the mode it found

# %% [markdown]
# Both details matter when you write a helper that turns gradients off. A function that calls
# `torch.set_grad_enabled(False)` at the start and `torch.set_grad_enabled(True)` at the end is
# wrong twice: an exception in between leaves grad mode off for the rest of the program, and a
# caller who had switched grad mode off finds it switched on. You will write a helper that gets
# this right in section 8.
#
# ### 2.5 Recording again inside `no_grad`: `torch.enable_grad()`
#
# `torch.enable_grad()` is the opposite switch, and it works inside a `no_grad` block (as a block
# or as a decorator). PyTorch's own optimizers use it: `optimizer.step()` runs under `no_grad`,
# and when you hand it a closure that recomputes the loss, the closure runs under `enable_grad`
# so that its `backward()` has a graph to go through.

# %%
with torch.no_grad():
    a = x * 2
    with torch.enable_grad():
        b = x * 2
    c = x * 2
print(a.requires_grad, b.requires_grad, c.requires_grad)
print(b)

@torch.enable_grad()
def triple(t):
    return t * 3

with torch.no_grad():
    print(triple(x))

# %% [markdown]
# Grad mode decides whether operations are recorded; it does not stop you from *creating* a
# leaf that requires grad. A tensor made with `requires_grad=True` inside `no_grad` is a leaf that
# requires grad, ready to be used once the block is over:

# %%
with torch.no_grad():
    fresh = torch.ones(2, requires_grad=True)
print(fresh, fresh.is_leaf)

# %% [markdown]
# ### Exercise 1 (predict, then run): which results require grad?
#
# Read the next cell and run it (it prints nothing). Then predict, for each of `r_a` ... `r_e`,
# whether its `requires_grad` is `True` or `False`. Ask both questions each time: is grad mode on
# when the operation runs, and does any of its inputs require grad?

# %%
p = torch.tensor([1., 2.], requires_grad=True)
q = torch.tensor([3., 4.])

r_a = p * q
with torch.no_grad():
    r_b = p * q
    with torch.enable_grad():
        r_c = q * 2
torch.set_grad_enabled(False)
r_d = p + 1
torch.set_grad_enabled(True)
r_e = (r_b + p).sum()

# %% [markdown]
# In the cell below, replace `raise NotImplementedError()` with
# `predicted_requires_grad = {"a": ..., "b": ..., "c": ..., "d": ..., "e": ...}`, each value
# `True` or `False`.

# %% nbgrader={"grade": false, "grade_id": "ex1_grad_modes", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted_requires_grad = {"a": True, "b": False, "c": False, "d": False, "e": True}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1_grad_modes_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch


def run_exercise_1_snippet():
    """The snippet above, run here: its five results by name."""
    p = torch.tensor([1., 2.], requires_grad=True)
    q = torch.tensor([3., 4.])
    r_a = p * q
    with torch.no_grad():
        r_b = p * q
        with torch.enable_grad():
            r_c = q * 2
    torch.set_grad_enabled(False)
    r_d = p + 1
    torch.set_grad_enabled(True)
    r_e = (r_b + p).sum()
    return {"a": r_a, "b": r_b, "c": r_c, "d": r_d, "e": r_e}


assert "predicted_requires_grad" in globals(), (
    "predicted_requires_grad is not defined yet: write your prediction in the cell above and "
    "run it."
)
assert type(predicted_requires_grad) is dict and \
    all(type(key) is str for key in predicted_requires_grad) and \
    set(predicted_requires_grad) == {"a", "b", "c", "d", "e"}, (
    f"Expected a dict with the keys 'a' to 'e'; got {predicted_requires_grad!r}."
)
not_booleans = [key for key, value in predicted_requires_grad.items()
                if type(value) is not bool]
assert not not_booleans, (
    f"Expected True or False for every key; got something else for {sorted(not_booleans)}."
)
actual = {key: result.requires_grad for key, result in run_exercise_1_snippet().items()}
wrong = sum(predicted_requires_grad[key] != actual[key] for key in actual)
assert wrong == 0, (
    f"Expected what autograd does at each of the five lines; {wrong} of your 5 predictions "
    "are off. Hint: for each result ask two questions: is grad mode on at that line, and is p "
    "(the only tensor that requires grad) one of the operation's inputs?"
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

assert _torch.is_grad_enabled()
assert type(predicted_requires_grad) is dict
assert all(type(predicted_requires_grad[_k]) is bool for _k in "abcde")
_p = _torch.tensor([5., 6., 7.], requires_grad=True)
_q = _torch.ones(3)
with _torch.no_grad():
    _rb = _p * _q
    with _torch.enable_grad():
        _rc = _q * 2
_torch.set_grad_enabled(False)
_rd = _p + 1
_torch.set_grad_enabled(True)
_actual = {"a": (_p * _q).requires_grad, "b": _rb.requires_grad, "c": _rc.requires_grad,
           "d": _rd.requires_grad, "e": (_rb + _p).sum().requires_grad}
assert predicted_requires_grad == _actual
### END HIDDEN TESTS

# %% [markdown]
# Now see for yourself:

# %%
for name, result in [("r_a", r_a), ("r_b", r_b), ("r_c", r_c), ("r_d", r_d), ("r_e", r_e)]:
    print(name, result)

# %% [markdown]
# <details><summary>Each result, both questions (open after running the test)</summary>
#
# * `r_a`: grad mode on, `p` requires grad: recorded (`MulBackward0`).
# * `r_b`: grad mode off: not recorded, although `p` requires grad.
# * `r_c`: grad mode is back on inside `enable_grad`, but no input requires grad (`q` does not,
#   and `2` is a number): nothing to record. `enable_grad` does not make anything require grad.
# * `r_d`: the plain `set_grad_enabled(False)` switched grad mode off.
# * `r_e`: grad mode on again, and one input, `p`, requires grad. `r_b` contributes its value
#   but no history: the gradient of `r_e` will reach `p` only through the `+ p` term.
#
# </details>

# %% [markdown]
# ## 3. In-place writes under `no_grad`: how parameters are updated
#
# Outside `no_grad`, PyTorch refuses an in-place operation on a leaf that requires grad: the leaf
# is what the gradients are *about*, and overwriting it in the middle of a recorded computation
# would make the graph describe a tensor that no longer exists. Inside `no_grad` the same write
# is allowed, because nothing is being recorded.

# %%
x = torch.tensor([2., 3.], requires_grad=True)
with torch.no_grad():
    x += 1
    y = x * x
print(x)
print(x._version)
print(y.requires_grad)

try:
    x += 1
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# Three things to read off this output:
#
# * `x` was changed in place and is still the same leaf that requires grad.
# * `x._version` went from 0 to 1. Every tensor counts the in-place writes to its memory, and
#   `no_grad` does **not** stop that count. It cannot: if a graph recorded earlier had saved `x`
#   for its backward pass, that backward pass must be able to notice that `x` changed under it.
#   Chapter 6 is about exactly this, the version counter and in-place operations.
# * `y = x * x` was computed with grad mode off, so it does not require grad.
#
# Nothing about the write was recorded: `x` has no `grad_fn` and is still a leaf. Only the
# version counter noticed it.
#
# The same works in a decorated function, which is handy for "update" helpers; what you want to
# look at there is the function's return value.

# %%
x = torch.tensor([2., 3.], requires_grad=True)

@torch.no_grad()
def bump_and_square(t):
    t += 1
    return t * t

out = bump_and_square(x)
print(x, x._version)
print(out, out.requires_grad)

# %% [markdown]
# This is precisely what an optimizer's `step()` does. Here is one step of gradient descent by
# hand, $w \leftarrow w - 0.1\, \partial L / \partial w$ with $L = \sum w^2$, so
# $\partial L/\partial w = 2w$:

# %%
w = torch.tensor([1.0, -2.0], requires_grad=True)
loss = (w ** 2).sum()
loss.backward()
print(w.grad)

with torch.no_grad():
    w -= 0.1 * w.grad
print(w, w.is_leaf, w._version)

# %% [markdown]
# `w` moved against its gradient and stayed a leaf that requires grad, ready for the next forward
# pass. Without the `no_grad`, `w -= ...` would raise the error above; and with `w = w - ...`
# instead (no `no_grad`), `w` would become a non-leaf with a `grad_fn`, and its next `.grad`
# would never be filled. `torch.optim.SGD.step()` is this update, run under `no_grad`.

# %% [markdown]
# ## 4. `requires_grad` flows forward through operations
#
# Now the second question: does any input require grad? Chapter 1 gave the rule, in the words of
# PyTorch's autograd tutorial: **the output of an operation requires grad if at least one of its
# inputs does** (with grad mode on). Here is the tutorial's example again, this time to look at
# the graph it leaves.

# %%
torch.manual_seed(0)
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients? : {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

# %% [markdown]
# `a` is made from two tensors that do not require grad: nothing is recorded, and `a` is a plain
# tensor. `b` has one input that does, so `b` gets a node. Look at that node's edges: one per
# input, and for `x` the edge is empty, `(None, 0)`. The graph simply has no path to `x`.

# %%
print(b.grad_fn)
print(b.grad_fn.next_functions)

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import draw_graph

draw_graph(b, params={"z": z})

# %% [markdown]
# A backward pass from `b` fills `z.grad` and nothing else: `x` is not part of the graph, and
# `b` is not a leaf, so autograd passes the gradient through it without storing it (a tensor
# keeps `.grad` only when it is a leaf and requires grad).

# %%
b.backward(torch.ones(5, 5))
print(z.grad.sum())
print(x.grad)
print(b.is_leaf, b.requires_grad)

# %% [markdown]
# In a network, parameters whose `requires_grad` is `False` are called **frozen**. Freezing a
# part of a model you do not want to train has two effects: those parameters get no gradient
# (so an optimizer leaves them alone, with one trap that we meet in section 6), and the graph
# stops where the frozen part ends, so backward has less to do.

# %% [markdown]
# ## 5. What `no_grad` saves: counting the nodes of a graph
#
# A recorded graph is not free. Each node is an object, and many nodes keep tensors alive for
# the backward pass: `MulBackward0` keeps the factors (the derivative of `a * b` with respect to
# `a` is `b`), `ReluBackward0` keeps its result, a linear layer's `AddmmBackward0` keeps its input.
# They stay alive as long as the output that leads to them is alive. Let us measure how much a
# graph holds, starting with its size.
#
# The nodes reachable from a tensor are found by walking the edges: start at `t.grad_fn`, and
# follow every `next_functions` entry that is not `None`. A node may be reached along several
# paths (think of `b = a + a`), and it must be counted once.
#
# ### Exercise 2: count the nodes of a graph
#
# Write `count_graph_nodes(t)`: the number of **distinct** nodes reachable from `t.grad_fn`,
# that node included, and the `AccumulateGrad` nodes of the leaves included. A tensor without
# `grad_fn` (a leaf, or a result computed under `no_grad`) has a graph of 0 nodes.
#
# Use a loop with a stack (or a queue) and a set of the nodes already seen, not recursion: a
# graph can be tens of thousands of nodes deep, far beyond Python's recursion limit.
#
# For example, `x = torch.tensor([1., 2., 3.], requires_grad=True)` and `(x * 2).sum()` give
# `SumBackward0 → MulBackward0 → AccumulateGrad`, so 3 nodes.

# %% nbgrader={"grade": false, "grade_id": "ex2_count_graph_nodes", "locked": false, "schema_version": 3, "solution": true, "task": false}
def count_graph_nodes(t):
    """The number of distinct graph nodes reachable from t.grad_fn (0 if t has no grad_fn)."""
    ### BEGIN SOLUTION
    if t.grad_fn is None:
        return 0
    seen = {t.grad_fn}
    stack = [t.grad_fn]
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2_count_graph_nodes_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch

x = torch.tensor([1., 2., 3.], requires_grad=True)
got = count_graph_nodes((x * 2).sum())
assert type(got) is int and got == 3, (
    f"count_graph_nodes((x * 2).sum()) returned {got!r}; expected one count per node of "
    "SumBackward0 -> MulBackward0 -> AccumulateGrad. Hint: count the starting node, then every "
    "node you reach through next_functions (skip the None entries)."
)
got = count_graph_nodes(x)
assert type(got) is int and got == 0, (
    f"count_graph_nodes(x) for a leaf returned {got!r}; expected the size of a graph that does "
    "not exist. Hint: a leaf's grad_fn is None."
)
with torch.no_grad():
    unrecorded = x * 2
got = count_graph_nodes(unrecorded)
assert type(got) is int and got == 0, (
    f"count_graph_nodes on a result computed under no_grad returned {got!r}; expected the size "
    "of a graph that was never recorded. Hint: look at its grad_fn."
)
a = torch.tensor(2., requires_grad=True)
b = a + a
c = b + b
got = count_graph_nodes(c)
assert type(got) is int and got == 3, (
    f"count_graph_nodes(c) for b = a + a, c = b + b returned {got!r}; expected each distinct "
    "node counted once, however many edges lead to it. Hint: keep a set of the nodes already "
    "seen, and push a node on the stack only the first time you see it."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch


def _count(tensor):
    _got = count_graph_nodes(tensor)
    assert type(_got) is int
    return _got


# a constant input is an empty edge (None, 0), not a node
_p = _torch.tensor([1., 2.], requires_grad=True)
_q = _torch.tensor([3., 4.])
assert _count(_p * _q) == 2
# two leaves and an intermediate used twice
_u = _torch.tensor(1., requires_grad=True)
_v = _torch.tensor(2., requires_grad=True)
_m = _u * _v
assert _count(_m + _m * _u) == 5
# far deeper than Python's recursion limit
_t = _torch.tensor(1., requires_grad=True)
for _ in range(5000):
    _t = _t * 1.0
assert _count(_t) == 5001
# a small network: 3 AddmmBackward0, 3 TBackward0, 2 ReluBackward0, 6 AccumulateGrad
_torch.manual_seed(0)
_mlp = _torch.nn.Sequential(_torch.nn.Linear(4, 8), _torch.nn.ReLU(), _torch.nn.Linear(8, 8),
                            _torch.nn.ReLU(), _torch.nn.Linear(8, 1))
assert _count(_mlp(_torch.ones(3, 4))) == 14
with _torch.no_grad():
    assert _count(_mlp(_torch.ones(3, 4))) == 0
assert type(count_graph_nodes(_mlp(_torch.ones(3, 4)))) is int
### END HIDDEN TESTS

# %% [markdown]
# With a node counter in hand, compare a small network's forward pass with grad mode on and off.
# (If your `count_graph_nodes` is not finished yet, the next cell uses a reference version, so the
# rest of the chapter still runs.)

# %%
try:
    count_nodes = count_graph_nodes
    count_nodes(torch.ones(1))
except (NameError, NotImplementedError):     # exercise 2 not done yet: autograd_core's walk
    from autograd_core.viz import _walk

    def count_nodes(t):
        return 0 if t.grad_fn is None else len(_walk([t.grad_fn])[0])

torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
batch = torch.ones(3, 4)

recorded = mlp(batch)
with torch.no_grad():
    unrecorded = mlp(batch)
print(count_nodes(recorded), count_nodes(unrecorded))
print(torch.equal(recorded.detach(), unrecorded))

# %% [markdown]
# Same numbers, 14 nodes against none. The 14 are three `AddmmBackward0` (one per linear layer),
# three `TBackward0` (the transposed weights), two `ReluBackward0`, and six `AccumulateGrad`, one
# per weight and bias.
#
# A graph lives as long as the tensor at its top. That is the source of a classic memory leak in
# evaluation loops: adding up the losses as tensors keeps **every** batch's graph alive, linked
# together by the additions.

# %%
batches = [torch.ones(3, 4) * k for k in range(5)]

total = 0
for batch in batches:
    total = total + mlp(batch).pow(2).mean()
print("summing tensors:", count_nodes(total), "nodes kept")

total = 0
with torch.no_grad():
    for batch in batches:
        total = total + mlp(batch).pow(2).mean()
print("under no_grad:", count_nodes(total), "nodes kept")

# %% [markdown]
# Each batch leaves 10 nodes of its own (three `AddmmBackward0`, three `TBackward0`, two
# `ReluBackward0`, `PowBackward0`, `MeanBackward0`), each `+` one `AddBackward0`, and the six
# `AccumulateGrad` nodes of the parameters are shared by all the batches: 5 × 10 + 5 + 6 = 61
# nodes, and everything they saved, alive for as long as `total` is. Under `no_grad` nothing is
# kept. (Summing `loss.item()`, a Python float, avoids the leak too, but every forward pass still
# builds a graph that is thrown away at once; under `no_grad` none is built.)
#
# ### Memory
#
# Nodes are small; what they *keep* is not. The next cell builds networks of 3, 6 and 12 layers
# (`nn.Linear(256, 256)` then `nn.ReLU()`, repeated), runs each on a batch of 512 rows, and
# measures with Python's `tracemalloc` how much memory the forward pass leaves allocated while we
# hold on to its output. One activation, 512 × 256 float32 numbers, is 0.5 MiB.
#
# `tracemalloc` sees NumPy's allocations, so it measures autograd_core exactly. PyTorch's own
# memory does not go through Python's allocator; there you would use
# `torch.cuda.max_memory_allocated()` on a GPU, or the PyTorch profiler.

# %% skip_parity="measures memory, which differs between the two libraries"
import gc
import tracemalloc


def held_after(forward):
    """Run forward(); return its output and the MiB still allocated while the output is held."""
    gc.collect()
    tracemalloc.start()
    output = forward()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return output, held / 2**20


torch.manual_seed(0)
inputs = torch.rand(512, 256)
print("layers   grad mode on          under no_grad")
for depth in (3, 6, 12):
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(256, 256), nn.ReLU()]
    net = nn.Sequential(*layers)

    output, held_with_graph = held_after(lambda: net(inputs))
    nodes_with_graph = count_nodes(output)
    del output
    with torch.no_grad():
        output, held_without_graph = held_after(lambda: net(inputs))
    nodes_without_graph = count_nodes(output)
    del output
    print(f"{depth:>6}   {held_with_graph:4.1f} MiB, {nodes_with_graph:>2} nodes"
          f"     {held_without_graph:4.1f} MiB, {nodes_without_graph} nodes")

# %% [markdown]
# With grad mode on, the memory grows with the depth, one half-MiB activation per layer: each
# `ReluBackward0` keeps its output, which is also the input the next `AddmmBackward0` keeps.
# Under `no_grad`, each activation is freed as soon as the next layer has used it, and only the
# output is left, however deep the network. On a GPU, this is the difference between an
# evaluation batch that fits and one that does not.

# %% [markdown]
# ## 6. Frozen parameters: fine-tuning a ResNet-18
#
# ### 6.1 One training step, all parameters trainable
#
# A ResNet-18 is an image classifier: it takes a batch of images of shape `(N, 3, H, W)` and
# returns one score per class, 1000 classes by default. Here is the whole training step, the
# way PyTorch's "A Gentle Introduction to `torch.autograd`" tutorial shows it: a random 64×64
# image, random labels, a forward pass, a loss, a backward pass, one SGD step.
#
# In PyTorch the model comes from torchvision: `torchvision.models.resnet18(pretrained=True)`
# (written `weights=ResNet18_Weights.IMAGENET1K_V1` in torchvision 0.13 and later) downloads
# weights already trained on ImageNet, a 44.7 MB file. That is what makes fine-tuning worth it:
# the frozen body already knows how to see. autograd_core has the same architecture,
# `autograd_core.models.resnet18()`, but no weights to download; it starts from a random
# initialisation, and asking for pretrained weights says so:

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
try:
    torch.models.resnet18(pretrained=True)
except NotImplementedError as error:
    print("NotImplementedError:", error)

# %% [markdown]
# For this chapter that is no loss: which parameters receive gradients and which ones the
# optimizer changes does not depend on their values.

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
torch.manual_seed(0)
model = torch.models.resnet18()
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

prediction = model(data)                      # forward pass
print(prediction.shape)
loss = (prediction - labels).sum()
loss.backward()                               # backward pass

parameters = list(model.parameters())
print(len(parameters), "parameter tensors,", sum(p.numel() for p in parameters), "numbers")
print(sum(p.grad is not None for p in parameters), "of them have a .grad")
print(count_nodes(prediction), "graph nodes behind the prediction")

optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
optimizer.step()                              # gradient descent

# %% [markdown]
# 62 parameter tensors (11,689,512 numbers), and the backward pass reached all of them through a
# graph of 132 nodes: 20 convolutions, 20 batch norms, 17 ReLUs, 8 residual additions, two
# poolings, one flatten, the final linear layer (`AddmmBackward0` and `TBackward0`), and 62
# `AccumulateGrad`, one per parameter tensor.
#
# ### 6.2 Freeze everything, then replace the classifier
#
# Fine-tuning on a new task with 10 classes: freeze every parameter, then replace the last layer,
# `model.fc`, by a new `nn.Linear(512, 10)`. A freshly made layer's parameters require grad, so
# after the replacement the only trainable parameters are the new `fc.weight` and `fc.bias`.

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
for param in model.parameters():
    param.requires_grad = False

model.fc = nn.Linear(512, 10)

trainable = [name for name, param in model.named_parameters() if param.requires_grad]
print(trainable)
print(sum(p.numel() for p in model.parameters()), "numbers in all,",
      sum(p.numel() for p in model.parameters() if p.requires_grad), "trainable")

# %% [markdown]
# The optimizer of the tutorial is given **all** the parameters:
#
# ```python
# optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
# ```
#
# It only updates the ones that have a gradient, and after a backward pass only `fc.weight` and
# `fc.bias` will have one. But watch out before running it on *this* model: its body parameters
# still hold the `.grad` from the backward pass of section 6.1. Setting `requires_grad = False`
# does not clear `.grad`, and `SGD` never looks at `requires_grad`: it updates every parameter
# whose `.grad` is not `None`. Leave them, and `step()` would keep moving the "frozen" body with
# stale gradients. `optimizer.zero_grad()` (which sets every `.grad` to `None`) prevents that.
# A model freshly built, as in the tutorial, has no such leftovers.

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
optimizer.zero_grad()
print(sum(len(group["params"]) for group in optimizer.param_groups), "parameters registered")

before = {name: param.detach().clone() for name, param in model.named_parameters()}
prediction = model(data)
print(prediction.shape, count_nodes(prediction), "graph nodes")
loss = (prediction - torch.rand(1, 10)).sum()
loss.backward()
optimizer.step()

print("have a .grad:", [name for name, param in model.named_parameters() if param.grad is not None])
print("changed:     ", [name for name, param in model.named_parameters()
                        if not torch.equal(before[name], param.detach())])

# %% [markdown]
# Of the 62 registered parameters, two got a gradient and two changed. The graph behind the
# prediction has 4 nodes instead of 132: no input of the body's operations required grad, so
# the body ran like arithmetic on plain tensors, and recording began at the new classifier.
#
# One thing did change in the body, though: the model is still in training mode, so its
# `BatchNorm2d` layers updated their running statistics during this forward pass. Freezing
# stops gradients, not that; section 7 explains the difference.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
draw_graph(prediction, params=dict(model.named_parameters()))

# %% [markdown]
# Handing the optimizer only the trainable parameters, for instance
# `optim.SGD(model.fc.parameters(), ...)` or
# `optim.SGD([p for p in model.parameters() if p.requires_grad], ...)`, avoids the stale-gradient
# trap entirely, and is what most fine-tuning code does.
#
# ### Exercise 3: freeze all but the head
#
# Write `freeze_all_but(model, head)`: make every parameter of `model` frozen except those of the
# submodule called `head` (for a ResNet, `"fc"`), which must require grad, even if they had been
# frozen before. Return the names (as `named_parameters()` gives them) of the parameters that
# remain trainable, in that order.
#
# The test then trains the model for a step with an optimizer that holds **all** the parameters,
# and checks which ones moved.

# %% nbgrader={"grade": false, "grade_id": "ex3_freeze_all_but", "locked": false, "schema_version": 3, "solution": true, "task": false}
def freeze_all_but(model, head):
    """Freeze every parameter except those of model.<head>; return the trainable names."""
    ### BEGIN SOLUTION
    trainable = []
    for name, param in model.named_parameters():
        in_head = name.startswith(head + ".")
        param.requires_grad = in_head
        if in_head:
            trainable.append(name)
    return trainable
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3_freeze_all_but_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from autograd_core import nn, optim


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4))
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.body(x))


torch.manual_seed(0)
tiny = Tiny()
names = freeze_all_but(tiny, "fc")
assert type(names) is list and all(type(name) is str for name in names) and \
    names == ["fc.weight", "fc.bias"], (
    f"freeze_all_but(tiny, 'fc') returned {names!r}; expected the list of the names of the "
    "head's parameters, as named_parameters() gives them. Hint: the head's parameters are the "
    "ones whose name starts with 'fc.'."
)
not_frozen = [name for name, param in tiny.named_parameters()
              if param.requires_grad and not name.startswith("fc.")]
assert not not_frozen, (
    f"After freeze_all_but(tiny, 'fc'), {len(not_frozen)} body parameter(s) still require grad; "
    "expected every parameter outside the head to be frozen. Hint: set requires_grad on every "
    "parameter of the model, not only on the head's."
)
sgd = optim.SGD(tiny.parameters(), lr=0.1, momentum=0.9)
before = {name: param.detach().clone() for name, param in tiny.named_parameters()}
tiny(torch.ones(2, 3)).sum().backward()
sgd.step()
moved = [name for name, param in tiny.named_parameters()
         if not torch.equal(before[name], param.detach())]
assert moved == ["fc.weight", "fc.bias"], (
    f"After one SGD step over all the parameters, these changed: {moved}; expected exactly the "
    "head's parameters to change. Hint: a frozen parameter gets no .grad, and SGD skips "
    "parameters whose .grad is None."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_nn = _torch.nn


class _Other(_nn.Module):
    def __init__(self):
        super().__init__()
        self.features = _nn.Sequential(_nn.Linear(3, 5), _nn.BatchNorm1d(5), _nn.ReLU())
        self.classifier = _nn.Sequential(_nn.Linear(5, 4), _nn.ReLU(), _nn.Linear(4, 2))

    def forward(self, x):
        return self.classifier(self.features(x))


_net = _Other()
_net.requires_grad_(False)                    # the head was frozen too: it must come back
_names = freeze_all_but(_net, "classifier")
assert type(_names) is list and all(type(_n) is str for _n in _names)
assert _names == ["classifier.0.weight", "classifier.0.bias", "classifier.2.weight",
                  "classifier.2.bias"]
assert all(_p.requires_grad == _n.startswith("classifier.") for _n, _p in _net.named_parameters())
_again = freeze_all_but(_net, "classifier")                # a second call changes nothing
assert type(_again) is list and all(type(_n) is str for _n in _again) and _again == _names
_net(_torch.ones(4, 3)).sum().backward()
assert all((_p.grad is not None) == _n.startswith("classifier.")
           for _n, _p in _net.named_parameters())


class _Prefix(_nn.Module):                    # "fc2" only starts like "fc": it is not the head
    def __init__(self):
        super().__init__()
        self.fc = _nn.Linear(2, 2)
        self.fc2 = _nn.Linear(2, 2)


_prefix = _Prefix()
_again = freeze_all_but(_prefix, "fc")
assert type(_again) is list and all(type(_n) is str for _n in _again)
assert _again == ["fc.weight", "fc.bias"]
assert not _prefix.fc2.weight.requires_grad and not _prefix.fc2.bias.requires_grad
### END HIDDEN TESTS

# %% [markdown]
# ## 7. `model.eval()` is not `torch.no_grad()`
#
# The two are often written together, and often confused. `model.eval()` sets
# `model.training = False` on the model and every submodule (`model.train()` sets it back), and
# some layers read that flag. `torch.no_grad()` switches grad mode off. Do they overlap?
#
# ### Exercise 4 (predict, then run): eval versus no_grad
#
# A `BatchNorm2d` layer keeps a `running_mean` of the batches it has seen: it starts at zeros,
# and each forward pass in training mode moves it towards the batch's mean. Read the next cell
# and run it (it prints nothing).

# %%
bn = nn.BatchNorm2d(2)          # a new layer: training mode, running_mean = [0., 0.]
images = torch.arange(16, dtype=torch.float32).reshape(2, 2, 2, 2)
mean_at_start = bn.running_mean.clone()

with torch.no_grad():
    out_1 = bn(images)          # (1) training mode, grad mode off
mean_after_1 = bn.running_mean.clone()

bn.eval()
out_2 = bn(images)              # (2) eval mode, grad mode on

# %% [markdown]
# Predict two things, and in the cell below replace `raise NotImplementedError()` with two
# assignments of `True` or `False`:
#
# * `running_mean_changed_in_1`: did `bn.running_mean` change during (1)?
# * `out_2_requires_grad`: is `out_2.requires_grad` true?

# %% nbgrader={"grade": false, "grade_id": "ex4_eval_vs_no_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
running_mean_changed_in_1 = True
out_2_requires_grad = True
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex4_eval_vs_no_grad_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from autograd_core import nn

for name in ("running_mean_changed_in_1", "out_2_requires_grad"):
    assert name in globals(), (
        f"{name} is not defined yet: write your prediction in the cell above and run it."
    )
    assert type(globals()[name]) is bool, (
        f"{name} is {globals()[name]!r}; expected a boolean."
    )
layer = nn.BatchNorm2d(2)
images = torch.arange(16, dtype=torch.float32).reshape(2, 2, 2, 2)
start = layer.running_mean.clone()
with torch.no_grad():
    layer(images)
changed = not torch.equal(start, layer.running_mean)
layer.eval()
requires = layer(images).requires_grad
assert (running_mean_changed_in_1, out_2_requires_grad) == (changed, requires), (
    "Expected what the layer does in (1) and (2); at least one of your 2 predictions is off. "
    "Hint: no_grad decides whether operations are recorded, not which mode a layer is in; "
    "eval() decides how a layer computes, not whether its parameters require grad."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

assert type(running_mean_changed_in_1) is bool and type(out_2_requires_grad) is bool
_layer = _torch.nn.BatchNorm2d(3)
_batch = _torch.rand(4, 3, 2, 2) + 1.0
with _torch.no_grad():
    _layer(_batch)
assert running_mean_changed_in_1 == bool((_layer.running_mean != 0).all())
_layer.eval()
assert out_2_requires_grad == _layer(_batch).requires_grad
### END HIDDEN TESTS

# %% [markdown]
# Now see for yourself:

# %%
print(mean_at_start, mean_after_1, bn.running_mean)
print(out_1.requires_grad, out_2.requires_grad, out_2.grad_fn)

# %% [markdown]
# <details><summary>What each switch did, and a table to keep (open after running the test)</summary>
#
# * (1) `no_grad` recorded nothing (`out_1` does not require grad), but the layer was in
#   training mode, so it normalised with the batch's mean and moved `running_mean` from 0 towards
#   it: `0.9 * 0 + 0.1 * [5.5, 9.5] = [0.55, 0.95]` (momentum 0.1; channel 0 holds 0-3 and 8-11,
#   mean 5.5).
# * (2) `eval()` made the layer use the stored running statistics and leave them alone
#   (`running_mean` did not move again), but grad mode was on and `bn.weight` requires grad, so the
#   operation was recorded: `NativeBatchNormBackward0`.
#
# | | what it changes | what it does not change |
# |---|---|---|
# | `model.eval()` | how some **layers behave**: `BatchNorm` uses its stored running statistics instead of the batch's and stops updating them; PyTorch's `Dropout` stops dropping | recording: operations are still recorded if grad mode is on and a parameter requires grad |
# | `torch.no_grad()` | **recording**: nothing is recorded | layer behaviour: in training mode, `BatchNorm` still normalises with the batch's statistics and still updates its running statistics |
#
# </details>
#
# For evaluation you want both: `model.eval()` for the right layer behaviour, `no_grad` for no
# graph. And afterwards, `model.train()` before training continues.

# %% [markdown]
# ## 8. Putting it together: an evaluation function
#
# ### Exercise 5: `evaluate(model, data)`
#
# Write `evaluate(model, data)` that returns `model(data)` computed
#
# * in eval mode (so `BatchNorm` uses its running statistics and does not update them),
# * without building a graph (the result does not require grad),
#
# and that leaves things as it found them, **even when `model(data)` raises an exception**:
#
# * the model's training flag is what it was before the call (`model.training` reads it,
#   `model.train(mode)` sets it to `mode`);
# * grad mode is what it was before the call (a `with` block does this for you, see 2.4).

# %% nbgrader={"grade": false, "grade_id": "ex5_evaluate", "locked": false, "schema_version": 3, "solution": true, "task": false}
def evaluate(model, data):
    """model(data) in eval mode and without a graph; restores the training flag and grad mode."""
    ### BEGIN SOLUTION
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(data)
    finally:
        model.train(was_training)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex5_evaluate_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from autograd_core import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
net(torch.rand(8, 3))                         # gives BatchNorm some running statistics
data = torch.rand(5, 3)
running_mean = net[1].running_mean.clone()
out = evaluate(net, data)
assert type(out) is torch.Tensor, f"evaluate returned {out!r}; expected the model's output tensor."
assert not out.requires_grad, (
    f"evaluate(net, data) returned a tensor with grad_fn={out.grad_fn}; expected a result with "
    "no graph behind it. Hint: run the forward pass with grad mode off."
)
assert torch.equal(net[1].running_mean, running_mean), (
    "evaluate(net, data) changed BatchNorm's running_mean; expected the running statistics to "
    "be used, not updated. Hint: the forward pass ran in training mode; switch the model to "
    "eval mode for it."
)
assert net.training is True, (
    "After evaluate(net, data) the model is in eval mode; expected the training mode it had "
    "before the call. Hint: remember model.training before switching, and restore it after."
)
assert torch.is_grad_enabled(), (
    "After evaluate(net, data) grad mode is off; expected it back on, as it was before the call. "
    "Hint: a `with` block restores the grad mode it found."
)
net.eval()
reference = net(data).detach()
net.train()
assert out.shape == reference.shape and torch.allclose(out, reference), (
    f"evaluate(net, data) returned {out}; expected the values of the model's own forward pass "
    "in eval mode. Hint: return model(data), computed once."
)


class Broken(nn.Module):
    def forward(self, x):
        raise ValueError("this model always fails")


broken = Broken()
try:
    evaluate(broken, data)
except ValueError:
    pass
assert torch.is_grad_enabled(), (
    "When the model raised inside evaluate, grad mode stayed off; expected it restored even "
    "then. Hint: a `with torch.no_grad():` block restores grad mode however it is left."
)
assert broken.training is True, (
    "When the model raised inside evaluate, it was left in eval mode; expected its training "
    "mode restored even then. Hint: try/finally."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_nn = _torch.nn
_torch.set_grad_enabled(True)
_torch.manual_seed(1)
_net = _nn.Sequential(_nn.Linear(3, 4), _nn.BatchNorm1d(4), _nn.ReLU(), _nn.Linear(4, 2))
_net(_torch.rand(6, 3))
_data = _torch.rand(2, 3)
# called while grad mode is already off: it must stay off
with _torch.no_grad():
    evaluate(_net, _data)
    assert not _torch.is_grad_enabled()
assert _torch.is_grad_enabled()
# a model already in eval mode stays in eval mode, submodules included
_net.eval()
evaluate(_net, _data)
assert all(_m.training is False for _m in _net.modules())
_net.train()
# no graph at all, and the eval-mode values
_res = evaluate(_net, _data)
assert type(_res) is _torch.Tensor and _res.grad_fn is None and _res.is_leaf and not _res.requires_grad
assert all(_m.training is True for _m in _net.modules())
_net.eval()
assert _torch.allclose(_res, _net(_data).detach())
_net.train()


class _Broken(_nn.Module):
    def forward(self, x):
        raise KeyError("boom")


_broken = _Broken()
try:
    evaluate(_broken, _data)
    raise AssertionError("evaluate swallowed the model's exception")
except KeyError:
    pass
assert _torch.is_grad_enabled() and _broken.training is True
_broken.eval()
try:
    evaluate(_broken, _data)
except KeyError:
    pass
assert _broken.training is False
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# | you want | write | effect |
# |---|---|---|
# | a block without a graph | `with torch.no_grad():` | grad mode off inside, restored on exit (exceptions too) |
# | a function that never records | `@torch.no_grad()` | grad mode off while it runs |
# | one loop for training and evaluation | `with torch.set_grad_enabled(training):` | grad mode = `training` inside |
# | to switch grad mode for the rest of the thread | `torch.set_grad_enabled(False)` ... `torch.set_grad_enabled(True)` | stays off until switched back: prefer the `with` form |
# | to record inside `no_grad` | `with torch.enable_grad():` | grad mode on inside |
# | part of a model not trained | `param.requires_grad = False` (frozen) | no `.grad` for it; the graph starts after it |
# | layers in inference behaviour | `model.eval()` / `model.train()` | BatchNorm, Dropout change; recording does not |
#
# * An operation is recorded when grad mode is on **and** at least one input requires grad; its
#   result then requires grad and has a `grad_fn`.
# * `no_grad` leaves every tensor's `requires_grad` flag alone; it stops recording, and allows
#   in-place updates of leaves (how optimizers update weights). The version counter still counts
#   those writes.
# * A graph holds its nodes, and the tensors they saved, for as long as its output lives.
#   Evaluating under `no_grad` keeps none; summing losses as tensors keeps them all.
# * An optimizer updates every registered parameter whose `.grad` is not `None`: freezing does
#   not clear an old `.grad`, `zero_grad()` does.
#
# PyTorch also offers `torch.inference_mode()`, a stricter and faster `no_grad` for pure
# inference (autograd_core has it too). Its results, *inference tensors*, may still enter a
# recorded computation later, but never as a tensor that autograd saves for backward:
# `inference_t + w` is fine, while `inference_t * w` (whose backward needs `inference_t`) raises
# "Inference tensors cannot be saved for backward" at once. `inference_t.clone()` outside the
# block gives an ordinary tensor.
#
# **Next**, chapter 6 looks at in-place operations and the version counter that catches a tensor
# modified after a graph saved it.

# %% [markdown]
# ## Sources, and where they slip
#
# > This chapter retells examples of these articles, in its own words and with PyTorch
# > 2.13's numbers:
# >
# > * 《Pytorch自动求梯度原理介绍》 by 星尘 ([blog](https://blog.csdn.net/OuDiShenmiss)) and 安晟;
# > * 《pytorch 入门笔记 -02- 自动求导》 by zyk, <https://ld246.com/article/1637720533115>;
# > * 《自动微分模块》 (author and address not recorded);
# > * 《自动求导机制介绍》, a notebook version of PyTorch's tutorial
# >   [A Gentle Introduction to torch.autograd](https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html):
# >   <https://colab.research.google.com/github/lilxmx/DeepLearning-pytorch/blob/main/autograd_tutorial.ipynb>;
# > * 《PyTorch 梯度》 (author and address not recorded).
# >
# > Where they slip:
# >
# > * 《PyTorch 梯度》 says that in-place operations are still recorded under `no_grad`: they are
# >   not (no node, `x` stays a leaf); they are *counted*, by the version counter (section 3).
# >   Its decorator example prints `y.requires_grad`, but `y` is never assigned there.
# > * 《自动微分模块》's example rebinds `x = x**2 + 20` inside `no_grad` and leaves grad mode
# >   switched off by `torch.set_grad_enabled(False)` (section 2).
# > * 《Pytorch自动求梯度原理介绍》 builds `resnet18(pretrained=False)`, and the tutorial
# >   `pretrained=True`: torchvision 0.13 replaced `pretrained` with `weights` (`weights=None`
# >   for random weights, `weights=ResNet18_Weights.IMAGENET1K_V1` for trained ones; section 6).
