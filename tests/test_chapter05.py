"""Chapter 5's own checks (tests/test_chapters.py runs the generic ones).

A plausible wrong answer to each exercise must fail the visible tests with a message that says
what was expected and gives a hint, without printing the answer; and the chapter must show the
worked examples it promises, with PyTorch's numbers.
"""

from __future__ import annotations

import re

import pytest

from chapter_harness import assert_graph_drawn, code_cell, only_if_released, printed
from chapter_harness import (  # the generic tests, collected in this file too
    test_a_wrong_answer_fails_with_a_helpful_message, test_different_mistakes_get_different_messages,
    test_every_exercise_has_a_wrong_answer_here)

CHAPTER = "05_turning_gradients_off"
pytestmark = only_if_released(CHAPTER)

# exercise -> (a wrong answer a student might write, strings its failure message must not show)
WRONG_ANSWERS = {
    # believes enable_grad makes results require grad, and that an unrecorded input "poisons" r_e
    "ex1_grad_modes": (
        'predicted_requires_grad = {"a": True, "b": False, "c": True, "d": False, "e": False}',
        ["'c'", "'e'", "True, 'b'", "{'a': True"],
    ),
    # walks every path instead of every node: the diamond b = a + a, c = b + b is counted twice
    "ex2_count_graph_nodes": (
        "def count_graph_nodes(t):\n"
        "    if t.grad_fn is None:\n"
        "        return 0\n"
        "    count, stack = 0, [t.grad_fn]\n"
        "    while stack:\n"
        "        node = stack.pop()\n"
        "        count += 1\n"
        "        stack.extend(child for child, _ in node.next_functions if child is not None)\n"
        "    return count",
        ["expected 3", "returned 3"],
    ),
    # switches the head on but never freezes the body
    "ex3_freeze_all_but": (
        "def freeze_all_but(model, head):\n"
        "    for param in getattr(model, head).parameters():\n"
        "        param.requires_grad = True\n"
        "    return [name for name, param in model.named_parameters() if param.requires_grad]",
        ["requires_grad = False"],
    ),
    # the common belief: no_grad means inference mode, and eval() switches gradients off
    "ex4_eval_vs_no_grad": (
        "running_mean_changed_in_1 = False\nout_2_requires_grad = False",
        ["True"],
    ),
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
    assert printed(solved, "w = torch.tensor([1.0, -2.0], requires_grad=True)") == (
        "tensor([ 2., -4.])\ntensor([ 0.8000, -1.6000], requires_grad=True) True 1\n")


def test_requires_grad_flows_from_any_input(solved):
    # article 003: a = x + y does not require grad, b = x + z does
    assert printed(solved, "torch.manual_seed(0)\nx = torch.rand(5, 5)") == (
        "Does `a` require gradients? : False\nDoes `b` require gradients?: True\n")


def test_no_grad_saves_nodes_and_memory(solved):
    assert printed(solved, "try:\n    count_nodes = count_graph_nodes") == "14 0\nTrue\n"
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
    # articles 000 and 003: a ResNet-18 step, then freeze, replace fc, step again
    first = printed(solved, "torch.manual_seed(0)\nmodel = torch.models.resnet18()")
    assert first == ("torch.Size([1, 1000])\n62 parameter tensors, 11689512 numbers\n"
                     "62 of them have a .grad\n132 graph nodes behind the prediction\n")
    assert printed(solved, "for param in model.parameters():") == (
        "['fc.weight', 'fc.bias']\n11181642 numbers in all, 5130 trainable\n")
    assert printed(solved, "optimizer = optim.SGD(model.parameters(), lr=1e-2") == (
        "62 parameters registered\ntorch.Size([1, 10]) 4 graph nodes\n"
        "have a .grad: ['fc.weight', 'fc.bias']\nchanged:      ['fc.weight', 'fc.bias']\n")
    assert "NotImplementedError: pretrained=True" in printed(solved, "try:\n    torch.models.resnet18(")


def test_eval_is_not_no_grad(solved):
    # train mode under no_grad updates the running mean; eval mode still records a graph
    lines = printed(solved, "print(mean_at_start, mean_after_1, bn.running_mean)").splitlines()
    assert lines[0] == "tensor([0., 0.]) tensor([0.5500, 0.9500]) tensor([0.5500, 0.9500])"
    assert lines[1].startswith("False True <NativeBatchNormBackward0 object at 0x")


@pytest.mark.parametrize("first_line", ["from autograd_core.viz import draw_graph",
                                        "draw_graph(prediction"])
def test_the_graphs_are_drawn(solved, first_line):
    assert_graph_drawn(code_cell(solved, first_line))
