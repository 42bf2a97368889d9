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
# 2. it visits the nodes of the graph from the output towards the leaves, and each node applies
#    **the chain rule** once: it turns the gradient of its output into gradients of its inputs;
# 3. a node runs only after *every* gradient meant for it has arrived, so the nodes run in a
#    **topological order**, found without recursion;
# 4. what happens to the gradient that reaches a leaf's `.grad`, and why training loops reset
#    `.grad` before each backward pass (`zero_grad`);
# 5. what each node frees once it has run, and what a second `backward()` through the same
#    graph does (`retain_graph=True`).
#
# You will run graph nodes by hand, write a topological sort and a backward pass of your own on
# PyTorch's graph, and predict what deep graphs, a second `backward()` and accumulation do.
#
# **How to work through it.** Run the cells in order (Shift+Enter). Before a cell marked
# *predict*, decide what you think it will print, then run it. Each exercise has an answer cell,
# where you replace `raise NotImplementedError()` with your code, and a locked test cell below
# it that tells you what is wrong and gives a hint. The **Validate** button runs the whole
# notebook. Your instructor's grading adds hidden tests to the same cells, so make your answers
# right in general, not just for the visible tests.
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
# that initial gradient for you. (For a tensor with several elements it refuses to guess;
# chapter 4 is about the `gradient` argument.)

# %%
a.grad = None                      # empty .grad again (section 8 explains why this is needed)
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
# C++ node generated from `derivatives.yaml`; for a custom `torch.autograd.Function`, a node
# made from your class). Given the gradient of the final output with respect to the node's **output**
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
from autograd_core.viz import draw_graph, plot_losses

y = a ** 2 + 2 * b ** 3            # backward() used up the last graph: record a new one
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
# ## 3. A node that receives two gradients
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
# sends it a gradient has run. Section 5 turns this into an algorithm.
#
# ## 4. Two examples in float64
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
# ## 5. The order of the backward pass
#
# The smallest graph where order matters is the diamond: `b = a + a`, then `c = b + b`. So
# $c = 4a$, and `a.grad` must be 4.

# %%
a = torch.tensor(2.0, requires_grad=True)
b = a + a
c = b + b
c.backward()
print(a.grad)

# %% [markdown]
# Blog posts on autograd often say that the backward pass "traverses the graph from the top, for
# example depth first". The obvious depth-first version sends each gradient straight down, as
# soon as it has one, without waiting:

# %%
def naive_backward(node, grad, calls):
    """Depth first, no waiting: run node on grad, then recurse into its inputs."""
    name = type(node).__name__
    calls[name] = calls.get(name, 0) + 1
    if hasattr(node, "variable"):                 # an AccumulateGrad node: a leaf's gradient
        leaf = node.variable
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return
    for (child, _), child_grad in zip(node.next_functions, run_node(node, grad)):
        if child is not None and child_grad is not None:
            naive_backward(child, child_grad, calls)


a = torch.tensor(2.0, requires_grad=True)
b = a + a
c = b + b
calls = {}
naive_backward(c.grad_fn, torch.tensor(1.), calls)
print(a.grad, calls)

# %% [markdown]
# The number is right, because gradients are linear: pushing each path's share down separately
# adds up to the same total. But the node of `b` ran twice, once per path, and the leaf's node
# four times. Stack diamonds (`t = t + t`, again and again) and the count doubles with each:

# %%
lines = []
for depth in (1, 4, 8, 12):
    a = torch.tensor(1.0, requires_grad=True)
    t = a
    for _ in range(depth):
        t = t + t
    calls = {}
    naive_backward(t.grad_fn, torch.tensor(1.), calls)
    lines.append(f"{depth:2d} diamonds: {sum(calls.values()):5d} node calls, a.grad = {a.grad.item():.0f}")
print("\n".join(lines))

# %% [markdown]
# PyTorch's engine runs each of these graphs with `depth + 1` node calls. Running a node more
# than once is worse than slow:
#
# * a node **frees its saved tensors after it runs** (section 7), so a second run of a node
#   that saved tensors fails;
# * hooks on a node would see one partial gradient per path instead of the total;
# * a variant that keeps a running total in each node and sends the *running total* on each time
#   (an early bug of more than one small autograd library) sends $2 + (2 + 2)$ through the
#   diamond and finds `a.grad == 6` (chapter 8 builds it and runs it).
#
# The cure is an order: run a node only after **all** the nodes that send it a gradient have
# run, on the **sum** of what they sent. An order in which every node comes before the nodes it
# sends gradients to is a *topological order* of the graph. Two classic ways to get one:
#
# * **depth first, finishing order reversed**: explore from the output; append a node to a list
#   once all its inputs are fully explored; reverse the list. The output comes first, and every
#   node comes before its inputs.
# * **dependency counts** (Kahn's algorithm, what PyTorch's engine does): count, for every node,
#   the edges that point into it; keep a list of the nodes whose count is zero ("ready"); run
#   one, and decrease the count of each node it sends a gradient to.
#
# Both must avoid Python recursion, because real graphs are thousands of nodes deep (section 6).
#
# ### Exercise 1: `topological_order`
#
# Write `topological_order(root)`. `root` is a graph node (`loss.grad_fn`). Return a list of
# every node reachable from `root` through `next_functions` (the `AccumulateGrad` nodes of the
# leaves included), **each exactly once**, such that every node comes **before** all the nodes in
# its `next_functions`. The first element is `root`.
#
# * `node.next_functions` is a tuple of pairs `(child, index)`; `child` is `None` for an input
#   that needs no gradient: skip it. You can ignore `index`.
# * Nodes can be dictionary keys and set members.
# * It must work on a graph 2,000 nodes deep, so no recursion: keep your own stack in a list.
#
# A plan (depth first, finishing order reversed): keep a stack of `(node, expanded)` pairs,
# starting with `(root, False)`. Popping `(node, False)` for a node not visited yet: mark it
# visited, push `(node, True)`, then push `(child, False)` for each child. Popping
# `(node, True)`: its children are all finished, so append it to the list. At the end, reverse
# the list.
#
# Replace `raise NotImplementedError()` with the body of the function.

