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
# # Chapter 9: The training loop
#
# Training a model means using the gradients to change the parameters, then doing it again,
# thousands of times. PyTorch splits the work between autograd, which computes gradients, and an
# **optimizer** from `torch.optim`, which turns them into new parameter values. This chapter is
# about the few lines that glue the two together:
#
# 1. the **five steps** of a training iteration, and what goes wrong without `zero_grad()`;
# 2. what **`optimizer.step()`** computes: SGD with momentum and weight decay, by hand, and
#    which parameters it leaves alone;
# 3. the **ResNet-18 step** of PyTorch's autograd tutorial, seen from the optimizer's side;
# 4. **gradient accumulation** over pieces of unequal size, and a **real task** trained to
#    convergence.
#
# Run the cells in order. Before a *predict* exercise, write down your prediction, then run it.
# In each answer cell, replace `raise NotImplementedError()` with your code; the locked test cell
# below it says what is wrong, and hidden tests check other cases at grading. `autograd_core`
# stands in for PyTorch under its name, with its own `nn` and `optim`.

# %%
import autograd_core as torch
from autograd_core import nn, optim

# %% [markdown]
# ## 1. Five steps, one iteration
#
# Whatever the model, one training iteration in PyTorch is the same five lines:
#
# ```python
# prediction = model(x)              # 1. forward: autograd records the graph
# loss = loss_fn(prediction, y)      # 2. loss: one number that says how wrong the model is
# optimizer.zero_grad()              # 3. clear the gradients of the previous iteration
# loss.backward()                    # 4. backward: d loss / d parameter, into each .grad
# optimizer.step()                   # 5. update: move each parameter using its .grad
# ```
#
# Steps 1, 2 and 4 are autograd's: the forward pass builds the graph, `backward()` walks it and
# leaves a gradient in the `.grad` of every parameter (a leaf that requires grad). Steps 3 and
# 5 are the optimizer's.
#
# Let us watch one iteration closely on the smallest model there is: `nn.Linear(1, 1)`, which
# computes $\hat y = w x + b$. We set its two parameters by hand, so that the numbers are easy
# to follow ($w = 0.5$, $b = 0$), and fit it to three points of the line $y = 2x$.

# %%
def line_model():
    """nn.Linear(1, 1) with weight 0.5 and bias 0."""
    model = nn.Linear(1, 1)
    with torch.no_grad():                 # setting parameters is not part of any graph
        model.weight.fill_(0.5)
        model.bias.fill_(0.0)
    return model


x = torch.tensor([[1.0], [2.0], [3.0]])
y = torch.tensor([[2.0], [4.0], [6.0]])

model = line_model()
loss_fn = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)
print(model)
print(model.weight, model.bias)

# %% [markdown]
# `model.parameters()` yields the two parameter tensors, and the optimizer keeps a reference to
# each: it will change them in place. Now steps 1 and 2:

# %%
prediction = model(x)
loss = loss_fn(prediction, y)
print(prediction)
print(loss)

# %% [markdown]
# The prediction is $0.5x$, so the errors are $-1.5, -3, -4.5$, and `nn.MSELoss` averages their
# squares: $(2.25 + 9 + 20.25) / 3 = 10.5$. Both results carry a `grad_fn`: the graph is
# there. The parameters have no gradient yet, so step 3 has nothing to clear. Step 4:

# %%
optimizer.zero_grad()
print(model.weight.grad, model.bias.grad)
loss.backward()
print(model.weight.grad, model.bias.grad)

# %% [markdown]
# By hand, with $e_i = \hat y_i - y_i$: $\partial L/\partial w = \frac{2}{3}\sum_i e_i x_i
# = \frac{2}{3}(-1.5 - 6 - 13.5) = -14$ and $\partial L/\partial b = \frac{2}{3}\sum_i e_i
# = -6$. Both negative: increasing $w$ or $b$ would reduce the loss. Step 5, plain SGD with
# learning rate $0.1$, moves each parameter against its gradient, $p \leftarrow p - 0.1 \cdot
# \nabla_p L$:

# %%
optimizer.step()
print(model.weight, model.bias)

# %% [markdown]
# $w = 0.5 + 1.4 = 1.9$ and $b = 0 + 0.6 = 0.6$. The same `Parameter` objects, with new
# values: `step()` wrote into them in place (under `no_grad`, so the update itself is not
# recorded; chapter 5 explains why it must not be).
#
# Repeat the five steps, and the line fits. `fit_line` prints the loss and the parameters every
# 20 iterations and returns the losses:

# %%
def fit_line(steps=100, zero_grad=True):
    """Fit line_model() to (x, y) with SGD(lr=0.1), printing progress; return the losses."""
    model = line_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for step in range(steps):
        loss = loss_fn(model(x), y)       # 1-2. forward and loss
        if zero_grad:
            optimizer.zero_grad()         # 3. clear
        loss.backward()                   # 4. backward
        optimizer.step()                  # 5. update
        losses.append(loss.item())
        if step % 20 == 0 or step == steps - 1:
            print(f"step {step:3d}  loss {loss.item():<10.4g} "
                  f"w {model.weight.item():7.4f}  b {model.bias.item():7.4f}")
    return losses


losses_zeroing = fit_line()

# %% [markdown]
# The loss falls from 10.5 towards 0, $w$ approaches 2 and $b$ approaches 0. (The loss printed
# at step $k$ is the one computed *before* that step's update, as it is in every training loop.)
#
# ## 2. Gradients add up: why `zero_grad()` is step 3
#
# `backward()` does not write a gradient into `.grad`; it **adds** one (chapter 3).
# Across iterations, the gradient of the previous iteration is still there when the next one
# arrives, unless something clears it.
#
# ### Exercise 1 (predict, then run): an optimizer without `zero_grad()`
#
# The loss $3w$ has the gradient $3$ wherever $w$ is. The loop below takes three SGD steps with
# learning rate $0.1$, starting from $w = 1$, and never clears `w.grad`. Read it, run it (it
# prints nothing), and work out the value of `w` at the end.

# %%
w = torch.tensor(1.0, requires_grad=True)
optimizer = optim.SGD([w], lr=0.1)
for step in range(3):
    loss = 3 * w
    loss.backward()
    optimizer.step()          # no optimizer.zero_grad() anywhere

# %% [markdown]
# Replace `raise NotImplementedError()` with `w_after = ...`: your prediction of `w.item()`
# after the loop, as a number.

# %% nbgrader={"grade": false, "grade_id": "ex1_no_zero_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your prediction: w_after = ...
### BEGIN SOLUTION
w_after = 1.0 - 0.1 * (3 + 6 + 9)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1_no_zero_grad_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import math

import autograd_core as torch
from autograd_core import optim
from course_messages import message

assert "w_after" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="w_after"
)
assert type(w_after) in (int, float), message(
    "Expected a number for w_after; got {got!r}. Hint: write a Python number, not a tensor.",
    got=w_after
)
weight = torch.tensor(1.0, requires_grad=True)
sgd = optim.SGD([weight], lr=0.1)
for _ in range(3):
    (3 * weight).backward()
    sgd.step()
