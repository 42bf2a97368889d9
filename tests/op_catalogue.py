"""One catalogue of the engine's differentiable operations, shared by every op test.

Each ``OpSpec`` says how to call the op, on what inputs, and what PyTorch calls its node:

* ``fn(lib, *tensors)`` is called with ``lib = autograd_core`` or ``lib = torch``: the same expression
  is our op and its PyTorch equivalent (``torch_fn`` overrides the PyTorch side where the spellings
  differ);
* ``shapes`` and ``domains`` give the inputs (one domain per input: ``log`` needs positive numbers,
  ``abs`` numbers away from its kink at 0, ``max`` values without ties);
* ``node`` is the name of the ``grad_fn`` PyTorch gives the result;
* ``numpy_fn`` (optional) computes the forward with NumPy, for tests that run without torch.

Three kinds of test read it: ``test_ops_gradcheck.py`` (central differences, first and second
order), ``test_ops_hypothesis.py`` (random broadcast-compatible shapes) and ``test_ops_parity.py``
(forward values, node names, first and second derivatives against real PyTorch).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


# ---------------------------------------------------------------------------------------------
# Input domains: each draws float64 values of a shape from a NumPy generator.
# ---------------------------------------------------------------------------------------------
def _real(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def _positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def _away_from_zero(rng, shape):
    """For kinks at 0 (abs, relu, norm p=1) and for denominators."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape)


def _distinct(rng, shape):
    """Values at least 0.1 apart, shuffled: max/min/maximum have no ties to split."""
    n = int(np.prod(shape, dtype=np.int64))
    values = (np.arange(n) - n / 2) * 0.37 + rng.uniform(0.0, 0.05)
    return rng.permutation(values).reshape(shape)


def _clamp_safe(rng, shape):
    """Away from clamp's bounds -0.5 and 0.5, on both sides of them."""
    picks = rng.choice([-1.2, 0.0, 1.2], shape)
    return picks + rng.uniform(-0.3, 0.3, shape)


def _with_zeros(rng, shape):
    """Some exact zeros (one or two per row, where the shape allows): prod's gradient there."""
    values = rng.uniform(-2.0, 2.0, shape)
    values.reshape(-1)[::3] = 0.0
    return values


DOMAINS: dict[str, Callable] = {
    "with_zeros": _with_zeros,
    "real": _real,
    "positive": _positive,
    "away": _away_from_zero,
    "distinct": _distinct,
    "clamp": _clamp_safe,
}


@dataclass
class OpSpec:
    name: str
    fn: Callable                           # fn(lib, *tensors), lib = autograd_core or torch
    shapes: tuple                          # one shape per input
    node: str                              # PyTorch's grad_fn name for the result
    domains: tuple = ()                    # one domain name per input; default "real"
    kind: str = "unary"                    # unary | binary | reduction | shape | linalg | index
    torch_fn: Callable | None = None       # when PyTorch spells the op differently
    numpy_fn: Callable | None = None       # forward in NumPy on float64 arrays
    second_order: bool = True              # run gradgradcheck
    tags: set = field(default_factory=set)

    def __post_init__(self):
        if not self.domains:
            self.domains = ("real",) * len(self.shapes)
        assert len(self.domains) == len(self.shapes), self.name

    def arrays(self, seed: int = 0) -> list[np.ndarray]:
        """Float64 inputs in this op's domains, the same for a given seed."""
        rng = np.random.default_rng(seed)
        return [np.asarray(DOMAINS[d](rng, s), dtype=np.float64) for d, s in zip(self.domains, self.shapes)]

    def call(self, lib, *tensors):
        fn = self.torch_fn if (self.torch_fn is not None and lib.__name__ == "torch") else self.fn
        return fn(lib, *tensors)

    def __repr__(self) -> str:                 # pytest ids
        return self.name


