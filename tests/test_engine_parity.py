"""Parity with real PyTorch on behaviour met in code written elsewhere (tutorials, the autograd
notes, PyTorch's own test habits): custom Functions, hooks, errors, node names, second order.

Each case is one function taking the library (``autograd_core`` or ``torch``) and returning what
it observed; the test runs it with both and compares.  Errors are observed as ``(type name,
message)`` so that the wording is compared too.
"""
from __future__ import annotations

import asyncio
import math
import warnings

import numpy as np
import pytest

import autograd_core

torch = pytest.importorskip("torch")


def observe(case, lib):
    """What ``case(lib)`` gives, as plain Python values (arrays as nested lists, rounded)."""
    try:
        return plain(case(lib))
    except Exception as error:            # noqa: BLE001 -- the error *is* the observation
        return ("raised", type(error).__name__, str(error).split("\n")[0])


def plain(value):
    if isinstance(value, (autograd_core.Tensor, torch.Tensor)):
        data = value.detach().numpy() if isinstance(value, torch.Tensor) else value.detach()._data
        return ("tensor", np.round(np.asarray(data, dtype=np.float64), 6).tolist(),
                bool(value.requires_grad))
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def assert_same(case):
    ours, theirs = observe(case, autograd_core), observe(case, torch)
    assert ours == theirs, f"autograd_core: {ours}\ntorch:         {theirs}"
    return ours


