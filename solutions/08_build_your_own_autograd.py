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
# # Chapter 8: Build your own autograd
#
# In this chapter you write a small autograd engine yourself, on top of NumPy, in about a
# hundred lines. It is PyTorch's design reduced to its bones:
#
# 1. a **tensor** that remembers how it was made: its values, whether it requires grad, its
#    gradient, and the tensors it depends on, each with a **gradient function**;
# 2. **operators** (`+ - * / @`, `sum`) that compute a result at once *and* record that
#    dependency, which builds the graph as the code runs;
# 3. **un-broadcasting**: when an operation stretched an input, its gradient must be summed
#    back to the input's shape, in exactly one place;
# 4. a **backward pass** that walks the graph from the output (the loss) to the leaves in a
#    *topological order*, and why the obvious recursive walk gets a reused node wrong; its parts
#    carry the names of PyTorch's engine (`engine.cpp`);
# 5. and finally a small **neural network trained with your engine**, whose gradients you
#    compare with autograd_core's.
#
# **How to work through it.** Run the cells in order (Shift+Enter). Before a cell marked
# *predict*, decide what it will print, then run it. In each exercise, replace
# `raise NotImplementedError()` with your code; the locked test cell below checks it against
# autograd_core and gives a hint. Grading adds hidden tests (other shapes, bigger graphs), so
# make your code correct in general.
#
# **Stuck on one exercise?** Every operator of our engine first tries your function; while it
# still raises `NotImplementedError`, the operator *borrows* autograd_core's version, so that
# the rest of the chapter runs and every other exercise can be solved and graded on its own.

# %%
import sys

import numpy as np

import autograd_core as torch

# %% [markdown]
# ## 1. What a tensor has to remember
#
# Here is the smallest example worth differentiating, a line $y = x w + b$ with the data
# $x = 3$ and the parameters $w = 2$, $b = 1$, in autograd_core (PyTorch prints the same):

# %%
x = torch.tensor(3.0)
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
y = x * w + b
print(y)
y.backward()
print(x.grad, w.grad, b.grad)

# %% [markdown]
# $\partial y/\partial w = x = 3$ and $\partial y/\partial b = 1$. The data `x` gets no
# gradient: it does not require grad.
#
# To do this, each tensor carries a few fields next to its numbers:
#
# | field           | what it holds |
# |-----------------|---------------|
# | `values`        | the numbers, a NumPy array (PyTorch calls it `data`) |
# | `requires_grad` | whether gradients must flow to this tensor |
# | `grad`          | the gradient that `backward()` stored here, or `None` |
# | `grad_fn`       | how to send a gradient back to the tensors this one was made from |
# | `is_leaf`       | whether this tensor was made by hand rather than by an operation |
#
# and one field that ties them into a graph: the tensors this one was made from, its
# **dependencies**. The picture below is autograd_core's graph for `y`: one grey box per
# recorded operation, the leaves `w` and `b` in blue, `y` in green.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import draw_graph

x = torch.tensor(3.0)
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
y = x * w + b
draw_graph(y, params={"w": w, "b": b})

# %% [markdown]
# Read the arrows forwards and this is the **forward graph**: values flow from `x`, `w`, `b` up
# to `y`. Read them backwards and it is the **backward graph**: gradients flow from `y` down to
# the leaves, and each grey box knows the derivative of its own operation. One structure serves
# both. In PyTorch, `y.grad_fn` is the box that made `y`, and its `next_functions` are the
# dependencies, one per input:

# %%
print(y.grad_fn)
print(y.grad_fn.next_functions)
print(y.grad_fn.next_functions[0][0].next_functions)

# %% [markdown]
# `AddBackward0` leads to `MulBackward0` (for `x * w`) and to the leaf `b` (through
# `AccumulateGrad`, whose job is to add a gradient into `b.grad`). `MulBackward0` leads to
# `(None, 0)` for `x`, which does not require grad, so nothing flows there, and to `w`.
#
# The graph is **dynamic**: it is recorded while your code runs, operation by operation, and
# each value is computed at once. Nothing waits for the whole graph to exist (as in
# TensorFlow 1's static graphs), so plain Python decides what gets recorded:

# %%
for start in (2.0, -2.0):
    v = torch.tensor(start, requires_grad=True)
    out = v * v if v.item() > 0 else -v
    print(start, out.grad_fn.name())

# %% [markdown]
# ## 2. Our `Tensor`
#
# Our engine uses the names of a classic teaching design (credited at the end). A tensor holds `values`, `requires_grad` and `grad`,
# plus `dependency`: a list of pairs `(parent, grad_fn)`, one per tensor it was made from, where
# `grad_fn(grad)` turns the gradient of the loss with respect to this tensor into the gradient
# with respect to that parent (the chain rule, one edge at a time). PyTorch bundles these
# functions into one node, the `grad_fn` you saw above; we keep one plain Python function per
# edge, which is easier to read.
#
# Three rules, all PyTorch's, live in the constructor:
#
# - only parents that **require grad** are recorded (like the `(None, 0)` above: nothing flows
#   to data);
# - a tensor **requires grad** if you asked for it, or if one of its recorded parents does;
# - it is a **leaf** when nothing was recorded: made by hand, or made only from tensors that do
#   not require grad.
#
# The operators call functions that you write in section 4, through `call`, the safety net
# announced above: while your function raises `NotImplementedError`, it borrows autograd_core's.

# %%
class Tensor:
    """An array that remembers the tensors it was made from, and how to send gradients back."""

    def __init__(self, values, requires_grad=False, dependency=()):
        self.values = np.array(values, dtype=np.float64)
        # (parent, grad_fn) pairs; parents that do not require grad are not recorded.
        self.dependency = [(parent, grad_fn) for parent, grad_fn in dependency
                           if parent.requires_grad]
        self.requires_grad = bool(requires_grad) or bool(self.dependency)
        self.grad = None

    @property
    def is_leaf(self):
        return not self.dependency

    @property
    def shape(self):
        return self.values.shape

    def __repr__(self):
        flags = ", requires_grad=True" if self.requires_grad else ""
        flags += "" if self.is_leaf else ", is_leaf=False"
        return f"Tensor({np.array2string(self.values, separator=', ', prefix='Tensor(')}{flags})"

    # Operators: one line each. sub and div are made of the others.
    def __add__(self, other): return call(add, self, other)
    def __radd__(self, other): return call(add, other, self)
    def __sub__(self, other): return self + (-as_tensor(other))
    def __rsub__(self, other): return as_tensor(other) + (-self)
    def __mul__(self, other): return call(mul, self, other)
    def __rmul__(self, other): return call(mul, other, self)
    def __truediv__(self, other): return self * reciprocal(as_tensor(other))
    def __rtruediv__(self, other): return as_tensor(other) * reciprocal(self)
    def __matmul__(self, other): return call(matmul, self, other)
    def __neg__(self): return neg(self)
    def sum(self): return call(tensor_sum, self)
    def tanh(self): return tanh(self)

    def backward(self, gradient=None, retain_graph=False):
        """Like torch.Tensor.backward: fill .grad on the leaves below self (section 5)."""
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have "
                               "a grad_fn")
        if gradient is None:
            if self.values.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            gradient = np.ones_like(self.values)
        backward_with_fallback(self, np.array(gradient, dtype=np.float64), retain_graph)


def as_tensor(value):
    """Tensors pass through; numbers and arrays become leaves that do not require grad."""
    return value if isinstance(value, Tensor) else Tensor(value)


def call(op, *inputs):
    """op(*inputs) with your op; while it is an unsolved exercise, autograd_core's."""
    inputs = [as_tensor(value) for value in inputs]
    try:
        return op(*inputs)
    except NotImplementedError:
        return borrow(BORROWED[op.__name__], *inputs)


def borrow(torch_op, *inputs):
    """A Tensor of ours whose values and grad functions autograd_core computes."""
    mirrors = [torch.tensor(t.values, requires_grad=True) for t in inputs]
    out = torch_op(*mirrors)

    def grad_fn_for(mirror):
        def grad_fn(grad):
            (result,) = torch.autograd.grad(out, mirror, torch.tensor(np.asarray(grad)),
                                            retain_graph=True)
            return result.numpy()
        return grad_fn

    return Tensor(out.detach().numpy(),
                  dependency=[(t, grad_fn_for(m)) for t, m in zip(inputs, mirrors)])


BORROWED = {"add": torch.add, "mul": torch.mul, "matmul": torch.matmul, "tensor_sum": torch.sum}

# %% [markdown]
# The first operation, worked out for you: negation. Its derivative is $-1$, so the gradient
# goes back to `a` with its sign flipped. The function computes the values now and records,
# for later, how to send a gradient back:

# %%
def neg(a):
    """-a. The gradient with respect to a is -grad."""
    return Tensor(-a.values, dependency=[(a, lambda grad: -grad)])


def reciprocal(a):
    """1 / a. d(1/a)/da = -1/a**2, so the gradient with respect to a is -grad / a**2."""
    out = 1.0 / a.values
    return Tensor(out, dependency=[(a, lambda grad: -grad * out * out)])


# %% [markdown]
# `reciprocal` shows the second ingredient: a gradient function usually needs values from the
# forward pass (here `out`). The `lambda` keeps them alive in its closure, which is what
# PyTorch calls **saving tensors for backward**.
#
# Let us check the three rules:

# %%
data = Tensor([1.0, 2.0])
weight = Tensor([3.0, 4.0], requires_grad=True)
u = -data
v = -weight
for name, t in [("data", data), ("weight", weight), ("u", u), ("v", v)]:
    print(f"{name:6} requires_grad={t.requires_grad!s:5} is_leaf={t.is_leaf!s:5} "
          f"dependencies={len(t.dependency)}")
print(v)

# %% [markdown]
# `u` was made from data only, so nothing was recorded: it is a leaf that does not require
# grad, exactly as `torch.ones(2) * 2` would be in PyTorch. `v` depends on `weight`, so it
# requires grad, and it is not a leaf. Its gradient function, called on a gradient of ones:

# %%
parent, grad_fn = v.dependency[0]
print(parent is weight, grad_fn(np.ones(2)))

