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
# # Chapter 3: Backward and the chain rule
#
# Chapter 1 called `backward()` and read the gradients; chapter 2 looked at the graph that
# autograd records. This chapter opens up `backward()` itself:
#
# 1. it starts at the output with the gradient 1, the derivative of the output with respect to
#    itself;
# 2. each node of the graph applies **the chain rule** once: it turns the gradient of its output
#    into gradients of its inputs;
# 3. you can write such a node yourself, a **custom `torch.autograd.Function`**, and test it
#    with **`gradcheck`**;
# 4. a node that receives gradients from several places adds them up;
# 5. after a backward pass the graph has **freed** what it saved (`retain_graph=True` keeps it);
# 6. leaves **accumulate** gradients in `.grad`, which is why training loops reset it.
#
# **How to work through it.** Run the cells in order (Shift+Enter). Each exercise has an answer
# cell, where you replace `raise NotImplementedError()` with your code, and a locked test cell
# below it that tells you what is wrong and gives a hint. After a *predict, then run* exercise,
# a folded **Why** block explains the answer: open it once your test passes. The **Validate**
# button runs the whole notebook; your instructor's grading adds hidden tests to the same cells,
# so make your answers right in general, not just for the visible tests.
#
# **The engine.** As in every chapter, `autograd_core` is imported under PyTorch's name; with
# PyTorch installed, `import torch` prints the same outputs.

# %%
import autograd_core as torch

# %% [markdown]
# ## 1. One call to `backward()`
#
# Chapter 1's first example: two leaves $a = 2$ and $b = 4$, and $y = a^2 + 2b^3$. By hand,
# $\partial y / \partial a = 2a = 4$ and $\partial y / \partial b = 6b^2 = 96$.

# %%
a = torch.tensor([2.], requires_grad=True)
b = torch.tensor([4.], requires_grad=True)
y = a ** 2 + 2 * b ** 3
print(y)
y.backward()
print(a.grad, b.grad)

# %% [markdown]
# Where does the pass start? At `y` itself, with $\partial y / \partial y = 1$. For a tensor with
# a single element, `y.backward()` is short for `y.backward(torch.ones_like(y))`: PyTorch makes
# that initial gradient for you. (For a tensor with several elements, chapter 4
# explains what happens, and the `gradient` argument.)

# %%
a.grad = None                      # empty .grad again (section 7 explains why this is needed)
b.grad = None
y = a ** 2 + 2 * b ** 3            # a new forward pass records a new graph
y.backward(torch.ones_like(y))     # the same as y.backward()
print(a.grad, b.grad)

# %% [markdown]
# Between that initial 1 and the numbers in `.grad`, the graph did all the work. Let us do that
# work by hand.
#
# ## 2. The chain rule, one node at a time
#
# Each node of the graph is the backward half of one operation (for PyTorch's own operations a
# C++ node generated from `derivatives.yaml`; for a custom `torch.autograd.Function`, which
# section 3 writes, a node made from that class). Given the gradient of the final output with respect to the node's **output**
# (`grad_output`), it returns the gradient with respect to each of its **inputs**. For one
# operation $v = f(u)$ inside a computation that ends in $y$, that is the chain rule:
#
# $$\frac{\partial y}{\partial u} = \frac{\partial y}{\partial v}\cdot\frac{\partial v}{\partial u},$$
#
# in words: gradient of the input = gradient of the output × local derivative.
#
# A node only knows its own local derivative ($2a$ for `a ** 2`), never the rest of the graph.
# `backward()` calls the nodes in a good order and routes what each returns to the next ones.
#
# PyTorch lets you run a node yourself. A node of a built-in operation is called like a
# function, `node(grad_output)`; the node of a custom `Function` is not callable in PyTorch,
# and runs through its `.apply(grad_output)`. The helper below takes either, and always hands
# back a tuple with one gradient per input, in the order of `node.next_functions` (`None` for
# an input that needs no gradient). It runs under `no_grad`, so the results are plain tensors,
# not recorded.

# %%
def run_node(node, *grad_outputs):
    """Run one node's backward: the gradients of its inputs, a tuple aligned with
    node.next_functions."""
    call = node if callable(node) else node.apply      # a custom Function's node: .apply
    with torch.no_grad():
        result = call(*grad_outputs)
    return result if isinstance(result, tuple) else (result,)


# %% [markdown]
# Here is the graph of $y = a^2 + 2b^3$ again: the leaves in blue, the output in green, one grey
# box per node. The arrows follow the forward computation; gradients flow against them.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import draw_graph

y = a ** 2 + 2 * b ** 3            # backward() freed what that graph saved: record a new one
draw_graph(y, params={"a": a, "b": b})

# %% [markdown]
# The top node is `AddBackward0`, for $y = u + v$ with $u = a^2$ and $v = 2w$, $w = b^3$. Its
# inputs come from a `PowBackward0` ($u$) and a `MulBackward0` ($v$):

# %%
y = a ** 2 + 2 * b ** 3
add = y.grad_fn
print(add.name(), add.next_functions)

# %% [markdown]
# Start from 1 and go down, one node at a time:

# %%
grad_y = torch.ones_like(y)                  # dy/dy = 1: every backward pass starts here
grad_u, grad_v = run_node(add, grad_y)       # y = u + v: dy/du = dy/dv = 1
print(grad_u, grad_v)

pow_a = add.next_functions[0][0]
print(run_node(pow_a, grad_u))               # u = a**2: 1 * 2a = 4

