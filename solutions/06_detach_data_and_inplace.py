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
# # Chapter 6: `detach()`, `.data` and in-place operations
#
# Sooner or later you need the *values* of a tensor without its history: to plot them, to hand
# them to NumPy, to feed one model's output into another without training the first, to update a
# parameter. PyTorch has two doors out of the graph, `tensor.detach()` and `tensor.data`. Both
# give a tensor that shares the memory and does not require grad; this chapter shows where they
# differ, and why the difference decides between a loud error and a silently wrong gradient.
# The key is **in-place operations** (`add_`, `zero_`, `+=`, `x[0] = ...`) and the counter
# PyTorch keeps to notice them, `tensor._version`.
#
# You will learn:
#
# * what `detach()` returns, and why `numpy()` asks for it;
# * how in-place operations bump `_version`, and which tensors share a counter;
# * what each backward node **saves**, and how the version check protects it;
# * why changing a tensor of the graph through `.data` or `detach()` ends differently with a
#   sigmoid and with `x * x`;
# * how to cut the graph between two models, and how to update parameters safely.
#
# Run the cells in order; where the text says **predict**, decide what the next cell prints
# before you run it. Each exercise has an answer cell and a locked test cell that says what is
# wrong and gives a hint (grading adds hidden tests: make your answers right in general).
# `autograd_core` stands in for PyTorch under PyTorch's name; with `import torch` every output
# stays the same, the pictures apart.

# %%
import autograd_core as torch
import numpy as np

# %% [markdown]
# ## 1. `detach()`: the same numbers, outside the graph
#
# `x.detach()` returns a **new tensor object** that looks at **the same memory** as `x`. It does
# not require grad and has no `grad_fn`: a **leaf**, which autograd never follows back to `x`.

# %%
x = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)
d = x.detach()
print(d)
print("requires_grad:", d.requires_grad, "| is_leaf:", d.is_leaf, "| grad_fn:", d.grad_fn)

# %% [markdown]
# It is not a copy: both point at the same memory (`data_ptr()` is the address of the first
# element), so a write through one is seen through the other:

# %%
print("same memory:", d.data_ptr() == x.data_ptr())
d[0] = 100.0
print(x)

# %% [markdown]
# `d[0] = 100.0` changed `x`, although PyTorch refuses to change a leaf that requires grad in
# place directly (chapter 5). `detach()` cuts the *graph*, not the *memory*; for an independent
# copy write `x.detach().clone()`. Detaching a result gives a leaf too, which may start a new
# graph:

# %%
y = x * 2
h = y.detach()
print(y.is_leaf, h.is_leaf, h.requires_grad)
h.requires_grad_()
print(h)

# %% [markdown]
# After `requires_grad_()`, `h` is a leaf that requires grad: gradients computed later stop at
# `h` and never reach `x`.
#
# ## 2. `numpy()` asks for `detach()`
#
# A NumPy array knows nothing about autograd: no gradient flows through it. So PyTorch will not
# quietly hand out the array of a tensor that requires grad; its message says how to leave the
# graph:

# %%
x = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)
try:
    x.numpy()
except RuntimeError as error:
    print("RuntimeError:", error)

# %%
array = x.detach().numpy()
print(repr(array))

# %% [markdown]
# `x.detach().numpy()` is the idiom. The array is still `x`'s memory (no copy, which is why it
# is cheap), so writing into it changes `x`:

# %%
array[1] = -1.0
print(x)

# %% [markdown]
# For numbers to keep, `x.detach().numpy().copy()` or `x.tolist()` make a copy.
#
# ## 3. In-place operations and `_version`
#
# An **in-place** operation writes its result into its input's memory instead of making a new
# tensor: the methods with a trailing underscore (`add_`, `mul_`, `zero_`, `fill_`, `copy_`,
# `clamp_`), the augmented assignments (`+=`, `-=`, ...) and item assignment (`v[1] = 7.0`).
# Every tensor carries a **version counter**, `tensor._version`, that each in-place operation
# increases by one:

# %%
v = torch.zeros(3)
print(v._version)
v.add_(1)
print(v._version)
v += 1
print(v._version)
v[1] = 7.0
print(v._version)
w = v + 1            # out of place: a new tensor; v is untouched
print(v._version, w._version)

# %% [markdown]
# Three in-place writes, version 3; `v + 1` made a new tensor `w` (version 0) and left `v` at 3.
#
# Which tensors share a counter? A tensor, its views (`v[1:]`, `v.T`, ...) and its `detach()`
# aliases share one: a write through any of them is counted for all. `.data` shares the memory
# too, but gets a **counter of its own**, which only writes through it move:

# %%
a = torch.tensor([1.0, 2.0])
a_detached = a.detach()
a_data = a.data
a_detached.mul_(10)
print(a, a._version, a_detached._version, a_data._version)

# %% skip_parity="reads autograd_core's version-counter objects, which PyTorch keeps in C++"
import matplotlib.pyplot as plt


def draw_memory_and_counters(tensors):
    """Each named tensor (middle) with an arrow to its memory (left) and its version counter (right)."""
    rows = {name: len(tensors) - 1 - i for i, name in enumerate(tensors)}
    memories, counters = {}, {}
    for name, t in tensors.items():
        memories.setdefault(t.data_ptr(), []).append(name)
        counters.setdefault(id(t._version_counter), []).append(name)
    fig, ax = plt.subplots(figsize=(9, 1 + 0.7 * len(tensors)))
    for name, row in rows.items():
        ax.text(0, row, name, ha="center", va="center", family="monospace",
                bbox=dict(boxstyle="round", facecolor="white"))
    for side, groups, label, colour in (
            (-1, memories, lambda t: f"memory {t.tolist()}", "#cfe2f3"),
            (1, counters, lambda t: f"counter: version {t._version}", "#fce5cd")):
        for names in groups.values():
            y = sum(rows[n] for n in names) / len(names)
            for n in names:
                ax.annotate(label(tensors[n]), xy=(0.8 * side, rows[n]), xytext=(2.2 * side, y),
                            ha="center", va="center", arrowprops=dict(arrowstyle="<-", color="gray"),
                            bbox=dict(boxstyle="round", facecolor=colour))
    ax.set_xlim(-3.2, 3.2)
    ax.set_ylim(-0.6, len(tensors) - 0.4)
    ax.axis("off")
    plt.show()


