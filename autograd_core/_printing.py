"""Printing tensors exactly as PyTorch 2.x prints them: pure functions over NumPy arrays.

1. Scan (``_Formatter``): from the values shown, choose int mode (``1.``), fixed (``4.5000``) or
   scientific (``2.0480e+02``), and the column width every element is right-aligned to.
2. Lay out (``_layout``): 1-d rows wrap at the line width; higher dimensions join with ``,``,
   ``ndim - 1`` newlines and an indent; past ``threshold`` elements only ``edgeitems`` show.
3. Suffixes (``_add_suffixes``): ``size=``, ``dtype=``, ``grad_fn=``/``requires_grad=``.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass

import numpy as np

from .dtypes import from_numpy_dtype

__all__ = ["tensor_repr", "set_printoptions", "get_printoptions", "printoptions", "dtype_name"]


# -------- Options
@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """``torch.set_printoptions``: a known ``profile`` first, then the options given; an unknown
    profile is ignored and ``sci_mode`` is always set (omitted: ``None``, automatic), as in PyTorch."""
    given = dict(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth)
    for name, value in {**_PROFILES.get(profile, {}), **{k: v for k, v in given.items() if v is not None}}.items():
        setattr(_OPTS, name, value)
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options, as PyTorch's ``PRINT_OPTS`` fields in order."""
    return asdict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Print options changed inside the block, restored on exit (``torch._tensor_str.printoptions``)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# -------- dtypes
_DEFAULT_DTYPE = np.dtype(np.float32)
# PyTorch omits ``dtype=`` for the default float dtype, int64 and bool (for non-empty tensors).
_DTYPES_WITHOUT_SUFFIX = (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_))


def dtype_name(np_dtype) -> str:
    """PyTorch's name of a NumPy dtype, e.g. ``dtype_name(np.float32) == "torch.float32"``."""
    return repr(from_numpy_dtype(np_dtype))


# -------- Step 1: scan the values, choose a mode and a width
class _Formatter:
    """How every element prints, decided from the values shown, by PyTorch's rules.

    Integers and bools: ``str(v)``.  Floats look at the finite nonzero values only (none: int mode,
    width 1): int mode (``%.0f`` and ``.``) when all are integral, else fixed (``%.{precision}f``);
    scientific (``%.{precision}e``) when max/min > 1000, max > 1e8 or min < 1e-4, unless
    ``sci_mode`` forces it.  The width is the longest value in the chosen mode.
    """

    def __init__(self, values: np.ndarray, opts: _PrintOptions):
        self.precision = opts.precision
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1

        if not self.floating:
            for v in values.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return

        # float16 is printed through float32 in PyTorch; both convert to float64 exactly.
        vals = values.astype(np.float64)
        with np.errstate(all="ignore"):
            shown = vals[np.isfinite(vals) & (vals != 0)]
        if shown.size == 0:
            return
        mags = np.abs(shown)
        vmin, vmax = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        if opts.sci_mode is None:
            self.sci_mode = vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4
        else:
            self.sci_mode = opts.sci_mode

        if self.sci_mode:
            widths = (len(self._sci(v)) for v in shown.tolist())
        elif self.int_mode:
            widths = (len(f"{v:.0f}") + 1 for v in shown.tolist())
        else:
            widths = (len(self._fixed(v)) for v in shown.tolist())
        self.max_width = max(self.max_width, max(widths))

    def _sci(self, v: float, width: int = 0) -> str:
        return f"{v:{width}.{self.precision}e}"

    def _fixed(self, v: float) -> str:
        return f"{v:.{self.precision}f}"

    def format(self, value) -> str:
        """One element (a Python scalar), right-aligned to the common width."""
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = self._sci(value, self.max_width)
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = self._fixed(value)
        return text.rjust(self.max_width)


