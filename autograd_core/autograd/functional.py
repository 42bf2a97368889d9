"""``torch.autograd.functional``: Jacobians, Hessians and vector products of whole functions.

All of them are built from vector-Jacobian products (``autograd.grad`` with ``grad_outputs``):
a Jacobian is one VJP per output element, a Hessian is the Jacobian of the gradient, and a
Jacobian-vector product uses the "double VJP" trick.
"""
from __future__ import annotations

from ..creation import stack, zeros_like
from ..grad_mode import enable_grad
from ..tensor import Tensor
from . import grad


def _as_tuple(value, what: str, caller: str):
    """``(tuple of Tensors, whether value was a single Tensor)``; anything else (a list, a number)
    is refused with PyTorch's TypeError, naming ``what`` it is and the ``caller``."""
    if isinstance(value, Tensor):
        return (value,), True
    prefix = f"The {what} given to {caller} must be either a Tensor or a tuple of Tensors but"
    if not isinstance(value, tuple):
        raise TypeError(f"{prefix} the given {what} has type {type(value)}.")
    for index, item in enumerate(value):
        if not isinstance(item, Tensor):
            raise TypeError(f"{prefix} the value at index {index} has type {type(item)}.")
    return value, False


_OUTPUTS = "outputs of the user-provided function"


def _validate_v(vs: tuple, outputs: tuple, single_output: bool) -> None:
    """``v`` must match the outputs one for one, in number and in shape (PyTorch's wording)."""
    if len(vs) != len(outputs):
        if single_output:
            raise RuntimeError("The given v should contain a single Tensor.")
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(outputs)} but got {len(vs)}.")
    for index, (v, out) in enumerate(zip(vs, outputs)):
        if v.shape != out.shape:
            where = "v" if single_output else f"Entry {index} in v"
            raise RuntimeError(f"{where} has invalid size: should be {out.shape} but got {v.shape}.")


def _filled(tensors, grads) -> tuple:
    """The gradients, with zeros (shaped like the matching tensor) where none arrived."""
    return tuple(zeros_like(t) if g is None else g for t, g in zip(tensors, grads))


def _kept(tensors, create_graph: bool) -> tuple:
    """The tensors as they are under ``create_graph``, else detached from the graph."""
    return tuple(t if create_graph else t.detach() for t in tensors)


def _prepare(inputs, create_graph: bool):
    """Fresh leaves that require grad, so the caller's tensors are left alone."""
    prepared = []
    for t in inputs:
        leaf = t.detach() if not create_graph else t
        if not leaf.requires_grad:
            leaf = leaf.detach().requires_grad_(True) if leaf.is_floating_point() else leaf
        prepared.append(leaf)
    return tuple(prepared)


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``: the outputs and the vector-Jacobian product with ``v``."""

    inputs, single_input = _as_tuple(inputs, "inputs", "vjp")
    with enable_grad():
        ins = _prepare(inputs, create_graph)
        outputs, single_output = _as_tuple(func(*ins), _OUTPUTS, "vjp")
        if v is None:
            if not single_output or outputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            vs = (None,)
        else:
            vs = _as_tuple(v, "v", "vjp")[0]
            _validate_v(vs, outputs, single_output)
        grads = grad(outputs, ins, vs, create_graph=create_graph, allow_unused=True)
    grads, outs = _filled(ins, grads), _kept(outputs, create_graph)
    return (outs[0] if single_output else outs), (grads[0] if single_input else grads)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: shape ``output.shape + input.shape``, one VJP per
    output element.  Tuples of inputs or outputs give tuples (of tuples) of Jacobians."""
    return _jacobian(func, inputs, create_graph, "jacobian")


def _jacobian(func, inputs, create_graph: bool, caller: str):
    """``jacobian``, with errors that name the public function the user called."""

    inputs, single_input = _as_tuple(inputs, "inputs", caller)
    with enable_grad():
        ins = _prepare(inputs, create_graph)
        outputs, single_output = _as_tuple(func(*ins), _OUTPUTS, caller)
        blocks = []
        for out in outputs:
            rows = [[] for _ in ins]
            flat_out = out.reshape(-1)
            for i in range(flat_out.numel()):
                if out.requires_grad:
                    grads = grad(flat_out[i], ins, retain_graph=True, create_graph=create_graph,
                                 allow_unused=True)
                else:
                    grads = (None,) * len(ins)
                for j, g in enumerate(_filled(ins, grads)):
                    rows[j].append(g)
            row_blocks = []
            for j, t in enumerate(ins):
                block = stack(rows[j]) if rows[j] else zeros_like(t).reshape(0, *t.shape)
                row_blocks.append(block.reshape(*out.shape, *t.shape))
            blocks.append(tuple(row_blocks))
    blocks = [_kept(row, create_graph) for row in blocks]
    if single_output and single_input:
        return blocks[0][0]
    if single_output:
        return blocks[0]
    if single_input:
        return tuple(row[0] for row in blocks)
    return tuple(blocks)


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar ``func``: the Jacobian of its gradient."""

    inputs_tuple, single_input = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*ins):
        outs, single_output = _as_tuple(func(*ins), _OUTPUTS, "hessian")
        if not single_output:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        out = outs[0]
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain "
                               "a single element")
        grads = _filled(ins, grad(out, ins, create_graph=True, allow_unused=True))
        return grads[0] if single_input else grads

    return _jacobian(gradient, inputs_tuple[0] if single_input else inputs_tuple, create_graph, "hessian")


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)`` by the double-VJP trick: with u^T J a function of u, J v = d(u^T J v)/du."""

    inputs, single_input = _as_tuple(inputs, "inputs", "jvp")
    vs = _as_tuple(v, "v", "jvp")[0] if v is not None else tuple(t.new_ones(*t.shape) for t in inputs)
    with enable_grad():
        ins = _prepare(inputs, True)
        outputs, single_output = _as_tuple(func(*ins), _OUTPUTS, "jvp")
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        vjps = grad(outputs, ins, dummies, create_graph=True, allow_unused=True)
        pairs = [(g, w) for g, w in zip(vjps, vs) if g is not None]
        jvps = grad([g for g, _ in pairs], dummies, [w for _, w in pairs],
                    create_graph=create_graph, allow_unused=True)
    jvps, outs = _kept(_filled(outputs, jvps), create_graph), _kept(outputs, create_graph)
    return (outs[0] if single_output else outs), (jvps[0] if single_output else jvps)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` for a scalar ``func``, without forming H (two backward passes)."""

    inputs, single_input = _as_tuple(inputs, "inputs", "hvp")
    vs = _as_tuple(v, "v", "hvp")[0]
    with enable_grad():
        ins = _prepare(inputs, True)
        out = func(*ins)
        grads = grad(out, ins, create_graph=True)
        dot = sum((g * w).sum() for g, w in zip(grads, vs))
        products = grad(dot, ins, create_graph=create_graph, allow_unused=True)
    products = _kept(_filled(ins, products), create_graph)
    return (out if create_graph else out.detach()), (products[0] if single_input else products)


vhp = hvp      # the Hessian of a scalar function is symmetric: v^T H = (H v)^T