draw_memory_and_counters({"a": a, "a.detach()": a_detached, "a.data": a_data})

# %% [markdown]
# One memory for all three; `a` and `a.detach()` share one counter, which the write moved to 1;
# `a.data` has its own, still at 0. Section 5 shows what that difference costs.
#
# Chapter 5 showed the rest of the story: PyTorch refuses an in-place write to a leaf that
# requires grad while recording is on, and allows it under `torch.no_grad()`, which is how
# optimizers update weights. The counter counts the write either way: `no_grad` stops the graph,
# not the counter.
#
# ## 4. What backward needs: saved tensors
#
# Many backward nodes need numbers from the forward pass, and **save** them when the forward
# operation runs. Which ones depends on the derivative:
#
# | forward | derivative | what the node saves |
# | --- | --- | --- |
# | `y = a * b` (`MulBackward0`) | $\partial y/\partial a = b$, $\partial y/\partial b = a$ | the **inputs** `a` and `b` |
# | `y = x.sigmoid()` (`SigmoidBackward0`) | $\sigma'(x) = \sigma(x)\,(1-\sigma(x)) = y\,(1-y)$ | the **output** `y` |
# | `y = x.exp()` (`ExpBackward0`) | $e^x = y$ | the **output** `y` |
# | `y = x.tanh()` (`TanhBackward0`) | $1 - \tanh^2(x) = 1 - y^2$ | the **output** `y` |
# | `y = x.relu()` (`ReluBackward0`) | 1 where $y > 0$, else 0 | the **output** `y` |
# | `y = a + b` (`AddBackward0`) | 1 and 1 | nothing |
#
# Sigmoid, exp, tanh and relu save their *output*, from which their derivative is cheapest. The
# rest of the chapter turns on this detail.
#
# A saved tensor is not a copy (that would double training's memory), so the node also notes the
# tensor's `_version` when it saves it. When backward unpacks it, it compares: if the version
# moved, the numbers are not the ones forward used, and backward raises instead of computing.
#
# The picture draws `y = x.sigmoid(); z = y.sum()` with what each node saved (orange, dashed to
# its node) and each tensor's `_version`: `SigmoidBackward0` saved its `result`, at version 0.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import draw_graph, plot_function, plot_losses

x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.sigmoid()
z = y.sum()
draw_graph(z, params={"x": x}, show_saved=True, show_version=True, show_values=True)

# %% [markdown]
# The derivative it computes from that saved result, $y\,(1-y)$, is the dashed curve; at $x = 1$
# and $x = 2$ it is about 0.1966 and 0.1050.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
plot_function(torch.sigmoid, x_range=(-6, 6), name="σ")

# %% [markdown]
# ## 5. The sigmoid example: `.data` lies, `detach()` raises
#
# `.data` is the other way out of the graph. Like `detach()` it gives a tensor that shares the
# memory and does not require grad:

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.sigmoid()
y_data = y.data
print(y_data, y_data.requires_grad, y_data.data_ptr() == y.data_ptr())

# %% [markdown]
# But its counter is its own (section 3). **Predict before you run:** the next cell zeroes `y`
# through `y.data`, then calls `y.sum().backward()`. The true gradient is
# $\sigma(x)(1-\sigma(x)) \approx$ `[0.1966, 0.1050]`. What lands in `x.grad`: that, an error, or
# something else?

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.sigmoid()
y.data.zero_()
print(y, y._version)
z = y.sum()
z.backward()
print(x.grad)

# %% [markdown]
# <details><summary>What went on (open after running the cell)</summary>
#
# No error, and `x.grad` is `[0., 0.]`: **wrong**, and nothing says so. `y.data.zero_()` wrote
# zeros into the memory that `SigmoidBackward0` saved and bumped only the `.data` tensor's own
# counter, so `y._version` is still 0. The version check passes, and the node computes $y(1-y)$
# with $y = 0$.
#
# </details>
#
# Now the same thing through `detach()`:

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.sigmoid()
y.detach().zero_()
print(y, y._version)
z = y.sum()
try:
    z.backward()
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# <details><summary>Why this one raises (open after running the cell)</summary>
#
# This time the write went through the **shared** counter: `y._version` is 1, while
# `SigmoidBackward0` saved `y` at version 0, and backward raises. The message names the tensor
# (a `torch.FloatTensor` of shape `[2]`, "output 0 of Sigmoid") and both versions. An error you
# can fix beats a gradient that is quietly zero.
#
# </details>
#
# The graph shows it too: the saved `result` is now drawn in red, "modified in place".

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
draw_graph(z, params={"x": x}, show_saved=True, show_version=True, show_values=True)

# %% [markdown]
# The gradient both should have given, from a fresh graph:

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
x.sigmoid().sum().backward()
print(x.grad)

# %% [markdown]
# ## 6. The `x * x` example: both are fine, and why
#
# "You may not modify a tensor of the graph before backward" is a common reading of section 5,
# and not the real rule. Same steps with `y = x * x`. **Predict:** does either version raise?
# What is `x.grad`?

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * x
y.data.zero_()
z = y.sum()
z.backward()
print("through .data:   ", x.grad)

x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * x
y.detach().zero_()
print("y._version:", y._version)
z = y.sum()
z.backward()
print("through detach():", x.grad)

# %% [markdown]
# <details><summary>Why both are fine (open after running the cell)</summary>
#
# Both print `[2., 4.]`, which is $2x$: **correct**, and no error, although `y` was modified in
# place both times (through `detach()`, `y._version` is even 1). `MulBackward0` saved its
# **inputs**, `x` and `x`, not `y`, and `x` was never touched; `SumBackward0` saved nothing. Nobody
# needs the old `y`. Sigmoid differed only because its backward reads its output.
#
# </details>
#
# The rule: **backward fails (or, through `.data`, goes wrong) when a tensor that some node saved
# is modified in place.** Modifying a tensor nothing saved is harmless.
#
# `backward()` frees what the nodes saved, so to see it we rebuild the detach example's graph and
# draw it before its `backward()`:

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * x
y.detach().zero_()
z = y.sum()
draw_graph(z, params={"x": x}, show_saved=True, show_version=True)

