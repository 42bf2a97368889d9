"""Chapter 9's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises (articles A, C and D of docs/coverage.md), with PyTorch's numbers.
"""

from __future__ import annotations

import re

from chapter_harness import assert_plotted, code_cell, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "09_the_training_loop"
pytestmark = only_if_released(CHAPTER)

TRAIN_STEP = (
    "def train_step(model, optimizer, loss_fn, x, y):\n"
    "    loss = loss_fn(model(x), y)\n"
    "{body}"
    "    return {returned}"
)
SGD_STEP = (
    "def sgd_step(params, buffers, lr, momentum=0.0, weight_decay=0.0):\n"
    "    with torch.no_grad():\n"
    "        for i, p in enumerate(params):\n"
    "{skip}"
    "            g = p.grad + weight_decay * p\n"
    "            if {use_momentum}:\n"
    "                buffers[i] = g.clone() if buffers[i] is None else {update}\n"
    "                g = buffers[i]\n"
    "            p -= lr * g"
)
SKIP = "            if p.grad is None:\n                continue\n"
ACCUMULATE = (
    "def accumulate_step(model, optimizer, loss_fn, x, y, num_pieces):\n"
    "    optimizer.zero_grad()\n"
    "    total = 0.0\n"
    "    for xp, yp in zip(x.chunk(num_pieces), y.chunk(num_pieces)):\n"
    "        loss = loss_fn(model(xp), yp){scale}\n"
    "        loss.backward()\n"
    "{step_each}"
    "        total += loss.item()\n"
    "{step_end}"
    "    return total"
)
FIT = (
    "def fit(model, x, y):\n"
    "    optimizer = optim.SGD(model.parameters(), lr={lr}, momentum=0.9)\n"
    "    losses = []\n"
    "    for _ in range({steps}):\n"
    "        loss = nn.CrossEntropyLoss()(model(x), y)\n"
    "        optimizer.zero_grad()\n"
    "        loss.backward()\n"
    "        optimizer.step()\n"
    "        losses.append({record})\n"
    "    return losses"
)

# Three rounds of wrong answers; in each, exercise -> (a wrong answer a student might write,
# strings its failure message must not show).
WRONG_ANSWERS = {
    "first": {
        # assumes the gradient is fresh at every step
        "ex1_no_zero_grad": ("w_after = 0.1", ["-0.8"]),
        # the classic bug: no zero_grad(), so the second call steps with two gradients
        "ex2_train_step": (TRAIN_STEP.format(body="    loss.backward()\n    optimizer.step()\n",
                                             returned="loss.item()"), ["1.7533", "0.52"]),
        # momentum ignored: plain SGD with weight decay
        "ex3_sgd_step": (SGD_STEP.format(skip=SKIP, use_momentum="False", update="g"),
                         ["momentum_buffer"]),
        # forgets that weight decay moves a parameter whose gradient is zeros
        "ex4_which_moved": ('changed_names = {"a"}', ["'d'", "['a', 'd']"]),
        # accumulates without scaling the pieces' losses
        "ex5_accumulate_step": (ACCUMULATE.format(scale="", step_each="",
                                                  step_end="    optimizer.step()\n"),
                                ["len(xp) / len(x)", "n_j"]),
        # far too little training
        "ex6_fit": (FIT.format(lr=0.01, steps=3, record="loss.item()"), ["lr=0.2", "range(100)"]),
    },
    "second": {
        # moves up the gradient: adds the steps instead of subtracting them
        "ex1_no_zero_grad": ("w_after = 2.8", ["-0.8"]),
        # zero_grad() between backward() and step(): step() finds no gradient
        "ex2_train_step": (TRAIN_STEP.format(
            body="    loss.backward()\n    optimizer.zero_grad()\n    optimizer.step()\n",
            returned="loss.item()"), ["1.7533", "0.52"]),
        # the textbook average: buffer = momentum * buffer + (1 - momentum) * grad
        "ex3_sgd_step": (SGD_STEP.format(skip=SKIP, use_momentum="momentum",
                                         update="momentum * buffers[i] + (1 - momentum) * g"),
                         ["momentum_buffer"]),
        # also counts the parameter that requires grad but is not used by the loss
        "ex4_which_moved": ('changed_names = {"a", "c"}', ["'d'", "['a', 'd']"]),
        # scales by 1 / num_pieces: right for equal pieces only
        "ex5_accumulate_step": (ACCUMULATE.format(scale=" / num_pieces", step_each="",
                                                  step_end="    optimizer.step()\n"),
                                ["len(xp) / len(x)", "n_j"]),
        # records the loss tensors, not Python floats
        "ex6_fit": (FIT.format(lr=0.2, steps=150, record="loss"), ["lr=0.2", "range(100)"]),
    },
    "third": {
        # the gradient doubles at each step instead of growing by 3 (3, 6, 12)
        "ex1_no_zero_grad": ("w_after = -1.1", ["-0.8"]),
        # returns the loss tensor, not a Python float
        "ex2_train_step": (TRAIN_STEP.format(
            body="    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n",
            returned="loss"), ["1.7533", "0.52"]),
        # does not skip a parameter without a gradient
        "ex3_sgd_step": (SGD_STEP.format(skip="", use_momentum="momentum",
                                         update="momentum * buffers[i] + g"),
                         ["momentum_buffer"]),
        # everything that requires grad moves
        "ex4_which_moved": ('changed_names = {"a", "c", "d"}', ["['a', 'd']"]),
        # steps after every piece instead of once
        "ex5_accumulate_step": (ACCUMULATE.format(
            scale=" * (len(xp) / len(x))", step_each="        optimizer.step()\n",
            step_end=""), ["n_j"]),
        # far too small a learning rate
        "ex6_fit": (FIT.format(lr=0.0005, steps=150, record="loss.item()"), ["lr=0.2", "range(100)"]),
    },
}