assert math.isclose(w_after, weight.item(), abs_tol=1e-4), message(
    "w_after is {w_after}; expected the value of w after the three steps. Hint: without "
    "zero_grad(), the .grad that each step() reads is the sum of every backward() so far, so "
    "the step grows each time; write down w.grad and w after each iteration.",
    w_after=w_after
)
### BEGIN HIDDEN TESTS
import math

import autograd_core as _torch
from autograd_core import optim as _optim

_w = _torch.tensor(1.0, requires_grad=True)
_sgd = _optim.SGD([_w], lr=0.1)
for _ in range(3):
    (3 * _w).backward()
    _sgd.step()
assert type(w_after) in (int, float)
assert math.isclose(float(w_after), -0.8, abs_tol=1e-4)
assert math.isclose(float(w_after), _w.item(), abs_tol=1e-4)
### END HIDDEN TESTS

# %%
print(w, w.grad)

# %% [markdown]
# <details><summary><b>Step by step</b> (open it once your test passes)</summary>
#
# The gradients were 3, then 6, then 9, so the steps were 0.3, 0.6 and 0.9: $w = 1 - 1.8 =
# -0.8$, where clearing the gradient would have given $1 - 0.9 = 0.1$. `w.grad` is left at 9.
#
# </details>

# %% [markdown]
# ### A real loop without step 3
#
# In a real loop the stale gradients point in old directions, and the damage is worse than
# large steps. Here is `fit_line` from section 1 again, with step 3 left out, and both losses
# on one plot:

# %%
losses_never_zeroing = fit_line(zero_grad=False)

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
from autograd_core.viz import plot_losses

plot_losses({"optimizer.zero_grad() at every step": losses_zeroing,
             "never zeroing": losses_never_zeroing},
            title="Fitting y = 2x with SGD(lr=0.1)", log_scale=True, figsize=(6.0, 3.0))

# %% [markdown]
# Without clearing, the loss goes down, then up again, and never settles: the update at step
# $k$ uses the sum of *all* the gradients so far, $\sum_{j \le k} g_j$. That is SGD with
# momentum 1 (section 4): a ball rolling in a bowl without friction, which swings past the
# bottom forever.
#
# ## 3. Clearing gradients: `None` or zeros
#
# There are two ways to clear a gradient, and PyTorch offers both:
#
# | call | what `.grad` becomes |
# |---|---|
# | `optimizer.zero_grad()` (PyTorch 2.x default, `set_to_none=True`) | `None` |
# | `optimizer.zero_grad(set_to_none=False)` (the default before PyTorch 2.0) | a tensor of zeros, the same one, zeroed in place |
# | `model.zero_grad()` | the same, for every parameter of the model |
# | by hand: `for p in model.parameters(): p.grad = None` | `None` |
# | by hand: `p.grad.zero_()` (only if `p.grad is not None`) | zeros, in place |

# %%
model = line_model()
optimizer = optim.SGD(model.parameters(), lr=0.1)

loss_fn(model(x), y).backward()
optimizer.zero_grad()
print(model.weight.grad)

loss_fn(model(x), y).backward()
optimizer.zero_grad(set_to_none=False)
print(model.weight.grad)

# %% [markdown]
# Both make the next `backward()` start from nothing. `None` is the default because it is
# cheaper: no memory kept between iterations, no zeros to write and then add to. (It also
# matters to the optimizer: section 5.) `model.zero_grad()` and `optimizer.zero_grad()` clear
# different sets when the optimizer holds only some of the model's parameters: each clears its
# own.
#
# **Where step 3 goes.** Anywhere in the iteration, except between `backward()` and `step()`:
# there, it throws away the gradients `step()` is about to use. With the default
# `set_to_none=True`, `step()` then finds `None` everywhere and changes nothing, silently:

# %%
model = line_model()
optimizer = optim.SGD(model.parameters(), lr=0.1)
loss = loss_fn(model(x), y)
loss.backward()
optimizer.zero_grad()         # wrong place: between backward() and step()
optimizer.step()
print(model.weight, model.bias)

# %% [markdown]
# Calling it first in the iteration, as we do, also protects the first iteration from
# gradients left over by earlier code (a debugging `backward()`, a previous experiment).
#
# ### Exercise 2: one training step
#
# Write `train_step(model, optimizer, loss_fn, x, y)`: one iteration of the five steps on the
# batch `(x, y)`. It starts from clean gradients (whatever `.grad` held when it was called must
# not count), updates the model's parameters through `optimizer`, and returns the loss computed
# in the forward pass (before the update) as a Python float.

