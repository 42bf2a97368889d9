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
# # Chapter 7: `autograd.grad`, `retain_graph`, `create_graph` and higher-order gradients
#
# So far every gradient came from `backward()`, which stores it in `.grad`. PyTorch has a
# second door into the same engine, `torch.autograd.grad`, and two switches that both accept.
# This chapter covers:
#
# 1. **`autograd.grad`**, which returns gradients instead of storing them;
# 2. what it **frees**, and **`retain_graph`** with it;
# 3. **`create_graph`**: a gradient recorded in a graph of its own, so it can be
#    differentiated again, to any order, and why `.grad` then needs zeroing with care;
# 4. what second derivatives buy: a gradient penalty, a **Hessian-vector product** without the
#    Hessian, and **Newton's method**.
#
# Run the cells in order. Before a *predict* exercise, write down your prediction, then run it.
# In each answer cell, replace `raise NotImplementedError()` with your code; the locked test
# cell below it says what is wrong, and hidden tests check other cases at grading. As in every
# chapter, `autograd_core` stands in for PyTorch under its name.

# %%
import autograd_core as torch

# %% [markdown]
# ## 1. Two ways to ask for a gradient
#
# Take the line $y = x w + b$ with data $x = 3$ and parameters $w = 2$, $b = 1$. The familiar
# way: `backward()`, then read `.grad` on the leaves.

# %%
x = torch.tensor(3.0)
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
y = x * w + b
y.backward()
print(w.grad, b.grad)

# %% [markdown]
# $\partial y/\partial w = x = 3$ and $\partial y/\partial b = 1$.
#
# The other way is `torch.autograd.grad(outputs, inputs)`. It walks the same graph, but it
# **returns** the gradients of `outputs` with respect to `inputs`, as a tuple in the order you
# asked, and **does not touch `.grad`**:

# %%
x = torch.tensor(3.0)
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
y = x * w + b
w_grad, b_grad = torch.autograd.grad(y, [w, b])
print(w_grad, b_grad)
print(w.grad, b.grad)

# %% [markdown]
# Same numbers, and `w.grad` and `b.grad` are still `None`. The result is always a tuple,
# even for one input (note the trailing comma): unpack it with `(w_grad,) = ...` or index it
# with `[0]`.

# %%
y = x * w + b
torch.autograd.grad(y, w)

# %% [markdown]
# Use `autograd.grad` when the gradient is a value you compute with (a penalty on the
# gradient, a Newton step), and `backward()` when an optimizer will read `.grad`.
#
# ## 2. `backward()` is `autograd.grad` plus accumulation
#
# `y.backward()` computes the gradient for **every** leaf of the graph that requires grad and
# **adds** it into that leaf's `.grad`; `autograd.grad` needs to be told the inputs and hands
# the result back. So `backward()` can be done by hand with `autograd.grad`. A helper builds a
# fresh line each time:

# %%
def make_line():
    """A fresh graph for y = x * w + b, with x = 3 (data), w = 2 and b = 1 (parameters)."""
    x = torch.tensor(3.0)
    w = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    return x, w, b, x * w + b


x, w, b, y = make_line()
y.backward()                       # first forward pass, first backward
y = x * w + b
y.backward()                       # second forward pass: the gradients add up
print("backward() twice:      ", w.grad, b.grad)

x, w, b, y = make_line()
for _ in range(2):
    y = x * w + b
    grads = torch.autograd.grad(y, [w, b])
    for leaf, grad in zip([w, b], grads):
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
print("autograd.grad + adding:", w.grad, b.grad)

# %% [markdown]
# Both give 6 and 2: twice the gradient, added up by each leaf's `AccumulateGrad` node.
# (`backward()` also takes `inputs=[w]` to fill only some leaves.)
#
# ## 3. What `autograd.grad` frees
#
# Chapter 3 showed that a backward pass frees the tensors its nodes saved (the nodes stay):
# a second pass through a node that saved something raises "Trying to backward through the
# graph a second time", unless the first had `retain_graph=True`. `autograd.grad` frees them
# too, and takes `retain_graph` too. Here `MulBackward0` saved `x`; `AddBackward0` saved
# nothing. Asking for `w` and `b` in two calls:

# %%
x, w, b, y = make_line()
(w_grad,) = torch.autograd.grad(y, w, retain_graph=True)
(b_grad,) = torch.autograd.grad(y, b)
print(w_grad, b_grad)

# %% [markdown]
# That is the safe habit. But is `retain_graph=True` *needed* here? One more fact decides it:
# **`autograd.grad` runs only the nodes that lie on a path from the outputs to the inputs you
# asked for**, and only the nodes that run free what they saved.
#
# ### Exercise 1 (predict, then run): which second call fails?
#
# Each function below builds a fresh `y = x * w + b` (with `make_line`) and makes two calls.
# Running the cell only defines them.

# %%
def sequence_a():
    x, w, b, y = make_line()
    torch.autograd.grad(y, w)
    torch.autograd.grad(y, w)


def sequence_b():
    x, w, b, y = make_line()
    torch.autograd.grad(y, w, retain_graph=True)
    torch.autograd.grad(y, w)


def sequence_c():
    x, w, b, y = make_line()
    torch.autograd.grad(y, w)
    torch.autograd.grad(y, b)


def sequence_d():
    x, w, b, y = make_line()
    torch.autograd.grad(y, b)
    torch.autograd.grad(y, w)


def sequence_e():
    x, w, b, y = make_line()
    torch.autograd.grad(y, w)
    y.backward()

# %% [markdown]
# For each sequence, will the second call raise "Trying to backward through the graph a second
# time"? Replace `raise NotImplementedError()` with
# `raises = {"a": ..., "b": ..., "c": ..., "d": ..., "e": ...}`, each value `True` or `False`.

# %% nbgrader={"grade": false, "grade_id": "ex1_second_call", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
raises = {"a": True, "b": False, "c": False, "d": False, "e": True}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1_second_call_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message