mul = add.next_functions[1][0]
grad_w, grad_two = run_node(mul, grad_v)     # v = 2 * w: dv/dw = 2; the constant 2 gets None
print(grad_w, grad_two)

pow_b = mul.next_functions[0][0]
print(run_node(pow_b, grad_w))               # w = b**3: 2 * 3b^2 = 96

# %% [markdown]
# Four node calls, each a multiplication by one local derivative, and we have the 4 and the 96
# that `backward()` stored. The walk ends at `AccumulateGrad` nodes, one behind each leaf that
# requires grad; their job is to add the incoming gradient into `leaf.grad` (they are the only
# nodes with a `variable` attribute, the leaf itself):

# %%
print(pow_a.next_functions)
print(pow_a.next_functions[0][0].variable is a, pow_b.next_functions[0][0].variable is b)

# %% [markdown]
# ### Watch the engine do it
#
# You just ran the graph of $y = a^2 + 2b^3$ by hand, one node at a time. `step_backward(y)`
# calls `y.backward()` and records what the engine did at each step: press **next** or
# **play**, or drag the slider. The node outlined in red is running; the panel shows the
# gradient that arrived for it, what it sends down each edge, and the `.grad` a leaf receives.
# Nodes outlined in dashed blue wait in the ready queue, and "waits 1" beside a node means one
# more gradient must reach it before it can run.

# %% skip_parity="steps through autograd_core's own engine (viz.step_backward)"
from autograd_core.viz import step_backward

a = torch.tensor([2.], requires_grad=True)
b = torch.tensor([4.], requires_grad=True)
y = a ** 2 + 2 * b ** 3
step_backward(y, params={"a": a, "b": b})


# %% [markdown]
# ## 3. Writing a node yourself: `torch.autograd.Function`
#
# Every node you ran above did the same thing: it multiplied `grad_output` by the local
# derivative of its operation. You can add an operation of your own to autograd by writing
# exactly that, in a subclass of `torch.autograd.Function` with two static methods:
#
# - `forward(ctx, *inputs)` computes the output, and keeps what backward will need with
#   `ctx.save_for_backward(...)`;
# - `backward(ctx, grad_output)` receives $\partial L/\partial\,\text{output}$ and returns one
#   gradient per input of `forward`, in the same order: `grad_output` times the local
#   derivative, the chain rule of section 2. It reads what forward saved from `ctx.saved_tensors`.
#
# You call it with `.apply`, and its node is made from your class. Chapter 2's one-neuron model
# $y = xw + b$, as one operation:

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
print(run_node(y.grad_fn, torch.tensor(1.)))
y.backward()
print(w.grad, b.grad)

# %% [markdown]
# The graph has a single `MulAddBackward` node (the class name plus `Backward`) instead of a
# `MulBackward0` and an `AddBackward0`, with one pair in `next_functions` per input of
# `forward` (`(None, 0)` for `x`). `run_node` ran it through `.apply`, and it returned what
# `backward` returns, one gradient per input; the engine drops the one for `x`, and `w.grad`
# and `b.grad` are 3 and 1, as chapter 2 found.
#
# Inside `forward` recording is off: the `*` and `+` there leave no nodes of their own.
# *You* supply the backward formula and autograd trusts it, so a wrong formula gives wrong
# gradients without any error. Test it: `torch.autograd.gradcheck` compares your backward with
# central differences, $\frac{f(x + \epsilon) - f(x - \epsilon)}{2\epsilon}$, for every element
# of every input. Give it float64 inputs: in float32 the differences drown in rounding error.

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
# `gradcheck` raises a `GradcheckError` (a kind of `RuntimeError`; pass
# `raise_exception=False` to get `False` instead) with both Jacobians of $x \mapsto x^3$ at
# `x64 = [1., 2., 3.]`. The numerical one holds the true slopes $3x^2 = 3, 12, 27$ on its
# diagonal, the analytical one, built from `BadCube.backward`, holds $3x = 3, 6, 9$. Drawn, the
# slope that `BadCube`'s backward claims (the derivative autograd computes through it) leaves
# the true slope of $x^3$ everywhere except at $x = 0$ and $x = 1$:

# %% skip_parity="plots with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import plot_function

figure = plot_function(lambda t: t ** 3, (-2, 2), name="cube")
plot_function(BadCube.apply, (-2, 2), name="BadCube", ax=figure.axes[0],
              title="x ** 3: the true slope (cube′) and the slope BadCube's backward gives")
figure

# %% [markdown]
# ### Exercise 1: write $Q = 3a^3 - b^2$ as one `Function`
#
# Complete `QFunction` so that `QFunction.apply(a, b)` computes $Q = 3a^3 - b^2$ elementwise in
# `forward`, and `backward` returns the two gradients $\partial L/\partial a$ and
# $\partial L/\partial b$, in that order, from `grad_output` $= \partial L/\partial Q$. Save what
# backward needs with `ctx.save_for_backward`, and use tensor operations only.

# %% nbgrader={"grade": false, "grade_id": "ex1_q_function", "locked": false, "schema_version": 3, "solution": true, "task": false}
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


# %% nbgrader={"grade": true, "grade_id": "ex1_q_function_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message


