"""autograd_core.nn: layers against real PyTorch, gradchecks of the new ops, and Module behaviour.

Parity tests copy PyTorch's weights into our layer, run the same input and the same upstream
gradient through both, and compare outputs, input gradients and parameter gradients.
"""
from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.autograd import gradcheck, gradgradcheck
from autograd_core.nn import functional as F
from autograd_core.ops import pooling

ATOL, RTOL = 1e-5, 1e-4


# ---------------------------------------------------------------------- helpers
def _ours(array: np.ndarray, requires_grad: bool = False) -> ag.Tensor:
    return ag.tensor(np.array(array), requires_grad=requires_grad)


def _copy_into(ours: nn.Module, theirs) -> None:
    """Load PyTorch's module state (weights and buffers) into ours."""
    state = {key: ag.tensor(value.detach().numpy().copy()) for key, value in theirs.state_dict().items()}
    ours.load_state_dict(state)


def _close(ours: ag.Tensor, theirs, atol: float = ATOL, rtol: float = RTOL) -> None:
    expected = theirs.detach().numpy()
    assert tuple(ours.shape) == expected.shape, f"shape {tuple(ours.shape)} != {expected.shape}"
    np.testing.assert_allclose(ours.detach().numpy(), expected, atol=atol, rtol=rtol)


def _compare_layer(torch, ours: nn.Module, theirs, input_shape: tuple, seed: int = 0, atol: float = ATOL) -> ag.Tensor:
    """Same weights, input and upstream gradient in both; compare output and every gradient."""
    _copy_into(ours, theirs)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(input_shape).astype(np.float32)
    x_ours, x_theirs = _ours(x, True), torch.tensor(x, requires_grad=True)
    out_ours, out_theirs = ours(x_ours), theirs(x_theirs)
    _close(out_ours, out_theirs, atol)
    upstream = rng.standard_normal(tuple(out_theirs.shape)).astype(np.float32)
    out_ours.backward(_ours(upstream))
    out_theirs.backward(torch.tensor(upstream))
    _close(x_ours.grad, x_theirs.grad, atol)
    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        _close(param.grad, theirs_params[name].grad, atol)
    return out_ours


# ---------------------------------------------------------------------- layers against PyTorch
@pytest.mark.parametrize("shape, bias", [((4, 3), True), ((4, 3), False), ((2, 5, 3), True), ((3,), True)])
def test_linear_matches_pytorch(shape, bias):
    torch = pytest.importorskip("torch")
    _compare_layer(torch, nn.Linear(3, 2, bias=bias), torch.nn.Linear(3, 2, bias=bias), shape)


@pytest.mark.parametrize("settings, input_shape", [
    (dict(in_channels=3, out_channels=4, kernel_size=3), (2, 3, 7, 7)),
    (dict(in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=1), (2, 3, 8, 8)),
    (dict(in_channels=3, out_channels=5, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), bias=False), (1, 3, 7, 6)),
    (dict(in_channels=3, out_channels=8, kernel_size=7, stride=2, padding=3, bias=False), (1, 3, 16, 16)),
    (dict(in_channels=2, out_channels=3, kernel_size=1, stride=2), (2, 2, 5, 5)),
    (dict(in_channels=2, out_channels=2, kernel_size=3, dilation=2, padding=2), (1, 2, 9, 9)),
    (dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, padding=1), (2, 4, 5, 5)),
    (dict(in_channels=2, out_channels=3, kernel_size=(3, 5), padding="same"), (1, 2, 6, 7)),
])
def test_conv2d_matches_pytorch(settings, input_shape):
    torch = pytest.importorskip("torch")
    _compare_layer(torch, nn.Conv2d(**settings), torch.nn.Conv2d(**settings), input_shape)