# %% [markdown]
# The orange boxes are the two saved inputs, both `x` at version 0, while `y` is at version 1.
# Had we modified `x` instead, this `MulBackward0` would raise. The check guards `no_grad`
# updates too, since `no_grad` does not stop the counter:

# %%
x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x * x                  # MulBackward0 saves x (version 0)
with torch.no_grad():
    x += 1                 # x is now at version 1
try:
    y.sum().backward()
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# This is the error of an optimizer's `step()` run before the `backward()` of a second loss that
# still needs the old parameters. (`x` is a leaf, so there is no "output 0 of ..." part.)
#
# ## Exercises: in-place edits and versions
#
# ### Exercise 1: which of these raise? (predict, then run)
#
# The next cell stores seven short programs, `A` to `G`, as strings; running it only defines
# them. Each will later be run on its own, from scratch. Read them and decide, **without running
# them**, which ones raise a `RuntimeError` (anywhere, `backward()` included).
#
# Ask two questions of each: is a leaf that requires grad changed in place while recording is
# on? Is a tensor that some node saved changed in place before backward?

# %%
inplace_snippets = {
    "A": """
w = torch.tensor([1., 2.], requires_grad=True)
w.mul_(2)
""",
    "B": """
w = torch.tensor([1., 2.], requires_grad=True)
with torch.no_grad():
    w.mul_(2)
(w * w).sum().backward()
""",
    "C": """
x = torch.tensor([1., 2.], requires_grad=True)
y = x.exp()
y.add_(1)
y.sum().backward()
""",
    "D": """
x = torch.tensor([1., 2.], requires_grad=True)
y = x * 3
y.add_(1)
y.sum().backward()
""",
    "E": """
x = torch.tensor([1., 2.], requires_grad=True)
y = x.sigmoid()
y.data.mul_(0)
y.sum().backward()
""",
    "F": """
x = torch.tensor([1., 2.], requires_grad=True)
h = x * 2
y = h * h
h.detach().zero_()
y.sum().backward()
""",
    "G": """
x = torch.tensor([1., 2.], requires_grad=True)
y = (x * 2).relu()
y[0] = 0.
y.sum().backward()
""",
}

# %% [markdown]
# In the cell below, replace `raise NotImplementedError()` with `will_raise = {...}`: the set of
# the letters (as strings, e.g. `"B"`) of the snippets that raise; `set()` if you think none does.

# %% nbgrader={"grade": false, "grade_id": "ex1_will_raise", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
will_raise = {"A", "C", "F", "G"}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1_will_raise_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

letters = set("ABCDEFG")
assert "will_raise" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="will_raise"
)
assert type(will_raise) is set and all(type(letter) is str for letter in will_raise) and \
    will_raise <= letters, message(
        "Expected a set of letters (strings) taken from A to G; got {got!r}.", got=will_raise
    )


def raises(code):
    """Whether running the snippet from scratch raises a RuntimeError."""
    try:
        exec(code, {"torch": torch})
    except RuntimeError:
        return True
    return False


actual = {name for name, code in inplace_snippets.items() if raises(code)}
missing, extra = actual - will_raise, will_raise - actual
assert not missing and not extra, message(
    "Expected the set of snippets that raise; your set misses {missing} of them and has "
    "{extra} letter(s) too many. Hint: besides a leaf changed with recording on, look for "
    "a tensor that a node saved (the inputs of *, the outputs of exp, sigmoid and relu) changed "
    "before backward; and remember that .data has a version counter of its own.",
    missing=len(missing), extra=len(extra)
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch


def _raises(code):
    try:
        exec(code, {"torch": _torch})
    except RuntimeError:
        return True
    return False


_snippets = {
    "A": "w = torch.tensor([1., 2.], requires_grad=True)\nw.mul_(2)",
    "B": "w = torch.tensor([1., 2.], requires_grad=True)\nwith torch.no_grad():\n    w.mul_(2)\n"
         "(w * w).sum().backward()",
    "C": "x = torch.tensor([1., 2.], requires_grad=True)\ny = x.exp()\ny.add_(1)\ny.sum().backward()",
    "D": "x = torch.tensor([1., 2.], requires_grad=True)\ny = x * 3\ny.add_(1)\ny.sum().backward()",
    "E": "x = torch.tensor([1., 2.], requires_grad=True)\ny = x.sigmoid()\ny.data.mul_(0)\n"
         "y.sum().backward()",
    "F": "x = torch.tensor([1., 2.], requires_grad=True)\nh = x * 2\ny = h * h\nh.detach().zero_()\n"
         "y.sum().backward()",
    "G": "x = torch.tensor([1., 2.], requires_grad=True)\ny = (x * 2).relu()\ny[0] = 0.\n"
         "y.sum().backward()",
}
assert type(will_raise) is set and all(type(_letter) is str for _letter in will_raise)
assert will_raise == {_name for _name, _code in _snippets.items() if _raises(_code)}
### END HIDDEN TESTS

# %%
for name, code in inplace_snippets.items():     # ok, or the start of the error message
    try:
        exec(code, {"torch": torch})
        print(name, "ok")
    except RuntimeError as error:
        print(name, "RuntimeError:", str(error).split(":")[0])

# %% [markdown]
# <details><summary>Snippet by snippet (open after running the test)</summary>
#
# * **A** changes a leaf that requires grad with recording on. **B** does the same under
#   `no_grad`, which is allowed, and builds its graph afterwards from the new values.
# * **C**: `ExpBackward0` saved its output `y`, and `add_` changed it. **D** looks the same, but
#   multiplying by the number 3 needs no saved output (the derivative is 3), so changing `y` is
#   harmless.
# * **E** is the silent case of section 5: no error, and the gradient is wrong (zero).
# * **F**: `h * h` saved `h`; zeroing it through `detach()` bumps the shared counter.
# * **G**: item assignment is in place too, and `ReluBackward0` saved its output.
#
# </details>

# %% [markdown]
# ### Exercise 2: a gradient computed from tampered values (predict, then run)
#
# `tanh` saves its output: its backward computes $1 - y^2$ from the saved `y`. Read the cell below
# without running it:
#
# ```python
# x = torch.tensor([0.5, -1.0], requires_grad=True)
# y = torch.tanh(x)
# y.data.fill_(0.5)
# y.sum().backward()
# print(x.grad)
# ```
#
# No error is raised; the question is which numbers come out. In the cell below, replace
# `raise NotImplementedError()` with `predicted_tanh_grad = [..., ...]`: the two numbers you
# expect in `x.grad` (4 decimals are enough).

# %% nbgrader={"grade": false, "grade_id": "ex2_tanh_data", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted_tanh_grad = [0.75, 0.75]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2_tanh_data_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

assert "predicted_tanh_grad" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="predicted_tanh_grad"
)
assert type(predicted_tanh_grad) in (list, tuple) and len(predicted_tanh_grad) == 2 and \
    all(type(g) in (int, float) for g in predicted_tanh_grad), message(
        "Expected a list of two numbers, one per element of x; got {got!r}.",
        got=predicted_tanh_grad
    )
