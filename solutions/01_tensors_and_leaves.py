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
# # Chapter 1: Tensors and leaves
#
# Which tensors **require grad**, and how the flag spreads; which are **leaves**, the only ones
# whose `.grad` is filled; a first **`backward()`**, checked by nudging; **`retain_grad()`**;
# and **frozen** parameters.
#
# **How to work through it.** Run the cells in order (Shift+Enter). In an answer cell, replace
# `raise NotImplementedError()` with your code, then run the locked test cell below it for
# feedback. For a *predict, then run* exercise, predict before running; the explanation is
# folded below the test. Grading adds hidden tests: be right in general.
#
# **The engine.** `autograd_core` is a small NumPy engine with PyTorch's names, defaults and
# printed results; with `import torch` instead, every output stays the same.

# %%
import autograd_core as torch

# %% [markdown]
# ## 1. `requires_grad`: off unless you ask
#
# A tensor made by `torch.ones`, `torch.tensor` and friends does not take part in autograd.

# %%
x1 = torch.ones((2, 2))
x1

# %%
x1.requires_grad

# %% [markdown]
# Ask for it at creation, and the printed form shows it:

# %%
x2 = torch.ones((2, 2), requires_grad=True)
x2

# %% [markdown]
# Or switch it on later with `requires_grad_()` (a trailing underscore means "in place").
# Only floating-point tensors can require grad: integers cannot change by a small amount.

# %%
c = torch.tensor([1.0, 2.0])
c.requires_grad_()
print(c)

try:
    torch.tensor([1, 2], requires_grad=True)
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# ## 2. The flag spreads through operations
#
# Compute something from `x2`, and the result requires grad too:

# %%
y2 = x2 + 1
y2.requires_grad

# %%
y2

# %% [markdown]
# `grad_fn=<AddBackward0>`: autograd recorded the addition, to go back through it later. The
# rule: **a result requires grad as soon as one of its inputs does**; if none does, nothing is
# recorded:

# %%
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients? {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients? {b.requires_grad}")

# %% [markdown]
# ### Exercise 1 (predict, then run): which of these require grad?
#
# Run the next cell (it prints nothing), then decide which of the six tensors require grad.

# %%
p = torch.ones(3)
q = torch.ones(3, requires_grad=True)
r = p * 2
s = p + q
t = s.sum()
u = r * r

# %% [markdown]
# Answer with `requires_grad_names = {...}`, the set of their names as strings (`"p"`, ...).

# %% nbgrader={"grade": false, "grade_id": "ex1_requires_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your prediction: requires_grad_names = {...}
### BEGIN SOLUTION
requires_grad_names = {"q", "s", "t"}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1_requires_grad_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

names = ("p", "q", "r", "s", "t", "u")
assert "requires_grad_names" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="requires_grad_names"
)
assert type(requires_grad_names) is set and all(type(name) is str for name in requires_grad_names) and \
    requires_grad_names <= set(names), message(
        "Expected a set of names (strings) taken from {names}; got {got!r}.",
        names=names, got=requires_grad_names
    )