# %% [markdown]
# ## 3. Broadcasting, undone by summing
#
# `a + b` works on arrays of different shapes by **broadcasting**: a dimension of size 1 (or a
# missing leading dimension) is stretched to match the other operand. A bias of shape `(3,)`
# added to a batch of shape `(2, 3)` is used once per row:

# %%
batch = torch.ones(2, 3)
bias = torch.zeros(3, requires_grad=True)
out = batch + bias
print(out.shape)
out.sum().backward()
print(bias.grad)

# %% [markdown]
# The output has shape `(2, 3)`, so the gradient that arrives at the addition has shape
# `(2, 3)` too. But `bias` has shape `(3,)`, and its gradient must have its shape. Each bias
# entry was used in both rows, so its gradient is the **sum** over the rows: `2` each. With
# an incoming gradient that is not all ones, each entry of `bias`'s gradient is the sum of
# its column:

# %%
import matplotlib.pyplot as plt

incoming = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])   # a gradient for out, shape (2, 3)
summed = incoming.sum(axis=0)                               # bias's gradient, shape (3,)
figure, ax = plt.subplots(figsize=(7, 2.6))
plt.close(figure)
for (row, col), value in np.ndenumerate(incoming):
    ax.add_patch(plt.Rectangle((col, 2 - row), 0.9, 0.9, color="#cfe2f3"))
    ax.text(col + 0.45, 2.45 - row, f"{value:g}", ha="center", va="center")
for col, value in enumerate(summed):
    ax.add_patch(plt.Rectangle((col, -0.6), 0.9, 0.9, color="#d9ead3"))
    ax.text(col + 0.45, -0.15, f"{value:g}", ha="center", va="center")
    ax.annotate("", xy=(col + 0.45, 0.35), xytext=(col + 0.45, 0.95),
                arrowprops={"arrowstyle": "->"})
ax.text(3.2, 1.95, "gradient of out = batch + bias, shape (2, 3)", va="center")
ax.text(3.2, -0.15, "gradient of bias: each column summed, shape (3,)", va="center")
ax.set_xlim(-0.1, 8.5)
ax.set_ylim(-0.8, 3.0)
ax.axis("off")
ax.set_title("Un-broadcasting: the copies of a bias entry send their gradients back, summed")
figure

# %% [markdown]
# The rule in general: broadcasting copies an input along some dimensions, and the gradient of
# a copy is the sum of the gradients of its copies. So to bring a gradient back to an input's
# shape, sum over
#
# - the leading dimensions that broadcasting added (the input had fewer dimensions), and
# - the dimensions where the input had size 1 and the output did not, keeping them as size 1.
#
# PyTorch does this in one place, its engine, on every edge of the graph (and offers it as
# `Tensor.sum_to_size`). Our engine will too, so that no operation has to think about it.
#
# The same in a layer, `x @ W + b`, stepped through in autograd_core's engine (`out` is not a
# scalar, so `backward` needs a gradient). Step to `AddBackward0`: along the edge to `b` it
# returns a `[3, 4]` gradient, which the engine's `validate_outputs` sums down to `[4]`.

# %% skip_parity="steps through autograd_core's own engine (viz.step_backward)"
from autograd_core.viz import step_backward

x = torch.tensor([[1., 2.], [3., 4.], [5., 6.]], requires_grad=True)
W = torch.tensor([[0.5, -1., 2., 0.], [1., 0.5, 0., -1.]], requires_grad=True)
b = torch.zeros(4, requires_grad=True)
out = x @ W + b
step_backward(out, torch.ones(3, 4), params={"x": x, "W": W, "b": b})

# %% [markdown]
# ### Exercise 1: `sum_to_size`
#
# Write `sum_to_size(grad, shape)`: `grad` is a NumPy array whose shape is a broadcast of
# `shape`; return the array summed down to exactly `shape`. For example a `grad` of shape
# `(4, 2, 3)` goes to `(2, 1)` by summing over the first dimension (added) and over the last one
# (stretched from 1 to 3), giving shape `(2, 1)`. `np.sum(array, axis=..., keepdims=...)` takes
# a tuple of axes. Do not modify `grad`.

# %% nbgrader={"grade": false, "grade_id": "ex1_sum_to_size", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sum_to_size(grad, shape):
    """Sum grad over the dimensions broadcasting added or stretched, to get `shape`."""
    ### BEGIN SOLUTION
    shape = tuple(shape)
    added = grad.ndim - len(shape)
    grad = np.sum(grad, axis=tuple(range(added)))
    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    return np.sum(grad, axis=stretched, keepdims=True)
    ### END SOLUTION


# %% [markdown]
# The test compares your function with autograd_core, through this helper: the gradient that
# autograd_core's engine hands back to `x` in `x + zeros(grad.shape)` is exactly `grad` summed
# to `x`'s shape.

# %%
def reference_sum_to_size(grad, shape):
    """autograd_core's un-broadcasting, for checking (and for borrowing)."""
    x = torch.zeros(tuple(shape), dtype=torch.float64, requires_grad=True)
    y = x + torch.zeros(np.shape(grad), dtype=torch.float64)
    (reduced,) = torch.autograd.grad(y, x, torch.tensor(np.asarray(grad, dtype=np.float64)))
    return reduced.numpy()


# %% nbgrader={"grade": true, "grade_id": "ex1_sum_to_size_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

cases = [((2, 3), (3,)), ((4, 2, 3), (2, 1)), ((2, 3), (2, 3)), ((5, 4), ())]
for grad_shape, shape in cases:
    grad = np.arange(np.prod(grad_shape), dtype=np.float64).reshape(grad_shape)
    untouched = grad.copy()
    try:
        got = sum_to_size(grad, shape)
    except NotImplementedError:
        raise AssertionError(
            message("{function} is not written yet (it raises NotImplementedError); expected an "
                    "array of the requested shape. Hint: replace raise NotImplementedError() "
                    "with your code.",
                    function="sum_to_size")
        ) from None
    assert type(got) in (np.ndarray, np.float64), message(
        "sum_to_size(grad of shape {grad_shape}, {shape}) returned a {got_type}; "
        "expected a NumPy array. Hint: np.sum(..., keepdims=True) keeps it an array.",
        grad_shape=grad_shape, shape=shape, got_type=type(got).__name__
    )
    assert np.shape(got) == shape, message(
        "sum_to_size(grad of shape {grad_shape}, {shape}) returned shape {got_shape}; "
        "expected exactly the requested shape. Hint: sum over the added leading dimensions, "
        "and with keepdims=True over the dimensions that were 1 in `shape`.",
        grad_shape=grad_shape, shape=shape, got_shape=np.shape(got)
    )
    assert np.allclose(got, reference_sum_to_size(untouched, shape)), message(
        "sum_to_size(grad of shape {grad_shape}, {shape}) returned {got!r}; expected the "
        "same sums as autograd_core's engine. Hint: each entry of the result is the sum of "
        "all the entries of grad that broadcasting copied it to.",
        grad_shape=grad_shape, shape=shape, got=got
    )
    assert np.array_equal(grad, untouched), message(
        "sum_to_size changed its argument grad; expected it to leave grad as it was. "
        "Hint: np.sum returns a new array, unlike in-place operations such as +=."
    )
### BEGIN HIDDEN TESTS
import autograd_core as _torch
import numpy as _np


def _reference(grad, shape):
    x = _torch.zeros(tuple(shape), dtype=_torch.float64, requires_grad=True)
    y = x + _torch.zeros(grad.shape, dtype=_torch.float64)
    return _torch.autograd.grad(y, x, _torch.tensor(grad))[0].numpy()


_rng = _np.random.default_rng(8)
_cases = [((3, 4), (1, 4)), ((3, 4), (3, 1)), ((3, 4), (1, 1)), ((2, 3, 4), (4,)),
          ((2, 3, 4), (3, 1)), ((1, 3), (1, 3)), ((6,), ()), ((), ()), ((2, 1, 5), (1, 1, 5))]
for _ in range(20):                       # random shapes and random broadcasts of them
    _shape = tuple(int(n) for n in _rng.integers(1, 4, size=_rng.integers(0, 4)))
    _big = tuple(int(n) for n in _rng.integers(1, 4, size=_rng.integers(0, 2))) + tuple(
        int(_rng.integers(2, 4)) if n == 1 and _rng.random() < 0.6 else n for n in _shape)
    _cases.append((_big, _shape))
for _grad_shape, _shape in _cases:
    _grad = _rng.standard_normal(_grad_shape)
    _keep = _grad.copy()
    _got = sum_to_size(_grad, _shape)
    assert type(_got) in (_np.ndarray, _np.float64), (_grad_shape, _shape)
    assert _np.shape(_got) == _shape, (_grad_shape, _shape, _np.shape(_got))
    assert _np.allclose(_got, _reference(_keep, _shape)), (_grad_shape, _shape)
    assert _np.array_equal(_grad, _keep)
### END HIDDEN TESTS

# %% [markdown]
# Our engine will call your function through `unbroadcast`, on every edge, when it hands a
# gradient to a parent. Like every piece of glue in this chapter, it borrows autograd_core's
# version while your exercise is unsolved. When the shapes already agree there is nothing to do.

# %%
def unbroadcast(grad, shape):
    """grad summed down to `shape` by your sum_to_size (or autograd_core's, until solved)."""
    if np.shape(grad) == tuple(shape):
        return grad
    try:
        return sum_to_size(grad, shape)
    except NotImplementedError:
        return reference_sum_to_size(grad, shape)


rows_summed = unbroadcast(np.ones((2, 3)), (3,))
summed_twice = unbroadcast(np.ones((4, 2, 3)), (2, 1))
print(f"{rows_summed}\n{summed_twice}")

# %% [markdown]
# ## 4. Operations that record the graph
#
# Every operation follows the pattern of `neg` and `reciprocal`: compute the values with
# NumPy, and return `Tensor(values, dependency=[(input, grad_fn), ...])`, one pair per input,
# **in the order of the inputs**, where `grad_fn(grad)` receives the gradient with respect to
# the output (an array of the output's shape) and returns the gradient with respect to that
# input. The constructor drops the inputs that do not require grad, so list them all.
#
# A gradient function may return an array of the *output's* shape even when its input was
# broadcast: the engine un-broadcasts it (section 3). That is what keeps the functions short.
#
# The tests compare each operation with autograd_core on the same inputs: same values, and the
# same gradients for a random `grad`. You can run the same comparison yourself with this helper;
# it returns a list of what differs (empty when all is well).

