"""``Size`` (a tensor's shape, as ``torch.Size``), the rules for shape arguments and for shapes
that do not broadcast, and the version counter a storage carries: the small value types a
``Tensor`` is made of."""
from __future__ import annotations

import numpy as np


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str: return f"torch.Size([{', '.join(str(n) for n in self)}])"
    def numel(self) -> int: return int(np.prod(self, dtype=np.int64))


class _VersionCounter:
    """How many in-place writes a storage has seen; shared by views and ``detach()``."""

    __slots__ = ("version",)

    def __init__(self) -> None:
        self.version = 0


def _shape_args(size) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(torch.Size(...))``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(n) for n in size)


def broadcast_error(a: tuple, b: tuple) -> str:
    """PyTorch's message for shapes that do not broadcast (it names the last bad dimension)."""
    ndim = max(len(a), len(b))
    a, b = (1,) * (ndim - len(a)) + tuple(a), (1,) * (ndim - len(b)) + tuple(b)
    dim = next((i for i in reversed(range(ndim)) if a[i] != b[i] and 1 not in (a[i], b[i])), None)
    return None if dim is None else (f"The size of tensor a ({a[dim]}) must match the size of tensor b ({b[dim]}) at "
            f"non-singleton dimension {dim}")
