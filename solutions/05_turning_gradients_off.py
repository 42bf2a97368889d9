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
# Every operation on a tensor that requires grad leaves a node in the graph. Training needs
# that; evaluating a model, writing new values into its weights or fine-tuning only its last
# layer does not. This chapter is about the switches that stop the recording.
#
# By the end you will be able to
#
# * switch recording off in the three ways PyTorch offers, and back on with `torch.enable_grad()`;
# * say for any result whether it will require grad;
# * update a leaf in place under `no_grad`, as every optimizer does;
# * measure what `no_grad` saves, and freeze all of a ResNet-18 but a new classifier;
# * tell `model.eval()` and `torch.no_grad()` apart, and write functions that put grad mode and
#   the model back as they found them.
#
# Run the cells in order, write down your prediction before each *predict, then run* exercise,
# and use the test cell under each exercise for feedback. `import autograd_core as torch` gives
# an engine that prints what PyTorch prints; `nn` and `optim` are its small `torch.nn` and
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
# 1. **Is grad mode on?** On by default, and kept **per thread**: `torch.is_grad_enabled()`
#    reads it for the calling thread, switching it off in one thread leaves the others alone,
#    and a new thread starts with it on. (autograd_core keeps one flag for the whole process; a
#    notebook runs your cells in one thread, where the two agree.)
# 2. **Does at least one input require grad?** A flag on each tensor, `requires_grad`.
#
# When a node is recorded, the result gets `requires_grad=True` and a `grad_fn`; otherwise it is
# a plain tensor. So there are two ways to keep an operation out of the graph: turn grad mode
# off (sections 2 and 3), or make sure no input requires grad (sections 4 to 6).
#
# Here is the first way in its shortest form:

# %%
x = torch.tensor([1., 2., 3.], requires_grad=True)
print(x.requires_grad)
print((x ** 2).requires_grad)

with torch.no_grad():
    print((x ** 2).requires_grad)
    print(torch.is_grad_enabled())

print(torch.is_grad_enabled())

# %% [markdown]
# Inside the block, `x ** 2` does not require grad: question 1 already says no. `no_grad` leaves
# `x.requires_grad` alone; it only stops operations from being *recorded*, and when the block
# ends, grad mode is back on.

# %% [markdown]
# ## 2. Three ways to switch recording off
#
# Three spellings of "grad mode off", on the same $y = x^2 + 20$ at $x = 10$.
#
# ### 2.1 A block: `with torch.no_grad():`

# %%
x = torch.tensor(10., requires_grad=True, dtype=torch.float64)

with torch.no_grad():
    y = x ** 2 + 20

print(y)
print(y.requires_grad, y.grad_fn, y.is_leaf)

# %% [markdown]
# `y` holds the right value, 120, but no `grad_fn`: it is a leaf, like a tensor you typed in.
# There is no graph behind it, and `backward()` says so:

# %%
try:
    y.backward()
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# Code found online sometimes writes `x = x ** 2 + 20` inside the block. That rebinds the *name*
# `x` to the unrecorded result, and from then on nothing computed from `x` is recorded, whatever
# the grad mode. Keep the tensor you differentiate under its own name.
#
# ### 2.2 A function: the `@torch.no_grad()` decorator
#
# Grad mode is off while a decorated function runs, and back to what it was when it returns:

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
# Called on a line of its own, `torch.set_grad_enabled(mode)` is a plain switch, and it **stays**
# switched, in every cell you run next, until you switch it back.

# %%
torch.set_grad_enabled(False)
w = x ** 2 + 20
print(w, torch.is_grad_enabled())

torch.set_grad_enabled(True)      # switch it back, or nothing you run from now on is recorded
w = x ** 2 + 20
print(w)

# %% [markdown]
# Forget the second call and `backward()` complains, much later, that "element 0 of tensors does
# not require grad". `set_grad_enabled` is also a context manager, usually used that way: it takes
# a boolean, so one loop serves training (record) and evaluation (do not).

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
# A helper that calls `torch.set_grad_enabled(False)` at its start and `(True)` at its end is
# wrong twice: an exception in between leaves grad mode off, and a caller who had it off finds it
# on. Section 8 has you write one that gets this right.
#
# ### 2.5 Recording again inside `no_grad`: `torch.enable_grad()`
#
# `torch.enable_grad()` is the opposite switch, as a block or a decorator. Optimizers use it:
# `optimizer.step()` runs under `no_grad`, and a closure handed to it, which recomputes the loss,
# runs under `enable_grad` so that its `backward()` has a graph.

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
# Grad mode decides whether operations are recorded, not whether you may *create* a leaf that
# requires grad:

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
from course_messages import message


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