# %% nbgrader={"grade": false, "grade_id": "ex1_topological_order", "locked": false, "schema_version": 3, "solution": true, "task": false}
def topological_order(root):
    """Every node reachable from root, each once, each before the nodes in its next_functions."""
    ### BEGIN SOLUTION
    finished = []
    visited = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            finished.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for child, _ in node.next_functions:
            if child is not None and child not in visited:
                stack.append((child, False))
    finished.reverse()
    return finished
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_topological_order_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch


def _reachable(root):
    seen, stack = {root}, [root]
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def _check_order(order, root, what):
    assert type(order) is list, (
        f"topological_order({what}) returned a {type(order).__name__}; expected a list of nodes. "
        "Hint: collect the nodes in a list and return it."
    )
    names = [type(node).__name__ for node in order]
    assert len(set(map(id, order))) == len(order), (
        f"topological_order({what}) returned {names}, where some node appears twice; expected "
        "each node once. Hint: remember which nodes you have already visited."
    )
    expected = _reachable(root)
    assert set(map(id, order)) == set(map(id, expected)), (
        f"topological_order({what}) returned {len(order)} nodes ({names}); expected the "
        f"{len(expected)} nodes reachable from it. Hint: follow next_functions down to the "
        "AccumulateGrad nodes, skipping None."
    )
    assert order[0] is root, (
        f"topological_order({what}) starts with {names[0]}; expected the root node first. "
        "Hint: the root sends gradients to every other node, so it comes before all of them."
    )
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for child, _ in node.next_functions:
            if child is not None:
                assert position[child] > position[node], (
                    f"topological_order({what}) returned {type(child).__name__} at position "
                    f"{position[child]}, before {type(node).__name__} (position "
                    f"{position[node]}), which sends it a gradient; expected every node before "
                    "the nodes in its next_functions. Hint: append a node only once all of its "
                    "children are finished, then reverse the list."
                )


a = torch.tensor(2.0, requires_grad=True)
b = a + a
c = b + b
_check_order(topological_order(c.grad_fn), c.grad_fn, "c.grad_fn, the diamond")

# A node reached both directly and through another node: breadth-first order fails here.
x = torch.tensor(1.5, requires_grad=True)
u = x * 2
w = (u + u.exp()).sum()
_check_order(topological_order(w.grad_fn), w.grad_fn, "w.grad_fn, w = (u + u.exp()).sum()")

deep = x
for _ in range(2000):
    deep = deep * 1.0
try:
    order = topological_order(deep.grad_fn)
except RecursionError:
    raise AssertionError(
        "topological_order raised RecursionError on a chain of 2,000 multiplications; expected "
        "a list of every node of the chain. Hint: keep your own stack in a list instead of "
        "calling a function recursively."
    ) from None
assert type(order) is list and len(order) == 2001, (
    f"topological_order on a chain of 2,000 multiplications returned {len(order)} nodes; "
    "expected one per multiplication plus the leaf's AccumulateGrad. Hint: follow every "
    "next_functions entry that is not None."
)
### BEGIN HIDDEN TESTS
import random

import autograd_core as _torch

# a small graph in float32; a float64 graph with a leaf that needs no grad
_x = _torch.ones(2, 2, requires_grad=True)
_y = _x + 2
_out = (_y * _y * 3).mean()
_check_order(topological_order(_out.grad_fn), _out.grad_fn, "out.grad_fn")
_x1 = _torch.tensor([10., 20.], requires_grad=True, dtype=_torch.float64)
_x2 = _torch.tensor([30., 40.], requires_grad=True, dtype=_torch.float64)
_x3 = _torch.tensor([[1.], [1.]], dtype=_torch.float64)
_y2 = (_x1 ** 2 + _x2 ** 2 + _x1 * _x2) @ _x3
_check_order(topological_order(_y2.grad_fn), _y2.grad_fn, "y2.grad_fn")