def test_batchnorm2d_train_and_eval_match_pytorch_with_running_stats():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm2d(3, momentum=0.2), torch.nn.BatchNorm2d(3, momentum=0.2)
    with torch.no_grad():                                   # non-trivial affine parameters
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-0.5, 0.5)
    _compare_layer(torch, ours, theirs, (4, 3, 5, 5))      # training: batch statistics
    for seed in (1, 2):
        x = (np.random.default_rng(seed).standard_normal((4, 3, 5, 5)) * 2 + 1).astype(np.float32)
        ours(_ours(x))
        theirs(torch.tensor(x))
    _close(ours.running_mean, theirs.running_mean)
    _close(ours.running_var, theirs.running_var)          # unbiased variance, as PyTorch keeps
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 3
    ours.eval(), theirs.eval()
    for module in (ours, theirs):
        module.zero_grad()
    out = _compare_layer(torch, ours, theirs, (2, 3, 4, 4), seed=7)    # eval: running statistics
    assert out.grad_fn.name() == "NativeBatchNormBackward0"
    _close(ours.running_mean, theirs.running_mean)                      # eval leaves them alone


def test_batchnorm2d_variants_match_pytorch():
    torch = pytest.importorskip("torch")
    _compare_layer(torch, nn.BatchNorm2d(2, affine=False), torch.nn.BatchNorm2d(2, affine=False), (3, 2, 4, 4))
    ours, theirs = nn.BatchNorm2d(2, momentum=None), torch.nn.BatchNorm2d(2, momentum=None)
    for seed in range(3):
        x = np.random.default_rng(seed).standard_normal((3, 2, 4, 4)).astype(np.float32) + seed
        ours(_ours(x)), theirs(torch.tensor(x))
    _close(ours.running_mean, theirs.running_mean)      # cumulative average
    no_stats = (nn.BatchNorm2d(2, track_running_stats=False), torch.nn.BatchNorm2d(2, track_running_stats=False))
    for module in no_stats:
        module.eval()
    _compare_layer(torch, *no_stats, (3, 2, 4, 4))     # eval without running stats: batch statistics
    _compare_layer(torch, nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3), (5, 3))
    _compare_layer(torch, nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3), (4, 3, 2))


@pytest.mark.parametrize("settings, input_shape", [
    (dict(kernel_size=2), (2, 3, 6, 6)),
    (dict(kernel_size=3, stride=2, padding=1), (1, 2, 9, 9)),
    (dict(kernel_size=3, stride=2, padding=1), (1, 2, 8, 8)),
    (dict(kernel_size=(2, 3), stride=(1, 2)), (2, 2, 5, 7)),
    (dict(kernel_size=3, stride=2, ceil_mode=True), (1, 2, 8, 8)),
    (dict(kernel_size=2, stride=1, dilation=2), (1, 1, 6, 6)),
])
def test_maxpool2d_matches_pytorch(settings, input_shape):
    torch = pytest.importorskip("torch")
    out = _compare_layer(torch, nn.MaxPool2d(**settings), torch.nn.MaxPool2d(**settings), input_shape)
    assert out.grad_fn.name() == "MaxPool2DWithIndicesBackward0"


def test_maxpool2d_ties_and_indices_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[[[1, 1, 2, 0], [1, 1, 0, 2], [3, 3, 3, 3], [3, 3, 3, 3]]]], dtype=np.float32)
    _compare_layer(torch, nn.MaxPool2d(2, stride=1), torch.nn.MaxPool2d(2, stride=1), x.shape)
    x_ours, x_theirs = _ours(x, True), torch.tensor(x, requires_grad=True)
    out_ours, index_ours = F.max_pool2d(x_ours, 2, stride=1, return_indices=True)
    out_theirs, index_theirs = torch.nn.functional.max_pool2d(x_theirs, 2, stride=1, return_indices=True)
    assert index_ours.tolist() == index_theirs.tolist()
    out_ours.sum().backward()
    out_theirs.sum().backward()
    _close(x_ours.grad, x_theirs.grad)                      # overlapping windows add up


@pytest.mark.parametrize("size, input_shape", [(1, (2, 3, 4, 4)), ((1, 1), (1, 2, 3, 5)), (2, (1, 2, 4, 6)),
                                               ((3, 2), (1, 2, 7, 5)), ((None, 2), (1, 1, 3, 4))])
def test_adaptive_avg_pool2d_matches_pytorch(size, input_shape):
    torch = pytest.importorskip("torch")
    out = _compare_layer(torch, nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), input_shape)
    expected = "MeanBackward1" if size in (1, (1, 1)) else "AdaptiveAvgPool2DBackward0"
    assert out.grad_fn.name() == expected