def test_one_iteration_step_by_step(solved):
    # forward, loss 10.5; backward, gradients -14 and -6; step, w = 1.9 and b = 0.6
    assert printed(solved, "prediction = model(x)\nloss = loss_fn(prediction, y)").endswith(
        "tensor(10.5000, grad_fn=<MseLossBackward0>)\n")
    assert printed(solved, "optimizer.zero_grad()\nprint(model.weight.grad") == (
        "None None\ntensor([[-14.]]) tensor([-6.])\n")
    assert printed(solved, "optimizer.step()\nprint(model.weight, model.bias)") == (
        "Parameter containing:\ntensor([[1.9000]], requires_grad=True) Parameter containing:\n"
        "tensor([0.6000], requires_grad=True)\n")


def test_the_line_fits_only_with_zero_grad(solved):
    fitted = printed(solved, "def fit_line(").splitlines()
    assert fitted[-1].startswith("step  99  loss 0.0003545") and "w  1.9787" in fitted[-1]
    unfitted = printed(solved, "losses_never_zeroing = fit_line(zero_grad=False)").splitlines()
    assert unfitted[-1].startswith("step  99  loss 12.19")
    assert_plotted(code_cell(solved, "from autograd_core.viz import plot_losses\n\nplot_losses({"))


def test_no_zero_grad_with_an_optimizer(solved):
    assert printed(solved, "print(w, w.grad)") == (
        "tensor(-0.8000, requires_grad=True) tensor(9.)\n")


def test_zero_grad_sets_none_or_zeros(solved):
    assert printed(solved, "model = line_model()\noptimizer = optim.SGD(model.parameters(), "
                           "lr=0.1)\n\nloss_fn(model(x), y).backward()") == "None\ntensor([[0.]])\n"
    # zero_grad() between backward() and step(): nothing moves
    assert "tensor([[0.5000]], requires_grad=True)" in printed(
        solved, "model = line_model()\noptimizer = optim.SGD(model.parameters(), lr=0.1)\nloss =")


def test_momentum_table(solved):
    table = printed(solved, "p = torch.tensor([1.0], requires_grad=True)   # with momentum")
    rows = [line.split() for line in table.splitlines()[1:]]
    assert rows[:3] == [["1", "0.8000", "0.8000", "2.0000"], ["2", "0.6400", "0.4600", "3.4000"],
                        ["3", "0.5120", "0.0620", "3.9800"]]


def test_weight_decay_is_an_l2_penalty(solved):
    assert printed(solved, "a = torch.tensor([1.0, -2.0], requires_grad=True)") == (
        "tensor([ 0.7900, -1.5800], requires_grad=True) "
        "tensor([ 0.7900, -1.5800], requires_grad=True)\n")


def test_step_skips_none_but_not_zeros(solved):
    lines = printed(solved, 'for name, t in zip("abcd"').splitlines()
    assert lines[1].endswith("-> tensor([1., 2.])  grad: None")
    assert lines[2].endswith("-> tensor([1., 2.])  grad: None")
    assert lines[3] == "d tensor([1., 2.]) -> tensor([0.9990, 1.9980])  grad: tensor([0., 0.])"


def test_articles_resnet18_step(solved):
    # articles 000 and 003: prediction.shape is torch.Size([1, 1000]); SGD(lr=1e-2, momentum=0.9)
    assert printed(solved, "torch.manual_seed(0)\nmodel = torch.models.resnet18()") == (
        "torch.Size([1, 1000])\n62 of 62 parameter tensors have a .grad\n")
    assert printed(solved, "print(model.fc.bias.grad[:5])") == (
        "tensor([1., 1., 1., 1., 1.])\nTrue\n")
    assert printed(solved, "optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)") == (
        "0 momentum buffers before step()\n62 momentum buffers after step()\nTrue\nTrue\n")


def test_plain_and_momentum_trajectories(solved):
    assert printed(solved, "import matplotlib.pyplot as plt\n\n\ndef trajectory(") == (
        "       plain: after 30 steps p = (-1.175, 0.000)\n"
        "momentum 0.8: after 30 steps p = (-0.034, -0.005)\n")
    assert_plotted(code_cell(solved, "import matplotlib.pyplot as plt\n\n\ndef trajectory("))


def test_accuracy_puts_back_the_mode_it_found(solved):
    import autograd_core
    from autograd_core import nn

    cell = code_cell(solved, "torch.manual_seed(0)\nx_train, y_train = make_moons(200)")
    source = cell.source[cell.source.index("@torch.no_grad()\ndef accuracy"):]
    source = source[:source.index("\n\n\n")]
    namespace = {"torch": autograd_core}
    exec(source, namespace)
    model = nn.Sequential(nn.Linear(2, 2))
    x, y = autograd_core.zeros(3, 2), autograd_core.zeros(3, dtype=autograd_core.long)
    for mode in (True, False):
        model.train(mode)
        namespace["accuracy"](model, x, y)
        assert model.training is mode


def test_two_moons_are_learned(solved):
    summary = printed(solved, "torch.manual_seed(0)\nx_train, y_train = make_moons(200)")
    test_accuracy = float(re.search(r"([\d.]+)% on new points", summary).group(1))
    assert test_accuracy >= 93.0, summary
    first, last = map(float, re.search(r"set ([\d.]+) after the first epoch, ([\d.]+) after", summary).groups())
    assert last < first / 3, summary


def test_the_plots_are_drawn(solved):
    assert_plotted(code_cell(solved, "import matplotlib.pyplot as plt\nimport numpy as np"))