actual = {name for name in names if globals()[name].requires_grad}
missing, extra = actual - requires_grad_names, requires_grad_names - actual
assert not missing and not extra, message(
    "Expected the set of tensors that require grad; got {got}, which "
    "misses {missing} of them and has {extra} name(s) too many. Hint: follow each "
    "tensor back to p and q; a result requires grad as soon as one of its inputs does.",
    got=sorted(requires_grad_names), missing=len(missing), extra=len(extra)
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_p = _torch.ones(3)
_q = _torch.ones(3, requires_grad=True)
_r, _s = _p * 2, _p + _q
_tensors = {"p": _p, "q": _q, "r": _r, "s": _s, "t": _s.sum(), "u": _r * _r}
assert type(requires_grad_names) is set and all(type(n) is str for n in requires_grad_names)
assert requires_grad_names == {n for n, v in _tensors.items() if v.requires_grad}
### END HIDDEN TESTS

# %%
for name in ("p", "q", "r", "s", "t", "u"):
    print(name, globals()[name].requires_grad)

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# `q` asked for it; `s` has `q` as an input, and `t` has `s`. `r` and `u` come from `p`
# alone, and nothing that `p` touches is recorded.
#
# </details>

# %% [markdown]
# ## 3. Leaves and non-leaves
#
# Next to its numbers, every tensor carries a few attributes for autograd:
#
# | attribute       | what it holds |
# |-----------------|---------------|
# | `data`          | a Tensor with the same numbers, outside the graph (its storage is a NumPy array in `autograd_core`) |
# | `requires_grad` | whether autograd records operations on this tensor |
# | `grad`          | a Tensor: the gradient `backward()` stored here, or `None` |
# | `grad_fn`       | the graph node that made this tensor, or `None` |
# | `is_leaf`       | whether the graph starts at this tensor |
#
# A tensor is a **leaf** when no recorded operation made it (`grad_fn` is `None`), as every
# tensor you create yourself. A tensor made by a recorded operation is a **non-leaf**, and its
# `grad_fn` names that operation:

# %%
print(x2.is_leaf, x2.grad_fn)
print(y2.is_leaf, y2.grad_fn)

# %% [markdown]
# (`0x...` is a memory address.) A result computed only from tensors that do not require grad
# is a leaf too: no operation was recorded.

# %%
k = torch.ones(3) * 2
print(k.is_leaf, k.grad_fn)

# %% [markdown]
# Only a leaf's `requires_grad` can be switched; a non-leaf's flag follows from its inputs
# (`detach()`, which the error suggests, comes in chapter 6):

# %%
try:
    y2.requires_grad = False
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# A leaf can be switched on, and from then on its operations are recorded:

# %%
e = torch.randn(2, 2)
e = (e * 3) / (e - 1)
print(e.requires_grad, e.is_leaf)
e.requires_grad_(True)
print(e.requires_grad)
f = (e * e).sum()
print(f.grad_fn)

# %% [markdown]
# ### Exercise 2 (predict, then run): which are leaves?
#
# Same tensors as in exercise 1. Replace `raise NotImplementedError()` with
# `leaf_names = {...}`: the names of the tensors among `p, q, r, s, t, u` that are leaves.

# %% nbgrader={"grade": false, "grade_id": "ex2_leaves", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your prediction: leaf_names = {...}
### BEGIN SOLUTION
leaf_names = {"p", "q", "r", "u"}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2_leaves_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

names = ("p", "q", "r", "s", "t", "u")
assert "leaf_names" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="leaf_names"
)
assert type(leaf_names) is set and all(type(name) is str for name in leaf_names) and \
    leaf_names <= set(names), message(
        "Expected a set of names (strings) taken from {names}; got {got!r}.",
        names=names, got=leaf_names
    )
