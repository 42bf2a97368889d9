"""User errors: PyTorch's exception types and wording, for the error list of api-surface.md and the
shape errors.  Each scenario runs on autograd_core; with torch installed, on torch too, and the
type and message prefix must agree."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

pytestmark = pytest.mark.filterwarnings("error")


def _scalar_implicit(lib):
    lib.tensor([1.0, 2.0], requires_grad=True).mul(2).backward()


def _second_time(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _no_grad_fn(lib):
    (lib.tensor([1.0, 2.0]) * 2).sum().backward()


def _leaf_in_place(lib):
    lib.tensor([1.0, 2.0], requires_grad=True).add_(1)


def _modified(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


def _numpy(lib):
    lib.tensor([1.0, 2.0], requires_grad=True).numpy()


def _requires_grad_non_leaf(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).requires_grad = False


def _int_requires_grad(lib):
    lib.tensor([1, 2], requires_grad=True)


def _int_requires_grad_(lib):
    lib.tensor([1, 2]).requires_grad_()


def _unused(lib):
    x = lib.tensor([1.0], requires_grad=True)
    z = lib.tensor([1.0], requires_grad=True)
    lib.autograd.grad((x * 2).sum(), [x, z])


def _gradient_shape(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(lib.ones(3))


def _matmul_shapes(lib):
    lib.ones(2, 3) @ lib.ones(4, 5)


def _mm_shapes(lib):
    lib.ones(2, 3).mm(lib.ones(2, 3))


def _broadcast(lib):
    lib.ones(2, 3) + lib.ones(4, 5)


def _broadcast_3d(lib):
    lib.ones(2, 3, 4) * lib.ones(3, 1, 5)


def _view_invalid(lib):
    lib.ones(2, 3).view(4)


def _expand_invalid(lib):
    lib.ones(2, 3).expand(4, 3)


def _item_many(lib):
    lib.ones(2).item()


def _index_out_of_range(lib):
    lib.ones(2, 3)[5]


def _dim_out_of_range(lib):
    lib.ones(2, 3).sum(2)


def _dot_sizes(lib):
    lib.ones(3).dot(lib.ones(2))


def _mv_sizes(lib):
    lib.ones(2, 3).mv(lib.ones(2))


def _mv_of_a_vector(lib):
    lib.ones(3).mv(lib.ones(2))


def _mean_of_ints(lib):
    lib.tensor([1, 2]).mean()


def _bool_ambiguous(lib):
    bool(lib.ones(2) > 0)


def _cat_sizes(lib):
    lib.cat([lib.ones(1, 3), lib.ones(1, 2)])


def _stack_sizes(lib):
    lib.stack([lib.ones(3), lib.ones(2)])


def _grad_assign_shape(lib):
    x = lib.ones(2, requires_grad=True)
    x.grad = lib.ones(3)


def _int_negative_power(lib):
    lib.tensor([2, 3]) ** -1


def _setitem_shape(lib):
    a = lib.zeros(3, 2)
    a[0] = lib.ones(3)


def _grad_of_non_scalar(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    lib.autograd.grad(x * 2, x)


def _t_3d(lib):
    lib.ones(2, 2, 2).t()


def _view_of_leaf_in_place(lib):
    x = lib.ones(3, requires_grad=True)
    x[0].add_(1)


def _invalid_gradient_index(lib):
    # two inputs of the same shape and dtype: the message must name the second one
    class Wrong(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad, lib.ones(3)

    a = lib.ones(2, requires_grad=True)
    Wrong.apply(a, lib.ones(2, requires_grad=True)).sum().backward()


def _add_one_in_place(lib):
    class AddOne(lib.autograd.Function):          # PyTorch's own mark_dirty example
        @staticmethod
        def forward(ctx, x):
            x.numpy()[...] += 1
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    return AddOne


def _dirty_saved(lib):
    a = lib.tensor(1.0, requires_grad=True, dtype=lib.double).clone()
    b = a * a
    _add_one_in_place(lib).apply(a)
    b.backward()


def _dirty_leaf(lib):
    _add_one_in_place(lib).apply(lib.ones(2, requires_grad=True))


def _dirty_not_returned(lib):
    class Forgets(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.mark_dirty(x)
            return y * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    Forgets.apply(lib.ones(2, requires_grad=True).clone(), lib.ones(2, requires_grad=True))


SCENARIOS = {
    "implicit grad of non-scalar": (_scalar_implicit, RuntimeError, "grad can be implicitly created only for scalar outputs"),
    "backward a second time": (_second_time, RuntimeError, "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True"),
    "no grad_fn": (_no_grad_fn, RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn"),
    "leaf in place": (_leaf_in_place, RuntimeError, "a leaf Variable that requires grad is being used in an in-place operation."),
    "modified by an inplace operation": (_modified, RuntimeError, "one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [2]], which is output 0 of Exp, is at version 1; expected version 0 instead."),
    "numpy of requires_grad": (_numpy, RuntimeError, "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."),
    "requires_grad of non-leaf": (_requires_grad_non_leaf, RuntimeError, "you can only change requires_grad flags of leaf variables."),
    "int requires_grad": (_int_requires_grad, RuntimeError, "Only Tensors of floating point and complex dtype can require gradients"),
    "int requires_grad_": (_int_requires_grad_, RuntimeError, "only Tensors of floating point dtype can require gradients"),
    "unused input": (_unused, RuntimeError, "The differentiated Tensor at index 1 appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior."),
    "gradient of the wrong shape": (_gradient_shape, RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape of torch.Size([2])."),
    "matmul shapes": (_matmul_shapes, RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    "mm shapes": (_mm_shapes, RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    "broadcast": (_broadcast, RuntimeError, "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1"),
    "broadcast 3d": (_broadcast_3d, RuntimeError, "The size of tensor a (4) must match the size of tensor b (5) at non-singleton dimension 2"),
    "view invalid": (_view_invalid, RuntimeError, "shape '[4]' is invalid for input of size 6"),
    "expand invalid": (_expand_invalid, RuntimeError, "The expanded size of the tensor (4) must match the existing size (2) at non-singleton dimension 0.  Target sizes: [4, 3].  Tensor sizes: [2, 3]"),
    "item of many": (_item_many, RuntimeError, "a Tensor with 2 elements cannot be converted to Scalar"),
    "index out of range": (_index_out_of_range, IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
    "dim out of range": (_dim_out_of_range, IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "dot sizes": (_dot_sizes, RuntimeError, "inconsistent tensor size, expected tensor [3] and src [2] to have the same number of elements, but got 3 and 2 elements respectively"),
    "mv sizes": (_mv_sizes, RuntimeError, "size mismatch, got input (2), mat (2x3), vec (2)"),
    "mv of a vector": (_mv_of_a_vector, RuntimeError, "vector + matrix @ vector expected, got 1, 1, 1"),
    "mean of ints": (_mean_of_ints, RuntimeError, "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long"),
    "bool ambiguous": (_bool_ambiguous, RuntimeError, "Boolean value of Tensor with more than one value is ambiguous"),
    "cat sizes": (_cat_sizes, RuntimeError, "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for tensor number 1 in the list."),
    "stack sizes": (_stack_sizes, RuntimeError, "stack expects each tensor to be equal size, but got [3] at entry 0 and [2] at entry 1"),
    "grad assign shape": (_grad_assign_shape, RuntimeError, "attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. Please ensure that the gradient and the tensor are the same size"),
    "int to a negative power": (_int_negative_power, RuntimeError, "Integers to negative integer powers are not allowed."),
    "setitem shape": (_setitem_shape, RuntimeError, "The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 0.  Target sizes: [2].  Tensor sizes: [3]"),
    "grad of non-scalar": (_grad_of_non_scalar, RuntimeError, "grad can be implicitly created only for scalar outputs"),
    "t of 3d": (_t_3d, RuntimeError, "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    "invalid gradient index": (_invalid_gradient_index, RuntimeError, "Function WrongBackward returned an invalid gradient at index 1 - got [3] but expected shape compatible with [2]"),
    "mark_dirty bumps the version": (_dirty_saved, RuntimeError, "one of the variables needed for gradient computation has been modified by an inplace operation: [torch.DoubleTensor []], which is output 0 of AddOne, is at version 1; expected version 0 instead."),
    "mark_dirty on a leaf": (_dirty_leaf, RuntimeError, "a leaf Variable that requires grad has been used in an in-place operation."),
    "mark_dirty not returned": (_dirty_not_returned, RuntimeError, "Some elements marked as dirty during the forward method were not returned as output. The inputs that are modified inplace must all be outputs of the Function."),
    "view of a leaf in place": (_view_of_leaf_in_place, RuntimeError, "a view of a leaf Variable that requires grad is being used in an in-place operation."),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_error_message(name):
    scenario, error_type, prefix = SCENARIOS[name]
    with pytest.raises(error_type) as info:
        scenario(ag)
    assert type(info.value) is error_type or issubclass(type(info.value), error_type)
    assert str(info.value).startswith(prefix), str(info.value)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_error_matches_torch(name):
    torch = pytest.importorskip("torch")
    scenario, error_type, prefix = SCENARIOS[name]
    with pytest.raises(Exception) as theirs:
        scenario(torch)
    with pytest.raises(Exception) as ours:
        scenario(ag)
    assert type(ours.value).__name__ == type(theirs.value).__name__
    expected = str(theirs.value).split("\n")[0]
    assert str(ours.value).startswith(expected[:len(prefix)]), (str(ours.value), expected)


def test_shape_errors_name_both_shapes():
    for scenario, shapes in ((_matmul_shapes, ("2x3", "4x5")), (_broadcast, ("(3)", "(5)")),
                             (_gradient_shape, ("[3]", "[2]")), (_mm_shapes, ("2x3", "2x3"))):
        with pytest.raises(RuntimeError) as info:
            scenario(ag)
        assert all(s in str(info.value) for s in shapes), str(info.value)