# %% nbgrader={"grade": false, "grade_id": "ex2_train_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def train_step(model, optimizer, loss_fn, x, y) -> float:
    """One training iteration on (x, y); returns the loss before the update, as a float."""
    ### BEGIN SOLUTION
    prediction = model(x)
    loss = loss_fn(prediction, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_train_step_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import math

import autograd_core as torch
from autograd_core import nn, optim
from course_messages import message


def fresh_line():
    line = nn.Linear(1, 1)
    with torch.no_grad():
        line.weight.fill_(0.5)
        line.bias.fill_(0.0)
    return line


inputs = torch.tensor([[1.0], [2.0], [3.0]])
targets = torch.tensor([[2.0], [4.0], [6.0]])
mine, reference = fresh_line(), fresh_line()
my_sgd = optim.SGD(mine.parameters(), lr=0.1)
reference_sgd = optim.SGD(reference.parameters(), lr=0.1)
for call in (1, 2):
    try:
        got = train_step(mine, my_sgd, nn.MSELoss(), inputs, targets)
    except NotImplementedError:
        raise AssertionError(
            message("{function} is not written yet: replace `raise NotImplementedError()` in its "
                    "cell with your code and run it again.",
                    function="train_step")
        ) from None
    expected = nn.MSELoss()(reference(inputs), targets)
    reference_sgd.zero_grad()
    expected.backward()
    reference_sgd.step()
    assert type(got) is float, message(
        "train_step returned {got!r} on call {call}; expected the loss as a Python float. "
        "Hint: .item() turns a one-element tensor into a Python number.",
        got=got, call=call
    )
    assert math.isclose(got, expected.item(), rel_tol=1e-5), message(
        "train_step returned {got} on call {call}; expected the loss of the forward pass, "
        "computed before the update. Hint: return the loss of this call's prediction.",
        got=got, call=call
    )
    moved = {"weight": mine.weight.item(), "bias": mine.bias.item()}
    wanted = {"weight": reference.weight.item(), "bias": reference.bias.item()}
    assert all(math.isclose(moved[k], wanted[k], rel_tol=1e-5, abs_tol=1e-6) for k in moved), message(
        "After call {call} of train_step the parameters are {moved}; expected those of one "
        "more SGD step each call. Hint: did the parameters move at all? check the order of "
        "zero_grad(), backward() and step(), and that every call clears the previous call's "
        "gradients.",
        call=call, moved=moved
    ) if call == 1 else message(
        "After call {call} of train_step the parameters are {moved}; expected those of one "
        "more SGD step each call. Hint: check the order of zero_grad(), backward() and step(), "
        "and that every call clears the previous call's gradients.",
        call=call, moved=moved
    )
### BEGIN HIDDEN TESTS
import math

import autograd_core as _torch
from autograd_core import nn as _nn, optim as _optim

_torch.manual_seed(3)
_a = _nn.Sequential(_nn.Linear(3, 4), _nn.Tanh(), _nn.Linear(4, 2))
_b = _nn.Sequential(_nn.Linear(3, 4), _nn.Tanh(), _nn.Linear(4, 2))
_b.load_state_dict(_a.state_dict())
_x, _y = _torch.randn(5, 3), _torch.randn(5, 2)
for _p in _a.parameters():                 # stale gradients left by earlier code must not count
    _p.grad = _torch.full(_p.shape, 100.0)
_sa = _optim.SGD(_a.parameters(), lr=0.05, momentum=0.9)
_sb = _optim.SGD(_b.parameters(), lr=0.05, momentum=0.9)
for _ in range(4):
    _got = train_step(_a, _sa, _nn.MSELoss(), _x, _y)
    _loss = _nn.MSELoss()(_b(_x), _y)
    _sb.zero_grad()
    _loss.backward()
    _sb.step()
    assert type(_got) is float and math.isclose(_got, _loss.item(), rel_tol=1e-5)
for _pa, _pb in zip(_a.parameters(), _b.parameters()):
    assert _torch.allclose(_pa, _pb, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Inside `optimizer.step()`
#
# An optimizer is a loop over its parameters with a formula inside. `optim.SGD` is the
# simplest, and the one PyTorch's tutorial uses. Let us write it out.
#
# ### 4.1 Plain SGD
#
# With no options, SGD moves each parameter $p$ against its gradient $g$ = `p.grad`:
#
# $$p \leftarrow p - \text{lr} \cdot g$$
#
# By hand that is two lines, inside `torch.no_grad()` because the update must not become part of
# any graph (and because an in-place change of a leaf that requires grad is refused otherwise).
# One step by hand and one by `optim.SGD`, on two copies of the line model, give the same
# parameters:

# %%
by_hand, by_sgd = line_model(), line_model()
optimizer = optim.SGD(by_sgd.parameters(), lr=0.1)

for model in (by_hand, by_sgd):
    loss_fn(model(x), y).backward()

with torch.no_grad():
    for p in by_hand.parameters():
        p -= 0.1 * p.grad
optimizer.step()

print(by_hand.weight, by_sgd.weight)
print(by_hand.bias, by_sgd.bias)

# %% [markdown]
# ### 4.2 Momentum
#
# `optim.SGD(params, lr, momentum=0.9)`, as in the tutorial, keeps one more tensor per
# parameter, a **momentum buffer** $b$, the same shape as $p$. PyTorch's rule:
#
# $$b \leftarrow \mu\, b + g \quad (\text{on the first step, } b \leftarrow g), \qquad
#   p \leftarrow p - \text{lr} \cdot b$$
#
# The buffer is a running sum of past gradients, each shrunk by $\mu$ per step: gradients that
# keep pointing the same way add up to long strides, gradients that flip sign cancel. Textbooks
# differ: some write $b \leftarrow \mu b + (1 - \mu) g$, an average, which needs a learning rate
# $1/(1-\mu)$ times larger to match. PyTorch's optional `dampening` makes it
# $b \leftarrow \mu b + (1 - \text{dampening})\, g$, but not on the first step, where
# $b \leftarrow g$ still; `nesterov=True` steps along $g + \mu b$. Both are off by default.
#
# The buffers live in the optimizer, in `optimizer.state`, a dict keyed by the parameter
# tensors themselves. Before the first step it is empty:

# %%
p = torch.tensor([1.0], requires_grad=True)
optimizer = optim.SGD([p], lr=0.1, momentum=0.9)
print(optimizer)
print(optimizer.state)

# %% [markdown]
# Printing an optimizer shows its **parameter groups**: here one, with every setting, most at
# PyTorch's defaults. `optimizer.param_groups` is a list of dicts, one per group, each with its
# `"params"` and its settings; a learning-rate schedule is nothing more than code that changes
# `group["lr"]` between steps.
#
# Now minimise $p^2$ (gradient $2p$) from $p = 1$ with plain SGD and with momentum, side by
# side, and print the buffer:

# %%
p = torch.tensor([1.0], requires_grad=True)   # with momentum 0.9
q = torch.tensor([1.0], requires_grad=True)   # plain SGD
with_momentum = optim.SGD([p], lr=0.1, momentum=0.9)
plain = optim.SGD([q], lr=0.1)

table = ["step   plain    momentum   buffer"]
for step in range(1, 9):
    for optimizer, param in ((with_momentum, p), (plain, q)):
        optimizer.zero_grad()
        (param**2).sum().backward()
        optimizer.step()
    buffer = with_momentum.state[p]["momentum_buffer"]
    table.append(f"{step:4d}  {q.item():7.4f}   {p.item():7.4f}   {buffer.item():7.4f}")
print("\n".join(table))

# %% [markdown]
# Check the first three rows by hand. Step 1: $g = 2$, $b = g = 2$, $p = 1 - 0.2 = 0.8$ (the
# same as plain SGD: a first step with momentum is a plain step). Step 2: $g = 1.6$, $b = 0.9
# \cdot 2 + 1.6 = 3.4$, $p = 0.8 - 0.34 = 0.46$. Step 3: $g = 0.92$, $b = 3.06 + 0.92 = 3.98$,
# $p = 0.062$. Momentum races ahead, overshoots below 0 at step 4, and swings back; plain SGD
# creeps towards 0.
#
# The difference shows best on a long, narrow valley, $f(p) = \frac12 p_0^2 + 10\, p_1^2$. A
# learning rate small enough not to blow up across the valley makes plain SGD crawl along it;
# momentum builds up speed along it, while across it the gradients flip sign and cancel in the
# buffer:

# %%
import matplotlib.pyplot as plt


def trajectory(momentum, steps=30):
    """The points visited by SGD(lr=0.04) on 0.5 * p0**2 + 10 * p1**2, from (-4, 1)."""
    p = torch.tensor([-4.0, 1.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=0.04, momentum=momentum)
    path = [p.detach().tolist()]
    for _ in range(steps):
        optimizer.zero_grad()
        (0.5 * p[0] ** 2 + 10 * p[1] ** 2).backward()
        optimizer.step()
        path.append(p.detach().tolist())
    return path


plain_path, momentum_path = trajectory(0.0), trajectory(0.8)
for name, path in (("plain", plain_path), ("momentum 0.8", momentum_path)):
    print(f"{name:>12}: after 30 steps p = ({path[-1][0]:.3f}, {path[-1][1]:.3f})")

grid = torch.linspace(-4.5, 1.5, 61)
rows, columns = grid.tolist(), torch.linspace(-1.2, 1.2, 49).tolist()
heights = [[0.5 * a**2 + 10 * b**2 for a in rows] for b in columns]
plt.figure(figsize=(8, 3.5))
plt.contour(rows, columns, heights, levels=[0.1, 0.5, 1, 2, 4, 8, 12], colors="#bbbbbb")
for name, path, style in (("plain SGD", plain_path, "o-"), ("momentum 0.8", momentum_path, ".-")):
    plt.plot([a for a, _ in path], [b for _, b in path], style, label=name, markersize=4)
plt.plot([0], [0], "k*", markersize=12, label="minimum")
plt.legend()
plt.title("30 steps of SGD(lr=0.04) on 0.5 p0² + 10 p1²")
plt.show()

# %% [markdown]
# Plain SGD has covered less than three quarters of the way; momentum zigzags at first, then
# ends close to the minimum.
#
# ### 4.3 Weight decay
#
# `weight_decay=wd` adds $\text{wd} \cdot p$ to the gradient before anything else:
#
# $$g \leftarrow g + \text{wd} \cdot p$$
#
# which is the gradient of the extra loss term $\frac{\text{wd}}{2}\lVert p \rVert^2$: an L2
# penalty that pulls every weight towards 0. The two spellings give the same step:

# %%
a = torch.tensor([1.0, -2.0], requires_grad=True)
b = torch.tensor([1.0, -2.0], requires_grad=True)
decayed = optim.SGD([a], lr=0.1, weight_decay=0.1)
penalised = optim.SGD([b], lr=0.1)

(a**2).sum().backward()
decayed.step()

((b**2).sum() + 0.1 / 2 * (b**2).sum()).backward()
penalised.step()

print(a, b)

# %% [markdown]
# $g = 2p + 0.1p = 2.1p$, so $p \leftarrow p - 0.21p = 0.79p$.
#
# ### Exercise 3: SGD with momentum, by hand
#
# Write `sgd_step(params, buffers, lr, momentum=0.0, weight_decay=0.0)`: one update of every
# tensor in the list `params`, in place, exactly as `optim.SGD(params, lr=lr,
# momentum=momentum, weight_decay=weight_decay)` would do it (sections 4.1 to 4.3).
#
# `buffers` is a list as long as `params`: `buffers[i]` is the momentum buffer of `params[i]`,
# or `None` before its first step. `sgd_step` stores the new buffers in that list (the test
# passes the same list to every call). A parameter whose `.grad` is `None` is skipped. It
# returns `None`.

# %% nbgrader={"grade": false, "grade_id": "ex3_sgd_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sgd_step(params: list, buffers: list, lr: float, momentum: float = 0.0,
             weight_decay: float = 0.0) -> None:
    """Update each tensor of params in place as optim.SGD does; keep momentum buffers in buffers."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        for i, p in enumerate(params):
            if p.grad is None:
                continue
            g = p.grad
            if weight_decay != 0:
                g = g + weight_decay * p
            if momentum != 0:
                if buffers[i] is None:
                    buffers[i] = g.clone()
                else:
                    buffers[i] = momentum * buffers[i] + g
                g = buffers[i]
            p -= lr * g
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_sgd_step_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from autograd_core import optim
from course_messages import message


def compare_with_sgd(steps, unused=False, **settings):
    """Run sgd_step and optim.SGD side by side on the same loss; return a problem or None.
    With unused=True a third parameter takes no part in the loss: its .grad stays None."""
    start = [[1.0, -2.0, 0.5], [3.0], [7.0]]
    mine = [torch.tensor(v, requires_grad=True) for v in start]
    theirs = [torch.tensor(v, requires_grad=True) for v in start]
    if not unused:
        mine, theirs = mine[:2], theirs[:2]
    reference = optim.SGD(theirs, **settings)
    buffers = [None] * len(mine)
    for step in range(1, steps + 1):
        for params in (mine, theirs):
            for param in params:
                param.grad = None
            loss = (params[0] ** 2).sum() * params[1].sum() + (params[0] * 3).sum()
            loss.backward()
        try:
            returned = sgd_step(mine, buffers, **settings)
        except NotImplementedError:
            raise AssertionError(
                message("{function} is not written yet: replace `raise NotImplementedError()` in "
                        "its cell with your code and run it again.",
                        function="sgd_step")
            ) from None
        except Exception as error:
            if not unused:
                raise
            return message("with a parameter whose .grad is None, sgd_step raised "
                           "{error_type}: {error}", error_type=type(error).__name__, error=error)
        reference.step()
        if returned is not None:
            return message("sgd_step returned {got!r}; expected None (it updates in place)",
                           got=returned)
        for i, (p, r) in enumerate(zip(mine, theirs)):
            if type(p) is not torch.Tensor:
                return message("after sgd_step, params[{index}] is a {got_type}; expected the "
                               "same tensor, updated in place", index=i, got_type=type(p).__name__)
            if not torch.allclose(p, r, rtol=1e-4, atol=1e-5):
                return message("with {settings}, after step {step}, params[{index}] is {got}, "
                               "which differs from what optim.SGD gives",
                               settings=settings, step=step, index=i, got=p.tolist())
    return None


problem = compare_with_sgd(1, lr=0.1)
assert problem is None, message(
    "{problem}; expected the plain SGD update. Hint: p -= lr * p.grad, inside torch.no_grad().",
    problem=problem
)
problem = compare_with_sgd(1, lr=0.1, weight_decay=0.5)
assert problem is None, message(
    "{problem}; expected the update with weight decay. Hint: weight decay adds "
    "weight_decay * p to the gradient before anything else (section 4.3).",
    problem=problem
)
problem = compare_with_sgd(5, lr=0.1, momentum=0.9)
assert problem is None, message(
    "{problem}; expected the same parameters at every step. Hint: on a parameter's first step "
    "the buffer is the gradient itself; afterwards buffer = momentum * buffer + grad (no "
    "factor on grad), and the step is lr * buffer. Keep each buffer in buffers[i] between calls.",
    problem=problem
)
problem = compare_with_sgd(3, lr=0.1, momentum=0.9, weight_decay=0.5)
assert problem is None, message(
    "{problem}; expected momentum and weight decay together. Hint: the decayed gradient "
    "g + weight_decay * p is what enters the momentum buffer.",
    problem=problem
)
problem = compare_with_sgd(2, unused=True, lr=0.1, momentum=0.9, weight_decay=0.5)
assert problem is None, message(
    "{problem}; expected a parameter without a gradient to be left alone, and the others "
    "updated. Hint: skip a parameter whose .grad is None (continue), before anything else.",
    problem=problem
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch
from autograd_core import optim as _optim


def _run(steps, skip_second=False, **settings):
    _start = [[1.0, -2.0, 0.5], [3.0], [0.25, 0.75]]
    _mine = [_torch.tensor(v, requires_grad=True) for v in _start]
    _theirs = [_torch.tensor(v, requires_grad=True) for v in _start]
    _ref = _optim.SGD(_theirs, **settings)
    _buffers = [None] * 3
    for _ in range(steps):
        for _params in (_mine, _theirs):
            for _p in _params:
                _p.grad = None
            _loss = (_params[0] ** 2).sum() * _params[1].sum() + (_params[2] ** 3).sum()
            if skip_second:
                _loss = (_params[0] ** 2).sum() + (_params[2] ** 3).sum()
            _loss.backward()
        assert sgd_step(_mine, _buffers, **settings) is None
        _ref.step()
        for _p, _r in zip(_mine, _theirs):
            assert type(_p) is _torch.Tensor, settings
            assert _torch.allclose(_p, _r, rtol=1e-4, atol=1e-5), (settings, _p, _r)
    return _mine, _buffers, _ref, _theirs


_run(5, lr=0.05, weight_decay=0.1)
_mine, _buffers, _ref, _theirs = _run(5, lr=0.02, momentum=0.5, weight_decay=0.01)
for _b, _r in zip(_buffers, _theirs):
    assert type(_b) is _torch.Tensor
    assert _torch.allclose(_b, _ref.state[_r]["momentum_buffer"], rtol=1e-4, atol=1e-5)
_mine, _buffers, _, _ = _run(3, skip_second=True, lr=0.1, momentum=0.9, weight_decay=0.1)
assert _mine[1].tolist() == [3.0] and _buffers[1] is None      # no .grad: skipped entirely
### END HIDDEN TESTS

# %% [markdown]
# ## 5. What `step()` leaves alone
#
# `step()` loops over every parameter it was given, and skips a parameter whose `.grad` is
# `None`. That is how **frozen** parameters (`requires_grad=False`) stay where they are even when
# handed to the optimizer, as in chapter 5's fine-tuning: `backward()` never gives them a
# gradient.
#
# ### Exercise 4 (predict, then run): which parameters move?
#
# Four parameters go to one optimizer with weight decay. `a` is used by the loss, `b` is frozen
# (it does not require grad), `c` requires grad but the loss does not use it, and `d` has a
# `.grad` of zeros, as `zero_grad(set_to_none=False)` would leave it. Read the cell and run it
# (it prints nothing).

# %%
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([1.0, 2.0])
c = torch.tensor([1.0, 2.0], requires_grad=True)
d = torch.tensor([1.0, 2.0], requires_grad=True)
d.grad = torch.zeros(2)

optimizer = optim.SGD([a, b, c, d], lr=0.1, weight_decay=0.01)
before = {name: t.detach().clone() for name, t in zip("abcd", (a, b, c, d))}
loss = (a * b).sum()
loss.backward()
optimizer.step()

# %% [markdown]
# Replace `raise NotImplementedError()` with `changed_names = {...}`: the set of the names (as
# strings, e.g. `"a"`) of the parameters whose values `optimizer.step()` changed.

# %% nbgrader={"grade": false, "grade_id": "ex4_which_moved", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your prediction: changed_names = {...}
### BEGIN SOLUTION
changed_names = {"a", "d"}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex4_which_moved_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch
from autograd_core import optim
from course_messages import message

assert "changed_names" in globals(), message(
    "{name} is not defined yet: write your prediction in the cell above and run it.",
    name="changed_names"
)
assert type(changed_names) is set and all(type(name) is str for name in changed_names) and \
    changed_names <= set("abcd"), message(
        "Expected a set of names taken from 'a', 'b', 'c', 'd'; got {got!r}.", got=changed_names
    )
params = {name: torch.tensor([1.0, 2.0], requires_grad=(name != "b")) for name in "abcd"}
params["d"].grad = torch.zeros(2)
starts = {name: t.detach().clone() for name, t in params.items()}
decaying = optim.SGD(list(params.values()), lr=0.1, weight_decay=0.01)
(params["a"] * params["b"]).sum().backward()
decaying.step()
actual = {name for name, t in params.items() if not torch.equal(t.detach(), starts[name])}
missing, extra = actual - changed_names, changed_names - actual
assert not missing and not extra, message(
    "Expected the set of parameters that step() changed; got {got}, which "
    "misses {missing} of them and has {extra} name(s) too many. Hint: for each "
    "parameter, ask whether its .grad is None after backward(), and what weight decay adds to "
    "a gradient (section 4.3).",
    got=sorted(changed_names), missing=len(missing), extra=len(extra)
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch
from autograd_core import optim as _optim

_params = {n: _torch.tensor([1.0, 2.0], requires_grad=(n != "b")) for n in "abcd"}
_params["d"].grad = _torch.zeros(2)
_starts = {n: t.detach().clone() for n, t in _params.items()}
_o = _optim.SGD(list(_params.values()), lr=0.1, weight_decay=0.01)
(_params["a"] * _params["b"]).sum().backward()
_o.step()
assert type(changed_names) is set and all(type(_n) is str for _n in changed_names)
assert changed_names == {n for n, t in _params.items() if not _torch.equal(t.detach(), _starts[n])}
### END HIDDEN TESTS

# %%
for name, t in zip("abcd", (a, b, c, d)):
    print(name, before[name], "->", t.detach(), " grad:", t.grad)

# %% [markdown]
# <details><summary><b>Parameter by parameter</b> (open it once your test passes)</summary>
#
# * `a` has a gradient ($\partial (a \cdot b)/\partial a = b$) and moves.
# * `b` is frozen: no gradient, skipped.
# * `c` requires grad, but no path leads from the loss to it, so `backward()` left its `.grad`
#   at `None`: skipped too.
# * `d` has a gradient of zeros, which is not `None`: `step()` adds weight decay,
#   $0 + 0.01 \cdot d$, and `d` shrinks by 0.1 %. With momentum, a zero gradient would also
#   keep it rolling along its old buffer.
#
# So a parameter that does not take part in a forward pass (a branch of the model not used for
# this batch, say) is left exactly alone when `zero_grad()` sets gradients to `None`, and is
# still decayed and pushed by momentum when it fills them with zeros. That is one reason
# PyTorch 2.0 changed the default.
#
# </details>

# %% [markdown]
#
# ## 6. The tutorial's ResNet-18 step
#
# PyTorch's tutorial "A Gentle Introduction to `torch.autograd`" shows the whole workflow on a
# real image classifier, a ResNet-18. In PyTorch the model comes from torchvision:
#
# ```python
# model = torchvision.models.resnet18(weights=torchvision.models.ResNet18_Weights.DEFAULT)
# ```
#
# (`weights=None` gives random weights; before torchvision 0.13 these were
# `pretrained=True` and `pretrained=False`.)
#
# which downloads weights trained on ImageNet (a 44.7 MB file). This course cannot download
# anything; `autograd_core.models.resnet18()` builds the same architecture, with torchvision's
# layer names and random initialisation, and asking it for pretrained weights raises an error
# that says so. Random weights change nothing below: the shapes, the gradients' structure and
# the optimizer's bookkeeping are the same.
#
# The tutorial's step, as it writes it: a random 64×64 RGB image as a batch of one, random
# "labels" of shape `(1, 1000)`, the forward pass, a loss, the backward pass, and an SGD step
# with momentum. (These cells use random numbers, so their values differ from PyTorch's run to
# run; the shapes and the counts do not.)

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
torch.manual_seed(0)
model = torch.models.resnet18()
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

prediction = model(data)                      # forward pass
print(prediction.shape)

loss = (prediction - labels).sum()
loss.backward()                               # backward pass

parameters = list(model.parameters())
print(sum(p.grad is not None for p in parameters), "of", len(parameters),
      "parameter tensors have a .grad")

# %% [markdown]
# `prediction.shape` is `torch.Size([1, 1000])`: one score per ImageNet class for our one image,
# and after `backward()` all 62 parameter tensors (11,689,512 numbers) hold a gradient.
#
# Look at the "loss", though: $\sum_i (\text{prediction}_i - \text{labels}_i)$. Its gradient
# with respect to every prediction is 1, whatever the labels are, so the labels have no effect
# on any gradient. It serves the tutorial to trigger a `backward()`, but it is not something to
# train with: lowering it just pushes every score down without bound. A real classifier uses
# `nn.CrossEntropyLoss` (section 8), a regression `nn.MSELoss`. You can see it on the last
# layer: `fc` computes $\text{prediction} = W h + \text{bias}$, so $\partial\,\text{loss} /
# \partial\,\text{bias} = 1$ for each of the 1000 entries.

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
print(model.fc.bias.grad[:5])
print(torch.equal(model.fc.bias.grad, torch.ones(1000)))

# %% [markdown]
# Now the optimizer, with the tutorial's settings. (We call it `optimizer`: the name `optim`,
# which the tutorial uses, hides the `optim` module of `from torch import optim`.) The momentum buffers
# do not exist until the first `step()` creates them, one per parameter, equal to the gradient
# on this first step; and since a first step with momentum is a plain step, the bias of `fc`
# moves by exactly $\text{lr} \cdot 1 = 0.01$:

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
print(len(optimizer.state), "momentum buffers before step()")
bias_before = model.fc.bias.detach().clone()

optimizer.step()                              # gradient descent

print(len(optimizer.state), "momentum buffers after step()")
buffer = optimizer.state[model.fc.weight]["momentum_buffer"]
print(torch.equal(buffer, model.fc.weight.grad))
print(torch.allclose(model.fc.bias.detach(), bias_before - 0.01))

# %% [markdown]
# A second iteration would give the bias the same gradient of ones and move it by
# $0.01 \cdot (0.9 + 1) = 0.019$, a third by $0.0271$. The buffers cost memory: one extra tensor
# the size of each parameter, another 11.7 million numbers here (Adam keeps two).
#
# ## 7. Gradient accumulation over pieces of any size
#
# Chapter 3 accumulated the gradient of a big batch in `.grad` from equal pieces.
# Here it meets an optimizer, and pieces of different sizes. (The equality is exact when a
# model's output for one example does not depend on the rest of the batch; `BatchNorm` breaks
# it.)
#
# ### Exercise 5: accumulate, then step
#
# Write `accumulate_step(model, optimizer, loss_fn, x, y, num_pieces)`: one optimizer step on the
# batch `(x, y)`, computed by running the model on `x.chunk(num_pieces)` (and the matching pieces
# of `y`) one piece at a time. `loss_fn` averages over its batch (`reduction="mean"`). The
# update must be exactly the one a single step on the whole batch would make, whatever the sizes
# of the pieces (`chunk` splits 10 rows into 4 pieces as 3, 3, 3 and 1), and gradients present
# before the call must not count. Return the loss of the whole batch as a Python float.

# %% nbgrader={"grade": false, "grade_id": "ex5_accumulate_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def accumulate_step(model, optimizer, loss_fn, x, y, num_pieces: int) -> float:
    """One optimizer step on (x, y), accumulating gradients over x.chunk(num_pieces)."""
    ### BEGIN SOLUTION
    optimizer.zero_grad()
    total = 0.0
    for x_piece, y_piece in zip(x.chunk(num_pieces), y.chunk(num_pieces)):
        loss = loss_fn(model(x_piece), y_piece) * (len(x_piece) / len(x))
        loss.backward()
        total += loss.item()
    optimizer.step()
    return total
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_accumulate_step_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import math

import autograd_core as torch
from autograd_core import nn, optim
from course_messages import message


class CountingLinear(nn.Linear):
    """An nn.Linear that records the batch size of each forward pass."""

    def __init__(self, *args):
        super().__init__(*args)
        self.batch_sizes = []

    def forward(self, inputs):
        self.batch_sizes.append(inputs.shape[0])
        return super().forward(inputs)


class CountingSGD(optim.SGD):
    """An optim.SGD that counts its steps."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = 0

    def step(self, *args, **kwargs):
        self.steps += 1
        return super().step(*args, **kwargs)


def fixed_counting_linear():
    layer = CountingLinear(3, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.1, -0.2, 0.3], [0.0, 0.5, -0.1]]))
        layer.bias.copy_(torch.tensor([0.2, -0.3]))
    return layer