# random graphs: each new tensor combines two earlier ones
_rng = random.Random(3)
_ops = [lambda s, t: s + t, lambda s, t: s * t.tanh(), lambda s, t: s - t.exp()]
for _trial in range(10):
    _leaves = [_torch.tensor(_rng.uniform(0.5, 1.5), requires_grad=_rng.random() < 0.8) for _ in range(3)]
    _leaves[0].requires_grad_(True)
    _pool = list(_leaves)
    for _ in range(_rng.randint(3, 25)):
        _pool.append(_rng.choice(_ops)(_rng.choice(_pool), _rng.choice(_pool)))
    _top = sum(_pool[-3:], _leaves[0] * 1.0)
    _check_order(topological_order(_top.grad_fn), _top.grad_fn, f"a random graph ({_trial})")

# a deeper chain, and a ladder of 40 diamonds (every node reached twice)
_deep = _torch.tensor(1.0, requires_grad=True)
for _ in range(3000):
    _deep = _deep + 1.0
_order = topological_order(_deep.grad_fn)
assert type(_order) is list and len(_order) == 3001
_t = _torch.tensor(1.0, requires_grad=True)
for _ in range(40):
    _t = _t + _t
_order = topological_order(_t.grad_fn)
_check_order(_order, _t.grad_fn, "40 stacked diamonds")
assert type(_order) is list and len(_order) == 41
### END HIDDEN TESTS

# %% [markdown]
# Check your order on the graph of section 3 (if exercise 1 is not solved yet, this cell says
# so and moves on):

# %%
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
out = (y * y * 3).mean()
try:
    print([type(node).__name__ for node in topological_order(out.grad_fn)])
except NotImplementedError:
    print("topological_order is not written yet (exercise 1)")

# %% [markdown]
# Before you write it, watch the engine do it on the diamond `b = a + a; c = b + b`. Before the
# first step, count the arrows into each node: `AddBackward0 #2`, the node of `b`, waits for 2
# gradients from the node of `c`, and `a`'s `AccumulateGrad` waits for 2 from the node of `b`.
# Step through and watch each count fall to 0, the node join the ready queue, and run **once**,
# on the sum of what arrived in its buffer.

# %% skip_parity="steps through autograd_core's own engine (viz.step_backward)"
a = torch.tensor(2.0, requires_grad=True)
b = a + a
c = b + b
step_backward(c, params={"a": a})

# %% [markdown]
# ### Exercise 2: your own `backward`
#
# Now the backward pass itself, the way PyTorch's engine does it: with dependency counts. Write
# `backward(loss)`: like `loss.backward()` for a `loss` with one element, it adds
# $\partial\,\text{loss} / \partial\,\text{leaf}$ into the `.grad` of every leaf the loss depends
# on, running **each node exactly once**, with `run_node`.
#
# 1. Count the dependencies: walk the graph from `loss.grad_fn` (a stack and a set of visited
#    nodes) and count, for every node, the edges `(child, _)` of `next_functions` that point at
#    it. A node used twice by one operation, like `b` in `b + b`, counts twice.
# 2. Keep a dictionary `node -> gradient summed so far`, starting as
#    `{loss.grad_fn: torch.ones_like(loss)}`, and a list of ready nodes, starting as
#    `[loss.grad_fn]`.
# 3. While a node is ready, take it and its gradient. If it is an `AccumulateGrad` node
#    (`hasattr(node, "variable")`), add the gradient into `node.variable.grad` (set it when it
#    is `None`, else replace it by the sum). Otherwise call `run_node(node, grad)`, and for each
#    `(child, _)` of `node.next_functions` and its gradient: skip a `None` child; add the
#    gradient (unless it is `None`) into the child's entry of the dictionary; decrease the
#    child's count, and when it reaches 0 the child is ready.
#
# One thing a node called directly does not do: it returns each gradient at the shape of the
# node's *output*, even for an input that was broadcast. For `y = x @ W + b` with `b` of shape
# `(3,)` and `y` of shape `(2, 3)`, `run_node(y.grad_fn, ...)` hands `b` a gradient of shape
# `(2, 3)`; PyTorch's engine sums it back to `b`'s shape on every edge (chapter 8 writes that
# step). The graphs of this exercise's tests broadcast nothing, so your `backward` can leave it
# out; an engine for every graph would sum each gradient down to the shape of its tensor.
#
# Write it from scratch rather than calling your `topological_order`: each exercise is graded on
# its own. Replace `raise NotImplementedError()` with the body of the function.

