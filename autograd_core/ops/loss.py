"""Losses: mean squared error, negative log-likelihood and binary cross-entropy on logits
(``MseLossBackward0``, ``NllLossBackward0``, ``BinaryCrossEntropyWithLogitsBackward0``)."""
from __future__ import annotations

import numpy as np

from ..function import Op, constant


class MseLoss(Op):
    """out = mean (or sum) of (x - y)**2;   dx = 2 (x - y) g / n,   dy = -dx"""
    node_name = "MseLossBackward0"
    inputs = saves = ("self", "target")

    @staticmethod
    def forward(ctx, input, target, *, reduction):
        ctx.reduction = reduction
        difference = input - target
        squared = difference * difference
        ctx.count = squared.size
        return squared.mean() if reduction == "mean" else (squared.sum() if reduction == "sum" else squared)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        scale = 2.0 / ctx.count if ctx.reduction == "mean" else 2.0
        grad_input = (input - target) * grad * scale
        return (grad_input if ctx.needs_input_grad[0] else None,
                -grad_input if ctx.needs_input_grad[1] else None)


class NllLoss(Op):
    """out = -sum_i w[t_i] x[i, t_i] / sum_i w[t_i] (mean);   dx = -w[t_i] g / sum w at [i, t_i], 0 elsewhere"""
    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, input, *, target, weight, reduction, ignore_index):
        unbatched = input.ndim == 1
        scores = input[None] if unbatched else input                    # N, C, d1, ...
        target = np.asarray(target).reshape((1,) if unbatched else np.shape(target))
        classes = scores.shape[1]
        ignored = target == ignore_index
        safe_target = np.where(ignored, 0, target)
        out_of_bounds = (safe_target < 0) | (safe_target >= classes)
        if out_of_bounds.any():
            raise IndexError(f"Target {safe_target[out_of_bounds].flat[0]} is out of bounds.")
        weights = np.ones(target.shape) if weight is None else weight[safe_target]
        weights = np.where(ignored, 0, weights).astype(input.dtype)
        picked = np.take_along_axis(scores, np.expand_dims(safe_target, 1), axis=1)[:, 0]
        losses = -picked * weights
        denominator = weights.sum() if reduction == "mean" else 1
        # dloss/dscores: -w / denominator at each sample's target class, 0 elsewhere
        coefficient = np.zeros(scores.shape, dtype=input.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):    # every target ignored: nan, as PyTorch
            np.put_along_axis(coefficient, np.expand_dims(safe_target, 1),
                              np.expand_dims(-weights / denominator, 1), axis=1)
            total = losses.sum() / denominator
        ctx.coefficient = coefficient.reshape(input.shape)
        ctx.reduction = reduction
        if reduction == "none":
            return losses.reshape(()) if unbatched else losses
        return total

    @staticmethod
    def backward(ctx, grad):
        coefficient = constant(ctx.coefficient)
        if ctx.reduction == "none" and coefficient.dim() > 1:
            grad = grad.unsqueeze(1)                      # one gradient per sample, over its classes
        return (grad * coefficient,)


class BinaryCrossEntropyWithLogits(Op):
    """out = w ((1 - y) x + c softplus(-x)), c = 1 + (p - 1) y, reduced;
    dx = g w (c sigmoid(x) - p y),   dy = g w ((p - 1) softplus(-x) - x)"""
    node_name = "BinaryCrossEntropyWithLogitsBackward0"
    inputs = saves = ("self", "target")

    @staticmethod
    def forward(ctx, input, target, *, weight, pos_weight, reduction):
        ctx.weight, ctx.pos_weight, ctx.reduction = weight, pos_weight, reduction
        softplus_of_negative = np.logaddexp(0.0, -input)           # log(1 + e^-x), without overflow
        scale = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * target
        losses = (1.0 - target) * input + scale * softplus_of_negative
        if weight is not None:
            losses = losses * weight
        ctx.count = losses.size
        if reduction == "none":
            return losses.astype(input.dtype, copy=False)
        return np.asarray(losses.mean() if reduction == "mean" else losses.sum(), dtype=input.dtype)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        if ctx.reduction == "mean":
            grad = grad / ctx.count
        if ctx.weight is not None:
            grad = grad * constant(ctx.weight)
        pos_weight = 1.0 if ctx.pos_weight is None else constant(ctx.pos_weight)
        grad_input = grad_target = None
        if ctx.needs_input_grad[0]:
            scale = 1.0 if ctx.pos_weight is None else 1.0 + (pos_weight - 1.0) * target
            grad_input = grad * (input.sigmoid() * scale - pos_weight * target)
        if ctx.needs_input_grad[1]:
            softplus_of_negative = (-input).relu() + (1.0 + (-input.abs()).exp()).log()
            grad_target = grad * ((pos_weight - 1.0) * softplus_of_negative - input)
        return grad_input, grad_target