def run(rows, num_pieces, stale=False):
    """accumulate_step on the first `rows` examples, and one plain step on the whole batch."""
    inputs = torch.arange(3.0 * rows).reshape(rows, 3) / 10
    targets = torch.cat([inputs.sum(dim=1, keepdim=True), -inputs[:, :1] ** 2], dim=1)
    mine, whole = fixed_counting_linear(), fixed_counting_linear()
    if stale:
        for param in mine.parameters():
            param.grad = torch.full(param.shape, 100.0)
    sgd = CountingSGD(mine.parameters(), lr=0.1)
    try:
        got = accumulate_step(mine, sgd, nn.MSELoss(), inputs, targets, num_pieces)
    except NotImplementedError:
        raise AssertionError(
            message("{function} is not written yet: replace `raise NotImplementedError()` in its "
                    "cell with your code and run it again.",
                    function="accumulate_step")
        ) from None
    whole_loss = nn.MSELoss()(whole(inputs), targets)
    whole_loss.backward()
    optim.SGD(whole.parameters(), lr=0.1).step()
    return got, whole_loss.item(), mine, whole, sgd.steps


def moves(model):
    start = fixed_counting_linear()
    return torch.cat([(model.weight - start.weight).flatten(), model.bias - start.bias]).detach()


got, whole_loss, mine, whole, steps = run(8, 4)
assert mine.batch_sizes == [2, 2, 2, 2], message(
    "The model was called on batches of sizes {batch_sizes}; expected one call per piece "
    "of x.chunk(4). Hint: loop over zip(x.chunk(num_pieces), y.chunk(num_pieces)).",
    batch_sizes=mine.batch_sizes
)
assert steps == 1, message(
    "optimizer.step() ran {steps} times in one accumulate_step call; expected one step, after "
    "all the pieces. Hint: the pieces' backward() calls add up in .grad; step() once at the end.",
    steps=steps
)
assert not torch.allclose(moves(mine), 4 * moves(whole), atol=1e-6), message(
    "With 4 equal pieces, accumulate_step moved the parameters 4 times as far as one step on "
    "the whole batch; expected the same update. Hint: each piece's loss is a mean over the "
    "piece; the pieces' losses must add up to the mean over the whole batch."
)
assert torch.allclose(moves(mine), moves(whole), atol=1e-6), message(
    "With 4 equal pieces, accumulate_step moved the parameters by {moves}; "
    "expected the update of one step on the whole batch. Hint: one backward() per piece on "
    "its scaled loss, so that the scaled losses add up to the whole batch's mean loss.",
    moves=moves(mine).tolist()
)
got, whole_loss, mine, whole, steps = run(10, 4)
assert torch.allclose(moves(mine), moves(whole), atol=1e-6), message(
    "With 10 rows in pieces of {batch_sizes}, accumulate_step moved the parameters by "
    "{moves}; expected the update of one step on the whole batch (it was right "
    "with equal pieces). Hint: a piece of 1 example must weigh less than a piece of 3; weigh "
    "each piece's mean by its share of the examples, not by 1 / num_pieces.",
    batch_sizes=mine.batch_sizes, moves=moves(mine).tolist()
)
assert type(got) is float and math.isclose(got, whole_loss, rel_tol=1e-5), message(
    "accumulate_step returned {got!r}; expected the loss of the whole batch (the mean over all "
    "its examples) as a Python float. Hint: add up the scaled losses of the pieces, .item().",
    got=got
)
got, whole_loss, mine, whole, steps = run(8, 4, stale=True)
assert torch.allclose(moves(mine), moves(whole), atol=1e-6), message(
    "When the parameters already held gradients, accumulate_step's update differs from one "
    "step on the whole batch; expected the old gradients not to count. Hint: clear them once, "
    "before the first piece (and not between pieces)."
)
### BEGIN HIDDEN TESTS
import math

