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
# Sooner or later every PyTorch user needs the *values* of a tensor without its history: to
# plot them, to hand them to NumPy, to feed one model's output into another model without
# training the first, to update a parameter. PyTorch offers two doors out of the graph,
# `tensor.detach()` and `tensor.data`, and they look alike: both give a tensor that shares the
# same memory and does not require grad. This chapter shows where they differ, and why the
# difference decides between a loud error and a gradient that is silently wrong.
#
# The key to all of it is **in-place operations** (`add_`, `zero_`, `+=`, `x[0] = ...`) and the
# little counter PyTorch keeps to notice them, `tensor._version`.
#
# You will learn:
#
# * what `detach()` returns (same storage, `requires_grad=False`, a leaf), and why `numpy()`
#   asks for it;
# * how in-place operations bump `_version`, and why PyTorch refuses them on a leaf that
#   requires grad, except under `torch.no_grad()`;
# * what each backward node **saves**, and how the version check protects it;
# * two examples where `.data` and `detach()` are used to change a tensor of the graph: one with
#   a sigmoid, one with `x * x`, and why they end differently;
# * how to cut the graph between two models, and how to update parameters safely (an
#   exponential moving average, as target networks use).
#
# **How to work through it.** Run the cells in order (Shift+Enter). Where the text says
# **predict**, decide what the next cell will print before you run it: the surprises of this
# chapter stick better that way. Each exercise has an answer cell, where you replace
# `raise NotImplementedError()` with your answer, and a locked test cell below it that tells you
# what is wrong and gives a hint. The **Validate** button runs the whole notebook and checks
# every exercise; your instructor's grading adds hidden tests to the same cells, so make your
# answers right in general, not just for the visible tests.
#
# **The engine.** As in every chapter, `autograd_core` stands in for PyTorch under PyTorch's
# name. With PyTorch installed you can write `import torch` instead: every output below stays
# the same (the pictures apart, which come from `autograd_core.viz`).

# %%
import autograd_core as torch
import numpy as np

# %% [markdown]
# ## 1. `detach()`: the same numbers, outside the graph
#
# `x.detach()` returns a **new tensor object** that looks at **the same memory** as `x`. The new
# tensor does not require grad, has no `grad_fn`, and is therefore a **leaf**: autograd will never
# follow it back to `x`.

# %%
x = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)
d = x.detach()
print(d)
print("requires_grad:", d.requires_grad, "| is_leaf:", d.is_leaf, "| grad_fn:", d.grad_fn)

# %% [markdown]
# The detached tensor prints without `requires_grad=True`: it is a plain tensor. It is not a
# copy, though. Both tensors point at the same memory (`data_ptr()` is the address of the first
# element), so a write through one is seen through the other:

# %%
print("same memory:", d.data_ptr() == x.data_ptr())
d[0] = 100.0
print(x)

# %% [markdown]
# Writing `d[0] = 100.0` changed `x`, although `x` requires grad and PyTorch refuses to change
# such a tensor in place directly (section 3 shows the error). Keep this in mind: `detach()` cuts
# the *graph*, not the *memory*. When you want an independent copy, write `x.detach().clone()`.
#
# `detach()` works on any tensor. Detaching a result of a computation gives a leaf as well, which
# you may even turn into the start of a new graph with `requires_grad_()`:

# %%
y = x * 2
h = y.detach()
print(y.is_leaf, h.is_leaf, h.requires_grad)
h.requires_grad_()
print(h)

# %% [markdown]
# `y` is not a leaf (it has `grad_fn=<MulBackward0>`), its detached twin `h` is. After
# `requires_grad_()`, `h` is a leaf that requires grad: gradients computed later would stop at
# `h` and never reach `x`.
#
# ## 2. `numpy()` asks for `detach()`
#
# A NumPy array knows nothing about autograd: whatever you compute with it is invisible to the
# graph, and no gradient will ever flow through it. So PyTorch will not quietly hand out the array
# of a tensor that requires grad; it wants you to say that you are leaving the graph, and its
# message says how:

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
# `x.detach().numpy()` is the idiom: `detach()` makes a tensor that does not require grad, and its
# `numpy()` is allowed. The array is still the same memory as `x` (no copy is made, which is why
# it is cheap), so writing into `array` changes `x`:

# %%
array[1] = -1.0
print(x)

# %% [markdown]
# When you need numbers to keep, `x.detach().numpy().copy()` or `x.tolist()` make a copy.
#
# ## 3. In-place operations and `_version`
#
# An **in-place** operation writes its result into the memory of its input instead of making a
# new tensor. PyTorch names them with a trailing underscore (`add_`, `mul_`, `zero_`, `fill_`,
# `copy_`, `clamp_`); the augmented assignments (`+=`, `-=`, `*=`, `/=`) and item assignment
# (`v[1] = 7.0`) are in place too.
#
# Every tensor carries a **version counter**, `tensor._version`, that each in-place operation
# increases by one. Operations that make a new tensor leave it alone:

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
# The counter is shared by a tensor, its views (`v[1:]`, `v.T`, ...) and its `detach()`
# aliases: `detach()` hands the new tensor the same counter, so a write through the detached
# tensor is counted for the original as well. (`.data`, in section 5, shares the memory but gets
# a counter of its own.)

# %%
x = torch.tensor([1.0, 2.0])
d = x.detach()
d.mul_(10)
print(x, x._version, d._version)

# %% [markdown]
# Both report version 1: one write, one shared counter. That sharing is exactly what lets
# autograd notice the write in section 5.
#
# ### In place on a leaf that requires grad: refused
#
# Try to change a leaf that requires grad in place, and PyTorch stops you:

# %%
x = torch.tensor([2.0, 3.0], requires_grad=True)
try:
    x += 1
except RuntimeError as error:
    print("RuntimeError:", error)
print(x, x._version)

# %% [markdown]
# Why? A leaf that requires grad is a quantity you want the gradient *with respect to*: a
# parameter of your model. Its `.grad` will describe how the loss changes when *these* values
# change. If `x += 1` were recorded like any other operation, `x` would stop being a leaf (it would
# be the output of an addition, with a `grad_fn`), and the gradient would no longer be about the
# tensor you created. PyTorch refuses rather than guessing; `x` is left as it was (version 0).
#
# ### ... and allowed under `torch.no_grad()`
#
# But models must change their parameters: that is what training is. The update is not part of
# the model's computation, so it is done with recording switched off, as chapter 5 showed. Here
# is its example again, this time with an eye on the version counter and on the leaf:

# %%
x = torch.tensor([2.0, 3.0], requires_grad=True)
with torch.no_grad():
    x += 1
    y = x * x
print(x)
print(x._version)
print(y.requires_grad)
print(x.is_leaf, x.grad_fn)

# %% [markdown]
# * `x` is now `[3., 4.]` and still prints `requires_grad=True`: it is the **same leaf**, with
#   new values. Nothing was recorded, so it did not gain a `grad_fn`.
# * `x._version` is 1: `no_grad` switches off the *graph*, not the *counter*. Every in-place
#   write is counted, always; section 6 shows why that matters.
# * `y = x * x` was computed with recording off, so `y.requires_grad` is `False` although `x`
#   requires grad.
#
# The `@torch.no_grad()` decorator does the same for every call of a function; here we keep the
# function's result.

# %%
x = torch.tensor([2.0, 3.0], requires_grad=True)


@torch.no_grad()
def bump_and_square(t):
    t += 1
    return t * t


y = bump_and_square(x)
print(x, x._version)
print(y, y.requires_grad)
print(torch.is_grad_enabled())

