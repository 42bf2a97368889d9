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
# Autograd computes gradients for you, but only for the tensors that ask for them, and it keeps
# them only in some places. This chapter is about who asks and where the gradients land:
#
# 1. which tensors **require grad**, and how that flag spreads from one tensor to the next;
# 2. which tensors are **leaves**, and why `.grad` is filled on leaves only;
# 3. a first **`backward()`**, and a picture of the graph it walks;
# 4. **`retain_grad()`**, for when you do want the gradient of an intermediate result;
# 5. what it means for a parameter to be **frozen**.
#
# **How to work through it.** Run the cells in order (Shift+Enter). Before a cell marked
# *predict*, write down what you think it will print, then run it. Each exercise has an answer
# cell, where you replace `raise NotImplementedError()` with your code, and a locked test cell
# below it: run it, and it tells you what is wrong and gives a hint. The **Validate** button in
# the toolbar runs the whole notebook and checks every exercise at once. Your instructor's
# grading adds hidden tests to the same cells, so make your answers correct in general, not
# just for the visible tests.
#
# **The engine.** These chapters run on `autograd_core`, a small NumPy engine that behaves like
# PyTorch: same names, same defaults, same printed results. We import it under PyTorch's name.
# With PyTorch installed you can write `import torch` instead and every output below stays the
# same; the course's tests check exactly that.

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
# `requires_grad` is `False` by default. Ask for it when you create the tensor, and its printed
# form says so:

# %%
x2 = torch.ones((2, 2), requires_grad=True)
x2

# %% [markdown]
# You can also switch it on later, in place, with `requires_grad_()` (the trailing underscore
# means "in place", as everywhere in PyTorch). Only floating-point tensors can require grad: a
# gradient is a small change, and integers cannot change by a small amount.

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
# The result now carries `grad_fn=<AddBackward0>`: autograd recorded the addition, because it
# will need to go back through it to compute gradients for `x2`.
#
# The rule: **the result of an operation requires grad as soon as one of its inputs does.** One
# tensor that requires grad is enough; none, and nothing is recorded:

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
# Read the next cell, run it (it prints nothing), then decide which of the six tensors require
# grad.

# %%
p = torch.ones(3)
q = torch.ones(3, requires_grad=True)
r = p * 2
s = p + q
t = s.sum()
u = r * r

# %% [markdown]
# In the cell below, replace `raise NotImplementedError()` with
# `requires_grad_names = {...}`: the set of the names (as strings, e.g. `"p"`) of the tensors
# that require grad.

# %% nbgrader={"grade": false, "grade_id": "ex1_requires_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your prediction: requires_grad_names = {...}
### BEGIN SOLUTION
requires_grad_names = {"q", "s", "t"}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1_requires_grad_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
names = ("p", "q", "r", "s", "t", "u")
assert "requires_grad_names" in globals(), (
    "requires_grad_names is not defined yet: write your prediction in the cell above and run it."
)
assert type(requires_grad_names) is set and all(type(name) is str for name in requires_grad_names) and \
    requires_grad_names <= set(names), (
        f"Expected a set of names (strings) taken from {names}; got {requires_grad_names!r}."
    )