def float64(lib, values, requires_grad=True):
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------------
# Custom Functions that return their saved intermediates as extra outputs
# ---------------------------------------------------------------------------------------------
def sinh_function(lib):
    """sinh from exp(x) and exp(-x), both saved and returned as outputs so that backward can be
    differentiated through them (the pattern of PyTorch's double-backward tutorial)."""

    class SinhFromExps(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            up, down = x.exp(), (-x).exp()
            ctx.save_for_backward(up, down)
            return (up - down) / 2, up, down

        @staticmethod
        def backward(ctx, grad_sinh, grad_up, grad_down):
            up, down = ctx.saved_tensors
            return grad_sinh * (up + down) / 2 + grad_up * up - grad_down * down

    return SinhFromExps


def test_saved_outputs_send_second_order_gradients_through_their_own_output():
    def case(lib):
        SinhFromExps = sinh_function(lib)
        x = float64(lib, [-0.7, 0.4, 1.3])
        first, = lib.autograd.grad(SinhFromExps.apply(x)[0].sum(), x, create_graph=True)
        second, = lib.autograd.grad(first.sum(), x)
        return first, second                            # cosh, then sinh

    observed = assert_same(case)
    assert observed[1][1] == np.round(np.sinh([-0.7, 0.4, 1.3]), 6).tolist()


def test_every_derivative_of_a_power_until_the_constant_one_has_a_grad_fn():
    def derivatives(lib):
        x = lib.tensor(2.0, requires_grad=True)
        d, seen = x ** 5, []
        for _ in range(6):                 # 80, 160, 240, 240, 120 (each with a grad_fn), then 0
            (d,) = lib.autograd.grad(d, x, create_graph=True)
            seen.append((d, d.grad_fn is not None))
        return seen
    assert [flag for _, flag in assert_same(derivatives)] == [True] * 5 + [False]


def test_gradgradcheck_of_a_function_returning_its_saved_outputs():
    def case(lib):
        SinhFromExps = sinh_function(lib)
        x = float64(lib, [-0.7, 0.4, 1.3])
        picks = [lambda t: SinhFromExps.apply(t)[0], lambda t: SinhFromExps.apply(t)[1],
                 lambda t: SinhFromExps.apply(t)[0] * SinhFromExps.apply(t)[2]]
        return [(lib.autograd.gradcheck(f, (x,)), lib.autograd.gradgradcheck(f, (x,))) for f in picks]

    assert assert_same(case) == [[True, True]] * 3


# ---------------------------------------------------------------------------------------------
# Errors, in PyTorch's types and words
# ---------------------------------------------------------------------------------------------
def _functional_errors():
    def vector(lib):
        return float64(lib, [1.0, 2.0])

    def functional(lib):
        return lib.autograd.functional

    return {
        "backward_inputs_empty": lambda m: (vector(m) * 2).sum().backward(inputs=[]),
        "grad_inputs_empty": lambda m: m.autograd.grad((vector(m) * 2).sum(), []),
        "grad_output_needs_no_grad": lambda m: m.autograd.grad(m.tensor(1.0), vector(m)),
        "grad_second_output_needs_no_grad": lambda m: m.autograd.grad(
            [vector(m) * 2, m.ones(2)], vector(m), [m.ones(2), m.ones(2)]),
        "grad_output_unrelated_leaf": lambda m: m.autograd.grad(m.tensor(1.0, requires_grad=True), vector(m)),
        "jacobian_number_input": lambda m: functional(m).jacobian(lambda a: a * 2, 3),
        "jacobian_list_input": lambda m: functional(m).jacobian(lambda a: a * 2, [vector(m)]),
        "jacobian_number_in_tuple": lambda m: functional(m).jacobian(lambda a, b: a * b, (vector(m), 3)),
        "jacobian_number_output": lambda m: functional(m).jacobian(lambda a: 3, vector(m)),
        "jacobian_number_in_outputs": lambda m: functional(m).jacobian(lambda a: (a, 3), vector(m)),
        "hessian_list_input": lambda m: functional(m).hessian(lambda a: a.sum(), [1.0]),
        "hessian_number_output": lambda m: functional(m).hessian(lambda a: 3.0, vector(m)),
        "hessian_tuple_output": lambda m: functional(m).hessian(lambda a: (a.sum(),), vector(m)),
        "hessian_vector_output": lambda m: functional(m).hessian(lambda a: a * 2, vector(m)),
        "vjp_number_input": lambda m: functional(m).vjp(lambda a: a * 2, 3),
        "vjp_number_v": lambda m: functional(m).vjp(lambda a: a * 2, vector(m), 3),
        "vjp_list_v": lambda m: functional(m).vjp(lambda a: a * 2, vector(m), [m.ones(2)]),
        "vjp_v_none_vector_output": lambda m: functional(m).vjp(lambda a: a * 2, vector(m)),
        "vjp_v_wrong_size": lambda m: functional(m).vjp(lambda a: a * 2, vector(m), m.ones(3)),
        "vjp_v_two_for_one": lambda m: functional(m).vjp(lambda a: a * 2, vector(m), (m.ones(2), m.ones(2))),
        "vjp_v_one_for_two": lambda m: functional(m).vjp(lambda a: (a * 2, a), vector(m), (m.ones(2),)),
        "vjp_v_entry_wrong_size": lambda m: functional(m).vjp(
            lambda a: (a * 2, a), vector(m), (m.ones(2), m.ones(3))),
        "vjp_v_number_entry": lambda m: functional(m).vjp(lambda a: (a * 2, a), vector(m), (m.ones(2), 3)),
        "vjp_number_output": lambda m: functional(m).vjp(lambda a: 5, vector(m), m.ones(2)),
        "vjp_scalar_output_v_none": lambda m: functional(m).vjp(lambda a: (a * a).sum(), vector(m)),
        "vjp_scalar_output_v_1d": lambda m: functional(m).vjp(lambda a: a.sum(), vector(m), m.ones(1)),
    }


def _attribute_errors():
    def delete_data(m):
        t = m.ones(2)
        del t.data

    def delete_requires_grad(m):
        t = m.ones(2)
        del t.requires_grad

    def set_data(value):
        def case(m):
            t = m.ones(2)
            t.data = value

        return case

    def set_requires_grad(value):
        def case(m):
            t = m.ones(2)
            t.requires_grad = value

        return case

    def requires_grad_call(value):
        return lambda m: m.ones(2).requires_grad_(value)

    return {"del_data": delete_data, "del_requires_grad": delete_requires_grad,
            "data_none": set_data(None), "data_list": set_data([1.0, 2.0]),
            "requires_grad_none": set_requires_grad(None), "requires_grad_int": set_requires_grad(1),
            "requires_grad_call_int": requires_grad_call(1),
            "requires_grad_call_none": requires_grad_call(None)}


def _api_errors():
    return {
        "sin_on_a_leaf": lambda m: float64(m, [1.0]).sin_(),
        "torch_exp_on_a_leaf": lambda m: m.exp_(float64(m, [1.0])),
        "masked_fill_int_mask": lambda m: m.ones(2).masked_fill(m.tensor([1, 0]), 0.0),
        "masked_fill_float_mask": lambda m: m.ones(2).masked_fill(m.tensor([1.0, 0.0]), 0.0),
        "masked_fill_vector_value": lambda m: m.ones(2).masked_fill(m.tensor([True, False]), m.ones(2)),
        "fill_vector_value": lambda m: (float64(m, [1.0, 2.0]) * 1).fill_(m.ones(2)),
        "bce_weight_requires_grad": lambda m: m.nn.functional.binary_cross_entropy_with_logits(
            float64(m, [1.0]), float64(m, [0.0], False), weight=float64(m, [2.0])),
        "bce_target_size": lambda m: m.nn.functional.binary_cross_entropy_with_logits(
            float64(m, [1.0, 2.0]), m.ones(3, dtype=m.float64)),
        "bce_module": lambda m: m.nn.BCEWithLogitsLoss(pos_weight=m.tensor([2.0], dtype=m.float64))(
            float64(m, [1.0, -2.0]), float64(m, [1.0, 0.0], False)),
        "dropout_p_out_of_range": lambda m: m.nn.functional.dropout(m.ones(2), 1.5),
        "dropout_module_p_out_of_range": lambda m: m.nn.Dropout(-0.1),
        "dropout_p_one": lambda m: m.nn.functional.dropout(float64(m, [1.0, -2.0]), 1.0),
        "dropout_p_zero_and_eval": lambda m: [m.nn.functional.dropout(x, p, training) is x
                                              for x in [float64(m, [1.0])]
                                              for p, training in [(0.0, True), (0.5, False)]],
        "dropout_module": lambda m: (repr(m.nn.Dropout(0.2)), m.nn.Dropout().eval()(m.ones(2))),
        "prod_of_ints": lambda m: (m.tensor([1, 2, 3]).prod(), m.tensor([[1, 2], [3, 4]]).prod(1)),
        "masked_fill_mask_not_broadcastable": lambda m: m.ones(3).masked_fill(m.tensor([True, False]), 0.0),
        "masked_fill_larger_mask_in_place": lambda m: m.ones(3).masked_fill_(m.ones(2, 3, dtype=m.bool), 0.0),
        "masked_fill_in_place_not_broadcastable": lambda m: m.ones(2, 3).masked_fill_(m.ones(4, 1, dtype=m.bool), 1.0),
        "masked_fill_tensor_not_broadcastable": lambda m: m.ones(2, 3).masked_fill(
            m.ones(4, 1, dtype=m.bool), m.tensor(1.0)),
        "masked_fill_list_mask": lambda m: m.ones(3).masked_fill([True, False, True], 0.0),
        "masked_fill_string_value": lambda m: m.ones(3).masked_fill(m.tensor([True, False, True]), "a"),
        "leaky_relu_slope_string": lambda m: m.nn.functional.leaky_relu(float64(m, [1.0]), "a"),
        "leaky_relu_slope_none": lambda m: m.nn.functional.leaky_relu(float64(m, [1.0]), None),
        "leaky_relu_of_ints": lambda m: m.nn.functional.leaky_relu(m.tensor([1, -2]), 0.5),
        "leaky_relu_in_place_on_a_leaf": lambda m: m.nn.functional.leaky_relu(float64(m, [1.0]), inplace=True),
        "leaky_relu_in_place_negative_slope_backward": lambda m: m.nn.functional.leaky_relu(
            float64(m, [-1.0, 2.0]) * 1, -0.5, True).sum().backward(),
        "leaky_relu_in_place_untracked": lambda m: m.nn.functional.leaky_relu(m.tensor([-2.0, 1.0]), 0.5, True),
        "hardtanh_bounds_reversed": lambda m: m.nn.functional.hardtanh(float64(m, [1.0]), 1.0, -1.0),
        "hardtanh_module_bounds_equal": lambda m: m.nn.Hardtanh(0.5, 0.5),
        "hardtanh_equal_bounds": lambda m: m.nn.functional.hardtanh(float64(m, [-1.0, 2.0]), 0.5, 0.5),
        "hardtanh_of_ints": lambda m: m.nn.functional.hardtanh(m.tensor([3, -2, 0])),
        "activation_modules": lambda m: [repr(m.nn.LeakyReLU()), repr(m.nn.LeakyReLU(0.2, inplace=True)),
                                         repr(m.nn.Hardtanh()), repr(m.nn.Hardtanh(-2, 2)), repr(m.nn.ReLU6()),
                                         repr(m.nn.ReLU6(inplace=True)), isinstance(m.nn.ReLU6(), m.nn.Hardtanh),
                                         m.nn.ReLU6()(m.tensor([-1.0, 7.0, 2.0]))],
        "expand_minus_one_in_a_new_dimension": lambda m: m.ones(3).expand(-1, -1, 3),
        "expand_size_checked_before_a_new_minus_one": lambda m: m.ones(2).expand(-1, 3),
        "expand_minus_ones_kept": lambda m: m.ones(2, 1).expand(3, -1, 4).shape,
        "expand_to_fewer_dimensions": lambda m: m.ones(2, 3).expand(3),
        "setitem_value_of_more_dimensions": lambda m: m.ones(2, 3).__setitem__(0, m.ones(2, 3)),
        "argmax_keepdim_without_dim": lambda m: m.tensor([[1.0, 5.0], [3.0, 2.0]]).argmax(keepdim=True),
        "argmax_of_a_scalar_keepdim": lambda m: m.tensor(3.0).argmax(0, keepdim=True),
        "argmin_dim_out_of_range": lambda m: m.ones(2, 3).argmin(2),
        "stack_names_the_entry_that_differs": lambda m: m.stack([m.ones(2), m.ones(2), m.ones(3)]),
        "integers_to_negative_integer_tensor_powers": lambda m: (
            m.tensor([0, 2, 1, -1, -1, 3, 5]) ** m.tensor([-1, 2, -3, -3, -2, -1, 0]),
            m.tensor([[2], [-1]]) ** m.tensor([-2, 3, -5])),
        "split_sizes_not_summing_to_the_length": lambda m: m.ones(5).split([1, 1]),
        "split_size_zero": lambda m: (m.ones(0).split(0), m.ones(5).split(0)),
        "split_size_negative": lambda m: m.ones(5).split(-1),
        "split_sizes_negative": lambda m: m.ones(5).split([2, -1, 4]),
        "split_size_float": lambda m: m.ones(5).split(2.5),
        "split_sizes_with_a_float": lambda m: m.ones(5).split([2.0, 3]),
        "split_dim_out_of_range": lambda m: m.ones(5).split(2, dim=1),
        "split_of_an_empty_dimension": lambda m: [p.shape for p in m.ones(0, 2).split(2)],
        "chunk_count_not_positive": lambda m: (m.ones(5).chunk(-1), m.ones(5).chunk(0)),
        "chunk_of_an_empty_dimension": lambda m: [p.shape for p in m.ones(0, 3).chunk(2)],
        "chunk_more_pieces_than_elements": lambda m: [p.shape for p in m.ones(2, 3).chunk(4, dim=-1)],
        # each matrix product checks its operands' dtypes in its own words
        "mm_dtypes_differ": lambda m: m.ones(2, 2).mm(m.ones(2, 2, dtype=m.float64)),
        "mv_dtypes_differ": lambda m: m.ones(2, 2).mv(m.ones(2, dtype=m.float64)),
        "dot_dtypes_differ": lambda m: m.ones(2).dot(m.ones(3, dtype=m.float64)),
        "bmm_dtypes_differ": lambda m: m.ones(1, 2, 2).bmm(m.ones(1, 2, 2, dtype=m.float64)),
        "linear_bias_dtype_differs": lambda m: m.nn.functional.linear(m.ones(1, 2), m.ones(3, 2),
                                                                      m.ones(3, dtype=m.float64)),
    }


ERROR_CASES = {**_functional_errors(), **_attribute_errors(), **_api_errors()}


def test_split_pieces_are_views_that_share_the_version_counter():
    def case(lib):
        x = lib.ones(4)
        pieces = x.split(3)
        x.add_(1)
        return [(piece._base is x, piece._version, piece) for piece in pieces]
    assert [(base, version) for base, version, _ in assert_same(case)] == [(True, 1), (True, 1)]


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_as_pytorch_raises_them(name):
    assert_same(ERROR_CASES[name])


def test_piecewise_linear_activations_at_their_kinks():
    """At a kink PyTorch picks a side: leaky_relu's gradient at 0 is the slope; hardtanh's at a
    bound is 0, where clamp's is 1.  Second order through them (create_graph) is 0 but recorded."""
    def case(lib):
        F = lib.nn.functional
        x = float64(lib, [-1.0, -0.5, 0.0, 0.5, 1.0, 6.0])
        observed = []
        for f in (lambda t: F.leaky_relu(t, 0.1), lambda t: F.hardtanh(t), lambda t: t.clamp(-1.0, 1.0),
                  lambda t: F.hardtanh(t, -0.5, 0.5), lambda t: F.relu6(t), lambda t: F.relu(t)):
            grad, = lib.autograd.grad(f(x).sum(), x, create_graph=True)
            observed.append((grad, type(grad.grad_fn).__name__ if grad.grad_fn else None,
                             lib.autograd.grad((grad * x).sum(), x)))
        return observed

    observed = assert_same(case)
    assert observed[1][0][1] == [0.0, 1.0, 1.0, 1.0, 0.0, 0.0]             # hardtanh: 0 at -1 and 1


# ---------------------------------------------------------------------------------------------
# autograd.functional as the "Fundamentals of Autograd" tutorial and test_functional.py use it:
# outputs that do not depend on the inputs, strict mode, v left out, the strategy switches
# ---------------------------------------------------------------------------------------------
def _quietly(call):
    """PyTorch's vectorized Jacobian warns that it uses the deprecated torch.jit.script."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return call()


def _with_inputs(function, f, inputs, *args, **kwargs):
    """What a functional returns, whether its results require grad, and the input afterwards."""
    result = function(f, inputs, *args, **kwargs)
    flags = [t.requires_grad for t in (result if isinstance(result, tuple) else (result,))]
    return result, flags, inputs.requires_grad, inputs.grad_fn, inputs.grad


def _functional_cases():
    def vec(m, values, requires_grad=False):
        return m.tensor(values, dtype=m.float64, requires_grad=requires_grad)

    def ones(m, *shape):
        return m.ones(*shape, dtype=m.float64)

    def F(m):
        return m.autograd.functional

    x = [1.0, 2.0]
    return {
        "jacobian_of_two_inputs": lambda m: F(m).jacobian(lambda a, b: 2 * a.exp() + 3 * b,
                                                          (vec(m, [0.5, 1.0]), vec(m, [0.2, 0.1]))),
        "jacobian_of_a_constant": lambda m: F(m).jacobian(lambda a: ones(m, 2), vec(m, [1.0])),
        "jacobian_unused_input": lambda m: F(m).jacobian(lambda a, b: a * 2, (vec(m, [1.0]), vec(m, [1.0]))),
        "jacobian_0d": lambda m: F(m).jacobian(lambda a: a.exp(), vec(m, 1.0)),
        "jacobian_bad_strategy": lambda m: F(m).jacobian(lambda a: a * 2, vec(m, [1.0]), strategy="x"),
        "jacobian_forward_mode_needs_vectorize": lambda m: F(m).jacobian(lambda a: a ** 2, vec(m, x),
                                                                         strategy="forward-mode"),
        "jacobian_forward_mode_vectorized": lambda m: _quietly(lambda: F(m).jacobian(
            lambda a: a ** 2, vec(m, x), vectorize=True, strategy="forward-mode")),
        "jacobian_strict_constant": lambda m: F(m).jacobian(lambda a: ones(m, 2), vec(m, [1.0]), strict=True),
        "jacobian_strict_unused": lambda m: F(m).jacobian(lambda a, b: (a * 2, b * 0 + a),
                                                          (vec(m, [1.0]), vec(m, [2.0])), strict=True),
        "jacobian_strict_vectorize": lambda m: F(m).jacobian(lambda a: a * 2, vec(m, [1.0]), strict=True,
                                                             vectorize=True),
        "jacobian_strict_linear_create_graph": lambda m: F(m).jacobian(lambda a: a * 2, vec(m, [1.0]), strict=True,
                                                                       create_graph=True),
        "jacobian_strict_create_graph": lambda m: F(m).jacobian(lambda a: a ** 2, vec(m, x), strict=True,
                                                                create_graph=True),
        "vjp_constant_output": lambda m: F(m).vjp(lambda a: ones(m, 2), vec(m, x), ones(m, 2)),
        "vjp_one_output_constant": lambda m: F(m).vjp(lambda a: (a * 2, ones(m, 1)), vec(m, [1.0]),
                                                      (vec(m, [1.0]), vec(m, [1.0]))),
        "vjp_integer_input": lambda m: F(m).vjp(lambda a: a * 2, m.tensor([1, 2]), m.tensor([1, 1])),
        "vjp_strict": lambda m: F(m).vjp(lambda a: a ** 2, vec(m, x), ones(m, 2), strict=True),
        "vjp_strict_constant": lambda m: F(m).vjp(lambda a: ones(m, 2), vec(m, x), ones(m, 2), strict=True),
        "vjp_strict_detached": lambda m: F(m).vjp(lambda a: a.detach() * 2, vec(m, [1.0]), vec(m, [1.0]),
                                                  strict=True),
        "vjp_strict_unused": lambda m: F(m).vjp(lambda a, b: a * 2, (vec(m, [1.0]), vec(m, [1.0])), vec(m, [1.0]),
                                                strict=True),
        "vjp_strict_unused_create_graph": lambda m: F(m).vjp(lambda a, b: a * 2, (vec(m, [1.0]), vec(m, [1.0])),
                                                             vec(m, [1.0]), strict=True, create_graph=True),
        "vjp_strict_second_output_constant": lambda m: F(m).vjp(lambda a: (a * 2, ones(m, 1)), vec(m, [1.0]),
                                                                (vec(m, [1.0]), vec(m, [1.0])), strict=True),
        "jvp_constant_output": lambda m: F(m).jvp(lambda a: ones(m, 1), vec(m, [1.0]), vec(m, [1.0])),
        "jvp_strict_constant": lambda m: F(m).jvp(lambda a: ones(m, 1), vec(m, [1.0]), vec(m, [1.0]), strict=True),
        "jvp_v_none_one_element": lambda m: F(m).jvp(lambda a: a ** 3, vec(m, [2.0])),
        "jvp_v_none_two_elements": lambda m: F(m).jvp(lambda a: a ** 3, vec(m, x)),
        "hessian_of_a_linear_function": lambda m: F(m).hessian(lambda a: (a * 2).sum(), vec(m, [1.0])),
        "hessian_tuple": lambda m: F(m).hessian(lambda a, b: (a ** 2 * b).sum(), (vec(m, x), vec(m, [3.0, 4.0]))),
        "hessian_strict": lambda m: F(m).hessian(lambda a: (a ** 3).sum(), vec(m, x), strict=True),
        "hessian_strict_linear": lambda m: F(m).hessian(lambda a: (a * 2).sum(), vec(m, [1.0]), strict=True),
        "hessian_strict_unused": lambda m: F(m).hessian(lambda a, b: (a ** 2).sum(), (vec(m, [1.0]), vec(m, [1.0])),
                                                        strict=True),
        "hessian_forward_mode_needs_vectorize": lambda m: F(m).hessian(
            lambda a: (a ** 3).sum(), vec(m, [1.0]), outer_jacobian_strategy="forward-mode"),
        "hvp_of_a_linear_function": lambda m: F(m).hvp(lambda a: (a * 2).sum(), vec(m, [1.0]), vec(m, [1.0])),
        "hvp_of_a_constant": lambda m: F(m).hvp(lambda a: ones(m, ()), vec(m, [1.0]), vec(m, [1.0])),
        "hvp_strict": lambda m: F(m).hvp(lambda a: (a ** 3).sum(), vec(m, x), ones(m, 2), strict=True),
        "hvp_strict_linear": lambda m: F(m).hvp(lambda a: (a * 2).sum(), vec(m, [1.0]), vec(m, [1.0]), strict=True),
        "hvp_v_none_one_element": lambda m: F(m).hvp(lambda a: (a ** 3).sum(), vec(m, [1.0])),
        "hvp_v_none_two_elements": lambda m: F(m).hvp(lambda a: (a ** 3).sum(), vec(m, x)),
        "hvp_v_number": lambda m: F(m).hvp(lambda a: (a ** 3).sum(), vec(m, x), 3),
        "hvp_vector_output": lambda m: F(m).hvp(lambda a: a ** 3, vec(m, x), ones(m, 2)),
        "vhp_vector_output": lambda m: F(m).vhp(lambda a: a ** 2, vec(m, x), vec(m, x)),
        "vhp_tuple_output": lambda m: F(m).vhp(lambda a: ((a ** 2).sum(), a), vec(m, x), vec(m, x)),
        "jacobian_create_graph": lambda m: _with_inputs(F(m).jacobian, lambda t: t ** 3, vec(m, x, True),
                                                        create_graph=True),
        "jacobian_create_graph_plain_input": lambda m: _with_inputs(F(m).jacobian, lambda t: t ** 3, vec(m, x),
                                                                    create_graph=True),
        "jacobian_leaves_its_input_alone": lambda m: _with_inputs(F(m).jacobian, lambda t: t.exp(), vec(m, x)),
        "jacobian_tuple_output": lambda m: F(m).jacobian(lambda t: (t * 2, t.sum()), vec(m, x)),
        "hessian_create_graph": lambda m: _with_inputs(F(m).hessian, lambda t: (t ** 3).sum(), vec(m, x, True),
                                                       create_graph=True),
        "hessian_0d": lambda m: F(m).hessian(lambda t: t ** 4, vec(m, 2.0)),
        "vjp_create_graph_plain_input": lambda m: _with_inputs(F(m).vjp, lambda t: t ** 2, vec(m, x), ones(m, 2),
                                                               create_graph=True),
        "vjp_v_requires_grad": lambda m: F(m).vjp(lambda t: t ** 2, vec(m, x), vec(m, [1.0, 1.0], True)),
        "jvp_one_constant_output": lambda m: F(m).jvp(lambda a: (a * 2, ones(m, 1)), vec(m, [1.0]), vec(m, [1.0])),
        "jvp_create_graph": lambda m: _with_inputs(F(m).jvp, lambda t: t ** 2, vec(m, x, True), ones(m, 2),
                                                   create_graph=True),
        "jvp_tuples": lambda m: F(m).jvp(lambda a, b: (a * b, a + b), (vec(m, [1.0]), vec(m, [2.0])),
                                         (vec(m, [1.0]), vec(m, [0.0]))),
        "jvp_v_wrong_size": lambda m: F(m).jvp(lambda a: a * 2, vec(m, x), vec(m, [1.0])),
        "jvp_v_tuple_too_short": lambda m: F(m).jvp(lambda a, b: a * b, (vec(m, [1.0]), vec(m, [2.0])),
                                                    (vec(m, [1.0]),)),
        "hvp_create_graph": lambda m: _with_inputs(F(m).hvp, lambda t: (t ** 3).sum(), vec(m, x, True), ones(m, 2),
                                                   create_graph=True),
        "hvp_v_wrong_size": lambda m: F(m).hvp(lambda a: (a ** 3).sum(), vec(m, x), vec(m, [1.0])),
        "vhp_tuple": lambda m: F(m).vhp(lambda a, b: (a ** 2 * b).sum(), (vec(m, x), vec(m, [3.0, 4.0])),
                                        (vec(m, [1.0, 0.0]), vec(m, [0.0, 1.0]))),
    }


FUNCTIONAL_CASES = _functional_cases()


@pytest.mark.parametrize("name", sorted(FUNCTIONAL_CASES))
def test_functional_api_as_pytorch(name):
    assert_same(FUNCTIONAL_CASES[name])


# ---------------------------------------------------------------------------------------------
# The autograd mechanics notes and the saved-tensors-hooks tutorial: saved tensors, hooks and
# when they fire, what requires grad, the version counter, grad modes
# ---------------------------------------------------------------------------------------------


def _notes_saved_identity(m):
    x = float64(m, [1.0, 2.0])
    y = x.pow(2)
    e = x.exp()
    return (y.grad_fn._saved_self is x, e.grad_fn._saved_result is e, e.grad_fn._saved_result.equal(e),
            type(e.grad_fn._saved_result.grad_fn).__name__, hasattr(y.grad_fn, "_raw_saved_self"))


def _notes_raw_saved_hooks_errors(m):
    x = float64(m, [1.0, 2.0])
    observed = []
    y = x.pow(2)
    y.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda t: t)
    z = x.exp()
    z.grad_fn._raw_saved_result.register_hooks(lambda t: (observed.append((t is z, t.grad_fn)), t)[1], lambda t: 3)
    freed = x.exp()
    freed.sum().backward()
    for attempt in (lambda: y.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda t: t),
                    lambda: z.sum().backward(),
                    lambda: freed.grad_fn._raw_saved_result.register_hooks(lambda t: t, lambda t: t)):
        try:
            attempt()
        except (RuntimeError, TypeError) as error:
            observed.append(str(error))
    return observed


def _notes_raw_saved_hooks(m):
    log = []
    x = float64(m, [1.0, 2.0])
    y = x.pow(2)
    y.grad_fn._raw_saved_self.register_hooks(lambda t: (log.append("pack"), t * 1)[1],
                                             lambda t: (log.append("unpack"), t)[1])
    y.sum().backward()
    return log, x.grad


def _notes_hook_order(m):
    log = []
    x = float64(m, [1.0, 2.0])
    y = x * 2
    y.retain_grad()
    y.grad_fn.register_prehook(lambda g: log.append(("node_pre", g[0].tolist())))
    y.register_hook(lambda g: (log.append(("tensor", g.tolist())), g * 10)[1])
    y.grad_fn.register_hook(lambda gi, go: log.append(("node_post", gi[0].tolist(), go[0].tolist())))
    (y * y).sum().backward()
    return log, y.grad, x.grad


def _notes_hook_then_in_place(m):
    log = []
    x = float64(m, [1.0, 2.0])
    y = x * 1
    y.register_hook(lambda g: log.append(("before", g.tolist())))
    y.mul_(3)
    y.register_hook(lambda g: log.append(("after", g.tolist())))
    (y * y).sum().backward()
    return log, x.grad


def _notes_retain_grad_then_hook(m):
    x = float64(m, [1.0, 2.0])
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 100)
    y.sum().backward()
    return y.grad, x.grad


def _notes_hooks_not_fired(m):
    log = []
    a, b = float64(m, [1.0]), float64(m, [2.0])
    c = a * 3
    d = b * 4
    c.register_hook(lambda g: log.append("c"))
    d.register_hook(lambda g: log.append("d"))
    e = c + d
    m.autograd.grad(e, c)            # stops at c: d's side never runs
    return log


def _notes_requires_grad_propagation(m):
    x, y = m.randn(5, 5), m.randn(5, 5)
    z = m.randn((5, 5), requires_grad=True)
    a = x + y
    b = a + z
    return a.requires_grad, b.requires_grad


def _notes_module_freeze(m):
    net = m.nn.Sequential(m.nn.Linear(3, 2), m.nn.ReLU(), m.nn.Linear(2, 1))
    net.requires_grad_(False)
    net[2] = m.nn.Linear(2, 1)
    return [p.requires_grad for p in net.parameters()], net(m.ones(1, 3)).requires_grad


def _notes_node_isinstance(m):
    a = float64(m, [0.0, 0.0])
    b = a.clone()
    return (isinstance(b.grad_fn, m.autograd.graph.Node), b.grad_fn.name(),
            isinstance(b.grad_fn.next_functions[0][0], m.autograd.graph.Node))


def _notes_grad_of_non_leaf_warns_none(m):
    x = float64(m, [1.0])
    y = x * 2
    y.sum().backward()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        g = y.grad
    return g, len(w), str(w[0].message)[:60] if w else None


def _notes_version_counter_check(m):
    a = float64(m, [1.0, 2.0])
    b = a.sigmoid()
    c = b * 1
    b.mul_(2)                        # sigmoid saved its result b, which c.backward() needs
    first = observe(lambda _: c.sum().backward(), m)
    d = a.exp()
    d.add_(1)                        # exp saved its result d, now modified
    return first, observe(lambda _: d.sum().backward(), m), b._version


def _notes_no_grad_param_update(m):
    w = float64(m, [1.0, 2.0])
    (w * w).sum().backward()
    with m.no_grad():
        w -= 0.1 * w.grad
        v = w * 2
    return w, w.is_leaf, w.requires_grad, v.requires_grad, w._version


def _notes_set_grad_enabled_fn(m):
    x = float64(m, [1.0])
    m.set_grad_enabled(False)
    y = x * 2
    m.set_grad_enabled(True)
    z = x * 2
    return y.requires_grad, z.requires_grad, m.is_grad_enabled()


def _notes_grad_accumulate_and_zero(m):
    x = float64(m, [1.0, 2.0])
    for _ in range(3):
        (x * x).sum().backward()
    before = x.grad.clone()
    x.grad.zero_()
    return before, x.grad


def _notes_backward_twice_additive_and_retained(m):
    """An additive graph saves nothing: a second backward runs.  x * x saved x: it runs twice
    with retain_graph=True, and a third time raises, the graph now freed."""
    x = float64(m, [1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    return x.grad, observe(lambda _: z.backward(), m)


def _notes_detect_anomaly_fn(m):
    return hasattr(m.autograd, "detect_anomaly"), hasattr(m.autograd, "set_detect_anomaly")


def _notes_save_on_cpu(m):
    """A CPU tensor is kept as it is (no copy, no version check: the in-place add goes unnoticed);
    pin_memory=True keeps a copy."""
    x = float64(m, [1.0, 2.0])
    with m.autograd.graph.save_on_cpu():
        y = x.exp()
        z = x * x
    w, u = x * 1, x * 1
    with m.autograd.graph.save_on_cpu():
        v = w.sin()
    with m.autograd.graph.save_on_cpu(pin_memory=True):
        t = u.sin()
    w.add_(1)
    u.add_(1)
    (v.sum() + y.sum() + z.sum() + t.sum()).backward()
    return x.grad


def _notes_disable_saved_tensors_hooks(m):
    G = m.autograd.graph
    out = []

    def attempt(f):
        try:
            f()
            out.append("ran")
        except RuntimeError as e:
            out.append(str(e))

    def hooks():
        with G.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass

    def cpu():
        with G.save_on_cpu():
            pass

    with G.disable_saved_tensors_hooks("no hooks here"):
        attempt(hooks)
        attempt(cpu)
        with G.disable_saved_tensors_hooks("inner"):
            attempt(hooks)
        attempt(hooks)
        y = float64(m, [1.0]).exp()
    attempt(hooks)

    def inner():
        with G.disable_saved_tensors_hooks("while active"):
            pass

    with G.saved_tensors_hooks(lambda t: t, lambda t: t):
        attempt(inner)

    @G.disable_saved_tensors_hooks("decorated")
    def f():
        hooks()

    attempt(f)
    attempt(hooks)
    return out, y


NOTES_CASES = {name[len("_notes_"):]: case for name, case in list(globals().items())
               if name.startswith("_notes_")}


@pytest.mark.parametrize("name", sorted(NOTES_CASES))
def test_mechanics_notes_cases_as_pytorch(name):
    assert_same(NOTES_CASES[name])


# ---------------------------------------------------------------------------------------------
# Programs in the spirit of micrograd's engine tests, d2l's autograd section, the tutorials
# (Learn the Basics, the 60-minute blitz, examples_autograd, double backward with custom
# Functions) and test_autograd.py: our own code, their facts
# ---------------------------------------------------------------------------------------------
def _elsewhere_micrograd_sanity(m):
    x = float64(m, -4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y, x.grad


def _elsewhere_micrograd_more_ops(m):
    a, b = float64(m, -4.0), float64(m, 2.0)
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return g, a.grad, b.grad


def _elsewhere_d2l_dot_sum_detach(m):
    x = m.arange(4.0)
    x.requires_grad_(True)
    observed = [x.grad]
    y = 2 * m.dot(x, x)
    y.backward()
    observed += [y, x.grad, (x.grad == 4 * x).tolist()]
    x.grad.zero_()
    x.sum().backward()
    observed.append(x.grad)
    x.grad.zero_()
    y = x * x
    y.backward(gradient=m.ones(len(y)))
    observed.append(x.grad)
    x.grad.zero_()
    y = x * x
    u = y.detach()
    (u * x).sum().backward()
    observed += [x.grad, (x.grad == u).all().item()]
    x.grad.zero_()
    y.sum().backward()
    observed.append(x.grad)
    return observed


def _elsewhere_d2l_control_flow(m):
    def f(a):
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        return b * 100 if b.sum() > 0 else b
    a = float64(m, 0.37)
    d = f(a)
    d.backward()
    return d, a.grad, (a.grad == d / a).item()


def _elsewhere_learn_the_basics(m):
    m.manual_seed(0)
    x, y = m.ones(5), m.zeros(3)
    w = m.randn(5, 3, requires_grad=True)
    b = m.randn(3, requires_grad=True)
    z = m.matmul(x, w) + b
    loss = m.nn.functional.binary_cross_entropy_with_logits(z, y)
    names = [type(z.grad_fn).__name__, type(loss.grad_fn).__name__]
    loss.backward()
    with m.no_grad():
        untracked = m.matmul(x, w) + b
    inp = m.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(m.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(m.ones_like(out), retain_graph=True)
    second = inp.grad.clone()
    inp.grad.zero_()
    out.backward(m.ones_like(out), retain_graph=True)
    return (names, w.grad.shape == (5, 3), b.grad.shape, untracked.requires_grad, z.detach().requires_grad,
            first, second, inp.grad)


def _elsewhere_blitz(m):
    x = m.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    a = m.tensor([[2.0, 3.0], [4.0, 5.0]])
    a = (a * 3) / (a - 1)
    flags = [a.requires_grad]
    a.requires_grad_(True)
    b = (a * a).sum()
    flags += [a.requires_grad, type(b.grad_fn).__name__]
    out.backward()
    with m.no_grad():
        flags.append((x ** 2).requires_grad)
    detached = x.detach()
    return (repr(y), repr(z), repr(out), flags, x.grad, detached.requires_grad, x.eq(detached).all().item())


def _elsewhere_legendre_polynomial_training(m):
    class Legendre3(m.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return 0.5 * (5 * t ** 3 - 3 * t)

        @staticmethod
        def backward(ctx, grad_output):
            t, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * t ** 2 - 1)

    x = m.linspace(-math.pi, math.pi, 200, dtype=m.float64)
    y = m.sin(x)
    a, b, c, d = (m.full((), v, dtype=m.float64, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    losses = []
    for _ in range(20):
        prediction = a + b * Legendre3.apply(c + d * x)
        loss = (prediction - y).pow(2).sum()
        losses.append(round(loss.item(), 6))
        loss.backward()
        with m.no_grad():
            for p in (a, b, c, d):
                p -= 5e-6 * p.grad
                p.grad = None
    return losses[::5], a, b, c, d


def _elsewhere_double_backward_custom_functions(m):
    """Saving an input (cube_function), and a backward that is itself a Function, so that its own
    backward says how to differentiate it (Cube).  Saving outputs: sinh_function's tests."""

    class CubeGrad(m.autograd.Function):          # the backward of x**3, itself a Function
        @staticmethod
        def forward(ctx, grad_out, t):
            ctx.save_for_backward(t, grad_out)
            return grad_out * 3 * t ** 2

        @staticmethod
        def backward(ctx, grad):
            t, saved_grad_out = ctx.saved_tensors
            return grad * 3 * t ** 2, grad * saved_grad_out * 6 * t

    Cube = cube_function(m, decorate_backward=lambda backward: lambda ctx, grad_out: CubeGrad.apply(
        grad_out, ctx.saved_tensors[0]))
    x = float64(m, [-0.4, 0.7, 1.2])
    checks = [(m.autograd.gradcheck(F.apply, x), m.autograd.gradgradcheck(F.apply, x))
              for F in (cube_function(m), Cube)]
    first, = m.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    second, = m.autograd.grad(first.sum(), x)
    return checks, first, type(first.grad_fn).__name__, second


def _elsewhere_requires_grad_in_place(m):
    a = m.zeros(2, 2, dtype=m.float64)
    b = float64(m, [[1.0, 2.0], [3.0, 4.0]])
    a += b
    return a.requires_grad, type(a.grad_fn).__name__, a.is_leaf, a._version


def _elsewhere_no_grad_assignment(m):
    x = float64(m, [[1.0, 2.0], [3.0, 4.0]])
    y = m.tensor([5.0, 6.0], dtype=m.float64)
    with m.no_grad():
        x[0] = y
    return x, x.grad_fn, x.is_leaf, x._version


def _elsewhere_backward_with_inputs(m):
    x, w = float64(m, [1.0, 2.0]), float64(m, [3.0, 4.0])
    (x * w).sum().backward(inputs=[w])
    (x * w).sum().backward(inputs=w)
    return x.grad, w.grad


def _elsewhere_dont_materialize_grads(m):
    received = []

    class Both(m.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.set_materialize_grads(False)
            return t * 2, t * 3

        @staticmethod
        def backward(ctx, ga, gb):
            received.append((ga is None, gb is None))
            return (ga * 2 if ga is not None else 0) + (gb * 3 if gb is not None else 0)

    x = float64(m, [1.0])
    a, _ = Both.apply(x)
    a.sum().backward()
    return received, x.grad


def _elsewhere_mark_non_differentiable(m):
    class WithIndicator(m.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            indicator = (t > 0).to(t.dtype)
            ctx.mark_non_differentiable(indicator)
            return t * 1, indicator

        @staticmethod
        def backward(ctx, g, g_indicator):
            return g + g_indicator

    x = float64(m, [1.0, -2.0])
    out, indicator = WithIndicator.apply(x)
    (out.sum() + indicator.sum()).backward()
    return out.requires_grad, indicator.requires_grad, indicator.grad_fn is None, x.grad


def _elsewhere_mark_non_differentiable_marked_output(m):
    class Indices(m.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            result = t * 2
            ctx.mark_non_differentiable(result)
            return result

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = float64(m, [1.0])
    y = Indices.apply(x)
    try:
        y.sum().backward()
        error = None
    except RuntimeError as e:
        error = str(e)
    return y.requires_grad, error


def _elsewhere_function_returns_input(m):
    class Identity(m.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = float64(m, [1.0, 2.0])
    y = Identity.apply(x)
    y.sum().backward()
    with m.no_grad():
        z = Identity.apply(x)
    return y is x, type(y.grad_fn).__name__, x.grad, z is x, y._version == x._version


def _elsewhere_grad_nonleaf(m):
    x = float64(m, [1.0, 2.0])
    y = x * x
    z = (y * 3).sum()
    g, = m.autograd.grad(z, y)
    return g, x.grad, y.grad_fn is not None


def _elsewhere_hook_returning_none_and_remove(m):
    log = []
    x = float64(m, [1.0, 2.0])
    h1 = x.register_hook(lambda g: log.append(g.tolist()))
    h2 = x.register_hook(lambda g: g * 2)
    (x * 3).sum().backward()
    h2.remove()
    h2.remove()
    (x * 3).sum().backward()
    h1.remove()
    return log, x.grad


def _elsewhere_hook_on_no_grad_tensor(m):
    try:
        m.ones(2).register_hook(lambda g: g)
    except RuntimeError as e:
        return str(e)


def _elsewhere_detach_in_place(m):
    x = float64(m, [1.0])
    y = x * 2
    y.detach_()
    z = x.detach()
    return y.requires_grad, y.grad_fn, y.is_leaf, z.requires_grad, z._version == x._version


def _elsewhere_retain_grad_in_place(m):
    x = float64(m, [1.0, 2.0])
    y = x * 1
    y.retain_grad()
    y.mul_(2)
    (y * y).sum().backward()
    return y.grad, x.grad


def _elsewhere_accumulate_create_graph(m):
    x = float64(m, [1.0, 2.0])
    with warnings.catch_warnings():            # PyTorch warns of the reference cycle .grad makes
        warnings.simplefilter("ignore", UserWarning)
        (x * x).sum().backward(create_graph=True)
        first = x.grad
        (x * x).sum().backward(create_graph=True)
    return first, x.grad, x.grad.requires_grad, type(x.grad.grad_fn).__name__, first is x.grad


def _elsewhere_grad_unreachable(m):
    x, y = float64(m, [1.0]), float64(m, [2.0])
    z = x * 2
    try:
        m.autograd.grad(z.sum(), [x, y])
    except RuntimeError as e:
        first = str(e)
    return first, m.autograd.grad(z.sum(), [x, y], allow_unused=True)


def _elsewhere_set_grad_enabled_nested(m):
    x = float64(m, [1.0])
    with m.set_grad_enabled(False):
        with m.enable_grad():
            y = x * 2
        z = x * 2
    return y.requires_grad, z.requires_grad, m.is_grad_enabled()


def _elsewhere_leaf_requires_grad_false_non_leaf(m):
    y = float64(m, [1.0]) * 2
    try:
        y.requires_grad = False
    except RuntimeError as e:
        return str(e)


def _elsewhere_grad_of_leaf_that_requires_no_grad(m):
    x = m.ones(2, dtype=m.float64)
    w = float64(m, [1.0, 2.0])
    try:
        m.autograd.grad((x * w).sum(), x)
    except RuntimeError as e:
        return str(e)


def _elsewhere_backward_non_scalar(m):
    try:
        (float64(m, [1.0, 2.0]) * 2).backward()
    except RuntimeError as e:
        return str(e)


def _elsewhere_backward_grad_shape_mismatch(m):
    try:
        (float64(m, [1.0, 2.0]) * 2).backward(m.ones(3, dtype=m.float64))
    except RuntimeError as e:
        return str(e)


def _elsewhere_inplace_on_view_of_leaf(m):
    x = float64(m, [1.0, 2.0])
    try:
        x[0].mul_(2)
    except RuntimeError as e:
        return str(e)



def _elsewhere_grad_fn_next_functions_of_expand(m):
    x = float64(m, [[1.0], [2.0]])
    return [type(n).__name__ for n, _ in (x.expand(2, 3) * 2).grad_fn.next_functions]


def _elsewhere_backward_on_leaf(m):
    x = float64(m, [1.0, 2.0])
    x.backward(m.ones(2, dtype=m.float64))
    return x.grad


def _elsewhere_grad_with_grad_outputs_none_scalar(m):
    x = float64(m, 2.0)
    return m.autograd.grad(x * x, x, None)


def _elsewhere_requires_grad_on_int_leaf(m):
    try:
        m.tensor([1, 2], requires_grad=True)
    except RuntimeError as e:
        return str(e)


def _elsewhere_no_grad_inside_enable_grad_decorated(m):
    @m.enable_grad()
    def f(t):
        return t * 2

    x = float64(m, [1.0])
    with m.no_grad():
        y = f(x)
    return y.requires_grad


def _elsewhere_clone_of_leaf(m):
    x = float64(m, [1.0])
    y = x.clone()
    y.sum().backward()
    return type(y.grad_fn).__name__, x.grad, y.is_leaf


def _elsewhere_zero_grad_set_to_none(m):
    net = m.nn.Linear(2, 1)
    net(m.ones(1, 2)).sum().backward()
    net.zero_grad()
    first = [p.grad for p in net.parameters()]
    net(m.ones(1, 2)).sum().backward()
    net.zero_grad(set_to_none=False)
    return first, [p.grad.tolist() for p in net.parameters()]


def _elsewhere_grad_accumulator_identity(m):
    x = float64(m, [1.0])
    a = (x * 2).grad_fn.next_functions[0][0]
    b = (x * 3).grad_fn.next_functions[0][0]
    return a is b


def _elsewhere_version_on_views(m):
    x = m.ones(4)
    v = x[1:3]
    v.add_(1)
    t = x.t() if x.dim() == 2 else x.view(2, 2)
    t.mul_(2)
    return x._version, v._version, t._version, x


def _elsewhere_index_put_backward(m):
    x = float64(m, [1.0, 2.0, 3.0])
    y = x * 1
    y[m.tensor([0, 2])] = float64(m, [5.0, 6.0], False)
    y.sum().backward()
    return x.grad, type(y.grad_fn).__name__


def _elsewhere_hook_changes_grad_of_shared_input(m):
    x = float64(m, [1.0])
    y = x * 2
    y.register_hook(lambda g: g * 0)
    (y + y * 3).sum().backward()
    return x.grad


def _elsewhere_non_leaf_grad_is_none_without_retain(m):
    x = float64(m, [1.0])
    y = x * 2
    y.backward()
    return y.retains_grad, y.requires_grad


def _elsewhere_gradcheck_of_a_wrong_backward(m):
    WrongCube = cube_function(m, decorate_backward=lambda backward: lambda ctx, g: g * ctx.saved_tensors[0])
    x = float64(m, [1.0, 2.0])
    try:
        m.autograd.gradcheck(WrongCube.apply, x)
    except Exception as error:                 # noqa: BLE001 -- its type is what is compared
        raised = type(error).__name__, str(error).split("\n")[0]
    return raised, m.autograd.gradcheck(WrongCube.apply, x, raise_exception=False)


def _elsewhere_once_differentiable_with_a_number_input(m):
    class Scale(m.autograd.Function):
        @staticmethod
        def forward(ctx, t, k):
            ctx.save_for_backward(t)
            ctx.k = k
            return t * t * k

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, g):
            t, = ctx.saved_tensors
            return g * 2 * t * ctx.k, None

    x = float64(m, [1.0, 2.0])
    first, = m.autograd.grad(Scale.apply(x, 3.0).sum(), x, create_graph=True)
    return first, first.requires_grad, type(first.grad_fn).__name__, observe(
        lambda _: m.autograd.grad(first.sum(), x), m)


def _elsewhere_gradcheck_float32_warns(m):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ok = m.autograd.gradcheck(lambda t: t * 2, m.ones(2, requires_grad=True), raise_exception=False)
    return ok, [str(x.message)[:50] for x in w]


def _elsewhere_grads_batched(m):
    x, w, unused = float64(m, [1.0, 2.0]), float64(m, [3.0]), float64(m, [1.0])
    y = x * x * w
    rows = [m.autograd.grad(y, [x, w], m.eye(2, dtype=m.float64), is_grads_batched=True, retain_graph=True),
            m.autograd.grad(y, [x, unused], m.eye(2, dtype=m.float64), is_grads_batched=True,
                            allow_unused=True, create_graph=True)]
    a, b = x * 2, x * 3
    rows.append(m.autograd.grad([a, b], x, [m.ones(2, 2, dtype=m.float64), m.eye(2, dtype=m.float64)],
                                is_grads_batched=True))
    rows.append(rows[1][0].requires_grad)
    try:
        m.autograd.grad(y, x, m.ones(3, 2, dtype=m.float64), is_grads_batched=True)
        m.autograd.grad(y, x, m.ones(3, 2, dtype=m.float64), is_grads_batched=True)
    except RuntimeError as error:
        rows.append(str(error)[:40])            # the graph is freed after the last entry
    return rows

ELSEWHERE_CASES = {name[len("_elsewhere_"):]: case for name, case in list(globals().items())
                   if name.startswith("_elsewhere_")}


@pytest.mark.parametrize("name", sorted(ELSEWHERE_CASES))
def test_cases_from_tutorials_and_test_suites_as_pytorch(name):
    assert_same(ELSEWHERE_CASES[name])


# ---------------------------------------------------------------------------------------------
# Node names
# ---------------------------------------------------------------------------------------------
def test_node_names_of_fill_and_unbind():
    def case(lib):
        x = float64(lib, [[1.0, 2.0], [3.0, 4.0]])
        first, second = x.unbind(1)
        shared = first.grad_fn is second.grad_fn
        row, _ = x * 1                                   # iterating unbinds, as in PyTorch
        return (type((x * 1).fill_(2).grad_fn).__name__,
                type((x * 1).fill_(lib.tensor(2.0, dtype=lib.float64)).grad_fn).__name__,
                type(first.grad_fn).__name__, shared, len(first.grad_fn.next_functions),
                type(row.grad_fn).__name__,
                first._version == x._version)

    assert assert_same(case)[:3] == ["FillBackward2", "FillBackward3", "UnbindBackward0"]


# ---------------------------------------------------------------------------------------------
# Calling nodes
# ---------------------------------------------------------------------------------------------
def cube_function(lib, decorate_backward=None, grad_modes=None):
    """x ** 3 as a custom Function; ``decorate_backward`` wraps its backward, which appends the
    grad mode it runs in to ``grad_modes`` when given."""

    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        if grad_modes is not None:
            grad_modes.append(lib.is_grad_enabled())
        return grad_output * 3 * x ** 2

    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

    Cube.backward = staticmethod(decorate_backward(backward) if decorate_backward else backward)
    return Cube


def test_a_custom_functions_node_is_not_callable_but_has_apply():
    def case(lib):
        x = float64(lib, 2.0)
        node = cube_function(lib).apply(x).grad_fn
        observed = [callable(node), node.apply(lib.tensor(1.0, dtype=lib.float64))]
        try:
            node(lib.tensor(1.0))
        except TypeError as error:
            observed.append(str(error))
        return observed

    assert assert_same(case)[2] == "'CubeBackward' object is not callable"


def test_a_built_in_node_is_callable():
    def case(lib):
        x, w = float64(lib, 2.0), float64(lib, 3.0, requires_grad=False)
        return callable((x * w).grad_fn), (x * w).grad_fn(lib.tensor(1.0, dtype=lib.float64))

    assert_same(case)


def test_what_nodes_expose_built_in_custom_and_accumulate_grad():
    """PyTorch's C++ nodes (MulBackward0, AccumulateGrad) are callable and have no ``apply``;
    a custom Function's node has ``apply`` and is not callable.  Calling AccumulateGrad by hand
    adds into ``.grad`` (recorded when grad mode is on) and returns no gradients."""
    def case(lib):
        x = float64(lib, [1.0, 2.0])
        y = (x * 2).exp().sum()
        custom = cube_function(lib).apply(x).grad_fn
        accumulator = y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
        nodes = [y.grad_fn, y.grad_fn.next_functions[0][0], accumulator, custom]
        observed = [(type(n).__name__, callable(n), hasattr(n, "apply"), hasattr(n, "variable"))
                    for n in nodes]
        gradient = lib.ones(2, dtype=lib.float64)
        observed += [accumulator(gradient), x.grad is gradient, x.grad]
        with lib.enable_grad():
            accumulator(lib.ones(2, dtype=lib.float64, requires_grad=True) * 3)
        observed += [x.grad, type(x.grad.grad_fn).__name__]
        for call in (lambda: accumulator(), lambda: accumulator(gradient, gradient)):
            try:
                call()
            except TypeError as error:
                observed.append(str(error))
        return observed

    observed = assert_same(case)
    assert [row[1:3] for row in observed[:4]] == [[True, False]] * 3 + [[False, True]]


def test_a_custom_functions_ctx_is_a_node_of_its_class_even_when_nothing_is_recorded():
    """Under no_grad, or with no input that requires grad, forward still gets a ``CubeBackward``
    ctx (no edges, nothing kept); ``needs_input_grad`` still says which inputs require grad, and
    ``saved_tensors`` read inside forward is empty."""
    def case(lib):
        seen = []

        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, factor):
                ctx.save_for_backward(x)
                seen.append((type(ctx).__name__, ctx.name(), ctx.needs_input_grad, ctx.saved_tensors,
                             isinstance(ctx, lib.autograd.function.FunctionCtx),
                             isinstance(ctx, lib.autograd.graph.Node), callable(ctx), hasattr(ctx, "apply")))
                seen.append(ctx)
                return x * factor

            @staticmethod
            def backward(ctx, grad_output):
                return grad_output * 2, None

        x = float64(lib, [1.0, 2.0])
        recorded = Scale.apply(x, 2.0)
        with lib.no_grad():
            untracked = Scale.apply(x, 2.0)
        plain_input = Scale.apply(lib.ones(2, dtype=lib.float64), 2.0)
        contexts = seen[1::2]
        return (seen[0::2], [len(c.next_functions) for c in contexts], [c.saved_tensors for c in contexts],
                contexts[0] is recorded.grad_fn, untracked.grad_fn, plain_input.requires_grad,
                [c.metadata for c in contexts[1:]])

    observed = assert_same(case)
    assert [row[0] for row in observed[0]] == ["ScaleBackward"] * 3


# ---------------------------------------------------------------------------------------------
# What a custom Function's backward receives and may return
# ---------------------------------------------------------------------------------------------
def test_backward_receives_none_for_a_non_tensor_output_and_zeros_for_an_unused_one():
    def case(lib):
        received = []

        class DoubleAndTriple(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, "a label", x * 3

            @staticmethod
            def backward(ctx, grad_double, grad_label, grad_triple):
                received.extend([grad_double, grad_label, grad_triple])
                return grad_double * 2 + grad_triple * 3

        x = float64(lib, [1.0, 2.0])
        double, label, _ = DoubleAndTriple.apply(x)
        double.sum().backward()
        return label, received, x.grad

    assert assert_same(case)[1][1] is None


def test_backward_may_return_extra_trailing_nones_but_not_extra_gradients():
    def case(lib):
        def function(extra):
            class Scale(lib.autograd.Function):
                @staticmethod
                def forward(ctx, x, factor):
                    ctx.factor = factor
                    return x * factor

                @staticmethod
                def backward(ctx, grad_output):
                    return (grad_output * ctx.factor, None) + extra

            return Scale

        x = float64(lib, [1.0, 2.0])
        grads = [lib.autograd.grad(function((None, None)).apply(x, 3.0).sum(), x)]
        for extra in [(x,), ()]:
            try:
                grads.append(lib.autograd.grad(function(extra).apply(x, 3.0).sum(), x))
            except RuntimeError as error:
                grads.append(str(error))
        return grads

    observed = assert_same(case)
    assert "incorrect number of gradients (expected 2, got 3)" in observed[1]


def test_a_custom_functions_node_has_edges_for_its_tensor_inputs_only():
    """A number or a string passed to ``apply`` gets no edge; backward still returns one gradient
    per forward input, and a non-None one for a non-Tensor input is refused."""
    def case(lib):
        def function(returned):
            class Scale(lib.autograd.Function):
                @staticmethod
                def forward(ctx, factor, x, label, w):
                    return x * factor * w

                @staticmethod
                def backward(ctx, grad_output):
                    return returned(grad_output)

            return Scale

        x, w = float64(lib, [1.0, 2.0]), float64(lib, [3.0, 4.0], requires_grad=False)
        observed = []
        for returned in (lambda g: (None, g * 3, None, None), lambda g: (None, g * 3, None, None, None),
                         lambda g: (g, g * 3, None, None), lambda g: (None, g * 3, 1.0, None),
                         lambda g: (None, g * 3), lambda g: g * 3):
            y = function(returned).apply(3.0, x, "label", w)
            observed.append(([type(n).__name__ for n, _ in y.grad_fn.next_functions],
                             y.grad_fn.needs_input_grad))
            try:
                observed.append(lib.autograd.grad(y.sum(), x))
            except RuntimeError as error:
                observed.append(str(error))
        return observed

    observed = assert_same(case)
    assert observed[0] == [["AccumulateGrad", "NoneType"], [False, True, False, False]]


def test_materialized_gradients_under_create_graph_require_grad():
    def case(lib):
        x, unused = float64(lib, [1.0, 2.0]), float64(lib, [3.0])
        results = []
        for create_graph in (False, True):
            for out in ((x * x).sum(), (x * 2).sum()):
                results.append(lib.autograd.grad(out, [x, unused], materialize_grads=True,
                                                 create_graph=create_graph))
        return results

    assert assert_same(case)[3][1] == ("tensor", [0.0], True)


# ---------------------------------------------------------------------------------------------
# Hooks
# ---------------------------------------------------------------------------------------------
def _values(grads):
    return [None if g is None else g.tolist() for g in grads]


def test_hooks_on_a_leafs_accumulate_grad_node_run_after_the_leafs_own_hooks():
    def case(lib):
        log = []
        x = float64(lib, [1.0, 2.0])
        y = (x * 3).sum()
        accumulator = y.grad_fn.next_functions[0][0].next_functions[0][0]
        accumulator.register_prehook(lambda grads: log.append(("pre", _values(grads))))
        accumulator.register_hook(lambda grads_in, grads_out: log.append(
            ("post", _values(grads_in), _values(grads_out))))
        x.register_hook(lambda grad: log.append(("tensor", grad.tolist())))
        y.backward(retain_graph=True)
        log.append(("grad", x.grad.tolist()))
        lib.autograd.grad(y, x)                    # grad() runs the leaf's hook, not its node's
        return type(accumulator).__name__, log

    observed = assert_same(case)
    assert [entry[0] for entry in observed[1]] == ["tensor", "pre", "post", "grad", "tensor"]


def test_a_leafs_hooks_change_what_grad_and_backward_with_inputs_return():
    def case(lib):
        z = float64(lib, [1.0, 2.0])
        z.register_hook(lambda grad: grad * 10)
        w = (z * z).sum()
        returned = lib.autograd.grad(w, z, retain_graph=True)
        w.backward(inputs=[z])
        return returned, z.grad

    assert assert_same(case)[1][1] == [20.0, 40.0]


def test_a_hook_on_an_unused_output_of_a_multi_output_node_gets_none():
    def case(lib):
        log = []
        a = float64(lib, [[1.0, 2.0], [3.0, 4.0]])
        first, second = a.unbind()
        first.register_hook(lambda grad: log.append(("first", None if grad is None else grad.tolist())))
        second.register_hook(lambda grad: log.append(("second", None if grad is None else grad.tolist())))
        (second * 2).sum().backward()
        return log, a.grad

    assert assert_same(case)[0][0] == ["first", None]


def test_post_accumulate_grad_hooks():
    def case(lib):
        log = []
        p = float64(lib, [1.0, 2.0])
        handle = p.register_post_accumulate_grad_hook(lambda leaf: log.append((leaf.grad.tolist(), leaf is p)))
        (p * p).sum().backward()
        (p * p).sum().backward()
        lib.autograd.grad((p * p).sum(), p)        # no .grad accumulated: no call
        handle.remove()
        (p * p).sum().backward()
        errors = []
        for tensor in (p * 1, lib.tensor([1.0])):
            try:
                tensor.register_post_accumulate_grad_hook(lambda leaf: None)
            except RuntimeError as error:
                errors.append(str(error))
        return log, errors

    assert len(assert_same(case)[0]) == 2


# ---------------------------------------------------------------------------------------------
# Random programs: values, gradients and Hessian-vector products against PyTorch, with the
# piecewise-linear ops whose backward PyTorch records too (relu, abs, clamp, max, where ...)
# ---------------------------------------------------------------------------------------------
UNARY_STEPS = {
    "relu": lambda m, a: a.relu(),
    "relu_shifted": lambda m, a: m.relu(a - 0.3),
    "abs": lambda m, a: a.abs(),
    "clamp": lambda m, a: a.clamp(-0.5, 0.5),
    "square": lambda m, a: a * a,
    "tanh": lambda m, a: a.tanh(),
    "sin": lambda m, a: a.sin(),
    "sigmoid": lambda m, a: a.sigmoid(),
    "max_pool": lambda m, a: m.nn.functional.max_pool2d(a[None, None], (1, 3), stride=1, padding=(0, 1))[0, 0],
    "row_max": lambda m, a: a.max(dim=1, keepdim=True)[0] * a,
    "norm_p1": lambda m, a: a.norm(p=1) * a,
    "leaky_relu": lambda m, a: m.nn.functional.leaky_relu(a, 0.2),
    "leaky_relu_negative": lambda m, a: m.nn.functional.leaky_relu(a, -0.3),
    "hardtanh": lambda m, a: m.nn.functional.hardtanh(a, -0.6, 0.4),
    "relu6": lambda m, a: m.nn.functional.relu6(a * 5),
    "clamp_min": lambda m, a: a.clamp(min=0.2),
    "masked_fill": lambda m, a: a.masked_fill(a < -0.5, 0.25),
    "mask_index": lambda m, a: (a * a[a > 0].sum()),
}
BINARY_STEPS = {
    "add": lambda m, a, b: a + b,
    "mul": lambda m, a, b: a * b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "where": lambda m, a, b: m.where(a > b, a * b, b - a),
}


def _run_program(lib, program, values, direction):
    """The program's value, gradient (requires_grad flags too) and Hessian-vector product."""
    leaves = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in values]
    pool = list(leaves)
    for name, operands in program:
        step = UNARY_STEPS.get(name) or BINARY_STEPS[name]
        pool.append(step(lib, *(pool[i % len(pool)] for i in operands)))
    out = sum(t.sum() for t in pool[len(leaves):])
    grads = lib.autograd.grad(out, leaves, create_graph=True, allow_unused=True,
                              materialize_grads=True)
    dot = sum((g * lib.tensor(d)).sum() for g, d in zip(grads, direction))
    if not dot.requires_grad:
        hvp = [None] * len(leaves)
    else:
        hvp = lib.autograd.grad(dot, leaves, allow_unused=True)
    return (out, [g.requires_grad for g in grads], grads,
            [None if h is None else np.asarray(h.detach().numpy(force=True) if lib is torch
                                               else h.detach()._data).tolist() for h in hvp])


def _programs():
    from hypothesis import strategies as st

    step = st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY_STEPS)), st.tuples(st.integers(0, 20))),
        st.tuples(st.sampled_from(sorted(BINARY_STEPS)), st.tuples(st.integers(0, 20), st.integers(0, 20))))
    return st.lists(step, min_size=1, max_size=6)