def q_run(make, what):
    """make(), with a failure that says what went wrong."""
    try:
        return make()
    except NotImplementedError:
        raise AssertionError(
            message("{function} is not written yet; expected forward and backward to compute. "
                    "Hint: replace both raise NotImplementedError() with your code and run the "
                    "cell.",
                    function="QFunction")
        ) from None
    except RuntimeError as error:
        raise AssertionError(
            message("{what} raised RuntimeError: {error}; expected it to run. Hint: backward "
                    "returns a tuple of two tensors, the gradient for a first, then the one for "
                    "b.",
                    what=what, error=error)
        ) from None


func_a = torch.tensor([2., 3.], requires_grad=True)
func_b = torch.tensor([6., 4.], requires_grad=True)
func_q = q_run(lambda: QFunction.apply(func_a, func_b), "QFunction.apply(a, b)")
assert type(func_q) is torch.Tensor and func_q.shape == func_a.shape and \
    torch.allclose(func_q, 3 * func_a.detach() ** 3 - func_b.detach() ** 2), message(
        "QFunction.apply(a, b) for a = [2., 3.], b = [6., 4.] returned {got}; expected "
        "3 * a ** 3 - b ** 2, elementwise. Hint: forward receives the tensors a and b and returns "
        "the result.",
        got=func_q
    )
assert type(func_q.grad_fn).__name__ == "QFunctionBackward", message(
    "Q.grad_fn is {grad_fn}; expected a QFunctionBackward node. Hint: forward must return "
    "a new tensor computed from a and b.",
    grad_fn=func_q.grad_fn
)
q_run(lambda: func_q.sum().backward(), "Q.sum().backward()")
want_a, want_b = 9 * func_a.detach() ** 2, -2 * func_b.detach()
assert not (type(func_a.grad) is torch.Tensor and torch.allclose(func_a.grad, want_b)), message(
    "After Q.sum().backward(), a.grad holds dQ/db and b.grad holds dQ/da; expected them the "
    "other way round. Hint: backward returns the gradient for a first, then the one for b."
)
assert type(func_a.grad) is torch.Tensor and torch.allclose(func_a.grad, want_a), message(
    "After Q.sum().backward(), a.grad is {grad}; expected dQ/da for Q = 3a³ - b² (the "
    "incoming gradient is 1 here). Hint: differentiate 3 * a ** 3 with respect to a, keeping "
    "the factor 3.",
    grad=func_a.grad
)
assert type(func_b.grad) is torch.Tensor and torch.allclose(func_b.grad, want_b), message(
    "After Q.sum().backward(), b.grad is {grad}; expected dQ/db for Q = 3a³ - b² (the "
    "incoming gradient is 1 here). Hint: mind the minus sign in front of b ** 2.",
    grad=func_b.grad
)
check_a = torch.tensor([0.5, -1.5, 2.], dtype=torch.float64, requires_grad=True)
check_b = torch.tensor([1., 0.25, -3.], dtype=torch.float64, requires_grad=True)
passed = q_run(lambda: torch.autograd.gradcheck(QFunction.apply, (check_a, check_b),
                                                raise_exception=False), "gradcheck")