# %%
from course_messages import message


def compare_with_autograd_core(op, torch_op, *inputs):
    """Run op (yours) and torch_op (autograd_core's) on the same inputs; list the differences."""
    name = op.__name__
    try:
        out = op(*inputs)
    except NotImplementedError:
        return [message("{function} is not written yet (it raises NotImplementedError); "
                        "expected a Tensor.", function=name)]
    if type(out) is not Tensor or type(out.values) is not np.ndarray or \
            type(out.dependency) is not list:
        return [message("{function} returned a {got_type}; expected a Tensor (this notebook's "
                        "class, its values a NumPy array, its dependency a list).",
                        function=name, got_type=type(out).__name__)]
    mirrors = [torch.tensor(t.values, requires_grad=True) for t in inputs]
    expected = torch_op(*mirrors)
    if out.shape != tuple(expected.shape) or not np.allclose(out.values, expected.detach().numpy()):
        return [message("{function} gave values of shape {shape}: {values!r}; expected the "
                        "values that autograd_core computes.",
                        function=name, shape=out.shape, values=out.values)]
    parents = [parent for parent, _ in out.dependency]
    if len(parents) != len(inputs):
        return [message("{function}'s result has {count} dependencies; expected one "
                        "(input, grad_fn) pair per input.", function=name, count=len(parents))]
    if any(p is not t for p, t in zip(parents, inputs)):
        return [message("{function}'s dependency pairs name other tensors, or the inputs in "
                        "another order; expected the inputs themselves, in the order of the "
                        "arguments.", function=name)]
    grad = np.random.default_rng(0).standard_normal(out.shape)
    wanted = torch.autograd.grad(expected, mirrors, torch.tensor(grad))
    problems = []
    for index, ((parent, grad_fn), want) in enumerate(zip(out.dependency, wanted)):
        try:
            got = reference_sum_to_size(np.asarray(grad_fn(grad), dtype=np.float64), parent.shape)
        except (RuntimeError, ValueError) as error:
            problems.append(message(
                "{function}: grad_fn for input {index} (shape {shape}) failed or returned a "
                "gradient of the wrong shape ({error_type}: {error}); expected the output's shape "
                "or the input's.",
                function=name, index=index, shape=parent.shape, error_type=type(error).__name__,
                error=str(error).splitlines()[0][:200]))
            continue
        if not np.allclose(got, want.numpy()):
            problems.append(message("{function}: grad_fn for input {index} returned {got!r}; "
                                    "expected the gradient that autograd_core computes.",
                                    function=name, index=index, got=got))
    return problems


# %% [markdown]
# ### Exercise 2: `add`
#
# Write `add(a, b)`, the function behind `a + b`. Both are our Tensors, of the same shape or
# broadcastable shapes. For $c = a + b$: $\partial c/\partial a = 1$ and
# $\partial c/\partial b = 1$, elementwise.

# %% nbgrader={"grade": false, "grade_id": "ex2_add", "locked": false, "schema_version": 3, "solution": true, "task": false}
def add(a, b):
    """a + b, recording how to send a gradient back to a and to b."""
    ### BEGIN SOLUTION
    return Tensor(a.values + b.values, dependency=[(a, lambda grad: grad), (b, lambda grad: grad)])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_add_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