def test_random_programs_through_piecewise_linear_ops_against_torch():
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    @hypothesis.settings(max_examples=40, deadline=None, derandomize=True)
    @hypothesis.given(program=_programs(), seed=st.integers(0, 2 ** 16))
    def check(program, seed):
        _compare_program(program, seed)

    check()


def _compare_program(program, seed):
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-1.5, 1.5, (2, 3)) for _ in range(2)]
    direction = [rng.standard_normal((2, 3)) for _ in range(2)]
    ours = plain(_run_program(autograd_core, program, values, direction))
    theirs = plain(_run_program(torch, program, values, direction))
    assert ours[:3] == theirs[:3], program
    for h_ours, h_theirs in zip(ours[3], theirs[3]):
        zero = np.zeros((2, 3))
        np.testing.assert_allclose(zero if h_ours is None else h_ours,
                                   zero if h_theirs is None else h_theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(UNARY_STEPS) + sorted(BINARY_STEPS))
def test_every_step_of_the_random_programs_alone_and_composed(name):
    """Each step surely met: on the leaves, on a product of them (so its second derivative is not
    trivially zero), and fed into a square."""
    operands = (2,) if name in UNARY_STEPS else (2, 0)
    for seed in range(3):
        _compare_program([(name, (0,) if name in UNARY_STEPS else (0, 1))], seed)
        _compare_program([("mul", (0, 1)), (name, operands), ("square", (3,))], seed)


