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
# # Chapter 4: Vector-Jacobian products
#
# Every `backward()` so far started from one number, a loss. But an output can be a vector:
# one loss per example, several losses to weigh, or just `y = x * x` on two elements. This
# chapter is about what `backward` does then: the **Jacobian** of a vector function, the
# **vector-Jacobian product** $v^\top J$ that `y.backward(v)` computes, how to choose $v$,
# why autograd never builds a Jacobian (and what a backward pass costs), and how to rebuild a
# whole Jacobian one row per pass.
#
# Work as before: predict before running, replace `raise NotImplementedError()` in each answer
# cell, and run the test cell below it; hidden tests are added at grading.

# %%
import autograd_core as torch

# %% [markdown]
# ## 1. The scalar case: `backward()` starts from 1
#
# For a single number $l$, `l.backward()` fills each leaf's `.grad` with
# $\partial l / \partial x$, starting from $\partial l / \partial l = 1$. Writing that 1 out
# gives the same result:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
loss = (x * x).sum()
loss.backward()
print(x.grad)

# %% [markdown]
# The same on a fresh leaf (`.grad` accumulates, chapter 3), with the starting gradient spelled
# out:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
loss = (x * x).sum()
loss.backward(torch.tensor(1.))
print(x.grad)

# %% [markdown]
# Both give $2x$. The argument of `backward` is called `gradient`, and for a scalar output
# PyTorch fills in `torch.tensor(1.)` itself.
#
# ## 2. A vector output
#
# Stop before the sum: `y = x * x` has two elements, $y_1 = x_1^2$ and $y_2 = x_2^2$.

# %%
x = torch.tensor([2., 3.], requires_grad=True)
y = x * x
print(y)

# %% [markdown]
# ### Exercise 1 (predict, then run): `backward()` on a vector
#
# What happens if you now call `y.backward()` with no argument? Pick one:
#
# * **A**: it runs, and `x.grad` becomes `tensor([4., 6.])`;
# * **B**: it runs, and `x.grad` becomes `tensor(10.)`, the sum of those derivatives;
# * **C**: it raises a `RuntimeError`, and `x.grad` stays `None`;
# * **D**: it runs, and `x.grad` becomes the 2×2 matrix `tensor([[4., 0.], [0., 6.]])`.
#
# Replace `raise NotImplementedError()` with `prediction_1 = "..."`, the letter of your choice.

# %% nbgrader={"grade": false, "grade_id": "ex1_predict_vector_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
prediction_1 = "C"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1_predict_vector_backward_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

assert "prediction_1" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="prediction_1"
)
assert type(prediction_1) is str and prediction_1.strip().upper() in ("A", "B", "C", "D"), message(
    "prediction_1 is {prediction_1!r}; expected one of the letters 'A', 'B', 'C' or 'D'. "
    "Hint: write it as a string, such as \"A\".",
    prediction_1=prediction_1
)
x_check = torch.tensor([2., 3.], requires_grad=True)
y_check = x_check * x_check
try:
    y_check.backward()
    observed = "A" if x_check.grad.shape == x_check.shape else ("B" if x_check.grad.dim() == 0 else "D")
except RuntimeError:
    observed = "C" if x_check.grad is None else "?"