rng = np.random.default_rng(2)
for shapes in [((2, 3), (2, 3)), ((2, 3), (3,))]:
    a, b = (Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    problems = compare_with_autograd_core(add, torch.add, a, b)
    assert not problems, message(
        "With inputs of shapes {shapes}: {problem} Hint: return Tensor(values, "
        "dependency=[(a, ...), (b, ...)]); what does a small change in a do to a + b?",
        shapes=shapes, problem=problems[0]
    )
c = add(Tensor([1.0, 2.0]), Tensor([3.0, 4.0]))
assert type(c) is Tensor and c.is_leaf and c.requires_grad is False, message(
    "add of two tensors that do not require grad returned a tensor with requires_grad="
    "{requires_grad}, is_leaf={is_leaf}; expected a leaf that does not require grad. "
    "Hint: pass every input in `dependency` and let the Tensor constructor filter them.",
    requires_grad=c.requires_grad, is_leaf=c.is_leaf
)
### BEGIN HIDDEN TESTS
# notebook names: Tensor
import autograd_core as _torch
import numpy as _np


def _check(op, torch_op, shapes, seed):
    _rng = _np.random.default_rng(seed)
    _inputs = [Tensor(_rng.standard_normal(s), requires_grad=True) for s in shapes]
    _out = op(*_inputs)
    _mirrors = [_torch.tensor(t.values, requires_grad=True) for t in _inputs]
    _expected = torch_op(*_mirrors)
    assert type(_out) is Tensor and type(_out.values) is _np.ndarray and \
        type(_out.dependency) is list and _out.shape == tuple(_expected.shape), shapes
    assert _np.allclose(_out.values, _expected.detach().numpy()), shapes
    assert [id(p) for p, _ in _out.dependency] == [id(t) for t in _inputs], shapes
    _g = _rng.standard_normal(_out.shape)
    _wanted = _torch.autograd.grad(_expected, _mirrors, _torch.tensor(_g))
    for (_p, _fn), _want in zip(_out.dependency, _wanted):
        _x = _torch.zeros(_p.shape, dtype=_torch.float64, requires_grad=True)
        _got = _np.asarray(_fn(_g), dtype=_np.float64)
        _y = _x + _torch.zeros(_got.shape, dtype=_torch.float64)
        _reduced = _torch.autograd.grad(_y, _x, _torch.tensor(_got))[0].numpy()
        assert _np.allclose(_reduced, _want.numpy()), shapes


for _i, _shapes in enumerate([((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3)), ((5, 1, 3), (2, 1)),
                              ((4,), ()), ((1,), (1,)), ((2, 2), (2, 2))]):
    _check(add, _torch.add, _shapes, _i)
_data = Tensor([1.0, 2.0])
_param = Tensor([0.5, 0.5], requires_grad=True)
_half = add(_data, _param)
assert type(_half) is Tensor and type(_half.dependency) is list
assert _half.requires_grad is True and not _half.is_leaf and len(_half.dependency) == 1
assert _half.dependency[0][0] is _param
_data_only = add(Tensor(_np.zeros((2, 1))), Tensor(_np.ones(3)))
assert type(_data_only) is Tensor and _data_only.is_leaf and _data_only.requires_grad is False
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: `mul`
#
# Write `mul(a, b)`, the elementwise product behind `a * b` (shapes may broadcast). For
# $c = a \cdot b$: $\partial c/\partial a = b$ and $\partial c/\partial b = a$. Your gradient
# functions need the inputs' values: read them from `a.values` and `b.values`.

# %% nbgrader={"grade": false, "grade_id": "ex3_mul", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mul(a, b):
    """a * b elementwise, recording how to send a gradient back to a and to b."""
    ### BEGIN SOLUTION
    return Tensor(a.values * b.values,
                  dependency=[(a, lambda grad: grad * b.values), (b, lambda grad: grad * a.values)])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_mul_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

rng = np.random.default_rng(3)
for shapes in [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 2))]:
    a, b = (Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    problems = compare_with_autograd_core(mul, torch.mul, a, b)
    assert not problems, message(
        "With inputs of shapes {shapes}: {problem} Hint: the gradient with respect to a "
        "is the incoming grad times the other input's values, and the other way round.",
        shapes=shapes, problem=problems[0]
    )
### BEGIN HIDDEN TESTS
# notebook names: Tensor
import autograd_core as _torch
import numpy as _np

for _i, _shapes in enumerate([((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3)), ((5, 1, 3), (2, 1)),
                              ((4,), ()), ((1,), (1,)), ((2, 2), (2, 2)), ((3,), (2, 3))]):
    _rng = _np.random.default_rng(100 + _i)
    _inputs = [Tensor(_rng.standard_normal(s), requires_grad=True) for s in _shapes]
    _out = mul(*_inputs)
    _mirrors = [_torch.tensor(t.values, requires_grad=True) for t in _inputs]
    _expected = _mirrors[0] * _mirrors[1]
    assert type(_out) is Tensor and type(_out.values) is _np.ndarray and \
        type(_out.dependency) is list and _out.shape == tuple(_expected.shape), _shapes
    assert _np.allclose(_out.values, _expected.detach().numpy()), _shapes
    assert [id(p) for p, _ in _out.dependency] == [id(t) for t in _inputs], _shapes
    _g = _rng.standard_normal(_out.shape)
    _wanted = _torch.autograd.grad(_expected, _mirrors, _torch.tensor(_g))
    for (_p, _fn), _want in zip(_out.dependency, _wanted):
        _x = _torch.zeros(_p.shape, dtype=_torch.float64, requires_grad=True)
        _got = _np.asarray(_fn(_g), dtype=_np.float64)
        _y = _x + _torch.zeros(_got.shape, dtype=_torch.float64)
        _reduced = _torch.autograd.grad(_y, _x, _torch.tensor(_got))[0].numpy()
        assert _np.allclose(_reduced, _want.numpy()), _shapes
_same = Tensor([2.0, 3.0], requires_grad=True)
_square = mul(_same, _same)                     # both edges lead to the same tensor
assert type(_square) is Tensor and type(_square.dependency) is list
assert len(_square.dependency) == 2
assert _np.allclose(sum(_np.asarray(fn(_np.ones(2))) for _, fn in _square.dependency), [4.0, 6.0])
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4: `matmul`
#
# Write `matmul(a, b)`, the matrix product behind `a @ b`, for inputs with at least two
# dimensions (NumPy's `@` then treats any leading dimensions as a batch, broadcasting them).
# For $C = AB$ and the gradient $G = \partial L/\partial C$:
#
# $$\frac{\partial L}{\partial A} = G\,B^\top, \qquad \frac{\partial L}{\partial B} = A^\top G$$
#
# where $^\top$ swaps the **last two** dimensions (`np.swapaxes(m, -1, -2)`; for 2-D arrays
# that is `m.T`). A quick shape check: `G` has `C`'s shape `(n, p)`, `B` is `(m, p)`, so
# $G B^\top$ is `(n, m)`, `A`'s shape. With a batch, the products come out with the batch's
# shape, and the engine sums them down to each input's shape.

# %% nbgrader={"grade": false, "grade_id": "ex4_matmul", "locked": false, "schema_version": 3, "solution": true, "task": false}
def matmul(a, b):
    """a @ b (both at least 2-D), recording how to send a gradient back to a and to b."""
    ### BEGIN SOLUTION
    return Tensor(a.values @ b.values, dependency=[
        (a, lambda grad: grad @ np.swapaxes(b.values, -1, -2)),
        (b, lambda grad: np.swapaxes(a.values, -1, -2) @ grad),
    ])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_matmul_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

rng = np.random.default_rng(4)
for shapes in [((2, 3), (3, 4)), ((3, 3), (3, 1))]:
    a, b = (Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    problems = compare_with_autograd_core(matmul, torch.matmul, a, b)
    assert not problems, message(
        "With inputs of shapes {shapes}: {problem} Hint: check the shapes first: the "
        "gradient for a must be able to have a's shape, and the one for b, b's shape.",
        shapes=shapes, problem=problems[0]
    )
### BEGIN HIDDEN TESTS
# notebook names: Tensor
import autograd_core as _torch
import numpy as _np

for _i, _shapes in enumerate([((1, 5), (5, 2)), ((4, 2), (2, 4)), ((5, 2, 3), (3, 4)),
                              ((2, 3), (6, 3, 2)), ((1, 2, 3), (4, 3, 5)), ((2, 1, 3, 2), (5, 2, 2))]):
    _rng = _np.random.default_rng(200 + _i)
    _inputs = [Tensor(_rng.standard_normal(s), requires_grad=True) for s in _shapes]
    _out = matmul(*_inputs)
    _mirrors = [_torch.tensor(t.values, requires_grad=True) for t in _inputs]
    _expected = _torch.matmul(*_mirrors)
    assert type(_out) is Tensor and type(_out.values) is _np.ndarray and \
        type(_out.dependency) is list and _out.shape == tuple(_expected.shape), _shapes
    assert _np.allclose(_out.values, _expected.detach().numpy()), _shapes
    assert [id(p) for p, _ in _out.dependency] == [id(t) for t in _inputs], _shapes
    _g = _rng.standard_normal(_out.shape)
    _wanted = _torch.autograd.grad(_expected, _mirrors, _torch.tensor(_g))
    for (_p, _fn), _want in zip(_out.dependency, _wanted):
        _x = _torch.zeros(_p.shape, dtype=_torch.float64, requires_grad=True)
        _got = _np.asarray(_fn(_g), dtype=_np.float64)
        _y = _x + _torch.zeros(_got.shape, dtype=_torch.float64)
        _reduced = _torch.autograd.grad(_y, _x, _torch.tensor(_got))[0].numpy()
        assert _np.allclose(_reduced, _want.numpy()), _shapes
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5: `tensor_sum`
#
# Write `tensor_sum(a)`, the function behind `a.sum()`: the sum of all the entries, a tensor of
# shape `()`. Each entry of `a` contributes to the sum with weight 1, so the gradient with
# respect to `a` is the incoming (one-number) gradient, copied to every entry: it must come out
# with **`a`'s shape** (this is the opposite of un-broadcasting, which the engine will not do
# for you). `np.broadcast_to` or multiplying by `np.ones_like(...)` both work.

# %% nbgrader={"grade": false, "grade_id": "ex5_sum", "locked": false, "schema_version": 3, "solution": true, "task": false}
def tensor_sum(a):
    """The sum of all the entries of a, recording how to send a gradient back to a."""
    ### BEGIN SOLUTION
    return Tensor(a.values.sum(), dependency=[(a, lambda grad: grad * np.ones_like(a.values))])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_sum_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

rng = np.random.default_rng(5)
for shape in [(2, 3), (4,)]:
    a = Tensor(rng.standard_normal(shape), requires_grad=True)
    problems = compare_with_autograd_core(tensor_sum, torch.sum, a)
    assert not problems, message(
        "With an input of shape {shape}: {problem} Hint: the result has shape (); its "
        "gradient function gets a one-number grad and must return an array of a's shape.",
        shape=shape, problem=problems[0]
    )
### BEGIN HIDDEN TESTS
# notebook names: Tensor
import autograd_core as _torch
import numpy as _np

for _i, _shape in enumerate([(), (1,), (3, 1, 2), (2, 2, 2, 2), (7,)]):
    _rng = _np.random.default_rng(300 + _i)
    _a = Tensor(_rng.standard_normal(_shape), requires_grad=True)
    _out = tensor_sum(_a)
    _mirror = _torch.tensor(_a.values, requires_grad=True)
    _expected = _mirror.sum()
    assert type(_out) is Tensor and type(_out.values) is _np.ndarray and \
        type(_out.dependency) is list and _out.shape == (), _shape
    assert _np.allclose(_out.values, _expected.item()), _shape
    assert len(_out.dependency) == 1 and _out.dependency[0][0] is _a
    _g = _np.array(_rng.standard_normal())
    (_want,) = _torch.autograd.grad(_expected, _mirror, _torch.tensor(_g))
    _got = _np.asarray(_out.dependency[0][1](_g), dtype=_np.float64)
    assert _got.shape == _shape and _np.allclose(_got, _want.numpy()), _shape
_constant = tensor_sum(Tensor([1.0, 2.0]))
assert type(_constant) is Tensor and _constant.is_leaf
### END HIDDEN TESTS

# %% [markdown]
# With four operations (and `neg`, `reciprocal`), every operator of `Tensor` works. Here is the
# line of section 1 again, in our engine, with its dependencies:

# %%
x = Tensor(3.0)
w = Tensor(2.0, requires_grad=True)
b = Tensor(1.0, requires_grad=True)
y = x * w + b
print(y)
for parent, grad_fn in y.dependency:
    print("  made from", parent, "which is a leaf:", parent.is_leaf)

# %% [markdown]
# `y` records two dependencies: `x * w` (not a leaf) and `b`. And `x * w` records only `w`:
# `x` does not require grad, like the `(None, 0)` in PyTorch's `next_functions`.
#
# ## 5. The backward pass
#
# Now the graph has to be walked, from the output down to the leaves. The usual one-sentence
# description: from the top node (the loss), traverse the graph, for example depth first.
# Taken literally: a recursive walk that keeps a running total of the gradient on **every**
# node it visits and passes that total on to the node's parents.

# %%
def naive_backward(node, grad):
    """Add grad to node.grad, then pass node.grad on to each parent. (Wrong in general!)"""
    node.grad = grad if node.grad is None else node.grad + grad
    for parent, grad_fn in node.dependency:
        naive_backward(parent, unbroadcast(grad_fn(node.grad), parent.shape))


# %% [markdown]
# On a chain it works: for $y = \sum_i (3 w_i + 1)$, $\partial y/\partial w_i = 3$.

# %%
w = Tensor([1.0, 2.0], requires_grad=True)
hidden = w * 3 + 1
y = hidden.sum()
naive_backward(y, np.ones(()))
print(w.grad)
print(hidden.grad)

# %% [markdown]
# It also filled `hidden.grad` (and `y.grad`): this version keeps a gradient on every node.
#
# ### Exercise 6 (predict, then run): a node used twice
#
# Now a **diamond**: `b` is used twice by `c`, and `a` twice by `b`. With $a = 1$,
# $c = b + b = 4a$, so $\partial c/\partial a = 4$. The next cell runs `naive_backward` on it
# and prints nothing.

# %%
a = Tensor(1.0, requires_grad=True)
b = a + a
c = b + b
naive_backward(c, np.ones(()))

# %% [markdown]
# What number is in `a.grad` now? Follow `naive_backward` by hand: `c` passes its gradient to
# its first parent `b`, which passes its own gradient to `a` twice, then `c` passes to `b`
# again... Replace `raise NotImplementedError()` with `naive_a_grad = ...`, a number.

# %% nbgrader={"grade": false, "grade_id": "ex6_naive_diamond", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
naive_a_grad = 6.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex6_naive_diamond_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_messages import message

assert "naive_a_grad" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="naive_a_grad"
)
assert type(naive_a_grad) in (int, float), message(
    "Expected naive_a_grad to be a number; got {got!r}.", got=naive_a_grad
)
check_a = Tensor(1.0, requires_grad=True)
check_b = borrow(torch.add, check_a, check_a)          # b = a + a, whatever your add does
check_c = borrow(torch.add, check_b, check_b)          # c = b + b
naive_backward(check_c, np.ones(()))
assert naive_a_grad == float(check_a.grad), message(
    "Expected the value naive_backward leaves in a.grad; got {got!r}. Hint: it is "
    "not the true derivative. Count what b sends to a on each of the two visits that c makes "
    "to b, remembering that b.grad keeps growing between them.",
    got=naive_a_grad
)
### BEGIN HIDDEN TESTS
assert type(naive_a_grad) in (int, float)
assert naive_a_grad == 6
### END HIDDEN TESTS

# %%
print(a.grad)                        # what naive_backward left in a.grad
ta = torch.tensor(1.0, requires_grad=True)
tb = ta + ta
(tb + tb).backward()
print(ta.grad)                       # the derivative, from autograd_core

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# On its first visit `b` has received only half of its gradient (`1` of `2`), and passes that
# on; on its second visit it passes its whole, accumulated gradient (`2`), so the first half is
# sent twice: $2 + (2 + 2) = 6$, where the derivative is 4.
#
# </details>

# %% [markdown]
# ### Waiting for the whole gradient
#
# The lesson: **a node may pass its gradient on only once it has received all of it**, from
# every node that uses it. Passing each incoming gradient straight through, without storing
# (`naive_backward(parent, grad_fn(grad))`), would be correct, but it walks every *path* from
# the output to each leaf, and the number of paths grows exponentially with the number of
# reused nodes. Stack diamonds (`x = x + x`, ten times over) and count the calls:

# %%
def path_backward(node, grad, calls):
    """Correct, but visits each node once per path from the output."""
    calls[0] += 1
    if node.is_leaf:
        node.grad = grad if node.grad is None else node.grad + grad
    for parent, grad_fn in node.dependency:
        path_backward(parent, unbroadcast(grad_fn(grad), parent.shape), calls)


report = []
for depth in (2, 4, 6, 8, 10):
    a = Tensor(1.0, requires_grad=True)
    x = a
    for _ in range(depth):
        x = x + x
    calls = [0]
    path_backward(x, np.ones(()), calls)
    report.append(f"{depth:2} diamonds: {depth + 1:2} nodes, {calls[0]:5} calls, a.grad = {a.grad}")
print("\n".join(report))

# %% [markdown]
# The gradient is right ($2^{10} = 1024$), but 11 nodes cost 2047 calls, and a network with a
# few dozen reused tensors would never finish.
#
# Recursion has a second problem: depth. Python stops a recursion after about a thousand
# nested calls, and a graph can be much deeper than that (a recurrent network unrolled over a
# long sequence, say). A chain of 2000 negations:

# %%
x = Tensor(1.0, requires_grad=True)
y = x
for _ in range(2000):
    y = -y
try:
    naive_backward(y, np.ones(()))
except RecursionError:
    print(f"RecursionError: deeper than Python's limit of {sys.getrecursionlimit()} calls")

# %% [markdown]
# PyTorch's engine (and autograd_core's) walks that chain without trouble:

# %%
tx = torch.tensor(1.0, requires_grad=True)
ty = tx
for _ in range(2000):
    ty = -ty
ty.backward()
tx.grad

# %% [markdown]
# ### The fix: a topological order
#
# Run each node **once**, and only after every node that uses it has run. An order of the
# nodes where each node comes before all the nodes it was made from is a **topological
# order** of the graph. Walking it, the gradients that flow into a node are all summed by the
# time it runs: the diamond gives 4, the stack of diamonds costs one visit per node.
#
# Two ways to get such an order, both without recursion (a Python list as a stack or a queue):
#
# - **Counting (Kahn's algorithm, what PyTorch's engine does).** First walk the graph once to
#   count, for every node, how many edges point into it (how many times it appears in some
#   node's `dependency`). Then start from the output; whenever a node runs, decrease the count
#   of each of its parents, and a parent whose count reaches zero has received all its
#   gradient: it is ready to run.
# - **Depth-first, then reversed.** List each node after all the nodes it was made from (a
#   post-order, with an explicit stack), then reverse the list.
#
# ### Exercise 7: `topological_order`
#
# Write `topological_order(root)`: a list of every tensor reachable from `root` through
# `dependency` (`root` and the leaves included), each **exactly once**, each **before** every
# tensor in its `dependency`, so `root` comes first. Choose your way, without recursion: the
# tests use a chain 2,000 tensors deep. A leaf's `dependency` is empty; a tensor that does not
# require grad is never in one (the constructor dropped it, where PyTorch puts `None` in
# `next_functions`); a parent used twice, as in `a + a`, is listed twice.

# %% nbgrader={"grade": false, "grade_id": "ex7_topological_order", "locked": false, "schema_version": 3, "solution": true, "task": false}
def topological_order(root):
    """Every tensor reachable from root, each once, each before the tensors it was made from."""
    ### BEGIN SOLUTION
    finished, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:                      # everything below node is finished
            finished.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent, _ in node.dependency
                         if parent not in visited)
    finished.reverse()
    return finished
    ### END SOLUTION


