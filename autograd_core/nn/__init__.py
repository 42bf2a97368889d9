"""``autograd_core.nn``: layers, losses and the Module machinery, with PyTorch's names.

>>> import autograd_core as torch
>>> from autograd_core import nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> model(torch.randn(3, 4)).shape
torch.Size([3, 2])
"""
from . import functional, init
from .modules import (AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, BCEWithLogitsLoss, Conv2d, CrossEntropyLoss,
                      Dropout, Flatten, Hardtanh, Identity, LeakyReLU, ReLU6,
                      Linear, LogSoftmax, MaxPool2d, Module, ModuleList, MSELoss, NLLLoss, ReLU, Sequential,
                      Sigmoid, Softmax, Tanh)
from .parameter import Parameter

__all__ = ["Parameter", "Module", "Sequential", "ModuleList", "Linear", "Identity", "Conv2d", "BatchNorm1d",
           "BatchNorm2d", "ReLU", "LeakyReLU", "Hardtanh", "ReLU6", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
           "MaxPool2d", "AdaptiveAvgPool2d", "Flatten", "MSELoss", "CrossEntropyLoss", "NLLLoss",
           "BCEWithLogitsLoss", "Dropout", "functional", "init"]