def _two_of_three(pieces):
    """The first piece twice and the last once: the middle one's gradient is zeros."""
    return pieces[0] * 2 + pieces[2]


def _op(name, fn, shapes, node, **kwargs) -> OpSpec:
    return OpSpec(name, fn, tuple(shapes), node, **kwargs)


# ---------------------------------------------------------------------------------------------
# The catalogue.
# ---------------------------------------------------------------------------------------------
CATALOGUE: list[OpSpec] = [
    # -- binary arithmetic, with broadcasting
    _op("add", lambda m, a, b: a + b, [(2, 3), (3,)], "AddBackward0", kind="binary",
        numpy_fn=np.add),
    _op("add_scalar", lambda m, a: a + 2.5, [(2, 3)], "AddBackward0"),
    _op("radd_scalar", lambda m, a: 2.5 + a, [(2, 3)], "AddBackward0"),
    _op("torch_add_alpha", lambda m, a, b: m.add(a, b, alpha=2.0), [(2, 3), (2, 3)], "AddBackward0"),
    _op("sub", lambda m, a, b: a - b, [(2, 1), (1, 3)], "SubBackward0", kind="binary",
        numpy_fn=np.subtract),
    _op("rsub_scalar", lambda m, a: 1 - a, [(2, 3)], "RsubBackward1"),
    _op("mul", lambda m, a, b: a * b, [(4, 1, 3), (2, 1)], "MulBackward0", kind="binary",
        numpy_fn=np.multiply),
    _op("mul_scalar", lambda m, a: a * 3.0, [(3,)], "MulBackward0"),
    _op("rmul_scalar", lambda m, a: 3.0 * a, [(3,)], "MulBackward0"),
    _op("div", lambda m, a, b: a / b, [(2, 3), (3,)], "DivBackward0", domains=("real", "away"),
        kind="binary", numpy_fn=np.divide),
    _op("div_scalar", lambda m, a: a / 4.0, [(3,)], "DivBackward0"),
    _op("rdiv_scalar", lambda m, a: 2.0 / a, [(3,)], "MulBackward0", domains=("away",)),
    _op("reciprocal", lambda m, a: a.reciprocal(), [(3,)], "ReciprocalBackward0", domains=("away",),
        numpy_fn=np.reciprocal),
    _op("neg", lambda m, a: -a, [(2, 3)], "NegBackward0", numpy_fn=np.negative),
    _op("pow_scalar", lambda m, a: a ** 3, [(2, 3)], "PowBackward0", numpy_fn=lambda a: a ** 3),
    _op("pow_square", lambda m, a: a ** 2, [(2, 3)], "PowBackward0", numpy_fn=np.square),
    _op("pow_fraction", lambda m, a: a ** 0.5, [(2, 3)], "PowBackward0", domains=("positive",),
        numpy_fn=np.sqrt),
    _op("pow_negative", lambda m, a: a ** -2, [(2, 3)], "PowBackward0", domains=("away",)),
    _op("pow_tensor", lambda m, a, b: a ** b, [(2, 3), (3,)], "PowBackward1",
        domains=("positive", "real"), kind="binary", numpy_fn=np.power),
    _op("rpow", lambda m, a: 2 ** a, [(2, 3)], "PowBackward2", numpy_fn=lambda a: 2.0 ** a),
    _op("torch_pow", lambda m, a: m.pow(a, 3), [(3,)], "PowBackward0"),
    _op("maximum", lambda m, a, b: m.maximum(a, b), [(2, 3), (3,)], "MaximumBackward0",
        domains=("distinct", "distinct"), kind="binary", numpy_fn=np.maximum),
    _op("minimum", lambda m, a, b: m.minimum(a, b), [(2, 3), (2, 3)], "MinimumBackward0",
        domains=("distinct", "distinct"), kind="binary", numpy_fn=np.minimum),
    _op("where", lambda m, a, b: m.where(a > 0, a, b), [(2, 3), (2, 3)], "WhereBackward0",
        domains=("away", "real")),
    # -- pointwise functions
    _op("exp", lambda m, a: a.exp(), [(2, 3)], "ExpBackward0", numpy_fn=np.exp),
    _op("torch_exp", lambda m, a: m.exp(a), [(2, 3)], "ExpBackward0"),
    _op("log", lambda m, a: a.log(), [(2, 3)], "LogBackward0", domains=("positive",), numpy_fn=np.log),
    _op("torch_log", lambda m, a: m.log(a), [(2, 3)], "LogBackward0", domains=("positive",)),
    _op("sin", lambda m, a: a.sin(), [(2, 3)], "SinBackward0", numpy_fn=np.sin),
    _op("cos", lambda m, a: a.cos(), [(2, 3)], "CosBackward0", numpy_fn=np.cos),
    _op("tanh", lambda m, a: a.tanh(), [(2, 3)], "TanhBackward0", numpy_fn=np.tanh),
    _op("sigmoid", lambda m, a: a.sigmoid(), [(2, 3)], "SigmoidBackward0",
        numpy_fn=lambda a: 1 / (1 + np.exp(-a))),
    _op("torch_sigmoid", lambda m, a: m.sigmoid(a), [(2, 3)], "SigmoidBackward0"),
    _op("relu", lambda m, a: a.relu(), [(2, 3)], "ReluBackward0", domains=("away",),
        numpy_fn=lambda a: np.maximum(a, 0)),
    _op("torch_relu", lambda m, a: m.relu(a), [(2, 3)], "ReluBackward0", domains=("away",)),
    _op("sqrt", lambda m, a: a.sqrt(), [(2, 3)], "SqrtBackward0", domains=("positive",),
        numpy_fn=np.sqrt),
    _op("abs", lambda m, a: a.abs(), [(2, 3)], "AbsBackward0", domains=("away",), numpy_fn=np.abs),
    _op("torch_abs", lambda m, a: m.abs(a), [(2, 3)], "AbsBackward0", domains=("away",)),
    _op("clamp", lambda m, a: a.clamp(-0.5, 0.5), [(2, 3)], "ClampBackward1", domains=("clamp",),
        numpy_fn=lambda a: np.clip(a, -0.5, 0.5)),
    _op("clamp_min", lambda m, a: a.clamp(min=-0.5), [(2, 3)], "ClampBackward1", domains=("clamp",)),
    _op("clone", lambda m, a: a.clone(), [(2, 3)], "CloneBackward0", numpy_fn=np.copy),
    _op("masked_fill", lambda m, a: a.masked_fill(a > 0.5, -1.0), [(2, 3)], "MaskedFillBackward0"),
    _op("torch_masked_fill_broadcast", lambda m, a: m.masked_fill(a, m.tensor([True, False, True]), 2),
        [(2, 3)], "MaskedFillBackward0"),
    _op("masked_fill_tensor", lambda m, a, b: a.masked_fill(a < 0, b), [(2, 3), ()], "MaskedFillBackward1"),
    _op("masked_fill_larger_mask",               # out of place, the mask may broadcast the tensor
        lambda m, a: a.masked_fill(m.tensor([[True, False, True], [False, False, True]]), 2.0),
        [(3,)], "MaskedFillBackward0"),
    _op("masked_fill_tensor_larger_mask", lambda m, a, b: a.masked_fill(m.tensor([[False], [True]]), b),
        [(3,), ()], "MaskedFillBackward1"),
    _op("masked_fill_in_place", lambda m, a: (a * 1).masked_fill_(a > 0, 0.0), [(2, 3)], "MaskedFillBackward0"),
    # -- in place on a non-leaf: the node is the out-of-place op's
    _op("sin_", lambda m, a: (a * 1).sin_(), [(2, 3)], "SinBackward0"),
    _op("torch_cos_", lambda m, a: m.cos_(a * 1), [(2, 3)], "CosBackward0"),
    _op("exp_", lambda m, a: (a + 0).exp_(), [(2, 3)], "ExpBackward0"),
    _op("torch_log_", lambda m, a: m.log_(a * 1), [(2, 3)], "LogBackward0", domains=("positive",)),
    _op("abs_", lambda m, a: (a * 1).abs_(), [(2, 3)], "AbsBackward0", domains=("away",)),
    _op("reciprocal_", lambda m, a: (a * 1).reciprocal_(), [(2, 3)], "ReciprocalBackward0", domains=("away",)),
    _op("torch_square_", lambda m, a: m.square_(a * 1), [(2, 3)], "PowBackward0"),
    _op("torch_sqrt_", lambda m, a: m.sqrt_(a * 1), [(2, 3)], "SqrtBackward0", domains=("positive",)),
    _op("torch_relu_", lambda m, a: m.relu_(a * 1), [(2, 3)], "ReluBackward0", domains=("away",)),
    _op("torch_tanh_", lambda m, a: m.tanh_(a * 1), [(2, 3)], "TanhBackward0"),
    # -- piecewise-linear activations of nn.functional (their backward is recorded too)
    _op("leaky_relu", lambda m, a: m.nn.functional.leaky_relu(a), [(2, 3)], "LeakyReluBackward0",
        domains=("away",), numpy_fn=lambda a: np.where(a > 0, a, 0.01 * a)),
    _op("leaky_relu_negative_slope", lambda m, a: m.nn.functional.leaky_relu(a, -0.5), [(2, 3)],
        "LeakyReluBackward0", domains=("away",)),
    _op("leaky_relu_in_place", lambda m, a: m.nn.functional.leaky_relu(a * 1, 0.2, inplace=True), [(2, 3)],
        "LeakyReluBackward1", domains=("away",)),
    _op("leaky_relu_module", lambda m, a: m.nn.LeakyReLU(0.3)(a), [(2, 3)], "LeakyReluBackward0",
        domains=("away",)),
    _op("hardtanh", lambda m, a: m.nn.functional.hardtanh(a, -0.5, 0.5), [(2, 3)], "HardtanhBackward0",
        domains=("clamp",), numpy_fn=lambda a: np.clip(a, -0.5, 0.5)),
    _op("hardtanh_in_place", lambda m, a: m.nn.functional.hardtanh(a * 2, inplace=True), [(2, 3)],
        "HardtanhBackward0", domains=("clamp",)),
    _op("hardtanh_module", lambda m, a: m.nn.Hardtanh(-0.5, 0.5)(a), [(2, 3)], "HardtanhBackward0",
        domains=("clamp",)),
    _op("relu6", lambda m, a: m.nn.functional.relu6(a * 4), [(2, 3)], "HardtanhBackward0", domains=("away",)),
    _op("leaky_relu_", lambda m, a: m.nn.functional.leaky_relu_(a * 1, 0.3), [(2, 3)], "LeakyReluBackward1",
        domains=("away",)),
    _op("hardtanh_", lambda m, a: m.nn.functional.hardtanh_(a * 1, -0.5, 0.5), [(2, 3)], "HardtanhBackward0",
        domains=("clamp",)),
    # -- reductions
    _op("sum", lambda m, a: a.sum(), [(2, 3)], "SumBackward0", kind="reduction", numpy_fn=np.sum),
    _op("torch_sum", lambda m, a: m.sum(a), [(2, 3)], "SumBackward0", kind="reduction"),
    _op("sum_dim", lambda m, a: a.sum(1), [(2, 3)], "SumBackward1", kind="reduction"),
    _op("sum_dims_keepdim", lambda m, a: a.sum((0, 2), keepdim=True), [(2, 3, 2)], "SumBackward1",
        kind="reduction"),
    _op("mean", lambda m, a: a.mean(), [(2, 3)], "MeanBackward0", kind="reduction", numpy_fn=np.mean),
    _op("mean_dim", lambda m, a: a.mean(0), [(2, 3)], "MeanBackward1", kind="reduction"),
    _op("mean_neg_dim_keepdim", lambda m, a: m.mean(a, -1, keepdim=True), [(2, 3)], "MeanBackward1",
        kind="reduction"),
    _op("max_all", lambda m, a: a.max(), [(2, 3)], "MaxBackward1", domains=("distinct",),
        kind="reduction", numpy_fn=np.max),
    _op("min_all", lambda m, a: a.min(), [(2, 3)], "MinBackward1", domains=("distinct",),
        kind="reduction", numpy_fn=np.min),
    _op("max_dim", lambda m, a: a.max(1).values, [(2, 3)], "MaxBackward0", domains=("distinct",),
        kind="reduction"),
    _op("min_dim_keepdim", lambda m, a: a.min(0, keepdim=True)[0], [(2, 3)], "MinBackward0",
        domains=("distinct",), kind="reduction"),
    _op("torch_max_dim", lambda m, a: m.max(a, dim=0)[0], [(3, 2)], "MaxBackward0",
        domains=("distinct",), kind="reduction"),
    _op("norm", lambda m, a: a.norm(), [(2, 3)], "LinalgVectorNormBackward0",
        numpy_fn=lambda a: np.sqrt((a * a).sum()), kind="reduction"),
    _op("norm_dim", lambda m, a: a.norm(dim=1), [(2, 3)], "LinalgVectorNormBackward0", kind="reduction"),
    _op("norm_p1", lambda m, a: a.norm(p=1), [(2, 3)], "LinalgVectorNormBackward0",
        domains=("away",), kind="reduction"),
    _op("var_dim_biased", lambda m, a: m.var(a, 0, False, True), [(2, 3)], "VarBackward0", kind="reduction"),
    _op("std", lambda m, a: a.std(), [(2, 3)], "StdBackward0", kind="reduction"),
    _op("var", lambda m, a: a.var(), [(2, 3)], "VarBackward0", kind="reduction"),
    _op("std_dim", lambda m, a: a.std(1), [(2, 3)], "StdBackward0", kind="reduction"),
    _op("prod", lambda m, a: a.prod(), [(2, 3)], "ProdBackward0", kind="reduction", numpy_fn=np.prod),
    _op("torch_prod_dim", lambda m, a: m.prod(a, 1), [(2, 3)], "ProdBackward1", kind="reduction"),
    _op("prod_dim_keepdim", lambda m, a: a.prod(-2, keepdim=True), [(3, 2, 2)], "ProdBackward1",
        kind="reduction"),
    _op("prod_zeros", lambda m, a: a.prod(), [(2, 3)], "ProdBackward0", domains=("with_zeros",),
        kind="reduction"),
    _op("prod_dim_zeros", lambda m, a: a.prod(0), [(4, 3)], "ProdBackward1", domains=("with_zeros",),
        kind="reduction"),
    # -- linear algebra
    _op("mm", lambda m, a, b: a.mm(b), [(2, 3), (3, 4)], "MmBackward0", kind="linalg", numpy_fn=np.matmul),
    _op("matmul_2d", lambda m, a, b: a @ b, [(2, 3), (3, 2)], "MmBackward0", kind="linalg"),
    _op("torch_matmul", lambda m, a, b: m.matmul(a, b), [(3, 2), (2, 2)], "MmBackward0"),
    _op("mv", lambda m, a, b: a.mv(b), [(2, 3), (3,)], "MvBackward0", kind="linalg"),
    _op("matmul_mv", lambda m, a, b: a @ b, [(2, 3), (3,)], "MvBackward0"),
    _op("dot", lambda m, a, b: a.dot(b), [(3,), (3,)], "DotBackward0", kind="linalg"),
    _op("matmul_dot", lambda m, a, b: a @ b, [(3,), (3,)], "DotBackward0"),
    _op("matmul_vm", lambda m, a, b: a @ b, [(3,), (3, 2)], "SqueezeBackward4"),
    _op("bmm", lambda m, a, b: m.bmm(a, b), [(2, 2, 3), (2, 3, 2)], "BmmBackward0"),
    _op("torch_mm", lambda m, a, b: m.mm(a, b), [(2, 2), (2, 3)], "MmBackward0"),
    # -- shape
    _op("view", lambda m, a: a.view(3, 2), [(2, 3)], "ViewBackward0", kind="shape"),
    _op("view_infer", lambda m, a: a.view(-1), [(2, 3)], "ViewBackward0", kind="shape"),
    _op("reshape", lambda m, a: a.reshape(6), [(2, 3)], "ViewBackward0", kind="shape"),
    _op("reshape_noncontiguous", lambda m, a: a.t().reshape(6), [(2, 3)], "UnsafeViewBackward0",
        kind="shape"),
    _op("flatten", lambda m, a: a.flatten(), [(2, 3)], "ViewBackward0", kind="shape"),
    _op("torch_flatten", lambda m, a: m.flatten(a, 1), [(2, 3, 2)], "ViewBackward0", kind="shape"),
    _op("t", lambda m, a: a.t(), [(2, 3)], "TBackward0", kind="shape"),
    _op("T", lambda m, a: a.T, [(2, 3)], "PermuteBackward0", kind="shape"),
    _op("transpose", lambda m, a: a.transpose(0, 2), [(2, 3, 2)], "TransposeBackward0", kind="shape"),
    _op("permute", lambda m, a: a.permute(2, 0, 1), [(2, 3, 2)], "PermuteBackward0", kind="shape"),
    _op("squeeze", lambda m, a: a.squeeze(), [(2, 1, 3)], "SqueezeBackward0", kind="shape"),
    _op("squeeze_dim", lambda m, a: a.squeeze(1), [(2, 1, 3)], "SqueezeBackward1", kind="shape"),
    _op("unsqueeze", lambda m, a: a.unsqueeze(1), [(2, 3)], "UnsqueezeBackward0", kind="shape"),
    _op("expand", lambda m, a: a.expand(2, 4, 3), [(4, 1)], "ExpandBackward0", kind="shape"),
    _op("repeat", lambda m, a: a.repeat(2, 1, 2), [(2, 3)], "RepeatBackward0", kind="shape"),
    _op("stack", lambda m, a, b: m.stack([a, b], 1), [(2, 3), (2, 3)], "StackBackward0"),
    _op("cat", lambda m, a, b: m.cat([a, b], 0), [(2, 3), (1, 3)], "CatBackward0"),
    _op("to_float32", lambda m, a: a.float(), [(3,)], "ToCopyBackward0", second_order=False,
        tags={"float32_output"}),          # float32 rounding defeats central differences
    _op("to_float64", lambda m, a: a.float().double(), [(3,)], "ToCopyBackward0", second_order=False,
        tags={"float32_output"}),
    # -- indexing
    _op("select", lambda m, a: a[0], [(3, 2)], "SelectBackward0", kind="index"),
    _op("select_negative", lambda m, a: a[-1], [(3, 2)], "SelectBackward0", kind="index"),
    _op("select_column", lambda m, a: a[:, 1], [(3, 2)], "SelectBackward0", kind="index"),
    _op("slice", lambda m, a: a[1:], [(3, 2)], "SliceBackward0", kind="index"),
    _op("slice_step", lambda m, a: a[::2, 1:], [(4, 3)], "SliceBackward0", kind="index"),
    _op("index_list", lambda m, a: a[[0, 2]], [(3, 2)], "IndexBackward0", kind="index"),
    _op("index_repeated", lambda m, a: a[[0, 0, 2]], [(3, 2)], "IndexBackward0", kind="index"),
    _op("index_mask", lambda m, a: a[a > 0], [(3, 2)], "IndexBackward0", domains=("away",), kind="index"),
    _op("index_none", lambda m, a: a[None], [(3, 2)], "UnsqueezeBackward0", kind="index"),
    _op("index_ellipsis", lambda m, a: a[..., 0], [(2, 3, 2)], "SelectBackward0", kind="index"),
    _op("index_mixed", lambda m, a: a[1, None, :2], [(3, 4)], "SliceBackward0", kind="index"),
    _op("unbind", lambda m, a: a.unbind(1)[1] * 2, [(3, 2)], "MulBackward0", kind="index"),
    _op("unbind_output", lambda m, a: m.unbind(a)[0], [(3, 2)], "UnbindBackward0", kind="index"),
    _op("split_output", lambda m, a: a.split(2, 1)[1], [(3, 5)], "SplitBackward0", kind="index"),
    _op("split_with_sizes_output", lambda m, a: m.split(a, [1, 2])[0], [(3, 2)], "SplitWithSizesBackward0",
        kind="index"),
    _op("chunk_output", lambda m, a: a.chunk(2, -1)[0], [(2, 3)], "SplitBackward0", kind="index"),
    _op("split_pieces_used_unevenly", lambda m, a: _two_of_three(a.split(1)), [(3, 2)], "AddBackward0",
        kind="index"),
    _op("fill_scalar", lambda m, a: (a * 1).fill_(2.5), [(2, 3)], "FillBackward2", kind="index"),
    _op("fill_tensor", lambda m, a, b: (a * 1).fill_(b), [(2, 3), ()], "FillBackward3", kind="index"),
    _op("setitem", lambda m, a, b: _setitem(a, b), [(3, 2), (2,)], "CopySlices", kind="index"),
    _op("setitem_slice", lambda m, a, b: _setitem_slice(a, b), [(3, 2), (1, 2)], "CopySlices",
        kind="index"),
    # -- losses of nn.functional
    _op("bce_with_logits", lambda m, a, b: m.nn.functional.binary_cross_entropy_with_logits(a, b),
        [(2, 3), (2, 3)], "BinaryCrossEntropyWithLogitsBackward0", domains=("real", "positive")),
    _op("bce_with_logits_weighted", lambda m, a, b: m.nn.functional.binary_cross_entropy_with_logits(
        a, b, weight=m.tensor([0.5, 1.0, 2.0], dtype=m.float64), reduction="sum",
        pos_weight=m.tensor([3.0, 1.0, 0.5], dtype=m.float64)), [(2, 3), (2, 3)],
        "BinaryCrossEntropyWithLogitsBackward0"),
    _op("bce_with_logits_none", lambda m, a, b: m.nn.functional.binary_cross_entropy_with_logits(
        a * 4, b, reduction="none"), [(3,), (3,)], "BinaryCrossEntropyWithLogitsBackward0"),
    # -- compositions a course shows
    _op("softplus_like", lambda m, a: (1 + a.exp()).log(), [(2, 3)], "LogBackward0"),
    _op("mse", lambda m, a, b: ((a - b) ** 2).mean(), [(4,), (4,)], "MeanBackward0"),
    _op("linear_layer", lambda m, x, w, b: (x @ w.t() + b).tanh().sum(), [(2, 3), (4, 3), (4,)],
        "SumBackward0"),
]

BY_NAME = {spec.name: spec for spec in CATALOGUE}
assert len(BY_NAME) == len(CATALOGUE), "duplicate op names in the catalogue"


def _setitem(a, b):
    out = a * 1            # a non-leaf copy: in place on a leaf that requires grad is refused
    out[1] = b
    return out


def _setitem_slice(a, b):
    out = a * 2
    out[0:1] = b
    return out


def of_kind(kind: str) -> list[OpSpec]:
    return [spec for spec in CATALOGUE if spec.kind == kind]
