"""``autograd_core.optim``: optimizers with PyTorch's update rules.

>>> optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
>>> optimizer.zero_grad()      # grads to None
>>> loss.backward()
>>> optimizer.step()           # parameters without a grad (frozen ones) are left alone
"""
from .adam import Adam
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam"]