# %% [markdown]
# Same story: `x` becomes `[3., 4.]` in place (version 1) and stays a leaf that requires grad,
# the product `y` is not recorded, and once the call returns, recording is on again. Every
# optimizer's `step()` is such an in-place update under `no_grad`.
#
# ## 4. What backward needs: saved tensors
#
# To compute gradients, many backward nodes need numbers from the forward pass. The node **saves**
# them when the forward operation runs. Which ones depends on the derivative:
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
# Sigmoid, exp, tanh and relu save their *output* because their derivative is cheapest to compute
# from it. This innocent detail is what the rest of the chapter turns on.
#
# A saved tensor is not a copy (copying every intermediate result would double the memory of
# training). So the node also notes the tensor's `_version` when it saves it. When backward
# unpacks the saved tensor, it compares: if the version moved, the numbers are not the ones
# forward used, and backward raises an error instead of computing with them.
#
# The picture below draws the graph of `y = x.sigmoid(); z = y.sum()` with what each node saved
# (orange, dashed to its node) and each tensor's `_version`. `SigmoidBackward0` saved its
# `result`, at version 0.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import draw_graph, plot_function, plot_losses

x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.sigmoid()
z = y.sum()
draw_graph(z, params={"x": x}, show_saved=True, show_version=True, show_values=True)

# %% [markdown]
# The derivative it will compute from that saved result, $\sigma'(x) = y\,(1-y)$, is the dashed
# curve here; at $x = 1$ and $x = 2$ it is about 0.1966 and 0.1050.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
plot_function(torch.sigmoid, x_range=(-6, 6), name="σ")

# %% [markdown]
# ## 5. The sigmoid example: `.data` lies, `detach()` raises
#
# `.data` is the other way out of the graph. Like `detach()` it returns a tensor that shares the
# memory and does not require grad:

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.sigmoid()
y_data = y.data
print(y_data, y_data.requires_grad, y_data.data_ptr() == y.data_ptr())

# %% [markdown]
# The difference is the version counter: `.data` gets a **fresh counter of its own**.
# Writes through it are invisible to autograd.
#
# **Predict before you run.** The next cell zeroes `y` through `y.data`, then computes
# `z = y.sum()` and calls `z.backward()`. The true gradient of $\sum_i \sigma(x_i)$ is
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
# No error, and `x.grad` is `[0., 0.]`: **wrong**, and nothing says so. Follow the numbers:
# `y.data.zero_()` wrote zeros into the memory that `SigmoidBackward0` saved, and bumped only the
# `.data` tensor's private counter, so `y._version` is still 0. At backward time the version check
# passes, and the node computes $y(1-y)$ with $y = 0$: zero.
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
# `SigmoidBackward0` saved `y` at version 0. Backward notices and raises. Read the message: the
# modified tensor is a `torch.FloatTensor` of shape `[2]`, it "is output 0 of Sigmoid", it "is at
# version 1; expected version 0 instead". An error you can fix is far better than a gradient
# that is quietly zero.
#
# </details>
#
# The graph shows it too: the saved `result` is now drawn in red, "modified in place".

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
draw_graph(z, params={"x": x}, show_saved=True, show_version=True, show_values=True)

# %% [markdown]
# For the record, here is the gradient that both versions should have given, from a fresh graph
# with nothing modified:

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
x.sigmoid().sum().backward()
print(x.grad)

# %% [markdown]
# ## 6. The `x * x` example: both are fine, and why
#
# A common explanation of section 5 is "you may not modify a tensor of the graph before backward
# has run". The next example shows that this is not the real rule. Same steps, with `y = x * x`
# instead of the sigmoid. **Predict:** does either version raise? What is `x.grad`?

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
# place before backward both times (through `detach()`, `y._version` is even 1).
#
# The reason is what `MulBackward0` saved: its **inputs**, `x` and `x`, not its output `y`. The
# derivative of $x \cdot x$ is computed from `x`, and `x` was never touched. `SumBackward0`
# saved nothing at all. So nobody needs the old values of `y`, and the version check has nothing
# to object to. Sigmoid was different only because its backward reads its output, $y(1-y)$.
#
# </details>
#
# The rule, then: **backward fails (or, through `.data`, goes wrong) when a tensor that some
# node saved is modified in place.** Modifying a tensor that nothing saved is harmless.
#
# To see what was saved, the picture must be drawn before `backward()` frees it. Here is the
# graph of the detach example again, rebuilt and drawn just before its `backward()`:

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * x
y.detach().zero_()
z = y.sum()
draw_graph(z, params={"x": x}, show_saved=True, show_version=True)

