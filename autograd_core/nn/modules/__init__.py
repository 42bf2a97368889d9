"""The layers, laid out as in PyTorch's ``torch/nn/modules``."""
from .activation import Hardtanh, LeakyReLU, LogSoftmax, ReLU, ReLU6, Sigmoid, Softmax, Tanh
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .pooling import AdaptiveAvgPool2d, MaxPool2d

__all__ = ["Module", "Sequential", "ModuleList", "Linear", "Identity", "Conv2d", "BatchNorm1d", "BatchNorm2d",
           "ReLU", "LeakyReLU", "Hardtanh", "ReLU6", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "MaxPool2d",
           "AdaptiveAvgPool2d", "Flatten", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss",
           "Dropout"]