assert passed is True, message(
    "gradcheck(QFunction.apply, (a, b)) for float64 a = [0.5, -1.5, 2.], b = [1., 0.25, -3.] "
    "returned {got}; expected True, although the gradients were right when grad_output was "
    "1. Hint: multiply each local derivative by grad_output, the gradient that arrives at Q.",
    got=passed
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
# ### Exercise 2: a `Function` for a new operation
#
# The length of the vector $(a, b)$, $h = \sqrt{a^2 + b^2}$, taken elementwise, is a common
# operation (PyTorch calls it `hypot`). Write a class `Hypot`, a `torch.autograd.Function` such
# that `Hypot.apply(a, b)` computes $h$ and its backward returns the gradients for `a` and `b`.
# The derivatives and what to save are up to you; use tensor operations only (`.sqrt()` is
# one). Check your class with `torch.autograd.gradcheck` before you run the tests: that is how
# you would test it without them. Replace `raise NotImplementedError()` with the whole class.

# %% nbgrader={"grade": false, "grade_id": "ex2_hypot", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
class Hypot(torch.autograd.Function):
    """h = sqrt(a ** 2 + b ** 2), elementwise."""

    @staticmethod
    def forward(ctx, a, b):
        h = (a ** 2 + b ** 2).sqrt()
        ctx.save_for_backward(a, b, h)
        return h

    @staticmethod
    def backward(ctx, grad_output):
        a, b, h = ctx.saved_tensors
        return grad_output * a / h, grad_output * b / h


pair = (torch.tensor([1., -2.], dtype=torch.float64, requires_grad=True),
        torch.tensor([0.5, 3.], dtype=torch.float64, requires_grad=True))
print(torch.autograd.gradcheck(Hypot.apply, pair))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2_hypot_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message


def hypot_run(make, what):
    """make(), with a failure that says what went wrong."""
    try:
        return make()
    except NotImplementedError:
        raise AssertionError(
            message("{what} raised NotImplementedError: Hypot is not written yet; expected your "
                    "class to compute. Hint: replace raise NotImplementedError() with the class "
                    "and run the cell.",
                    what=what)
        ) from None
    except RuntimeError as error:
        raise AssertionError(
            message("{what} raised RuntimeError: {error}; expected it to run. Hint: forward "
                    "takes (ctx, a, b); backward takes (ctx, grad_output) and returns two "
                    "tensors, one per input of forward.",
                    what=what, error=error)
        ) from None


assert "Hypot" in globals(), message(
    "Hypot is not written yet: there is no class Hypot; expected a torch.autograd.Function. "
    "Hint: replace raise NotImplementedError() with the class and run the cell."
)
assert isinstance(Hypot, type) and issubclass(Hypot, torch.autograd.Function), message(
    "Hypot is {got!r}; expected a subclass of torch.autograd.Function. Hint: "
    "class Hypot(torch.autograd.Function): with a static forward and backward.",
    got=Hypot
)
hyp_a = torch.tensor([3., 5., -8.], requires_grad=True)
hyp_b = torch.tensor([4., 12., 6.], requires_grad=True)
hyp_h = hypot_run(lambda: Hypot.apply(hyp_a, hyp_b), "Hypot.apply(a, b)")
want_h = (hyp_a.detach() ** 2 + hyp_b.detach() ** 2).sqrt()
assert type(hyp_h) is torch.Tensor and hyp_h.shape == hyp_a.shape and torch.allclose(hyp_h, want_h), message(
    "Hypot.apply(a, b) for a = [3., 5., -8.], b = [4., 12., 6.] returned {got}; expected "
    "sqrt(a ** 2 + b ** 2), elementwise. Hint: forward returns that tensor.",
    got=hyp_h
)
assert type(hyp_h.grad_fn).__name__ == "HypotBackward", message(
    "Hypot.apply(a, b).grad_fn is {grad_fn}; expected a HypotBackward node. Hint: "
    "compute the result in forward and return it.",
    grad_fn=hyp_h.grad_fn
)
hypot_run(lambda: hyp_h.sum().backward(), "Hypot.apply(a, b).sum().backward()")
grads = hyp_a.grad, hyp_b.grad
assert all(type(g) is torch.Tensor and g.shape == hyp_a.shape for g in grads), message(
    "after Hypot.apply(a, b).sum().backward(), a.grad is {a_grad} and b.grad is {b_grad}; "
    "expected a tensor for each. Hint: backward returns one gradient per input of forward.",
    a_grad=grads[0], b_grad=grads[1]
)
local_a, local_b = hyp_a.detach() / want_h, hyp_b.detach() / want_h
assert not torch.allclose(grads[0], 2 * hyp_a.detach()), message(
    "with grad_output = 1, a.grad is {a_grad}; expected dh/da. Hint: that is the derivative of "
    "a ** 2 + b ** 2 alone: h is its square root, so the chain rule multiplies by the "
    "derivative of the square root too.",
    a_grad=grads[0]
)
assert not torch.allclose(grads[0], 0.5 / want_h), message(
    "with grad_output = 1, a.grad is {a_grad}; expected dh/da. Hint: that is the derivative of "
    "the square root alone, d sqrt(u) / du; the chain rule multiplies it by du/da.",
    a_grad=grads[0]
)
assert torch.allclose(grads[0], local_a) and torch.allclose(grads[1], local_b), message(
    "with grad_output = 1, a.grad is {a_grad} and b.grad is {b_grad}; expected dh/da and "
    "dh/db. Hint: write h = sqrt(u) with u = a ** 2 + b ** 2 and apply the chain rule; the "
    "result simplifies with h itself.",
    a_grad=grads[0], b_grad=grads[1]
)
hyp_a2 = torch.tensor([3., 5., -8.], requires_grad=True)
hyp_h = Hypot.apply(hyp_a2, hyp_b)
hypot_run(lambda: hyp_h.backward(torch.tensor([2., -1., 0.5])), "backward")
assert torch.allclose(hyp_a2.grad, local_a * torch.tensor([2., -1., 0.5])), message(
    "with grad_output = [2., -1., 0.5], a.grad is {grad}; expected grad_output times "
    "dh/da, although it was right for grad_output = 1. Hint: backward must multiply by the "
    "grad_output it receives.",
    grad=hyp_a2.grad
)
### BEGIN HIDDEN TESTS
import numpy as _np

import autograd_core as _torch

_rng = _np.random.default_rng(5)
_a = _torch.tensor(_rng.standard_normal((2, 3)) + 2, requires_grad=True)
_b = _torch.tensor(_rng.standard_normal((2, 3)) - 2, requires_grad=True)
assert _torch.autograd.gradcheck(Hypot.apply, (_a, _b))
_h = Hypot.apply(_a, _b)
assert type(_h) is _torch.Tensor and _torch.allclose(_h, (_a.detach() ** 2 + _b.detach() ** 2).sqrt())
_x = _torch.tensor([0.6, -1.2], requires_grad=True)
_h = Hypot.apply(_x, _torch.tensor([0.8, 0.5]))
assert [type(n).__name__ if n is not None else None for n, _ in _h.grad_fn.next_functions] == ["AccumulateGrad", None]
_h.backward(_torch.tensor([3., 1.]))
assert type(_x.grad) is _torch.Tensor and _torch.allclose(_x.grad, _torch.tensor([1.8, -1.2 / 1.3]))
### END HIDDEN TESTS

# %% [markdown]
# ## 4. A node that receives two gradients
#
# Chapter 1's second example: a 2 × 2 tensor of ones, `y = x + 2`, `z = y * y * 3`,
# `out = z.mean()`.

# %%
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
print(y)
print(z, out)

# %% [markdown]
# Call the output $o$. Every $z_i = 3(x_i + 2)^2 = 27$, and
#
# $$o = \frac14 \sum_{i=1}^{4} z_i = \frac14\sum_i 3(x_i+2)^2,\qquad
# \frac{\partial o}{\partial x_i} = \frac14 \cdot 6(x_i + 2) = \frac32 (x_i + 2),\qquad
# \left.\frac{\partial o}{\partial x_i}\right|_{x_i = 1} = \frac92 = 4.5 .$$

# %%
out.backward()
print(x.grad)

# %% [markdown]
# The graph has something new: `y` is used twice by `y * y`, so two arrows leave the
# `AddBackward0` node of `y`.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
draw_graph(out, params={"x": x})

# %% [markdown]
# Walk it by hand, on a fresh forward pass. `MeanBackward0` spreads the gradient evenly: each of
# the 4 elements gets $1/4$. The node of `* 3` multiplies by 3. The node of `y * y` returns one
# gradient per input, $y_{\text{other}} \times 0.75 = 2.25$, and both inputs are the same
# `AddBackward0` node.

# %%
y = x + 2
z = y * y * 3
out = z.mean()

mean_node = out.grad_fn
(grad_z,) = run_node(mean_node, torch.tensor(1.))
print(grad_z)                                     # d out / dz = 1/4

times_three = mean_node.next_functions[0][0]
grad_yy, _ = run_node(times_three, grad_z)
print(grad_yy)                                    # 3 * 1/4

y_times_y = times_three.next_functions[0][0]
print(y_times_y.next_functions[0][0] is y_times_y.next_functions[1][0])
grad_left, grad_right = run_node(y_times_y, grad_yy)
print(grad_left)                                  # 3 * 0.75, for each of the two inputs

add_node = y_times_y.next_functions[0][0]
grad_x = run_node(add_node, grad_left + grad_right)[0]
print(grad_x)                                     # 2.25 + 2.25 = 4.5

# %% [markdown]
# The `AddBackward0` node of `y` receives **two** gradients of 2.25, one per use of `y`, and must
# run once, on their **sum**: the multivariable chain rule adds up the paths from $o$ to $y$.
# That is the one real difficulty of a backward pass: a node has to wait until every node that
# sends it a gradient has run. Finding that order, without recursion, is the engine's job;
# chapter 8 builds one.
#
# ## 5. Two examples in float64
#
# Gradients have the dtype of their leaf. For $f(x) = x^2 + 20$ at $x = 10$ in float64,
# $f'(x) = 2x = 20$:

# %%
x = torch.tensor(10, requires_grad=True, dtype=torch.float64)
f = x ** 2 + 20
f.backward()
print(f)
print(x.grad)

# %% [markdown]
# Now several leaves and a matrix product: $y_1 = x_1^2 + x_2^2 + x_1 x_2$ element by element,
# with $x_1 = (10, 20)$ and $x_2 = (30, 40)$, then $y_2 = y_1\,x_3$ with $x_3$ a 2 × 1 column of
# ones.

# %%
x1 = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)
x2 = torch.tensor([30, 40], requires_grad=True, dtype=torch.float64)
x3 = torch.tensor([[1], [1]], requires_grad=True, dtype=torch.float64)
y1 = x1 ** 2 + x2 ** 2 + x1 * x2
y2 = y1 @ x3
print(y1)
print(y2)