assert "predicted_requires_grad" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and "
    "run it.",
    name="predicted_requires_grad"
)
assert type(predicted_requires_grad) is dict and \
    all(type(key) is str for key in predicted_requires_grad) and \
    set(predicted_requires_grad) == {"a", "b", "c", "d", "e"}, message(
    "Expected a dict with the keys 'a' to 'e'; got {got!r}.", got=predicted_requires_grad
)
not_booleans = [key for key, value in predicted_requires_grad.items()
                if type(value) is not bool]
assert not not_booleans, message(
    "Expected True or False for every key; got something else for {keys}.",
    keys=sorted(not_booleans)
)
actual = {key: result.requires_grad for key, result in run_exercise_1_snippet().items()}
wrong = sum(predicted_requires_grad[key] != actual[key] for key in actual)
assert wrong == 0, message(
    "Expected what autograd does at each of the five lines; {wrong} of your 5 predictions "
    "are off. Hint: for each result ask two questions: is grad mode on at that line, and is p "
    "(the only tensor that requires grad) one of the operation's inputs?",
    wrong=wrong
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
# is what the gradients are *about*, and overwriting it in a recorded computation would leave the
# graph describing a tensor that no longer exists. Inside `no_grad` the write is allowed, because
# nothing is recorded.

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
# * `x` changed in place and is still the same leaf that requires grad, with no `grad_fn`:
#   nothing about the write was recorded.
# * `x._version` went from 0 to 1. Every tensor counts the in-place writes to its memory, and
#   `no_grad` does not stop the count: a graph recorded earlier that saved `x` must be able to
#   notice that `x` changed under it (chapter 6 is about this counter).
# * `y = x * x` ran with grad mode off, so it does not require grad.
#
# The decorator does the same for a whole function, handy for "update" helpers:

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
# ### Exercise 2 (predict, then run): four ways to write an update
#
# An optimizer's `step()` moves each weight against its gradient, $w \leftarrow w - 0.1\,
# \partial L/\partial w$. The next cell stores four ways to write that line as strings; each will
# be run on its own after the same two lines:
#
# ```python
# w = torch.tensor([1.0, -2.0], requires_grad=True)
# (w ** 2).sum().backward()
# ```
#
# Run the cell (it only defines the strings). For the next training step, `w` must still be a
# leaf that requires grad: only then does the next `backward()` fill `w.grad`.

# %%
update_snippets = {
    "A": "w -= 0.1 * w.grad",
    "B": "with torch.no_grad():\n    w -= 0.1 * w.grad",
    "C": "w = w - 0.1 * w.grad",
    "D": "with torch.no_grad():\n    w = w - 0.1 * w.grad",
}

# %% [markdown]
# In the cell below, replace `raise NotImplementedError()` with
# `predicted_after_update = {"A": ..., "B": ..., "C": ..., "D": ...}`: for each snippet, `None` if
# it raises, otherwise the pair `(w.is_leaf, w.requires_grad)` for the `w` it leaves behind.

# %% nbgrader={"grade": false, "grade_id": "ex2_updates", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted_after_update = {"A": None, "B": (True, True), "C": (False, True), "D": (True, False)}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2_updates_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from course_messages import message

SETUP = "w = torch.tensor([1.0, -2.0], requires_grad=True)\n(w ** 2).sum().backward()\n"


def after_update(code):
    """None if SETUP + code raises a RuntimeError, else (w.is_leaf, w.requires_grad)."""
    names = dict(torch=torch)
    try:
        exec(SETUP + code, names)
    except RuntimeError:
        return None
    return (names["w"].is_leaf, names["w"].requires_grad)


assert "predicted_after_update" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="predicted_after_update"
)
assert type(predicted_after_update) is dict and \
    all(type(key) is str for key in predicted_after_update) and \
    set(predicted_after_update) == {"A", "B", "C", "D"}, message(
    "Expected a dict with the keys 'A' to 'D'; got {got!r}.", got=predicted_after_update
)
malformed = sorted(key for key, value in predicted_after_update.items()
                   if value is not None and not (type(value) is tuple and len(value) == 2
                                                 and all(type(v) is bool for v in value)))