# %% [markdown]
# The tests build small graphs by hand (`made_from(values, *parents)`) and name their tensors:
# the diamond, `u` used directly and through `e = u.exp()`, the line of section 1, a deep chain.

# %% nbgrader={"grade": true, "grade_id": "ex7_topological_order_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_messages import message


def made_from(values, *parents):
    """A tensor made from parents, in order (with gradient functions that just pass grad on)."""
    return Tensor(values, dependency=[(parent, lambda grad: grad) for parent in parents])


def check_order(root, names, what):
    """Run topological_order(root) and check the list; names maps every tensor to its name."""
    try:
        order = topological_order(root)
    except NotImplementedError:
        raise AssertionError(
            message("{function} is not written yet (it raises NotImplementedError); expected a "
                    "list of tensors. Hint: replace raise NotImplementedError() with your code.",
                    function="topological_order")
        ) from None
    except RecursionError:
        raise AssertionError(
            message("topological_order raised RecursionError on {what}; expected a list of its "
                    "{count} tensors. Hint: keep the tensors still to visit in a list used as a "
                    "stack, instead of a function that calls itself.",
                    what=what, count=len(names))
        ) from None
    except Exception as error:
        raise AssertionError(
            message("topological_order raised {error_type} ({error}) on {what}; expected a list "
                    "of tensors. Hint: a tensor's parents are the first items of the pairs in "
                    "its dependency, which is empty for a leaf.",
                    error_type=type(error).__name__, error=error, what=what)
        ) from None
    assert type(order) is list and all(type(t) is Tensor for t in order), message(
        "topological_order on {what} returned {order_type} {order!r:.80}; expected "
        "a list of the tensors themselves. Hint: append each tensor, not its values or its "
        "(parent, grad_fn) pairs.",
        what=what, order_type=type(order).__name__, order=order
    )
    label = [names.get(t, "?") for t in order]
    shown = label if len(label) <= 8 else label[:8] + ["..."]
    twice = sorted({name for name in label if label.count(name) > 1})
    assert not twice, message(
        "topological_order on {what} returned {got}, with {names} more than once; "
        "expected each tensor exactly once. Hint: keep a set of the tensors you have visited "
        "and skip one you meet again.",
        what=what, got=shown, names=", ".join(twice)
    )
    missing = [name for t, name in names.items() if not any(t is o for o in order)]
    assert not missing and len(order) == len(names), message(
        "topological_order on {what} returned {got}, without {missing}; expected all "
        "{count} tensors, root and leaves included. Hint: follow every parent of every "
        "dependency down to the leaves.",
        what=what, got=shown, missing=missing, count=len(names)
    )
    assert order[0] is root, message(
        "topological_order on {what} returned {got}, which starts with {first}; expected "
        "the root, {root}, first. Hint: nothing uses the root; a list built in finishing "
        "order must be reversed at the end.",
        what=what, got=shown, first=label[0], root=names[root]
    )
    position = {t: i for i, t in enumerate(order)}
    for node in order:
        for parent, _ in node.dependency:
            assert position[parent] > position[node], message(
                "topological_order on {what} returned {got}: {parent} comes before "
                "{child}, which was made from it; expected every tensor before all the "
                "tensors it was made from. Hint: list a tensor only once every tensor that uses "
                "it is listed; appending a tensor the first time you reach it is too early.",
                what=what, got=shown, parent=names[parent], child=names[node]
            )


graphs = []                               # (root, a name for each tensor, the graph in words)
a = Tensor(1.0, requires_grad=True)
b = made_from(2.0, a, a)
c = made_from(4.0, b, b)
graphs.append((c, {c: "c", b: "b", a: "a"}, message("the diamond c = b + b, b = a + a")))
for formula in ("u + e", "e + u"):
    x = Tensor(1.5, requires_grad=True)
    u = made_from(3.0, x)
    e = made_from(np.exp(3.0), u)
    s = made_from(3.0 + np.exp(3.0), *((u, e) if formula == "u + e" else (e, u)))
    w = made_from(s.values, s)
    graphs.append((w, {w: "w", s: "s", e: "e", u: "u", x: "x"},
                   f"w = s.sum(), s = {formula}, e = u.exp(), u = 2 * x"))
x = Tensor(3.0)
w = Tensor(2.0, requires_grad=True)
b = Tensor(1.0, requires_grad=True)
xw = made_from(6.0, x, w)                 # x does not require grad: not recorded
y = made_from(7.0, xw, b)
graphs.append((y, {y: "y", xw: "xw", w: "w", b: "b"}, message("the line y = x * w + b (x is data)")))
chain = [Tensor(1.0, requires_grad=True)]
for _ in range(2000):
    chain.append(made_from(1.0, chain[-1]))
graphs.append((chain[-1], {t: f"t{i}" for i, t in enumerate(chain)},
               message("a chain of 2,000 tensors, each made from the one before")))
for root, names, what in graphs:
    check_order(root, names, what)
### BEGIN HIDDEN TESTS
# notebook names: Tensor
import random

import numpy as _np


def _made(*parents):
    return Tensor(0.0, dependency=[(p, lambda grad: grad) for p in parents])


def _valid(root, size):
    _order = topological_order(root)
    assert type(_order) is list and len(_order) == size and _order[0] is root
    assert len({id(t) for t in _order}) == size
    _pos = {id(t): i for i, t in enumerate(_order)}
    for _node in _order:
        for _parent, _ in _node.dependency:
            assert _pos[id(_parent)] > _pos[id(_node)]


# a tensor used directly and through another, both ways round, one level deeper
for _flip in (False, True):
    _x = Tensor(_np.ones(3), requires_grad=True)
    _u = _made(_x)
    _t = _made(_made(_u))
    _s = _made(*((_t, _u) if _flip else (_u, _t)))
    _valid(_made(_s, _x), 6)
# random graphs: each new tensor made from one to three earlier ones, some data among the leaves
_rng = random.Random(5)
for _trial in range(12):
    _pool = [Tensor(1.0, requires_grad=_rng.random() < 0.7) for _ in range(3)]
    _pool[0] = Tensor(1.0, requires_grad=True)
    for _ in range(_rng.randint(4, 25)):
        _pool.append(_made(*(_rng.choice(_pool) for _ in range(_rng.randint(1, 3)))))
    _root = _made(*_pool[-3:], _pool[0])
    _seen, _stack = {id(_root)}, [_root]
    while _stack:
        for _p, _ in _stack.pop().dependency:
            if id(_p) not in _seen:
                _seen.add(id(_p))
                _stack.append(_p)
    _valid(_root, len(_seen))
# a deeper chain, and a ladder of 12 diamonds
_deep = Tensor(1.0, requires_grad=True)
for _ in range(3000):
    _deep = _made(_deep)
_valid(_deep, 3001)
_t = Tensor(1.0, requires_grad=True)
for _ in range(12):
    _t = _made(_t, _t)
