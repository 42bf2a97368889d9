"""The course's benchmarks: autograd_core against hand-written NumPy and PyTorch, in one process.

    ./course bench            (or: .venv/bin/python benchmarks/run.py [--quick] [--only NAME ...])

Each benchmark runs its contenders interleaved (A, B, C, A, B, C, ...) after a warm-up, and
reports medians, so that a slow spell of the machine hits every contender alike.  Results are
ratios measured in the same run; nothing here is a timed test.  The table goes to stdout, to
docs/benchmarks.md (with a bar chart, docs/benchmarks.png) and into README.md between the
BENCHMARKS markers.  PyTorch is optional: its columns say "not installed" without it.

1. mlp      -- one MLP training step (batch 128, 64-256-256-10, tanh, MSE, SGD), with the BLAS
               threads this process has, then again in a child process with one BLAS thread
2. per_op   -- a chain of 400 elementwise ops on a 16-element tensor, forward and backward
3. resnet18 -- one ResNet-18 training step on 1x3x64x64 (forward, backward, SGD with momentum)
4. memory   -- resident memory over 1,000 MLP steps; peak memory of an evaluation pass with and
               without no_grad
5. course   -- wall time to execute every solution notebook
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
import autograd_core as ag  # noqa: E402

# PyTorch's OpenMP threads spin after each parallel region and would steal the cores from the
# NumPy contender that runs next; passive waiting keeps the interleaved measurements fair.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
try:
    import torch
except ImportError:                 # the oracle is optional
    torch = None

NOT_INSTALLED = "not installed"


def interleaved(contenders: dict, rounds: int, warmup: int = 2) -> dict:
    """Median seconds per call of each contender, run in turn ``rounds`` times after a warm-up."""
    for _ in range(warmup):
        for fn in contenders.values():
            fn()
    times = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


# --------------------------------------------------------------------------- 1. MLP step
SIZES = (64, 256, 256, 10)
BATCH = 128
LR = 0.01


def _mlp_weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.standard_normal((BATCH, SIZES[-1])).astype(np.float32)
    return weights, x, y


def numpy_mlp_step(params: list, x: np.ndarray, y: np.ndarray) -> float:
    """The physical limit: forward, backward and SGD written out by hand in NumPy."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    out = h2 @ w3 + b3
    diff = out - y
    loss = float((diff * diff).mean())
    g_out = diff * (2.0 / diff.size)
    g_w3, g_b3 = h2.T @ g_out, g_out.sum(0)
    g_h2 = (g_out @ w3.T) * (1 - h2 * h2)
    g_w2, g_b2 = h1.T @ g_h2, g_h2.sum(0)
    g_h1 = (g_h2 @ w2.T) * (1 - h1 * h1)
    g_w1, g_b1 = x.T @ g_h1, g_h1.sum(0)
    for p, g in zip(params, (g_w1, g_b1, g_w2, g_b2, g_w3, g_b3)):
        p -= LR * g
    return loss