# %% [markdown]
# $y_1 = (100 + 900 + 300,\; 400 + 1600 + 800) = (1300, 2800)$, and the column of ones adds the
# two: $y_2 = 4100$. Written out,
# $y_2 = (x_{1,1}^2 + x_{2,1}^2 + x_{1,1}x_{2,1}) + (x_{1,2}^2 + x_{2,2}^2 + x_{1,2}x_{2,2})$, so
#
# * $\partial y_2 / \partial x_{1,j} = 2x_{1,j} + x_{2,j}$, that is $(20 + 30,\; 40 + 40) = (50, 80)$;
# * $\partial y_2 / \partial x_{2,j} = 2x_{2,j} + x_{1,j}$, that is $(60 + 10,\; 80 + 20) = (70, 100)$;
# * $\partial y_2 / \partial x_3 = y_1$ as a column, $(1300, 2800)$.

# %%
y2.backward()
print(x1.grad)
print(x2.grad)
print(x3.grad)

# %% [markdown]
# `y2` has one element (its shape is `[1]`), so `backward()` needs no argument. Follow the first
# input of each node down from `y2` and you meet the pieces of `@`: PyTorch multiplies a vector
# by a matrix by making the vector a 1 × 2 matrix (`UnsqueezeBackward0`), multiplying matrices
# (`MmBackward0`) and squeezing the result back to a vector (`SqueezeBackward4`). The graph
# records all three, and the chain rule goes back through each.

# %%
node = y2.grad_fn
while not hasattr(node, "variable"):         # down the first inputs, until a leaf's node
    print(node.name())
    node = node.next_functions[0][0]
print(type(node).__name__, node.variable is x1)


# %% [markdown]
# ## 6. After backward, the graph is freed
#
# To compute their local derivatives, many nodes keep tensors from the forward pass: the node of
# `x * x` keeps both inputs, the node of `x.exp()` keeps its result, `MulAdd` above kept `x` and
# `w`. These *saved tensors* are most of the memory that training needs (the activations of
# every layer). So by default each node **frees them as soon as it has run**: after
# `loss.backward()` the nodes still exist (`loss.grad_fn` still points at them), but emptied.
# The next forward pass records a new graph, which is what every iteration of a training loop
# does. Below, the graph of `x.exp().sum()` with its saved tensor in orange, before
# `backward()` and after.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
x = torch.tensor([1., 2.], requires_grad=True)
e = x.exp().sum()
draw_graph(e, params={"x": x}, show_saved=True)

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
e.backward()
draw_graph(e, params={"x": x}, show_saved=True)

