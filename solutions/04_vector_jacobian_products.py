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
# So far every `backward()` in this course started from a single number: a loss. Real code often
# has a *vector* at the end instead: one loss per example, several losses you want to weigh, or
# simply `y = x * x` on a tensor of two elements. What does `y.backward()` do there?
#
# This chapter answers that, and explains what PyTorch computes when you hand `backward` a
# vector. By the
# end you will be able to:
#
# * write down the **Jacobian matrix** of a function from vectors to vectors;
# * say what `y.backward(gradient=v)` computes: the **vector-Jacobian product** $v^\top J$, which
#   is the gradient of the scalar $l = v \cdot y$;
# * choose `v` to get the gradient of any weighted sum of the outputs, such as a weighted sum of
#   losses or their mean;
# * explain why autograd works with vector-Jacobian products instead of whole Jacobians;
# * rebuild a whole Jacobian from one backward pass per row, as
#   `torch.autograd.functional.jacobian` does.
#
# The examples come from tutorials on autograd (credited at the end of the chapter), with the
# numbers real PyTorch prints.
#
# **How to work through it.** As in the earlier chapters: run the cells in order, write down
# your prediction before a cell marked *predict*, replace `raise NotImplementedError()` in each
# answer cell with your code, and run the locked test cell below it for feedback and a hint.
# Hidden tests are added when your work is graded, so aim for answers that are right in
# general, not only for the visible tests.

# %%
import autograd_core as torch

# %% [markdown]
# ## 1. The scalar case: `backward()` starts from 1
#
# When the output is a single number $l$, `l.backward()` fills each leaf's `.grad` with
# $\partial l / \partial x$. Behind the scenes it starts the backward pass from the gradient of
# $l$ with respect to itself, $\partial l / \partial l = 1$. Writing that 1 out gives the same result:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
loss = (x * x).sum()
loss.backward()
print(x.grad)

# %% [markdown]
# Now the same with the starting gradient spelled out, on a fresh leaf (chapter 3 showed that
# `.grad` accumulates, so reusing the old `x` would add to the first result):

# %%
x = torch.tensor([2., 3.], requires_grad=True)
loss = (x * x).sum()
loss.backward(torch.tensor(1.))
print(x.grad)

# %% [markdown]
# Both print `tensor([4., 6.])`, the derivative $2x$. The argument of `backward` is called
# `gradient`; for a scalar output PyTorch fills it in with `torch.tensor(1.)` for you. The rest of
# the chapter is about outputs with more than one element.
#
# ## 2. A vector output
#
# Take the same `x` and stop before the sum: `y = x * x` has two elements, $y_1 = x_1^2$ and
# $y_2 = x_2^2$.

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
# In the cell below, replace `raise NotImplementedError()` with `prediction_1 = "..."`, the
# letter of your choice (`"A"`, `"B"`, `"C"` or `"D"`), *before* you run the cell after the test.

# %% nbgrader={"grade": false, "grade_id": "ex1_predict_vector_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
prediction_1 = "C"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1_predict_vector_backward_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
assert "prediction_1" in globals(), (
    "prediction_1 is not defined yet: write your prediction in the cell above and run it."
)
assert type(prediction_1) is str and prediction_1.strip().upper() in ("A", "B", "C", "D"), (
    f"prediction_1 is {prediction_1!r}; expected one of the letters 'A', 'B', 'C' or 'D'. "
    "Hint: write it as a string, such as \"A\"."
)
x_check = torch.tensor([2., 3.], requires_grad=True)
y_check = x_check * x_check
try:
    y_check.backward()
    observed = "A" if x_check.grad.shape == x_check.shape else ("B" if x_check.grad.dim() == 0 else "D")
except RuntimeError:
    observed = "C" if x_check.grad is None else "?"
