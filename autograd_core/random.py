"""The random number generator behind ``rand``, ``randn``, ``uniform_`` ... (PyTorch: ``torch.random``).

One NumPy generator, which ``manual_seed`` replaces so that what follows is repeatable.
"""
from __future__ import annotations

import numpy as np


class _RandomState:
    generator = np.random.default_rng()


def _generator() -> np.random.Generator:
    return _RandomState.generator


def manual_seed(seed: int) -> np.random.Generator:
    """Make the random functions repeatable from here on."""
    _RandomState.generator = np.random.default_rng(int(seed))
    return _RandomState.generator


def seed() -> int:
    value = int(np.random.SeedSequence().entropy % (2 ** 63))
    manual_seed(value)
    return value