actual = {name for name in names if globals()[name].is_leaf}
missing, extra = actual - leaf_names, leaf_names - actual
assert not missing and not extra, message(
    "Expected the set of leaves; got {got}, which misses {missing} of "
    "them and has {extra} name(s) too many. Hint: a tensor is a non-leaf only if a "
    "recorded operation made it, and operations are recorded only when an input requires grad.",
    got=sorted(leaf_names), missing=len(missing), extra=len(extra)
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_p = _torch.ones(3)
_q = _torch.ones(3, requires_grad=True)
_r, _s = _p * 2, _p + _q
_tensors = {"p": _p, "q": _q, "r": _r, "s": _s, "t": _s.sum(), "u": _r * _r}
assert type(leaf_names) is set and all(type(n) is str for n in leaf_names)
assert leaf_names == {n for n, v in _tensors.items() if v.is_leaf}
### END HIDDEN TESTS

# %%
for name in ("p", "q", "r", "s", "t", "u"):
    print(name, globals()[name].is_leaf, globals()[name].grad_fn)

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# `p` and `q` you made yourself. `r` and `u` were computed, but from `p` alone: nothing was
# recorded, so they are leaves too. `s` and `t` were made by recorded operations.
#
# </details>

# %% [markdown]
# ## 4. A first `backward()`
#
# Take two one-element tensors that require grad and compute
#
# $$y = a^2 + 2b^3$$

# %%
a = torch.tensor([2.0], requires_grad=True)
b = torch.tensor([4.0], requires_grad=True)
y = a**2 + 2 * b**3
y

# %% [markdown]
# Autograd recorded a graph while computing `y`: a grey box per recorded operation
# (`PowBackward0` for `**`), the leaves in blue, the output in green. `backward()` walks the
# arrows the other way, from `y` back to `a` and `b`.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import draw_graph

draw_graph(y, params={"a": a, "b": b})

# %% [markdown]
# The picture is drawn from `grad_fn` and `next_functions`, each node's list of its inputs'
# nodes. A leaf is reached through an `AccumulateGrad` node, which adds the gradient that
# arrives into the leaf's `.grad`:

# %%
print(y.grad_fn.next_functions)
power_of_a = y.grad_fn.next_functions[0][0]
print(power_of_a.next_functions)
print(power_of_a.next_functions[0][0].variable is a)

# %% [markdown]
# No gradient yet:

# %%
print(a.grad, b.grad)

# %% [markdown]
# `y.backward()` computes $\partial y / \partial a$ and $\partial y / \partial b$ and stores
# them in `a.grad` and `b.grad`:

# %%
y.backward()
print(a.grad)
print(b.grad)

# %% [markdown]
# By hand: $\partial y/\partial a = 2a = 4$ and $\partial y/\partial b = 6b^2 = 96$. Autograd
# agrees.
#
# One more, with a mean at the end. For `x` a 2×2 tensor of ones, let $y = x + 2$,
# $z = 3y^2$ and $o = \frac{1}{4}\sum_i z_i$:

# %%
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
print(z, out)

# %%
out.backward()
x.grad

# %% [markdown]
# Each $x_i$ enters one $z_i$: $\partial o/\partial x_i = \frac{1}{4} \cdot 6(x_i + 2) =
# \frac{3}{2}(x_i + 2) = 4.5$ at $x_i = 1$.
#
# ### Checking a gradient by nudging
#
# A derivative is a slope, so you can check one without calculus: nudge an input either way,
# $b \pm h$, and divide the change of $y$ by $2h$. The chord through the two nudged points is
# nearly the tangent, whose slope autograd gave:

# %%
import matplotlib.pyplot as plt
import numpy as np


def y_of_b(b_value):
    return 2.0**2 + 2 * b_value**3  # y at a = 2


h = 0.5
bs = np.linspace(3.2, 4.8, 100)
chord = (y_of_b(4.0 + h) - y_of_b(4.0 - h)) / (2 * h)
fig, ax = plt.subplots(figsize=(5.5, 3.5))
ax.plot(bs, y_of_b(bs), label=r"$y = a^2 + 2b^3$ at $a = 2$")
ax.plot(bs, y_of_b(4.0) + 96 * (bs - 4.0), "--", label="tangent at b = 4: slope 96 (autograd)")
ax.plot([4.0 - h, 4.0 + h], [y_of_b(4.0 - h), y_of_b(4.0 + h)], "o-",
        label=f"chord through b = 4 ± {h}: slope {chord}")
ax.set_xlabel("b")
ax.set_ylabel("y")
ax.legend(fontsize=8)
plt.close(fig)
fig

# %% [markdown]
# The chord is off by $2h^2$ here, and closes in as $h$ shrinks. But for a tiny $h$ the two
# values of $y$ differ only in their last digits, and the dtype decides how many digits there
# are: float32, `torch.tensor`'s default, keeps about 7; float64 about 16, with a float64
# gradient ($d(x^2 + 20)/dx = 20$ at $x = 10$):

# %%
print(torch.tensor(0.1).item())
print(torch.tensor(0.1, dtype=torch.float64).item())
x = torch.tensor(10.0, requires_grad=True, dtype=torch.float64)
f = x**2 + 20
f.backward()
print(x.grad)

# %% [markdown]
# In float32, autograd's $2a$ at $a = 0.1$ is `0.20000000298...`, and a nudge of $10^{-6}$
# moves $y = 132$ by a few units of its last digit. Nudge in float64.
#
# ### Exercise 3: confirm 4 and 96 by nudging
#
# Write `nudge_grads(a_value, b_value, h)`: the two-sided nudge estimates of
# $\partial y/\partial a$ and $\partial y/\partial b$ for $y = a^2 + 2b^3$, without `backward()`
# (for $a$: the change of $y$ from `a_value - h` to `a_value + h`, $b$ fixed, over $2h$). Build
# float64 tensors (`dtype=torch.float64`); return a tuple of two Python floats.

# %% nbgrader={"grade": false, "grade_id": "ex3_nudge_grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
def nudge_grads(a_value: float, b_value: float, h: float) -> tuple[float, float]:
    """Two-sided nudge estimates of (dy/da, dy/db) for y = a**2 + 2*b**3, in float64."""
    ### BEGIN SOLUTION
    def y_at(a_in, b_in):
        a = torch.tensor(a_in, dtype=torch.float64)
        b = torch.tensor(b_in, dtype=torch.float64)
        return (a**2 + 2 * b**3).item()

    slope_a = (y_at(a_value + h, b_value) - y_at(a_value - h, b_value)) / (2 * h)
    slope_b = (y_at(a_value, b_value + h) - y_at(a_value, b_value - h)) / (2 * h)
    return slope_a, slope_b
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_nudge_grads_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import math

from course_messages import message

try:
    got = nudge_grads(2.0, 4.0, 0.5)
except NotImplementedError:
    raise AssertionError(message("{function} is not written yet: replace `raise "
                                 "NotImplementedError()` in the cell above with your code and "
                                 "run it.",
                                 function="nudge_grads")) from None
assert type(got) is tuple and len(got) == 2 and all(type(g) is float for g in got), message(
    "nudge_grads(2.0, 4.0, 0.5) returned {got!r}; expected a tuple of two Python floats. "
    "Hint: .item() turns a one-element tensor into a Python number.",
    got=got
)


def _near(pair, first, second):
    return math.isclose(pair[0], first, abs_tol=1e-6) and math.isclose(pair[1], second, abs_tol=1e-6)


def _y(a, b):
    return a**2 + 2 * b**3


_a, _b, _h = 2.0, 4.0, 0.5
assert not _near(got, 2 * _a, 6 * _b**2), message(
    "nudge_grads(2.0, 4.0, 0.5) returned {got}, the exact derivatives; expected the nudge "
    "estimates, which for a nudge as wide as h = 0.5 differ from them. Hint: compute y at the "
    "nudged inputs and take the slope; do not call backward() or differentiate by hand.",
    got=got
)
assert not _near(got, (_y(_a + _h, _b) - _y(_a, _b)) / _h, (_y(_a, _b + _h) - _y(_a, _b)) / _h), message(
    "nudge_grads(2.0, 4.0, 0.5) returned {got}; expected two-sided estimates, and these come "
    "from nudging one way only. Hint: take y at value + h and at value - h, not at value + h "
    "and value.",
    got=got
)
assert not _near(got, (_y(_a + _h, _b) - _y(_a - _h, _b)) / _h, (_y(_a, _b + _h) - _y(_a, _b - _h)) / _h), message(
    "nudge_grads(2.0, 4.0, 0.5) returned {got}, twice the slopes; expected the change of y "
    "divided by the distance between the two nudged points. Hint: value - h and value + h are "
    "2h apart.",
    got=got
)
_both = (_y(_a + _h, _b + _h) - _y(_a - _h, _b - _h)) / (2 * _h)
assert not _near(got, _both, _both), message(
    "nudge_grads(2.0, 4.0, 0.5) returned {got}, the same slope twice; expected one estimate "
    "per input. Hint: nudge a while b stays at b_value, then b while a stays at a_value.",
    got=got
)
_right = ((_y(_a + _h, _b) - _y(_a - _h, _b)) / (2 * _h), (_y(_a, _b + _h) - _y(_a, _b - _h)) / (2 * _h))
assert not _near(got, _right[1], _right[0]), message(
    "nudge_grads(2.0, 4.0, 0.5) returned {got}; expected the estimate for a first, then the "
    "one for b. Hint: check the order of your tuple.",
    got=got
)
assert _near(got, *_right), message(
    "nudge_grads(2.0, 4.0, 0.5) returned {got}; expected the two-sided nudge estimates of "
    "dy/da and dy/db. Hint: (y(value + h) - y(value - h)) / (2h), one input at a time.",
    got=got
)
got = nudge_grads(2.0, 4.0, 1e-6)
assert type(got) is tuple and len(got) == 2 and all(type(g) is float for g in got) and \
    _near((round(got[0], 3), round(got[1], 3)), 4.0, 96.0), message(
    "nudge_grads(2.0, 4.0, 1e-6) returned {got}; expected estimates within 0.001 of autograd's "
    "4 and 96. Hint: a nudge of 1e-6 is lost in float32's rounding; build the tensors with "
    "dtype=torch.float64.",
    got=got
)
### BEGIN HIDDEN TESTS
import math

for _a, _b, _h in [(1.5, -2.0, 0.25), (0.0, 0.5, 0.1), (-3.0, 1.0, 1e-6), (0.1, 0.3, 1e-7)]:
    _got = nudge_grads(_a, _b, _h)
    assert type(_got) is tuple and len(_got) == 2 and all(type(g) is float for g in _got)
    _want = (((_a + _h) ** 2 - (_a - _h) ** 2) / (2 * _h),
             (2 * (_b + _h) ** 3 - 2 * (_b - _h) ** 3) / (2 * _h))
    assert math.isclose(_got[0], _want[0], rel_tol=1e-6, abs_tol=1e-6), (_a, _b, _h, _got)
    assert math.isclose(_got[1], _want[1], rel_tol=1e-6, abs_tol=1e-6), (_a, _b, _h, _got)
### END HIDDEN TESTS

# %% [markdown]
# Your estimates should match autograd's to about six digits:

# %%
try:
    estimates = [round(g, 6) for g in nudge_grads(2.0, 4.0, 1e-6)]
except NotImplementedError:
    estimates = "exercise 3 is not solved yet"
print("nudged:", estimates, " autograd: [4.0, 96.0]")

# %% [markdown]
# ## 5. Where `.grad` lands, and where it does not
#
# `backward()` stores a gradient in `.grad` only on tensors that **require grad and are
# leaves**. Intermediate gradients are computed and passed along, not kept: parameters are
# leaves, activations are not, and a gradient per activation would double the memory. A
# non-leaf's `.grad` is `None`, with a warning (caught here; warnings go to stderr):

# %%
import warnings

x = torch.ones(2, 2, requires_grad=True)
y = x + 2
out = (y * y * 3).mean()
out.backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(y.grad)
print(str(caught[0].message).split(". ")[0] + ".")

# %% [markdown]
# A leaf that does not require grad, such as input data, gets nothing either.
#
# ### Exercise 4 (predict, then run): a line
#
# Here `x` is data, `w` and `b` are parameters, and `y = x * w + b`:

# %%
x = torch.tensor(3.0)
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
y = x * w + b

# %% [markdown]
# After `y.backward()`, what will `x.grad`, `w.grad` and `b.grad` be? Replace
# `raise NotImplementedError()` with `predicted_grads = {"x": ..., "w": ..., "b": ...}`, each
# value a number, or `None` for a `.grad` that stays empty.

# %% nbgrader={"grade": false, "grade_id": "ex4_line_grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your prediction: predicted_grads = {"x": ..., "w": ..., "b": ...}
### BEGIN SOLUTION
predicted_grads = {"x": None, "w": 3.0, "b": 1.0}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex4_line_grads_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message

assert "predicted_grads" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="predicted_grads"
)
assert type(predicted_grads) is dict and all(type(k) is str for k in predicted_grads) and \
    set(predicted_grads) == {"x", "w", "b"}, message(
        "Expected a dict with the keys 'x', 'w' and 'b'; got {got!r}.", got=predicted_grads
    )