_valid(_t, 13)
assert len(topological_order(_t)) == 13
### END HIDDEN TESTS

# %% [markdown]
# Why the finishing order, reversed? Appending a tensor when the walk first reaches it (a
# pre-order) fails on `w = (u.exp() + u).sum()`: the walk reaches `u` straight from `s` and
# lists it before `e = u.exp()`, which uses it. A tensor appended when finished comes after
# everything below it; reversed, before.
#
# ### Watch the engine run the diamond
#
# autograd_core's engine (`autograd_core/engine.py`) is a Python copy of PyTorch's
# `torch/csrc/autograd/engine.cpp`, with its names. Step through `c = b + b, b = a + a` and watch:
#
# - `compute_dependencies` has counted the edges into each node before the first step: the
#   node of `b` waits for 2 gradients, `a`'s `AccumulateGrad` for 2;
# - each arriving gradient is added into the node's **input buffer** (`InputBuffer`), and the
#   node's count falls by one; at 0 the node joins the **ready queue**;
# - `evaluate_function` takes a node from the queue and runs it **once**, on the sum in its
#   buffer; `validate_outputs` then sums each gradient it returns to its input's shape
#   (section 3), before it is handed on.

# %% skip_parity="steps through autograd_core's own engine (viz.step_backward)"
ta = torch.tensor(1.0, requires_grad=True)
tb = ta + ta
step_backward(tb + tb, params={"a": ta})

# %% [markdown]
# ### Exercise 8: `run_backward`
#
# Write `run_backward(root, gradient, retain_graph=False)`, the engine behind
# `root.backward(gradient)`; `gradient` is an array of `root`'s shape. Each step carries the
# name of its part of PyTorch's engine:
#
# 1. **`compute_dependencies`**: walk the graph from `root` once, without recursion (graphs
#    can be 10,000 deep), and count for every tensor the edges into it: one per
#    `(parent, grad_fn)` pair that names it, in any tensor's `dependency`;
# 2. **input buffers and the ready queue**: a dict from each tensor to the sum of the gradients
#    it has received (our tensors hash by identity), starting as `{root: gradient}`, and a list
#    of ready tensors, starting as `[root]`;
# 3. **`evaluate_function`**: take a ready tensor; if it is not a leaf, call each of its
#    `grad_fn` **once** on its complete gradient, pass the result through
#    `unbroadcast(result, parent.shape)` (**`validate_outputs`**), add it into the parent's
#    buffer and lower the parent's count: at 0 the parent is ready;
# 4. **`AccumulateGrad`**: a leaf that requires grad stores its gradient, **adding** it to
#    `.grad` if that already holds an array (as PyTorch does); no other tensor's `.grad`
#    changes;
# 5. **releasing what was saved**: unless `retain_graph`, once a tensor has run, replace its
#    gradient functions with `freed` (below), keeping the parents:
#    `node.dependency = [(parent, freed) for parent, _ in node.dependency]`.
#
# Chapter 3 showed what `backward()` frees in PyTorch: the tensors its nodes saved. This
# engine frees more bluntly: every gradient function it ran becomes `freed`, which raises
# PyTorch's error, so no graph of ours runs twice without `retain_graph=True`.

# %%
def freed(grad):
    """What a grad function becomes once backward has run it (without retain_graph)."""
    raise RuntimeError(
        "Trying to backward through the graph a second time (or directly access saved tensors "
        "after they have already been freed). Saved intermediate values of the graph are freed "
        "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
        "backward through the graph a second time or if you need to access saved tensors after "
        "calling backward."
    )



# %% nbgrader={"grade": false, "grade_id": "ex8_run_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def run_backward(root, gradient, retain_graph=False):
    """Fill .grad on the leaves that require grad below root, walking the graph once."""
    ### BEGIN SOLUTION
    # Count, for every node below the root, the edges that point into it.
    pending = {}
    seen, stack = {root}, [root]
    while stack:
        node = stack.pop()
        for parent, _ in node.dependency:
            pending[parent] = pending.get(parent, 0) + 1
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    # Run a node once every node that uses it has run (Kahn's algorithm).
    grads = {root: gradient}
    ready = [root]
    while ready:
        node = ready.pop()
        grad = grads.pop(node)
        if node.is_leaf:
            if node.requires_grad:
                node.grad = np.array(grad) if node.grad is None else node.grad + grad
            continue
        for parent, grad_fn in node.dependency:
            contribution = unbroadcast(grad_fn(grad), parent.shape)
            grads[parent] = contribution if parent not in grads else grads[parent] + contribution
            pending[parent] -= 1
            if pending[parent] == 0:
                ready.append(parent)
        if not retain_graph:
            node.dependency = [(parent, freed) for parent, _ in node.dependency]
    ### END SOLUTION


# %% [markdown]
# The tests build graphs by hand, with the `Tensor` constructor and simple gradient functions
# (`edge(parent, k)` is the edge of "k times parent"; `product` and `total` are `*` and `+`),
# so that they check your traversal and nothing else.

# %% nbgrader={"grade": true, "grade_id": "ex8_run_backward_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_messages import message


def edge(parent, k):
    """The dependency pair of a term k * parent."""
    return (parent, lambda grad: k * grad)


def product(p, q):
    """p * q, by hand."""
    return Tensor(p.values * q.values,
                  dependency=[(p, lambda grad: grad * q.values), (q, lambda grad: grad * p.values)])


def total(*terms):
    """The sum of the terms, by hand."""
    return Tensor(sum(t.values for t in terms), dependency=[(t, lambda grad: grad) for t in terms])


def run(root, gradient, what, retain_graph=False):
    """run_backward(root, gradient, retain_graph), with a hint if it raises."""
    try:
        run_backward(root, gradient, retain_graph)
    except NotImplementedError:
        raise AssertionError(
            message("{function} is not written yet (it raises NotImplementedError); expected it "
                    "to fill the leaves' .grad. Hint: replace raise NotImplementedError() with "
                    "your code.",
                    function="run_backward")
        ) from None
    except RecursionError:
        raise AssertionError(
            message("run_backward raised RecursionError on {what}; expected it to fill the "
                    "leaves' .grad. Hint: no recursion; keep the tensors still to run in a list.",
                    what=what)
        ) from None
    except Exception as error:
        raise AssertionError(
            message("run_backward raised {error_type} ({error}) on {what}; expected it to fill "
                    "the leaves' .grad. Hint: every tensor below the root needs its count before "
                    "the walk starts, and a leaf's dependency is empty.",
                    error_type=type(error).__name__, error=error, what=what)
        ) from None