hints = {
    "A": message("A is what y.sum().backward() gives. Does backward() sum for you? It starts "
                 "from d(output)/d(output) = 1: what would that 1 be for an output with two "
                 "elements?"),
    "B": message("x.grad always has the shape of x, two elements: can a single number land "
                 "there?"),
    "C": message("look again at what section 1 says backward() starts from."),
    "D": message("x.grad always has the shape of x, two elements: can a 2x2 matrix land there?"),
}
assert prediction_1.strip().upper() == observed, message(
    "prediction_1 is {prediction_1!r}; expected the letter of what y.backward() does, and "
    "that is not it. Hint: {hint}",
    prediction_1=prediction_1, hint=hints[prediction_1.strip().upper()]
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

assert type(prediction_1) is str
_x = _torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
try:
    (_x * 3).backward()
    _observed = "runs"
except RuntimeError as _error:
    _observed = "C" if "scalar outputs" in str(_error) and _x.grad is None else "?"
assert prediction_1.strip().upper() == _observed, "the same holds for any output of more than one element"
### END HIDDEN TESTS

# %%
try:
    y.backward()
except RuntimeError as error:
    print("RuntimeError:", error)
print(x.grad)

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# "Implicitly created" is the starting gradient PyTorch invented in section 1. For a scalar,
# $\partial l/\partial l = 1$ is the only sensible choice; a vector has no single derivative
# with respect to another vector, but a whole matrix of them. Nothing was computed, so `x.grad`
# is still `None`. D cannot be: `x.grad` always has `x`'s shape. Neither can B: PyTorch never
# sums unless asked.
#
# </details>

# %% [markdown]
# ## 3. The Jacobian matrix
#
# For $\vec y = f(\vec x)$ with $n$ inputs and $m$ outputs, the derivatives of every output with
# respect to every input form the **Jacobian**, one row per output, one column per input:
#
# $$
# J = \frac{\partial \vec y}{\partial \vec x} =
# \begin{pmatrix}
#   \dfrac{\partial y_1}{\partial x_1} & \cdots & \dfrac{\partial y_1}{\partial x_n} \\
#   \vdots & \ddots & \vdots \\
#   \dfrac{\partial y_m}{\partial x_1} & \cdots & \dfrac{\partial y_m}{\partial x_n}
# \end{pmatrix}
# \qquad (m \times n).
# $$
#
# Row $i$ is the gradient of $y_i$. For `x * x`, $y_i$ depends on $x_i$ only, so $J$ is
# diagonal: $\begin{pmatrix} 2x_1 & 0 \\ 0 & 2x_2 \end{pmatrix} = \begin{pmatrix} 4 & 0 \\ 0 &
# 6 \end{pmatrix}$ at $x = (2, 3)$. `torch.autograd.functional.jacobian(f, x)` computes it
# (section 7 shows how):

# %%
def square(x):
    return x * x

print(torch.autograd.functional.jacobian(square, torch.tensor([2., 3.])))

# %% [markdown]
# ## 4. What `backward(gradient=v)` computes
#
# `backward` never builds $J$. Given $v$ with the shape of $y$, it computes the
# **vector-Jacobian product** (VJP)
#
# $$
# v^\top J = \Big( \textstyle\sum_i v_i \dfrac{\partial y_i}{\partial x_1}, \;\dots,\;
#                  \sum_i v_i \dfrac{\partial y_i}{\partial x_n} \Big),
# $$
#
# the rows of $J$ weighted by $v$: one entry per input, so it fits in `x.grad`. (Written as a
# column, the same numbers are $J^\top v$; PyTorch's tutorials use both.)
#
# Why this product? If $y$ feeds a scalar loss $l$ and $v_i = \partial l / \partial y_i$, the
# chain rule $\frac{\partial l}{\partial x_j} = \sum_i \frac{\partial l}{\partial y_i}
# \frac{\partial y_i}{\partial x_j}$ *is* $v^\top J$. The simplest such $l$ is $v \cdot y$, whose
# gradient with respect to $y$ is $v$. The rule to remember:
#
# > `y.backward(v)` leaves in `x.grad` the gradient of `(v * y).sum()`.
#
# With $v = (1, 1)$, the gradient of `y.sum()`, the sum of the rows of $J$
# (`torch.ones_like(y)` is ones with `y`'s shape):

# %%
x = torch.tensor([2., 3.], requires_grad=True)
y = x * x
y.backward(torch.ones_like(y))
print(x.grad)

# %% [markdown]
# If `y[0]` and `y[1]` are two losses you weigh 0.4 and 0.6, pass the weights:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
y = x * x
y.backward(torch.tensor([0.4, 0.6]))
print(x.grad)

# %% [markdown]
# $(0.4 \cdot 4,\; 0.6 \cdot 6)$: the gradient of `0.4 * y[0] + 0.6 * y[1]`, without forming
# that sum:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
y = x * x
weighted = 0.4 * y[0] + 0.6 * y[1]
weighted.backward()
print(x.grad)

# %% [markdown]
# So PyTorch does differentiate vectors; it only refuses to *invent* the starting gradient. The
# vector must have `y`'s shape:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
y = x * x
try:
    y.backward(torch.tensor([1., 1., 1.]))
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# ### Exercise 2 (predict, then run): which part of $J$ does $v$ pick?
#
# `y = A @ x` is linear, and its Jacobian is $A$ itself. Take an $A$ that is not symmetric:

# %%
A = torch.tensor([[1., 2.],
                  [3., 4.]])
x = torch.tensor([2., 3.], requires_grad=True)
y = A @ x
print(y)

# %% [markdown]
# Predict `x.grad` after `y.backward(torch.tensor([1., 0.]))`: replace
# `raise NotImplementedError()` with `prediction_2 = [..., ...]`, a list of two numbers.

# %% nbgrader={"grade": false, "grade_id": "ex2_predict_vjp", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
prediction_2 = [1.0, 2.0]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2_predict_vjp_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

assert "prediction_2" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="prediction_2"
)
assert type(prediction_2) in (list, tuple) and len(prediction_2) == 2 and \
    all(type(p) in (int, float) for p in prediction_2), message(
    "prediction_2 is {prediction_2!r}; expected a list of two numbers. "
    "Hint: x has two elements, and x.grad has the shape of x.",
    prediction_2=prediction_2
)
A_check = torch.tensor([[1., 2.], [3., 4.]])
x_check = torch.tensor([2., 3.], requires_grad=True)
(A_check @ x_check).backward(torch.tensor([1., 0.]))
assert [float(p) for p in prediction_2] == x_check.grad.tolist(), message(
    "prediction_2 is {prediction_2}; expected x.grad after "
    "y.backward(torch.tensor([1., 0.])), and that is not it. Hint: x.grad is v^T J with J = A, "
    "the gradient of (v * y).sum(). Which of y's elements does v = [1, 0] keep, and what is "
    "its gradient?",
    prediction_2=list(prediction_2)
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

assert type(prediction_2) is list and all(type(_p) in (int, float) for _p in prediction_2)
_x = _torch.tensor([-1., 5.], requires_grad=True)
(_torch.tensor([[1., 2.], [3., 4.]]) @ _x).backward(_torch.tensor([1., 0.]))
assert [float(_p) for _p in prediction_2] == _x.grad.tolist(), "the answer does not depend on x"
### END HIDDEN TESTS

# %%
y.backward(torch.tensor([1., 0.]))
print(x.grad)

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# The first **row** of $A$: with $v = (1, 0)$, $v \cdot y$ is just $y_1 = x_1 + 2x_2$, with
# gradient $(1, 2)$. The first *column*, `[1., 3.]`, would be $J v$, a **Jacobian-vector
# product**, which reverse-mode autograd does not compute. Mind the layout when you multiply
# by hand: with $J$ stored one row per *input*, `[1, 1]` times it from the left is $J v$; on
# `x * x` the two agree only because a diagonal $J$ is symmetric.
#
# </details>

# %% [markdown]
# ### Why vector-Jacobian products, and not Jacobians?
#
# A network is a chain $x \to h_1 \to h_2 \to \dots \to l$, and the chain rule multiplies the
# Jacobians of its steps: $J = J_k \cdots J_2 J_1$. They can be huge (an elementwise `relu` on a
# million numbers has a million-by-million Jacobian, zero off the diagonal), and autograd builds
# none of them. Starting from the loss, where $v = 1$, it multiplies *a vector* by one Jacobian
# at a time, $\big(\big((v^\top J_k)\, J_{k-1}\big) \cdots \big)\, J_1$, and each node's backward
# is a small formula for its own product: `v * 2 * x` for `x * x`, `A.T @ v` for `A @ x`.
#
# The picture shows a chain of three steps, $x$ (3 numbers) → `tanh(W1 @ x)` (4) →
# `tanh(W2 @ h1)` (4) → a weighted sum $l$. Above: the Jacobians the chain rule multiplies,
# which autograd never forms. Below: what it does pass back, one vector per tensor (read with
# `retain_grad()`), each the one before it times the Jacobian above it.

# %%
import matplotlib.pyplot as plt
import numpy as np

W1 = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 1.0], [1.0, 1.0, 1.0]])
W2 = torch.tensor([[1.0, -0.5, 0.0, 0.3], [0.2, 0.4, -1.0, 0.0],
                   [-0.6, 0.0, 0.5, 1.0], [0.0, 0.7, 0.2, -0.4]])
