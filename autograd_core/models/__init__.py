"""``autograd_core.models``: torchvision's ResNet, built from ``autograd_core.nn``.

>>> model = models.resnet18()          # random weights; weights=... / pretrained=True raise
"""
from .resnet import BasicBlock, ResNet, resnet18, resnet34

__all__ = ["ResNet", "BasicBlock", "resnet18", "resnet34"]