def _line():
    x = torch.tensor(3.0)
    w = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    return w, b, x * w + b


def _second_call_raises(first, second) -> bool:
    w, b, y = _line()
    first(y, w, b)
    try:
        second(y, w, b)
    except RuntimeError:
        return True
    return False


assert "raises" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.", name="raises"
)
assert type(raises) is dict and all(type(k) is str for k in raises) and \
    set(raises) == set("abcde") and all(type(v) is bool for v in raises.values()), message(
    "Expected a dict with the keys 'a' to 'e' and the values True or False; got {got!r}.",
    got=raises
)
actual = {
    "a": _second_call_raises(lambda y, w, b: torch.autograd.grad(y, w),
                             lambda y, w, b: torch.autograd.grad(y, w)),
    "b": _second_call_raises(lambda y, w, b: torch.autograd.grad(y, w, retain_graph=True),
                             lambda y, w, b: torch.autograd.grad(y, w)),
    "c": _second_call_raises(lambda y, w, b: torch.autograd.grad(y, w),
                             lambda y, w, b: torch.autograd.grad(y, b)),
    "d": _second_call_raises(lambda y, w, b: torch.autograd.grad(y, b),
                             lambda y, w, b: torch.autograd.grad(y, w)),
    "e": _second_call_raises(lambda y, w, b: torch.autograd.grad(y, w),
                             lambda y, w, b: y.backward()),
}
wrong = sum(raises[key] != actual[key] for key in actual)
assert wrong == 0, message(
    "Expected whether each second call raises; 1 of your 5 predictions is off. "
    "Hint: only MulBackward0 saved something (the value of x); ask, for each call, whether "
    "it runs MulBackward0, and whether an earlier call already ran it without retain_graph."
) if wrong == 1 else message(
    "Expected whether each second call raises; {wrong} of your 5 predictions are off. "
    "Hint: only MulBackward0 saved something (the value of x); ask, for each call, whether "
    "it runs MulBackward0, and whether an earlier call already ran it without retain_graph.",
    wrong=wrong
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch


def _hidden_line():
    _x = _torch.tensor(3.0)
    _w = _torch.tensor(2.0, requires_grad=True)
    _b = _torch.tensor(1.0, requires_grad=True)
    return _w, _b, _x * _w + _b


def _hidden_raises(first, second):
    _w, _b, _y = _hidden_line()
    first(_y, _w, _b)
    try:
        second(_y, _w, _b)
    except RuntimeError as _error:
        assert "a second time" in str(_error)
        return True
    return False


assert type(raises) is dict and all(type(v) is bool for v in raises.values())
_g = _torch.autograd.grad
assert raises["a"] is _hidden_raises(lambda y, w, b: _g(y, w), lambda y, w, b: _g(y, w))
assert raises["b"] is _hidden_raises(lambda y, w, b: _g(y, w, retain_graph=True),
                                     lambda y, w, b: _g(y, w))
assert raises["c"] is _hidden_raises(lambda y, w, b: _g(y, w), lambda y, w, b: _g(y, b))
assert raises["d"] is _hidden_raises(lambda y, w, b: _g(y, b), lambda y, w, b: _g(y, w))
assert raises["e"] is _hidden_raises(lambda y, w, b: _g(y, w), lambda y, w, b: y.backward())
### END HIDDEN TESTS

# %%
# Now run them:
for name, sequence in [("a", sequence_a), ("b", sequence_b), ("c", sequence_c),
                       ("d", sequence_d), ("e", sequence_e)]:
    try:
        sequence()
        print(name, "fine")
    except RuntimeError as error:
        print(name, "RuntimeError:", str(error).split(" (")[0])

# %% [markdown]
# <details><summary><b>Sequence by sequence</b> (open it once your test passes)</summary>
#
# - **a**: both calls run `MulBackward0`; the first one freed its saved `x`.
# - **b**: `retain_graph=True` kept it.
# - **c**: the first call ran `MulBackward0`, but the second one only needs `AddBackward0`,
#   which saved nothing. So the two calls of section 3 work even without `retain_graph=True`.
# - **d**: the first call stopped at `AddBackward0` (the path to `b` does not go through the
#   multiplication), so `MulBackward0` still had its `x` for the second call.
# - **e**: `backward()` walks the whole graph, `MulBackward0` included.
#
# Knowing the rule helps you read errors; in your own code, pass `retain_graph=True` whenever
# you mean to go back through a graph again.
#
# </details>

# %% [markdown]
# ## 4. `create_graph`: gradients you can differentiate
#
# Now a function of two variables, $z = x^2 y$ at $x = 2$, $y = 3$. By hand,
# $\partial z/\partial x = 2xy = 12$ and $\partial^2 z/\partial x^2 = 2y = 6$. The first
# derivative is no problem. Asking for the derivative of the derivative is:

# %%
x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = x * x * y
grad_x = torch.autograd.grad(z, x, retain_graph=True)
print(grad_x)
try:
    torch.autograd.grad(grad_x, x)
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# ("Element 0" is the gradient tensor inside the tuple `grad_x`.) `retain_graph=True` kept the
# tensors the nodes of `z` saved, not what the second call needs: a graph of **how `grad_x`
# was computed from `x`**. There is none, `tensor(12.)` has no `grad_fn`: the engine ran the
# backward formulas (here `grad_output * y`, then `... * x`, twice) with recording off, as it
# does by default.
#
# **`create_graph=True`** switches recording on during the backward pass. The backward
# formulas are ordinary tensor operations, so their results get a `grad_fn` like any other
# tensor's:

# %%
z = x * x * y
(grad_x,) = torch.autograd.grad(z, x, create_graph=True)
print(grad_x)
(grad_xx,) = torch.autograd.grad(grad_x, x)
print(grad_xx)

# %% [markdown]
# 12, then 6. Step through `autograd.grad(z, x, create_graph=True)`: the purple nodes appear at
# the step that records them, two `MulBackward0` per multiplication node that runs, and an
# `AddBackward0` where the two contributions meet in `x`'s buffer. Only the nodes that lead to
# `x` run: `y`'s node stays dim.

# %% skip_parity="steps through autograd_core's own engine (viz.step_backward)"
from autograd_core.viz import step_backward

step_backward(x * x * y, inputs=[x], mode="grad", create_graph=True, params={"x": x, "y": y})

# %% [markdown]
# Two more facts about `create_graph`:
#
# - `retain_graph` defaults to the value of `create_graph`, so the graph of `z` survives the
#   call: you can still ask for $\partial z/\partial y = x^2 = 4$.
# - `grad_x` depends on `y` as well, so it has a derivative with respect to `y`:
#   $\partial^2 z/\partial y\,\partial x = 2x = 4$. Asking for `[x, y]` gives one row of the
#   **Hessian**, the matrix of second derivatives.

# %%
z = x * x * y
(grad_x,) = torch.autograd.grad(z, x, create_graph=True)
print(torch.autograd.grad(z, y))
print(torch.autograd.grad(grad_x, [x, y]))

# %% [markdown]
# ## 5. `backward(create_graph=True)`
#
# `backward()` takes `create_graph` too. The gradient it stores in `.grad` is then part of a
# graph, and you can differentiate it:

# %%
import warnings

# PyTorch warns once here (see below); silence that one warning for the rest of the notebook.
warnings.filterwarnings("ignore", message=r"Using backward\(\) with create_graph=True")

x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = x * x * y
z.backward(create_graph=True)
print(x.grad, y.grad)
(grad_xx,) = torch.autograd.grad(x.grad, x)
print(grad_xx)

# %% [markdown]
# `x.grad` prints `grad_fn=<CopyBackwards>`: when a gradient first lands in an empty `.grad`,
# `AccumulateGrad` stores a copy of it (made with `copy_`), and under `create_graph=True` that
# copy is recorded, so `.grad` stays connected to the graph that computed it.
#
# PyTorch also warns, once, that this creates a reference cycle between the parameter and its
# gradient (`x.grad` depends on `x`, and `x` holds `x.grad`), a possible memory leak, and
# recommends `autograd.grad`. If you use `backward(create_graph=True)`, set the `.grad` fields
# back to `None` when you are done.
#
# ## 6. Differentiating `.grad` itself
#
# After `backward(create_graph=True)`, `x.grad` holds $\partial z/\partial x = 2xy$ as a
# recorded tensor that depends on `x` and `y`, so you can call `backward()` on it.
#
# ### Exercise 2 (predict, then run): the gradient of a gradient
#
# The next cell rebuilds the example and stops before the interesting line.

# %%
x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = x * x * y
z.backward(create_graph=True)
print(x.grad, y.grad)

# %% [markdown]
# The next line to run is `x.grad.backward()`. What will `x.grad` and `y.grad` hold after it?
# Replace `raise NotImplementedError()` with `predicted = {"x": ..., "y": ...}`, each value a
# number.

# %% nbgrader={"grade": false, "grade_id": "ex2_accumulated", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted = {"x": 18.0, "y": 8.0}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2_accumulated_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import warnings

import autograd_core as torch
from course_messages import message

assert "predicted" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="predicted"
)
assert type(predicted) is dict and all(type(k) is str for k in predicted) and \
    set(predicted) == {"x", "y"} and all(type(v) in (int, float) for v in predicted.values()), message(
    "Expected a dict with the keys 'x' and 'y' and a number for each; got {got!r}.", got=predicted
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # PyTorch's warning about backward(create_graph=True)
    leaf_x = torch.tensor(2.0, requires_grad=True)
    leaf_y = torch.tensor(3.0, requires_grad=True)
    (leaf_x * leaf_x * leaf_y).backward(create_graph=True)
    leaf_x.grad.backward()
actual = {"x": leaf_x.grad.item(), "y": leaf_y.grad.item()}
wrong = [f"{name}.grad" for name in ("x", "y") if abs(predicted[name] - actual[name]) > 1e-6]
assert not wrong, message(
    "Expected the values of x.grad and y.grad after x.grad.backward(); your prediction for "
    "{names} is off. Hint: work out the derivatives of 2*x*y with respect to x "
    "and to y, and remember what backward() does with a .grad that is not empty.",
    names=message("{first} and {second}", first=wrong[0], second=wrong[1]) if len(wrong) == 2
    else wrong[0] if wrong else ""
)
### BEGIN HIDDEN TESTS
import warnings

import autograd_core as _torch

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _x = _torch.tensor(2.0, requires_grad=True)
    _y = _torch.tensor(3.0, requires_grad=True)
    (_x * _x * _y).backward(create_graph=True)
    _x.grad.backward()
assert type(predicted) is dict and all(type(v) in (int, float) for v in predicted.values())
assert float(predicted["x"]) == _x.grad.item() == 18.0
assert float(predicted["y"]) == _y.grad.item() == 8.0
### END HIDDEN TESTS

# %%
x.grad.backward()
print(x.grad, y.grad)


# %% [markdown]
# <details><summary><b>Where these two numbers come from</b> (open it once your test passes)</summary>
#
# `x.grad` is 18: the 12 that was there, plus $\partial(2xy)/\partial x = 2y = 6$. `y.grad`
# is 8: the 4 that was there ($x^2$), plus $\partial(2xy)/\partial y = 2x = 4$. Accumulation,
# the reason a training loop zeroes its gradients, mixes first and second derivatives here.
#
# </details>

# %% [markdown]
# ### The second derivative alone
#
# Zeroing `x.grad` first, through `.data`, leaves only the second derivative:

# %%
x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = x * x * y
z.backward(create_graph=True)
print(x.grad)
x.grad.data.zero_()
print(x.grad)
x.grad.backward()
print(x.grad)

# %% [markdown]
# `x.grad.data.zero_()` sets the numbers to 0 **behind autograd's back**: the graph behind
# `x.grad` still computes $2xy$, so `x.grad.backward()` still sends back 6, which lands in a
# zero. Without the `.data`, `zero_()` is an operation on `x.grad` like any other, recorded in
# its graph; `x.grad` then *is* a constant 0, whose derivative is 0:

# %%
x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = x * x * y
z.backward(create_graph=True)
x.grad.zero_()
x.grad.backward()
print(x.grad.item())

# %% [markdown]
# Cleaner: keep the first derivative in a variable and empty `.grad` before the second pass
# (this also breaks the reference cycle). Or use `autograd.grad`, which never touches `.grad`.

# %%
x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = x * x * y
z.backward(create_graph=True)
first = x.grad
x.grad = None
first.backward()
print(x.grad)

# %% [markdown]
# ## 7. A picture, and a gradient penalty
#
# For a picture we want $f'$ and $f''$ at many points at once. With `x` a tensor of points
# and `f` elementwise, each `f(x)[i]` depends on `x[i]` only, so the gradient of the **sum**
# `f(x).sum()` is the vector of the derivatives at every point: one backward pass for all of
# them. Take $f(x) = x^3 - 3x$, with $f'(x) = 3x^2 - 3$ and $f''(x) = 6x$:

# %%
points = torch.linspace(-2, 2, 5, requires_grad=True)
values = points**3 - 3 * points
(slopes,) = torch.autograd.grad(values.sum(), points, create_graph=True)
(curvatures,) = torch.autograd.grad(slopes.sum(), points)
print(slopes)
print(curvatures)

# %% [markdown]
# `autograd_core.viz.plot_function` does this on 200 points and draws $f$, $f'$ and $f''$.
# The slope $f'$ is zero at $x = \pm 1$; the sign of $f''$ there says which is which:
# $f''(-1) = -6 < 0$, a local maximum; $f''(1) = 6 > 0$, a local minimum.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import plot_function


def f(t):
    return t**3 - 3 * t


plot_function(f, (-2.2, 2.2), derivatives=2)

# %% [markdown]
# The second call need not ask for the variable of the first one (section 4 differentiated
# $\partial z/\partial x$ with respect to `y`). Some models (a WGAN-GP critic, models made
# robust to small changes of their input) add to their loss a **gradient penalty**: with
# $f(w, x)$ the output for parameters $w$ and input $x$,
#
# $$P(w) = \lVert \nabla_x f(w, x) \rVert^2,$$
#
# the squared norm of the gradient with respect to the *input*. The optimizer needs
# $\nabla_w P$.
#
# ### Exercise 3: the gradient of a gradient penalty
#
# Write `penalty_gradient(f, w, x)`: `f(w, x)` returns a one-element tensor; `w` and `x` are
# tensors that do not require grad, and must be left as they are. Return $\nabla_w P$ as a
# tensor shaped like `w` that does not require grad. How you get there is up to you.

# %% nbgrader={"grade": false, "grade_id": "ex3_penalty_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false}
def penalty_gradient(f, w, x):
    """The gradient with respect to w of the squared norm of the gradient of f(w, x) in x."""
    ### BEGIN SOLUTION
    w = w.detach().requires_grad_(True)
    x = x.detach().requires_grad_(True)
    (input_gradient,) = torch.autograd.grad(f(w, x), x, create_graph=True)
    (gradient,) = torch.autograd.grad((input_gradient**2).sum(), w)
    return gradient
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_penalty_gradient_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message


def half_square(w, x):
    """f(w, x) = sum_i (x_i . w)**2 / 2, for a batch x of shape (2, 3) and w of shape (3,)."""
    return ((x @ w) ** 2).sum() / 2


weights = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
batch = torch.tensor([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]], dtype=torch.float64)
try:
    got = penalty_gradient(half_square, weights, batch)
