"""Chapter 5's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises, with PyTorch's numbers.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from chapter_harness import assert_graph_drawn, code_cell, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "05_turning_gradients_off"
pytestmark = only_if_released(CHAPTER)

HEAD_ONLY = (  # switches the head on but never freezes the body
    "def freeze_all_but(model, head):\n"
    "    for param in getattr(model, head).parameters():\n"
    "        param.requires_grad = True\n"
    "    return [name for name, param in model.named_parameters() if param.requires_grad]")
BOTH_WRONG = (  # the common belief: no_grad means inference mode, and eval() switches gradients off
    "running_mean_changed_in_1 = False\nout_2_requires_grad = False")


def _saves_steps_restores(*, under_no_grad: bool, only_with_grad: bool) -> str:
    """A loss_one_step_ahead that saves the parameters, steps them, reads the loss and puts them
    back one after the other, with no try/finally: under one no_grad block or with recording on,
    and saving only the parameters that have a gradient or all of them."""
    body = ("saved = [(p, p.detach().clone()) for p in model.parameters()"
            + (" if p.grad is not None" if only_with_grad else "") + "]\n"
            "for p, _ in saved:\n"
            "    p -= lr * p.grad\n"
            "loss = loss_fn(model).item()\n"
            "for p, value in saved:\n"
            "    p.copy_(value)\n")
    if under_no_grad:
        body = "with torch.no_grad():\n" + textwrap.indent(body, "    ")
    return ("def loss_one_step_ahead(model, loss_fn, lr):\n" + textwrap.indent(body, "    ")
            + "    return loss")


# the first round of wrong answers: {exercise: (a wrong answer a student might write, strings
# its message must not show)}; the fourth round repeats its predictions
WRONG_ANSWERS_FIRST = {
    # believes enable_grad makes results require grad, and that an unrecorded input "poisons" r_e
    "ex1_grad_modes": (
        'predicted_requires_grad = {"a": True, "b": False, "c": True, "d": False, "e": False}',
        ["'c'", "'e'", "True, 'b'", "{'a': True"],
    ),
    # believes no_grad is only needed for style: the in-place update A works with recording on
    "ex2_updates": (
        'predicted_after_update = {"A": (True, True), "B": (True, True), "C": (False, True), '
        '"D": (True, False)}',
        ["(False, True)", "(True, False)", "None"],
    ),
    "ex3_freeze_all_but": (HEAD_ONLY, ["requires_grad = False"]),
    "ex4_eval_vs_no_grad": (BOTH_WRONG, ["= True"]),
    # switches grad mode off and on by hand: wrong when the model raises
    "ex5_evaluate": (
        "def evaluate(model, data):\n"
        "    model.eval()\n"
        "    torch.set_grad_enabled(False)\n"
        "    out = model(data)\n"
        "    torch.set_grad_enabled(True)\n"
        "    model.train()\n"
        "    return out",
        ["model.train(was_training)", "finally:"],
    ),
    # steps the weights with recording on: refused on a leaf that requires grad
    "ex6_one_step_ahead": (
        _saves_steps_restores(under_no_grad=False, only_with_grad=True),
        ["with torch.no_grad():\n"],
    ),
}

# {round: {exercise: (answer, secrets)}}
WRONG_ANSWERS = {
    "first": WRONG_ANSWERS_FIRST,
    "second": {
        # believes no_grad only hides the first result: r_b is still recorded
        "ex1_grad_modes": (
            'predicted_requires_grad = {"a": True, "b": True, "c": False, "d": False, "e": True}',
            ["'b'", "{'a': True"],
        ),
        # believes rebinding the name to w - lr * grad still gives a leaf
        "ex2_updates": (
            'predicted_after_update = {"A": None, "B": (True, True), "C": (True, True), '
            '"D": (True, False)}',
            ["(False, True)", "(True, False)"],
        ),
        # compares names with startswith(head): "fc_in" counts as the head "fc"
        "ex3_freeze_all_but": (
            "def freeze_all_but(model, head):\n"
            "    names = []\n"
            "    for name, param in model.named_parameters():\n"
            "        param.requires_grad = name.startswith(head)\n"
            "        if param.requires_grad:\n"
            "            names.append(name)\n"
            "    return names",
            ["head + '.'\n", "startswith(head + "],
        ),
        # believes eval() switches gradients off, and knows no_grad leaves training mode alone
        "ex4_eval_vs_no_grad": ("running_mean_changed_in_1 = True\nout_2_requires_grad = False",
                                ["= True", "= False"]),
        # restores with model.train(): a model that was in eval mode comes back training
        "ex5_evaluate": (
            "def evaluate(model, data):\n"
            "    model.eval()\n"
            "    try:\n"
            "        with torch.no_grad():\n"
            "            return model(data)\n"
            "    finally:\n"
            "        model.train()",
            ["model.train(was_training)", "was_training"],
        ),
        # takes the step under no_grad and never puts the weights back
        "ex6_one_step_ahead": (
            "def loss_one_step_ahead(model, loss_fn, lr):\n"
            "    with torch.no_grad():\n"
            "        for p in model.parameters():\n"
            "            if p.grad is not None:\n"
            "                p -= lr * p.grad\n"
            "        return loss_fn(model).item()",
            ["copy_(value)", "clone()\n"],
        ),
    },
    "third": {
        # believes every result made from p requires grad, whatever the grad mode
        "ex1_grad_modes": (
            'predicted_requires_grad = {"a": True, "b": True, "c": True, "d": True, "e": True}',
            ["'b': False", "'c': False", "{'a': True"],
        ),
        # believes no_grad switches requires_grad off, and that the new w keeps the old flag
        "ex2_updates": (
            'predicted_after_update = {"A": None, "B": (True, False), "C": (False, True), '
            '"D": (True, True)}',
            ["(True, True)", "(True, False)"],
        ),
        # freezes the body but never switches a head back on that was frozen before
        "ex3_freeze_all_but": (
            "def freeze_all_but(model, head):\n"
            "    for name, param in model.named_parameters():\n"
            "        if not name.startswith(head + '.'):\n"
            "            param.requires_grad = False\n"
            "    return [name for name, param in model.named_parameters() if param.requires_grad]",
            ["requires_grad = True", "requires_grad = in_head"],
        ),
        # believes no_grad also stops the running statistics, and knows eval() still records
        "ex4_eval_vs_no_grad": ("running_mean_changed_in_1 = False\nout_2_requires_grad = True",
                                ["= True", "= False"]),
        # forgets eval(): no graph, but BatchNorm normalises with the batch and updates its stats
        "ex5_evaluate": (
            "def evaluate(model, data):\n"
            "    with torch.no_grad():\n"
            "        return model(data)",
            ["model.eval()"],
        ),
        # takes the step and restores it under no_grad, but computes the loss with recording on
        "ex6_one_step_ahead": (
            "def loss_one_step_ahead(model, loss_fn, lr):\n"
            "    saved = [(p, p.detach().clone()) for p in model.parameters() if p.grad is not None]\n"
            "    with torch.no_grad():\n"
            "        for p, _ in saved:\n"
            "            p -= lr * p.grad\n"
            "    loss = loss_fn(model).item()\n"
            "    with torch.no_grad():\n"
            "        for p, value in saved:\n"
            "            p.copy_(value)\n"
            "    return loss",
            ["p.copy_(value)"],
        ),
    },
    "fourth": {
        "ex1_grad_modes": WRONG_ANSWERS_FIRST["ex1_grad_modes"],
        "ex2_updates": WRONG_ANSWERS_FIRST["ex2_updates"],
        # takes the head's own names: the prefix "fc." is missing
        "ex3_freeze_all_but": (
            "def freeze_all_but(model, head):\n"
            "    for name, param in model.named_parameters():\n"
            "        param.requires_grad = name.startswith(head + '.')\n"
            "    return [name for name, _ in getattr(model, head).named_parameters()]",
            ["fc.weight", "fc.bias"],
        ),
        "ex4_eval_vs_no_grad": WRONG_ANSWERS_FIRST["ex4_eval_vs_no_grad"],
        # restores the saved mode, but not when the model raises (no try/finally)
        "ex5_evaluate": (
            "def evaluate(model, data):\n"
            "    was_training = model.training\n"
            "    model.eval()\n"
            "    with torch.no_grad():\n"
            "        out = model(data)\n"
            "    model.train(was_training)\n"
            "    return out",
            ["finally:"],
        ),
        # steps every parameter, the frozen one too: its .grad is None
        "ex6_one_step_ahead": (
            _saves_steps_restores(under_no_grad=True, only_with_grad=False),
            ["if p.grad is not None"],
        ),
    },
}


def test_no_grad_stops_recording_but_leaves_the_flag(solved):
    # article 001: print((x ** 2).requires_grad) outside and inside no_grad
    assert printed(solved, "x = torch.tensor([1., 2., 3.], requires_grad=True)\nprint(") == (
        "True\nTrue\nFalse\nFalse\nTrue\n")


def test_the_three_switches_give_120_without_a_graph(solved):
    # article 002: y = x**2 + 20 at x = 10, under each of the three switches
    assert printed(solved, "x = torch.tensor(10., requires_grad=True") == (
        "tensor(120., dtype=torch.float64)\nFalse None True\n")
    assert printed(solved, "@torch.no_grad()\ndef shifted_square") == (
        "tensor(120., dtype=torch.float64) False\nTrue\n")
    assert printed(solved, "torch.set_grad_enabled(False)\nw = x ** 2 + 20") == (
        "tensor(120., dtype=torch.float64) False\n"
        "tensor(120., dtype=torch.float64, grad_fn=<AddBackward0>)\n")


def test_blocks_restore_grad_mode_and_enable_grad_records(solved):
    assert printed(solved, "try:\n    with torch.no_grad():\n        raise") == (
        "caught: something went wrong inside the block\nTrue\nFalse\n")
    assert printed(solved, "with torch.no_grad():\n    a = x * 2").startswith("False True False\n")


def test_in_place_under_no_grad_bumps_the_version(solved):
    # article 004: x += 1 under no_grad
    assert printed(solved, "x = torch.tensor([2., 3.], requires_grad=True)\nwith torch.no_grad()") == (
        "tensor([3., 4.], requires_grad=True)\n1\nFalse\n"
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.\n")
    assert printed(solved, "x = torch.tensor([2., 3.], requires_grad=True)\n\n@torch.no_grad()") == (
        "tensor([3., 4.], requires_grad=True) 1\ntensor([ 9., 16.]) False\n")


def test_four_ways_to_write_an_update(solved):
    # exercise 2's reveal: only the in-place update under no_grad keeps w a leaf that requires grad
    assert printed(solved, "for name, code in update_snippets.items():") == (
        "A RuntimeError: a leaf Variable that requires grad is being used in an in-place operation\n"
        "B tensor([ 0.8000, -1.6000], requires_grad=True)\n"
        "C tensor([ 0.8000, -1.6000], grad_fn=<SubBackward0>)\n"
        "D tensor([ 0.8000, -1.6000])\n")


def test_requires_grad_flows_from_any_input(solved):
    # article 003 (chapter 1 prints the flags): a = x + y gets no node, b = x + z an AddBackward0
    # whose edge for x is empty
    assert printed(solved, "torch.manual_seed(0)\nx = torch.rand(5, 5)") == (
        "None\n<AddBackward0 object at 0x...>\n"
        "((None, 0), (<AccumulateGrad object at 0x...>, 0))\n")


def test_no_grad_saves_nodes_and_memory(solved):
    assert printed(solved, "def count_nodes(t):") == "14 0\nTrue\n"
    assert printed(solved, "batches = ") == (
        "summing tensors: 61 nodes kept\nunder no_grad: 0 nodes kept\n")
    table = printed(solved, "import gc\nimport tracemalloc")
    rows = re.findall(r"^\s*(\d+)\s+([\d.]+) MiB,\s+(\d+) nodes\s+([\d.]+) MiB, 0 nodes$", table,
                      flags=re.M)
    assert [int(r[0]) for r in rows] == [3, 6, 12], table
    for depth, with_graph, nodes, without_graph in rows:
        assert int(nodes) == 5 * int(depth), table        # Addmm, T, Relu, 2 AccumulateGrad
        assert float(with_graph) > 2 * float(without_graph), table


def test_fine_tuning_changes_only_the_new_head(solved):
    # articles A and D: a ResNet-18, frozen, with fc replaced by Linear(512, 10)
    assert printed(solved, "torch.manual_seed(0)\nmodel = torch.models.resnet18()") == (
        "62 parameter tensors, 11689512 numbers\n132 graph nodes behind a prediction\n")
    assert printed(solved, "for param in model.parameters():") == (
        "['fc.weight', 'fc.bias']\n11181642 numbers in all, 5130 trainable\n"
        "4 graph nodes behind a prediction\n")
    assert printed(solved, "prediction.sum().backward()") == (
        "have a .grad: ['fc.weight', 'fc.bias']\n")


def test_inference_tensors_enter_a_graph_but_are_never_saved(solved):
    assert printed(solved, "w = torch.tensor([1., 2.], requires_grad=True)\nwith torch.inference") == (
        "tensor([4., 5.], grad_fn=<AddBackward0>)\n"
        "RuntimeError: Inference tensors cannot be saved for backward\n"
        "tensor([3., 6.], grad_fn=<MulBackward0>)\n")


def test_eval_is_not_no_grad(solved):
    # train mode under no_grad updates the running mean; eval mode still records a graph
    lines = printed(solved, "print(mean_at_start, mean_after_1, bn.running_mean)").splitlines()
    assert lines[0] == "tensor([0., 0.]) tensor([0.5500, 0.9500]) tensor([0.5500, 0.9500])"
    assert lines[1].startswith("False True <NativeBatchNormBackward0 object at 0x")


@pytest.mark.parametrize("first_line", ["from autograd_core.viz import draw_graph",
                                        "draw_graph(prediction"])
def test_the_graphs_are_drawn(solved, first_line):
    assert_graph_drawn(code_cell(solved, first_line))