# %% nbgrader={"grade": false, "grade_id": "ex2_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def backward(loss):
    """Add d(loss)/d(leaf) into leaf.grad for every leaf, running each node once."""
    ### BEGIN SOLUTION
    root = loss.grad_fn
    dependencies = {}
    seen, stack = {root}, [root]
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            dependencies[child] = dependencies.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)

    grads = {root: torch.ones_like(loss)}
    ready = [root]
    while ready:
        node = ready.pop()
        grad = grads.pop(node, None)
        if hasattr(node, "variable"):            # AccumulateGrad: the end of a path
            if grad is not None:
                leaf = node.variable
                leaf.grad = grad.clone() if leaf.grad is None else leaf.grad + grad
            continue
        if grad is None:                         # nothing arrived: nothing to send on
            child_grads = (None,) * len(node.next_functions)
        else:
            child_grads = run_node(node, grad)
        for (child, _), child_grad in zip(node.next_functions, child_grads):
            if child is None:
                continue
            if child_grad is not None:
                grads[child] = child_grad if child not in grads else grads[child] + child_grad
            dependencies[child] -= 1
            if dependencies[child] == 0:
                ready.append(child)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_backward_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch


class Tap(torch.autograd.Function):
    """The identity, counting how many times its backward runs."""
    runs = 0

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad_output):
        Tap.runs += 1
        return grad_output


# The diamond, with a counting node where b is made.
a = torch.tensor(2.0, requires_grad=True)
b = Tap.apply(a + a)
c = b + b
Tap.runs = 0
backward(c)
assert type(a.grad) is torch.Tensor, (
    "after backward(c), a.grad is still None; expected the gradient of c with respect to a. "
    "Hint: an AccumulateGrad node writes into node.variable.grad."
)
assert a.grad.item() == 4.0, (
    f"after backward(c) on the diamond, a.grad is {a.grad.item()}; expected dc/da for "
    "c = (a + a) + (a + a). Hint: sum what a node receives before running it, and run it once."
)
assert Tap.runs == 1, (
    f"during backward(c) the node of b ran {Tap.runs} times; expected a single run, after both "
    "gradients from c = b + b have arrived. Hint: count each node's dependencies first."
)

# Section 3's example, then accumulation into an existing .grad.
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
out = (y * y * 3).mean()
backward(out)
assert type(x.grad) is torch.Tensor and torch.allclose(x.grad, torch.full((2, 2), 4.5)), (
    f"backward(out) left x.grad = {x.grad}; expected the gradient of mean(3 (x + 2)**2) at "
    "x = 1. Hint: compare with the walk of section 3."
)
backward((x * 2).sum())
assert type(x.grad) is torch.Tensor and torch.allclose(x.grad, torch.full((2, 2), 6.5)), (
    f"a second call, backward((x * 2).sum()), left x.grad = {x.grad}; expected the new gradient "
    "added to the one already there. Hint: add into leaf.grad when it is not None."
)

# A deep graph.
x = torch.tensor(1.0, requires_grad=True)
deep = x
for _ in range(2000):
    deep = deep + 0.5
try:
    backward(deep)
except RecursionError:
    raise AssertionError(
        "backward raised RecursionError on a chain of 2,000 additions; expected it to fill "
        "x.grad. Hint: keep the ready nodes in a list instead of recursing."
    ) from None
assert type(x.grad) is torch.Tensor and x.grad.item() == 1.0, (
    f"after backward on a chain of 2,000 additions, x.grad is {x.grad}; expected the derivative "
    "of x + 0.5 + 0.5 + ... with respect to x. Hint: every AddBackward0 passes its gradient on."
)
### BEGIN HIDDEN TESTS
import random

import autograd_core as _torch


def _compare_with_engine(make, leaves):
    for _leaf in leaves:
        _leaf.grad = None
    make().backward()
    _want = [None if _leaf.grad is None else _leaf.grad.clone() for _leaf in leaves]
    for _leaf in leaves:
        _leaf.grad = None
    backward(make())
    for _leaf, _w in zip(leaves, _want):
        if _w is None:
            assert _leaf.grad is None, "a leaf the loss does not depend on got a .grad"
        else:
            assert type(_leaf.grad) is _torch.Tensor and _torch.allclose(_leaf.grad, _w), (
                _leaf.grad, _w)
            assert _leaf.grad.dtype == _w.dtype and _leaf.grad.shape == _w.shape
            assert not _leaf.grad.requires_grad


# y = a**2 + 2*b**3 (4 and 96); the same in float64, with a leaf that needs no grad
_a = _torch.tensor([2.], requires_grad=True)
_b = _torch.tensor([4.], requires_grad=True)
_compare_with_engine(lambda: _a ** 2 + 2 * _b ** 3, [_a, _b])
assert _a.grad.tolist() == [4.0] and _b.grad.tolist() == [96.0]
_x1 = _torch.tensor([10., 20.], requires_grad=True, dtype=_torch.float64)
_x2 = _torch.tensor([30., 40.], requires_grad=True, dtype=_torch.float64)
_x3 = _torch.tensor([[1.], [1.]], dtype=_torch.float64)
_compare_with_engine(lambda: (_x1 ** 2 + _x2 ** 2 + _x1 * _x2) @ _x3, [_x1, _x2])
assert _x1.grad.tolist() == [50.0, 80.0] and _x2.grad.tolist() == [70.0, 100.0]
assert _x3.grad is None