except RuntimeError as error:
    if isinstance(error, NotImplementedError):
        raise AssertionError(
            message("{function} is not written yet: replace "
                    "`raise NotImplementedError()` in its cell with your code and run it again.",
                    function="penalty_gradient")
        ) from None
    raise AssertionError(
        message("penalty_gradient(half_square, weights, batch) raised RuntimeError: {error}; "
                "expected a tensor. Hint: P is computed from the gradient with respect to x; to "
                "differentiate P again, that gradient must be recorded in a graph "
                "(create_graph=True), and w and x must be leaves that require grad (make your "
                "own with .detach().requires_grad_(True)).",
                error=error)
    ) from None
assert weights.grad is None and not weights.requires_grad and batch.grad is None and \
    not batch.requires_grad, message(
    "Expected penalty_gradient to leave its arguments alone; w or x now requires grad or has a "
    ".grad. Hint: make new leaves with .detach().requires_grad_(True)."
)
assert type(got) is torch.Tensor and tuple(got.shape) == (3,), message(
    "penalty_gradient(half_square, weights, batch) returned {got!r}; expected a tensor "
    "shaped like w, (3,). Hint: the second derivative is taken with respect to w, not x; and "
    "autograd.grad returns a tuple.",
    got=got
)
# By hand: grad_x f = (x_i . w) w for each row i, so P = |w|^2 sum_i (x_i . w)^2, and
# grad_w P = 2 |w|^2 sum_i (x_i . w) x_i + 2 (sum_i (x_i . w)^2) w.
dots = batch @ weights
by_hand = 2 * (weights**2).sum() * (dots @ batch) + 2 * (dots**2).sum() * weights
first_order = dots @ batch                 # grad_w f itself
assert not torch.allclose(got.detach(), by_hand + first_order), message(
    "penalty_gradient(half_square, weights, batch) returned {got}; expected "
    "grad_w P alone, but yours also contains grad_w f, the first derivative. Hint: backward() "
    "adds into .grad, which already held the first pass's gradient; use autograd.grad, which "
    "returns gradients without storing them.",
    got=got.detach()
)
assert torch.allclose(got.detach(), by_hand), message(
    "penalty_gradient(half_square, weights, batch) returned {got}; expected the "
    "gradient with respect to w of P = (the squared norm of grad_x f). Hint: P is the sum of "
    "the squares of every entry of grad_x f (not the sum of the entries, not the norm).",
    got=got.detach()
)
assert not got.requires_grad, message(
    "penalty_gradient returned a tensor that requires grad; expected a plain gradient. Hint: "
    "the second autograd.grad call needs no create_graph."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_torch.manual_seed(13)


def _reference(f, w, x):
    _w = w.detach().clone().requires_grad_(True)
    _x = x.detach().clone().requires_grad_(True)
    (_g,) = _torch.autograd.grad(f(_w, _x), _x, create_graph=True)
    return _torch.autograd.grad((_g * _g).sum(), _w)[0]


def _f1(w, x):
    return (x @ w).sin().sum()


def _f2(w, x):
    return ((x * w).tanh() ** 2).mean() + (x.exp() * w).sum()


for _f, _wshape, _xshape in ((_f1, (4,), (5, 4)), (_f1, (2,), (1, 2)), (_f2, (3,), (3,)),
                             (_f2, (2, 3), (4, 2, 3))):
    _w = _torch.randn(*_wshape, dtype=_torch.float64)
    _x = _torch.randn(*_xshape, dtype=_torch.float64)
    _got = penalty_gradient(_f, _w, _x)
    assert type(_got) is _torch.Tensor and tuple(_got.shape) == _wshape, (_wshape, _got)
    assert not _got.requires_grad
    assert not _w.requires_grad and _w.grad is None and not _x.requires_grad and _x.grad is None
    assert _torch.allclose(_got, _reference(_f, _w, _x), rtol=1e-7, atol=1e-9), _got
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Any order
#
# Each `autograd.grad(..., create_graph=True)` returns a tensor with a `grad_fn`, so you can
# keep going. For $x^5$ at $x = 2$ the derivatives are $5x^4 = 80$, $20x^3 = 160$,
# $60x^2 = 240$, $120x = 240$, $120$, and then 0:

# %%
x = torch.tensor(2.0, requires_grad=True)
derivative = x**5
for order in range(1, 7):
    (derivative,) = torch.autograd.grad(derivative, x, create_graph=True)
    print(order, derivative)

# %% [markdown]
# The sixth derivative, `tensor(0.)`, has no `grad_fn`: the fifth step's backward formula did
# not involve `x`. A seventh call would raise "element 0 of tensors does not require grad". For
# $x \cdot x$ that happens sooner: its second derivative, 2, has no `grad_fn`.
#
# ### Exercise 4: `nth_derivative`
#
# Write `nth_derivative(f, x_value, n)`: the `n`-th derivative of `f` at `x_value`, as a Python
# float, by repeated `torch.autograd.grad` calls (`n = 0` gives $f(x)$ itself). Use
# `dtype=torch.float64`. When a derivative no longer requires grad, it is a constant, and
# every higher derivative is 0.0.

# %% nbgrader={"grade": false, "grade_id": "ex4_nth_derivative", "locked": false, "schema_version": 3, "solution": true, "task": false}
def nth_derivative(f, x_value: float, n: int) -> float:
    """The n-th derivative of f at x = x_value, computed by autograd."""
    ### BEGIN SOLUTION
    x = torch.tensor(x_value, dtype=torch.float64, requires_grad=True)
    derivative = f(x)
    for _ in range(n):
        if not derivative.requires_grad:
            return 0.0
        (derivative,) = torch.autograd.grad(derivative, x, create_graph=True)
    return derivative.item()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_nth_derivative_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import math

from course_messages import message


def fifth_power(t):
    return t**5


def square(t):
    return t * t


def _call(f, name, x_value, n):
    try:
        return nth_derivative(f, x_value, n)
    except RuntimeError as error:
        if isinstance(error, NotImplementedError):
            raise AssertionError(
                message("{function} is not written yet: replace `raise NotImplementedError()` in "
                        "its cell with your code and run it again.",
                        function="nth_derivative")
            ) from None
        hint = (message("a derivative that does not require grad is a constant: check before "
                        "you differentiate it again, and return 0.0") if n > 2 else
                message("a derivative can be differentiated again only if autograd.grad "
                        "recorded it (create_graph=True, at every call)"))
        raise AssertionError(
            message("nth_derivative({name}, {x_value}, {n}) raised RuntimeError: {error}; "
                    "expected a float. Hint: {hint}.",
                    name=name, x_value=x_value, n=n, error=error, hint=hint)
        ) from None


for n in range(7):
    got = _call(fifth_power, "fifth_power", 2.0, n)
    expected = math.perm(5, n) * 2.0 ** (5 - n) if n <= 5 else 0.0
    assert type(got) is float, message(
        "nth_derivative(fifth_power, 2.0, {n}) returned {got!r}; expected a Python float. "
        "Hint: .item().",
        n=n, got=got
    )
    assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9), message(
        "nth_derivative(fifth_power, 2.0, {n}) returned {got}; expected the derivative of "
        "order {n} of t**5 at 2. Hint: n = 0 is f(x) itself, and each step is one "
        "autograd.grad call.",
        n=n, got=got
    )
