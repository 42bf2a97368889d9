"""What a backward pass costs, as a multiple of its forward pass (chapter 4, section 4).

    .venv/bin/python benchmarks/backward_cost.py [--repeats 30]

A stack of linear layers (`x @ W + b`, then `tanh`) on a batch, with the weights requiring
grad: the forward pass records the graph, the backward pass computes the gradients of the
weights, the biases and the input. For each layer the forward pass does one matrix product;
the backward pass does two (`grad @ W.T` for the input, `x.T @ grad` for the weight), so the
expected multiple is about 2. Times are medians of interleaved runs, in one process, on one
thread (the machine is shared); the script prints ratios, as the benchmarks of this folder do.
It is not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import time
from types import ModuleType

WIDTH, BATCH, DEPTH = 512, 256, 4


def forward_and_backward_seconds(torch: ModuleType) -> tuple[float, float]:
    """One forward pass and one backward pass through the stack, timed separately."""
    torch.manual_seed(0)
    weights = [torch.randn(WIDTH, WIDTH, requires_grad=True) for _ in range(DEPTH)]
    biases = [torch.zeros(WIDTH, requires_grad=True) for _ in range(DEPTH)]
    inputs = torch.randn(BATCH, WIDTH, requires_grad=True)
    started = time.perf_counter()
    hidden = inputs
    for weight, bias in zip(weights, biases):
        hidden = torch.tanh(hidden @ weight / WIDTH ** 0.5 + bias)
    loss = hidden.sum()
    forward_done = time.perf_counter()
    loss.backward()
    backward_done = time.perf_counter()
    return forward_done - started, backward_done - forward_done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    repeats = parser.parse_args().repeats
    engines: dict[str, ModuleType] = {}
    try:
        import torch

        torch.set_num_threads(1)
        engines["PyTorch " + torch.__version__] = torch
    except ImportError:
        pass
    import autograd_core

    engines["autograd_core"] = autograd_core
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
    for name, engine in engines.items():            # warm-up
        forward_and_backward_seconds(engine)
    for _ in range(repeats):                         # interleaved
        for name, engine in engines.items():
            timings[name].append(forward_and_backward_seconds(engine))
    print(f"{DEPTH} layers of {WIDTH} x {WIDTH}, batch {BATCH}, float32, median of {repeats}")
    for name, runs in timings.items():
        forward = statistics.median(f for f, _ in runs)
        backward = statistics.median(b for _, b in runs)
        print(f"{name:22} forward {forward * 1e3:7.2f} ms  backward {backward * 1e3:7.2f} ms  "
              f"backward / forward {backward / forward:.2f}x")


if __name__ == "__main__":
    main()