assert not malformed, message(
    "Expected None or a pair of booleans (is_leaf, requires_grad) for each snippet; got "
    "something else for {malformed}.",
    malformed=malformed
)
actual = {name: after_update(code) for name, code in update_snippets.items()}
off = sorted(name for name in actual if predicted_after_update[name] != actual[name])
assert not off, message(
    "Expected what each snippet does to w; your prediction for {names} is off. "
    "Hint: ask of each snippet whether it changes the tensor w in place or binds the name w to a "
    "new result, and whether grad mode is on at that moment; a new result is a leaf only if "
    "nothing was recorded.",
    names=", ".join(off)
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch


def _after(_code):
    _names = dict(torch=_torch)
    try:
        exec("w = torch.ones(3, requires_grad=True)\n(w * 3).sum().backward()\n" + _code, _names)
    except RuntimeError:
        return None
    return (_names["w"].is_leaf, _names["w"].requires_grad)


assert type(predicted_after_update) is dict
for _key, _code in [("A", "w -= 0.5 * w.grad"),
                    ("B", "with torch.no_grad():\n    w -= 0.5 * w.grad"),
                    ("C", "w = w - 0.5 * w.grad"),
                    ("D", "with torch.no_grad():\n    w = w - 0.5 * w.grad")]:
    _value = predicted_after_update[_key]
    assert _value is None or (type(_value) is tuple and all(type(_v) is bool for _v in _value))
    assert _value == _after(_code)
### END HIDDEN TESTS

# %%
for name, code in update_snippets.items():
    names = dict(torch=torch)
    try:
        exec("w = torch.tensor([1.0, -2.0], requires_grad=True)\n(w ** 2).sum().backward()\n"
             + code, names)
        print(name, names["w"])
    except RuntimeError as error:
        print(name, "RuntimeError:", str(error).split(".")[0])

# %% [markdown]
# <details><summary><b>Why</b> (open it once your test passes)</summary>
#
# * **A** is the in-place write with recording on: refused, as above.
# * **B** is the optimizer's update: `w` moved against its gradient, `2w = [2, -4]`, and is the
#   same leaf that requires grad, ready for the next step. `torch.optim.SGD.step()` is this line,
#   run under `no_grad`.
# * **C** records the subtraction: the name `w` now points at a result with
#   `grad_fn=<SubBackward0>`, not a leaf, and the next `backward()` leaves its `.grad` empty.
# * **D** binds the name `w` to a new, unrecorded tensor: a leaf that does not require grad. The
#   model's real parameter, the old `w`, did not move at all.
#
# </details>

# %% [markdown]
# ## 4. `requires_grad` flows forward through operations
#
# Now the second question. Chapter 1 gave the rule: **the output of an operation requires grad
# if at least one of its inputs does** (with grad mode on), with PyTorch's tutorial example:
# `a = x + y` does not require grad, `b = x + z` does, because `z` does. Here is that example
# again, this time to look at the graph it leaves.

# %%
torch.manual_seed(0)
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
b = x + z
print(a.grad_fn)
print(b.grad_fn)
print(b.grad_fn.next_functions)

# %% [markdown]
# Nothing is recorded for `a`. `b` gets a node with one edge per input, and the edge for `x` is
# empty, `(None, 0)`: the graph has no path to `x`.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import draw_graph

draw_graph(b, params={"z": z})

# %% [markdown]
# A backward pass from `b` fills `z.grad` and nothing else: `x` is not in the graph, and `b` is
# not a leaf, so its gradient passes through without being stored.

# %%
b.backward(torch.ones(5, 5))
print(z.grad.sum())
print(x.grad)
print(b.is_leaf, b.requires_grad)

# %% [markdown]
# Parameters whose `requires_grad` is `False` are called **frozen**. Freezing part of a model
# has two effects: those parameters get no gradient (so an optimizer leaves them alone), and the
# graph starts where the frozen part ends, so backward has less to do (section 6).

# %% [markdown]
# ## 5. What `no_grad` saves: nodes and memory
#
# A recorded graph is not free. Each node is an object, and many keep tensors alive for the
# backward pass: `MulBackward0` keeps its factors, `ReluBackward0` its result, a linear layer's
# `AddmmBackward0` its input, for as long as the output that leads to them lives. To measure a
# graph's size, this helper counts the distinct nodes reachable from a tensor's `grad_fn`
# (chapter 8 walks graphs properly):

# %%
def count_nodes(t):
    """The number of distinct graph nodes reachable from t.grad_fn (0 if it has none)."""
    seen, stack = set(), [t.grad_fn] if t.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(child for child, _ in node.next_functions if child is not None)
    return len(seen)


torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
batch = torch.ones(3, 4)

recorded = mlp(batch)
with torch.no_grad():
    unrecorded = mlp(batch)
print(count_nodes(recorded), count_nodes(unrecorded))
print(torch.equal(recorded.detach(), unrecorded))

# %% [markdown]
# Same numbers, 14 nodes against none: three `AddmmBackward0` (one per linear layer), three
# `TBackward0` (the transposed weights), two `ReluBackward0`, and six `AccumulateGrad`, one per
# weight and bias.
#
# A graph lives as long as the tensor at its top. That is a classic memory leak in evaluation
# loops: adding up the losses as tensors keeps **every** batch's graph alive.

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
# Each batch leaves 10 nodes (three `AddmmBackward0`, three `TBackward0`, two `ReluBackward0`,
# `PowBackward0`, `MeanBackward0`), each `+` one `AddBackward0`, and the six `AccumulateGrad` are
# shared: 5 × 10 + 5 + 6 = 61 nodes, and all they saved. (Summing `loss.item()` avoids the leak
# too, but each forward pass still builds a graph that is thrown away; under `no_grad` none is
# built.)
#
# ### Memory
#
# Nodes are small; what they *keep* is not. The next cell runs networks of 3, 6 and 12 layers
# (`nn.Linear(256, 256)` then `nn.ReLU()`) on 512 rows, and measures with Python's `tracemalloc`
# the memory the forward pass leaves allocated while we hold its output. One activation,
# 512 × 256 float32 numbers, is 0.5 MiB. (`tracemalloc` sees NumPy's allocations, so it measures
# autograd_core exactly; for PyTorch's own memory use `torch.cuda.max_memory_allocated()` or the
# profiler.)

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
# With grad mode on, memory grows with depth, one half-MiB activation per layer: each
# `ReluBackward0` keeps its output, which is also the input the next `AddmmBackward0` keeps.
# Under `no_grad` each activation is freed once the next layer has used it. On a GPU, this is the
# difference between an evaluation batch that fits and one that does not.

# %% [markdown]
# ## 6. Frozen parameters: fine-tuning a ResNet-18
#
# A ResNet-18 classifies images: a batch of shape `(N, 3, H, W)` in, one score per class out,
# 1000 classes by default. In PyTorch it comes from torchvision, with weights trained on ImageNet
# (`resnet18(weights=ResNet18_Weights.IMAGENET1K_V1)`): the body already knows how to see, and
# fine-tuning trains only a new last layer. `autograd_core.models.resnet18()` has the same
# architecture with random weights, which changes nothing here: which parameters get gradients
# does not depend on their values. (Chapter 9 trains it the way PyTorch's tutorial does.)

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
torch.manual_seed(0)
model = torch.models.resnet18()
data = torch.rand(1, 3, 64, 64)

parameters = list(model.parameters())
print(len(parameters), "parameter tensors,", sum(p.numel() for p in parameters), "numbers")
print(count_nodes(model(data)), "graph nodes behind a prediction")

# %% [markdown]
# 62 parameter tensors, 11,689,512 numbers, and a graph of 132 nodes behind each prediction: 20
# convolutions, 20 batch norms, 17 ReLUs, 8 residual additions, two poolings, a flatten, the
# last linear layer (`AddmmBackward0` and `TBackward0`), and 62 `AccumulateGrad`.
#
# To fine-tune for a task with 10 classes: freeze every parameter, then replace the last layer,
# `model.fc`, by a new `nn.Linear(512, 10)`, whose fresh parameters require grad.

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
for param in model.parameters():
    param.requires_grad = False

model.fc = nn.Linear(512, 10)

print([name for name, param in model.named_parameters() if param.requires_grad])
print(sum(p.numel() for p in model.parameters()), "numbers in all,",
      sum(p.numel() for p in model.parameters() if p.requires_grad), "trainable")
prediction = model(data)
print(count_nodes(prediction), "graph nodes behind a prediction")

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
draw_graph(prediction, params=dict(model.named_parameters()))

# %% [markdown]
# 4 nodes instead of 132: no input of the body's operations required grad, so the body ran like
# arithmetic on plain tensors, and recording began at the new classifier. A backward pass fills
# only the head's `.grad`:

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
prediction.sum().backward()
print("have a .grad:", [name for name, param in model.named_parameters() if param.grad is not None])

# %% [markdown]
# An optimizer given **all** the parameters, `optim.SGD(model.parameters(), ...)`, updates only
# those whose `.grad` is not `None`; it never looks at `requires_grad`. So a parameter frozen
# *after* a backward pass keeps its old `.grad` and would still move: clear it
# (`optimizer.zero_grad()`), or hand the optimizer only the trainable parameters,
# `optim.SGD(model.fc.parameters(), ...)`, as most fine-tuning code does.
#
# ### Exercise 3: freeze all but the head
#
# Write `freeze_all_but(model, head)`: make every parameter of `model` frozen except those of the
# submodule called `head` (for a ResNet, `"fc"`), which must require grad, even if they had been
# frozen before. Return the names (as `model.named_parameters()` gives them) of the parameters
# that remain trainable, in that order. The test then trains the model for a step with an
# optimizer that holds **all** the parameters, and checks which ones moved.

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
from course_messages import message


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc_in = nn.Linear(3, 3)
        self.body = nn.Sequential(nn.ReLU(), nn.Linear(3, 4))
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.body(self.fc_in(x)))