@pytest.mark.parametrize("name", ["ReLU", "Sigmoid", "Tanh", "Flatten", "Identity"])
def test_simple_layers_match_pytorch(name):
    torch = pytest.importorskip("torch")
    _compare_layer(torch, getattr(nn, name)(), getattr(torch.nn, name)(), (2, 3, 2, 2))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_match_pytorch(name, dim):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32) * 5
    x_ours, x_theirs = _ours(x, True), torch.tensor(x, requires_grad=True)
    out_ours, out_theirs = getattr(F, name)(x_ours, dim), getattr(torch.nn.functional, name)(x_theirs, dim)
    _close(out_ours, out_theirs)
    assert out_ours.grad_fn.name() == out_theirs.grad_fn.name()
    upstream = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    out_ours.backward(_ours(upstream))
    out_theirs.backward(torch.tensor(upstream))
    _close(x_ours.grad, x_theirs.grad)
    _close(getattr(x_ours, name)(dim), out_theirs)          # the Tensor methods use the same ops


def test_log_softmax_is_stable_for_large_scores():
    out = F.log_softmax(ag.tensor([[1000.0, 0.0]]), 1)
    assert np.isfinite(out.numpy()).all() and out[0, 0].item() == 0.0


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_pytorch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    scores = rng.standard_normal((5, 4)).astype(np.float32)
    target = np.array([0, 3, 1, 1, 2])
    target_values = rng.standard_normal((5, 4)).astype(np.float32)
    cases = [
        (nn.CrossEntropyLoss(reduction=reduction), torch.nn.CrossEntropyLoss(reduction=reduction), target, "NllLossBackward0"),
        (nn.CrossEntropyLoss(weight=ag.tensor([1.0, 2.0, 0.5, 3.0]), reduction=reduction),
         torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5, 3.0]), reduction=reduction), target, "NllLossBackward0"),
        (nn.CrossEntropyLoss(ignore_index=1, reduction=reduction), torch.nn.CrossEntropyLoss(ignore_index=1, reduction=reduction),
         target, "NllLossBackward0"),
        (nn.NLLLoss(reduction=reduction), torch.nn.NLLLoss(reduction=reduction), target, "NllLossBackward0"),
        (nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction), target_values, "MseLossBackward0"),
    ]
    for ours, theirs, y, node in cases:
        x_ours, x_theirs = _ours(scores, True), torch.tensor(scores, requires_grad=True)
        loss_ours, loss_theirs = ours(x_ours, ag.tensor(y)), theirs(x_theirs, torch.tensor(y))
        _close(loss_ours, loss_theirs)
        assert loss_ours.grad_fn.name() == node == loss_theirs.grad_fn.name()
        upstream = rng.standard_normal(tuple(loss_theirs.shape)).astype(np.float32)
        loss_ours.backward(_ours(upstream))
        loss_theirs.backward(torch.tensor(upstream))
        _close(x_ours.grad, x_theirs.grad)


def test_cross_entropy_graph_and_other_targets_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    scores = rng.standard_normal((2, 3, 2, 2)).astype(np.float32)        # per-pixel classes
    target = rng.integers(0, 3, (2, 2, 2))
    loss = F.cross_entropy(_ours(scores, True), ag.tensor(target))
    _close(loss, torch.nn.functional.cross_entropy(torch.tensor(scores), torch.tensor(target)))
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    probabilities = rng.dirichlet(np.ones(3), size=4).astype(np.float32)
    logits = rng.standard_normal((4, 3)).astype(np.float32)
    _close(F.cross_entropy(_ours(logits), ag.tensor(probabilities)),
           torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(probabilities)))
    single = F.cross_entropy(_ours(logits[0]), ag.tensor(2))                 # unbatched
    _close(single, torch.nn.functional.cross_entropy(torch.tensor(logits[0]), torch.tensor(2)))


def test_loss_errors_match_pytorch():
    with pytest.raises(IndexError, match="Target 7 is out of bounds."):
        F.cross_entropy(ag.randn(2, 3), ag.tensor([0, 7]))
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.mse_loss(ag.randn(2), ag.randn(2), reduction="average")
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target batch_size \(3\)"):
        F.nll_loss(ag.randn(2, 3), ag.tensor([0, 1, 2]))


