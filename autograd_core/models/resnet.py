"""ResNet-18 and ResNet-34 with torchvision's layout, names and initialisation.

The attribute names are torchvision's (``conv1 bn1 relu maxpool layer1..layer4 avgpool fc``, and
``conv1 bn1 relu conv2 bn2 downsample`` in each ``BasicBlock``), so state_dict keys match and the
fine-tuning recipe ``model.fc = nn.Linear(512, 10)`` works as in the PyTorch tutorials.

No pretrained weights exist here: ``weights=...`` or ``pretrained=True`` raise
``NotImplementedError`` (a RuntimeError) that says so.
"""
from __future__ import annotations

from ..tensor import Tensor
from .. import nn

__all__ = ["ResNet", "BasicBlock", "resnet18", "resnet34"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding 1 and no bias (the BatchNorm after it has one)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution: matches channels and size on a block's shortcut."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions and a shortcut: out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).

    ``downsample`` (a 1x1 convolution and a BatchNorm) reshapes the shortcut when the block
    changes the number of channels or the stride; otherwise the shortcut is x itself.
    """

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class ResNet(nn.Module):
    """A ResNet: a 7x7 stem, four stages of residual blocks, global average pooling, a classifier.

    Initialised as torchvision's: convolutions ~ kaiming_normal_(mode="fan_out", relu),
    BatchNorm weight 1 and bias 0, the final Linear with its default initialisation.
    """

    def __init__(self, block: type, layers: list, num_classes: int = 1000, zero_init_residual: bool = False) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.constant_(module.weight, 1)
                nn.init.constant_(module.bias, 0)
        if zero_init_residual:
            # each block then starts as the identity, which helps very deep networks train
            for module in self.modules():
                if isinstance(module, BasicBlock):
                    nn.init.constant_(module.bn2.weight, 0)

    def _make_layer(self, block: type, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = x.flatten(1)
        x = self.fc(x)
        return x


_NO_WEIGHTS = ("no pretrained weights can be downloaded in autograd_core; build the model with "
               "weights=None and train it, or load a state_dict (model.load_state_dict(...)).")


def _resnet(layers: list, weights, pretrained: bool, progress: bool, **kwargs) -> ResNet:
    if pretrained or weights is not None:
        # NotImplementedError (a RuntimeError): the call is valid PyTorch, the feature is absent here
        raise NotImplementedError(f"{'pretrained=True' if pretrained else f'weights={weights!r}'}: " + _NO_WEIGHTS)
    return ResNet(BasicBlock, layers, **kwargs)


def resnet18(*, weights=None, progress: bool = True, pretrained: bool = False, num_classes: int = 1000,
             **kwargs) -> ResNet:
    """ResNet-18 (torchvision's ``resnet18``): 11,689,512 parameters for 1000 classes.

    Raises:
        NotImplementedError: if ``weights`` is not None or ``pretrained=True`` -- there are no
            pretrained weights to download in autograd_core.

    >>> model = resnet18()
    >>> model(torch.rand(1, 3, 64, 64)).shape
    torch.Size([1, 1000])
    """
    return _resnet([2, 2, 2, 2], weights, pretrained, progress, num_classes=num_classes, **kwargs)


def resnet34(*, weights=None, progress: bool = True, pretrained: bool = False, num_classes: int = 1000,
             **kwargs) -> ResNet:
    """ResNet-34 (torchvision's ``resnet34``); the same rules about weights as ``resnet18``."""
    return _resnet([3, 4, 6, 3], weights, pretrained, progress, num_classes=num_classes, **kwargs)