# ---------------------------------------------------------------------------------------------
# API met in tutorials: new-style Functions, once_differentiable, decorated generators, del .grad
# ---------------------------------------------------------------------------------------------
def test_new_style_function_with_setup_context():
    def case(lib):
        log = []

        class Product(lib.autograd.Function):
            @staticmethod
            def forward(a, b):
                return a * b

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(*inputs)
                log.append(("setup", output.tolist()))

            @staticmethod
            def backward(ctx, grad_output):
                a, b = ctx.saved_tensors
                return grad_output * b, grad_output * a

        a, b = float64(lib, [1.0, 2.0]), float64(lib, [3.0, 4.0])
        y = Product.apply(a, b)
        y.sum().backward()
        with lib.no_grad():
            untracked = Product.apply(a, b)
        return log, y, type(y.grad_fn).__name__, a.grad, b.grad, untracked.requires_grad

    assert_same(case)


def test_once_differentiable_runs_backward_without_grad_and_refuses_a_second_backward():
    def case(lib):
        log = []
        Cube = cube_function(lib, lib.autograd.function.once_differentiable, log)
        x = float64(lib, [1.0, 2.0])
        plain_grad, = lib.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        v = lib.ones(2, dtype=lib.float64, requires_grad=True)
        delayed, = lib.autograd.grad(Cube.apply(x), x, v, create_graph=True)
        log.extend([plain_grad, delayed, type(delayed.grad_fn).__name__, delayed.grad_fn.name()])
        for attempt in (lambda: lib.autograd.grad(delayed.sum(), v), lambda: delayed.sum().backward()):
            try:
                attempt()
            except RuntimeError as error:
                log.append(str(error))
        return log, lib.autograd.function.Function is lib.autograd.Function

    assert "marked with @once_differentiable" in assert_same(case)[0][-1]