torch.manual_seed(0)
tiny = Tiny()
tiny.fc.requires_grad_(False)                 # the head was frozen by an earlier experiment
try:
    names = freeze_all_but(tiny, "fc")
except NotImplementedError:
    raise AssertionError(
        message("{function} is not written yet: expected your function in the cell above. Hint: "
                "replace `raise NotImplementedError()` with your code and run that cell again.",
                function="freeze_all_but")
    ) from None
assert type(names) is list and all(type(name) is str for name in names), message(
    "freeze_all_but(tiny, 'fc') returned {got!r}; expected a list of parameter names "
    "(strings). Hint: model.named_parameters() gives (name, parameter) pairs.",
    got=names
)
frozen_head = [name for name, param in tiny.named_parameters()
               if name.startswith("fc.") and not param.requires_grad]
assert not frozen_head, message(
    "After freeze_all_but(tiny, 'fc') the head's {names} do not require grad; expected "
    "the head trainable even though it had been frozen before. Hint: set requires_grad on the "
    "head's parameters too, not only on the others.",
    names=frozen_head
)
not_frozen = [name for name, param in tiny.named_parameters()
              if param.requires_grad and not name.startswith("fc.")]
assert not not_frozen, message(
    "After freeze_all_but(tiny, 'fc') these still require grad: {names}; expected every "
    "parameter outside the head frozen. Hint: the head is the submodule called exactly 'fc'; "
    "'fc_in' only starts with the same letters (compare with head + '.').",
    names=not_frozen
) if all(name.startswith("fc_in.") for name in not_frozen) else message(
    "After freeze_all_but(tiny, 'fc'), {count} body parameter(s) still require grad; "
    "expected every parameter outside the head to be frozen. Hint: set requires_grad on every "
    "parameter of the model, not only on the head's.",
    count=len(not_frozen)
)
assert names == [name for name, param in tiny.named_parameters() if param.requires_grad], message(
    "freeze_all_but(tiny, 'fc') returned {got!r}; expected the trainable parameters' names as "
    "the model's named_parameters() gives them, prefix included. Hint: the head's own "
    "named_parameters() leaves out the head's name; walk the whole model's.",
    got=names
)
sgd = optim.SGD(tiny.parameters(), lr=0.1, momentum=0.9)
before = {name: param.detach().clone() for name, param in tiny.named_parameters()}
tiny(torch.ones(2, 3)).sum().backward()
sgd.step()
moved = [name for name, param in tiny.named_parameters()
         if not torch.equal(before[name], param.detach())]
