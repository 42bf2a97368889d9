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
    """``v`` must match what it multiplies (the outputs for vjp, the inputs for jvp and hvp) one
    for one, in number and in shape (PyTorch's wording)."""
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
    """Fresh leaves that require grad, so the caller's tensors are left alone; under
    ``create_graph`` an input that requires grad is kept, so the results stay connected to it
    (an integer input is refused, as PyTorch refuses it)."""
    return tuple(t if create_graph and t.requires_grad else t.detach().requires_grad_(True) for t in inputs)


_FORWARD_MODE = ("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"   # sic, no space
                 "only implemented for `vectorize=True`.")
_STRICT_GRAPH = ("The jacobian of the user-provided function is independent of input {}. This is not "
                 "allowed in strict mode when create_graph=True.")
_STRICT_HESSIAN = ("While computing the hessian, found that the jacobian of the user-provided function "
                   "with respect to input {} is independent of the input. This is not allowed in strict "
                   "mode. You should ensure that your function is twice differentiable and that the "
                   "jacobian depends on the inputs (this would be violated by a linear function for example).")


def _check_outputs(outputs: tuple, strict: bool) -> None:
    """In strict mode, every output must depend on the inputs."""
    if not strict:
        return
    for index, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"Output {index} of the user-provided function does not require gradients. The "
                               "outputs must be computed in a differentiable manner from the input when running "
                               "in strict mode.")


def _vjps(outputs: tuple, ins: tuple, vs: tuple, create_graph: bool, retain_graph=None) -> tuple:
    """``grad`` of the outputs that require grad (PyTorch's ``_autograd_grad``): one that does not
    (or a None) depends on no input and adds nothing; with none left, every gradient is None (zero)."""
    pairs = [(out, v) for out, v in zip(outputs, vs) if out is not None and out.requires_grad]
    if not pairs:
        return (None,) * len(ins)
    return grad([out for out, _ in pairs], ins, [v for _, v in pairs], retain_graph=retain_graph,
                create_graph=create_graph, allow_unused=True)


def _single_element_v(inputs: tuple, v, caller: str, single_input: bool):
    """``v`` for jvp and hvp, shaped like the inputs: given, or ones when the input is one Tensor
    of one element."""
    if v is not None:
        vs = _as_tuple(v, "v", caller)[0]
        _validate_v(vs, inputs, single_input)
        return vs
    if len(inputs) != 1 or inputs[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided function is "
                           "a single Tensor with a single element.")
    return (inputs[0].new_ones(*inputs[0].shape),)


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
        _check_outputs(outputs, strict)
        grads = _vjps(outputs, ins, vs, create_graph)
    for index, g in enumerate(grads):
        if strict and create_graph and (g is None or not g.requires_grad):
            raise RuntimeError(_STRICT_GRAPH.format(index))
        if strict and g is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {index}. "
                               "This is not allowed in strict mode.")
    grads = _filled(ins, grads)
    outs = _kept(outputs, create_graph)
    return (outs[0] if single_output else outs), (grads[0] if single_input else grads)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: shape ``output.shape + input.shape``, one VJP per
    output element.  Tuples of inputs or outputs give tuples (of tuples) of Jacobians.
    ``vectorize`` and ``strategy`` change how PyTorch computes it, not the result; they are
    checked as PyTorch checks them."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more '
                             'performant. Otherwise, prefer to use "reverse-mode".')
    if strict and vectorize:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                           "supported together. Please either set `strict=False` or `vectorize=False`.")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(_FORWARD_MODE)
    return _jacobian(func, inputs, create_graph, "jacobian", strict)