def make_tensor_mlp_step(lib, params: list, x, y):
    """The same step with a tensor library's autograd (autograd_core or PyTorch)."""
    def step() -> float:
        w1, b1, w2, b2, w3, b3 = params
        h1 = (x @ w1 + b1).tanh()
        h2 = (h1 @ w2 + b2).tanh()
        out = h2 @ w3 + b3
        loss = ((out - y) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss.item()
    return step


def _lib_mlp(lib):
    weights, x, y = _mlp_weights()
    params = [lib.tensor(w, requires_grad=True) for w in weights]
    return make_tensor_mlp_step(lib, params, lib.tensor(x), lib.tensor(y))


# The variables that set the BLAS threads of NumPy (OpenBLAS) and PyTorch (OpenMP, MKL); they are
# read when the library loads, so a different count needs another process.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def blas_threads() -> str:
    """The BLAS threads this process runs with, as the table states them."""
    value = os.environ.get("OPENBLAS_NUM_THREADS")
    return f"{value} BLAS thread{'s' if value != '1' else ''}" if value else f"default BLAS threads, {os.cpu_count()} cores"


def bench_mlp_one_thread(rounds: int) -> dict:
    """``bench_mlp`` in a child process where every contender's BLAS runs one thread.  With the
    default threads NumPy's matrix products share the cores with whatever else runs, and the MLP
    ratio swings with the machine's load; one thread for all contenders is the steadier figure."""
    env = dict(os.environ, **{name: "1" for name in BLAS_THREAD_VARIABLES})
    child = subprocess.run([sys.executable, __file__, "--mlp-json", str(rounds)], env=env,
                           capture_output=True, text=True, check=True)
    return json.loads(child.stdout.splitlines()[-1])


def run_mlp(rounds: int) -> dict:
    """The MLP step with this process's BLAS threads, and (unless that is already one) with one."""
    result = bench_mlp(rounds)
    result["blas_threads"] = blas_threads()
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        result["one_thread"] = bench_mlp_one_thread(rounds)
    return result


def bench_mlp(rounds: int) -> dict:
    weights, x, y = _mlp_weights()
    contenders = {
        "numpy": lambda: numpy_mlp_step(weights, x, y),
        "autograd_core": _lib_mlp(ag),
    }
    if torch is not None:
        contenders["pytorch"] = _lib_mlp(torch)
    times = interleaved(contenders, rounds)
    return {"times": times, "ratio_vs_numpy": times["autograd_core"] / times["numpy"],
            "ratio_vs_pytorch": times["autograd_core"] / times["pytorch"] if torch else None,
            "pytorch_vs_numpy": times["pytorch"] / times["numpy"] if torch else None}


# --------------------------------------------------------------------------- 2. per-op overhead
CHAIN = 400


def make_chain(lib):
    def run() -> None:
        x = lib.ones(16, requires_grad=True)
        y = x
        for _ in range(CHAIN // 2):
            y = y * 1.0001
            y = y + 0.001
        y.sum().backward()
    return run


def bench_per_op(rounds: int) -> dict:
    contenders = {"autograd_core": make_chain(ag)}
    if torch is not None:
        contenders["pytorch"] = make_chain(torch)
    times = interleaved(contenders, rounds, warmup=5)
    micro = {name: t / CHAIN * 1e6 for name, t in times.items()}
    return {"us_per_op": micro,
            "ratio_vs_pytorch": micro["autograd_core"] / micro["pytorch"] if torch else None}


# --------------------------------------------------------------------------- 3. ResNet-18 step
def make_resnet_step(lib, models_module):
    lib.manual_seed(0)
    model = models_module.resnet18()
    optimizer = lib.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    data = lib.rand(1, 3, 64, 64)
    labels = lib.rand(1, 1000)

    def step() -> None:
        optimizer.zero_grad()
        prediction = model(data)
        loss = (prediction - labels).sum()
        loss.backward()
        optimizer.step()
    return step


def bench_resnet18(rounds: int) -> dict:
    contenders = {"autograd_core": make_resnet_step(ag, ag.models)}
    if torch is not None:
        try:
            import torchvision.models as tv_models
        except Exception:          # torchvision does not import beside this torch: build our layout
            tv_models = None
        if tv_models is None:      # our own writing of torchvision's layout
            tv_models = SimpleNamespace(resnet18=lambda: torch_resnet18(torch))
        contenders["pytorch"] = make_resnet_step(torch, tv_models)
    times = interleaved(contenders, rounds, warmup=1)
    return {"times": times,
            "ratio_vs_pytorch": times["autograd_core"] / times["pytorch"] if torch else None}


def torch_resnet18(torch):
    """torchvision's ResNet-18, written out with torch.nn (torchvision itself is not a dependency)."""
    tnn = torch.nn

    class Block(tnn.Module):
        def __init__(self, inplanes, planes, stride=1):
            super().__init__()
            self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(planes)
            self.relu = tnn.ReLU(inplace=True)
            self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = tnn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or inplanes != planes:
                self.downsample = tnn.Sequential(tnn.Conv2d(inplanes, planes, 1, stride, bias=False), tnn.BatchNorm2d(planes))

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            out += x if self.downsample is None else self.downsample(x)
            return self.relu(out)

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = tnn.BatchNorm2d(64)
            self.relu = tnn.ReLU(inplace=True)
            self.maxpool = tnn.MaxPool2d(3, 2, 1)
            widths = [(64, 64, 1), (64, 128, 2), (128, 256, 2), (256, 512, 2)]
            for index, (inplanes, planes, stride) in enumerate(widths, start=1):
                setattr(self, f"layer{index}", tnn.Sequential(Block(inplanes, planes, stride), Block(planes, planes)))
            self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
            self.fc = tnn.Linear(512, 1000)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return Net()


# --------------------------------------------------------------------------- 4. memory
def _rss_mb() -> float:
    import psutil
    return psutil.Process().memory_info().rss / 2 ** 20


def bench_memory(steps: int) -> dict:
    step = _lib_mlp(ag)
    for _ in range(50):                       # warm-up: allocator pools, caches
        step()
    gc.collect()
    start = _rss_mb()
    samples = []
    for i in range(steps):
        step()
        if i % 100 == 99:
            samples.append(_rss_mb())
    gc.collect()
    end = _rss_mb()

    # Evaluation of a deeper tanh network (8 layers of 256) on a 2048-row batch: with a graph every
    # layer's activation stays saved until the output dies; under no_grad only the current one lives.
    rng = np.random.default_rng(1)
    layers = [(ag.tensor(rng.uniform(-0.06, 0.06, (256, 256)).astype(np.float32), requires_grad=True),
               ag.tensor(np.zeros(256, np.float32), requires_grad=True)) for _ in range(8)]
    batch = ag.tensor(rng.standard_normal((2048, 256)).astype(np.float32))

    def evaluate():
        h = batch
        for w, b in layers:
            h = (h @ w + b).tanh()
        return h.sum()

    def peak_of(fn) -> float:
        gc.collect()
        tracemalloc.start()
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del result
        return peak / 2 ** 20

    with_graph = peak_of(evaluate)
    with ag.no_grad():
        without_graph = peak_of(evaluate)
    return {"rss_start_mb": start, "rss_end_mb": end, "growth_mb": end - start, "samples_mb": samples,
            "steps": steps, "eval_peak_with_graph_mb": with_graph, "eval_peak_no_grad_mb": without_graph}


# --------------------------------------------------------------------------- 5. the course
def bench_course() -> dict:
    import nbformat
    from nbclient import NotebookClient

    notebooks = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    per_chapter = {}
    start_all = time.perf_counter()
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        per_chapter[path.parent.name] = time.perf_counter() - start
    return {"per_chapter_s": per_chapter, "total_s": time.perf_counter() - start_all}


# --------------------------------------------------------------------------- report
# The ratio targets, once: the table's "target" and "met" columns and the chart's dashed lines.
RATIO_TARGETS = {"mlp": 1.15, "per_op": 1.0, "resnet18": 1.25}
TARGETS = {
    "mlp": ("MLP step vs hand-written NumPy", f"<= {RATIO_TARGETS['mlp']}x"),
    "per_op": ("per-op overhead vs PyTorch", f"<= {RATIO_TARGETS['per_op']}x"),
    "resnet18": ("ResNet-18 step vs PyTorch", f"<= {RATIO_TARGETS['resnet18']}x"),
    "memory": ("RSS growth over 1,000 MLP steps", "< 5 MB"),
    "course": ("all solution notebooks", "< 120 s"),
}


def _fmt(value, unit="x") -> str:
    if value is None:
        return NOT_INSTALLED
    return f"{value:.2f}{unit}"


def _row(key: str, measured: str, met, details: str, condition: str = "") -> str:
    """One line of the table; ``met`` is True, False or None (PyTorch not installed)."""
    met = NOT_INSTALLED if met is None else ("yes" if met else "no")
    return f"| {TARGETS[key][0]}{condition} | {measured} | {TARGETS[key][1]} | {met} | {details} |"


def _ratio_row(key: str, ratio, details: str, condition: str = "") -> str:
    return _row(key, _fmt(ratio), None if ratio is None else ratio <= RATIO_TARGETS[key], details, condition)


def _mlp_row(m: dict, condition: str) -> str:
    t = m["times"]
    return _ratio_row("mlp", m["ratio_vs_numpy"],
                      f"autograd_core {_time(t, 'autograd_core', 1e3, 2, 'ms')}, NumPy {_time(t, 'numpy', 1e3, 2, 'ms')}, "
                      f"PyTorch {_time(t, 'pytorch', 1e3, 2, 'ms')} (PyTorch/NumPy {_fmt(m['pytorch_vs_numpy'])})",
                      f" ({condition})")


def _time(times: dict, name: str, scale: float, digits: int, unit: str) -> str:
    return f"{times[name] * scale:.{digits}f} {unit}" if name in times else NOT_INSTALLED


def render(results: dict) -> str:
    lines = ["| benchmark | measured | target | met | details |", "|---|---|---|---|---|"]
    r = results
    if "mlp" in r:
        lines.append(_mlp_row(r["mlp"], r["mlp"]["blas_threads"]))
        if "one_thread" in r["mlp"]:
            lines.append(_mlp_row(r["mlp"]["one_thread"], "1 BLAS thread for every contender"))
    if "per_op" in r:
        u = r["per_op"]["us_per_op"]
        lines.append(_ratio_row("per_op", r["per_op"]["ratio_vs_pytorch"],
                                f"autograd_core {_time(u, 'autograd_core', 1, 1, 'us/op')}, PyTorch {_time(u, 'pytorch', 1, 1, 'us/op')}"))
    if "resnet18" in r:
        t = r["resnet18"]["times"]
        lines.append(_ratio_row("resnet18", r["resnet18"]["ratio_vs_pytorch"],
                                f"autograd_core {_time(t, 'autograd_core', 1e3, 0, 'ms')}, PyTorch {_time(t, 'pytorch', 1e3, 0, 'ms')}"))
    if "memory" in r:
        mem = r["memory"]
        lines.append(_row("memory", f"{mem['growth_mb']:+.2f} MB", mem["growth_mb"] < 5,
                          f"RSS {mem['rss_start_mb']:.0f} -> {mem['rss_end_mb']:.0f} MB; evaluation peak "
                          f"{mem['eval_peak_with_graph_mb']:.1f} MB with graph, {mem['eval_peak_no_grad_mb']:.1f} MB under no_grad"))
    if "course" in r:
        c = r["course"]
        chapters = ", ".join(f"{k[:2]} {v:.1f} s" for k, v in c["per_chapter_s"].items())
        lines.append(_row("course", f"{c['total_s']:.1f} s", c["total_s"] < 120, chapters))
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}, " + \
        (f"PyTorch {torch.__version__}" if torch else f"PyTorch {NOT_INSTALLED}")
    return f"{cpu}, {os.cpu_count()} cores; {versions}"


def chart(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, values, targets = [], [], []
    if "mlp" in results:
        labels.append("MLP step\nvs NumPy")
        values.append(results["mlp"]["ratio_vs_numpy"])
        targets.append(RATIO_TARGETS["mlp"])
        if "one_thread" in results["mlp"]:
            labels.append("MLP step\nvs NumPy,\n1 thread")
            values.append(results["mlp"]["one_thread"]["ratio_vs_numpy"])
            targets.append(RATIO_TARGETS["mlp"])
    for key, label in (("per_op", "per-op\nvs PyTorch"), ("resnet18", "ResNet-18\nvs PyTorch")):
        if key in results and results[key]["ratio_vs_pytorch"] is not None:
            labels.append(label)
            values.append(results[key]["ratio_vs_pytorch"])
            targets.append(RATIO_TARGETS[key])
    fig, ax = plt.subplots(figsize=(6, 3.2))
    bars = ax.bar(labels, values, color=["#4c72b0" if v <= t else "#dd8452" for v, t in zip(values, targets)])
    for i, t in enumerate(targets):
        ax.hlines(t, i - 0.4, i + 0.4, colors="black", linestyles="dashed")
    ax.bar_label(bars, fmt="%.2fx")
    ax.set_ylabel("time ratio (lower is better)")
    ax.set_title("autograd_core, measured in one process (dashed: target)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_reports(results: dict, table: str) -> None:
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    body = (f"Measured {stamp} on {machine()} with `./course bench`.\n\n{table}\n\n"
            "![benchmark ratios](benchmarks.png)\n")
    (docs / "benchmarks.md").write_text(
        "# Benchmarks\n\nRatios of times measured in one process, contenders interleaved, medians "
        "after a warm-up (`benchmarks/run.py`). Lower is better.\n\n" + body)
    chart(results, docs / "benchmarks.png")
    readme = ROOT / "README.md"
    if readme.exists():
        text = readme.read_text()
        begin, end = "<!-- BENCHMARKS:BEGIN -->", "<!-- BENCHMARKS:END -->"
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            _, tail = rest.split(end, 1)
            section = body.replace("(benchmarks.png)", "(docs/benchmarks.png)")
            readme.write_text(f"{head}{begin}\n{section}{end}{tail}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=list(TARGETS), help="run only these benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run, not a measurement)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--mlp-json", type=int, metavar="ROUNDS", help=argparse.SUPPRESS)  # bench_mlp_one_thread's child
    args = parser.parse_args(argv)
    if args.mlp_json:
        print(json.dumps(bench_mlp(rounds=args.mlp_json)))
        return 0
    chosen = args.only or list(TARGETS)
    quick = args.quick
    results = {}
    print(f"Machine: {machine()}", flush=True)
    runs = {"mlp": lambda: run_mlp(rounds=10 if quick else 60),            # in this order
            "per_op": lambda: bench_per_op(rounds=10 if quick else 60),
            "resnet18": lambda: bench_resnet18(rounds=2 if quick else 7),
            "memory": lambda: bench_memory(steps=100 if quick else 1000),
            "course": bench_course}
    for name, run in runs.items():
        if name in chosen:
            results[name] = run()
            print(f"{name} done", flush=True)
    table = render(results)
    print(table)
    if not args.no_write and not quick:
        write_reports(results, table)
        print("written: docs/benchmarks.md, docs/benchmarks.png, README.md (between the BENCHMARKS markers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