assert moved == ["fc.weight", "fc.bias"], message(
    "After one SGD step over all the parameters, these changed: {names}; expected exactly the "
    "head's parameters to change. Hint: a frozen parameter gets no .grad, and SGD skips "
    "parameters whose .grad is None.",
    names=moved
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
# some layers read that flag. `torch.no_grad()` switches grad mode off.
#
# ### Exercise 4 (predict, then run): eval versus no_grad
#
# A `BatchNorm2d` layer keeps a `running_mean`, starting at zeros, which it updates from the
# batches it normalises during training and uses instead of the batch mean after `eval()`.
# Read the next cell and run it (it prints nothing).

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
from course_messages import message

for name in ("running_mean_changed_in_1", "out_2_requires_grad"):
    assert name in globals(), message(
        "{name} is not defined yet: write your prediction in the cell above and run it.", name=name
    )
    assert type(globals()[name]) is bool, message(
        "{name} is {value!r}; expected a boolean.", name=name, value=globals()[name]
    )
layer = nn.BatchNorm2d(2)
images = torch.arange(16, dtype=torch.float32).reshape(2, 2, 2, 2)
start = layer.running_mean.clone()
with torch.no_grad():
    layer(images)
changed = not torch.equal(start, layer.running_mean)
layer.eval()
requires = layer(images).requires_grad
hints = []
if running_mean_changed_in_1 is not changed:
    hints.append(message("in (1) the layer is in training mode; no_grad decides whether "
                         "operations are recorded, not how a layer computes or which statistics "
                         "it keeps"))
if out_2_requires_grad is not requires:
    hints.append(message("in (2) grad mode is on and bn.weight requires grad; eval() decides how "
                         "a layer computes, not whether its operations are recorded"))
assert not hints, message(
    "Expected what the layer does in (1) and (2); 1 of your 2 predictions is off. "
    "Hint: {hint}.",
    hint=hints[0]
) if len(hints) == 1 else message(
    "Expected what the layer does in (1) and (2); 2 of your 2 predictions are off. "
    "Hint: {first_hint}; and {second_hint}.",
    first_hint=hints[0], second_hint=hints[1]
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

# %% [markdown]
# ## 8. Putting it together: an evaluation function
#
# For evaluation you want both switches: `model.eval()` for the layers, `no_grad` for no graph;
# and afterwards the model back in the mode it was in.
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
from course_messages import message

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
net(torch.rand(8, 3))                         # gives BatchNorm some running statistics
data = torch.rand(5, 3)
running_mean = net[1].running_mean.clone()
try:
    out = evaluate(net, data)
except NotImplementedError:
    raise AssertionError(
        message("{function} is not written yet: expected your function in the cell above. Hint: "
                "replace `raise NotImplementedError()` with your code and run that cell again.",
                function="evaluate")
    ) from None
assert type(out) is torch.Tensor, message(
    "evaluate returned {got!r}; expected the model's output tensor.", got=out)
assert not out.requires_grad, message(
    "evaluate(net, data) returned a tensor with grad_fn={grad_fn}; expected a result with "
    "no graph behind it. Hint: run the forward pass with grad mode off.",
    grad_fn=out.grad_fn
)
assert torch.equal(net[1].running_mean, running_mean), message(
    "evaluate(net, data) changed BatchNorm's running_mean; expected the running statistics to "
    "be used, not updated. Hint: the forward pass ran in training mode; switch the model to "
    "eval mode for it."
)
assert net.training is True, message(
    "After evaluate(net, data) the model is in eval mode; expected the training mode it had "
    "before the call. Hint: remember model.training before switching, and restore it after."
)
assert torch.is_grad_enabled(), message(
    "After evaluate(net, data) grad mode is off; expected it back on, as it was before the call. "
    "Hint: a `with` block restores the grad mode it found."
)
net.eval()
reference = net(data).detach()
net.train()
assert out.shape == reference.shape and torch.allclose(out, reference), message(
    "evaluate(net, data) returned {got}; expected the values of the model's own forward pass "
    "in eval mode. Hint: return model(data), computed once.",
    got=out
)


class Broken(nn.Module):
    def forward(self, x):
        raise ValueError("this model always fails")


broken = Broken()
try:
    evaluate(broken, data)
except ValueError:
    pass
assert torch.is_grad_enabled(), message(
    "When the model raised inside evaluate, grad mode stayed off; expected it restored even "
    "then. Hint: a `with torch.no_grad():` block restores grad mode however it is left."
)
assert broken.training is True, message(
    "When the model raised inside evaluate, it was left in eval mode; expected its training "
    "mode restored even then. Hint: try/finally."
)

net.eval()
evaluate(net, data)
assert net.training is False, message(
    "evaluate(net, data) on a model that was already in eval mode left it in training mode; "
    "expected the mode it found. Hint: give back the saved flag with model.train(mode); "
    "model.train() alone always means training mode."
)
net.train()
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
# ## 9. Transfer: the loss one step ahead
#
# Some optimizers (sharpness-aware minimisation, lookahead methods) need the loss at the point a
# gradient step *would* reach, without taking the step.
#
# ### Exercise 6: `loss_one_step_ahead(model, loss_fn, lr)`
#
# `loss_fn(model)` returns a scalar loss tensor. Every parameter of `model` that is trainable
# already holds a `.grad` from a backward pass; a frozen one has `.grad` `None`. Return, as a
# Python float, the loss the model would have after the step `param - lr * param.grad` on every
# parameter that has a gradient. Leave everything as you found it: the same parameter objects
# with exactly the same values, flags and `.grad`, and grad mode as it was. Build no graph: the
# step and the loss are not part of any training computation. How you do it is up to you.

# %% nbgrader={"grade": false, "grade_id": "ex6_one_step_ahead", "locked": false, "schema_version": 3, "solution": true, "task": false}
def loss_one_step_ahead(model, loss_fn, lr):
    """loss_fn(model) after one gradient step of size lr, as a float; the model is left as it was."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        saved = [(param, param.detach().clone()) for param in model.parameters()
                 if param.grad is not None]
        try:
            for param, _ in saved:
                param -= lr * param.grad
            return loss_fn(model).item()
        finally:
            for param, value in saved:
                param.copy_(value)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex6_one_step_ahead_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from autograd_core import nn
from course_messages import message

torch.set_grad_enabled(True)                  # whatever an earlier cell left behind


def make_model():
    """A small model whose first bias is frozen, after one backward pass."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    model[0].bias.requires_grad = False
    inputs, targets = torch.rand(6, 3), torch.rand(6, 1)
    ((model(inputs) - targets) ** 2).mean().backward()
    return model, inputs, targets


model, inputs, targets = make_model()
grad_modes_seen = []


def loss_fn(m):
    grad_modes_seen.append(torch.is_grad_enabled())
    return ((m(inputs) - targets) ** 2).mean()


before = [(name, param, param.detach().clone(), param.requires_grad,
           None if param.grad is None else param.grad.clone())
          for name, param in model.named_parameters()]
try:
    got = loss_one_step_ahead(model, loss_fn, 0.5)
except NotImplementedError:
    raise AssertionError(
        message("{function} is not written yet: expected your function in the cell above. Hint: "
                "replace `raise NotImplementedError()` with your code and run that cell again.",
                function="loss_one_step_ahead")
    ) from None
except TypeError as error:
    raise AssertionError(
        message("loss_one_step_ahead(model, loss_fn, 0.5) raised TypeError: {error}\nExpected it "
                "to step only the parameters that have a gradient. Hint: the frozen parameter's "
                ".grad is None; leave it where it is.",
                error=error)
    ) from None
except RuntimeError as error:
    raise AssertionError(
        message("loss_one_step_ahead(model, loss_fn, 0.5) raised RuntimeError: {error}\nExpected "
                "it to move the parameters quietly. Hint: a leaf that requires grad may be "
                "changed in place only while recording is off.",
                error=error)
    ) from None
assert torch.is_grad_enabled(), message(
    "Grad mode is off after loss_one_step_ahead; expected it as it was (on). Hint: a `with` "
    "block restores the grad mode it found."
)
assert type(got) is float, message(
    "loss_one_step_ahead returned {got!r}; expected a Python float. Hint: .item().", got=got
)
assert grad_modes_seen and not any(grad_modes_seen), message(
    "loss_fn ran with grad mode {modes}; expected it off: the loss one step ahead is "
    "never differentiated, and recording it keeps a whole graph alive for nothing. Hint: "
    "compute it inside the same no_grad block as the step.",
    modes=grad_modes_seen
)
changed = [name for name, param, value, _, _ in before if not torch.equal(param.detach(), value)]
assert not changed, message(
    "After the call {names} hold other values than before; expected the model exactly as it "
    "was. They are off by rounding only: subtracting lr * grad and adding it back is not exact "
    "in float32. Hint: keep a copy of each value (detach().clone()) and copy_ it back.",
    names=changed
) if all(torch.allclose(param.detach(), value) for _, param, value, _, _ in before) else message(
    "After the call {names} hold other values than before; expected the model exactly as it "
    "was. Hint: keep a copy of each value you change (detach().clone()) and put it back "
    "afterwards with copy_, inside no_grad.",
    names=changed
)
objects = [param for param in model.parameters()]
assert all(param is old for param, (_, old, _, _, _) in zip(objects, before)) and all(
    param.is_leaf and param.requires_grad is flag and param.grad_fn is None
    for param, (_, _, _, flag, _) in zip(objects, before)), message(
    "After the call a parameter is a new object, not a leaf, or has another requires_grad; "
    "expected the same leaves with the same flags. Hint: change the values in place, under "
    "no_grad, and never assign a new tensor to a parameter."
)
assert all((param.grad is None) == (grad is None) and
           (grad is None or torch.equal(param.grad, grad))
           for param, (_, _, _, _, grad) in zip(objects, before)), message(
    "After the call a parameter's .grad is not what it was; expected every .grad untouched. "
    "Hint: the step reads the gradients; nothing should write them."
)
reference, _, _ = make_model()
with torch.no_grad():
    for param in reference.parameters():
        if param.grad is not None:
            param -= 0.5 * param.grad
    expected = ((reference(inputs) - targets) ** 2).mean().item()
    current = ((model(inputs) - targets) ** 2).mean().item()
assert abs(got - expected) < 1e-6, message(
    "loss_one_step_ahead(model, loss_fn, 0.5) returned {got}; expected the loss after the "
    "step. That is the loss before the step: the parameters never moved. Hint: `param = param "
    "- ...` binds a name to a new tensor; the model still holds the old one.",
    got=got
) if abs(got - current) < 1e-6 else message(
    "loss_one_step_ahead(model, loss_fn, 0.5) returned {got}; expected the loss after the "
    "step. Hint: step every parameter that has a gradient by -lr * grad, then call "
    "loss_fn(model).",
    got=got
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_nn = _torch.nn
_torch.manual_seed(3)
_model = _nn.Sequential(_nn.Linear(2, 5), _nn.ReLU(), _nn.Linear(5, 2))
_model[2].weight.requires_grad = False
_x = _torch.rand(4, 2, dtype=_torch.float32)
_loss_fn = lambda _m: _m(_x).pow(2).sum()
_loss_fn(_model).backward()
_params = list(_model.parameters())
_values = [_p.detach().clone() for _p in _params]
_grads = [None if _p.grad is None else _p.grad.clone() for _p in _params]
_modes = []


def _spy(_m):
    _modes.append(_torch.is_grad_enabled())
    return _loss_fn(_m)


with _torch.no_grad():                        # called with grad mode off: it stays off
    _got = loss_one_step_ahead(_model, _spy, 0.1)
    assert not _torch.is_grad_enabled()
_got2 = loss_one_step_ahead(_model, _spy, 0.1)
assert type(_got) is float and type(_got2) is float and _got == _got2
assert _torch.is_grad_enabled() and _modes and not any(_modes)
assert list(_model.parameters()) == _params
for _p, _v, _g in zip(_params, _values, _grads):
    assert _torch.equal(_p.detach(), _v) and _p.is_leaf and _p.grad_fn is None
    assert (_p.grad is None) == (_g is None) and (_g is None or _torch.equal(_p.grad, _g))
with _torch.no_grad():
    for _p in _params:
        if _p.grad is not None:
            _p -= 0.1 * _p.grad
    _expected = _loss_fn(_model).item()
assert abs(_got - _expected) < 1e-5
### END HIDDEN TESTS

# %% [markdown]
# ## 10. A stricter switch: `torch.inference_mode()`
#
# For pure inference, PyTorch also has `torch.inference_mode()`, a faster `no_grad` that skips
# even the version counter. What it makes, *inference tensors*, may enter a recorded computation
# later, but may never be **saved** for backward:

# %%
w = torch.tensor([1., 2.], requires_grad=True)
with torch.inference_mode():
    t = torch.ones(2) * 3
print(t + w)                  # AddBackward0 saves neither input: fine
try:
    t * w                     # MulBackward0 would save t, for the gradient of w
except RuntimeError as error:
    print("RuntimeError:", str(error).split(".")[0])
print(t.clone() * w)          # a clone made outside is an ordinary tensor

# %% [markdown]
# ## Summary
#
# * An operation is recorded when grad mode (per thread) is on **and** an input requires grad.
# * `with torch.no_grad():` and `@torch.no_grad()` switch recording off and restore the mode they
#   found, exceptions included; `torch.set_grad_enabled(False)` on its own stays off until
#   switched back; `enable_grad()` records inside `no_grad`.
# * Under `no_grad`, a leaf can be changed in place and stays the same leaf: that is an
#   optimizer's step. The version counter still counts the write.
# * A graph holds its nodes, and what they saved, as long as its output lives: evaluate under
#   `no_grad`.
# * Frozen parameters (`requires_grad = False`) get no `.grad`, and the graph starts after them;
#   an optimizer moves every parameter whose `.grad` is not `None`.
# * `model.eval()` changes how layers compute, `no_grad` whether anything is recorded;
#   evaluation wants both, and then the mode it found.
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