def test_grad_mode_decorators_on_generators():
    def case(lib):
        log = []

        @lib.no_grad()
        def numbers(n):
            for i in range(n):
                received = yield i, lib.is_grad_enabled()
                log.append(("received", received, lib.is_grad_enabled()))
            return "done"

        generator = numbers(3)
        log.extend([next(generator), lib.is_grad_enabled(), generator.send("a")])
        try:
            generator.throw(ValueError("thrown in"))
        except ValueError as error:
            log.append((str(error), lib.is_grad_enabled()))

        @lib.set_grad_enabled(False)
        def flags():
            yield lib.is_grad_enabled()
            yield lib.is_grad_enabled()

        @lib.enable_grad
        def enabled():
            yield lib.is_grad_enabled()

        def delegating():
            log.append((yield from numbers(1)))

        with lib.no_grad():
            log.append(list(enabled()))
        log.extend([list(flags()), list(delegating()), lib.is_grad_enabled()])

        @lib.no_grad()
        async def coroutine():                     # PyTorch wraps the call, not the awaited body
            return lib.is_grad_enabled()

        log.append(asyncio.run(coroutine()))
        return log

    assert_same(case)


def test_del_grad():
    def case(lib):
        x = float64(lib, [1.0, 2.0])
        (x * x).sum().backward()
        before = x.grad
        del x.grad
        return before, x.grad

    assert assert_same(case)[1] is None