got = _call(square, "square", 3.0, 3)
assert type(got) is float and got == 0.0, message(
    "nth_derivative(square, 3.0, 3) returned {got!r}; expected the third derivative of t*t, "
    "as a float. Hint: a derivative that does not require grad is a constant.",
    got=got
)
### BEGIN HIDDEN TESTS
import math

import autograd_core as _torch


def _nth(f, x_value, n):
    _value = nth_derivative(f, x_value, n)
    assert type(_value) is float, (n, _value)
    return _value


for _n in range(9):
    _expected = [math.sin, math.cos, lambda v: -math.sin(v), lambda v: -math.cos(v)][_n % 4](0.3)
    _got = _nth(_torch.sin, 0.3, _n)
    assert math.isclose(_got, _expected, rel_tol=1e-6, abs_tol=1e-7), (_n, _got)
for _n in range(5):
    assert math.isclose(_nth(_torch.exp, -0.5, _n), math.exp(-0.5), rel_tol=1e-6)
assert _nth(lambda t: 3 * t + 1, 2.0, 1) == 3.0
assert _nth(lambda t: 3 * t + 1, 2.0, 2) == 0.0
assert _nth(lambda t: 3 * t + 1, 2.0, 5) == 0.0
assert _nth(lambda t: t**3, -1.5, 0) == -3.375
assert type(_nth(lambda t: t**3, -1.5, 9)) is float
assert _nth(lambda t: t**3, -1.5, 9) == 0.0
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Hessians, and a Hessian-vector product without the Hessian
#
# For a function of a vector, $f: \mathbb{R}^n \to \mathbb{R}$, the second derivatives form
# the $n \times n$ **Hessian** $H_{ij} = \partial^2 f / \partial x_i \partial x_j$.
# `torch.autograd.functional.hessian` computes it. Take
# $f(q) = \frac14 \sum_i q_i^4 + \sum_i q_i q_{i+1}$, whose Hessian has $3q_i^2$ on the
# diagonal and 1 next to it:

# %%
def f(q):
    return (q**4).sum() / 4 + (q[:-1] * q[1:]).sum()


q = torch.tensor([1.0, -2.0, 0.5])
H = torch.autograd.functional.hessian(f, q)
print(H)

# %% [markdown]
# `hessian` calls `autograd.grad` once per row: $n$ backward passes and $n^2$ numbers, out of
# the question for a million parameters. Many methods (Newton-CG, measuring the curvature of a
# loss) only need the product $Hv$ with a vector $v$, which costs two backward passes:
#
# $$Hv = \nabla_q\big(\nabla_q f(q) \cdot v\big)$$
#
# because $v$ is a constant: the gradient of $\sum_j \frac{\partial f}{\partial q_j} v_j$ with
# respect to $q_i$ is $\sum_j H_{ij} v_j$. So: one `autograd.grad` with `create_graph=True`
# for $\nabla f$, a dot product with $v$, and one more `autograd.grad`.
#
# ### Exercise 5: `hessian_vector_product`
#
# Write `hessian_vector_product(f, x, v)`: `f` takes a 1-D tensor and returns a one-element
# tensor; `x` and `v` are 1-D tensors of the same shape, and `x` does not require grad (make
# your own leaf from it, e.g. `x.detach().requires_grad_(True)`). Return $H v$ as a tensor
# with the shape of `x` that does not require grad, with exactly two `autograd.grad` calls and
# without building $H$.