assert prediction_1.strip().upper() == observed, (
    f"prediction_1 is {prediction_1!r}; expected the letter of what y.backward() does, and "
    "that is not it. Hint: backward() with no argument starts from d(output)/d(output) = 1. "
    "What would that 1 be for an output with two elements?"
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

# %% [markdown]
# Now run it. The error is caught and printed, so that the notebook carries on:

# %%
try:
    y.backward()
except RuntimeError as error:
    print("RuntimeError:", error)
print(x.grad)

# %% [markdown]
# <details><summary>What the error means (open after running the test)</summary>
#
# `grad can be implicitly created only for scalar outputs`: "implicitly created" is the starting
# gradient that PyTorch invented for us in section 1. For a scalar, $\partial l/\partial l = 1$
# is the only sensible choice. For a vector there is no single choice, because a vector does not
# have *a* derivative with respect to another vector: it has a whole matrix of them. Nothing was
# computed, so `x.grad` is still `None`.
#
# (Option D is how a mathematician might answer, but `x.grad` always has the shape of `x`, so a
# matrix can never land there. Option B would need a rule to sum, and PyTorch never sums for you
# without being asked.)
#
# </details>
#
# ## 3. The Jacobian matrix
#
# For a function $\vec y = f(\vec x)$ with $n$ inputs and $m$ outputs, the derivatives of every
# output with respect to every input form the **Jacobian matrix**, one row per output and one
# column per input:
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
# Row $i$ is the gradient of the single output $y_i$; column $j$ says how every output moves when
# $x_j$ moves. For $y = x \cdot x$ (elementwise), $y_1$ depends only on $x_1$ and $y_2$ only on
# $x_2$, so the matrix is diagonal:
#
# $$
# J = \begin{pmatrix} 2x_1 & 0 \\ 0 & 2x_2 \end{pmatrix}
#   = \begin{pmatrix} 4 & 0 \\ 0 & 6 \end{pmatrix} \quad \text{at } x = (2, 3).
# $$
#
# PyTorch can compute a whole Jacobian with `torch.autograd.functional.jacobian(f, x)`:

# %%
def square(x):
    return x * x

print(torch.autograd.functional.jacobian(square, torch.tensor([2., 3.])))

# %% [markdown]
# Section 7 shows how that function works: it calls backward once per row.
#
# ## 4. What `backward(gradient=v)` computes
#
# `backward` never builds $J$. What it computes, given a vector $v$ with the shape of $y$, is the
# **vector-Jacobian product** (VJP):
#
# $$
# v^\top J = \Big( \textstyle\sum_i v_i \dfrac{\partial y_i}{\partial x_1}, \;\dots,\;
#                  \sum_i v_i \dfrac{\partial y_i}{\partial x_n} \Big),
# $$
#
# a weighted sum of the rows of $J$, with the weights $v$. The result has one entry per input,
# the shape of `x`, so it fits in `x.grad`. The same numbers written as a column are $J^\top v$:
# PyTorch's tutorials use both forms, $v^\top J$ (a row) and $J^\top v$ (a column).
#
# Why is that the useful thing to compute? Suppose $y$ feeds a scalar $l = g(\vec y)$, a loss,
# and $v$ is the gradient of $l$ with respect to $y$:
# $v = \big(\frac{\partial l}{\partial y_1}, \dots, \frac{\partial l}{\partial y_m}\big)^\top$.
# Then the chain rule, $\frac{\partial l}{\partial x_j} = \sum_i \frac{\partial l}{\partial y_i}
# \frac{\partial y_i}{\partial x_j}$, is exactly the vector-Jacobian product:
#
# $$
# J^\top v =
# \begin{pmatrix}
#   \dfrac{\partial y_1}{\partial x_1} & \cdots & \dfrac{\partial y_m}{\partial x_1} \\
#   \vdots & \ddots & \vdots \\
#   \dfrac{\partial y_1}{\partial x_n} & \cdots & \dfrac{\partial y_m}{\partial x_n}
# \end{pmatrix}
# \begin{pmatrix} \dfrac{\partial l}{\partial y_1} \\ \vdots \\ \dfrac{\partial l}{\partial y_m} \end{pmatrix}
# =
# \begin{pmatrix} \dfrac{\partial l}{\partial x_1} \\ \vdots \\ \dfrac{\partial l}{\partial x_n} \end{pmatrix}.
# $$
#
# So `y.backward(v)` answers the question: "if the rest of the computation had turned `y` into a
# scalar $l$ with $\partial l / \partial y = v$, what would $\partial l / \partial x$ be?" The
# simplest such $l$ is the weighted sum $l = v \cdot y = \sum_i v_i y_i$, whose gradient with
# respect to $y$ is $v$ itself. Hence the rule to remember:
#
# > `y.backward(v)` leaves in `x.grad` the gradient of `(v * y).sum()`.
#
# With $v = (1, 1)$, that is the gradient of `y.sum()`:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
y = x * x
y.backward(torch.ones_like(y))
print(x.grad)

# %% [markdown]
# `tensor([4., 6.])`: $(1, 1) \begin{pmatrix} 4 & 0 \\ 0 & 6 \end{pmatrix} = (4, 6)$, the sum of
# the rows of $J$. `torch.ones_like(y)` is a tensor of ones with `y`'s shape, the usual way to
# write $v = (1, \dots, 1)$.
#
# Now say `y[0]` and `y[1]` are two losses and you care about them with weights 0.4 and 0.6.
# Pass the weights as $v$:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
y = x * x
y.backward(torch.tensor([0.4, 0.6]))
print(x.grad)

# %% [markdown]
# `tensor([1.6000, 3.6000])` $= (0.4 \cdot 4,\; 0.6 \cdot 6)$. It is the gradient of the
# weighted loss `0.4 * y[0] + 0.6 * y[1]`, computed without ever forming that sum:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
y = x * x
weighted = 0.4 * y[0] + 0.6 * y[1]
weighted.backward()
print(x.grad)

# %% [markdown]
# So PyTorch does differentiate vectors: `backward` only refuses to *invent* the starting
# gradient for anything but a scalar, and takes any vector you give it. Mind the layout of $J$
# (one row per output) when you multiply by hand: with one row per *input* (its transpose),
# `[1, 1]` times the matrix from the left is $J v$, not $v^\top J$. The two agree on `x * x`
# only because its Jacobian is diagonal, hence symmetric.
#
# The vector must have exactly the shape of `y`, or PyTorch says which shapes disagree:

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
# A matrix-vector product `y = A @ x` is linear, and its Jacobian is the matrix itself: $J = A$.
# Take a matrix that is *not* symmetric:

# %%
A = torch.tensor([[1., 2.],
                  [3., 4.]])
x = torch.tensor([2., 3.], requires_grad=True)
y = A @ x
print(y)

# %% [markdown]
# Predict what `x.grad` holds after `y.backward(torch.tensor([1., 0.]))`. Replace
# `raise NotImplementedError()` with `prediction_2 = [..., ...]`, a list of two numbers (for
# example `[5.0, 7.0]`).

# %% nbgrader={"grade": false, "grade_id": "ex2_predict_vjp", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
prediction_2 = [1.0, 2.0]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2_predict_vjp_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
assert "prediction_2" in globals(), (
    "prediction_2 is not defined yet: write your prediction in the cell above and run it."
)
assert type(prediction_2) in (list, tuple) and len(prediction_2) == 2 and \
    all(type(p) in (int, float) for p in prediction_2), (
    f"prediction_2 is {prediction_2!r}; expected a list of two numbers. "
    "Hint: x has two elements, and x.grad has the shape of x."
)
A_check = torch.tensor([[1., 2.], [3., 4.]])
x_check = torch.tensor([2., 3.], requires_grad=True)
(A_check @ x_check).backward(torch.tensor([1., 0.]))
assert [float(p) for p in prediction_2] == x_check.grad.tolist(), (
    f"prediction_2 is {list(prediction_2)}; expected x.grad after "
    "y.backward(torch.tensor([1., 0.])), and that is not it. Hint: x.grad is v^T J with J = A. "
    "Does v = [1, 0] pick out a row or a column of A?"
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
# <details><summary>Row or column? (open after running the test)</summary>
#
# `tensor([1., 2.])`: the first **row** of $A$, that is $\partial y_1 / \partial x$. With
# $v = (1, 0)$ the weighted sum $v \cdot y$ is just $y_1 = x_1 + 2x_2$, whose gradient is
# $(1, 2)$. The first *column*, `[1., 3.]`, would be $J v$: how both outputs move when $x_1$ moves.
# That is a **Jacobian-vector product**, which reverse-mode autograd does not compute directly.
#
# </details>
#
# ### Why vector-Jacobian products, and not Jacobians?
#
# A network's graph is a chain of operations, $x \to h_1 \to h_2 \to \dots \to y \to l$, and the
# chain rule multiplies their Jacobians: $J = J_k \cdots J_2 J_1$. Those matrices can be huge: an
# elementwise `relu` on a million numbers has a million-by-million Jacobian, all zeros except
# the diagonal. Autograd never builds any of them. Starting from the loss, where $v = 1$, it
# multiplies from the left, one operation at a time:
#
# $$
# v^\top J = \big(\big((v^\top J_k)\, J_{k-1}\big) \cdots \big)\, J_1,
# $$
#
# and every intermediate result is a vector with the shape of some tensor in the graph, never a
# matrix. Each node's `backward` is a small formula for its own product: for `y = x * x` it
# returns `v * 2 * x` (no diagonal matrix anywhere), for `y = A @ x` it returns `A.T @ v`. That
# is why a backward pass costs a small, fixed multiple of the forward pass, and why one pass
# from a scalar loss gives the gradient for every parameter at once. For a stack of linear
# layers the multiple is about 2: the forward pass does one matrix product per layer, the
# backward pass two, `grad @ W.T` for the layer's input and `x.T @ grad` for its weight.
# Measured with PyTorch 2.13 on one CPU thread (`benchmarks/backward_cost.py`: four 512 × 512
# layers with `tanh`, a batch of 256), backward took 1.9 times as long as forward.
#
# ## 5. PyTorch's tutorial example: `Q = 3a³ − b²`
#
# PyTorch's introduction to autograd pretends that two tensors `a` and `b` are the parameters of
# a network and that `Q` is its error:

# %%
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a**3 - b**2
print(Q)

# %% [markdown]
# `Q` has two elements, so `Q.backward()` needs a `gradient`. The tutorial passes ones, and
# explains them as $\frac{dQ}{dQ} = 1$:

# %%
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(a.grad)
print(b.grad)

# %% [markdown]
# By hand, $\frac{\partial Q}{\partial a} = 9a^2$ and $\frac{\partial Q}{\partial b} = -2b$,
# elementwise. The tutorial checks autograd against them:

# %%
print(9 * a**2 == a.grad)
print(-2 * b == b.grad)

# %% [markdown]
# `tensor([True, True])` twice: $9 \cdot (4, 9) = (36, 81)$ and $-2 \cdot (6, 4) = (-12, -8)$.
#
# "$dQ/dQ = 1$" is a friendly shorthand. More precisely, `external_grad` is $v$, and the
# rule of section 4 says the result is the gradient of `(external_grad * Q).sum()`, that is of
# `Q.sum()`. So the same gradients come from summing first, as the tutorial also points out:

# %%
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a**3 - b**2
Q.sum().backward()
print(a.grad)
print(b.grad)

# %% [markdown]
# Here every $Q_i$ depends only on $a_i$ and $b_i$, so the Jacobians are diagonal and summing
# loses nothing: each entry of `a.grad` is one output's own derivative.
#
# ### Exercise 3: pick the `gradient` vector
#
# Three losses come out of one computation, `losses = x * x` with `x = [1., 2., 3.]`. You want
# `x.grad` to hold the gradient of
#
# $$\text{total} = \frac{\text{losses}_1 + \text{losses}_2}{2} + 3\,\text{losses}_3,$$
#
# but with a single call `losses.backward(v_pick)`. Replace `raise NotImplementedError()` with
# `v_pick = torch.tensor([...])`, the tensor that does it.

# %% nbgrader={"grade": false, "grade_id": "ex3_pick_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
v_pick = torch.tensor([0.5, 0.5, 3.0])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3_pick_gradient_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
assert "v_pick" in globals(), (
    "v_pick is not defined yet: write your answer in the cell above and run it."
)
assert type(v_pick) is torch.Tensor and v_pick.shape == (3,), (
    f"v_pick is {v_pick!r}; expected a tensor with the shape of losses, torch.Size([3]). "
    "Hint: the gradient argument of backward has the shape of the tensor it is called on."
)
x_check = torch.tensor([1., 2., 3.], requires_grad=True)
losses_check = x_check * x_check
((losses_check[0] + losses_check[1]) / 2 + 3 * losses_check[2]).backward()
wanted = x_check.grad
x_check = torch.tensor([1., 2., 3.], requires_grad=True)
(x_check * x_check).backward(v_pick)
assert torch.allclose(x_check.grad, wanted), (
    f"losses.backward(v_pick) left x.grad = {x_check.grad}; expected the gradient of total. "
    "Hint: y.backward(v) computes the gradient of (v * y).sum(). Write total in that form "
    "and read off v."
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
# Write `vector_for_mean(y)`: given a tensor `y` of any shape (it may require grad), return the
# tensor `v` such that `y.backward(v)` leaves the same gradients as `y.mean().backward()`. `v`
# must have `y`'s shape and dtype and must not require grad.

# %% nbgrader={"grade": false, "grade_id": "ex4_vector_for_mean", "locked": false, "schema_version": 3, "solution": true, "task": false}
def vector_for_mean(y: torch.Tensor) -> torch.Tensor:
    """The gradient argument that makes y.backward(v) equal y.mean().backward()."""
    ### BEGIN SOLUTION
    return torch.full_like(y.detach(), 1.0 / y.numel())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_vector_for_mean_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
x_check = torch.tensor([1., 2., 3., 4.], requires_grad=True)
y_check = x_check * x_check
v_check = vector_for_mean(y_check)
assert type(v_check) is torch.Tensor and v_check.shape == y_check.shape, (
    f"vector_for_mean(y) returned {v_check!r}; expected a tensor with the shape of y, "
    f"{y_check.shape}. Hint: torch.full_like and torch.ones_like make a tensor shaped like another."
)
y_check.backward(v_check)
got = x_check.grad
x_check.grad = None
(x_check * x_check).mean().backward()
assert torch.allclose(got, x_check.grad), (
    f"y.backward(vector_for_mean(y)) left x.grad = {got}; expected the gradient of y.mean(). "
    "Hint: y.mean() is a weighted sum of the elements of y. What is each element's weight?"
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
# A classic example of a VJP uses a loop whose length depends on the data: double `y` until
# its length (its L2 norm) reaches 1000. Started from `torch.randn(3)`, every run differs; here
# is an `x` that reproduces one printed result exactly. That `y` was
# `tensor([1810.9065, 344.1436, -78.7548])` after 11 doublings, so $x = y / 2^{11} = y / 2048$:

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
# `y.data.norm()` reads the values without recording anything, so the test of the `while` stays
# out of the graph (chapter 6 is all about `.data` and `detach()`). The graph itself is a chain of
# 11 `MulBackward0` nodes, one per pass through the loop, above the leaf's `AccumulateGrad`.
# Another `x` would have given another number of nodes: the graph is built as the code runs.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import draw_graph

draw_graph(y, params={"x": x})

# %% [markdown]
# `y` is a vector, so `backward` needs a `gradient`. Each output depends on its own input only,
# $y_i = 2^{11} x_i$, so $J = 2048\,I$ and $v^\top J = 2048\,v$:

# %%
gradients = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(gradients)
print(x.grad)

# %% [markdown]
# `tensor([2.0480e+02, 2.0480e+03, 2.0480e-01])` is $2048 \times (0.1, 1, 0.0001)$. PyTorch
# switches to scientific notation when a tensor's values span several orders of magnitude.
# Notice that `x`'s values play no part in the result, only the number of doublings does.
#
# ### Exercise 5: the doubling loop without `backward`
#
# Write `doubling_grad(x, v)`: the `x.grad` that the loop above followed by `y.backward(v)` would
# produce, for a 1-D float tensor `x` with at least one non-zero element, computed **without**
# calling `backward` (or `torch.autograd`). Count the doublings instead: remember that the first
# one, `y = x * 2`, happens before the `while` test. Return a tensor with `v`'s shape, and leave
# `x` alone (it may or may not require grad).

# %% nbgrader={"grade": false, "grade_id": "ex5_doubling_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def doubling_grad(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """x.grad after `y = x * 2; while y.data.norm() < 1000: y = y * 2` and y.backward(v)."""
    ### BEGIN SOLUTION
    y = x.detach() * 2
    doublings = 1
    while y.norm() < 1000:
        y = y * 2
        doublings += 1
    return v * 2.0 ** doublings
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_doubling_grad_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
x_check = torch.tensor([1810.9065, 344.1436, -78.7548]) / 2048
v_check = torch.tensor([0.1, 1.0, 0.0001])
got = doubling_grad(x_check, v_check)
assert type(got) is torch.Tensor and got.shape == v_check.shape, (
    f"doubling_grad(x, v) returned {got!r}; expected a tensor with the shape of v, "
    f"{v_check.shape}. Hint: x.grad has the shape of x, which is the shape of v here."
)
assert torch.allclose(got, v_check * 2048), (
    f"doubling_grad(x, v) returned {got} for the tutorial's x and v; expected the x.grad that "
    "the loop and y.backward(v) leave. Hint: after k doublings y = 2**k * x, so J is 2**k "
    "times the identity. Count k the way the loop does, the first doubling included."
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch


def _reference(x, v):
    x = x.detach().clone().requires_grad_(True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    y.backward(v)
    return x.grad


for _x, _v in [
    (_torch.tensor([0.001, 0.0, 0.0]), _torch.tensor([1.0, 2.0, 3.0])),       # 20 doublings
    (_torch.tensor([3000.0, -4000.0]), _torch.tensor([1.0, -1.0])),          # long already: 1
    (_torch.tensor([1.0, 1.0, 1.0, 1.0]), _torch.tensor([0.5, 0.0, 1.0, 2.0])),
]:
    _got = doubling_grad(_x, _v)
    assert type(_got) is _torch.Tensor and _torch.allclose(_got, _reference(_x, _v)), (_x, _got)
_leaf = _torch.tensor([0.25, 0.5], requires_grad=True)
doubling_grad(_leaf, _torch.tensor([1.0, 1.0]))
assert _leaf.grad is None, "doubling_grad must not run backward into x"
### END HIDDEN TESTS

# %% [markdown]
# ## 7. A whole Jacobian, one row at a time
#
# One backward pass gives one vector-Jacobian product. To get the whole of $J$, choose $v$ so
# that $v^\top J$ *is* a row of $J$: the **one-hot** vector $e_i$, with a 1 in position $i$ and 0
# elsewhere, gives $e_i^\top J = $ row $i$, the gradient of the single output $y_i$. One backward
# per output, $m$ in all, and the rows stack into $J$.
#
# Here is a function with three inputs and four outputs, whose Jacobian is full:

# %%
W = torch.tensor([[ 0.5, -1.0,  2.0],
                  [ 1.5,  0.3, -0.7],
                  [-0.2,  0.8,  1.0],
                  [ 1.0,  1.0,  1.0]])

def layer(x):
    return torch.tanh(W @ x)

x0 = torch.tensor([0.2, -0.4, 0.3])
J = torch.autograd.functional.jacobian(layer, x0)
print(J)

# %% [markdown]
# The picture shows the product for $v = e_2$ (counting from 1, so `v = [0., 1., 0., 0.]`): the
# one-hot vector on the left selects the highlighted row of $J$, and that row is what lands in
# `x.grad`.

# %%
import matplotlib.pyplot as plt
import numpy as np


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
# The same row comes out of a backward pass with that one-hot vector:

# %%
x = x0.clone().requires_grad_()
y = layer(x)
y.backward(torch.tensor([0., 1., 0., 0.]))
print(x.grad)
print(J[1])

# %% [markdown]
# A general $v$ mixes rows. With the weights $v = (0.4, 0.6, 0, 0)$ two rows are outlined, and
# the product is 0.4 times the first plus 0.6 times the second:

# %%
show_vjp(J, torch.tensor([0.4, 0.6, 0., 0.]))

# %% [markdown]
# To get every row from one forward pass, call `backward` once per output on the same `y`. Two
# things need care:
#
# * `retain_graph=True`: the first backward frees what the graph saved (here `tanh`'s output,
#   which its derivative $1 - \tanh^2$ needs), and a second one would fail (chapter 3);
# * `.grad` accumulates: clear `x.grad` before each pass, or every row would hold the sum of
#   the rows so far.
#
# ### Exercise 6: build the Jacobian from vector-Jacobian products
#
# Write `jacobian_rows(f, x)` for a function `f` from a 1-D tensor to a 1-D tensor. Compute
# `y = f(...)` **once**, then run one `backward` per output with a one-hot `gradient`, and return
# the Jacobian as an $m \times n$ tensor (`torch.stack` stacks a list of rows). Do not use
# `torch.autograd.functional`. The caller's `x` must not change: work on
# `x.detach().requires_grad_()`, a fresh leaf with the same values.
#
# Useful: `torch.zeros_like(y)`, indexing assignment `v[i] = 1.0`, `y.numel()`, and
# `backward(v, retain_graph=True)`.

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
A_check = torch.tensor([[1., 2.], [3., 4.]])
got = jacobian_rows(lambda x: A_check @ x, torch.tensor([2., 3.]))
assert type(got) is torch.Tensor and got.shape == (2, 2), (
    f"jacobian_rows(lambda x: A @ x, x) returned {got!r}; expected a 2 x 2 tensor (2 outputs, "
    "2 inputs). Hint: torch.stack(rows) stacks a list of 1-D rows into a matrix."
)
assert torch.allclose(got, A_check), (
    f"jacobian_rows(lambda x: A @ x, x) returned\n{got}\nexpected the Jacobian of A @ x, "
    "which is A. Hint: row i is x.grad after one y.backward(e_i). Is x.grad cleared before "
    "each pass?"
)
got = jacobian_rows(layer, x0)
assert type(got) is torch.Tensor and torch.allclose(got, torch.autograd.functional.jacobian(layer, x0), atol=1e-6), (
    f"jacobian_rows(layer, x0) returned\n{got}\nexpected the Jacobian that "
    "torch.autograd.functional.jacobian(layer, x0) computes. Hint: the one-hot vector for "
    "row i has a single 1, at position i."
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
# Your rows match PyTorch's `jacobian` (if exercise 6 is not solved yet, this cell falls back on
# `torch.autograd.functional.jacobian` itself, so that the rest of the chapter still runs):

# %%
try:
    rows = jacobian_rows(layer, x0)
except NotImplementedError:
    rows = torch.autograd.functional.jacobian(layer, x0)
print(torch.allclose(rows, J))

# %% [markdown]
# By default (reverse mode), `torch.autograd.functional.jacobian` does just this: $m$
# vector-Jacobian products with the rows of the identity. It costs $m$ backward passes, cheap when there are few
# outputs (a scalar loss: one pass) and expensive when there are many. Note also
# `torch.autograd.grad(y, x, grad_outputs=v)`, which returns the same product instead of adding
# it to `x.grad`, and `torch.autograd.functional.vjp(f, x, v)`, which returns `f(x)` and
# $v^\top J$ together:

# %%
x = torch.tensor([2., 3.], requires_grad=True)
v = torch.tensor([0.4, 0.6])
from_grad = torch.autograd.grad(x * x, x, grad_outputs=v)
from_vjp = torch.autograd.functional.vjp(square, torch.tensor([2., 3.]), v)
print(from_grad)
print(from_vjp)
print(x.grad)

# %% [markdown]
# The same product, `tensor([1.6000, 3.6000])`, both times (`vjp` also returns $f(x)$,
# `tensor([4., 9.])`), and `x.grad` is still `None`: `torch.autograd.grad` returns gradients
# instead of adding them to `.grad`. The vector $v$ goes by a different name in each of these
# functions, which helps when you search PyTorch's documentation: `gradient` in
# `Tensor.backward`, `grad_tensors` in `torch.autograd.backward`, `grad_outputs` in
# `torch.autograd.grad`, and `v` in `torch.autograd.functional.vjp`.
#
# ## Summary
#
# * The derivative of a vector $\vec y$ with respect to a vector $\vec x$ is the $m \times n$
#   **Jacobian** $J$, one row per output.
# * `backward` computes the **vector-Jacobian product** $v^\top J$ (the column $J^\top v$), and
#   puts it in `x.grad`, which always has `x`'s shape. For a scalar output $v = 1$ is implied; for
#   any other output `backward()` raises "grad can be implicitly created only for scalar outputs".
# * `y.backward(v)` gives the gradient of `(v * y).sum()`: `torch.ones_like(y)` for the sum,
#   the weights themselves for a weighted sum of losses, and a suitable constant for the mean.
# * By the chain rule, if $v = \partial l / \partial \vec y$ for some scalar $l$, then
#   $J^\top v = \partial l / \partial \vec x$. Autograd chains these products node by node and
#   never builds a Jacobian, which keeps backward within a small multiple of forward (about 2
#   for matrix products: two products per layer against one).
# * A whole Jacobian takes one backward per row with one-hot vectors (and `retain_graph=True`):
#   that is `torch.autograd.functional.jacobian`.
#
# Next, the opposite question: how to turn autograd off (`torch.no_grad()` and friends) where
# no gradient is wanted at all.

# %% [markdown]
# ## Sources, and where they slip
#
# > This chapter retells examples of these articles, in its own words and with PyTorch
# > 2.13's numbers:
# >
# > * 《pytorch 入门笔记 -02- 自动求导》 by zyk, <https://ld246.com/article/1637720533115>;
# > * 《自动求导机制介绍》, a notebook version of PyTorch's tutorial
# >   [A Gentle Introduction to torch.autograd](https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html):
# >   <https://colab.research.google.com/github/lilxmx/DeepLearning-pytorch/blob/main/autograd_tutorial.ipynb>;
# > * 《PyTorch 梯度》 (author and address not recorded).
# >
# > Where they slip:
# >
# > * 《PyTorch 梯度》 concludes from the error of section 2 that PyTorch can only differentiate
# >   a scalar: `backward` only refuses to invent the starting gradient (sections 2 and 4). It
# >   lays the Jacobian out with one row per input and multiplies `[1, 1]` from the left, which
# >   is $J v$, not $v^\top J$; the two agree on `x * x` only because its Jacobian is diagonal
# >   (section 4, exercise 2). And it writes `torch.ones_likes`: the function is
# >   `torch.ones_like`.
# > * 《pytorch 入门笔记》 says that autograd cannot compute a whole Jacobian directly:
# >   `torch.autograd.functional.jacobian` does, one vector-Jacobian product per row
# >   (sections 3 and 7). Its doubling loop starts from `torch.randn(3)`, so its numbers cannot be
# >   reproduced; section 6 rebuilds the `x` behind them.
# > * The tutorial's "$dQ/dQ = 1$" is a shorthand: `external_grad` is the vector $v$, and the
# >   result is the gradient of `(external_grad * Q).sum()` (section 5).