# matrices, an unused leaf
_p = _torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
_q = _torch.tensor([[0.5, -1.], [2., 0.25]], requires_grad=True)
_unused = _torch.tensor(1.0, requires_grad=True)
_compare_with_engine(lambda: ((_p @ _q).tanh() * 3 + _p.sigmoid() - _q).sum(), [_p, _q, _unused])

# random graphs against the engine, with a counting node after every operation
_rng = random.Random(7)
for _trial in range(8):
    _leaves = [_torch.tensor(_rng.uniform(0.5, 1.5), requires_grad=True, dtype=_torch.float64)
               for _ in range(3)]
    _recipe = [(_rng.randrange(10 ** 6), _rng.randrange(10 ** 6), _rng.randrange(3))
               for _ in range(_rng.randint(3, 20))]

    def _make(leaves=_leaves, recipe=_recipe):
        pool = list(leaves)
        for i, j, k in recipe:
            s, t = pool[i % len(pool)], pool[j % len(pool)]
            pool.append(Tap.apply([s + t, s * t.tanh(), s - t.sin()][k]))
        return sum(pool[-3:], leaves[0] * 1.0)

    _compare_with_engine(_make, _leaves)
    Tap.runs = 0
    _make().backward()
    _engine_runs = Tap.runs
    Tap.runs = 0
    backward(_make())
    assert Tap.runs == _engine_runs, (Tap.runs, _engine_runs)

# a ladder of 30 diamonds: 2**30 node calls for a traversal that does not wait
_t = _a0 = _torch.tensor(1.0, requires_grad=True)
for _ in range(30):
    _t = Tap.apply(_t + _t)
Tap.runs = 0
backward(_t)
assert type(_a0.grad) is _torch.Tensor and _a0.grad.item() == 2.0 ** 30 and Tap.runs == 30
### END HIDDEN TESTS

# %% [markdown]
# Your `backward` is PyTorch's engine in miniature. `torch/csrc/autograd/engine.cpp` counts
# dependencies the same way (`compute_dependencies`), sums the gradients that arrive for a node
# in a buffer (`InputBuffer`) and runs the nodes from a ready queue; `autograd_core/engine.py`
# is the same algorithm in Python. Run yours on the graph of section 4 (if exercise 2 is not
# solved yet, the cell says so):

# %%
x1 = torch.tensor([10, 20], requires_grad=True, dtype=torch.float64)
x2 = torch.tensor([30, 40], requires_grad=True, dtype=torch.float64)
x3 = torch.tensor([[1], [1]], requires_grad=True, dtype=torch.float64)
try:
    backward((x1 ** 2 + x2 ** 2 + x1 * x2) @ x3)
    print(x1.grad, x2.grad)
except NotImplementedError:
    print("backward is not written yet (exercise 2)")

# %% [markdown]
# ## 6. Deep graphs
#
# A recurrent network unrolled over a long sequence, or any Python loop that updates a tensor
# many times, records a graph thousands of nodes deep. Python allows only about a thousand
# nested calls (`sys.getrecursionlimit()`), so the depth of the graph decides whether a
# recursive traversal works at all.
#
# ### Exercise 3 (predict, then run): a chain of 2,000 nodes
#
# Read the next cell and run it: it builds a chain of 2,000 multiplications and defines
# `count_nodes`, a recursive count of the nodes below a node. It prints nothing.

# %%
def count_nodes(node):
    """How many nodes are below node (itself included), counted recursively."""
    return 1 + sum(count_nodes(child) for child, _ in node.next_functions if child is not None)


x = torch.tensor(1.0, requires_grad=True)
y = x
for _ in range(2000):
    y = y * 1.0001

# %% [markdown]
# Predict what each of these does, `"works"` or `"RecursionError"`:
#
# * **A.** `y.backward()`;
# * **B.** `count_nodes(y.grad_fn)`.
#
# Replace `raise NotImplementedError()` with `predicted_backward = ...` (for A) and
# `predicted_count_nodes = ...` (for B).

# %% nbgrader={"grade": false, "grade_id": "ex3_predict_deep_graph", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted_backward = "works"
predicted_count_nodes = "RecursionError"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3_predict_deep_graph_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch

for _name in ("predicted_backward", "predicted_count_nodes"):
    assert _name in globals(), (
        f"{_name} is not defined yet: write your prediction in the cell above and run it."
    )
    assert type(globals()[_name]) is str and globals()[_name] in ("works", "RecursionError"), (
        f"{_name} is {globals()[_name]!r}; expected one of the strings \"works\" and "
        "\"RecursionError\". Hint: copy one of them exactly."
    )


def _outcome(action):
    try:
        action()
    except RecursionError:
        return "RecursionError"
    return "works"


def _count(node):
    return 1 + sum(_count(child) for child, _ in node.next_functions if child is not None)


_x = torch.tensor(1.0, requires_grad=True)
_y = _x
for _ in range(2000):
    _y = _y * 1.0001
