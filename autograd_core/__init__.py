"""autograd_core: a small NumPy autograd engine that speaks PyTorch.

``import autograd_core as torch`` and PyTorch's autograd examples run and print what PyTorch
prints: leaf tensors, ``grad_fn`` nodes, ``backward``, ``autograd.grad``, ``no_grad``, ``detach``
and ``.data``, version counters, higher-order gradients, and small ``nn``/``optim`` layers on top.

Layers, bottom to top: ``grad_mode``, ``dtypes``, ``hooks``, ``random``, ``size`` -> ``tensor`` ->
``saved_variable``, ``function`` -> ``ops/`` -> ``engine`` -> ``autograd`` -> ``nn``, ``optim``,
``models`` (and ``viz`` for pictures).  Nothing imports a layer above its own, but for one declared
cycle: ``tensor`` and ``function``/``ops/`` need each other (see the end of ``tensor.py``).
"""
import importlib
import warnings as _warnings

# PyTorch computes inf and nan silently; NumPy warns on stderr (which nbgrader scores as a failed
# test).  Ops that expect inf/nan (div, log, sqrt ...) silence NumPy locally; this filter covers
# the rest (``-inf * 0`` in Mul, say) at no cost per operation.  It only matches warnings raised
# from autograd_core's own modules.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"autograd_core(\.|$)")

# Tensor first: the one import cycle of the package (tensor <-> function and ops/) needs tensor.py
# to start loading before them; the note at the end of tensor.py says why.
from .tensor import Size, Tensor  # noqa: E402  (isort: skip)
from ._printing import get_printoptions, printoptions, set_printoptions  # noqa: E402
from .creation import (arange, as_tensor, cat, concat, concatenate, empty, empty_like, eye, from_numpy,
                       full, full_like, linspace, ones, ones_like, rand, rand_like, randint, randn,
                       randn_like, randperm, stack, tensor, zeros, zeros_like)
from .dtypes import (bool, double, dtype, float, float16, float32, float64, half, int, int8, int16,
                     int32, int64, long, short, uint8, uint16, uint32, uint64)
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .random import manual_seed, seed
from .torch_functions import (abs, abs_, add, allclose, argmax, argmin, bmm, chunk, clamp, clamp_, clip,
                              clone, cos, cos_, detach, div, dot, eq, equal, exp, exp_, fill_, flatten,
                              floor_, ge, gt, is_floating_point, is_tensor, isnan, le, log, log_,
                              log_softmax, lt, masked_fill, matmul, max, maximum, mean, min, minimum, mm,
                              mul, mv, ne, neg, neg_, norm, numel, outer, permute, pow, prod, reciprocal,
                              reciprocal_, relu, relu_, reshape, round_, sigmoid, sigmoid_, sign, sin, sin_,
                              softmax, split, sqrt, sqrt_, square, square_, squeeze, std, sub, sum, t,
                              tanh, tanh_, transpose, unbind, unsqueeze, var, where, zero_)
from . import autograd  # noqa: E402  (after Tensor: autograd's helpers import it)

__version__ = "0.1.0"


def get_default_dtype() -> dtype:
    return float32


def __getattr__(name: str):
    # nn, optim, models and viz load on first use: the engine alone imports quickly.
    if name in ("nn", "optim", "models", "viz"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'autograd_core' has no attribute '{name}'")