def _summarized_values(a: np.ndarray, edgeitems: int) -> np.ndarray:
    """The elements a summarised print will show, flattened: ``edgeitems`` at each end of every
    dimension longer than ``2 * edgeitems`` (PyTorch builds the formatter from these only).

    Mirrors two PyTorch edge cases for ``edgeitems == 0``: a 1-d tensor keeps all its values
    (``a[-0:]`` is the whole tensor), a higher-dimensional one keeps none.
    """
    if a.ndim == 0:
        return a.reshape(-1)
    if a.ndim == 1:
        if a.shape[0] > 2 * edgeitems:
            return np.concatenate((a[:edgeitems], a[-edgeitems:]))
        return a
    if not edgeitems:
        return a.reshape(-1)[:0]
    n = a.shape[0]
    rows = range(n) if n <= 2 * edgeitems else [*range(edgeitems), *range(n - edgeitems, n)]
    return np.concatenate([_summarized_values(a[i], edgeitems) for i in rows])


# -------- Step 2: lay the elements out
def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter, opts: _PrintOptions) -> str:
    """A 1-d row. PyTorch puts ``floor((linewidth - indent) / (width + 2))`` elements on a line
    (at least one; the ``+ 2`` is ``", "``), continuation lines indented by ``indent + 1``. When
    summarising, a row longer than ``2 * edgeitems`` shows its ends around ``" ..."``."""
    per_line = max(1, int(math.floor((opts.linewidth - indent) / (fmt.max_width + 2))))
    e = opts.edgeitems
    if summarize and not e:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        items = [fmt.format(v) for v in a[:e].tolist()] + [" ..."] + [fmt.format(v) for v in a[-e:].tolist()]
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _layout(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter, opts: _PrintOptions) -> str:
    """Recursive layout over the leading dimension (depth = ndim). Sub-tensors are joined by
    ``","``, ``ndim - 1`` newlines (hence the blank lines between 3-d blocks) and ``indent + 1``
    spaces; when summarising, a long dimension shows ``edgeitems`` at each end around ``"..."``."""
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt, opts)
    n, e = a.shape[0], opts.edgeitems
    if summarize and n > 2 * e:
        rows = [*range(e), None, *range(n - e, n)]          # None: where "..." stands
    else:
        rows = range(n)
    parts = ["..." if i is None else _layout(a[i], indent + 1, summarize, fmt, opts) for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


# -------- Step 3: suffixes, and the whole repr
def _add_suffixes(text: str, suffixes: list[str], indent: int, linewidth: int) -> str:
    """Append ``, suffix`` for each suffix, or ``,\\n<indent>suffix`` when PyTorch would judge the
    line too long: it estimates the current line's length as (characters after the last
    newline) + 2 and wraps when that + len(suffix) + 2 exceeds the line width."""
    out = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > linewidth:
            out.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_line_len += len(suffix) + 2
    out.append(")")
    return "".join(out)


def tensor_repr(data: np.ndarray, *, grad_fn_name: str | None = None, requires_grad: bool = False) -> str:
    """Exactly PyTorch's ``repr`` of a CPU tensor holding ``data``, with ``grad_fn=<name>`` or
    ``requires_grad=True``.  Empty: ``[]``, ``size=`` unless 1-d, ``dtype=`` unless float32;
    otherwise ``size=`` only when ``edgeitems == 0``, ``dtype=`` unless float32, int64 or bool."""
    a = np.asarray(data)
    name = dtype_name(a.dtype)
    opts = _OPTS
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []

    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if a.dtype != _DEFAULT_DTYPE:
            suffixes.append(f"dtype={name}")
        body = "[]"
    else:
        if not opts.edgeitems:
            suffixes.append(f"size={tuple(a.shape)}")
        if a.dtype not in _DTYPES_WITHOUT_SUFFIX:
            suffixes.append(f"dtype={name}")
        summarize = a.size > opts.threshold
        shown = _summarized_values(a, opts.edgeitems) if summarize else a.reshape(-1)
        fmt = _Formatter(shown, opts)
        body = _layout(a, indent, summarize, fmt, opts)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    return _add_suffixes(prefix + body, suffixes, indent, opts.linewidth)