import autograd_core as _torch
from autograd_core import nn as _nn, optim as _optim

_torch.manual_seed(5)
_a = _nn.Sequential(_nn.Linear(3, 5), _nn.Tanh(), _nn.Linear(5, 2))
_b = _nn.Sequential(_nn.Linear(3, 5), _nn.Tanh(), _nn.Linear(5, 2))
_b.load_state_dict(_a.state_dict())
_x, _y = _torch.randn(10, 3), _torch.randn(10, 2)
for _p in _a.parameters():                 # stale gradients must not count
    _p.grad = _torch.full(_p.shape, 50.0)
_sa = _optim.SGD(_a.parameters(), lr=0.1, momentum=0.9)
_sb = _optim.SGD(_b.parameters(), lr=0.1, momentum=0.9)
for _k in (4, 3, 1, 6):                    # pieces of 3,3,3,1 / 4,4,2 / 10 / 2,2,2,2,2
    _got = accumulate_step(_a, _sa, _nn.MSELoss(), _x, _y, _k)
    _sb.zero_grad()
    _loss = _nn.MSELoss()(_b(_x), _y)
    _loss.backward()
    _sb.step()
    assert type(_got) is float and math.isclose(_got, _loss.item(), rel_tol=1e-5), (_k, _got)
    for _pa, _pb in zip(_a.parameters(), _b.parameters()):
        assert _torch.allclose(_pa, _pb, atol=1e-5), _k