assert predicted_count_nodes == _outcome(lambda: _count(_y.grad_fn)), (
    "Expected your prediction for B, count_nodes(y.grad_fn), to match what happens; it does "
    "not. Hint: each node of the chain adds one Python call on top of the calls already open."
)
assert predicted_backward == _outcome(_y.backward), (
    "Expected your prediction for A, y.backward(), to match what happens; it does not. Hint: "
    "where does the engine keep the nodes that are still to run?"
)
### BEGIN HIDDEN TESTS
import autograd_core as _torch

_chain = _torch.tensor(2.0, requires_grad=True)
for _ in range(2000):
    _chain = _chain + 1.0
_chain.backward()                                   # no RecursionError: the engine works


def _recursive(node):
    return 1 + sum(_recursive(c) for c, _ in node.next_functions if c is not None)


try:
    _recursive(_chain.grad_fn)
    _recursive_outcome = "works"
except RecursionError:
    _recursive_outcome = "RecursionError"
assert type(predicted_backward) is str and predicted_backward == "works"
assert type(predicted_count_nodes) is str and predicted_count_nodes == _recursive_outcome
### END HIDDEN TESTS

# %%
try:
    print(count_nodes(y.grad_fn))
except RecursionError:
    print("count_nodes: RecursionError")
y.backward()
print(x.grad)                     # 1.0001 ** 2000, about e ** 0.2

# %% [markdown]
# <details><summary>Why one fails and the other does not (open after running the test)</summary>
#
# The recursive count dies at about a thousand nested calls; `backward()` goes through the 2,001
# nodes without trouble, because its ready queue is a data structure, not the Python call stack
# (PyTorch's engine is written in C++ and is iterative too). The same goes for your
# `topological_order` and `backward`: their tests ran them on chains of 2,000 nodes.
#
# </details>
#
# ## 7. After backward, the graph is freed
#
# To compute their local derivatives, many nodes keep tensors from the forward pass: the node of
# `x * x` keeps both inputs, the node of `x.exp()` keeps its result, the node of `x ** 2` keeps
# `x`. These *saved tensors* are most of the memory that training needs (the activations of
# every layer). So by default each node **frees them as soon as it has run**: after
# `loss.backward()` the graph's nodes still exist, but emptied. The next forward pass records a
# new graph, which is what every iteration of a training loop does.
#
# A node that needs nothing from the forward pass (the derivative of `u + v` is 1, whatever `u`
# and `v` are) saves nothing, and has nothing to free.
#
# Below, the graph of `(x * x).sum()` with its saved tensors in orange, before `backward()` and
# after.

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
x = torch.tensor([1., 2.], requires_grad=True)
m = (x * x).sum()
draw_graph(m, params={"x": x}, show_saved=True)

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
m.backward()
draw_graph(m, params={"x": x}, show_saved=True)

# %% [markdown]
# ### Exercise 4 (predict, then run): a second `backward()`
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

# %% nbgrader={"grade": false, "grade_id": "ex4_predict_second_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted_s = [4.0, 4.0]
predicted_m = "error"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex4_predict_second_backward_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch


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
    assert _name in globals(), (
        f"{_name} is not defined yet: write your prediction in the cell above and run it."
    )
    _value = _as_prediction(globals()[_name])
    assert _value == "error" or (isinstance(_value, list) and len(_value) == 2), (
        f"{_name} is {globals()[_name]!r}; expected the string \"error\" or a list of two "
        "numbers. Hint: xs and xm have two elements each."
    )
