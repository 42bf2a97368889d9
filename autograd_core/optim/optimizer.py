"""``Optimizer``: the base of SGD and Adam -- parameter groups, per-parameter state, zero_grad.

An optimizer holds ``param_groups``, a list of dicts, each with its ``"params"`` and its own
settings (``lr``, ``momentum`` ...; missing ones come from the optimizer's ``defaults``), and
``state``, a dict from each parameter to what the update rule remembers about it (a momentum
buffer, Adam's moving averages).  ``step()`` updates every parameter whose ``.grad`` is not None
-- frozen parameters, which never get a gradient, are skipped -- under ``no_grad``.
"""
from __future__ import annotations

import copy
from collections import defaultdict
from typing import Callable, Iterable

from ..grad_mode import enable_grad
from ..nn.parameter import zero_grad
from ..tensor import Tensor


class _Required:
    """Marks a setting that has no default and must be given."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class of all optimizers (PyTorch: ``torch.optim.Optimizer``).

    Subclasses pass their ``defaults`` dict and implement ``step``.
    """

    def __init__(self, params: Iterable, defaults: dict) -> None:
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or "
                            f"dicts, but got {params.type()}")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own settings (e.g. a new head with a larger lr)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        known = {id(p) for existing in self.param_groups for p in existing["params"]}
        if any(id(p) in known for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every optimized parameter: to None (default), or to zeros."""
        zero_grad((param for group in self.param_groups for param in group["params"]), set_to_none)

    def step(self, closure: Callable | None = None):
        raise NotImplementedError

    def _evaluate(self, closure: Callable | None):
        """Run the closure (which recomputes the loss and calls backward) with grad enabled."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ state_dict
    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``: parameters
        are replaced by their position across the groups, so the dict fits a rebuilt model."""
        index_of: dict = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            packed["params"] = [index_of[id(param)] for param in group["params"]]
            groups.append(packed)
        state = {index_of[id(param)]: value for param, value in self.state.items() if id(param) in index_of}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Take settings and state from ``state_dict`` (made by ``state_dict()`` of a same-shaped optimizer)."""
        state_dict = copy.deepcopy(state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(mine["params"]) != len(saved["params"]) for mine, saved in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        param_of = {}
        for mine, saved in zip(self.param_groups, saved_groups):
            param_of.update(zip(saved["params"], mine["params"]))
        self.state = defaultdict(dict)
        for index, value in state_dict["state"].items():
            if index not in param_of:
                continue
            param = param_of[index]
            # moments follow the parameter's dtype; the step counter stays as it was
            self.state[param] = {key: (item.to(param.dtype) if isinstance(item, Tensor) and key != "step"
                                       and item.is_floating_point() else item)
                                 for key, item in value.items()}
        self.param_groups = [dict(saved, params=mine["params"]) for mine, saved in zip(self.param_groups, saved_groups)]

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for index, group in enumerate(self.param_groups):
            text += f"\nParameter Group {index}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"