class _Counting(_nn.Linear):
    def __init__(self):
        super().__init__(3, 2)
        self.sizes = []

    def forward(self, inputs):
        self.sizes.append(inputs.shape[0])
        return super().forward(inputs)


_c = _Counting()
accumulate_step(_c, _optim.SGD(_c.parameters(), lr=0.1), _nn.MSELoss(), _torch.ones(10, 3),
                _torch.zeros(10, 2), 4)
assert _c.sizes == [3, 3, 3, 1]
### END HIDDEN TESTS

# %% [markdown]
# ## 8. A real task: two moons
#
# Time to train something to convergence. The data: 2-D points in two classes shaped like two
# interleaved half-moons, the classic toy problem that no straight line can separate (it is
# `sklearn.datasets.make_moons`; we generate it ourselves, no download). Class 0 lies on the
# upper arc $(\cos t, \sin t)$, class 1 on the lower arc $(1 - \cos t, \frac12 - \sin t)$, for
# $t$ uniform in $[0, \pi]$, plus Gaussian noise.

# %%
import math


def make_moons(n, noise=0.15):
    """n points (x of shape (n, 2)) and their classes (y of shape (n,), int64: 0 or 1)."""
    half = n // 2
    t = torch.rand(n) * math.pi
    upper = torch.stack([torch.cos(t[:half]), torch.sin(t[:half])], dim=1)
    lower = torch.stack([1 - torch.cos(t[half:]), 0.5 - torch.sin(t[half:])], dim=1)
    x = torch.cat([upper, lower]) + noise * torch.randn(n, 2)
    y = torch.cat([torch.zeros(half, dtype=torch.long), torch.ones(n - half, dtype=torch.long)])
    return x, y