x_check = torch.tensor([0.5, -1.0], requires_grad=True)
y_check = torch.tanh(x_check)
y_check.data.fill_(0.5)
y_check.sum().backward()
assert np.allclose(predicted_tanh_grad, x_check.grad.tolist(), atol=1e-3), message(
    "You predicted {got}; expected what backward() really stores in "
    "x.grad, which is something else. Hint: TanhBackward0 never looks at x; it computes 1 - y**2 "
    "from the y it saved, and .data wrote into that very memory without bumping y's counter.",
    got=list(predicted_tanh_grad)
)
### BEGIN HIDDEN TESTS
import numpy as _np

import autograd_core as _torch

_x = _torch.tensor([0.5, -1.0], requires_grad=True)
_y = _torch.tanh(_x)
_y.data.fill_(0.5)
_y.sum().backward()
assert type(predicted_tanh_grad) in (list, tuple)
assert all(type(_g) in (int, float) for _g in predicted_tanh_grad)
assert _np.allclose(predicted_tanh_grad, _x.grad.tolist(), atol=1e-4)
### END HIDDEN TESTS

# %%
x = torch.tensor([0.5, -1.0], requires_grad=True)
y = torch.tanh(x)
y.data.fill_(0.5)
y.sum().backward()
print(x.grad)

# %% [markdown]
# <details><summary>Where these numbers come from (open after running the test)</summary>
#
# The true derivative $1 - \tanh^2(x)$ would be about `[0.7864, 0.4200]`, but backward computed
# $1 - 0.5^2 = 0.75$ for both elements, from the values `.data` wrote.
#
# </details>

# %% [markdown]
# ### Exercise 3: version numbers (predict, then run)
#
# Read this code without running it:
#
# ```python
# a = torch.ones(3)
# b = a.detach()
# c = a.data
# b.add_(1)
# c.mul_(2)
# a[0] = 5
# e = a * 2
# ```
#
# `a`, `b` and `c` share one memory (`e` has its own); the question is which of them share a
# *counter*. In the cell below, replace `raise NotImplementedError()` with
# `predicted_versions = (..., ..., ..., ...)`: the tuple
# `(a._version, b._version, c._version, e._version)` as you expect it after the last line.

# %% nbgrader={"grade": false, "grade_id": "ex3_versions", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted_versions = (2, 2, 1, 0)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3_versions_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

assert "predicted_versions" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="predicted_versions"
)
assert type(predicted_versions) is tuple and len(predicted_versions) == 4 and \
    all(type(v) is int for v in predicted_versions), message(
        "Expected a tuple of four whole numbers, for a, b, c and e; got {got!r}.",
        got=predicted_versions
    )


def run_the_code():
    """The code above, run here: its four version counters by name."""
    a = torch.ones(3)
    b = a.detach()
    c = a.data
    b.add_(1)
    c.mul_(2)
    a[0] = 5
    e = a * 2
    return {"a": a._version, "b": b._version, "c": c._version, "e": e._version}


versions = run_the_code()
wrong = [f"{name}._version" for name, guess in zip("abce", predicted_versions)
         if guess != versions[name]]
