"""Plots for the course, drawn with matplotlib: a function beside its derivatives, and a loss curve.

``plot_function(f)`` computes the derivatives with ``autograd.grad`` (``create_graph=True`` for each
order past the first); ``plot_losses(losses)`` draws one curve, or one per entry of a dict.  Both
return the matplotlib ``Figure``.  matplotlib is the optional ``viz`` extra, imported on the first
plot only.  The graph pictures live in ``viz.py``, which re-exports these two.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Callable, Mapping, Sequence

import numpy as np

from . import autograd
from .creation import tensor, zeros_like
from .dtypes import float64
from .tensor import Tensor

__all__ = ["plot_function", "plot_losses"]


@contextmanager
def _quiet_matplotlib():
    """Importing matplotlib the first time may log "building the font cache" to stderr."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _new_axes(ax, figsize):
    """``(figure, axes)``: the given axes, or a new figure that pyplot does not keep.

    The new figure is closed in pyplot at once, so Jupyter shows it once (as the returned value)
    rather than twice, no window opens, and nothing calls ``plt.show()`` (a warning on Agg).
    """
    if ax is not None:
        return ax.figure, ax
    with _quiet_matplotlib():
        import matplotlib.pyplot as plt    # heavy, optional: loaded on the first plot only
    fig, ax = plt.subplots(figsize=figsize)
    plt.close(fig)
    return fig, ax


_PRIMES = ["", "′", "″", "‴"]


def _derivative_name(name: str, order: int) -> str:
    mark = _PRIMES[order] if order < len(_PRIMES) else f"⁽{order}⁾"
    return f"{name}{mark}(x)"


def plot_function(f: Callable[[Tensor], Tensor], x_range: tuple[float, float] = (-3.0, 3.0),
                  derivatives: int = 1, *, num: int = 200, name: str | None = None, ax=None,
                  title: str | None = None, figsize: tuple[float, float] = (6.0, 4.0)):
    """Plot ``f`` and its first ``derivatives`` derivatives on ``x_range``; return the Figure.

    ``f`` must work elementwise on a tensor (``torch.sin``, ``lambda x: x ** 3 - 2 * x``).  The
    derivatives are computed by autograd_core itself: ``f'(x) = autograd.grad(f(x).sum(), x)``
    (summing is how one backward gives every point's derivative when f is elementwise), with
    ``create_graph=True`` so that ``f''`` is the gradient of that gradient.

    >>> fig = plot_function(torch.sin, derivatives=2)    # sin, cos, -sin
    >>> fig.savefig("sin.png")
    """
    if not isinstance(derivatives, int) or derivatives < 0:
        raise ValueError(f"derivatives must be 0, 1, 2 ..., got {derivatives!r}")
    low, high = (float(v) for v in x_range)
    x = tensor(np.linspace(low, high, num), dtype=float64, requires_grad=True)
    y = f(x)
    if not isinstance(y, Tensor) or tuple(y.shape) != tuple(x.shape):
        got = type(y).__name__ if not isinstance(y, Tensor) else f"a tensor of shape {list(y.shape)}"
        raise TypeError("plot_function needs f to work elementwise on a tensor and return a tensor "
                        f"of the same shape (e.g. torch.sin(x) or x ** 2); f(x) returned {got}")
    curves = [y]
    current = y
    for order in range(1, derivatives + 1):
        if current.requires_grad:
            (current,) = autograd.grad(current.sum(), x, create_graph=order < derivatives,
                                       allow_unused=True)
            current = zeros_like(x) if current is None else current
        else:                                       # f(x) (or a derivative) does not depend on x
            current = zeros_like(x)
        curves.append(current)

    fig, ax = _new_axes(ax, figsize)
    if name is None:
        name = getattr(f, "__name__", "f")
        name = "f" if not name.isidentifier() else name      # "<lambda>" -> "f"
    xs = x.detach().numpy()
    styles = ["-", "--", ":", "-."]
    for order, curve in enumerate(curves):
        ax.plot(xs, curve.detach().numpy(), styles[order % len(styles)], linewidth=2,
                label=_derivative_name(name, order))
    ax.set_xlabel("x")
    if title is None:
        title = f"{name}(x) and its derivative{'s' if derivatives > 1 else ''}" if derivatives else f"{name}(x)"
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def _loss_values(values) -> list:
    if isinstance(values, Tensor):
        return [float(v) for v in values.detach().numpy().ravel()]
    out = []
    for v in values:
        if isinstance(v, Tensor):
            v = v.item()
        out.append(float(v))
    return out


def plot_losses(losses: Sequence | Mapping[str, Sequence], *, ax=None, title: str = "Loss",
                xlabel: str = "step", ylabel: str = "loss", log_scale: bool = False,
                label: str | None = None, figsize: tuple[float, float] = (6.0, 4.0)):
    """Plot a loss curve (a list of floats or one-element tensors); return the Figure.

    A dict ``{"train": [...], "validation": [...]}`` draws one labelled curve per entry.
    ``log_scale=True`` uses a logarithmic y axis (when every loss is positive).

    >>> fig = plot_losses([loss.item() for loss in history])
    """
    curves = ({str(k): _loss_values(v) for k, v in losses.items()} if isinstance(losses, Mapping)
              else {label: _loss_values(losses)})
    fig, ax = _new_axes(ax, figsize)
    for curve_label, values in curves.items():
        ax.plot(range(len(values)), values, linewidth=1.8, label=curve_label)
    everything = [v for values in curves.values() for v in values]
    if log_scale:
        if everything and min(everything) > 0:
            ax.set_yscale("log")
        else:
            print("plot_losses: some losses are zero or negative, so the y axis stays linear.")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if any(curve_label is not None for curve_label in curves):
        ax.legend()           # only with labels: an empty legend warns on stderr
    return fig