def test_node_names_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((2, 3, 6, 6)).astype(np.float32)
    vector = np.random.default_rng(6).standard_normal((2, 4)).astype(np.float32)

    def m_x(m):
        return ag.tensor(x, requires_grad=True) if m is ag else torch.tensor(x, requires_grad=True)

    def m_v(m):
        return ag.tensor(vector, requires_grad=True) if m is ag else torch.tensor(vector, requires_grad=True)

    makers = [lambda m: m.nn.Conv2d(3, 2, 3)(m_x(m)), lambda m: m.nn.BatchNorm2d(3)(m_x(m)),
              lambda m: m.nn.MaxPool2d(2)(m_x(m)), lambda m: m.nn.Flatten()(m_x(m)),
              lambda m: m.nn.Linear(4, 2)(m_v(m)), lambda m: m.nn.Linear(4, 2, bias=False)(m_v(m)),
              lambda m: m.nn.functional.relu(m_v(m)), lambda m: m.nn.functional.mse_loss(m_v(m), m_v(m).detach()),
              lambda m: m.nn.AdaptiveAvgPool2d(1)(m_x(m)), lambda m: m.nn.AdaptiveAvgPool2d(3)(m_x(m))]
    for make in makers:
        assert make(ag).grad_fn.name() == make(torch).grad_fn.name()


# ---------------------------------------------------------------------- gradcheck (float64)
def _double(*shape, seed: int = 0, requires_grad: bool = True) -> ag.Tensor:
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=ag.float64, requires_grad=requires_grad)


def _no_warnings(check, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return check(*args, **kwargs)


@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2)])
def test_conv2d_gradcheck_and_gradgradcheck(stride, padding, dilation):
    x, w, b = _double(1, 2, 5, 5), _double(3, 2, 3, 3, seed=1), _double(3, seed=2)

    def fn(x, w, b):
        return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)

    assert _no_warnings(gradcheck, fn, (x, w, b))
    assert _no_warnings(gradgradcheck, fn, (x, w, b))


def test_conv2d_groups_gradcheck():
    x, w = _double(1, 4, 4, 4), _double(2, 2, 2, 2, seed=1)
    assert gradcheck(lambda x, w: F.conv2d(x, w, stride=2, padding=1, groups=2), (x, w))


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck_and_gradgradcheck(training):
    x, w, b = _double(3, 2, 2, 2), _double(2, seed=1), _double(2, seed=2)
    mean = ag.tensor([0.1, -0.2], dtype=ag.float64)
    var = ag.tensor([0.5, 2.0], dtype=ag.float64)

    def fn(x, w, b):
        # training mode without running statistics: every evaluation sees the same state
        return F.batch_norm(x, None if training else mean, None if training else var, w, b, training=training)

    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b), atol=1e-4)


def test_pooling_and_linear_gradcheck():
    x = _double(1, 2, 5, 5)
    assert gradcheck(lambda x: F.max_pool2d(x, 3, stride=2, padding=1), (x,))
    assert gradgradcheck(lambda x: F.max_pool2d(x, 2), (x,))
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, (2, 3)), (x,))
    assert gradgradcheck(lambda x: F.adaptive_avg_pool2d(x, (2, 3)), (x,))
    a, w, b = _double(3, 4), _double(2, 4, seed=1), _double(2, seed=2)
    assert gradcheck(F.linear, (a, w, b)) and gradgradcheck(F.linear, (a, w, b))


def test_softmax_and_loss_gradcheck():
    x = _double(3, 4)
    assert gradcheck(lambda x: F.softmax(x, 1), (x,)) and gradgradcheck(lambda x: F.softmax(x, 1), (x,))
    assert gradcheck(lambda x: F.log_softmax(x, 0), (x,)) and gradgradcheck(lambda x: F.log_softmax(x, 0), (x,))
    target = ag.tensor([1, 0, 3])
    for reduction in ("mean", "sum", "none"):
        assert gradcheck(lambda x: F.cross_entropy(x, target, reduction=reduction), (x,))
        assert gradgradcheck(lambda x: F.cross_entropy(x, target, reduction=reduction), (x,))
    y = _double(3, 4, seed=3)
    assert gradcheck(F.mse_loss, (x, y)) and gradgradcheck(F.mse_loss, (x, y))


