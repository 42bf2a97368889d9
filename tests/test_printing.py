"""Tensor printing: ``autograd_core._printing`` against real PyTorch.

Three layers:
* literal expected strings (PyTorch 2.x output, recorded), which run without torch;
* hand-picked parity cases compared with ``repr`` of a real torch tensor (skipped without torch);
* hypothesis tests over random shapes, dtypes, value distributions and print options.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_core._printing import (
    dtype_name,
    get_printoptions,
    printoptions,
    set_printoptions,
    tensor_repr,
)

pytestmark = pytest.mark.filterwarnings("error")

f32, f64, f16 = np.float32, np.float64, np.float16
nan, inf = math.nan, math.inf


@pytest.fixture(autouse=True)
def _default_printoptions():
    """Every test starts and ends with default options, ours and (when present) torch's."""
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")
    try:
        import torch
    except ImportError:
        return
    torch.set_printoptions(profile="default")


# ---------------------------------------------------------------------------------------------
# Literal expected strings: these run without torch.
# ---------------------------------------------------------------------------------------------
LITERAL = [
    (np.full((2, 2), 4.5, f32), {}, "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])"),
    (np.full((2, 2), 3.0, f32), {"grad_fn_name": "AddBackward0"},
     "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"),
    (np.array(20.0, f64), {}, "tensor(20., dtype=torch.float64)"),
    (np.array([1.6, 3.6], f32), {}, "tensor([1.6000, 3.6000])"),
    (np.array([1810.9065, 344.1436, -78.7548], f32), {"requires_grad": True},
     "tensor([1810.9065,  344.1436,  -78.7548], requires_grad=True)"),
    (np.array([2.048e2, 2.048e3, 2.048e-1], f32), {}, "tensor([2.0480e+02, 2.0480e+03, 2.0480e-01])"),
    (np.arange(12, dtype=f32).reshape(2, 2, 3), {"grad_fn_name": "MulBackward0"},
     "tensor([[[ 0.,  1.,  2.],\n         [ 3.,  4.,  5.]],\n\n"
     "        [[ 6.,  7.,  8.],\n         [ 9., 10., 11.]]], grad_fn=<MulBackward0>)"),
    (np.array([nan, inf, -inf, 0.0, -0.0, 1.0], f32), {}, "tensor([nan, inf, -inf, 0., -0., 1.])"),
    (np.arange(8, dtype=f64) / 3 * 2, {"grad_fn_name": "MulBackward0"},
     "tensor([0.0000, 0.6667, 1.3333, 2.0000, 2.6667, 3.3333, 4.0000, 4.6667],\n"
     "       dtype=torch.float64, grad_fn=<MulBackward0>)"),
    (np.full((1, 9), 1.5, f64), {"grad_fn_name": "MulBackward0"},
     "tensor([[1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000]],\n"
     "       dtype=torch.float64, grad_fn=<MulBackward0>)"),
    (np.array([[1, -100], [3, 4]], np.int8), {},
     "tensor([[   1, -100],\n        [   3,    4]], dtype=torch.int8)"),
    (np.arange(2000).reshape(40, 50), {},
     "tensor([[   0,    1,    2,  ...,   47,   48,   49],\n"
     "        [  50,   51,   52,  ...,   97,   98,   99],\n"
     "        [ 100,  101,  102,  ...,  147,  148,  149],\n"
     "        ...,\n"
     "        [1850, 1851, 1852,  ..., 1897, 1898, 1899],\n"
     "        [1900, 1901, 1902,  ..., 1947, 1948, 1949],\n"
     "        [1950, 1951, 1952,  ..., 1997, 1998, 1999]])"),
    (np.arange(30, dtype=f32) * 1.5, {},
     "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
     "        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
     "        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,\n"
     "        36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000])"),
    (np.array([True, False]), {}, "tensor([ True, False])"),
    (np.array([], f32), {}, "tensor([])"),
    (np.array([], np.int64), {}, "tensor([], dtype=torch.int64)"),
    (np.zeros((0, 3), np.int32), {}, "tensor([], size=(0, 3), dtype=torch.int32)"),
    (np.zeros((0, 3), f32), {"requires_grad": True}, "tensor([], size=(0, 3), requires_grad=True)"),
    (np.array(0.5, f16), {"requires_grad": True}, "tensor(0.5000, dtype=torch.float16, requires_grad=True)"),
    (np.array(7), {}, "tensor(7)"),
    (np.array([1, 2, 3], np.uint8), {}, "tensor([1, 2, 3], dtype=torch.uint8)"),
]