actual = {name for name in names if globals()[name].requires_grad}
missing, extra = actual - requires_grad_names, requires_grad_names - actual
assert not missing and not extra, (
    f"Expected the set of tensors that require grad; got {sorted(requires_grad_names)}, which "
    f"misses {len(missing)} of them and has {len(extra)} name(s) too many. Hint: follow each "
    "tensor back to p and q; a result requires grad as soon as one of its inputs does."
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

# %% [markdown]
# Now see for yourself:

# %%
for name in ("p", "q", "r", "s", "t", "u"):
    print(name, globals()[name].requires_grad)

# %% [markdown]
# ## 3. Leaves and non-leaves
#
# Autograd keeps, for every tensor, a few attributes next to the numbers themselves:
#
# | attribute       | what it holds |
# |-----------------|---------------|
# | `data`          | a tensor with the same numbers, outside the graph (behind it, the storage: here a NumPy array; in PyTorch, memory on a device) |
# | `requires_grad` | whether autograd records operations on this tensor |
# | `grad`          | the gradient that `backward()` stored here, or `None` |
# | `grad_fn`       | the node of the graph that made this tensor, or `None` |
# | `is_leaf`       | whether this tensor is where the graph starts |
#
# A tensor is a **leaf** when no recorded operation made it: `grad_fn` is `None`. Every tensor
# you create yourself is a leaf. A tensor that a recorded operation made is a **non-leaf**, and
# its `grad_fn` names that operation:

# %%
print(x2.is_leaf, x2.grad_fn)
print(y2.is_leaf, y2.grad_fn)

# %% [markdown]
# (The `0x...` part is a memory address; it changes from run to run.)
#
# The surprise is a result computed only from tensors that do not require grad: no operation was
# recorded, so it is a leaf too, with `grad_fn` `None`, like a tensor you typed in yourself.

# %%
print(r.is_leaf, r.grad_fn)

# %% [markdown]
# Only a leaf's `requires_grad` can be switched. A non-leaf's flag follows from its inputs, and
# PyTorch refuses to change it (the error says what to do instead; `detach()` comes in a later
# chapter):

# %%
try:
    y2.requires_grad = False
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# Switching a leaf on works, and from then on its operations are recorded:

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
names = ("p", "q", "r", "s", "t", "u")
assert "leaf_names" in globals(), (
    "leaf_names is not defined yet: write your prediction in the cell above and run it."
)
assert type(leaf_names) is set and all(type(name) is str for name in leaf_names) and \
    leaf_names <= set(names), (
        f"Expected a set of names (strings) taken from {names}; got {leaf_names!r}."
    )
actual = {name for name in names if globals()[name].is_leaf}
missing, extra = actual - leaf_names, leaf_names - actual
assert not missing and not extra, (
    f"Expected the set of leaves; got {sorted(leaf_names)}, which misses {len(missing)} of "
    f"them and has {len(extra)} name(s) too many. Hint: a tensor is a non-leaf only if a "
    "recorded operation made it, and operations are recorded only when an input requires grad."
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
# Autograd recorded a graph while computing `y`. Here it is: one grey box per recorded operation
# (named as PyTorch names them, `PowBackward0` for `**`), the two leaves in blue, the output in
# green. The arrows follow the computation; `backward()` walks them the other way, from `y` back
# to `a` and `b`.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import draw_graph

draw_graph(y, params={"a": a, "b": b})

# %% [markdown]
# The picture is drawn from `grad_fn` and its `next_functions`: each node lists the nodes of its
# inputs. A leaf that requires grad is reached through an `AccumulateGrad` node, whose job is to
# add the gradient that arrives into the leaf's `.grad`:

# %%
print(y.grad_fn.next_functions)
power_of_a = y.grad_fn.next_functions[0][0]
print(power_of_a.next_functions)
print(power_of_a.next_functions[0][0].variable is a)

# %% [markdown]
# Before `backward()`, there is no gradient anywhere:

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
# The gradient has the shape and the dtype of its tensor: a `float64` tensor gets a `float64`
# gradient ($d(x^2 + 20)/dx = 2x = 20$ at $x = 10$):

# %%
x = torch.tensor(10.0, requires_grad=True, dtype=torch.float64)
f = x**2 + 20
f.backward()
print(x.grad)

# %% [markdown]
# ### Exercise 3: let autograd do the calculus
#
# Write `grads_of(a_value, b_value)`: it builds `a` and `b` as tensors that require grad, with
# the given values and `torch.tensor`'s default dtype, float32, computes $y = a^2 + 2b^3$,
# calls `backward()`, and returns $(\partial y/\partial a, \partial y/\partial b)$ as a tuple
# of two Python floats. (float32 rounds: `grads_of(0.1, 0.0)[0]` is `0.20000000298023224`, not
# `0.2`, and the tests allow for that.)

# %% nbgrader={"grade": false, "grade_id": "ex3_grads_of", "locked": false, "schema_version": 3, "solution": true, "task": false}
def grads_of(a_value: float, b_value: float) -> tuple[float, float]:
    """The gradient of y = a**2 + 2*b**3 at (a_value, b_value), computed by autograd."""
    ### BEGIN SOLUTION
    a = torch.tensor(a_value, requires_grad=True)
    b = torch.tensor(b_value, requires_grad=True)
    y = a**2 + 2 * b**3
    y.backward()
    return a.grad.item(), b.grad.item()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_grads_of_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
got = grads_of(1.0, -1.0)
assert type(got) is tuple and len(got) == 2 and all(type(g) is float for g in got), (
    f"grads_of(1.0, -1.0) returned {got!r}; expected a tuple of two Python floats. "
    "Hint: .item() turns a one-element tensor into a Python number."
)
assert got == (2 * 1.0, 6 * (-1.0) ** 2), (
    f"grads_of(1.0, -1.0) returned {got}; expected the partial derivatives of "
    "y = a**2 + 2*b**3 at a = 1, b = -1. Hint: read them from a.grad and b.grad after "
    "y.backward(), in the order (a, b)."
)
### BEGIN HIDDEN TESTS
import math

for _a, _b in [(2.0, 4.0), (0.0, 0.0), (-3.0, 0.5), (1.5, -2.0)]:
    _got = grads_of(_a, _b)
    assert type(_got) is tuple and len(_got) == 2 and all(type(g) is float for g in _got)
    assert math.isclose(_got[0], 2 * _a, abs_tol=1e-5), (_a, _b, _got)
    assert math.isclose(_got[1], 6 * _b**2, rel_tol=1e-5, abs_tol=1e-5), (_a, _b, _got)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Where `.grad` lands, and where it does not
#
# `backward()` stores a gradient in `.grad` only on tensors that **require grad and are
# leaves**. The gradients of the intermediate results are computed (the chain rule needs them)
# and passed along the graph, but not kept: a network's parameters are leaves, its activations
# are not, and keeping a gradient for every activation would cost as much memory as the
# activations themselves.
#
# A leaf that does not require grad, such as a batch of input data, gets nothing either.
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

assert "predicted_grads" in globals(), (
    "predicted_grads is not defined yet: write your prediction in the cell above and run it."
)
assert type(predicted_grads) is dict and all(type(k) is str for k in predicted_grads) and \
    set(predicted_grads) == {"x", "w", "b"}, (
        f"Expected a dict with the keys 'x', 'w' and 'b'; got {predicted_grads!r}."
    )
assert all(v is None or type(v) in (int, float) for v in predicted_grads.values()), (
    f"Expected each value of predicted_grads to be a number or None; got {predicted_grads!r}."
)
line = {"x": torch.tensor(3.0), "w": torch.tensor(2.0, requires_grad=True),
        "b": torch.tensor(1.0, requires_grad=True)}
(line["x"] * line["w"] + line["b"]).backward()
actual = {name: None if t.grad is None else t.grad.item() for name, t in line.items()}
wrong = [f"{name}.grad" for name in ("x", "w", "b") if predicted_grads[name] != actual[name]]
assert not wrong, (
    f"Expected what backward() stores in each .grad; your prediction for {', '.join(wrong)} "
    "is off. Hint: the derivative of x * w + b with respect to w is the factor that multiplies "
    "w; and look again at which of x, w and b require grad (section 5)."
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
# <details><summary>Why these three values (open after running the test)</summary>
#
# `w.grad` is 3, the value of `x`, since $\partial(xw + b)/\partial w = x$; `b.grad` is 1; and
# `x.grad` stays `None`: `x` is data, a leaf that does not require grad.
#
# </details>
#
# Ask a non-leaf for its `.grad` and you get `None`, and PyTorch warns you that you probably
# meant something else. Warnings go to stderr; here we catch the warning and print the start of
# its message instead:

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
# ## 6. `retain_grad()`: keeping an intermediate gradient
#
# When you do want the gradient of an intermediate result (to inspect it, or to debug), call
# `retain_grad()` on it **before** `backward()`. It becomes a tensor that keeps its gradient,
# as its `retains_grad` attribute says:

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
# `z.grad` is $\partial o/\partial z_i = \frac{1}{4}$: the mean divides by four. `y.grad` equals
# `x.grad` because $y = x + 2$ passes the gradient through unchanged.
#
# `retain_grad()` on a leaf changes nothing (a leaf that requires grad keeps its gradient
# anyway, and `retains_grad` stays `False` for leaves), and on a tensor that does not require
# grad it is an error:

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

weight = torch.ones(2, requires_grad=True)
data = torch.ones(2)
hidden = weight * data
kept = weight * 3
kept.retain_grad()
cases = {
    "a leaf that requires grad": weight,
    "a leaf that does not require grad": data,
    "a non-leaf": hidden,
    "a non-leaf after retain_grad()": kept,
}
(hidden.sum() + kept.sum()).backward()
for what, tensor in cases.items():
    got = gets_grad(tensor)
    assert type(got) is bool, f"gets_grad returned {got!r} for {what}; expected True or False."
    with warnings.catch_warnings():  # reading a non-leaf's .grad warns; not needed here
        warnings.simplefilter("ignore")
        filled = tensor.grad is not None
    assert got == filled, (
        f"gets_grad returned {got} for {what}; expected whether backward() fills its .grad. "
        "Hint: section 5 says which tensors keep a gradient, and section 6 adds one case."
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
_out.backward()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for _t in _cases:
        assert gets_grad(_t) is (_t.grad is not None)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Frozen tensors
#
# A parameter whose `requires_grad` is `False` is called **frozen**: autograd computes no
# gradient for it, so an optimizer, which moves parameters along their `.grad`, leaves it where
# it is. Freezing is how you fine-tune a pretrained network: freeze everything, then train only
# the last layer (a later chapter does this with a real model). It also saves work, because
# `backward()` does not go where no gradient is wanted.
#
# Two "layers" `w1` and `w2`; freeze `w1`:

# %%
w1 = torch.tensor([1.0, 2.0], requires_grad=True)
w2 = torch.tensor([3.0, 4.0], requires_grad=True)
w1.requires_grad_(False)
loss = (w1 * w2).sum()
print(loss)
print(loss.grad_fn.next_functions[0][0].next_functions)

# %% [markdown]
# The multiplication's first input has no node at all, `(None, 0)`: there is nothing to walk
# back into. After `backward()`, only `w2` has a gradient:

# %%
loss.backward()
print(w1.grad, w2.grad)

# %% [markdown]
# Frozen is a property of a leaf, so it can be undone: `w1.requires_grad_(True)` thaws it, and
# the next forward pass records it again.
#
# ### Exercise 6: freeze all but some
#
# Write `freeze(params, keep)`: `params` maps names to leaf tensors, `keep` is a set of names.
# Make every tensor whose name is in `keep` require grad and freeze all the others, in place
# (the dict keeps the same tensor objects). It returns `None`.

# %% nbgrader={"grade": false, "grade_id": "ex6_freeze", "locked": false, "schema_version": 3, "solution": true, "task": false}
def freeze(params: dict, keep: set) -> None:
    """Make params[name] require grad exactly when name is in keep."""
    ### BEGIN SOLUTION
    for name, tensor in params.items():
        tensor.requires_grad_(name in keep)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_freeze_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch

params = {"w1": torch.ones(2, requires_grad=True), "w2": torch.ones(2, requires_grad=True),
          "w3": torch.ones(2)}
before = dict(params)
returned = freeze(params, keep={"w2", "w3"})
assert returned is None, f"freeze returned {returned!r}; expected None (it works in place)."
assert all(params[name] is before[name] for name in before), (
    "Expected freeze to change the tensors in place; it put new tensors in the dict. "
    "Hint: set the flag on the tensors themselves."
)
flags = {name: t.requires_grad for name, t in params.items()}
assert flags == {"w1": False, "w2": True, "w3": True}, (
    f"After freeze(params, keep={{'w2', 'w3'}}) the requires_grad flags are {flags}; expected "
    "the kept tensors to require grad and the others not. Hint: requires_grad_(flag) sets a "
    "leaf's flag in place, on or off."
)
(params["w1"] * params["w2"] * params["w3"]).sum().backward()
assert params["w1"].grad is None and params["w2"].grad is not None, (
    "Expected a backward() after freeze to fill .grad for the kept tensors only. "
    "Hint: check the flags again."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_params = {"a": _torch.ones(3, requires_grad=True), "b": _torch.zeros(2), "c": _torch.ones(1)}
freeze(_params, set())
assert not any(t.requires_grad for t in _params.values())
freeze(_params, {"a", "b", "c"})
assert all(t.requires_grad for t in _params.values())
freeze(_params, {"c", "not a parameter"})
assert [t.requires_grad for t in _params.values()] == [False, False, True]
assert freeze({}, {"a"}) is None
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# - `requires_grad` is `False` unless you ask for it (`requires_grad=True`, or
#   `requires_grad_()` on a leaf); only floating-point tensors can require grad.
# - An operation's result requires grad as soon as one of its inputs does; autograd then records
#   the operation, and the result's `grad_fn` names it (`AddBackward0`, `MulBackward0`, ...).
# - A **leaf** is a tensor no recorded operation made: yours, or one computed only from tensors
#   that do not require grad. Only a leaf's `requires_grad` can be changed.
# - `backward()` fills `.grad` on leaves that require grad, and on tensors that called
#   `retain_grad()`; everywhere else `.grad` stays `None`.
# - A **frozen** parameter is a leaf with `requires_grad=False`: no gradient, no update, and
#   less work for `backward()`.
#
# Next, we open up `backward()` itself: what each node computes, and in which order the graph
# is walked.

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
# > * 《pytorch 入门笔记》 writes `.requires_grad(...)` with a default flag "also": the method is
# >   `requires_grad_()`, with a trailing underscore, and its flag defaults to `True` (section 1).
# > * 《PyTorch 梯度》 prints `2.0` for `w.grad` in the line example, the value of `w` rather
# >   than the derivative (section 5 and exercise 4 show what PyTorch gives), and its table
# >   gives `grad` the type `ndarray`: in PyTorch `.grad` is a tensor, like `.data` (section 3).
