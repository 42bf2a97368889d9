"""autograd_core.optim: SGD and Adam follow PyTorch's parameter trajectories step for step."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn, optim

STEPS = 5


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((6, 3)).astype(np.float32), rng.standard_normal((6, 2)).astype(np.float32)


def _model_pair(torch):
    """The same small network in both libraries, with PyTorch's initial weights."""
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    ours.load_state_dict({k: ag.tensor(v.numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _train(library, model, optimizer, steps: int = STEPS, seed: int = 0) -> list:
    """Run ``steps`` updates on a squared-error loss; return the parameters after each one."""
    x, y = _data(seed)
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(library.tensor(x)) - library.tensor(y)) ** 2).sum()
        loss.backward()
        optimizer.step()
        history.append([p.detach().numpy().copy() for p in model.parameters()])
    return history


def _assert_same_trajectory(ours: list, theirs: list) -> None:
    for step, (mine, reference) in enumerate(zip(ours, theirs)):
        for index, (a, b) in enumerate(zip(mine, reference)):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"step {step + 1}, parameter {index}")


SGD_SETTINGS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.05, momentum=0.8, dampening=0.5),
    dict(lr=0.05, momentum=0.9, weight_decay=0.1),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    dict(lr=0.01, momentum=0.5, maximize=True),
]


@pytest.mark.parametrize("settings", SGD_SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_sgd_follows_pytorch_for_five_steps(settings):
    torch = pytest.importorskip("torch")
    ours, theirs = _model_pair(torch)
    _assert_same_trajectory(_train(ag, ours, optim.SGD(ours.parameters(), **settings)),
                            _train(torch, theirs, torch.optim.SGD(theirs.parameters(), **settings)))


ADAM_SETTINGS = [
    dict(),
    dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, maximize=True),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
]


@pytest.mark.parametrize("settings", ADAM_SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "defaults")
def test_adam_follows_pytorch_for_five_steps(settings):
    torch = pytest.importorskip("torch")
    ours, theirs = _model_pair(torch)
    _assert_same_trajectory(_train(ag, ours, optim.Adam(ours.parameters(), **settings)),
                            _train(torch, theirs, torch.optim.Adam(theirs.parameters(), **settings)))


def test_parameter_groups_follow_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _model_pair(torch)

    def groups(model):
        return [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.01, "momentum": 0.5}]

    our_optimizer = optim.SGD(groups(ours), lr=0.1, momentum=0.9)
    their_optimizer = torch.optim.SGD(groups(theirs), lr=0.1, momentum=0.9)
    assert our_optimizer.param_groups[1]["lr"] == 0.01 and our_optimizer.param_groups[0]["momentum"] == 0.9
    _assert_same_trajectory(_train(ag, ours, our_optimizer), _train(torch, theirs, their_optimizer))
    our_adam = optim.Adam(ours[0].parameters(), lr=0.01)
    their_adam = torch.optim.Adam(theirs[0].parameters(), lr=0.01)
    our_adam.add_param_group({"params": ours[2].parameters(), "lr": 0.05})
    their_adam.add_param_group({"params": theirs[2].parameters(), "lr": 0.05})
    _assert_same_trajectory(_train(ag, ours, our_adam), _train(torch, theirs, their_adam))


def test_sgd_momentum_buffer_starts_at_the_first_gradient():
    w = nn.Parameter(ag.tensor([1.0, -2.0]))
    optimizer = optim.SGD([w], lr=0.1, momentum=0.9)
    (w * ag.tensor([3.0, 4.0])).sum().backward()
    optimizer.step()
    assert optimizer.state[w]["momentum_buffer"].tolist() == [3.0, 4.0]     # not 0.1 * g
    np.testing.assert_allclose(w.detach().numpy(), [0.7, -2.4], rtol=1e-6)
    optimizer.step()                                                        # same grad again
    np.testing.assert_allclose(optimizer.state[w]["momentum_buffer"].numpy(), [5.7, 7.6], rtol=1e-6)


def test_step_skips_frozen_parameters_and_zero_grad_sets_none():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model[0].requires_grad_(False)
    frozen_before = model[0].weight.detach().numpy().copy()
    head_before = model[2].weight.detach().numpy().copy()
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    model(ag.randn(5, 3)).sum().backward()
    optimizer.step()
    assert np.array_equal(model[0].weight.detach().numpy(), frozen_before)
    assert not np.array_equal(model[2].weight.detach().numpy(), head_before)
    assert model[0].weight not in optimizer.state and model[2].weight in optimizer.state
    assert model[2].weight._version > 0                                    # updated in place
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model(ag.randn(5, 3)).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    assert model[2].weight.grad is not None and not model[2].weight.grad.numpy().any()


def test_step_runs_under_no_grad_and_accepts_a_closure():
    w = nn.Parameter(ag.tensor([2.0]))
    optimizer = optim.SGD([w], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == 4.0 and w.tolist() == [1.0] and w.grad_fn is None and w.is_leaf


def test_state_dict_matches_pytorch_and_resumes_training():
    torch = pytest.importorskip("torch")
    ours, theirs = _model_pair(torch)
    our_optimizer = optim.Adam(ours.parameters(), lr=0.01)
    their_optimizer = torch.optim.Adam(theirs.parameters(), lr=0.01)
    _train(ag, ours, our_optimizer, steps=2)
    _train(torch, theirs, their_optimizer, steps=2)
    our_state, their_state = our_optimizer.state_dict(), their_optimizer.state_dict()
    assert our_state["param_groups"] == their_state["param_groups"]
    assert list(our_state["state"]) == list(their_state["state"]) == [0, 1, 2, 3]
    for index, entry in our_state["state"].items():
        assert list(entry) == list(their_state["state"][index])
        for key, value in entry.items():
            np.testing.assert_allclose(value.numpy(), their_state["state"][index][key].numpy(), rtol=1e-5, atol=1e-7)

    # a fresh optimizer loaded from the state dict continues exactly where the first one was
    resumed = optim.Adam(ours.parameters(), lr=0.5)
    resumed.load_state_dict(our_state)
    assert resumed.param_groups[0]["lr"] == 0.01
    assert resumed.state[next(ours.parameters())]["exp_avg"] is not our_optimizer.state[next(ours.parameters())]["exp_avg"]
    _assert_same_trajectory(_train(ag, ours, resumed, steps=3), _train(torch, theirs, their_optimizer, steps=3))
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        resumed.load_state_dict({"state": {}, "param_groups": []})


def test_repr_and_param_group_keys_match_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _model_pair(torch)
    for name, settings in (("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict())):
        our_optimizer = getattr(optim, name)(ours.parameters(), **settings)
        their_optimizer = getattr(torch.optim, name)(theirs.parameters(), **settings)
        assert repr(our_optimizer) == repr(their_optimizer)
        assert list(our_optimizer.param_groups[0]) == list(their_optimizer.param_groups[0])


def test_optimizer_errors_match_pytorch():
    w = nn.Parameter(ag.ones(2))
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an iterable of Tensors "
                                        "or dicts, but got torch.FloatTensor"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.Adam([w], lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 1.0"):
        optim.Adam([w], betas=(1.0, 0.9))
    optimizer = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optimizer.add_param_group({"params": [w]})
    with pytest.raises(TypeError, match="ordered collections"):
        optimizer.add_param_group({"params": {nn.Parameter(ag.ones(1))}})
    assert isinstance(optimizer, optim.Optimizer)