# %% [markdown]
# The orange boxes are the two saved inputs, both `x` at version 0, while `y` is at version 1.
# Had we modified `x` instead (for example `x.detach().zero_()`), this `MulBackward0` would
# raise.
#
# The version check guards `torch.no_grad()` updates too. Switching recording off does not stop
# the counter, so changing a tensor that a graph saved is caught even inside `no_grad`:

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
# This is the error you meet when an optimizer's `step()` runs before the `backward()` of a
# second loss that still needs the old parameters. Since `x` is a leaf, the message says only
# `[torch.FloatTensor [2]] is at version 1`; there is no "output 0 of ..." part.
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
letters = set("ABCDEFG")
assert "will_raise" in globals(), (
    "will_raise is not defined yet: write your prediction in the cell above and run it."
)
assert type(will_raise) is set and all(type(letter) is str for letter in will_raise) and \
    will_raise <= letters, (
        f"Expected a set of letters (strings) taken from A to G; got {will_raise!r}."
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
assert not missing and not extra, (
    f"Expected the set of snippets that raise; your set misses {len(missing)} of them and has "
    f"{len(extra)} letter(s) too many. Hint: besides a leaf changed with recording on, look for "
    "a tensor that a node saved (the inputs of *, the outputs of exp, sigmoid and relu) changed "
    "before backward; and remember that .data has a version counter of its own."
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

# %% [markdown]
# Now run them and compare with your set. For each snippet the cell prints `ok` or the start of
# the error message.

# %%
for name, code in inplace_snippets.items():
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
#
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
assert "predicted_tanh_grad" in globals(), (
    "predicted_tanh_grad is not defined yet: write your prediction in the cell above and run it."
)
assert type(predicted_tanh_grad) in (list, tuple) and len(predicted_tanh_grad) == 2 and \
    all(type(g) in (int, float) for g in predicted_tanh_grad), (
        f"Expected a list of two numbers, one per element of x; got {predicted_tanh_grad!r}."
    )
x_check = torch.tensor([0.5, -1.0], requires_grad=True)
y_check = torch.tanh(x_check)
y_check.data.fill_(0.5)
y_check.sum().backward()
assert np.allclose(predicted_tanh_grad, x_check.grad.tolist(), atol=1e-3), (
    f"You predicted {list(predicted_tanh_grad)}; expected what backward() really stores in "
    "x.grad, which is something else. Hint: TanhBackward0 never looks at x; it computes 1 - y**2 "
    "from the y it saved, and .data wrote into that very memory without bumping y's counter."
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

# %% [markdown]
# Run it:

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
#
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
assert "predicted_versions" in globals(), (
    "predicted_versions is not defined yet: write your prediction in the cell above and run it."
)
assert type(predicted_versions) is tuple and len(predicted_versions) == 4 and \
    all(type(v) is int for v in predicted_versions), (
        f"Expected a tuple of four whole numbers, for a, b, c and e; got {predicted_versions!r}."
    )
a_check = torch.ones(3)
b_check = a_check.detach()
c_check = a_check.data
b_check.add_(1)
c_check.mul_(2)
a_check[0] = 5
e_check = a_check * 2
versions = {"a": a_check._version, "b": b_check._version, "c": c_check._version,
            "e": e_check._version}
wrong = [f"{name}._version" for name, guess in zip("abce", predicted_versions)
         if guess != versions[name]]
assert not wrong, (
    f"Expected the four version counters after the last line; your prediction for "
    f"{', '.join(wrong)} is off. Hint: each in-place write adds 1 to the counter of the tensor "
    "it goes through; detach() shares its counter with the original, .data gets one of its own, "
    "and a new (out-of-place) result starts at 0."
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

# %% [markdown]
# Run it to check:

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
# Before PyTorch 0.4, a tensor that took part in autograd was wrapped in a `Variable`, and
# `variable.data` was how you reached the plain tensor inside. Version 0.4 merged `Variable` into
# `Tensor`; `.data` stayed so that old code kept running, with the semantics you have just seen:
# changes made through it are not tracked, and a gradient that needs the old values comes out
# wrong. The 0.4 migration guide already recommended `x.detach()` as the safer alternative.
#
# What to write today:
#
# | you want to ... | write | not |
# | --- | --- | --- |
# | read the values (print, plot, NumPy) | `x.detach()`, `x.detach().numpy()`, `x.item()` | `x.data` |
# | feed values into another computation without a gradient path | `x.detach()` | `x.data` |
# | update parameters | `with torch.no_grad(): w -= lr * w.grad` | `w.data -= lr * w.grad` |
# | reset a gradient | `w.grad = None` or `w.grad.zero_()` | `w.grad.data.zero_()` |
# | an independent copy | `x.detach().clone()` | `x.data.clone()` |
#
# Old tutorials and older code use `x.grad.data.zero_()`
# and `w.data -= ...`: they work in those simple cases, because no graph saved the tensors being
# changed. `detach()` and `no_grad()` work in all cases and fail loudly when they cannot.
#
# ## 8. Cutting the graph between two models
#
# Why cut a graph at all? Suppose model A computes features and model B learns from them, and
# only B should be trained now (A is pre-trained, or trained by another loss). If B's loss
# reaches A through the graph, `backward()` computes gradients for A's weights for nothing, and
# an optimizer holding them would change A. `detach()` on A's output cuts the link.
#
# Here both models are one matrix each, on fixed data, in float64:

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
# `a_w.grad` stays `None`: backward stopped at the detached features, a leaf that does not require
# grad. `b_w.grad` is exactly what it was before, since B's own gradient does not depend on where
# its input came from.
#
# Training B alone is then the familiar loop. A's weights end exactly as they started:

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
assert "predicted_grads" in globals(), (
    "predicted_grads is not defined yet: write your prediction in the cell above and run it."
)
assert type(predicted_grads) is dict and all(type(k) is str for k in predicted_grads) and \
    set(predicted_grads) == {"a", "b", "c", "d"}, (
        f"Expected a dict with the keys 'a', 'b', 'c' and 'd'; got {predicted_grads!r}."
    )
assert all(v is None or type(v) in (int, float) for v in predicted_grads.values()), (
    f"Expected each value of predicted_grads to be a number or None; got {predicted_grads!r}."
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
assert not wrong, (
    f"Expected what backward() stores in each .grad; your prediction for {', '.join(wrong)} is "
    "off. Hint: with h = 6 and k = 39 as plain numbers, gradient flows only along paths that "
    "cross no detach(); a leaf that no such path reaches gets no gradient at all."
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
# Rounding has a derivative of zero almost everywhere, so a network with a rounding or
# quantisation step would get no gradient through it. The *straight-through estimator* keeps
# the rounded value in the forward pass and lets the gradient through as if the step were the
# identity. `detach()` can do that: a detached tensor is a constant for backward, so you can
# make a value come from one expression and its gradient from another.
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
# result of a computation, of any shape and floating dtype). It must not modify `x`. Replace
# `raise NotImplementedError()` with the body of the function.

# %% nbgrader={"grade": false, "grade_id": "ex5_straight_through", "locked": false, "schema_version": 3, "solution": true, "task": false}
def straight_through_round(x):
    """Values of x.round(); gradient of the identity."""
    ### BEGIN SOLUTION
    return x + (x.round() - x).detach()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_straight_through_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
x_check = torch.tensor([0.4, 1.6, -1.2, 3.0], requires_grad=True)
out = straight_through_round(x_check)
assert type(out) is torch.Tensor and torch.equal(out.detach(), x_check.detach().round()), (
    f"straight_through_round(tensor([0.4, 1.6, -1.2, 3.0])) returned {out!r}; expected a tensor "
    "with the values of x.round(). Hint: x + (something).detach() has the value of x plus that "
    "something."
)
assert out.requires_grad, (
    "straight_through_round returned a tensor that does not require grad; expected a result "
    "through which a gradient reaches x. Hint: keep x itself in the expression and detach only "
    "the correction."
)
weights = torch.tensor([1.0, 2.0, 3.0, 4.0])
(out * weights).sum().backward()
assert x_check.grad is not None and torch.allclose(x_check.grad, weights), (
    f"After (out * weights).sum().backward(), x.grad is {x_check.grad}; expected the gradient "
    "of the identity, which is the weights themselves. Hint: round() has a zero gradient almost "
    "everywhere, so it must not be on the path that the gradient takes."
)
assert x_check._version == 0, (
    f"x._version is {x_check._version} after the call; expected 0: straight_through_round must "
    "not change x in place. Hint: use out-of-place operations only."
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
_scalar = _torch.tensor(-0.6, requires_grad=True)
_s = straight_through_round(_scalar)
assert type(_s) is _torch.Tensor
_s.backward()
assert _s.item() == -1.0 and _scalar.grad.item() == 1.0
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Safe parameter updates: target networks and moving averages
#
# Some training methods keep a second copy of a model that follows the first one slowly: the
# *target network* of DQN, the *teacher* of self-distillation, the averaged weights many image
# and language models are evaluated with. After each optimizer step, every target parameter
# moves a little toward the online one, an **exponential moving average (EMA)**:
#
# $$ \text{target} \leftarrow \text{decay}\cdot\text{target} + (1-\text{decay})\cdot\text{online}. $$
#
# With `decay = 0` this is a plain copy (DQN's periodic "hard" update). The update must be done
# **in place** (so that every reference to the target tensors, such as a model or an optimizer,
# sees it), with **recording off** (it is not part of any model's computation, and the targets may
# be leaves that require grad), and it must not touch the online parameters (a graph may still
# need them).
#
# Watch what goes wrong without `no_grad`, on a target that does not require grad: the in-place
# add is *recorded*, because the online parameter requires grad, and the target stops being a
# leaf.

# %%
target = torch.tensor([1.0, 2.0])
online = torch.tensor([3.0, 4.0], requires_grad=True)
target.mul_(0.9).add_(online * 0.1)
print(target, target.is_leaf)

# %% [markdown]
# ### Exercise 6: `ema_update_`
#
# Write `ema_update_(target_params, online_params, decay)`. Both arguments are lists of tensors of
# matching shapes; for each pair, update the target tensor **in place** to
# `decay * target + (1 - decay) * online`. Record nothing: afterwards every target is still a
# leaf with `grad_fn` `None` and the same `requires_grad` as before, no online tensor is changed,
# and grad mode is on again. The function returns `None` (the trailing underscore says "in place",
# as in PyTorch). Replace `raise NotImplementedError()` with the body of the function.

# %% nbgrader={"grade": false, "grade_id": "ex6_ema_update", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ema_update_(target_params, online_params, decay):
    """In place, for each pair: target <- decay * target + (1 - decay) * online."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        for target, online in zip(target_params, online_params):
            target.mul_(decay).add_(online, alpha=1 - decay)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_ema_update_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
online = [torch.tensor([3.0, 4.0], requires_grad=True),
          torch.tensor([[0.0, 2.0]], requires_grad=True)]
targets = [torch.tensor([1.0, 2.0]), torch.tensor([[1.0, 1.0]], requires_grad=True)]
same_objects = list(targets)
pending = (online[0] * online[0]).sum()       # a graph that saved online[0], not yet backpropagated
try:
    returned = ema_update_(targets, online, 0.9)
except NotImplementedError:
    raise AssertionError(
        "ema_update_ is not written yet: replace `raise NotImplementedError()` in the cell above "
        "with your update and run that cell again."
    ) from None
except RuntimeError as error:
    raise AssertionError(
        f"ema_update_(targets, online, 0.9) raised RuntimeError: {error}\nExpected it to update "
        "the targets quietly. Hint: one target is a leaf that requires grad; changing such a "
        "leaf in place is allowed only while recording is switched off."
    ) from None
assert returned is None, f"ema_update_ returned {returned!r}; expected None (it works in place)."
assert all(t is k for t, k in zip(targets, same_objects)), (
    "ema_update_ put new tensors in the list; expected the same tensor objects, changed in "
    "place. Hint: every other reference to a target (a model, an optimizer) must see the update."
)
values = [t.detach().tolist() for t in targets]
expected_values = [[1.2, 2.2], [[0.9, 1.1]]]
assert all(np.allclose(v, e) for v, e in zip(values, expected_values)), (
    f"After ema_update_(targets, online, 0.9) the targets hold {values}; expected "
    "0.9 * target + 0.1 * online, element by element. Hint: assigning to a name (target = ...) "
    "does not change the tensor; write into it with in-place operations."
)
assert all(t.grad_fn is None for t in targets), (
    f"After the update a target has grad_fn {[t.grad_fn for t in targets]}; expected None: the "
    "update was recorded in a graph. Hint: do it with recording switched off."
)
assert [t.requires_grad for t in targets] == [False, True], (
    f"After the update the targets' requires_grad are {[t.requires_grad for t in targets]}; "
    "expected them unchanged ([False, True]). Hint: an in-place update does not need to touch "
    "the flag."
)
assert all(o._version == 0 for o in online), (
    "ema_update_ changed an online tensor in place; expected it to read them only. Hint: the "
    "online tensors appear only on the right-hand side of the formula."
)
assert torch.is_grad_enabled(), (
    "Grad mode is off after ema_update_; expected it on again. Hint: with torch.no_grad(): "
    "switches recording off for its block only."
)
pending.backward()
assert torch.allclose(online[0].grad, torch.tensor([6.0, 8.0])), (
    f"A graph built on online[0] before the update gives the gradient {online[0].grad}; expected "
    "the one computed from the unchanged values. Hint: leave the online tensors alone."
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
# ## Summary
#
# * `x.detach()` is a new leaf that shares `x`'s memory **and version counter**, and does not
#   require grad. It cuts the graph, not the memory: use `x.detach().clone()` for a copy.
# * `numpy()` refuses a tensor that requires grad; `x.detach().numpy()` is the idiom, and the
#   array shares memory with `x`.
# * Every in-place operation (`add_`, `zero_`, `+=`, `x[i] = ...`) bumps `_version`, with or
#   without `no_grad`.
# * An in-place change of a leaf that requires grad is refused with recording on, and allowed
#   under `torch.no_grad()`: that is how parameters are updated; the leaf stays a leaf.
# * Backward nodes save tensors (`MulBackward0` its inputs; `SigmoidBackward0`,
#   `ExpBackward0`, `TanhBackward0`, `ReluBackward0` their output) with their version, and
#   backward raises if a saved tensor was modified in place. Modifying a tensor nothing saved
#   is harmless.
# * `.data` shares memory but has its own counter, so the check cannot see changes made through
#   it: the sigmoid example gives `x.grad = [0., 0.]` without a word. It is a leftover of
#   PyTorch 0.4; use `detach()` for values and `no_grad()` for updates.
# * `features.detach()` between two models keeps one model's training from reaching the other;
#   `x + (f(x) - x).detach()` takes its value from `f` and its gradient from the identity.

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
# > * 《PyTorch 梯度》 says that in-place operations are still recorded under `no_grad`: they are
# >   not recorded, they are counted by the version counter (section 3). Its decorator example
# >   prints `y.requires_grad` for a `y` it never assigned (section 3).
# > * It describes `.data` and `detach()` as alike but for autograd's recording; the difference
# >   that decides between a wrong gradient and an error is the version counter, which
# >   `detach()` shares and `.data` does not (sections 3 and 5), and the real rule is about
# >   *saved* tensors, which its `x * x` example shows (section 6).