@pytest.mark.parametrize("data, kwargs, expected", LITERAL, ids=[e[:40] for _, _, e in LITERAL])
def test_literal_reprs(data, kwargs, expected):
    assert tensor_repr(data, **kwargs) == expected


def test_literal_printoptions_precision_and_threshold():
    with printoptions(precision=2):
        assert tensor_repr(np.array([1.12345], f32)) == "tensor([1.12])"
    assert tensor_repr(np.array([1.12345], f32)) == "tensor([1.1235])"
    with printoptions(threshold=5):
        assert tensor_repr(np.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    assert tensor_repr(np.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"
    with printoptions(sci_mode=True):
        assert tensor_repr(np.array([1.0, 2.0], f32)) == "tensor([1.0000e+00, 2.0000e+00])"
        # The column width is measured in the mode finally used.
        assert (tensor_repr(np.array([1810.9065, 344.1436, -78.7548], f32))
                == "tensor([ 1.8109e+03,  3.4414e+02, -7.8755e+01])")
        # PyTorch ignores sci_mode when there is no finite nonzero value.
        assert tensor_repr(np.array([0.0, 0.0], f32)) == "tensor([0., 0.])"


def test_printoption_defaults_and_profiles():
    assert get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)
    set_printoptions(profile="short", linewidth=60)
    assert get_printoptions() == dict(precision=2, threshold=1000, edgeitems=2, linewidth=60, sci_mode=None)
    set_printoptions(profile="full", sci_mode=True)  # a profile resets linewidth too
    assert get_printoptions() == dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80, sci_mode=True)
    set_printoptions(precision=3)  # sci_mode is always reassigned, as in PyTorch
    assert get_printoptions()["sci_mode"] is None
    set_printoptions(profile="no-such-profile")  # ignored, as in PyTorch
    assert get_printoptions()["precision"] == 3
    with pytest.raises(RuntimeError):
        with printoptions(precision=1):
            raise RuntimeError
    assert get_printoptions()["precision"] == 3


def test_dtype_names():
    assert dtype_name(np.float32) == "torch.float32"
    assert dtype_name(np.dtype("float64")) == "torch.float64"
    assert dtype_name(np.bool_) == "torch.bool"
    assert dtype_name(np.uint8) == "torch.uint8"
    with pytest.raises(TypeError):
        dtype_name(np.complex64)