assert not wrong, message(
    "Expected the four version counters after the last line; your prediction for "
    "{names} is off. Hint: each in-place write adds 1 to the counter of the tensor "
    "it goes through; detach() shares its counter with the original, .data gets one of its own, "
    "and a new (out-of-place) result starts at 0.",
    names=", ".join(wrong)
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_a = _torch.ones(3)
_b = _a.detach()
_c = _a.data
_b.add_(1)
_c.mul_(2)
_a[0] = 5
_e = _a * 2
assert type(predicted_versions) is tuple and all(type(_v) is int for _v in predicted_versions)
assert predicted_versions == (_a._version, _b._version, _c._version, _e._version)
### END HIDDEN TESTS

# %%
a = torch.ones(3)
b = a.detach()
c = a.data
b.add_(1)
c.mul_(2)
a[0] = 5
e = a * 2
print(a)
print(a._version, b._version, c._version, e._version)

# %% skip_parity="reads autograd_core's version-counter objects, which PyTorch keeps in C++"
draw_memory_and_counters({"a": a, "b = a.detach()": b, "c = a.data": c, "e = a * 2": e})

# %% [markdown]
# <details><summary>Counter by counter (open after running the test)</summary>
#
# `b.add_(1)` and `a[0] = 5` both counted on the counter that `a` and `b` share (2 each);
# `c.mul_(2)` counted only on `c`'s own (1), although it changed the same numbers; `e` is a new
# tensor (0). The values show that all three writes really happened to the one memory.
#
# </details>

# %% [markdown]
# ## 7. `.data` is a leftover: prefer `detach()`
#
# Before PyTorch 0.4, a tensor in autograd was wrapped in a `Variable`, and `variable.data`
# reached the plain tensor inside. Version 0.4 merged `Variable` into `Tensor`; `.data` stayed so
# that old code kept running, untracked, and its migration guide already recommended
# `x.detach()`. What to write today:
#
# | you want to ... | write | not |
# | --- | --- | --- |
# | read the values (print, plot, NumPy) | `x.detach()`, `x.detach().numpy()`, `x.item()` | `x.data` |
# | feed values into another computation without a gradient path | `x.detach()` | `x.data` |
# | update parameters | `with torch.no_grad(): w -= lr * w.grad` | `w.data -= lr * w.grad` |
# | reset a gradient | `w.grad = None` or `w.grad.zero_()` | `w.grad.data.zero_()` |
# | an independent copy | `x.detach().clone()` | `x.data.clone()` |
#
# Old code's `x.grad.data.zero_()` and `w.data -= ...` work in those simple cases because no graph
# saved the tensors being changed; `detach()` and `no_grad()` work in all cases, and fail loudly
# when they cannot.
#
# ## 8. Cutting the graph between two models
#
# Suppose model A computes features, model B learns from them, and only B should be trained now.
# If B's loss reaches A through the graph, `backward()` computes gradients for A's weights for
# nothing, and an optimizer holding them would change A. `detach()` on A's output cuts the link.
# Here both models are one matrix each, in float64:

# %%
x = torch.linspace(-1, 1, 8, dtype=torch.float64).reshape(8, 1)
target = torch.sin(3 * x)
a_w = torch.tensor([[1.0, -2.0, 0.5]], dtype=torch.float64, requires_grad=True)
b_w = torch.tensor([[0.1], [0.1], [0.1]], dtype=torch.float64, requires_grad=True)


def model_a(inputs):
    return torch.tanh(inputs @ a_w)


def model_b(features):
    return features @ b_w


loss = ((model_b(model_a(x)) - target) ** 2).mean()
loss.backward()
print(a_w.grad)
print(b_w.grad)

# %% [markdown]
# Without a cut, B's loss flows back into A: `a_w.grad` is filled. Now the same loss with A's
# output detached:

# %%
a_w.grad = None
b_w.grad = None
features = model_a(x)
loss = ((model_b(features.detach()) - target) ** 2).mean()
loss.backward()
print(a_w.grad)
print(b_w.grad)
print(features.requires_grad, features.detach().requires_grad)

# %% [markdown]
# `a_w.grad` stays `None`: backward stopped at the detached features. `b_w.grad` is unchanged:
# B's gradient does not depend on where its input came from. Training B alone, A's weights end
# exactly as they started:

# %%
a_before = a_w.detach().clone()
b_w.grad = None
losses = []
for _ in range(200):
    features = model_a(x).detach()
    loss = ((model_b(features) - target) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        b_w -= 0.5 * b_w.grad
    b_w.grad = None
    losses.append(loss.item())
print(f"loss: {losses[0]:.4f} -> {losses[-1]:.4f}")
print("A unchanged:", torch.equal(a_w, a_before), "| a_w.grad:", a_w.grad)
print("b_w._version:", b_w._version)

# %% [markdown]
# 200 in-place updates under `no_grad`, so `b_w._version` is 200; B's loss went down while A was
# never touched. (The loss does not reach zero: three fixed tanh features cannot fit
# $\sin 3x$ exactly.)

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
plot_losses(losses, title="Training model B on A's detached features")

# %% [markdown]
# ### Exercise 4: which leaves get which gradient? (predict, then run)
#
# Read this code without running it:
#
# ```python
# a = torch.tensor(2.0, requires_grad=True)
# b = torch.tensor(3.0, requires_grad=True)
# c = torch.tensor(4.0, requires_grad=True)
# d = torch.tensor(5.0, requires_grad=True)
# h = a * b
# k = h.detach() * c + (d * b).detach()
# loss = k * h
# loss.backward()
# ```
#
# Treat every detached tensor as a constant number. In the cell below, replace
# `raise NotImplementedError()` with `predicted_grads = {"a": ..., "b": ..., "c": ..., "d": ...}`:
# what you expect in `a.grad`, `b.grad`, `c.grad` and `d.grad` after `backward()`, each a
# number, or `None` for a `.grad` that stays empty.

# %% nbgrader={"grade": false, "grade_id": "ex4_predict_grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted_grads = {"a": 117.0, "b": 78.0, "c": 36.0, "d": None}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex4_predict_grads_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

assert "predicted_grads" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="predicted_grads"
)
assert type(predicted_grads) is dict and all(type(k) is str for k in predicted_grads) and \
    set(predicted_grads) == {"a", "b", "c", "d"}, message(
        "Expected a dict with the keys 'a', 'b', 'c' and 'd'; got {got!r}.", got=predicted_grads
    )
assert all(v is None or type(v) in (int, float) for v in predicted_grads.values()), message(
    "Expected each value of predicted_grads to be a number or None; got {got!r}.",
    got=predicted_grads
)
leaves = {name: torch.tensor(value, requires_grad=True)
          for name, value in zip("abcd", (2.0, 3.0, 4.0, 5.0))}
h_check = leaves["a"] * leaves["b"]
k_check = h_check.detach() * leaves["c"] + (leaves["d"] * leaves["b"]).detach()
(k_check * h_check).backward()
wrong = []
for name, leaf in leaves.items():
    guess = predicted_grads[name]
    if leaf.grad is None or guess is None:
        if (leaf.grad is None) != (guess is None):
            wrong.append(f"{name}.grad")
    elif abs(float(guess) - leaf.grad.item()) > 1e-4:
        wrong.append(f"{name}.grad")
assert not wrong, message(
    "Expected what backward() stores in each .grad; your prediction for {names} is "
    "off. Hint: with h = 6 and k = 39 as plain numbers, gradient flows only along paths that "
    "cross no detach(); a leaf that no such path reaches gets no gradient at all.",
    names=", ".join(wrong)
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_leaves = [_torch.tensor(_v, requires_grad=True) for _v in (2.0, 3.0, 4.0, 5.0)]
_h = _leaves[0] * _leaves[1]
_k = _h.detach() * _leaves[2] + (_leaves[3] * _leaves[1]).detach()
(_k * _h).backward()
assert type(predicted_grads) is dict and predicted_grads["d"] is None and _leaves[3].grad is None
for _name, _leaf in zip("abc", _leaves):
    assert type(predicted_grads[_name]) in (int, float)
    assert abs(predicted_grads[_name] - _leaf.grad.item()) < 1e-6
### END HIDDEN TESTS

# %% [markdown]
# <details><summary>Leaf by leaf (open after running the test)</summary>
#
# With `h = 6` and `k = 39` as constants, $\partial\,\text{loss}/\partial a = k \cdot b
# = 117$ and $\partial\,\text{loss}/\partial b = k \cdot a = 78$ (both through `h` only), $\partial\,
# \text{loss}/\partial c = h \cdot h = 36$ (the detached `h` is a constant factor of `c`, the other
# `h` multiplies `k`), and `d` appears only inside a detached expression, so `d.grad` stays
# `None`. The next cell prints them.
#
# </details>

# %%
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(3.0, requires_grad=True)
c = torch.tensor(4.0, requires_grad=True)
d = torch.tensor(5.0, requires_grad=True)
h = a * b
k = h.detach() * c + (d * b).detach()
loss = k * h
loss.backward()
print(a.grad, b.grad, c.grad, d.grad)

# %% [markdown]
# ### Exercise 5: the straight-through estimator
#
# Rounding has a derivative of zero almost everywhere, so a network with a quantisation step gets
# no gradient through it. The *straight-through estimator* keeps the rounded value in the forward
# pass and lets the gradient through as if the step were the identity. `detach()` can do that: a
# detached tensor is a constant for backward, so a value can come from one expression and its
# gradient from another.
#
# <details><summary>A hint, if you are stuck</summary>
#
# Add to `x` a detached correction that turns its value into `x.round()`: backward sees `x`
# plus a constant.
#
# </details>
#
# Write `straight_through_round(x)`: it returns a tensor whose values are those of `x.round()`
# and whose gradient with respect to `x` is that of the identity (`x` may be a leaf or the
# result of a computation, of any shape and floating dtype). It must not modify `x`, in any way.
# Replace `raise NotImplementedError()` with the body of the function.

# %% nbgrader={"grade": false, "grade_id": "ex5_straight_through", "locked": false, "schema_version": 3, "solution": true, "task": false}
def straight_through_round(x):
    """Values of x.round(); gradient of the identity."""
    ### BEGIN SOLUTION
    return x + (x.round() - x).detach()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_straight_through_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

x_check = torch.tensor([0.4, 1.6, -1.2, 3.0], requires_grad=True)
x_values = x_check.detach().clone()
try:
    out = straight_through_round(x_check)
except NotImplementedError:
    raise AssertionError(
        message("{function} is not written yet: expected your function in the cell above. Hint: "
                "replace `raise NotImplementedError()` with your code and run that cell again.",
                function="straight_through_round")
    ) from None
assert type(out) is torch.Tensor and torch.equal(out.detach(), x_values.round()), message(
    "straight_through_round(tensor([0.4, 1.6, -1.2, 3.0])) returned {got!r}; expected a tensor "
    "with the values of x.round(). Hint: x + (something).detach() has the value of x plus that "
    "something.",
    got=out
)
assert x_check._version == 0, message(
    "x._version is {version} after the call; expected 0: straight_through_round must "
    "not change x in place (no_grad or detach() let the write through, and the counter saw it). "
    "Hint: use out-of-place operations only.",
    version=x_check._version
)
assert torch.equal(x_check.detach(), x_values), message(
    "After the call x holds {got} instead of {want}, yet "
    "x._version is still 0: the change went through .data, which the version counter cannot "
    "see, so checking _version proves nothing here. Expected x untouched. Hint: build a new "
    "tensor from x and a detached correction; never write into x.",
    got=x_check.detach().tolist(), want=x_values.tolist()
)
assert out is not x_check, message(
    "straight_through_round returned x itself; expected a new tensor. Hint: the result's values "
    "differ from x's, so it cannot be x."
)
assert out.requires_grad, message(
    "straight_through_round returned a tensor that does not require grad; expected a result "
    "through which a gradient reaches x. Hint: keep x itself in the expression and detach only "
    "the correction."
)
weights = torch.tensor([1.0, 2.0, 3.0, 4.0])
(out * weights).sum().backward()
assert x_check.grad is not None and torch.allclose(x_check.grad, weights), message(
    "After (out * weights).sum().backward(), x.grad is {grad}; expected the gradient "
    "of the identity, which is the weights themselves. Hint: round() has a zero gradient almost "
    "everywhere, so it must not be on the path that the gradient takes.",
    grad=x_check.grad
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_x = _torch.tensor([[0.5, 1.5], [-2.5, 2.49]], dtype=_torch.float64, requires_grad=True)
_w = _torch.tensor([[1.0, -1.0], [0.5, 2.0]], dtype=_torch.float64)
_inner = _x * 3                                   # a non-leaf input, halves to round to even
_out = straight_through_round(_inner)
assert type(_out) is _torch.Tensor and _out.dtype == _torch.float64 and tuple(_out.shape) == (2, 2)
assert _torch.equal(_out.detach(), _torch.tensor([[2.0, 4.0], [-8.0, 7.0]], dtype=_torch.float64))
(_out * _w).sum().backward()
assert _torch.allclose(_x.grad, 3 * _w)
assert _inner._version == 0 and _x._version == 0
assert _out is not _inner and _torch.equal(_inner.detach(), _x.detach() * 3)
_scalar = _torch.tensor(-0.6, requires_grad=True)
_s = straight_through_round(_scalar)
assert type(_s) is _torch.Tensor
_s.backward()
assert _s.item() == -1.0 and _scalar.grad.item() == 1.0
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Safe parameter updates: target networks and moving averages
#
# Some methods keep a second copy of a model that follows the first slowly: DQN's *target
# network*, a self-distillation *teacher*, averaged weights for evaluation. After each optimizer
# step, each target parameter moves toward the online one, an **exponential moving average**:
#
# $$ \text{target} \leftarrow \text{decay}\cdot\text{target} + (1-\text{decay})\cdot\text{online}. $$
#
# The update must be **in place** (every reference to a target, a model or an optimizer, must see
# it) and **counted** by the version counter (a graph that saved a target must notice), with
# **recording off** (it is no model's computation), and must leave the online parameters alone (a
# graph may still need them). Without `no_grad`, even a target that does not require grad goes
# wrong: the in-place add is *recorded*, because `online` requires grad, and the target stops
# being a leaf:

# %%
target = torch.tensor([1.0, 2.0])
online = torch.tensor([3.0, 4.0], requires_grad=True)
target.mul_(0.9).add_(online * 0.1)
print(target, target.is_leaf)

# %% [markdown]
# ### Exercise 6: `ema_update_`
#
# Write `ema_update_(target_params, online_params, decay)`. Both arguments are lists of tensors of
# matching shapes; for each pair, update the target tensor in place, counted by its version
# counter, to `decay * target + (1 - decay) * online`. Record nothing: afterwards every target is
# still a leaf with the same `requires_grad`, no online tensor is changed, and grad mode is as it
# was. Return `None` (the trailing underscore says "in place", as in PyTorch).

# %% nbgrader={"grade": false, "grade_id": "ex6_ema_update", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ema_update_(target_params, online_params, decay):
    """In place, for each pair: target <- decay * target + (1 - decay) * online."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        for target, online in zip(target_params, online_params):
            target.mul_(decay).add_(online, alpha=1 - decay)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_ema_update_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

online = [torch.tensor([3.0, 4.0], requires_grad=True),
          torch.tensor([[0.0, 2.0]], requires_grad=True)]
targets = [torch.tensor([1.0, 2.0]), torch.tensor([[1.0, 1.0]], requires_grad=True)]
same_objects = list(targets)
pending = (online[0] * online[0]).sum()       # a graph that saved online[0], not yet backpropagated
try:
    returned = ema_update_(targets, online, 0.9)
except NotImplementedError:
    raise AssertionError(
        message("{function} is not written yet: expected your function in the cell above. Hint: "
                "replace `raise NotImplementedError()` with your code and run that cell again.",
                function="ema_update_")
    ) from None
except RuntimeError as error:
    raise AssertionError(
        message("ema_update_(targets, online, 0.9) raised RuntimeError: {error}\nExpected it to "
                "update the targets quietly. Hint: one target is a leaf that requires grad; "
                "changing such a leaf in place is allowed only while recording is switched off.",
                error=error)
    ) from None
assert returned is None, message(
    "ema_update_ returned {got!r}; expected None (it works in place).", got=returned)
assert all(t is k for t, k in zip(targets, same_objects)), message(
    "ema_update_ put new tensors in the list; expected the same tensor objects, changed in "
    "place. Hint: every other reference to a target (a model, an optimizer) must see the update."
)
values = [t.detach().tolist() for t in targets]
expected_values = [[1.2, 2.2], [[0.9, 1.1]]]
assert all(np.allclose(v, e) for v, e in zip(values, expected_values)), message(
    "After ema_update_(targets, online, 0.9) the targets hold {values}; expected "
    "0.9 * target + 0.1 * online, element by element. Hint: assigning to a name (target = ...) "
    "does not change the tensor; write into it with in-place operations.",
    values=values
)
assert all(t._version >= 1 for t in targets), message(
    "After the update the targets' versions are {versions}, although their "
    "values changed: the writes went through .data, whose counter is its own, so a graph that "
    "saved a target would compute with the new values without a word. Expected every write "
    "counted. Hint: write into the target itself (mul_, add_, copy_) with recording off.",
    versions=[t._version for t in targets]
)
assert all(t.grad_fn is None for t in targets), message(
    "After the update a target has grad_fn {grad_fns}; expected None: the "
    "update was recorded in a graph. Hint: do it with recording switched off.",
    grad_fns=[t.grad_fn for t in targets]
)
assert [t.requires_grad for t in targets] == [False, True], message(
    "After the update the targets' requires_grad are {flags}; "
    "expected them unchanged ([False, True]). Hint: an in-place update does not need to touch "
    "the flag.",
    flags=[t.requires_grad for t in targets]
)
assert all(o._version == 0 for o in online), message(
    "ema_update_ changed an online tensor in place; expected it to read them only. Hint: the "
    "online tensors appear only on the right-hand side of the formula."
)
assert torch.is_grad_enabled(), message(
    "Grad mode is off after ema_update_; expected it on again, as it was. Hint: a `with` block "
    "switches recording off for its block only."
)
pending.backward()
assert torch.allclose(online[0].grad, torch.tensor([6.0, 8.0])), message(
    "A graph built on online[0] before the update gives the gradient {grad}; expected "
    "the one computed from the unchanged values. Hint: leave the online tensors alone.",
    grad=online[0].grad
)
### BEGIN HIDDEN TESTS
import numpy as _np

import autograd_core as _torch

# decay 0 is a hard copy, decay 1 changes nothing; float64 and 2-D; repeated updates
_online = [_torch.tensor([[1.0, -1.0], [2.0, 0.5]], dtype=_torch.float64, requires_grad=True)]
_targets = [_torch.zeros(2, 2, dtype=_torch.float64, requires_grad=True)]
_same = _targets[0]
ema_update_(_targets, _online, 0.0)
assert _targets[0] is _same and _targets[0].dtype == _torch.float64
assert _torch.equal(_targets[0].detach(), _online[0].detach())
assert _targets[0].is_leaf and _targets[0].requires_grad and _targets[0]._version >= 1
ema_update_(_targets, _online, 1.0)
assert _torch.equal(_targets[0].detach(), _online[0].detach())
_t2 = [_torch.tensor([0.0, 0.0])]
_o2 = [_torch.tensor([1.0, 10.0], requires_grad=True)]
for _ in range(3):
    assert ema_update_(_t2, _o2, 0.5) is None
assert _np.allclose(_t2[0].tolist(), [0.875, 8.75])
assert _t2[0].grad_fn is None and not _t2[0].requires_grad
assert _o2[0]._version == 0 and _o2[0].grad is None
assert _torch.is_grad_enabled()
### END HIDDEN TESTS

# %% [markdown]
# ## 10. Transfer: a gradient that is silently wrong
#
# A colleague keeps a layer's activations away from 0 and 1 like this:

# %%
def squashed_loss_buggy(x, w):
    h = (x @ w).sigmoid()
    h.data.clamp_(0.1, 0.9)          # keep the activations inside [0.1, 0.9]
    return (h ** 2).sum()

# %% [markdown]
# Its values are right. Its gradient with respect to `w` is not, and nothing says so.
#
# ### Exercise 7: `squashed_loss(x, w)`
#
# Write `squashed_loss(x, w)`: the same value as `squashed_loss_buggy(x, w)`, with the true
# gradient of that function of `w` (the one finite differences of its values give). It must not
# modify `x` or `w`. Find out first what goes wrong in the buggy version; the rest follows.

# %% nbgrader={"grade": false, "grade_id": "ex7_squashed_loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
def squashed_loss(x, w):
    """sum(clamp(sigmoid(x @ w), 0.1, 0.9) ** 2), with its true gradient."""
    ### BEGIN SOLUTION
    h = (x @ w).sigmoid().clamp(0.1, 0.9)
    return (h ** 2).sum()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex7_squashed_loss_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

torch.set_grad_enabled(True)                  # whatever an earlier cell left behind
x_check = torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.8, -1.5], [2.0, 1.0, 1.0], [-1.0, -1.0, 0.2]],
                       dtype=torch.float64)
w_check = torch.tensor([[1.5, -0.5], [0.4, 1.2], [-0.7, 0.9]], dtype=torch.float64,
                       requires_grad=True)
w_values = w_check.detach().clone()


def finite_differences(w_values, eps=1e-6):
    """The gradient of the buggy function's values, by central differences, element by element."""
    grad = torch.zeros_like(w_values)
    with torch.no_grad():
        for i in range(w_values.shape[0]):
            for j in range(w_values.shape[1]):
                up, down = w_values.clone(), w_values.clone()
                up[i, j] += eps
                down[i, j] -= eps
                grad[i, j] = (squashed_loss_buggy(x_check, up) -
                              squashed_loss_buggy(x_check, down)) / (2 * eps)
    return grad


try:
    loss = squashed_loss(x_check, w_check)
except NotImplementedError:
    raise AssertionError(
        message("{function} is not written yet: expected your function in the cell above. Hint: "
                "replace `raise NotImplementedError()` with your code and run that cell again.",
                function="squashed_loss")
    ) from None
expected_value = squashed_loss_buggy(x_check, w_values).item()
assert type(loss) is torch.Tensor and loss.shape == () and \
    abs(loss.item() - expected_value) < 1e-9, message(
    "squashed_loss(x, w) returned {got!r}; expected a one-number tensor with the buggy "
    "version's value, {expected_value:.6f}. Hint: only the gradient was wrong, not the value.",
    got=loss, expected_value=expected_value
)
assert loss.requires_grad, message(
    "squashed_loss(x, w) returned a tensor that does not require grad; expected a result whose "
    "gradient reaches w. Hint: a detached tensor is a constant for backward; keep the clamp on "
    "the path the gradient takes."
)
try:
    loss.backward()
except RuntimeError as error:
    raise AssertionError(
        message("loss.backward() raised RuntimeError: {error}\nExpected a gradient. Hint: "
                "sigmoid saves its output for backward; changing that output in place, even "
                "through a method that records, trips the version check. Make the clamped "
                "activations a new tensor.",
                error=error)
    ) from None
assert w_check._version == 0 and torch.equal(w_check.detach(), w_values), message(
    "squashed_loss changed w; expected w untouched. Hint: use out-of-place operations only."
)
true_grad = finite_differences(w_values)
w_buggy = w_values.clone().requires_grad_()
squashed_loss_buggy(x_check, w_buggy).backward()
if w_check.grad is not None and torch.allclose(w_check.grad, w_buggy.grad, atol=1e-6):
    raise AssertionError(
        message("w.grad is {grad}, the buggy version's gradient; expected the one finite "
                "differences give. Hint: a write through .data is invisible to autograd: "
                "backward takes the sigmoid's derivative from the clamped values, and never "
                "learns that a clamp happened.",
                grad=w_check.grad.tolist())
    )
assert w_check.grad is not None and torch.allclose(w_check.grad, true_grad, atol=1e-5), message(
    "w.grad is {grad}; expected the gradient "
    "that finite differences of the function's values give. Hint: where an activation is "
    "clamped, moving w a little does not move the loss at all.",
    grad=None if w_check.grad is None else w_check.grad.tolist()
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_torch.set_grad_enabled(True)
_torch.manual_seed(4)
for _shape in [(5, 3, 4), (2, 6, 1)]:
    _x = (_torch.rand(_shape[0], _shape[1], dtype=_torch.float64) - 0.5) * 6
    _w0 = (_torch.rand(_shape[1], _shape[2], dtype=_torch.float64) - 0.5) * 2
    _w = _w0.clone().requires_grad_()
    _loss = squashed_loss(_x, _w)
    assert type(_loss) is _torch.Tensor and _loss.shape == ()
    _loss.backward()
    _ref_w = _w0.clone().requires_grad_()
    _ref = ((_x @ _ref_w).sigmoid().clamp(0.1, 0.9) ** 2).sum()
    _ref.backward()
    assert abs(_loss.item() - _ref.item()) < 1e-9
    assert _torch.allclose(_w.grad, _ref_w.grad, atol=1e-9)
    assert _torch.equal(_w.detach(), _w0) and _w._version == 0
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# * `x.detach()` is a new leaf that shares `x`'s memory **and version counter** and does not
#   require grad; `x.detach().clone()` is a copy; `x.detach().numpy()` the way to NumPy.
# * Every in-place operation bumps `_version`, with or without `no_grad`. A tensor, its views and
#   its `detach()` aliases share one counter; `.data` shares the memory with a counter of its own.
# * Backward nodes save tensors (`MulBackward0` its inputs; sigmoid, exp, tanh and relu their
#   output) with their version, and backward raises if a saved tensor was modified in place.
#   Modifying a tensor nothing saved is harmless.
# * Through `.data` the check cannot see the change: the gradient comes out wrong without a word.
#   `.data` is a leftover of PyTorch 0.4; use `detach()` for values and `no_grad()` for updates.
# * `detach()` between two models keeps one model's training from reaching the other, and makes
#   a value come from one expression and its gradient from another.

# %% [markdown]
# ## Sources, and where they slip
#
# > This chapter retells examples of these articles, in its own words and with PyTorch
# > 2.13's numbers:
# >
# > * 《自动微分模块》 (author and address not recorded);
# > * 《PyTorch 梯度》 (author and address not recorded).
# >
# > Where they slip:
# >
# > * 《PyTorch 梯度》 describes `.data` and `detach()` as alike but for autograd's recording; the
# >   difference that decides between a wrong gradient and an error is the version counter,
# >   which `detach()` shares and `.data` does not (sections 3 and 5), and the real rule is about
# >   *saved* tensors, which its `x * x` example shows (section 6).