assert all(v is None or type(v) in (int, float) for v in predicted_grads.values()), message(
    "Expected each value of predicted_grads to be a number or None; got {got!r}.",
    got=predicted_grads
)
line = {"x": torch.tensor(3.0), "w": torch.tensor(2.0, requires_grad=True),
        "b": torch.tensor(1.0, requires_grad=True)}
(line["x"] * line["w"] + line["b"]).backward()
actual = {name: None if t.grad is None else t.grad.item() for name, t in line.items()}
hints = {
    "x": message("x is data: does it require grad, and which tensors does backward() fill "
                 "(section 5)?"),
    "w": message("the derivative of x * w + b with respect to w is the factor that multiplies "
                 "w, not the value of w."),
    "b": message("b requires grad, and y changes one for one with b."),
}
wrong = [name for name in ("x", "w", "b") if predicted_grads[name] != actual[name]]
hint = hints[wrong[0]] if wrong else ""
for name in wrong[1:]:
    hint = message("{hint} And {next_hint}", hint=hint, next_hint=hints[name])
assert not wrong, message(
    "Expected what backward() stores in each .grad; your prediction for {names} is off. "
    "Hint: {hint}",
    names=", ".join(name + ".grad" for name in wrong), hint=hint
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_x, _w, _b = _torch.tensor(3.0), _torch.tensor(2.0, requires_grad=True), _torch.tensor(1.0, requires_grad=True)
(_x * _w + _b).backward()
assert type(predicted_grads) is dict and all(type(k) is str for k in predicted_grads)
assert all(v is None or type(v) in (int, float) for v in predicted_grads.values())
assert predicted_grads["x"] is None
assert predicted_grads["w"] == _w.grad.item() and predicted_grads["b"] == _b.grad.item()
### END HIDDEN TESTS

# %%
y.backward()
print(x.grad, w.grad, b.grad)

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# `w.grad` is 3, the value of `x`, since $\partial(xw + b)/\partial w = x$; `b.grad` is 1; and
# `x.grad` stays `None`: `x` is data, a leaf that does not require grad.
#
# </details>

# %% [markdown]
# ## 6. `retain_grad()`: keeping an intermediate gradient
#
# To keep the gradient of an intermediate result (to inspect or debug it), call
# `retain_grad()` on it **before** `backward()`; its `retains_grad` attribute then says so:

# %%
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
y.retain_grad()
z = y * y * 3
z.retain_grad()
out = z.mean()
out.backward()
print(y.retains_grad, z.retains_grad)
print(z.grad)
print(y.grad)
print(x.grad)

# %% [markdown]
# `z.grad` is $\frac{1}{4}$ (the mean), and $y = x + 2$ passes it on unchanged. On a leaf
# `retain_grad()` changes nothing; on a tensor that does not require grad it is an error:

# %%
try:
    torch.ones(2).retain_grad()
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# ### Exercise 5: will `.grad` be filled?
#
# Write `gets_grad(tensor)`: `True` if a `backward()` through `tensor` will store a gradient in
# `tensor.grad`, `False` if `tensor.grad` will stay `None`. Use the tensor's attributes only;
# do not call `backward()`.

# %% nbgrader={"grade": false, "grade_id": "ex5_gets_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gets_grad(tensor) -> bool:
    """Whether backward() will store a gradient in tensor.grad."""
    ### BEGIN SOLUTION
    return tensor.requires_grad and (tensor.is_leaf or tensor.retains_grad)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_gets_grad_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import warnings

import autograd_core as torch
from course_messages import message

weight = torch.ones(2, requires_grad=True)
data = torch.ones(2)
hidden = weight * data
kept = weight * 3
kept.retain_grad()
cases = {
    message("a leaf that requires grad"): weight,
    message("a leaf that does not require grad"): data,
    message("a non-leaf"): hidden,
    message("a non-leaf after retain_grad()"): kept,
}
try:
    answers = {what: gets_grad(tensor) for what, tensor in cases.items()}  # before backward()
except NotImplementedError:
    raise AssertionError(message("{function} is not written yet: replace `raise "
                                 "NotImplementedError()` in the cell above with your code and "
                                 "run it.",
                                 function="gets_grad")) from None
(hidden.sum() + kept.sum()).backward()
for what, tensor in cases.items():
    got = answers[what]
    assert type(got) is bool, message(
        "gets_grad returned {got!r} for {what}; expected True or False.", got=got, what=what)
    with warnings.catch_warnings():  # reading a non-leaf's .grad warns; not needed here
        warnings.simplefilter("ignore")
        filled = tensor.grad is not None
    assert got == filled, message(
        "gets_grad returned {got} for {what}; expected whether backward() fills its .grad. "
        "Hint: section 5 says which tensors keep a gradient, and section 6 adds one case.",
        got=got, what=what
    )
### BEGIN HIDDEN TESTS
import warnings

import autograd_core as _torch

_leaf = _torch.tensor([1.0, 2.0], requires_grad=True)
_frozen = _torch.tensor([1.0, 2.0])
_made_from_data = _frozen * 2
_middle = _leaf * _made_from_data
_kept = _middle.sum()
_kept.retain_grad()
_unkept = _kept * 2
_leaf_retained = _torch.tensor(3.0, requires_grad=True)
_leaf_retained.retain_grad()
_out = _unkept + _leaf_retained
_cases = [_leaf, _frozen, _made_from_data, _middle, _kept, _unkept, _leaf_retained]
_answers = [gets_grad(_t) for _t in _cases]
_out.backward()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for _t, _answer in zip(_cases, _answers):
        assert _answer is (_t.grad is not None)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Frozen tensors
#
# A parameter with `requires_grad=False` is **frozen**: no gradient, so an optimizer leaves it
# where it is. That is how you fine-tune a pretrained network (chapter 5), and `backward()`
# skips the work. Two "layers"; freeze `w1`:

# %%
w1 = torch.tensor([1.0, 2.0], requires_grad=True)
w2 = torch.tensor([3.0, 4.0], requires_grad=True)
w1.requires_grad_(False)
loss = (w1 * w2).sum()
print(loss)
print(loss.grad_fn.next_functions[0][0].next_functions)

# %% [markdown]
# The multiplication's first input has no node at all, `(None, 0)`: nothing to walk back into.
# After `backward()`, only `w2` has a gradient:

# %%
loss.backward()
print(w1.grad, w2.grad)

# %% [markdown]
# `w1.requires_grad_(True)` would thaw it.
#
# ### Exercise 6: freeze all but some
#
# Write `freeze(params, keep)`: `params` maps names to leaf tensors, `keep` is a set of names.
# Make the tensors named in `keep` require grad and freeze the others, in place (same tensor
# objects in the dict); return `None`.

# %% nbgrader={"grade": false, "grade_id": "ex6_freeze", "locked": false, "schema_version": 3, "solution": true, "task": false}
def freeze(params: dict, keep: set) -> None:
    """Make params[name] require grad exactly when name is in keep."""
    ### BEGIN SOLUTION
    for name, tensor in params.items():
        tensor.requires_grad_(name in keep)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_freeze_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message

params = {"w1": torch.ones(2, requires_grad=True), "w2": torch.ones(2, requires_grad=True),
          "w3": torch.ones(2)}
before = dict(params)
try:
    returned = freeze(params, keep={"w2", "w3"})
except NotImplementedError:
    raise AssertionError(message("{function} is not written yet: replace `raise "
                                 "NotImplementedError()` in the cell above with your code and "
                                 "run it.",
                                 function="freeze")) from None
assert returned is None, message(
    "freeze returned {returned_type}; expected None (it works in place). "
    "Hint: no return statement is needed.",
    returned_type=type(returned).__name__
)
assert all(params[name] is before[name] for name in before), message(
    "Expected freeze to change the tensors in place; it put new tensors in the dict. "
    "Hint: set the flag on the tensors themselves."
)
flags = {name: t.requires_grad for name, t in params.items()}
assert flags == {"w1": False, "w2": True, "w3": True}, message(
    "After freeze(params, keep={{'w2', 'w3'}}) the requires_grad flags are {flags}; expected "
    "the kept tensors to require grad and the others not. Hint: requires_grad_(flag) sets a "
    "leaf's flag in place, on or off, and every tensor in params needs one of the two.",
    flags=flags
)
(params["w1"] * params["w2"] * params["w3"]).sum().backward()
assert params["w1"].grad is None and params["w2"].grad is not None, message(
    "Expected a backward() after freeze to fill .grad for the kept tensors only. "
    "Hint: check the flags again."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_params = {"a": _torch.ones(3, requires_grad=True), "b": _torch.zeros(2), "c": _torch.ones(1)}
_before = dict(_params)
freeze(_params, set())
assert not any(t.requires_grad for t in _params.values())
freeze(_params, {"a", "b", "c"})
assert all(t.requires_grad for t in _params.values())
freeze(_params, {"c", "not a parameter"})
assert [t.requires_grad for t in _params.values()] == [False, False, True]
assert all(_params[_k] is _before[_k] for _k in _before), "freeze works in place"
assert freeze({}, {"a"}) is None
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Check any gradient by nudging
#
# ### Exercise 7: the largest gap
#
# Nudging checks any gradient you do not trust, one input element at a time. Write
# `worst_nudge_gap(f, x, h)`: `f` maps a 1-D float64 tensor to a one-element tensor; `x` is a
# 1-D float64 tensor that does not require grad. Return, as a Python float, the largest
# absolute gap, over the elements of `x`, between autograd's gradient of `f` at `x` and the
# two-sided nudge estimate with step `h`. Leave the caller's `x` unchanged, without `.grad`.
# The steps are yours to choose.

# %% nbgrader={"grade": false, "grade_id": "ex7_worst_nudge_gap", "locked": false, "schema_version": 3, "solution": true, "task": false}
def worst_nudge_gap(f, x: torch.Tensor, h: float) -> float:
    """max_i |df/dx_i by autograd - (f(x + h e_i) - f(x - h e_i)) / (2h)|, as a float."""
    ### BEGIN SOLUTION
    values = x.tolist()
    leaf = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    f(leaf).backward()
    exact = leaf.grad.tolist()
    gaps = []
    for i in range(len(values)):
        up, down = list(values), list(values)
        up[i] += h
        down[i] -= h
        up_value = f(torch.tensor(up, dtype=torch.float64)).item()
        down_value = f(torch.tensor(down, dtype=torch.float64)).item()
        gaps.append(abs(exact[i] - (up_value - down_value) / (2 * h)))
    return max(gaps)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex7_worst_nudge_gap_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import math

import autograd_core as torch
from course_messages import message


def cubes(t):
    return (t**3).sum()


x_check = torch.tensor([1.0, 2.0], dtype=torch.float64)
try:
    got = worst_nudge_gap(cubes, x_check, 0.1)
except NotImplementedError:
    raise AssertionError(message("{function} is not written yet: replace `raise "
                                 "NotImplementedError()` in the cell above with your code and "
                                 "run it.",
                                 function="worst_nudge_gap")) from None
except RuntimeError as error:
    raise AssertionError(
        message("worst_nudge_gap(cubes, x, 0.1) raised RuntimeError: {error}; expected a float. "
                "Hint: nudge plain tensors that do not require grad, and run backward() on a "
                "leaf of your own that does.",
                error=error)
    ) from None
assert type(got) is float, message(
    "worst_nudge_gap(cubes, x, 0.1) returned {got!r}; expected a Python float. "
    "Hint: .item() or max() over Python floats.",
    got=got
)
assert x_check.tolist() == [1.0, 2.0] and not x_check.requires_grad and x_check.grad is None, message(
    "After worst_nudge_gap(cubes, x, 0.1) the caller's x is {x!r} (requires_grad "
    "{requires_grad}); expected it unchanged, with no .grad. Hint: build your own "
    "tensors from x.tolist().",
    x=x_check, requires_grad=x_check.requires_grad
)
# for sum(t**3), autograd gives 3 x_i**2; the two-sided nudge gives 3 x_i**2 + h**2 exactly,
# the one-sided one 3 x_i**2 + 3 x_i h + h**2
assert not math.isclose(got, 3 * 2.0 * 0.1 + 0.1**2, abs_tol=1e-9), message(
    "worst_nudge_gap(cubes, x, 0.1) returned {got}; expected the gap to the two-sided nudge, "
    "and this is the gap to a one-sided one. Hint: evaluate f at x + h e_i and x - h e_i.",
    got=got
)
assert not math.isclose(got, 2 * 0.1**2, abs_tol=1e-9), message(
    "worst_nudge_gap(cubes, x, 0.1) returned {got}, the gaps of both elements added up; "
    "expected the largest single gap. Hint: max, not sum.",
    got=got
)
# nudging both elements at once gives 3 + 12 + 2 h**2 for each, 12.02 away from the first
assert not math.isclose(got, 3 * 2.0**2 + 2 * 0.1**2, abs_tol=1e-6), message(
    "worst_nudge_gap(cubes, x, 0.1) returned {got}; expected a gap per element, and this comes "
    "from nudging every element at once. Hint: nudge one element at a time, the others at "
    "their values.",
    got=got
)
assert math.isclose(got, 0.1**2, rel_tol=1e-3), message(
    "worst_nudge_gap(cubes, x, 0.1) returned {got}; expected the largest gap between "
    "autograd's gradient and the two-sided nudge estimate. Hint: compare element by element, "
    "|grad_i - (f(x + h e_i) - f(x - h e_i)) / (2h)|, and take the largest.",
    got=got
)
got = worst_nudge_gap(cubes, x_check, 1e-6)
assert type(got) is float and got < 1e-6, message(
    "worst_nudge_gap(cubes, x, 1e-6) returned {got}; expected a gap below 1e-6 for a correct "
    "gradient and a tiny step. Hint: are your tensors still float64? torch.tensor(values) "
    "makes float32 unless you give a dtype.",
    got=got
)
### BEGIN HIDDEN TESTS
import math

import autograd_core as _torch


def _product(t):
    return t.prod()


def _half_wrong(t):
    return (t * t.detach()).sum()  # autograd sees t * constant: gradient x, not 2x


for _f, _values, _h, _want in [
    (_product, [1.0, 2.0, 3.0], 1e-5, 0.0),
    (_half_wrong, [1.0, 3.0], 0.5, 3.0),
    (lambda t: (t**3).sum(), [0.5, -1.0, 4.0], 0.2, 0.04),
]:
    _x = _torch.tensor(_values, dtype=_torch.float64)
    _got = worst_nudge_gap(_f, _x, _h)
    assert type(_got) is float and math.isclose(_got, _want, abs_tol=1e-6), (_values, _got)
    assert _x.tolist() == _values and _x.grad is None and not _x.requires_grad
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# - `requires_grad` is off unless you ask; a result requires grad if an input does, and its
#   `grad_fn` names the recorded operation.
# - A **leaf** is a tensor no recorded operation made; only its flag can change.
# - `backward()` fills `.grad` on leaves that require grad and on `retain_grad()` tensors.
# - Nudging by $\pm h$, in float64, checks any gradient.
# - **Frozen**: a leaf with `requires_grad=False`.

# %% [markdown]
# ## Sources, and where they slip
#
# > Examples retold from (with PyTorch 2.13's numbers):
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
# > * 《pytorch 入门笔记》 writes `.requires_grad(...)`, whose flag "also" has a default: the
# >   method is `requires_grad_()`, with a trailing underscore, and its flag defaults to `True`
# >   (section 1).
# > * 《PyTorch 梯度》 prints the value of `w` for `w.grad` in the line example, where the
# >   derivative belongs (section 5, exercise 4); and its table types `grad` as
# >   `ndarray`: `.grad` and `.data` are tensors (section 3).