yours = globals().get("sum_to_size")
sum_to_size = reference_sum_to_size   # check the traversal alone, whatever exercise 1 does
try:
    # The diamond, with weights: b = 2a + 3a, c = 4b + 5b, so dc/da = 9 * 5 = 45.
    a = Tensor([1.0, -1.0], requires_grad=True)
    b = Tensor(5 * a.values, dependency=[edge(a, 2.0), edge(a, 3.0)])
    c = Tensor(9 * b.values, dependency=[edge(b, 4.0), edge(b, 5.0)])
    run(c, np.ones(2), message("the weighted diamond"))
    assert type(a.grad) in (np.ndarray, np.float64) and np.allclose(a.grad, [45.0, 45.0]), message(
        "On the weighted diamond (c = 4b + 5b, b = 2a + 3a) a.grad is {grad!r}; expected "
        "dc/da in each entry. Hint: run b only once both edges from c have "
        "delivered their gradient, and sum what reaches a node.",
        grad=a.grad
    )
    assert b.grad is None and c.grad is None, message(
        "After run_backward, b.grad is {b_grad!r} and c.grad is {c_grad!r}; expected both to "
        "stay None. Hint: only leaves that require grad keep a gradient.",
        b_grad=b.grad, c_grad=c.grad
    )
    # A leaf used by two different operations: y = sum(x1 * x1 + x2 * x2 + x1 * x2).
    x1 = Tensor([10.0, 20.0], requires_grad=True)
    x2 = Tensor([30.0, 40.0], requires_grad=True)
    squares = total(product(x1, x1), product(x2, x2))
    y1 = total(squares, product(x1, x2))
    y = Tensor(y1.values.sum(), dependency=[(y1, lambda grad: grad * np.ones(2))])
    run(y, np.array(1.0), "y = sum(x1 * x1 + x2 * x2 + x1 * x2)")
    got = [None if t.grad is None else np.round(t.grad, 2).tolist() for t in (x1, x2)]
    assert got == [[50.0, 80.0], [70.0, 100.0]], message(
        "On y = sum(x1 * x1 + x2 * x2 + x1 * x2), x1 = [10, 20], x2 = [30, 40], your x1.grad and "
        "x2.grad are {got}; expected 2 x1 + x2 and 2 x2 + x1, [[50, 80], [70, 100]]. Hint: x1 "
        "is used by two different products; count one dependency per edge into a tensor (per "
        "pair that names it, in every dependency list), not one per tensor.",
        got=got
    )
    # u used directly and through e = u.exp(), in both orders: w = (u + e).sum(), (e + u).sum().
    for mirrored in (False, True):
        x = Tensor(1.5, requires_grad=True)
        u = Tensor(3.0, dependency=[edge(x, 2.0)])
        e = Tensor(np.exp(3.0), dependency=[(u, lambda grad: grad * np.exp(3.0))])
        w = total(*((e, u) if mirrored else (u, e)))
        formula = "(u.exp() + u)" if mirrored else "(u + u.exp())"
        run(w, np.array(1.0), f"w = {formula}.sum()")
        assert x.grad is not None and np.isclose(x.grad, 2 * (np.exp(3.0) + 1)), message(
            "On w = {formula}.sum() with u = 2 x at x = 1.5, x.grad is {grad}; expected "
            "2 (exp(3) + 1) = 42.17. Hint: u is used by w and by u.exp(); it may run only once "
            "both have sent their gradient, so its count must start at 2.",
            formula=formula, grad=x.grad
        )
    # Freeing the graph, and retain_graph.
    try:
        run_backward(c, np.ones(2))
        raised = False
    except RuntimeError:
        raised = True
    except Exception as error:
        raise AssertionError(
            message("A second run_backward through the same graph raised {error_type} ({error}); "
                    "expected freed's RuntimeError. Hint: after running a node, replace its grad "
                    "functions with freed, and keep its parents.",
                    error_type=type(error).__name__, error=error)
        ) from None
    assert raised, message(
        "A second run_backward through the same graph returned normally; expected it to raise "
        "RuntimeError. Hint: after running a node, replace its grad functions with freed."
    )
    a = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor(3 * a.values, dependency=[edge(a, 3.0)])
    run(y, np.ones(2), message("y = 3a with retain_graph=True"), retain_graph=True)
    run(y, np.ones(2), message("y = 3a a second time, with retain_graph=True"), retain_graph=True)
    assert type(a.grad) in (np.ndarray, np.float64) and np.allclose(a.grad, [6.0, 6.0]), message(
        "After two run_backward(y, ..., retain_graph=True) with y = 3a, a.grad is {grad!r}; "
        "expected the two gradients accumulated. Hint: add to an existing .grad, and keep the "
        "grad functions when retain_graph is True.",
        grad=a.grad
    )
    # Broadcasting: s = a + bias, with bias of shape (3,) added to every row of a.
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    bias = Tensor(np.zeros(3), requires_grad=True)
    s = Tensor(a.values + bias.values, dependency=[edge(a, 1.0), edge(bias, 1.0)])
    run(s, np.ones((2, 3)), "s = a + bias")
    assert type(bias.grad) in (np.ndarray, np.float64) and np.shape(bias.grad) == (3,), message(
        "With s = a + bias (a of shape (2, 3), bias of shape (3,)), bias.grad has shape "
        "{shape}; expected bias's shape. Hint: pass every contribution through "
        "unbroadcast(contribution, parent.shape).",
        shape=np.shape(bias.grad)
    )
    # Depth: 3000 negations in a row.
    x = Tensor(2.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = neg(y)
    run(y, np.ones(()), message("a chain of 3000 negations"))
    deep = x.grad
    assert type(deep) in (np.ndarray, np.float64) and np.allclose(deep, 1.0), message(
        "On a chain of 3000 negations x.grad is {grad!r}; expected dy/dx, a plain number. "
        "Hint: no recursion; keep the nodes to visit in a list.",
        grad=deep
    )
finally:
    sum_to_size = yours
### BEGIN HIDDEN TESTS
# notebook names: Tensor, freed
import autograd_core as _torch
import numpy as _np


def _reference_reduce(grad, shape):
    _x = _torch.zeros(tuple(shape), dtype=_torch.float64, requires_grad=True)
    _y = _x + _torch.zeros(_np.shape(grad), dtype=_torch.float64)
    return _torch.autograd.grad(_y, _x, _torch.tensor(_np.asarray(grad, dtype=_np.float64)))[0].numpy()


def _scaled(parent, k):
    return (parent, lambda grad: k * grad)


_yours = globals().get("sum_to_size")
sum_to_size = _reference_reduce
try:
    # Random graphs with reused nodes and broadcasting, mirrored in autograd_core.
    for _seed in range(6):
        _rng = _np.random.default_rng(400 + _seed)
        _leaves = [Tensor(_rng.standard_normal((3,)), requires_grad=True),
                   Tensor(_rng.standard_normal((2, 3)), requires_grad=True),
                   Tensor(_rng.standard_normal((2, 1)), requires_grad=True),
                   Tensor(_rng.standard_normal((2, 3)))]                  # data
        _mirrors = [_torch.tensor(t.values, requires_grad=t.requires_grad) for t in _leaves]
        _nodes, _twins = list(_leaves), list(_mirrors)
        for _ in range(12):
            _picks = _rng.integers(0, len(_nodes), size=_rng.integers(1, 4))
            _ks = _rng.choice([-2.0, -1.0, 0.5, 1.0, 3.0], size=len(_picks))
            _values = sum(k * _nodes[i].values for k, i in zip(_ks, _picks))
            _values = _np.broadcast_to(_values, _np.broadcast_shapes(
                *[_nodes[i].shape for i in _picks])).copy()
            _nodes.append(Tensor(_values, dependency=[_scaled(_nodes[i], k)
                                                      for k, i in zip(_ks, _picks)]))
            _twin = sum(float(k) * _twins[i] for k, i in zip(_ks, _picks))
            _twins.append(_twin)
        _root, _troot = _nodes[-1], _twins[-1]
        if not _root.requires_grad:
            continue
        _g = _rng.standard_normal(_root.shape)
        _wanted = [_m for _m in _mirrors if _m.requires_grad]
        _expected = _torch.autograd.grad(_troot, _wanted, _torch.tensor(_g), allow_unused=True)
        run_backward(_root, _g)
        for _leaf, _want in zip([t for t in _leaves if t.requires_grad], _expected):
            if _want is None:
                assert _leaf.grad is None
            else:
                assert type(_leaf.grad) in (_np.ndarray, _np.float64), _seed
                assert _np.allclose(_leaf.grad, _want.numpy()), _seed
        assert _leaves[3].grad is None
        for _node in _nodes[4:]:
            assert _node.grad is None
    # A leaf used by two different operations, both ways round: s = u + tanh(u), u = 3x.
    for _flip in (False, True):
        _x = Tensor(_np.array([0.5, -1.0]), requires_grad=True)
        _u = Tensor(3 * _x.values, dependency=[_scaled(_x, 3.0)])
        _slope = 1 - _np.tanh(_u.values) ** 2
        _t = Tensor(_np.tanh(_u.values), dependency=[(_u, lambda grad, k=_slope: grad * k)])
        _terms = (_t, _u) if _flip else (_u, _t)
        _s = Tensor(_u.values + _t.values, dependency=[_scaled(_p, 1.0) for _p in _terms])
        run_backward(_s, _np.ones(2))
        assert type(_x.grad) in (_np.ndarray, _np.float64)
        assert _np.allclose(_x.grad, 3 * (1 + _slope)), _flip
    # A leaf as the root; a gradient other than ones; a 10,000-deep chain.
    _leaf = Tensor([1.0, 2.0], requires_grad=True)
    run_backward(_leaf, _np.array([0.5, -1.0]))
    assert type(_leaf.grad) in (_np.ndarray, _np.float64)
    assert _np.allclose(_leaf.grad, [0.5, -1.0])
    _x = Tensor(1.5, requires_grad=True)
    _y = _x
    for _ in range(10001):
        _y = Tensor(-_y.values, dependency=[_scaled(_y, -1.0)])
    run_backward(_y, _np.array(2.0))
    assert type(_x.grad) in (_np.ndarray, _np.float64) and _np.allclose(_x.grad, -2.0)
    # Freed after use, kept with retain_graph; the gradient argument is not modified.
    _a = Tensor([1.0, 2.0], requires_grad=True)
    _m = Tensor(2 * _a.values, dependency=[_scaled(_a, 2.0)])
    _o = Tensor(_m.values, dependency=[_scaled(_m, 1.0)])
    _g = _np.ones(2)
    run_backward(_o, _g, retain_graph=True)
    assert _np.array_equal(_g, _np.ones(2))
    run_backward(_o, _g)
    assert type(_a.grad) in (_np.ndarray, _np.float64) and _np.allclose(_a.grad, [4.0, 4.0])
    assert all(fn is freed for _, fn in _o.dependency + _m.dependency)
    assert not _o.is_leaf and not _m.is_leaf
finally:
    sum_to_size = _yours
### END HIDDEN TESTS


# %% [markdown]
# Your engine at work, through `Tensor.backward`, on the diamond, on
# $y = \sum (x_1^2 + x_2^2 + x_1 x_2)$ (leaves used by two operations) and on the line of
# section 1; each line says what it should print. Until `run_backward` is written, the glue
# falls back on the slow `path_backward`.

# %%
def backward_with_fallback(root, gradient, retain_graph):
    """Your run_backward; until it is written, the slow but correct path_backward."""
    try:
        run_backward(root, gradient, retain_graph)
    except NotImplementedError:
        path_backward(root, gradient, [0])


a = Tensor(1.0, requires_grad=True)
b = a + a
c = b + b
c.backward()
report = [f"diamond: a.grad = {a.grad} (should be 4.0)"]

x1 = Tensor([10.0, 20.0], requires_grad=True)
x2 = Tensor([30.0, 40.0], requires_grad=True)
(x1 * x1 + x2 * x2 + x1 * x2).sum().backward()
report.append(f"x1.grad = {x1.grad}, x2.grad = {x2.grad} (should be [50. 80.] and [ 70. 100.])")

x = Tensor(3.0)
w = Tensor(2.0, requires_grad=True)
b = Tensor(1.0, requires_grad=True)
xw = x * w
y = xw + b
y.backward()
report.append(f"line: {x.grad} {w.grad} {b.grad} {xw.grad} (should be None 3.0 1.0 None)")
print("\n".join(report))

# %% [markdown]
# Only the leaves that require grad got a gradient: the data `x` and the intermediate `xw`
# keep `None`. And the graph is gone:

# %%
try:
    y.backward()
    print("No error: your run_backward does not free the graph yet.")
except RuntimeError as error:
    print("RuntimeError:", str(error).split(".")[0] + ".")


# %% [markdown]
# ## 6. Train a network with your engine
#
# One more operation, worked out for you, and we have everything a small neural network needs:
# $\tanh$, whose derivative $1 - \tanh^2$ reuses the output.

# %%
def tanh(a):
    """tanh(a). d tanh(a)/da = 1 - tanh(a)**2, so the gradient is grad * (1 - out**2)."""
    out = np.tanh(a.values)
    return Tensor(out, dependency=[(a, lambda grad: grad * (1.0 - out * out))])


# %% [markdown]
# The task: learn $\sin$ on $[-3, 3]$ from 64 noisy samples, with one hidden layer of 16 tanh
# units. `mse_loss` only uses operators and methods that our `Tensor` and PyTorch's share, so
# the very same function runs on both engines.

# %%
rng = np.random.default_rng(0)
inputs = np.linspace(-3.0, 3.0, 64).reshape(64, 1)
targets = np.sin(inputs) + 0.1 * rng.standard_normal((64, 1))
start = {
    "w1": rng.standard_normal((1, 16)),
    "b1": np.zeros(16),
    "w2": 0.1 * rng.standard_normal((16, 1)),
    "b2": np.zeros(1),
}


def mse_loss(params, x, y):
    """Mean squared error of a 1-16-1 tanh network; works on our Tensors and on PyTorch's."""
    hidden = (x @ params["w1"] + params["b1"]).tanh()
    diff = hidden @ params["w2"] + params["b2"] - y
    return (diff * diff).sum() / y.shape[0]


# %% [markdown]
# First, the check that matters: one backward pass in each engine, from the same starting
# point, and the gradients compared. The inputs and targets are data: leaves that do not
# require grad.

# %%
params = {name: Tensor(value, requires_grad=True) for name, value in start.items()}
x, y = Tensor(inputs), Tensor(targets)
loss = mse_loss(params, x, y)
loss.backward()

mirrors = {name: torch.tensor(value, requires_grad=True) for name, value in start.items()}
reference_loss = mse_loss(mirrors, torch.tensor(inputs), torch.tensor(targets))
reference_loss.backward()

report = [f"loss: ours {float(loss.values):.6f}, autograd_core {reference_loss.item():.6f}"]
for name in params:
    agree = np.allclose(params[name].grad, mirrors[name].grad.numpy())
    report.append(f"{name}: grad of shape {params[name].grad.shape}, same as autograd_core: {agree}")
report.append(f"x.grad: {x.grad}")
print("\n".join(report))

# %% [markdown]
# Same loss, same gradients, each with its parameter's shape (`b1`'s gradient was summed over
# the 64 rows it was broadcast to, by your `sum_to_size`), and no gradient for the data.
#
# Now train: plain gradient descent, 1000 steps with learning rate 0.07. Each step builds a
# fresh graph and resets the gradients to `None` after using them (`backward()` accumulates).

# %%
params = {name: Tensor(value, requires_grad=True) for name, value in start.items()}
losses = []
for step in range(1000):
    loss = mse_loss(params, x, y)
    loss.backward()
    for p in params.values():
        p.values -= 0.07 * p.grad
        p.grad = None
    losses.append(float(loss.values))
for step in (0, 250, 500, 750, 999):
    print(f"step {step:3}: loss {losses[step]:.4f}")
print("lower at every step:", all(later < earlier for earlier, later in zip(losses, losses[1:])))

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
import matplotlib.pyplot as plt

from autograd_core.viz import plot_losses

figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
plt.close(figure)
plot_losses(losses, ax=left, title="Training loss (our engine)", log_scale=True)
grid = Tensor(np.linspace(-3.0, 3.0, 200).reshape(200, 1))
prediction = (grid @ params["w1"] + params["b1"]).tanh() @ params["w2"] + params["b2"]
right.plot(inputs, targets, ".", label="data")
right.plot(grid.values, prediction.values, label="network")
right.plot(grid.values, np.sin(grid.values), "--", label="sin(x)")
right.set_title("The trained network")
right.legend()
figure

# %% [markdown]
# The loss falls from 1.3 to about 0.02, close to the noise we added (its variance is
# $0.1^2 = 0.01$), lower at every step, and the network's curve follows $\sin$. Every gradient
# on the way came from the engine you wrote. The learning rate matters: with 0.1 the same run
# spikes back up near step 900 (the step has become too long for the curvature the network has
# reached) before it settles again; 0.07 stays below that.

# %% [markdown]
# ### Exercise 9 (on your own): picking rows
#
# One more operation, without a recipe. Write `take(a, index)`: `index` is a list of row
# numbers, and the result holds those rows of `a`, in that order, like `a[index]` in NumPy and
# PyTorch (an embedding table is read this way, one row per word). Record the dependency so
# that a gradient reaches `a`.

# %% nbgrader={"grade": false, "grade_id": "ex9_take", "locked": false, "schema_version": 3, "solution": true, "task": false}
def take(a, index):
    """The rows of a listed in index, recording how to send a gradient back to a."""
    ### BEGIN SOLUTION
    index = np.asarray(index, dtype=int)

    def grad_fn(grad):
        full = np.zeros_like(a.values)
        np.add.at(full, index, grad)          # a row picked twice gets both gradients
        return full

    return Tensor(a.values[index], dependency=[(a, grad_fn)])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex9_take_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_messages import message


def check_take(shape, index):
    """take(a, index) on a table of the given shape, against autograd_core's a[index]."""
    rng = np.random.default_rng(9)
    a = Tensor(rng.standard_normal(shape), requires_grad=True)
    what = message("take(a of shape {shape}, {index})", shape=shape, index=index)
    try:
        out = take(a, index)
    except NotImplementedError:
        raise AssertionError(
            message("{function} is not written yet (it raises NotImplementedError); expected a "
                    "Tensor of the picked rows. Hint: replace raise NotImplementedError() with "
                    "your code.",
                    function="take")
        ) from None
    except Exception as error:
        raise AssertionError(
            message("{what} raised {error_type} ({error}); expected a Tensor of the picked "
                    "rows. Hint: NumPy picks rows with a.values[index].",
                    what=what, error_type=type(error).__name__, error=error)
        ) from None
    mirror = torch.tensor(a.values, requires_grad=True)
    expected = mirror[index]
    assert type(out) is Tensor and np.allclose(out.values, expected.detach().numpy()), message(
        "{what} returned {got!r}; expected a Tensor holding rows {index} of a. Hint: "
        "a.values[index] picks them.",
        what=what, got=out, index=index
    )
    assert len(out.dependency) == 1 and out.dependency[0][0] is a, message(
        "{what} returned a Tensor with {dependency} dependencies; expected one pair "
        "(a, grad_fn). Hint: without it, no gradient can reach a.",
        what=what, dependency=len(out.dependency)
    )
    grad = rng.standard_normal(out.shape)
    (want,) = torch.autograd.grad(expected, mirror, torch.tensor(grad))
    try:
        got = np.asarray(out.dependency[0][1](grad), dtype=np.float64)
    except Exception as error:
        raise AssertionError(
            message("the grad_fn of {what} raised {error_type} ({error}) on a gradient of "
                    "shape {shape}; expected a gradient of a's shape. Hint: start from zeros "
                    "of a's shape.",
                    what=what, error_type=type(error).__name__, error=error, shape=out.shape)
        ) from None
    assert got.shape == shape, message(
        "the grad_fn of {what} returned shape {got_shape}; expected a's shape {shape}. Hint: "
        "a row that was not picked gets a gradient of zero.",
        what=what, got_shape=got.shape, shape=shape
    )
    assert np.allclose(got, want.numpy()), message(
        "the grad_fn of {what} returned\n{got}\nexpected\n"
        "{want}. Hint: each picked row sends its gradient to the row of a "
        "it came from; a row picked twice is used twice, so its two gradients add up.",
        what=what, got=np.round(got, 3), want=np.round(want.numpy(), 3)
    )


for shape, index in [((4, 3), [2, 0]), ((4, 3), [1, 3, 1]), ((5,), [4, 4, 0, 4])]:
    check_take(shape, index)
### BEGIN HIDDEN TESTS
# notebook names: Tensor
import autograd_core as _torch
import numpy as _np

_rng = _np.random.default_rng(90)
for _shape, _index in [((6, 2, 3), [5, 1, 5, 5]), ((3,), [2, 2]), ((7, 4), list(range(7))[::-1]),
                       ((5, 2), [-1, 4, 0, -1]), ((8, 3), [int(i) for i in _rng.integers(0, 8, 20)])]:
    _a = Tensor(_rng.standard_normal(_shape), requires_grad=True)
    _out = take(_a, _index)
    _m = _torch.tensor(_a.values, requires_grad=True)
    _e = _m[_index]
    assert type(_out) is Tensor and _np.allclose(_out.values, _e.detach().numpy())
    assert _out.requires_grad and len(_out.dependency) == 1 and _out.dependency[0][0] is _a
    _g = _rng.standard_normal(_out.shape)
    (_w,) = _torch.autograd.grad(_e, _m, _torch.tensor(_g))
    _got = _np.asarray(_out.dependency[0][1](_g), dtype=_np.float64)
    assert _got.shape == _shape and _np.allclose(_got, _w.numpy()), (_shape, _index)
_data = take(Tensor(_np.ones((3, 2))), [0, 0])
assert type(_data) is Tensor and _data.is_leaf and not _data.requires_grad
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# | our engine | PyTorch |
# |---|---|
# | `values` | the tensor's data (`.data`) |
# | `dependency`: `(parent, grad_fn)` pairs | `grad_fn` (`MulBackward0`, ...) and its `next_functions` |
# | a `grad_fn` closure's captured values | tensors saved for backward |
# | recording only parents that require grad | `(None, 0)` in `next_functions` |
# | `is_leaf`: nothing recorded | `is_leaf`: `grad_fn is None` |
# | `unbroadcast` on every edge | `validate_outputs` (a `sum_to_size`) on every edge |
# | `run_backward`: edge counts, summed gradients, a ready list | `engine.cpp`: `compute_dependencies`, `InputBuffer`, the ready queue, `evaluate_function` |
# | `.grad` only on leaves that require grad, accumulated | the same (`retain_grad()` for the others) |
# | `freed` after use, unless `retain_graph` | saved tensors released, unless `retain_graph` |
#
# A backward pass must run each node once, after all of its gradient has arrived: a
# topological order. The literal depth-first recursion double counts reused nodes, passing
# gradients along every path is exponential, and recursion dies on deep graphs.
#
# What PyTorch adds on top: gradients that are themselves differentiable (`create_graph=True`,
# chapter 7: its backward formulas are tensor operations, recorded like any other; ours compute
# on NumPy arrays, so this engine has no `create_graph`), in-place
# operations checked by version counters, `torch.no_grad()`, hooks, and a lot of operations
# written in C++. The ideas are the ones you just implemented.

# %% [markdown]
# ## Sources, and where they slip
#
# > This chapter builds, in its own words and with PyTorch 2.13's numbers, the engine that
# > 《PyTorch 梯度》 (author and address not recorded) sketches, names included.
# >
# > Where it slips: it describes the backward pass as a traversal from the top, "for example
# > depth first". Taken literally, that walk gets the diamond wrong, and passing every
# > gradient along every path is exponential (section 5); a topological order runs each node
# > once.