assert _as_prediction(predicted_s) == _second_backward(lambda t: (t + t).sum()), (
    "Expected your prediction for a second s.backward() to match what happens; it does not. "
    "Hint: did AddBackward0 or SumBackward0 save a tensor that could be freed? And does "
    "backward() replace .grad or add to it?"
)
assert _as_prediction(predicted_m) == _second_backward(lambda t: (t * t).sum()), (
    "Expected your prediction for a second m.backward() to match what happens; it does not. "
    "Hint: what does MulBackward0 need from the forward pass, and what became of it?"
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
# <details><summary>What happened to S and to M (open after running the test)</summary>
#
# Graph S goes through a second time **silently**: neither `SumBackward0` nor `AddBackward0`
# saved anything, and the second pass adds another `[2., 2.]` into `xs.grad`. Nothing tells you
# that a gradient was counted twice.
#
# Graph M fails: `MulBackward0` needs `xm` to compute $\partial (x\,x) / \partial x$, and the
# first pass freed it.
#
# </details>
#
# The message names the way out: `retain_graph=True` keeps the saved tensors, so the graph can
# be run again (and the two passes add up in `.grad`, $2x + 2x = (4, 8)$):

# %%
xm = torch.tensor([1., 2.], requires_grad=True)
m = (xm * xm).sum()
m.backward(retain_graph=True)
m.backward()
print(xm.grad)

# %% [markdown]
# Use `retain_graph=True` when you really need two backward passes through one forward pass
# (two losses computed from shared features, or the Jacobian rows of chapter 4). A training loop
# does not: each iteration runs a new forward pass and gets a new graph, and a graph kept alive
# costs the memory of all its saved tensors. `autograd.grad` frees the graph in the same way
# (chapter 7).
#
# ## 8. Gradients accumulate: why `zero_grad` exists
#
# At a leaf, the `AccumulateGrad` node **adds** the incoming gradient into `.grad`; it never
# replaces it. Within one pass that is what the chain rule needs (a leaf used by two operations
# gets both contributions), and across passes it can be useful on purpose (below). But a loop
# that wants a fresh gradient at each step must empty `.grad` first.
#
# ### Exercise 5 (predict, then run): accumulation
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

# %% nbgrader={"grade": false, "grade_id": "ex5_predict_accumulation", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
predicted_loop = [20.0, 40.0, 60.0]
predicted_g = 300.0
predicted_h = 300.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex5_predict_accumulation_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import autograd_core as torch

for _name in ("predicted_loop", "predicted_g", "predicted_h"):
    assert _name in globals(), (
        f"{_name} is not defined yet: write your prediction in the cell above and run it."
    )
_loop = None
if type(predicted_loop) in (list, tuple) and all(type(v) in (int, float) for v in predicted_loop):
    _loop = [float(v) for v in predicted_loop]
assert _loop is not None and len(_loop) == 3, (
    f"predicted_loop is {predicted_loop!r}; expected a list of three numbers. Hint: one number "
    "per print(x.grad) of loop (A)."
)
for _name in ("predicted_g", "predicted_h"):
    assert type(globals()[_name]) in (int, float), (
        f"{_name} is {globals()[_name]!r}; expected a number. Hint: write the value printed, "
        "without tensor(...)."
    )

_x = torch.tensor(10, requires_grad=True, dtype=torch.float64)
_printed = []
for _ in range(3):
    (_x ** 2 + 20).mean().backward()
    _printed.append(_x.grad.item())
_g = _x.grad
_x.grad.data.zero_()
(_x ** 3).backward()
_h = _x.grad
_x.grad = None
(_x ** 3).backward()

assert _loop == _printed, (
    "Expected your three numbers for loop (A) to match what it prints; they do not. Hint: the "
    "derivative of x ** 2 + 20 at 10 is the same at every step; what does backward() do with "
    "the .grad already there?"
)
assert float(predicted_g) == _g.item(), (
    "Expected your number for (B) to match what it prints; it does not. Hint: is g a copy, or "
    "the very tensor that x.grad still is?"
)
assert float(predicted_h) == _h.item(), (
    "Expected your number for (C) to match what it prints; it does not. Hint: after "
    "x.grad = None, where does the next backward() put its gradient, and what is h?"
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

# %% [markdown]
# (A), the loop without zeroing, as the exercise wrote it:

# %%
x = torch.tensor(10, requires_grad=True, dtype=torch.float64)
for _ in range(3):
    y1 = x ** 2 + 20
    y2 = y1.mean()
    y2.backward()
    print(x.grad)

# %% [markdown]
# <details><summary>Why the numbers grow (open after running the test)</summary>
#
# The derivative of $x^2 + 20$ at 10 is 20 at every step, and `.grad` grows by 20 each time.
#
# </details>
#
# Zero `.grad` before each backward pass and every step prints the same number:

# %%
x = torch.tensor(10, requires_grad=True, dtype=torch.float64)
for _ in range(3):
    y1 = x ** 2 + 20
    y2 = y1.mean()
    if x.grad is not None:
        x.grad.data.zero_()
    y2.backward()
    print(x.grad)

# %% [markdown]
# (B) and (C): zeroing in place and setting to `None` both give the next pass a clean start,
# but they are not the same thing.

# %%
g = x.grad
x.grad.data.zero_()
(x ** 3).backward()
print(g, x.grad is g)         # the same tensor, zeroed, then 3 * 10**2 added into it

h = x.grad
x.grad = None
(x ** 3).backward()
print(h, x.grad is h)         # a new tensor in x.grad; h is the old one, untouched
print(x.grad)

# %% [markdown]
# <details><summary>(B) and (C), explained (open after running the test)</summary>
#
# * `x.grad.zero_()` keeps the tensor and writes zeros into it, so whoever holds that tensor
#   (`g` here) sees the next gradient. (The `.data` in `x.grad.data.zero_()`, a common idiom,
#   changes nothing here: `.grad` is not part of any graph.)
# * `x.grad = None` drops the tensor, and the next backward pass stores a new one. That skips
#   writing zeros and then adding into them, and a `None` tells "no gradient reached this
#   parameter" apart from "the gradient is zero". This is why `optimizer.zero_grad()` and
#   `module.zero_grad()` set `.grad` to `None` by default since PyTorch 2.0
#   (`set_to_none=True`).
#
# </details>
#
# Either way, only leaves have a `.grad` to reset.
#
# Accumulation is also a feature. When a batch does not fit in memory, process it in pieces:
# one forward and backward pass per piece, each loss scaled by its share of the batch, and the
# gradients add up in `.grad` to the gradient of the whole batch. A batch of 8 points, as 2
# pieces of 4:

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
# (Chapter 7 shows one more surprise of accumulation: after `backward(create_graph=True)`, a
# `backward()` of the gradient itself adds the second derivative into the same `.grad`.)
#
# ## 9. The training loop, step by step
#
# All of the above happens in the training loop of every PyTorch program:
#
# 1. **forward**: compute the loss from the parameters (leaves with `requires_grad=True`) and
#    the data; autograd records the graph as the code runs;
# 2. **backward**: `loss.backward()` starts from
#    $\partial\,\text{loss} / \partial\,\text{loss} = 1$; in topological order, each node's
#    backward turns the gradient of its output into gradients of its inputs (the chain rule),
#    and frees its saved tensors;
# 3. **accumulate**: the `AccumulateGrad` node of each parameter adds its gradient into `.grad`;
# 4. **update**: move each parameter against its gradient, outside the graph (under `no_grad`):
#    this is what `optimizer.step()` does;
# 5. **zero**: reset `.grad` (`optimizer.zero_grad()`) before the next backward pass.
#
# Written out for a line $\hat y = w x + b$ fitted to the 8 points of $y = 3x - 0.5$ above, with
# plain gradient descent (SGD's `optimizer.step()` does `p -= lr * p.grad`; chapter 9 uses
# `torch.optim` on a ResNet-18):

# %%
def fit(zero_grad=True, steps=40, learning_rate=0.2):
    """Fit w * x + b to (data_x, data_y) by gradient descent; return w, b and the losses."""
    w = torch.tensor(0., requires_grad=True)
    b = torch.tensor(0., requires_grad=True)
    losses = []
    for step in range(steps):
        loss = ((w * data_x + b - data_y) ** 2).mean()  # 1. forward
        loss.backward()                                 # 2-3. backward, accumulate into .grad
        with torch.no_grad():                           # 4. update, not recorded
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        if zero_grad:                                   # 5. zero, before the next backward
            w.grad = None
            b.grad = None
        losses.append(loss.item())
    return w, b, losses


w, b, losses = fit()
print(f"w = {w.item():.3f}, b = {b.item():.3f}, loss {losses[0]:.3f} at the start, {losses[-1]:.5f} at the end")

# %% [markdown]
# The fit finds $w = 3$ and $b = -0.5$. The same loop without step 5:

# %%
w, b, losses_without_zeroing = fit(zero_grad=False)
print(f"w = {w.item():.3f}, b = {b.item():.3f}, loss {losses_without_zeroing[-1]:.3f} at the end")

# %% skip_parity="draws with autograd_core.viz, which PyTorch does not have"
plot_losses({"zeroing .grad (step 5)": losses, "never zeroing .grad": losses_without_zeroing},
            title="Fitting y = 3x - 0.5 by gradient descent", log_scale=True)

# %% [markdown]
# Without zeroing, each update follows the sum of *all* the gradients computed so far instead of
# the gradient at the current point: the parameters overshoot, swing back, and the loss keeps
# jumping instead of going down.
#
# ## Summary
#
# * `loss.backward()` starts from the gradient 1 at the output and walks the graph towards the
#   leaves. Each node applies the chain rule locally: the gradient of its output in, the
#   gradients of its inputs out (`node(grad_output)`, or `node.apply(grad_output)` for a custom
#   `Function`'s node).
# * A node runs once, after all the gradients meant for it have arrived and been summed, so the
#   nodes run in a topological order. Dependency counts give one without recursion, which is
#   why `backward()` copes with graphs thousands of nodes deep.
# * Leaves collect their gradient in `.grad` by **addition**. Reset it between steps, with
#   `zero_()` in place or `= None` (the default of `zero_grad()`), or keep accumulating on
#   purpose to simulate a bigger batch.
# * After `backward()` the nodes have freed their saved tensors. A second pass raises "Trying to
#   backward through the graph a second time", except through nodes that saved nothing
#   (additions), where it silently adds the gradient again; `retain_graph=True` keeps the graph
#   for another pass.
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
# > * 《PyTorch 梯度》 describes the backward pass as a traversal from the top, "for example
# >   depth first": a plain depth-first walk runs a shared node once per path (section 5).
# > * 《自动微分模块》 says that every node is a `torch.autograd.Function` whose `backward()` the
# >   engine calls: PyTorch's own nodes are C++ nodes generated from `derivatives.yaml`, and
# >   only a custom `Function` makes its node from a class (section 2).
# > * 《自动微分模块》 says that one can backpropagate over part of a graph "through
# >   `retain_graph` or a custom `Function`": `retain_graph=True` only keeps the saved tensors
# >   for another pass over the same graph (section 7); to stop at chosen tensors, ask
# >   `torch.autograd.grad` for them, or pass `inputs=` to `backward()` (chapter 7), and
# >   `detach()` cuts a graph (chapter 6).
# > * Its zeroing loop writes `x.grad.data.zero_()`: the `.data` changes nothing there
# >   (section 8).
