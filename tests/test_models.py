"""autograd_core.models: torchvision's ResNet-18, and the articles' training and fine-tuning flows.

Kept fast: each test makes at most a couple of forward/backward passes on 1x3x64x64 or smaller.
"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import models, nn, optim
from benchmarks.run import torch_resnet18  # torchvision's layout in torch.nn, written once


@pytest.fixture(scope="module")
def resnet():
    ag.manual_seed(0)
    return models.resnet18()


def test_parameter_count_and_layout(resnet):
    assert sum(p.numel() for p in resnet.parameters()) == 11_689_512
    assert [name for name, _ in resnet.named_children()] == [
        "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"]
    block = resnet.layer2[0]
    assert isinstance(block, models.BasicBlock)
    assert [name for name, _ in block.named_children()] == ["conv1", "bn1", "relu", "conv2", "bn2", "downsample"]
    assert resnet.layer1[0].downsample is None
    state = resnet.state_dict()
    assert len(state) == 122                                      # torchvision's resnet18 has 122 entries
    assert "layer3.0.downsample.1.running_var" in state and "fc.bias" in state
    assert repr(resnet.fc) == "Linear(in_features=512, out_features=1000, bias=True)"
    assert repr(resnet.layer1[0].conv1) == "Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)"
    assert sum(p.numel() for p in models.resnet18(num_classes=10).parameters()) == 11_689_512 - 990 * 513


def test_torchvision_initialisation(resnet):
    weight = resnet.layer3[1].conv2.weight.detach().numpy()      # 256 x 256 x 3 x 3, fan_out = 2304
    assert abs(weight.std() - np.sqrt(2 / (256 * 9))) < 0.002 and abs(weight.mean()) < 0.001
    assert resnet.bn1.weight.tolist() == [1.0] * 64 and resnet.bn1.bias.tolist() == [0.0] * 64
    assert np.abs(resnet.fc.weight.detach().numpy()).max() <= 1 / np.sqrt(512)     # Linear's default


def test_pretrained_weights_raise_a_clear_error():
    with pytest.raises(NotImplementedError, match="no pretrained weights can be downloaded in autograd_core"):
        models.resnet18(pretrained=True)
    with pytest.raises(NotImplementedError, match="weights=None"):
        models.resnet18(weights="IMAGENET1K_V1")
    assert issubclass(NotImplementedError, RuntimeError)


def test_article_training_step(resnet):
    # Articles 000 and 003: one forward pass, backward, and an SGD step
    model = resnet
    data = ag.rand(1, 3, 64, 64)
    labels = ag.rand(1, 1000)
    prediction = model(data)
    assert prediction.shape == ag.Size([1, 1000])
    assert prediction.grad_fn.name() == "AddmmBackward0"
    loss = (prediction - labels).sum()
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
    before = [p.detach().numpy().copy() for p in model.parameters()]
    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    optimizer.step()
    changed = [not np.array_equal(b, p.detach().numpy()) for b, p in zip(before, model.parameters())]
    assert all(changed)
    assert model.bn1.num_batches_tracked.item() == 1
    model.zero_grad()


def test_freeze_and_fine_tune():
    # Article 003: freeze everything, replace the classifier, only the new head learns
    ag.manual_seed(1)
    model = models.resnet18()
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(512, 10)
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable == ["fc.weight", "fc.bias"]
    before = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)     # all registered, as in the article
    prediction = model(ag.rand(1, 3, 64, 64))
    assert prediction.shape == ag.Size([1, 10])
    nn.CrossEntropyLoss()(prediction, ag.tensor([3])).backward()
    assert [name for name, p in model.named_parameters() if p.grad is not None] == ["fc.weight", "fc.bias"]
    optimizer.step()
    for name, p in model.named_parameters():
        unchanged = np.array_equal(before[name], p.detach().numpy())
        assert unchanged == (name not in ("fc.weight", "fc.bias")), name


def test_eval_mode_and_state_dict_round_trip(resnet):
    resnet.eval()
    try:
        x = ag.rand(1, 3, 32, 32)
        with ag.no_grad():
            first = resnet(x)
        ag.manual_seed(5)
        copy = models.resnet18()
        copy.load_state_dict(resnet.state_dict())
        copy.eval()
        with ag.no_grad():
            np.testing.assert_allclose(copy(x).numpy(), first.numpy(), rtol=1e-5, atol=1e-6)
    finally:
        resnet.train()


def test_resnet18_matches_pytorch_forward_and_backward(resnet):
    torch = pytest.importorskip("torch")
    theirs = torch_resnet18(torch)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in resnet.state_dict().items()})
    # 64x64 as in the articles: layer4's BatchNorm then sees 4 values per channel (with 1x1 maps
    # and a batch of 2 it would see 2, and float32 rounding would be amplified ~1000 times)
    x = np.random.default_rng(0).random((1, 3, 64, 64))
    with ag.no_grad(), torch.no_grad():
        resnet.eval(), theirs.eval()
        np.testing.assert_allclose(resnet(ag.tensor(x, dtype=ag.float32)).numpy(),
                                   theirs(torch.tensor(x, dtype=torch.float32)).numpy(), rtol=1e-4, atol=1e-4)
        resnet.train(), theirs.train()
    # gradients through 20 layers: compare in float64, where rounding cannot hide a wrong formula
    resnet.double(), theirs.double()
    try:
        ours_out, theirs_out = resnet(ag.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(ours_out.detach().numpy(), theirs_out.detach().numpy(), rtol=1e-9, atol=1e-9)
        ours_out.sum().backward()
        theirs_out.sum().backward()
        reference = dict(theirs.named_parameters())
        for name, param in resnet.named_parameters():
            np.testing.assert_allclose(param.grad.numpy(), reference[name].grad.numpy(), rtol=1e-7, atol=1e-9, err_msg=name)
        for name, buffer in theirs.named_buffers():
            np.testing.assert_allclose(resnet.state_dict()[name].numpy(), buffer.numpy(), rtol=1e-9, err_msg=name)
    finally:
        resnet.zero_grad()
        resnet.float()