def test_gradcheck_catches_a_wrong_backward(monkeypatch):
    # the checks above can fail: break the max-pool backward and see gradcheck object
    monkeypatch.setattr(pooling.MaxPool2dWithIndices, "backward", staticmethod(
        lambda ctx, grad: (pooling.MaxPool2dScatter.apply(grad * 2, ctx.saved_tensors[0], indices=ctx.indices,
                                                          input_shape=ctx.input_shape),)))
    assert not gradcheck(lambda x: F.max_pool2d(x, 2), (_double(1, 1, 4, 4),), raise_exception=False)


# ---------------------------------------------------------------------- Module
class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU())
        self.head = nn.Linear(8, 3)
        self.scale = nn.Parameter(ag.ones(1))
        self.register_buffer("calls", ag.zeros(1))
        self.note = "plain attribute"

    def forward(self, x):
        return self.head(self.features(x).flatten(1)[:, :8]) * self.scale


def test_registration_through_attribute_assignment():
    net = _Net()
    assert [name for name, _ in net.named_parameters()] == [
        "scale", "features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
        "head.weight", "head.bias"]
    assert [name for name, _ in net.named_children()] == ["features", "head"]
    assert [name for name, _ in net.named_modules()] == ["", "features", "features.0", "features.1", "features.2", "head"]
    assert len(list(net.modules())) == 6 and len(list(net.children())) == 2
    assert [name for name, _ in net.named_buffers()] == [
        "calls", "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked"]
    assert "note" in net.__dict__ and "note" not in net._parameters
    with pytest.raises(AttributeError, match="'_Net' object has no attribute 'missing'"):
        net.missing                                              # never None
    assert not hasattr(net, "missing")
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' as parameter 'scale' \(torch.nn.Parameter or None expected\)"):
        net.scale = ag.ones(1)
    net.head = nn.Linear(8, 5)                                   # replacing a child re-registers it
    assert net.head.out_features == 5 and net._modules["head"] is net.head
    del net.head
    assert "head" not in dict(net.named_children())
    shared = nn.Linear(2, 2)
    assert len(list(nn.Sequential(shared, shared).parameters())) == 2     # listed once


def test_parameter_behaves_like_pytorch():
    torch = pytest.importorskip("torch")
    p = nn.Parameter(ag.tensor([1.0, 2.0]))
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert not nn.Parameter(ag.ones(2), requires_grad=False).requires_grad
    assert type(p * 2) is ag.Tensor
    clone = pickle.loads(pickle.dumps(p))
    assert type(clone) is nn.Parameter and clone.tolist() == [1.0, 2.0]


