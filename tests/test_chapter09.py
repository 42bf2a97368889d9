"""Chapter 9's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises (articles 000, 002 and 003), with PyTorch's numbers.
"""

from __future__ import annotations

import re

from chapter_harness import assert_plotted, code_cell, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "09_the_training_loop"
pytestmark = only_if_released(CHAPTER)

# exercise -> (a wrong answer a student might write, strings its failure message must not show)
WRONG_ANSWERS = {
    # assumes the gradient is fresh at every step
    "ex1_no_zero_grad": ("w_after = 0.1", ["-0.8"]),
    # the classic bug: no zero_grad(), so the second call steps with two gradients
    "ex2_train_step": (
        "def train_step(model, optimizer, loss_fn, x, y):\n"
        "    loss = loss_fn(model(x), y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "    return loss.item()",
        ["1.7533", "0.52"],
    ),
    # plain SGD, momentum ignored
    "ex3_sgd_step": (
        "def sgd_step(params, buffers, lr, momentum=0.0, weight_decay=0.0):\n"
        "    with torch.no_grad():\n"
        "        for p in params:\n"
        "            if p.grad is not None:\n"
        "                p -= lr * p.grad",
        ["momentum_buffer"],
    ),
    # forgets that weight decay moves a parameter whose gradient is zeros
    "ex4_which_moved": ('changed_names = {"a"}', ["'d'", "['a', 'd']"]),
    # accumulates without scaling the pieces' losses
    "ex5_accumulate_step": (
        "def accumulate_step(model, optimizer, loss_fn, x, y, num_pieces):\n"
        "    optimizer.zero_grad()\n"
        "    total = 0.0\n"
        "    for xp, yp in zip(x.chunk(num_pieces), y.chunk(num_pieces)):\n"
        "        loss = loss_fn(model(xp), yp)\n"
        "        loss.backward()\n"
        "        total += loss.item()\n"
        "    optimizer.step()\n"
        "    return total",
        ["/ 4", "len(x_piece)", "n_j"],
    ),
    # far too little training
    "ex6_fit": (
        "def fit(model, x, y):\n"
        "    optimizer = optim.SGD(model.parameters(), lr=0.01)\n"
        "    losses = []\n"
        "    for _ in range(3):\n"
        "        loss = nn.CrossEntropyLoss()(model(x), y)\n"
        "        optimizer.zero_grad()\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
        "        losses.append(loss.item())\n"
        "    return losses",
        ["lr=0.2", "150"],
    ),
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
    unfitted = printed(solved, "print(fit_line(zero_grad=False))").splitlines()
    assert unfitted[-1].startswith("step  99  loss 12.19")


def test_article_002_gradients_add_up_unless_cleared(solved):
    # article 002, eg1 and eg4: d(x**2 + 20)/dx = 20 at x = 10
    grads = "tensor({}., dtype=torch.float64)\n"
    assert printed(solved, "x_demo = torch.tensor(10.0, requires_grad=True, dtype=torch.float64)"
                           "\nfor _ in range(3):\n    f = (x_demo**2 + 20).mean()\n    f.backward()"
                   ) == "".join(grads.format(g) for g in (20, 40, 60))
    assert printed(solved, "x_demo = torch.tensor(10.0, requires_grad=True, dtype=torch.float64)"
                           "\nfor _ in range(3):\n    f = (x_demo**2 + 20).mean()\n    if"
                   ) == grads.format(20) * 3


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


def test_gradient_accumulation_equals_one_big_batch(solved):
    lines = printed(solved, "features = torch.arange(24.0)").splitlines()
    assert lines[0] == lines[1] and lines[2] == "True True"
    assert printed(solved, "def accumulated_grad(scale):") == (
        "no scale: False\n1/k: False\nn_j/N: True\n")


def test_two_moons_are_learned(solved):
    summary = printed(solved, "torch.manual_seed(0)\nx_train, y_train = make_moons(200)")
    test_accuracy = float(re.search(r"([\d.]+)% on new points", summary).group(1))
    assert test_accuracy >= 93.0, summary
    first, last = map(float, re.search(r"set ([\d.]+) after the first epoch, ([\d.]+) after", summary).groups())
    assert last < first / 3, summary


def test_the_plots_are_drawn(solved):
    assert_plotted(code_cell(solved, "import matplotlib.pyplot as plt"))