# %% [markdown]
# The model: a small multilayer perceptron, 2 inputs, two hidden layers of 16 units with `tanh`,
# and 2 outputs, one score (a *logit*) per class. `nn.CrossEntropyLoss` takes those raw scores
# and the class indices: it applies `log_softmax` to the scores and averages
# $-\log p_{\text{true class}}$ over the batch. At the start, with two classes and scores close
# to zero, that is about $\log 2 \approx 0.693$.
#
# The loop is the five steps of section 1, plus **epochs** (passes over the training set) and
# **mini-batches** in a new random order each epoch (`torch.randperm`): 200 points in batches
# of 20, 40 epochs, 400 steps. After each epoch we record the loss on the whole training set
# (under `torch.no_grad()`: a measurement). `accuracy` measures on 1000 *new* points under
# `no_grad()` and in `eval()` mode, then puts back the mode it found (chapter 5's rule).

# %% skip_parity="random numbers: autograd_core's generator is not PyTorch's"
torch.manual_seed(0)
x_train, y_train = make_moons(200)
x_test, y_test = make_moons(1000)

model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))
loss_fn = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

losses, epoch_losses = [], []
model.train()
for epoch in range(40):
    order = torch.randperm(len(x_train))
    for start in range(0, len(x_train), 20):
        batch = order[start:start + 20]
        loss = loss_fn(model(x_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        epoch_losses.append(loss_fn(model(x_train), y_train).item())


@torch.no_grad()
def accuracy(model, x, y):
    was_training = model.training       # put back the mode we found (chapter 5)
    model.eval()
    try:
        return (model(x).argmax(dim=1) == y).float().mean().item()
    finally:
        model.train(was_training)


print(f"{len(losses)} steps; loss on the training set {epoch_losses[0]:.3f} after the first "
      f"epoch, {epoch_losses[-1]:.3f} after the last")
print(f"accuracy: {accuracy(model, x_train, y_train):.1%} on the training set, "
      f"{accuracy(model, x_test, y_test):.1%} on new points")

# %% [markdown]
# The loss curves, and what the network learned: the colour shows the class it predicts at
# each point of the plane, the dots are the training points.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
import matplotlib.pyplot as plt
import numpy as np

from autograd_core.viz import plot_losses

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
plot_losses(losses, ax=left, title="Cross-entropy loss", label="one mini-batch", log_scale=True)
left.lines[0].set_alpha(0.45)
left.plot(range(10, len(losses) + 1, 10), epoch_losses, "k-", linewidth=2.5,
          label="whole training set, after each epoch")
left.legend()

grid_x, grid_y = np.meshgrid(np.linspace(-1.6, 2.6, 84), np.linspace(-1.2, 1.7, 60))
plane = torch.tensor(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1), dtype=torch.float32)
with torch.no_grad():
    predicted = model(plane).argmax(dim=1).reshape(grid_x.shape)
right.contourf(grid_x, grid_y, predicted.numpy(), levels=[-0.5, 0.5, 1.5],
               colors=["#c6dbef", "#fdd0a2"])
right.scatter(*x_train.T.numpy(), c=y_train.numpy(), cmap="coolwarm", s=12, edgecolors="k",
              linewidths=0.3)
right.set_title("Decision boundary after training")
plt.show()

# %% [markdown]
# The mini-batch loss is noisy, since each step sees 20 different points; the loss on the whole
# training set falls from about 0.5 to below 0.1 and levels off. The boundary bends around both
# moons, which no linear model could do. The few points on the wrong side are noise; fitting them
# too would be overfitting, which the accuracy on new points would reveal.
#
# ### Exercise 6: train a classifier
#
# Write `fit(model, x, y)`: train the classifier `model` (it outputs two scores per point) on the
# points `x` (shape `(n, 2)`) and classes `y` (shape `(n,)`, int64), in place, with
# `nn.CrossEntropyLoss` and an optimizer and schedule of your choice, and return the list of the
# losses of every step, as Python floats. The test builds the MLP above with fresh random
# weights, calls `fit` on 200 new moon points, and requires an accuracy of at least 95 % on 1000
# other points; keep the training under a second or two (a few hundred steps suffice).

# %% nbgrader={"grade": false, "grade_id": "ex6_fit", "locked": false, "schema_version": 3, "solution": true, "task": false}
def fit(model, x, y) -> list:
    """Train model on (x, y) in place with nn.CrossEntropyLoss; return the loss of every step."""
    ### BEGIN SOLUTION
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    losses = []
    for step in range(100):                # 200 points: the whole set is one small batch
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_fit_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import math

import autograd_core as torch
from autograd_core import nn
from course_messages import message


def moons(n, noise):
    half = n // 2
    t = torch.rand(n) * math.pi
    upper = torch.stack([torch.cos(t[:half]), torch.sin(t[:half])], dim=1)
    lower = torch.stack([1 - torch.cos(t[half:]), 0.5 - torch.sin(t[half:])], dim=1)
    points = torch.cat([upper, lower]) + noise * torch.randn(n, 2)
    classes = torch.cat([torch.zeros(half, dtype=torch.long), torch.ones(n - half, dtype=torch.long)])
    return points, classes


torch.manual_seed(1)
train_points, train_classes = moons(200, 0.1)
test_points, test_classes = moons(1000, 0.1)
classifier = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                           nn.Linear(16, 2))
try:
    history = fit(classifier, train_points, train_classes)