# %% nbgrader={"grade": false, "grade_id": "ex5_hessian_vector_product", "locked": false, "schema_version": 3, "solution": true, "task": false}
def hessian_vector_product(f, x, v):
    """H v, where H is the Hessian of the scalar function f at x, in two backward passes."""
    ### BEGIN SOLUTION
    x = x.detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(f(x), x, create_graph=True)
    (product,) = torch.autograd.grad((gradient * v).sum(), x)
    return product
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_hessian_vector_product_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message


def chain(q):
    return (q**4).sum() / 4 + (q[:-1] * q[1:]).sum()


point = torch.tensor([1.0, -2.0, 0.5])
direction = torch.tensor([1.0, 0.0, 2.0])
try:
    got = hessian_vector_product(chain, point, direction)
except RuntimeError as error:
    if isinstance(error, NotImplementedError):
        raise AssertionError(
            message("{function} is not written yet: replace "
                    "`raise NotImplementedError()` in its cell with your code and run it again.",
                    function="hessian_vector_product")
        ) from None
    raise AssertionError(
        message("hessian_vector_product(chain, point, direction) raised RuntimeError: {error}; "
                "expected a tensor. Hint: the gradient must have a grad_fn to be differentiated "
                "again (create_graph), and x must be a leaf that requires grad.",
                error=error)
    ) from None