def test_printing_is_silent(capsys):
    data = np.array([[nan, inf, -inf], [0.0, -0.0, 1e-30]], f16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            out = tensor_repr(data)
            tensor_repr(np.array([nan, 1e300, -1e-300]))
    assert out == "tensor([[nan, inf, -inf],\n        [0., -0., 0.]], dtype=torch.float16)"
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# ---------------------------------------------------------------------------------------------
# Parity with PyTorch: hand-picked cases.
# ---------------------------------------------------------------------------------------------
def _rng(seed):
    return np.random.default_rng(seed)


HAND_PICKED = {
    "article_4.5": np.full((2, 2), 4.5, f32),
    "article_3": np.full((2, 2), 3.0, f32),
    "article_vec": np.array([1810.9065, 344.1436, -78.7548], f32),
    "scalar_f64": np.array(20.0, f64),
    "scalar_f32": np.array(2.5, f32),
    "scalar_neg_zero": np.array(-0.0, f32),
    "scalar_nan": np.array(nan, f64),
    "scalar_int": np.array(-3),
    "scalar_bool": np.array(True),
    "scalar_tiny": np.array(1e-20, f32),
    "scalar_huge": np.array(3e30, f32),
    "sci_ratio": np.array([2.048e2, 2.048e3, 2.048e-1], f32),
    "sci_small": np.array([1e-5, 0.5], f32),
    "not_sci_1e-4": np.array([1e-4, 0.5], f64),
    "int_ratio_1000": np.array([1.0, 1000.0], f32),
    "int_ratio_1001": np.array([1.0, 1001.0], f32),
    "int_1e8": np.array([1e8, 3.0e7], f64),
    "int_above_1e8": np.array([1e8 + 2, 3e7], f64),
    "neg_zero_mix": np.array([-0.0, 1.0, 0.0], f32),
    "neg_zero_frac": np.array([-0.0, 1.5], f32),
    "nan_inf_only": np.array([nan, inf, -inf], f32),
    "nan_int": np.array([nan, 1.0, -2.0], f32),
    "nan_frac": np.array([nan, 1.5, -inf], f32),
    "nan_sci": np.array([nan, 1e-7, inf], f32),
    "zeros": np.zeros((2, 3), f32),
    "rounding": np.array([0.00005, 0.12345, 0.99995, 9.99995], f64),
    "f16_vals": np.array([0.1, 1000.0, -65504.0, 6e-5], f16),
    "f16_int": np.array([[1, 2], [3, 2048]], f16),
    "wrap_vec": np.arange(30, dtype=f32) * 1.5,
    "wrap_vec_f64": np.linspace(-1, 1, 25),
    "wrap_2d": _rng(0).standard_normal((3, 20)).astype(f32),
    "wrap_sci_2d": (_rng(1).standard_normal((4, 9)) * 1e5).astype(f32),
    "3d": np.arange(24, dtype=f32).reshape(2, 3, 4),
    "4d": np.arange(36, dtype=f32).reshape(2, 3, 2, 3) - 17,
    "4d_ones": np.ones((1, 1, 1, 1), f32),
    "int64_mixed": np.array([[1, -100], [12345, 0]]),
    "int32": np.array([5, -7], np.int32),
    "int16": np.array([[32767, -32768]], np.int16),
    "int8": np.array([1, -100, 127], np.int8),
    "uint8": np.array([0, 255, 7], np.uint8),
    "bool_2d": np.array([[True, False], [False, False]]),
    "int_wrap": np.arange(100) * 1234567,
    "empty_f32": np.array([], f32),
    "empty_f64": np.array([], f64),
    "empty_i64": np.array([], np.int64),
    "empty_bool": np.array([], np.bool_),
    "empty_0x3": np.zeros((0, 3), f32),
    "empty_2x0x4": np.zeros((2, 0, 4), f16),
    "empty_u8": np.zeros((3, 0), np.uint8),
    "sum_1d": np.arange(1001, dtype=f32),
    "sum_1d_int": np.arange(5000),
    "sum_2d": np.arange(2000).reshape(40, 50),
    "sum_2d_float": _rng(2).standard_normal((100, 100)).astype(f32),
    "sum_3d": np.arange(1331, dtype=f64).reshape(11, 11, 11) / 7,
    "sum_narrow": np.arange(2002, dtype=f32).reshape(1001, 2),
    "sum_wide": np.arange(2002, dtype=f32).reshape(2, 1001),
    "sum_4d": _rng(3).integers(-50, 50, (5, 7, 8, 9)).astype(f32),
    "sum_ratio_hidden": np.concatenate([[1.0, 2.0, 3.0], np.full(1000, 1e6), [4.0, 5.0, 6.0]]).astype(f32),
    "sum_bool": _rng(4).random((30, 40)) < 0.5,
    "long_suffix": np.full((1, 9), 1.5, f64),
    "long_suffix_2": np.arange(8, dtype=f64) / 3 * 2,
}

OPTION_SETS = {
    "precision2": dict(precision=2),
    "precision0": dict(precision=0),
    "precision8": dict(precision=8),
    "short": dict(profile="short"),
    "full": dict(profile="full"),
    "linewidth40": dict(linewidth=40),
    "linewidth5": dict(linewidth=5),
    "edgeitems1": dict(edgeitems=1, threshold=10),
    "edgeitems0": dict(edgeitems=0, threshold=10),
    "edgeitems0_nosum": dict(edgeitems=0),
    "threshold5": dict(threshold=5),
    "sci_on": dict(sci_mode=True),
    "sci_off": dict(sci_mode=False),
}


def _torch():
    return pytest.importorskip("torch")


def _assert_parity(arr, *, grad_fn_name=None, requires_grad=False, torch_tensor=None):
    torch = _torch()
    t = torch.from_numpy(arr) if torch_tensor is None else torch_tensor
    expected = repr(t)
    got = tensor_repr(arr, grad_fn_name=grad_fn_name, requires_grad=requires_grad)
    assert got == expected, f"\nshape={arr.shape} dtype={arr.dtype}\nours:  {got!r}\ntorch: {expected!r}"


def _check_all_variants(arr):
    """Plain, leaf ``requires_grad=True`` and ``grad_fn=<MulBackward0>`` (floating dtypes only)."""
    torch = _torch()
    _assert_parity(arr)
    if arr.dtype.kind == "f":
        leaf = torch.tensor(arr, requires_grad=True)
        _assert_parity(arr, requires_grad=True, torch_tensor=leaf)
        out = leaf * 1
        assert type(out.grad_fn).__name__ == "MulBackward0"
        _assert_parity(arr, grad_fn_name="MulBackward0", torch_tensor=out)


@pytest.mark.parametrize("name", list(HAND_PICKED))
def test_parity_hand_picked(name):
    _check_all_variants(HAND_PICKED[name])


@pytest.mark.parametrize("opts", list(OPTION_SETS))
def test_parity_with_printoptions(opts):
    torch = _torch()
    torch.set_printoptions(**OPTION_SETS[opts])
    set_printoptions(**OPTION_SETS[opts])
    assert get_printoptions() == dict(vars(torch._tensor_str.PRINT_OPTS))
    for arr in HAND_PICKED.values():
        _check_all_variants(arr)


# ---------------------------------------------------------------------------------------------
# Parity with PyTorch: hypothesis over shapes, dtypes and value distributions.
# ---------------------------------------------------------------------------------------------
DTYPES = [f32, f64, f16, np.int64, np.int32, np.int16, np.int8, np.uint8, np.uint16, np.uint32, np.uint64,
          np.bool_]
DISTRIBUTIONS = ["small_ints", "big_ints", "normal", "scaled", "tiny", "huge", "mixed_magnitude",
                 "fractions", "specials", "zeros"]
LARGE_SHAPES = [(1001,), (2048,), (40, 30), (3, 400), (11, 11, 11), (2, 3, 200), (7, 1, 200),
                (1, 1, 1, 1001), (5, 5, 5, 9), (1000, 2)]

small_shapes = st.lists(st.integers(0, 6), min_size=0, max_size=4).map(tuple)
shapes = st.one_of(small_shapes, small_shapes, small_shapes, st.sampled_from(LARGE_SHAPES))


def _make_array(shape, dtype, dist, seed):
    """Values drawn from ``dist`` and stored as ``dtype`` (integer distributions for int dtypes)."""
    return np.asarray(_draw_values(shape, dtype, dist, seed))


def _draw_values(shape, dtype, dist, seed):
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if dist in ("big_ints", "huge", "mixed_magnitude"):
            return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
        lo = max(info.min, -1000)
        return rng.integers(lo, min(info.max, 1000), size=shape, endpoint=True).astype(dt)
    n = int(np.prod(shape))
    if dist == "small_ints":
        v = rng.integers(-9, 10, n).astype(f64)
    elif dist == "big_ints":
        v = rng.integers(-10**9, 10**9, n).astype(f64)
    elif dist == "normal":
        v = rng.standard_normal(n)
    elif dist == "scaled":
        v = rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 10)
    elif dist == "tiny":
        v = rng.standard_normal(n) * 1e-6
    elif dist == "huge":
        v = rng.standard_normal(n) * 1e9
    elif dist == "mixed_magnitude":
        v = rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(-8, 12, n)
    elif dist == "fractions":
        v = rng.integers(-64, 65, n) / 8.0
    elif dist == "specials":
        v = rng.choice([nan, inf, -inf, 0.0, -0.0, 1.0, -2.5, 1e-5, 3e4], n)
    else:  # zeros
        v = rng.choice([0.0, -0.0], n)
    with np.errstate(over="ignore"):  # huge values overflow to inf in float16, as in torch
        return v.astype(dt).reshape(shape)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=shapes, dtype=st.sampled_from(DTYPES), dist=st.sampled_from(DISTRIBUTIONS),
       seed=st.integers(0, 2**32 - 1))
def test_parity_random(shape, dtype, dist, seed):
    _check_all_variants(_make_array(shape, dtype, dist, seed))


option_sets = st.fixed_dictionaries({}, optional={
    "precision": st.integers(0, 8),
    "threshold": st.sampled_from([1, 5, 20, 100, 1000, math.inf]),
    "edgeitems": st.integers(0, 4),
    "linewidth": st.integers(1, 120),
    "profile": st.sampled_from(["default", "short", "full"]),
    "sci_mode": st.sampled_from([None, True, False]),
})


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opts=option_sets, shape=small_shapes, dtype=st.sampled_from(DTYPES),
       dist=st.sampled_from(DISTRIBUTIONS), seed=st.integers(0, 2**32 - 1))
def test_parity_random_printoptions(opts, shape, dtype, dist, seed):
    torch = _torch()
    try:
        torch.set_printoptions(**opts)
        set_printoptions(**opts)
        _check_all_variants(_make_array(shape, dtype, dist, seed))
    finally:
        torch.set_printoptions(profile="default")
        set_printoptions(profile="default")