def test_dropout_zeroes_and_rescales_and_backpropagates_through_the_same_mask():
    autograd_core.manual_seed(0)
    x = autograd_core.ones(2000, dtype=autograd_core.float64, requires_grad=True)
    y = autograd_core.nn.functional.dropout(x, 0.25)
    y.sum().backward()
    kept = y.detach()._data != 0
    assert type(y.grad_fn).__name__ == "MulBackward0"                # as PyTorch 2.x on CPU
    assert np.allclose(y.detach()._data[kept], 1 / 0.75)
    assert np.array_equal(x.grad._data, y.detach()._data)            # same mask and scale
    assert 0.70 < kept.mean() < 0.80


def test_saved_tensors_hooks_pack_what_is_saved_and_unpack_it_in_backward():
    def case(lib):
        log = []

        def pack(tensor):
            log.append(("pack", tensor.tolist()))
            return ("copy", tensor.detach().clone())

        def unpack(packed):
            log.append(("unpack", packed[1].tolist()))
            return packed[1]

        Cube = cube_function(lib)
        x = float64(lib, [1.0, 2.0])
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            cube = Cube.apply(x)
            exp = x.exp()                        # saves its result
            scaled = x * 1                       # saves nothing but the number
            product = Cube.apply(scaled)
        scaled.add_(1)                           # the hooks own the saved copy: no version error
        (cube.sum() + exp.sum() + product.sum()).backward()
        log.append(x.grad)
        with lib.autograd.graph.saved_tensors_hooks(pack, lambda packed: 3):
            broken = Cube.apply(x)
        try:
            broken.sum().backward()
        except TypeError as error:
            log.append(str(error))
        return log

    observed = assert_same(case)
    assert [entry[0] for entry in observed[:3]] == ["pack", "pack", "pack"]


