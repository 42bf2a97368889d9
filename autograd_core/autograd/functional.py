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


def _as_tuple(value):
    if isinstance(value, Tensor):
        return (value,), True
    return tuple(value), False


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

    inputs, single_input = _as_tuple(inputs)
    with enable_grad():
        ins = _prepare(inputs, create_graph)
        outputs, single_output = _as_tuple(func(*ins))
        vs = (None,) * len(outputs) if v is None else _as_tuple(v)[0]
        grads = grad(outputs, ins, vs, create_graph=create_graph, allow_unused=True)
    grads = tuple(zeros_like(t) if g is None else g for t, g in zip(ins, grads))
    outs = tuple(o if create_graph else o.detach() for o in outputs)
    return (outs[0] if single_output else outs), (grads[0] if single_input else grads)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: shape ``output.shape + input.shape``, one VJP per
    output element.  Tuples of inputs or outputs give tuples (of tuples) of Jacobians."""

    inputs, single_input = _as_tuple(inputs)
    with enable_grad():
        ins = _prepare(inputs, create_graph)
        outputs, single_output = _as_tuple(func(*ins))
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
                for j, (t, g) in enumerate(zip(ins, grads)):
                    rows[j].append(zeros_like(t) if g is None else g)
            row_blocks = []
            for j, t in enumerate(ins):
                block = stack(rows[j]) if rows[j] else zeros_like(t).reshape(0, *t.shape)
                row_blocks.append(block.reshape(*out.shape, *t.shape))
            blocks.append(tuple(row_blocks))
    if not create_graph:
        blocks = [tuple(b.detach() for b in row) for row in blocks]
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

    inputs_tuple, single_input = _as_tuple(inputs)

    def gradient(*ins):
        out = func(*ins)
        if out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single element Tensor")
        grads = grad(out, ins, create_graph=True, allow_unused=True)
        grads = tuple(zeros_like(t) if g is None else g for t, g in zip(ins, grads))
        return grads[0] if single_input else grads

    return jacobian(gradient, inputs_tuple[0] if single_input else inputs_tuple, create_graph=create_graph)


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)`` by the double-VJP trick: with u^T J a function of u, J v = d(u^T J v)/du."""

    inputs, single_input = _as_tuple(inputs)
    vs = _as_tuple(v)[0] if v is not None else tuple(t.new_ones(*t.shape) for t in inputs)
    with enable_grad():
        ins = _prepare(inputs, True)
        outputs, single_output = _as_tuple(func(*ins))
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        vjps = grad(outputs, ins, dummies, create_graph=True, allow_unused=True)
        pairs = [(g, w) for g, w in zip(vjps, vs) if g is not None]
        jvps = grad([g for g, _ in pairs], dummies, [w for _, w in pairs],
                    create_graph=create_graph, allow_unused=True)
    jvps = tuple(zeros_like(o) if g is None else g for o, g in zip(outputs, jvps))
    outs = tuple(o if create_graph else o.detach() for o in outputs)
    if not create_graph:
        jvps = tuple(g.detach() for g in jvps)
    return (outs[0] if single_output else outs), (jvps[0] if single_output else jvps)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` for a scalar ``func``, without forming H (two backward passes)."""

    inputs, single_input = _as_tuple(inputs)
    vs = _as_tuple(v)[0]
    with enable_grad():
        ins = _prepare(inputs, True)
        out = func(*ins)
        grads = grad(out, ins, create_graph=True)
        dot = sum((g * w).sum() for g, w in zip(grads, vs))
        products = grad(dot, ins, create_graph=create_graph, allow_unused=True)
    products = tuple(zeros_like(t) if p is None else (p if create_graph else p.detach())
                     for t, p in zip(ins, products))
    return (out if create_graph else out.detach()), (products[0] if single_input else products)


vhp = hvp      # the Hessian of a scalar function is symmetric: v^T H = (H v)^T