# %% [markdown]
# ### Exercise 3 (predict, then run): a second `backward()`
#
# Run the next cell: it builds two graphs, one made of additions only and one with a
# multiplication, and calls `backward()` once on each.

# %%
xs = torch.tensor([1., 2.], requires_grad=True)
s = (xs + xs).sum()               # graph S: additions only
s.backward()
print(xs.grad)

xm = torch.tensor([1., 2.], requires_grad=True)
m = (xm * xm).sum()               # graph M: a multiplication
m.backward()
print(xm.grad)

# %% [markdown]
# What does a **second** `s.backward()` do, and a second `m.backward()`? Replace
# `raise NotImplementedError()` with `predicted_s = ...` and `predicted_m = ...`, each either the
# string `"error"` (if you think it raises a `RuntimeError`) or the list of the values that
# `.grad` holds after it (`xs.grad` for S, `xm.grad` for M), such as `[1.0, 1.0]`.

# %% nbgrader={"grade": false, "grade_id": "ex3_predict_second_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted_s = [4.0, 4.0]
predicted_m = "error"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3_predict_second_backward_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message


def _second_backward(make):
    leaf = torch.tensor([1., 2.], requires_grad=True)
    result = make(leaf)
    result.backward()
    try:
        result.backward()
    except RuntimeError:
        return "error"
    return leaf.grad.tolist()


def _as_prediction(value):
    """A prediction as plain values: a lower-case string, or a list of floats (None if it is
    neither a string nor a list or tuple of numbers)."""
    if type(value) is str:
        return value.strip().lower()
    if type(value) in (list, tuple) and all(type(v) in (int, float) for v in value):
        return [float(v) for v in value]
    return None


for _name in ("predicted_s", "predicted_m"):
    assert _name in globals(), message(
        "{name} is not written yet; expected your prediction. "
        "Hint: write it in the cell above and run it.",
        name=_name
    )
    _value = _as_prediction(globals()[_name])
    assert _value == "error" or (isinstance(_value, list) and len(_value) == 2), message(
        "{name} is {value!r}; expected the string \"error\" or a list of two "
        "numbers. Hint: xs and xm have two elements each.",
        name=_name, value=globals()[_name]
    )