def test_inference_mode_makes_inference_tensors_that_autograd_refuses():
    def case(lib):
        log = [lib.is_inference_mode_enabled()]
        x = float64(lib, [1.0, 2.0])
        with lib.inference_mode():
            log.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
            y, made = x * 2, lib.ones(2)
            log.append((y.requires_grad, y.grad_fn is None, y.is_inference(), made.is_inference(),
                        x.is_inference()))
            with lib.inference_mode(False):
                log.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled(), lib.ones(2).is_inference()))
            y.add_(1)                                            # in place inside: allowed
        log.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled(), y.tolist()))
        for attempt in (lambda: (y * x).sum(), lambda: (y + x).sum(), lambda: y.add_(1),
                        lambda: (y.clone() * x).is_inference()):
            try:
                log.append(attempt())
            except RuntimeError as error:
                log.append(str(error))

        @lib.inference_mode()
        def doubled(t):
            return t * 2, lib.is_inference_mode_enabled()

        @lib.inference_mode
        def doubled_is_inference(t):
            return (t * 2).is_inference()

        with lib.no_grad():
            log.append((x * 2).is_inference())
        log.append((doubled(x)[0].requires_grad, doubled(x)[1], doubled_is_inference(x)))
        return log

    observed = assert_same(case)
    assert observed[5].startswith("Inference tensors cannot be saved for backward")