c = torch.tensor([1.0, -2.0, 0.5, 1.5])
steps = [lambda x: torch.tanh(W1 @ x), lambda h: torch.tanh(W2 @ h), lambda h: (c * h).sum()]

x = torch.tensor([0.2, -0.4, 0.3], requires_grad=True)
h1 = steps[0](x)
h1.retain_grad()
h2 = steps[1](h1)
h2.retain_grad()
l = steps[2](h2)
l.backward()
points = [x, h1, h2]
jacobians = [torch.autograd.functional.jacobian(step, point.detach()).reshape(-1, point.numel())
             for step, point in zip(steps, points)]              # J1, J2, J3
vectors = [x.grad, h1.grad, h2.grad, torch.ones(1)]              # dl/dx, dl/dh1, dl/dh2, dl/dl


def show_chain(jacobians, vectors):
    """The Jacobians of a chain's steps (top, last step on the left) and the vectors backward
    passes from the loss to the input (bottom)."""
    k = len(jacobians)
    fig, axes = plt.subplots(2, k + 1, figsize=(2.2 * (k + 1), 4.2),
                             gridspec_kw={"height_ratios": [4, 1]})
    limit = max(float(np.abs(np.asarray(m.tolist())).max()) for m in jacobians + vectors)
    names = ["x", "h1", "h2", "l"]
    axes[0, 0].axis("off")
    axes[0, 0].text(0.5, 0.5, "the Jacobians\n(never built)", ha="center", va="center")
    for column in range(k + 1):
        panels = [(axes[1, column], np.asarray(vectors[k - column].tolist()).reshape(1, -1),
                   f"dl/d{names[k - column]}")]
        if column:
            J = np.asarray(jacobians[k - column].tolist())
            panels.append((axes[0, column], J,
                           f"J{k - column + 1} ({J.shape[0]}×{J.shape[1]})\n"
                           f"d{names[k - column + 1]}/d{names[k - column]}"))
        for ax, values, title in panels:
            ax.imshow(values, cmap="coolwarm", vmin=-limit, vmax=limit)
            for (row, col), value in np.ndenumerate(values):
                ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7)
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    axes[1, 0].set_ylabel("passed back", fontsize=9)
    fig.tight_layout()
    plt.close(fig)
    return fig


show_chain(jacobians, vectors)

# %% [markdown]
# Each vector below is the one on its left times the Jacobian above it, and the last is
# `x.grad`, the same as multiplying all three Jacobians out:

# %%
print(torch.allclose(h2.grad, torch.ones(1) @ jacobians[2]))
print(torch.allclose(x.grad, torch.ones(1) @ jacobians[2] @ jacobians[1] @ jacobians[0]))

# %% [markdown]
# Because every step is a vector times one small formula, a backward pass costs a small
# multiple of the forward pass, and one pass from a scalar loss gives the gradient of every
# parameter at once. For a stack of linear layers the multiple is about 2: forward does one
# matrix product per layer, backward two (`grad @ W.T` for the layer's input, `x.T @ grad` for
# its weight). `benchmarks/backward_cost.py` in the course's repository times four 512 × 512
# layers with `tanh` on a batch of 256: on a busy two-core machine, backward took 1.4 to 1.9
# times as long as forward with PyTorch 2.13 on one thread, and 1.7 to 2.5 times with
# `autograd_core`. The ratio varies with the machine; the count of products keeps it near 2.

# %% [markdown]
# ## 5. PyTorch's tutorial example: `Q = 3a³ − b²`
#
# PyTorch's introduction to autograd pretends that `a` and `b` are a network's parameters and
# `Q` its error:

# %%
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a**3 - b**2
print(Q)

# %% [markdown]
# `Q` has two elements, so `Q.backward()` needs a `gradient`. The tutorial passes ones, which
# it explains as $\frac{dQ}{dQ} = 1$:

# %%
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(a.grad)
print(b.grad)

# %% [markdown]
# By hand, $\frac{\partial Q}{\partial a} = 9a^2$ and $\frac{\partial Q}{\partial b} = -2b$,
# elementwise, and the tutorial checks autograd against them:

# %%
print(9 * a**2 == a.grad)
print(-2 * b == b.grad)

# %% [markdown]
# More precisely, `external_grad` is $v$, and by section 4 the result is the gradient of
# `(external_grad * Q).sum()`, that is of `Q.sum()`; summing first gives the same:

# %%
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a**3 - b**2
Q.sum().backward()
print(a.grad)
print(b.grad)

# %% [markdown]
# Each $Q_i$ depends on $a_i$ and $b_i$ only, so the Jacobians are diagonal and the sum loses
# nothing: each entry of `a.grad` is one output's own derivative.
#
# ### Exercise 3: pick the `gradient` vector
#
# Three losses come out of `losses = x * x` with `x = [1., 2., 3.]`. With a single call
# `losses.backward(v_pick)`, make `x.grad` the gradient of
#
# $$\text{total} = \frac{\text{losses}_1 + \text{losses}_2}{2} + 3\,\text{losses}_3.$$
#
# Replace `raise NotImplementedError()` with `v_pick = torch.tensor([...])`.