def _jacobian(func, inputs, create_graph: bool, caller: str, strict: bool = False):
    """``jacobian``, with errors that name the public function the user called."""
    inputs, single_input = _as_tuple(inputs, "inputs", caller)
    with enable_grad():
        ins = _prepare(inputs, create_graph)
        outputs, single_output = _as_tuple(func(*ins), _OUTPUTS, caller)
        _check_outputs(outputs, strict)
        blocks = []
        for index, out in enumerate(outputs):
            rows = [[] for _ in ins]
            flat_out = out.reshape(-1)
            for i in range(flat_out.numel()):
                grads = _vjps((flat_out[i],), ins, (None,), create_graph, retain_graph=True)
                for j, (t, g) in enumerate(zip(ins, grads)):
                    if strict and g is None:
                        raise RuntimeError(f"Output {index} of the user-provided function is independent of "
                                           f"input {j}. This is not allowed in strict mode.")
                    if strict and create_graph and not g.requires_grad:
                        raise RuntimeError(_STRICT_GRAPH.format(index))    # PyTorch names the output here
                    rows[j].append(zeros_like(t) if g is None else g)
            row_blocks = []
            for j, t in enumerate(ins):
                block = stack(rows[j]) if rows[j] else zeros_like(t).reshape(0, *t.shape)
                row_blocks.append(block.reshape(*out.shape, *t.shape))
            blocks.append(tuple(row_blocks))
    blocks = tuple(_kept(row, create_graph) for row in blocks)
    if single_input:                    # a single input or output is returned without its tuple
        blocks = tuple(row[0] for row in blocks)
    return blocks[0] if single_output else blocks


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar ``func``: the Jacobian of its gradient."""
    inputs_tuple, single_input = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(_FORWARD_MODE)

    def gradient(*ins):
        grads = _filled(ins, _scalar_gradient(func, ins, strict, "hessian")[1])
        return grads[0] if single_input else grads

    return _jacobian(gradient, inputs_tuple[0] if single_input else inputs_tuple, create_graph, "hessian", strict)


def _scalar_gradient(func, ins: tuple, strict: bool, caller: str) -> tuple:
    """``(out, gradient of out)`` for hessian, hvp and vhp: ``func`` must return one one-element
    Tensor; in strict mode a gradient that does not depend on the inputs (a linear function's) is refused."""
    outs, single_output = _as_tuple(func(*ins), _OUTPUTS, caller)
    if not single_output:
        raise RuntimeError(f"The function given to {caller} should return a single Tensor")
    if outs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {caller} should contain a "
                           "single element")
    _check_outputs(outs, strict)
    grads = _vjps(outs, ins, (None,), True)
    for index, g in enumerate(grads):
        if strict and (g is None or not g.requires_grad):
            raise RuntimeError(_STRICT_HESSIAN.format(index))
    return outs[0], grads


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)`` by the double-VJP trick: with u^T J a function of u, J v = d(u^T J v)/du."""
    inputs, single_input = _as_tuple(inputs, "inputs", "jvp")
    vs = _single_element_v(inputs, v, "jvp", single_input)
    with enable_grad():
        ins = _prepare(inputs, True)
        outputs, single_output = _as_tuple(func(*ins), _OUTPUTS, "jvp")
        _check_outputs(outputs, strict)
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs)     # u
        vjps = _vjps(outputs, ins, dummies, create_graph=True)                   # u^T J, linear in u
        jvps = _vjps(vjps, dummies, vs, create_graph)                            # d(u^T J v)/du = J v
    jvps, outs = _kept(_filled(outputs, jvps), create_graph), _kept(outputs, create_graph)
    return (outs[0] if single_output else outs), (jvps[0] if single_output else jvps)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` for a scalar ``func``, without forming H (two backward passes)."""
    return _hvp(func, inputs, v, create_graph, strict, "hvp")


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T H)``: the Hessian of a scalar function is symmetric, so it is ``hvp``."""
    return _hvp(func, inputs, v, create_graph, strict, "vhp")


def _hvp(func, inputs, v, create_graph: bool, strict: bool, caller: str):
    inputs, single_input = _as_tuple(inputs, "inputs", caller)
    vs = _single_element_v(inputs, v, caller, single_input)
    with enable_grad():
        ins = _prepare(inputs, True)
        out, grads = _scalar_gradient(func, ins, strict, caller)
        products = _vjps(grads, ins, vs, create_graph)          # v^T H, which is H v: H is symmetric
    products = _kept(_filled(ins, products), create_graph)
    return (out if create_graph else out.detach()), (products[0] if single_input else products)