except NotImplementedError:
    raise AssertionError(
        message("{function} is not written yet: replace `raise NotImplementedError()` in its "
                "cell with your code and run it again.",
                function="fit")
    ) from None
assert type(history) is list and history and all(type(v) is float for v in history), message(
    "fit returned {history_type}; expected a non-empty list of Python floats, one "
    "loss per step. Hint: append loss.item() after each step.",
    history_type=type(history).__name__
)
with torch.no_grad():
    correct = (classifier(test_points).argmax(dim=1) == test_classes).float().mean().item()
assert correct >= 0.95, message(
    "After fit, the model classifies {correct:.1%} of new points correctly; expected at least "
    "95%. Hint: check that the returned losses go down; SGD with momentum 0.9 and a learning "
    "rate between 0.1 and 0.2 gets there in a few hundred steps, on mini-batches or on the "
    "whole set at once.",
    correct=correct
)
### BEGIN HIDDEN TESTS
import math

import autograd_core as _torch
from autograd_core import nn as _nn



def _moons(n, noise):
    _half = n // 2
    _t = _torch.rand(n) * math.pi
    _upper = _torch.stack([_torch.cos(_t[:_half]), _torch.sin(_t[:_half])], dim=1)
    _lower = _torch.stack([1 - _torch.cos(_t[_half:]), 0.5 - _torch.sin(_t[_half:])], dim=1)
    return (_torch.cat([_upper, _lower]) + noise * _torch.randn(n, 2),
            _torch.cat([_torch.zeros(_half, dtype=_torch.long),
                        _torch.ones(n - _half, dtype=_torch.long)]))


for _seed, _noise, _needed in ((11, 0.15, 0.93),):
    _torch.manual_seed(_seed)
    _x, _y = _moons(200, _noise)
    _xt, _yt = _moons(1000, _noise)
    _model = _nn.Sequential(_nn.Linear(2, 16), _nn.Tanh(), _nn.Linear(16, 16), _nn.Tanh(),
                            _nn.Linear(16, 2))
    _first = _nn.CrossEntropyLoss()(_model(_x), _y).item()
    _history = fit(_model, _x, _y)
    assert type(_history) is list and all(type(v) is float for v in _history)
    with _torch.no_grad():
        _acc = (_model(_xt).argmax(dim=1) == _yt).float().mean().item()
        _last = _nn.CrossEntropyLoss()(_model(_x), _y).item()
    assert _acc >= _needed, (_seed, _acc)
    assert _last < _first / 3, (_first, _last)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# * One training iteration is five steps: forward, loss, `optimizer.zero_grad()`,
#   `loss.backward()`, `optimizer.step()`. Clearing can go anywhere except between `backward()`
#   and `step()`; without it, each step follows the sum of all past gradients and never settles.
# * `zero_grad()` sets `.grad` to `None` by default in PyTorch 2.x (`set_to_none=False` fills
#   zeros).
# * `optim.SGD` computes, per parameter: $g \leftarrow g + \text{wd}\,p$; $b \leftarrow \mu b + g$
#   ($b = g$ on the first step); $p \leftarrow p - \text{lr}\,b$. Its buffers live in
#   `optimizer.state`, its settings in `optimizer.param_groups`. Momentum speeds up the way
#   along a valley and damps the zigzag across it.
# * `step()` skips parameters whose `.grad` is `None`; a zero gradient is not `None`
#   (exercise 4).
# * The tutorial's ResNet-18 step produces `torch.Size([1, 1000])` predictions and a gradient for
#   all 62 parameter tensors; its `(prediction - labels).sum()` is a placeholder, whose gradient
#   ignores the labels.
# * A real loop adds epochs, shuffled mini-batches (accumulated in pieces if need be), and
#   evaluation on new data under `no_grad()` and `eval()`, putting back the mode it found.

# %% [markdown]
# ## Sources, and where they slip
#
# > This chapter retells examples of these articles, in its own words and with PyTorch
# > 2.13's numbers:
# >
# > * 《Pytorch自动求梯度原理介绍》 by 星尘 ([blog](https://blog.csdn.net/OuDiShenmiss)) and 安晟;
# > * 《自动微分模块》 (author and address not recorded);
# > * 《自动求导机制介绍》, a notebook version of PyTorch's tutorial
# >   [A Gentle Introduction to torch.autograd](https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html):
# >   <https://colab.research.google.com/github/lilxmx/DeepLearning-pytorch/blob/main/autograd_tutorial.ipynb>.
# >
# > Where they slip:
# >
# > * 《Pytorch自动求梯度原理介绍》 builds `resnet18(pretrained=False)` and the tutorial
# >   `pretrained=True`: since torchvision 0.13 these are `weights=None` and
# >   `weights=ResNet18_Weights.IMAGENET1K_V1` (section 6).
# > * Both use `(prediction - labels).sum()` as a loss, whose gradient ignores the labels, and
# >   call the optimizer `optim`, which hides the module of that name (section 6).