# %% nbgrader={"grade": false, "grade_id": "ex3_pick_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
v_pick = torch.tensor([0.5, 0.5, 3.0])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3_pick_gradient_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

assert "v_pick" in globals(), message(
    "{name} is not defined yet: write your answer in the cell above and run it.", name="v_pick"
)
assert type(v_pick) is torch.Tensor and v_pick.shape == (3,), message(
    "v_pick is {v_pick!r}; expected a tensor with the shape of losses, torch.Size([3]). "
    "Hint: the gradient argument of backward has the shape of the tensor it is called on.",
    v_pick=v_pick
)
x_check = torch.tensor([1., 2., 3.], requires_grad=True)
losses_check = x_check * x_check
((losses_check[0] + losses_check[1]) / 2 + 3 * losses_check[2]).backward()
wanted = x_check.grad
x_check = torch.tensor([1., 2., 3.], requires_grad=True)
(x_check * x_check).backward(v_pick)
assert torch.allclose(x_check.grad, wanted), message(
    "losses.backward(v_pick) left x.grad = {grad}; expected the gradient of total. "
    "Hint: y.backward(v) computes the gradient of (v * y).sum(). Write total in that form "
    "and read off v.",
    grad=x_check.grad
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

assert type(v_pick) is _torch.Tensor and not v_pick.requires_grad, "v_pick is a plain tensor of weights"
assert v_pick.is_floating_point()
assert _torch.allclose(v_pick.double(), _torch.tensor([0.5, 0.5, 3.0], dtype=_torch.float64))
_x = _torch.tensor([0.3, -1.2, 2.0], requires_grad=True)
_y = _torch.exp(_x)
((_y[0] + _y[1]) / 2 + 3 * _y[2]).backward()
_expected = _x.grad
_x.grad = None
_torch.exp(_x).backward(v_pick)
assert _torch.allclose(_x.grad, _expected), "the right v works for any function of x"
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4: the `gradient` for a mean
#
# Write `vector_for_mean(y)`: for a tensor `y` of any shape (it may require grad), the `v` such
# that `y.backward(v)` leaves the same gradients as `y.mean().backward()`, with `y`'s shape and
# dtype, not requiring grad.

# %% nbgrader={"grade": false, "grade_id": "ex4_vector_for_mean", "locked": false, "schema_version": 3, "solution": true, "task": false}
def vector_for_mean(y: torch.Tensor) -> torch.Tensor:
    """The gradient argument that makes y.backward(v) equal y.mean().backward()."""
    ### BEGIN SOLUTION
    return torch.full_like(y.detach(), 1.0 / y.numel())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_vector_for_mean_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

x_check = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
y_check = x_check * x_check
try:
    v_check = vector_for_mean(y_check)
except NotImplementedError:
    raise AssertionError(message("{function} is not written yet: replace `raise "
                                 "NotImplementedError()` in the cell above with your code and "
                                 "run it.",
                                 function="vector_for_mean")) from None
assert type(v_check) is torch.Tensor and v_check.shape == y_check.shape, message(
    "vector_for_mean(y) returned {got!r} for a 2x2 y; expected a tensor with the shape of "
    "y, {shape}. Hint: torch.full_like and torch.ones_like make a tensor shaped like "
    "another.",
    got=v_check, shape=y_check.shape
)
assert not v_check.requires_grad, message(
    "vector_for_mean(y) returned a tensor that requires grad; expected plain weights. "
    "Hint: build v from y's shape, not from y's values."
)
y_check.backward(v_check)
x_again = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
(x_again * x_again).mean().backward()
assert torch.allclose(x_check.grad, x_again.grad), message(
    "y.backward(vector_for_mean(y)) left x.grad =\n{grad}\nfor a 2x2 y; expected the gradient "
    "of y.mean(). Hint: y.mean() is a weighted sum of all the elements of y. What is each "
    "element's weight?",
    grad=x_check.grad
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_m = _torch.tensor([[1., -2., 0.5], [3., 0., 2.]], dtype=_torch.float64, requires_grad=True)
_v = vector_for_mean(_torch.sin(_m))
assert type(_v) is _torch.Tensor and _v.shape == (2, 3), f"a 2x3 y gives a 2x3 v, got {_v.shape}"
assert _v.dtype == _torch.float64, f"v has the dtype of y, got {_v.dtype}"
assert not _v.requires_grad, "v must not require grad"
_torch.sin(_m).backward(_v)
_got = _m.grad
_m.grad = None
_torch.sin(_m).mean().backward()
assert _torch.allclose(_got, _m.grad)
_s = _torch.tensor(4., requires_grad=True)
_v = vector_for_mean(_s * _s)
assert type(_v) is _torch.Tensor and _v.shape == () and float(_v) == 1.0, "for a scalar, mean() is the identity"
### END HIDDEN TESTS

# %% [markdown]
# ## 6. A loop that doubles
#
# A classic VJP example doubles `y` until its length (L2 norm) reaches 1000, so the number of
# steps depends on the data. Started from `torch.randn(3)` every run differs; this `x`
# reproduces one printed run, whose `y` was `tensor([1810.9065, 344.1436, -78.7548])` after 11
# doublings ($x = y / 2^{11}$):

# %%
x = (torch.tensor([1810.9065, 344.1436, -78.7548]) / 2048).requires_grad_()
print(x)

y = x * 2
doublings = 1
while y.data.norm() < 1000:
    y = y * 2
    doublings += 1

print(y)
print(doublings)

# %% [markdown]
# `y.data.norm()` reads the values without recording (chapter 6), so the test stays out of the
# graph. The graph is a chain of 11 `MulBackward0` nodes; another `x` would give another
# length: the graph is built as the code runs.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import draw_graph

draw_graph(y, params={"x": x})

# %% [markdown]
# Each step's Jacobian is $2I$, so $J = 2^{11} I = 2048\,I$ and $v^\top J = 2048\,v$:

# %%
gradients = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(gradients)
print(x.grad)

# %% [markdown]
# $2048 \times (0.1, 1, 0.0001)$, in scientific notation because the values span several orders
# of magnitude; `x`'s values play no part, only the number of steps.
#
# ### Exercise 5: pass a vector back through a chain
#
# Write `chain_vjp(jacobians, v)`: `jacobians` lists the Jacobians $J_1, \dots, J_k$ of a
# chain's steps in forward order (2-D tensors, $J_i$ of shape outputs × inputs of step $i$), and
# `v` has the chain's output shape. Return $v^\top J_k \cdots J_1$, one entry per input of the
# chain, as `backward` does it: the vector times one Jacobian at a time. (`@` multiplies a 1-D
# tensor by a matrix; multiplying the Jacobians together first would give the same numbers at
# a far higher cost.)

# %% nbgrader={"grade": false, "grade_id": "ex5_chain_vjp", "locked": false, "schema_version": 3, "solution": true, "task": false}
def chain_vjp(jacobians: list, v: torch.Tensor) -> torch.Tensor:
    """v^T J_k ... J_1 for jacobians = [J_1, ..., J_k], one vector-Jacobian product per step."""
    ### BEGIN SOLUTION
    for jacobian in reversed(jacobians):
        v = v @ jacobian
    return v
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_chain_vjp_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message


def backward_through(jacobians, v):
    """x.grad after y = J_k @ ... @ J_1 @ x and y.backward(v): what autograd says."""
    x = torch.zeros(jacobians[0].shape[1], requires_grad=True)
    y = x
    for jacobian in jacobians:
        y = jacobian @ y
    y.backward(v)
    return x.grad


def call(jacobians, v, what):
    try:
        return chain_vjp(jacobians, v)
    except NotImplementedError:
        raise AssertionError(message("{function} is not written yet: replace `raise "
                                     "NotImplementedError()` in the cell above with your code "
                                     "and run it.",
                                     function="chain_vjp")) from None
    except RuntimeError as error:
        raise AssertionError(
            message("chain_vjp raised RuntimeError for {what}: {error}; expected a vector with "
                    "one entry per input. Hint: v has one entry per output of the chain, so it "
                    "meets the last Jacobian first: v @ J_k, then that times J_(k-1), and so on.",
                    what=what, error=error)
        ) from None


J1 = torch.tensor([[1., 2.], [3., 4.]])
J2 = torch.tensor([[0., 1.], [2., 1.]])
v_check = torch.tensor([1., 2.])
got = call([J1, J2], v_check, message("two 2x2 Jacobians"))
assert type(got) is torch.Tensor and got.shape == (2,), message(
    "chain_vjp([J1, J2], v) returned {got!r}; expected a 1-D tensor with one entry per input "
    "of the chain (2 here). Hint: keep a vector, and multiply it by one Jacobian at a time.",
    got=got
)
wanted = backward_through([J1, J2], v_check)
assert not torch.allclose(got, v_check @ J1 @ J2), message(
    "chain_vjp([J1, J2], v) returned {got}; expected what backward leaves in x.grad, and this "
    "multiplies from the input end. Hint: v belongs to the output, so it meets the last "
    "Jacobian first.",
    got=got
)
assert not (torch.allclose(got, J2 @ J1 @ v_check) or torch.allclose(got, J1 @ J2 @ v_check)), message(
    "chain_vjp([J1, J2], v) returned {got}; expected v^T J, and this multiplies Jacobians by a "
    "column vector (J @ v, a Jacobian-vector product). Hint: write the vector on the left, "
    "v @ J, as in section 4.",
    got=got
)
assert not torch.allclose(got, v_check @ J2), message(
    "chain_vjp([J1, J2], v) returned {got}, v times the last Jacobian only; expected the "
    "vector carried through every step. Hint: the result of one step is the vector of the next.",
    got=got
)
assert torch.allclose(got, wanted), message(
    "chain_vjp([J1, J2], v) returned {got}; expected what y.backward(v) leaves in x.grad for "
    "y = J2 @ (J1 @ x). Hint: v @ J2, then that times J1.",
    got=got
)
doubling = [2 * torch.eye(3)] * 11
got = call(doubling, torch.tensor([0.1, 1.0, 0.0001]), message("the doubling loop"))
assert type(got) is torch.Tensor and torch.allclose(got, torch.tensor([204.8, 2048.0, 0.2048])), message(
    "chain_vjp for the doubling loop (11 Jacobians 2I) returned {got}; expected 2048 v, as in "
    "section 6. Hint: carry the vector through all of the steps.",
    got=got
)
wide = [torch.tensor([[1., 0., 2.], [0., 1., -1.], [3., 0., 0.], [1., 1., 1.]]),
        torch.tensor([[1., -1., 0., 2.], [0., 0.5, 1., 0.]])]
got = call(wide, torch.tensor([1., -1.]), message("a 4x3 and a 2x4 Jacobian"))
assert type(got) is torch.Tensor and got.shape == (3,) and \
    torch.allclose(got, backward_through(wide, torch.tensor([1., -1.]))), message(
    "chain_vjp returned {got!r} for a 4x3 and a 2x4 Jacobian; expected the 3 entries of "
    "x.grad. Hint: shapes must chain: (2,) @ (2x4) gives 4 entries, (4,) @ (4x3) gives 3.",
    got=got
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch


def _reference(jacobians, v):
    _x = _torch.zeros(jacobians[0].shape[1], dtype=jacobians[0].dtype, requires_grad=True)
    _y = _x
    for _jacobian in jacobians:
        _y = _jacobian @ _y
    _y.backward(v)
    return _x.grad


_torch.manual_seed(4)
for _shapes in [[(5, 3), (2, 5), (4, 2)], [(3, 3)], [(1, 6)], [(2, 2)] * 5]:
    _js = [_torch.randn(*_shape, dtype=_torch.float64) for _shape in _shapes]
    _v = _torch.randn(_shapes[-1][0], dtype=_torch.float64)
    _got = chain_vjp(_js, _v)
    assert type(_got) is _torch.Tensor and _got.shape == (_shapes[0][1],), (_shapes, _got)
    assert _torch.allclose(_got, _reference(_js, _v)), _shapes
### END HIDDEN TESTS

# %% [markdown]
# Your function on the chain of section 4's picture gives its `x.grad` (with exercise 5
# unsolved, this prints what it should):

# %%
try:
    from_chain = chain_vjp(jacobians, torch.ones(1))
except NotImplementedError:
    from_chain = vectors[0]  # the picture's x.grad, from backward()
print(from_chain)
print(torch.allclose(from_chain, vectors[0]))

# %% [markdown]
# ## 7. A whole Jacobian, one row at a time
#
# One backward pass gives one vector-Jacobian product. To get all of $J$, choose $v$ so that
# $v^\top J$ *is* a row: the **one-hot** $e_i$ (1 at position $i$, 0 elsewhere) gives row $i$,
# the gradient of $y_i$. One backward per output, and the rows stack into $J$. Take the first
# step of section 4's chain, three inputs and four outputs:

# %%
def layer(x):
    return torch.tanh(W1 @ x)

x0 = torch.tensor([0.2, -0.4, 0.3])
J = torch.autograd.functional.jacobian(layer, x0)
print(J)

# %% [markdown]
# The picture shows $v = e_2$ (`[0., 1., 0., 0.]`): the one-hot vector on the left selects the
# outlined row of $J$, and that row lands in `x.grad`.

# %%
def show_vjp(J, v, title=r"$v^\top J$"):
    """Draw v beside the Jacobian J (the rows that v weighs outlined) and v^T J below J."""
    J, v = np.asarray(J.tolist()), np.asarray(v.tolist())
    m, n = J.shape
    fig, axes = plt.subplots(2, 2, figsize=(1.1 * (n + 1) + 1, 1.0 * (m + 1) + 1),
                             gridspec_kw={"width_ratios": [1, n], "height_ratios": [m, 1]})
    axes[1, 0].axis("off")
    panels = [(axes[0, 0], v.reshape(m, 1), "v"),
              (axes[0, 1], J, "J"),
              (axes[1, 1], (v @ J).reshape(1, n), title)]
    limit = float(np.abs(J).max())
    for ax, values, name in panels:
        ax.imshow(values, cmap="coolwarm", vmin=-limit, vmax=limit)
        for (row, col), value in np.ndenumerate(values):
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=9)
        ax.set_title(name)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 1].set_xticks(range(n), [f"$x_{j + 1}$" for j in range(n)])
    axes[0, 1].xaxis.tick_top()
    axes[0, 0].set_yticks(range(m), [f"$y_{i + 1}$" for i in range(m)])
    for row in np.flatnonzero(v):
        axes[0, 1].add_patch(plt.Rectangle((-0.5, row - 0.5), n, 1, fill=False,
                                           edgecolor="black", linewidth=3))
    fig.tight_layout()
    plt.close(fig)
    return fig


show_vjp(J, torch.tensor([0., 1., 0., 0.]), title=r"$e_2^\top J$ = row 2 of $J$")

# %% [markdown]
# A backward pass with that one-hot vector gives the same row:

# %%
x = x0.clone().requires_grad_()
y = layer(x)
y.backward(torch.tensor([0., 1., 0., 0.]))
print(x.grad)
print(J[1])

# %% [markdown]
# A general $v$ mixes rows: $v = (0.4, 0.6, 0, 0)$ gives 0.4 times the first plus 0.6 times the
# second:

# %%
show_vjp(J, torch.tensor([0.4, 0.6, 0., 0.]))

# %% [markdown]
# To get every row from one forward pass, call `backward` once per output on the same `y`, with
# `retain_graph=True` (the first backward frees what the graph saved, here `tanh`'s output;
# chapter 3), and clear `x.grad` before each pass, since `.grad` accumulates.
#
# ### Exercise 6: build the Jacobian from vector-Jacobian products
#
# Write `jacobian_rows(f, x)` for `f` from a 1-D tensor to a 1-D tensor: compute `y = f(...)`
# **once**, run one `backward` per output with a one-hot `gradient`, and return the $m \times n$
# Jacobian (`torch.stack` stacks a list of rows), without `torch.autograd.functional`. Work on
# `x.detach().requires_grad_()`, a fresh leaf, so the caller's `x` does not change. Useful:
# `torch.zeros_like(y)`, `v[i] = 1.0`, `y.numel()`.

# %% nbgrader={"grade": false, "grade_id": "ex6_jacobian_rows", "locked": false, "schema_version": 3, "solution": true, "task": false}
def jacobian_rows(f, x: torch.Tensor) -> torch.Tensor:
    """The m x n Jacobian of f at x, one backward pass (one row) per output."""
    ### BEGIN SOLUTION
    x = x.detach().requires_grad_()
    y = f(x)
    rows = []
    for i in range(y.numel()):
        v = torch.zeros_like(y)
        v[i] = 1.0
        x.grad = None
        y.backward(v, retain_graph=True)
        rows.append(x.grad)
    return torch.stack(rows)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_jacobian_rows_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

A_check = torch.tensor([[1., 2.], [3., 4.]])
calls = []


def linear(x):
    calls.append(1)
    return A_check @ x


try:
    got = jacobian_rows(linear, torch.tensor([2., 3.]))
except NotImplementedError:
    raise AssertionError(message("{function} is not written yet: replace `raise "
                                 "NotImplementedError()` in the cell above with your code and "
                                 "run it.",
                                 function="jacobian_rows")) from None
except RuntimeError as error:
    raise AssertionError(
        message("jacobian_rows(lambda x: A @ x, x) raised RuntimeError: {error}; expected the 2 "
                "x 2 Jacobian. Hint: the first backward frees what the graph saved; pass "
                "retain_graph=True to keep it for the next row.",
                error=error)
    ) from None
assert type(got) is torch.Tensor and got.shape == (2, 2), message(
    "jacobian_rows(lambda x: A @ x, x) returned {got!r}; expected a 2 x 2 tensor (2 outputs, "
    "2 inputs). Hint: torch.stack(rows) stacks a list of 1-D rows into a matrix.",
    got=got
)
assert len(calls) == 1, message(
    "jacobian_rows ran f {calls} times; expected one forward pass. Hint: compute "
    "y = f(x) once, and run one backward per row on that same y.",
    calls=len(calls)
)
assert not torch.allclose(got, A_check.T), message(
    "jacobian_rows(lambda x: A @ x, x) returned\n{got}\nwhose columns are the gradients of "
    "the outputs; expected one row per output. Hint: torch.stack(rows) with its default dim.",
    got=got
)
assert not torch.allclose(got, torch.stack([A_check[0], A_check[0] + A_check[1]])), message(
    "jacobian_rows(lambda x: A @ x, x) returned\n{got}\nwhose second row is the sum of the "
    "first two; expected the Jacobian of A @ x. Hint: .grad accumulates; clear x.grad before "
    "each pass.",
    got=got
)
assert torch.allclose(got, A_check), message(
    "jacobian_rows(lambda x: A @ x, x) returned\n{got}\nexpected the Jacobian of A @ x, "
    "which is A. Hint: row i is x.grad after one y.backward(e_i), e_i one-hot at position i.",
    got=got
)
got = jacobian_rows(layer, x0)
assert type(got) is torch.Tensor and torch.allclose(got, torch.autograd.functional.jacobian(layer, x0), atol=1e-6), message(
    "jacobian_rows(layer, x0) returned\n{got}\nexpected the Jacobian that "
    "torch.autograd.functional.jacobian(layer, x0) computes. Hint: the one-hot vector for "
    "row i has a single 1, at position i.",
    got=got
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch


def _mixed(x):
    return _torch.stack([x[0] * x[1], x[0] + x[1], x[1] ** 2])


_got = jacobian_rows(_mixed, _torch.tensor([2., 3.]))
assert type(_got) is _torch.Tensor and _got.shape == (3, 2), f"3 outputs and 2 inputs give a 3 x 2 Jacobian, got {_got.shape}"
assert _torch.allclose(_got, _torch.tensor([[3., 2.], [1., 1.], [0., 6.]]))
_leaf = _torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
_got = jacobian_rows(lambda x: _torch.sin(x) * x.sum(), _leaf)
_x = _leaf.detach()
_expected = _torch.eye(3) * _torch.cos(_x) * _x.sum() + _torch.sin(_x).unsqueeze(1)
assert type(_got) is _torch.Tensor and _torch.allclose(_got, _expected, atol=1e-6)
assert _leaf.grad is None, "the caller's x must not receive gradients"
_calls = []


def _counted(x):
    _calls.append(1)
    return _torch.exp(x) * 2


jacobian_rows(_counted, _torch.tensor([0.1, 0.2, 0.3]))
assert len(_calls) == 1, f"f must run once (one forward pass), it ran {len(_calls)} times"
### END HIDDEN TESTS

# %% [markdown]
# Your rows against PyTorch's `jacobian` (with exercise 6 unsolved, this cell uses
# `torch.autograd.functional.jacobian` itself):

# %%
try:
    rows = jacobian_rows(layer, x0)
except NotImplementedError:
    rows = torch.autograd.functional.jacobian(layer, x0)
print(torch.allclose(rows, J))

# %% [markdown]
# In reverse mode, `torch.autograd.functional.jacobian` does just this: $m$ VJPs with the rows of
# the identity, cheap for few outputs (a scalar loss: one pass), expensive for many. Two more
# ways to get one VJP: `torch.autograd.grad(y, x, grad_outputs=v)` returns it instead of adding
# it to `x.grad`, and `torch.autograd.functional.vjp(f, x, v)` returns `f(x)` and $v^\top J$:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
v = torch.tensor([0.4, 0.6])
from_grad = torch.autograd.grad(x * x, x, grad_outputs=v)
from_vjp = torch.autograd.functional.vjp(square, torch.tensor([2., 3.]), v)
print(from_grad)
print(from_vjp)
print(x.grad)

# %% [markdown]
# The same product twice, and `x.grad` still `None`. When you search the documentation, $v$ is
# `gradient` in `Tensor.backward`, `grad_tensors` in `torch.autograd.backward`, `grad_outputs`
# in `torch.autograd.grad` and `v` in `torch.autograd.functional.vjp`.
#
# ### Exercise 7: every example's gradient in one pass
#
# A batch `X` holds one example per row, and `f(X)` returns one number per example, output $i$
# depending on row $i$ only (say, a loss per example). Write `per_example_grads(f, X)`: a
# tensor shaped like `X` whose row $i$ is the gradient of output $i$ with respect to row $i$,
# with one call of `f` and one backward pass, whatever the batch size. The caller's `X` gets no
# `.grad`. Think about the shape of this Jacobian before you write code.

# %% nbgrader={"grade": false, "grade_id": "ex7_per_example_grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
def per_example_grads(f, X: torch.Tensor) -> torch.Tensor:
    """Row i: the gradient of f(X)[i] with respect to X[i]; one forward and one backward pass."""
    ### BEGIN SOLUTION
    X = X.detach().requires_grad_()
    out = f(X)
    out.backward(torch.ones_like(out))
    return X.grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex7_per_example_grads_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message

calls, passes = [], []


def squared_norms(X):
    """One number per example, sum_j X[i, j]**2; counts forward and backward passes."""
    calls.append(1)
    H = X * 1.0
    H.register_hook(lambda grad: passes.append(1))
    return (H * H).sum(dim=1)


X_check = torch.tensor([[1., 2.], [3., -1.], [0.5, 0.], [-2., 4.]])
try:
    got = per_example_grads(squared_norms, X_check)
except NotImplementedError:
    raise AssertionError(message("{function} is not written yet: replace `raise "
                                 "NotImplementedError()` in the cell above with your code and "
                                 "run it.",
                                 function="per_example_grads")) from None
except RuntimeError as error:
    raise AssertionError(
        message("per_example_grads(squared_norms, X) raised RuntimeError: {error}; expected a "
                "tensor shaped like X. Hint: f(X) has one number per example, so backward needs "
                "a gradient of that shape (section 4), and only a tensor that requires grad can "
                "receive one.",
                error=error)
    ) from None
assert type(got) is torch.Tensor and got.shape == X_check.shape, message(
    "per_example_grads(squared_norms, X) returned {got!r}; expected a tensor shaped like X, "
    "{shape}. Hint: row i holds the gradient with respect to X[i].",
    got=got, shape=X_check.shape
)
assert len(calls) == 1, message(
    "per_example_grads ran f {calls} times for a batch of 4; expected one forward pass "
    "over the whole batch. Hint: call f on X once.",
    calls=len(calls)
)
assert len(passes) == 1, message(
    "per_example_grads ran {passes} backward passes for a batch of 4; expected one. "
    "Hint: output i depends on row i only, so the Jacobian of f is zero outside each "
    "example's own block. Which v, passed once, picks out every block's gradient?",
    passes=len(passes)
)
assert X_check.grad is None and not X_check.requires_grad, message(
    "After per_example_grads the caller's X requires grad or has a .grad; expected it "
    "untouched. Hint: work on a fresh leaf, X.detach().requires_grad_()."
)
assert not torch.allclose(got * 4, 2 * X_check), message(
    "per_example_grads(squared_norms, X) returned\n{got}\nevery row a quarter of its "
    "gradient; expected each output's own gradient, 2 X[i] here. Hint: a mean weighs each of "
    "the 4 outputs by 1/4; which weight does each output need?",
    got=got
)
assert torch.allclose(got, 2 * X_check), message(
    "per_example_grads(squared_norms, X) returned\n{got}\nexpected 2 X[i] in row i, the "
    "gradient of sum_j X[i, j]**2. Hint: y.backward(v) gives the gradient of (v * y).sum(): "
    "which v makes row i the gradient of output i alone?",
    got=got
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_w = _torch.tensor([0.5, -1.0, 2.0], dtype=_torch.float64)
_count, _passes = [], []


def _tanh_scores(X):
    _count.append(1)
    _H = X * 1.0
    _H.register_hook(lambda grad: _passes.append(1))
    return _torch.tanh(_H @ _w) * 3


for _X in [_torch.tensor([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5], [0.0, 0.0, 0.0], [2.0, 1.0, -1.0],
                          [0.3, 0.3, 0.3]], dtype=_torch.float64),
           _torch.tensor([[0.7, -0.2, 0.4]], dtype=_torch.float64, requires_grad=True)]:
    _count.clear()
    _passes.clear()
    _got = per_example_grads(_tanh_scores, _X)
    assert len(_count) == 1 and len(_passes) == 1, "one forward pass and one backward pass"
    _d = _X.detach()
    _expected = (3 * (1 - _torch.tanh(_d @ _w) ** 2)).unsqueeze(1) * _w
    assert type(_got) is _torch.Tensor and _got.shape == _X.shape
    assert _torch.allclose(_got, _expected), _got
    assert _X.grad is None, "the caller's X must not receive gradients"
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# * The derivative of $\vec y$ with respect to $\vec x$ is the $m \times n$ **Jacobian**, one
#   row per output.
# * `y.backward(v)` computes the **vector-Jacobian product** $v^\top J$, the gradient of
#   `(v * y).sum()`, with `x`'s shape; only for a scalar output is $v = 1$ implied.
# * Autograd passes a vector back through the chain, one small product per node, and never
#   builds a Jacobian: a backward pass costs a small multiple of the forward pass, about 2 for
#   matrix-product layers.
# * A whole Jacobian takes one backward per row, with one-hot vectors and `retain_graph=True`.
#
# Next: turning autograd off where no gradient is wanted.

# %% [markdown]
# ## Sources, and where they slip
#
# > Examples retold from (with PyTorch 2.13's numbers):
# >
# > * 《pytorch 入门笔记 -02- 自动求导》 by zyk, <https://ld246.com/article/1637720533115>;
# > * 《自动求导机制介绍》, a notebook version of PyTorch's tutorial
# >   [A Gentle Introduction to torch.autograd](https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html):
# >   <https://colab.research.google.com/github/lilxmx/DeepLearning-pytorch/blob/main/autograd_tutorial.ipynb>;
# > * 《PyTorch 梯度》 (author and address not recorded).
# >
# > Where they slip:
# >
# > * 《PyTorch 梯度》 concludes from section 2 that PyTorch can only differentiate a scalar: `backward` only refuses to invent the starting gradient (section 4). It lays the
# >   Jacobian out one row per input and multiplies `[1, 1]` from the left, which is $J v$, not
# >   $v^\top J$ (exercise 2). And it writes `torch.ones_likes` for `torch.ones_like`.
# > * 《pytorch 入门笔记》 says autograd cannot compute a whole Jacobian directly:
# >   `torch.autograd.functional.jacobian` does, one VJP per row (section 7). Its doubling loop
# >   starts from `torch.randn(3)`, so its numbers cannot be reproduced; section 6 rebuilds the
# >   `x` behind them.
# > * The tutorial's "$dQ/dQ = 1$" is a shorthand: `external_grad` is $v$, and the result is
# >   the gradient of `(external_grad * Q).sum()` (section 5).