_got_s, _got_m = _as_prediction(predicted_s), _as_prediction(predicted_m)
assert _got_s == _second_backward(lambda t: (t + t).sum()), message(
    "predicted_s is {predicted_s!r}; expected what a second s.backward() really does. Hint: "
    "did AddBackward0 or SumBackward0 save a tensor from the forward pass, that the first pass "
    "could have freed?",
    predicted_s=predicted_s
) if _got_s == "error" else message(
    "predicted_s is {predicted_s!r}; expected what a second s.backward() really does. Hint: "
    "after the first pass xs.grad holds [2., 2.]; does backward() replace .grad or add to it?",
    predicted_s=predicted_s
)
assert _got_m == _second_backward(lambda t: (t * t).sum()), message(
    "predicted_m is {predicted_m!r}; expected what a second m.backward() really does. Hint: "
    "does MulBackward0 need anything from the forward pass to compute the gradient of "
    "xm * xm?",
    predicted_m=predicted_m
) if _got_m == "error" else message(
    "predicted_m is {predicted_m!r}; expected what a second m.backward() really does. Hint: "
    "MulBackward0 needs xm to compute the gradient of xm * xm; what did the first pass do "
    "with what the nodes saved?",
    predicted_m=predicted_m
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_leaf = _torch.tensor([1., 2.], requires_grad=True)
_s = (_leaf + _leaf).sum()
_s.backward()
_s.backward()
assert _as_prediction(predicted_s) == _leaf.grad.tolist()
_leaf = _torch.tensor([1., 2.], requires_grad=True)
_m = (_leaf * _leaf).sum()
_m.backward()
try:
    _m.backward()
    _raised = False
except RuntimeError:
    _raised = True
assert _raised and _as_prediction(predicted_m) == "error"
### END HIDDEN TESTS

# %%
s.backward()
print(xs.grad)

try:
    m.backward()
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# Graph S goes through a second time **silently**: the derivative of `u + v` is 1 whatever `u`
# and `v` are, so neither `SumBackward0` nor `AddBackward0` saved anything, and the second pass
# adds another `[2., 2.]` into `xs.grad`. Nothing tells you that a gradient was counted twice.
#
# Graph M fails: `MulBackward0` needs `xm` to compute $\partial (x\,x) / \partial x$, and the
# first pass freed it. The same happens after `torch.autograd.grad(...)`, the other way of
# running a backward pass (chapter 7).
#
# </details>

# %% [markdown]
# ### Keeping the graph: `retain_graph=True`
#
# The error message names the way out: `retain_graph=True` keeps the saved tensors, so the graph
# can be run again (and the two passes add up in `.grad`, $2x + 2x = (4, 8)$):

# %%
xm = torch.tensor([1., 2.], requires_grad=True)
m = (xm * xm).sum()
m.backward(retain_graph=True)
m.backward()
print(xm.grad)

# %% [markdown]
# Use `retain_graph=True` when you really need two backward passes through one forward pass
# (two losses computed from shared features, or the Jacobian rows of chapter 4). It keeps saved
# tensors, nothing else: no gradient of an intermediate result is stored. A training loop does
# not need it: each iteration runs a new forward pass and gets a new graph, and a graph kept
# alive costs the memory of all its saved tensors. So PyTorch's dynamic graph lives by two
# rules: the forward pass builds the graph eagerly, statement by statement (chapter 2), and the
# backward pass frees it.
#
# ## 7. Gradients accumulate: why `zero_grad` exists
#
# At a leaf, the `AccumulateGrad` node writes the incoming gradient into `.grad`. What it does
# with a `.grad` that is already there decides how a training loop must be written.
#
# ### Exercise 4 (predict, then run): accumulation
#
# Predict what this code prints (it runs in the cells after the exercise):
#
# ```python
# x = torch.tensor(10, requires_grad=True, dtype=torch.float64)
# for _ in range(3):                      # (A) no zeroing
#     y1 = x ** 2 + 20
#     y2 = y1.mean()
#     y2.backward()
#     print(x.grad)
#
# g = x.grad
# x.grad.data.zero_()                     # (B) zero in place, then the backward of x ** 3
# (x ** 3).backward()
# print(g)
#
# h = x.grad
# x.grad = None                           # (C) drop the tensor, then the same backward
# (x ** 3).backward()
# print(h)
# ```
#
# Replace `raise NotImplementedError()` with `predicted_loop = [...]` (the three numbers that
# (A) prints), `predicted_g = ...` (the number (B) prints) and `predicted_h = ...` (the number
# (C) prints).

# %% nbgrader={"grade": false, "grade_id": "ex4_predict_accumulation", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted_loop = [20.0, 40.0, 60.0]
predicted_g = 300.0
predicted_h = 300.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex4_predict_accumulation_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message

for _name in ("predicted_loop", "predicted_g", "predicted_h"):
    assert _name in globals(), message(
        "{name} is not written yet; expected your prediction. "
        "Hint: write it in the cell above and run it.",
        name=_name
    )
_loop = None
if type(predicted_loop) in (list, tuple) and all(type(v) in (int, float) for v in predicted_loop):
    _loop = [float(v) for v in predicted_loop]
assert _loop is not None and len(_loop) == 3, message(
    "predicted_loop is {predicted_loop!r}; expected a list of three numbers. Hint: one number "
    "per print(x.grad) of loop (A).",
    predicted_loop=predicted_loop
)
for _name in ("predicted_g", "predicted_h"):
    assert type(globals()[_name]) in (int, float), message(
        "{name} is {value!r}; expected a number. Hint: write the value printed, "
        "without tensor(...).",
        name=_name, value=globals()[_name]
    )

def _run_a_b_c():
    """What (A) prints, and the tensors g and h at the end of (B) and (C)."""
    x = torch.tensor(10, requires_grad=True, dtype=torch.float64)
    printed = []
    for _ in range(3):
        (x ** 2 + 20).mean().backward()
        printed.append(x.grad.item())
    g = x.grad
    x.grad.data.zero_()
    (x ** 3).backward()
    h = x.grad
    x.grad = None
    (x ** 3).backward()
    return printed, g, h


_printed, _g, _h = _run_a_b_c()

assert _loop == _printed, message(
    "predicted_loop is {predicted_loop!r}; expected the three numbers loop (A) prints. Hint: "
    "the derivative of x ** 2 + 20 at 10 is the same at every step; what does backward() do "
    "with the .grad already there?",
    predicted_loop=predicted_loop
)
assert float(predicted_g) != 0, message(
    "predicted_g is {predicted_g!r}; expected the number print(g) shows at the end of (B). "
    "Hint: the zeroing is not the last line of (B): (x ** 3).backward() runs after it, and g "
    "is the very tensor that x.grad still is.",
    predicted_g=predicted_g
)
assert float(predicted_g) == _g.item(), message(
    "predicted_g is {predicted_g!r}; expected the number print(g) shows at the end of (B). "
    "Hint: g = x.grad makes no copy; follow that one tensor through the zeroing and the "
    "backward() of x ** 3 that adds into it.",
    predicted_g=predicted_g
)
assert float(predicted_h) == _h.item(), message(
    "predicted_h is {predicted_h!r}; expected the number print(h) shows at the end of (C). "
    "Hint: after x.grad = None, the next backward() stores a new tensor in x.grad; what was "
    "in the old one, h, when it was dropped?",
    predicted_h=predicted_h
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_z = _torch.tensor(10, requires_grad=True, dtype=_torch.float64)
_seen = []
for _ in range(3):
    (_z ** 2 + 20).mean().backward()
    _seen.append(_z.grad.item())
assert type(predicted_loop) in (list, tuple)
assert all(type(v) in (int, float) for v in predicted_loop)
assert [float(v) for v in predicted_loop] == _seen
_gg = _z.grad
_z.grad.data.zero_()
(_z ** 3).backward()
assert type(predicted_g) in (int, float) and float(predicted_g) == _gg.item() == 3 * 10.0 ** 2
_hh = _z.grad
_z.grad = None
(_z ** 3).backward()
assert type(predicted_h) in (int, float) and float(predicted_h) == _hh.item() and _z.grad is not _hh
### END HIDDEN TESTS

# %%
x = torch.tensor(10, requires_grad=True, dtype=torch.float64)
for _ in range(3):                      # (A), as the exercise wrote it
    y1 = x ** 2 + 20
    y2 = y1.mean()
    y2.backward()
    print(x.grad)

# %%
x = torch.tensor(10, requires_grad=True, dtype=torch.float64)
for _ in range(3):                      # (A) again, zeroing .grad before each backward pass
    y1 = x ** 2 + 20
    y2 = y1.mean()
    if x.grad is not None:
        x.grad.data.zero_()
    y2.backward()
    print(x.grad)

# %%
g = x.grad
x.grad.data.zero_()
(x ** 3).backward()
print(g, x.grad is g)         # (B)

h = x.grad
x.grad = None
(x ** 3).backward()
print(h, x.grad is h)         # (C)
print(x.grad)

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# `AccumulateGrad` **adds** the incoming gradient into `.grad`; it never replaces it. Within one
# pass that is what the chain rule needs (a leaf used by two operations gets both
# contributions). Across passes, (A) adds the same 20 at every step, and `.grad` grows; zeroing
# before each backward pass gives 20 every time.
#
# * (B) `x.grad.zero_()` keeps the tensor and writes zeros into it, and the next backward pass
#   adds $3 \cdot 10^2$ into that same tensor, so whoever holds it (`g`) sees 300. (The `.data`
#   in `x.grad.data.zero_()`, a common idiom, changes nothing: `.grad` is not part of any graph.)
# * (C) `x.grad = None` drops the tensor, and the next backward pass stores a new one; `h` is
#   the old tensor, untouched. That skips writing zeros and then adding into them, and a `None`
#   tells "no gradient reached this parameter" apart from "the gradient is zero": this is why
#   `optimizer.zero_grad()` and `module.zero_grad()` set `.grad` to `None` by default since
#   PyTorch 2.0 (`set_to_none=True`).
#
# Either way, only leaves have a `.grad` to reset.
#
# </details>

# %% [markdown]
# ### Accumulating on purpose
#
# When a batch does not fit in memory, process it in pieces: one forward and backward pass per
# piece, each loss scaled by its share of the batch, and the gradients add up in `.grad` to the
# gradient of the whole batch. A batch of 8 points, as 2 pieces of 4:

# %%
data_x = torch.linspace(-1, 1, 8)
data_y = 3 * data_x - 0.5
w = torch.tensor(0.5, requires_grad=True)

((w * data_x - data_y) ** 2).mean().backward()          # the whole batch at once
whole = w.grad.clone()

w.grad = None
for piece in (slice(0, 4), slice(4, 8)):                # two pieces, each loss scaled by 1/2
    loss = ((w * data_x[piece] - data_y[piece]) ** 2).mean() / 2
    loss.backward()                                     # adds into w.grad
print(whole, w.grad, torch.allclose(whole, w.grad))

# %% [markdown]
# A training loop runs forward, `backward()`, an update of the parameters and a reset of
# `.grad`, in that order; chapter 9 writes it, and shows what skipping the reset does to it.
#
# ## Summary
#
# * `loss.backward()` starts from the gradient 1 at the output and walks the graph towards the
#   leaves. Each node applies the chain rule locally: the gradient of its output in, the
#   gradients of its inputs out. A built-in node is called like a function,
#   `node(grad_output)`; a custom `Function`'s node runs through `node.apply(grad_output)`.
# * A custom `torch.autograd.Function` is a node you write: `forward` computes and saves,
#   `backward` multiplies `grad_output` by the local derivatives. `gradcheck`, on float64
#   inputs, tests it against finite differences.
# * A node that receives several gradients runs once, on their sum.
# * After `backward()` the nodes have freed their saved tensors; `retain_graph=True` keeps them
#   for another pass over the same graph.
# * Leaves collect their gradient in `.grad` by addition. Reset it between steps, with `zero_()`
#   in place or `= None` (the default of `zero_grad()`), or accumulate on purpose to simulate a
#   bigger batch.
#
# Next, chapter 4: what `backward()` computes when the output is not a single number.

# %% [markdown]
# ## Sources, and where they slip
#
# > This chapter retells examples of these articles, in its own words and with PyTorch
# > 2.13's numbers:
# >
# > * 《Pytorch自动求梯度原理介绍》 by 星尘 ([blog](https://blog.csdn.net/OuDiShenmiss)) and 安晟;
# > * 《pytorch 入门笔记 -02- 自动求导》 by zyk, <https://ld246.com/article/1637720533115>;
# > * 《自动微分模块》 (author and address not recorded);
# > * 《PyTorch 梯度》 (author and address not recorded).
# >
# > Where they slip:
# >
# > * 《自动微分模块》 says that one can backpropagate over part of a graph "through
# >   `retain_graph` or a custom `Function`": `retain_graph=True` only keeps the saved tensors
# >   for another pass over the same graph (section 6), and a custom `Function` adds one node
# >   (section 3); to stop at chosen tensors, ask `torch.autograd.grad` for them, or pass
# >   `inputs=` to `backward()` (chapter 7), and `detach()` cuts a graph (chapter 6).
# > * Its zeroing loop runs on the `x` that its previous example rebound under `no_grad`, so
# >   its `backward()` fails (chapter 5 shows why); and it writes `x.grad.data.zero_()`, where
# >   the `.data` changes nothing (section 7).
# > * 《PyTorch 梯度》 says that the graph is destroyed after `backward()`: the nodes stay and
# >   only what they saved is freed (section 6, exercise 3).
# > * It also says that `retain_graph=True` keeps the graph "and the intermediate gradients": it
# >   keeps the saved tensors, and no gradient of an intermediate result (section 6).