def test_train_eval_zero_grad_requires_grad_and_apply():
    net = _Net()
    assert net.training and net.features[1].training
    assert net.eval() is net and not net.features[1].training
    net.train()
    net(ag.randn(2, 1, 2, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Conv2d", "BatchNorm2d", "ReLU", "Sequential", "Linear", "_Net"]     # children first


def test_state_dict_round_trip_and_strict_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    ag.manual_seed(0)
    source, target = _Net(), _Net()
    source(ag.randn(3, 1, 2, 2))                            # move the running statistics
    state = source.state_dict()
    assert list(state) == ["scale", "calls", "features.0.weight", "features.0.bias", "features.1.weight",
                           "features.1.bias", "features.1.running_mean", "features.1.running_var",
                           "features.1.num_batches_tracked", "head.weight", "head.bias"]
    assert not state["head.weight"].requires_grad           # detached copies of the values
    result = target.load_state_dict(state)
    assert repr(result) == "<All keys matched successfully>"
    for key, value in target.state_dict().items():
        assert np.array_equal(value.numpy(), state[key].numpy()), key
    assert target.head.weight is not state["head.weight"]   # copied into the existing Parameter

    ours, theirs = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    for bad in ({"weight": np.zeros((3, 2), np.float32), "foo": np.zeros(1, np.float32)},
                {"weight": np.zeros((3, 3), np.float32), "bias": np.zeros(3, np.float32)}):
        with pytest.raises(RuntimeError) as ours_error:
            ours.load_state_dict({k: ag.tensor(v) for k, v in bad.items()})
        with pytest.raises(RuntimeError) as theirs_error:
            theirs.load_state_dict({k: torch.tensor(v) for k, v in bad.items()})
        assert str(ours_error.value) == str(theirs_error.value)
    loose = ours.load_state_dict({"weight": ag.zeros(3, 2)}, strict=False)
    assert loose.missing_keys == ["bias"] and loose.unexpected_keys == []
    assert not ours.weight.detach().numpy().any()


def test_repr_matches_pytorch():
    torch = pytest.importorskip("torch")

    def build(m):
        return m.nn.Sequential(
            m.nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False), m.nn.BatchNorm2d(4), m.nn.ReLU(inplace=True),
            m.nn.MaxPool2d(3, 2, 1), m.nn.AdaptiveAvgPool2d((1, 1)), m.nn.Flatten(), m.nn.Linear(4, 2),
            m.nn.Sequential(m.nn.Tanh(), m.nn.Sigmoid(), m.nn.Identity()),
            m.nn.Conv2d(2, 2, (1, 3), dilation=2, groups=2), m.nn.BatchNorm2d(2, affine=False),
            m.nn.CrossEntropyLoss(), m.nn.MSELoss(), m.nn.Linear(512, 10, bias=False),
            m.nn.Conv2d(2, 2, 3, padding="same"), m.nn.BatchNorm1d(3, momentum=None), m.nn.Softmax(dim=1))
    assert repr(build(ag)) == repr(build(torch))
    assert repr(nn.Linear(512, 10)) == "Linear(in_features=512, out_features=10, bias=True)"


def test_sequential_indexing_len_iteration():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    assert isinstance(model[1:], nn.Sequential) and list(model[1:]) == layers[1:]
    with pytest.raises(IndexError):
        model[3]
    assert model(ag.randn(4, 2)).shape == ag.Size([4, 1])
    model.append(nn.Sigmoid())
    assert len(model) == 4 and [name for name, _ in model.named_children()] == ["0", "1", "2", "3"]


def test_default_initialisation_bounds_and_seed():
    ag.manual_seed(0)
    first = nn.Linear(400, 30)
    ag.manual_seed(0)
    second = nn.Linear(400, 30)
    assert np.array_equal(first.weight.detach().numpy(), second.weight.detach().numpy())      # repeatable
    bound = 1 / math.sqrt(400)
    for tensor in (first.weight, first.bias):
        values = tensor.detach().numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound
    conv = nn.Conv2d(8, 16, 3)
    assert np.abs(conv.weight.detach().numpy()).max() <= 1 / math.sqrt(8 * 9)
    bn = nn.BatchNorm2d(4)
    assert bn.weight.tolist() == [1.0] * 4 and bn.bias.tolist() == [0.0] * 4
    assert bn.running_var.tolist() == [1.0] * 4 and bn.running_mean.tolist() == [0.0] * 4
    w = ag.empty(64, 32, 3, 3)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / (64 * 9))) < 0.01
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / (32 * 9 + 64 * 9))
    assert nn.init.zeros_(w) is w and not w.numpy().any()


def test_relu_inplace_modifies_its_input_like_pytorch():
    x = ag.tensor([-1.0, 2.0], requires_grad=True)
    y = x * 1
    out = nn.ReLU(inplace=True)(y)
    assert y.tolist() == [0.0, 2.0] and y._version == 1
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]


def test_forward_hooks_and_buffers_and_double():
    seen = []
    layer = nn.Linear(2, 2)
    handle = layer.register_forward_hook(lambda module, inputs, output: seen.append(tuple(output.shape)))
    layer(ag.randn(5, 2))
    handle.remove()
    layer(ag.randn(5, 2))
    assert seen == [(5, 2)]
    weight = layer.weight
    layer.double()
    assert layer.weight is weight and layer.weight.dtype == ag.float64          # same Parameter object
    assert layer(ag.randn(1, 2, dtype=ag.float64)).dtype == ag.float64
    module = nn.Module()
    module.register_buffer("hidden", ag.ones(1), persistent=False)
    assert "hidden" not in module.state_dict() and module.hidden.tolist() == [1.0]


def test_training_step_writes_nothing_to_stderr(capfd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(8, 3))
        loss = nn.CrossEntropyLoss()(model(ag.randn(2, 1, 6, 6)), ag.tensor([0, 2]))
        loss.backward()
        ag.optim.SGD(model.parameters(), lr=0.1).step()
        repr(model)
    assert capfd.readouterr().err == ""