assert type(got) is torch.Tensor and tuple(got.shape) == (3,), message(
    "hessian_vector_product(chain, point, direction) returned {got!r}; expected a tensor of "
    "shape (3,). Hint: the second autograd.grad call returns a tuple; take its element.",
    got=got
)
expected = torch.autograd.functional.hessian(chain, point) @ direction
assert torch.allclose(got.detach(), expected), message(
    "hessian_vector_product(chain, point, direction) returned {got}; expected the "
    "Hessian of chain at point times direction (compare with "
    "torch.autograd.functional.hessian(chain, point) @ direction). Hint: differentiate the dot "
    "product of the gradient with v, not the gradient's sum.",
    got=got.detach()
)
assert point.grad is None and not point.requires_grad, message(
    "Expected hessian_vector_product to leave its argument x alone; x now requires grad or has "
    "a .grad. Hint: make a new leaf with x.detach().requires_grad_(True)."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_torch.manual_seed(7)
_calls = []
_real_grad = _torch.autograd.grad
_real_hessian = _torch.autograd.functional.hessian
_real_jacobian = _torch.autograd.functional.jacobian


def _counting_grad(*args, **kwargs):
    _calls.append(1)
    return _real_grad(*args, **kwargs)


def _forbidden(*args, **kwargs):
    raise AssertionError("hessian_vector_product must not build the Hessian")


def _f1(q):
    return (q.sin() * q.sum()).sum() + (q**3).sum()


def _f2(q):
    return ((q[:-1] - q[1:]) ** 2).sum() * 0.5 + (q.exp()).mean()


_results = []
try:
    _torch.autograd.grad = _counting_grad
    _torch.autograd.functional.hessian = _forbidden
    _torch.autograd.functional.jacobian = _forbidden
    for _fn in (_f1, _f2):
        for _n in (1, 4, 7):
            _x = _torch.randn(_n, dtype=_torch.float64)
            _v = _torch.randn(_n, dtype=_torch.float64)
            _calls.clear()
            _got = hessian_vector_product(_fn, _x, _v)
            assert len(_calls) <= 2, len(_calls)
            assert type(_got) is _torch.Tensor and tuple(_got.shape) == (_n,)
            assert not _got.requires_grad
            assert _x.grad is None and not _x.requires_grad
            _results.append((_fn, _x, _v, _got))
finally:
    _torch.autograd.grad = _real_grad
    _torch.autograd.functional.hessian = _real_hessian
    _torch.autograd.functional.jacobian = _real_jacobian
assert len(_results) == 6
for _fn, _x, _v, _got in _results:
    _expected = _torch.autograd.functional.hessian(_fn, _x) @ _v
    assert _torch.allclose(_got, _expected, rtol=1e-7, atol=1e-9), (_got, _expected)
### END HIDDEN TESTS

# %% [markdown]
# The two agree (if you have not solved exercise 5 yet, this cell uses PyTorch's own
# `torch.autograd.functional.hvp`, which returns the function's value and $Hv$):

# %%
v = torch.tensor([1.0, 0.0, 2.0])
try:
    product = hessian_vector_product(f, q, v)
except NotImplementedError:
    _, product = torch.autograd.functional.hvp(f, q, v)
print(product)
print(H @ v)


# %% [markdown]
# ## 10. Newton's method
#
# Gradient descent moves against the slope: $x \leftarrow x - \eta f'(x)$, with a step size
# $\eta$ you have to choose. Newton's method uses the curvature as well. Near $x$, $f$ looks
# like the parabola $f(x) + f'(x)\,d + \frac12 f''(x)\,d^2$, whose lowest point is at
# $d = -f'(x)/f''(x)$:
#
# $$x \leftarrow x - \frac{f'(x)}{f''(x)}$$
#
# No step size, and close to a minimum it converges very fast (where $f'' < 0$ it heads for a
# maximum instead). Iterate it on $f(x) = e^x - 2x$, whose minimum is at $x = \ln 2$:

# %%
import math


def exp_minus_2x(t):
    return torch.exp(t) - 2 * t


def newton_step_1d(f, x_value):
    """x - f'(x) / f''(x) at x = x_value, both derivatives by autograd.grad."""
    x = torch.tensor(x_value, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(f(x), x, create_graph=True)
    (curvature,) = torch.autograd.grad(slope, x)
    return x_value - slope.item() / curvature.item()


x_value = 2.0
errors = []
for step in range(6):
    error = abs(x_value - math.log(2))
    errors.append(error)
    print(f"step {step}: x = {x_value:.10f}   |x - ln 2| = {error:.2e}")
    x_value = newton_step_1d(exp_minus_2x, x_value)

# %% [markdown]
# Once close, each error is about half the square of the previous one
# ($|e_{k+1}| \approx \frac12 e_k^2$): the number of correct digits doubles at every step. On a
# log scale the curve bends down ever faster, where gradient descent gives a straight line at
# best:

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import plot_losses

plot_losses(errors, log_scale=True, title="Newton's method on exp(x) - 2x",
            ylabel="|x - ln 2|")

# %% [markdown]
# In several dimensions, $f'$ becomes the gradient $g = \nabla f(x)$ and $f''$ the Hessian
# $H$; the parabola's lowest point is where $H d = -g$:
#
# $$x \leftarrow x - H^{-1} \nabla f(x)$$
#
# On a quadratic function, the parabola is the function itself, and one step lands on the
# minimum.
#
# ### Exercise 6: Newton's method in several dimensions
#
# Write `newton_step(f, x)`: `f` takes a 1-D float64 tensor and returns a one-element tensor;
# `x` is a 1-D float64 tensor that does not require grad (leave it alone). Return
# $x - H^{-1}\nabla f(x)$, shaped like `x`, not requiring grad. Build $H$ with
# `torch.autograd.grad`, not `torch.autograd.functional`; solve $H d = g$ with
# `numpy.linalg.solve` on `.numpy()` arrays (this engine has no `torch.linalg`).

# %% nbgrader={"grade": false, "grade_id": "ex6_newton_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
import numpy


def newton_step(f, x):
    """One Newton step x - H^-1 grad f(x), H the Hessian of f at x."""
    ### BEGIN SOLUTION
    x = x.detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(f(x), x, create_graph=True)
    rows = [torch.autograd.grad(gradient[i], x, retain_graph=True)[0]
            for i in range(x.shape[0])]
    hessian = torch.stack(rows).detach()
    step = numpy.linalg.solve(hessian.numpy(), gradient.detach().numpy())
    return x.detach() - torch.tensor(step)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_newton_step_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy

import autograd_core as torch
from course_messages import message


def chain(q):
    return (q**4).sum() / 4 + (q[:-1] * q[1:]).sum()


def bowl(q):
    return (q[0] - 1) ** 2 + 3 * (q[1] + 2) ** 2 + q[0] * q[1]


def _newton(f, name, start):
    real_hessian = torch.autograd.functional.hessian
    real_jacobian = torch.autograd.functional.jacobian

    def refuse(*args, **kwargs):
        raise AssertionError(
            message("newton_step({name}, ...) called torch.autograd.functional; expected the "
                    "Hessian built with torch.autograd.grad. Hint: one call with "
                    "create_graph=True gives the gradient g; then one call per entry g[i] gives "
                    "row i of H.",
                    name=name)
        )

    torch.autograd.functional.hessian = torch.autograd.functional.jacobian = refuse
    try:
        return newton_step(f, start)
    except RuntimeError as error:
        if isinstance(error, NotImplementedError):
            raise AssertionError(
                message("{function} is not written yet: replace `raise NotImplementedError()` in "
                        "its cell with your code and run it again.",
                        function="newton_step")
            ) from None
        raise AssertionError(
            message("newton_step({name}, ...) raised RuntimeError: {error}; expected a tensor. "
                    "Hint: the gradient must have a grad_fn to be differentiated "
                    "(create_graph=True), and each row's call frees the gradient's graph unless "
                    "it keeps it (retain_graph=True until the last row).",
                    name=name, error=error)
        ) from None
    finally:
        torch.autograd.functional.hessian = real_hessian
        torch.autograd.functional.jacobian = real_jacobian


start = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
got = _newton(chain, "chain", start)
assert not start.requires_grad and start.grad is None and start.tolist() == [1.0, -2.0, 0.5], message(
    "Expected newton_step to leave its argument x alone; it changed, requires grad or has a "
    ".grad. Hint: make a new leaf with x.detach().requires_grad_(True)."
)
assert type(got) is torch.Tensor and tuple(got.shape) == (3,) and not got.requires_grad, message(
    "newton_step(chain, start) returned {got!r}; expected a tensor of shape (3,) that does "
    "not require grad. Hint: detach the result, or compute it from detached tensors.",
    got=got
)
# By hand: the gradient of chain is q**3 plus the neighbours' values; its Hessian has 3 q**2
# on the diagonal and 1 next to it.
q = start.numpy()
gradient = q**3 + numpy.array([q[1], q[0] + q[2], q[1]])
hessian = numpy.diag(3 * q**2) + numpy.diag([1.0, 1.0], 1) + numpy.diag([1.0, 1.0], -1)
diagonal_only = q - gradient / numpy.diag(hessian)
assert not numpy.allclose(got.numpy(), diagonal_only), message(
    "newton_step(chain, start) returned {got}; expected a step that uses the whole "
    "Hessian, but yours divides each entry of the gradient by the diagonal of H only. Hint: "
    "the off-diagonal second derivatives matter; solve H d = g.",
    got=got.tolist()
)
assert numpy.allclose(got.numpy(), q - numpy.linalg.solve(hessian, gradient)), message(
    "newton_step(chain, start) returned {got}; expected x - H^-1 grad f(x). Hint: "
    "solve H d = g for d (not a gradient-descent step), and subtract d from x.",
    got=got.tolist()
)
landed = _newton(bowl, "bowl", torch.tensor([5.0, 5.0], dtype=torch.float64))
assert numpy.allclose(landed.numpy(), numpy.linalg.solve([[2.0, 1.0], [1.0, 6.0]], [2.0, -12.0])), message(
    "newton_step(bowl, [5, 5]) returned {got}; expected the minimum of this "
    "quadratic bowl, which one Newton step reaches exactly. Hint: compute H and g at x, not "
    "at a fixed point.",
    got=landed.tolist()
)
### BEGIN HIDDEN TESTS
import numpy as _np

import autograd_core as _torch

_torch.manual_seed(17)
_real_hessian = _torch.autograd.functional.hessian
_real_jacobian = _torch.autograd.functional.jacobian


def _forbidden(*args, **kwargs):
    raise AssertionError("newton_step must build the Hessian with autograd.grad")


def _g1(q):
    return (q.exp()).sum() + (q**2).sum() + (q[:-1] * q[1:]).sum() * 0.5


def _g2(q):
    return (q**4).sum() + q.sum() ** 2 + (q * _torch.arange(q.shape[0], dtype=q.dtype)).sum()


_cases = []
try:
    _torch.autograd.functional.hessian = _torch.autograd.functional.jacobian = _forbidden
    for _fn in (_g1, _g2):
        for _n in (1, 2, 4):
            _x = _torch.randn(_n, dtype=_torch.float64)
            _got = newton_step(_fn, _x)
            assert type(_got) is _torch.Tensor and tuple(_got.shape) == (_n,)
            assert not _got.requires_grad and not _x.requires_grad and _x.grad is None
            _cases.append((_fn, _x, _got))
finally:
    _torch.autograd.functional.hessian = _real_hessian
    _torch.autograd.functional.jacobian = _real_jacobian
for _fn, _x, _got in _cases:
    _h = _real_hessian(_fn, _x).numpy()
    _leaf = _x.detach().clone().requires_grad_(True)
    _gr = _torch.autograd.grad(_fn(_leaf), _leaf)[0].numpy()
    assert _np.allclose(_got.numpy(), _x.numpy() - _np.linalg.solve(_h, _gr)), (_fn, _got)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# - `autograd.grad(outputs, inputs)` returns gradients and leaves `.grad` alone; `backward()`
#   **adds** them into every leaf's `.grad`.
# - `autograd.grad` runs, and frees, only the nodes between the outputs and the inputs asked
#   for; `retain_graph=True` keeps what they saved.
# - **`create_graph=True`** records the backward pass, so a gradient can be differentiated
#   again, with respect to any leaf it depends on, to any order.
# - After `backward(create_graph=True)`, a second `backward()` adds into `.grad`: empty it
#   first, or use `autograd.grad`.
# - $Hv = \nabla(\nabla f \cdot v)$ costs two backward passes; Newton's method
#   $x \leftarrow x - H^{-1}\nabla f(x)$ converges in a handful of steps.
#
# Next, we build a small autograd engine of our own. It computes its backward formulas on
# NumPy arrays, so it has no `create_graph`: gradients of gradients need backward formulas
# written with tensor operations, recorded like any forward computation, which is how PyTorch
# and `autograd_core` do it.

# %% [markdown]
# ## Sources, and where they slip
#
# > This chapter retells the examples of 《PyTorch 梯度》 (author and address not recorded),
# > in its own words and with PyTorch 2.13's numbers.
# >
# > Where it slips:
# >
# > * "`x.backward()` is equivalent to `torch.autograd.grad(x)`": nearly; `backward()` finds
# >   the leaves itself and adds into their `.grad`, `autograd.grad` needs the inputs and returns
# >   the gradients (section 2).
# > * "The graph is destroyed after `backward()` or `autograd.grad()`": the nodes stay, and
# >   only the nodes a call runs free the tensors they saved (section 3).
# > * Asking for `w` and then `b` "needs `retain_graph=True`": not always; exercise 1 shows
# >   when (section 3).
