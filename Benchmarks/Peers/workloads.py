"""The benchmark workloads W1–W4, and everything the peer scripts share.

This module is the definition of the workloads: the table `WORKLOADS` below says, for
each, the network, its initialization, the loss, the optimizer and its settings, the
batch size and the epochs; the constants under it say how W4's inference is measured.
peer_numpy.py, peer_torch.py and peer_jax.py implement exactly this, and Backprop's
benchmark (Benchmarks/Sources/BackpropBench) runs the same workloads beside them.

It also holds what every peer does the same way, so that their figures compare:
  * the thread count (PEER_THREADS, default 2), set before any numeric library loads;
  * loading Fashion-MNIST (FASHION_DIR, default Debian's dataset-fashion-mnist folder);
  * `Section`, which times a piece of work and measures how busy OTHER processes kept
    the machine meanwhile (these machines are shared: a timing is only trusted when
    that figure is low);
  * the JSON line each peer prints, and its keys.

Import this module before numpy, torch or jax: their thread pools read the environment
variables below only when they are first loaded.
"""
from __future__ import annotations

import os

# --- Threads ---------------------------------------------------------------------------
# One knob for all BLAS and OpenMP pools. `setdefault` keeps a value the caller exported.
# (XLA, under JAX, has no such variable: its pool has one thread per core.)
THREADS = int(os.environ.get("PEER_THREADS", "2"))
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_variable, str(THREADS))

import argparse  # noqa: E402  (after the thread settings on purpose)
import gzip  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402


# --- The workloads ---------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    """One benchmark workload. Training workloads time the epoch loop only (shuffle,
    mini-batches, forward, backward, update): the data is loaded before, and the test
    accuracy is measured after, outside the timing."""

    name: str
    sizes: tuple[int, ...]
    # "sigmoid": a sigmoid after every layer, the output layer included.
    # "relu": a ReLU after every hidden layer; the output layer gives logits.
    activation: str
    # "quadratic": ½‖y − a‖² against the one-hot label, averaged over the batch.
    # "cross-entropy": softmax cross-entropy of the logits, averaged over the batch.
    # None: inference only.
    loss: str | None
    # "normal": every weight and bias drawn from N(0, 1), as Nielsen's network.py.
    # "uniform": weights and biases from U(−1/√fan_in, 1/√fan_in), PyTorch nn.Linear's default.
    init: str
    # "sgd": w −= lr · (gradient of the batch-mean loss), so W1's η/m · Σ of the examples' gradients.
    # "adam": PyTorch's Adam with its defaults (see ADAM), bias-corrected.
    # None: inference only.
    optimizer: str | None
    learning_rate: float
    # Training: examples per mini-batch (the last one is smaller when it does not divide
    # 60,000). W4: examples per batch in the throughput measurement.
    batch: int
    # Epochs run when the peer is not given --epochs.
    epochs: int
    # Whether the test accuracy is reported after every epoch (W1) or the last only.
    test_every_epoch: bool = False

    @property
    def parameters(self) -> int:
        """Weights and biases of the network."""
        return parameter_count(self.sizes)


WORKLOADS = {
    # Nielsen's "Neural Networks and Deep Learning", chapter 1, on Fashion-MNIST.
    "W1": Workload("W1", (784, 30, 10), activation="sigmoid", loss="quadratic", init="normal",
                   optimizer="sgd", learning_rate=3.0, batch=10, epochs=3, test_every_epoch=True),
    # A modern small MLP.
    "W2": Workload("W2", (784, 256, 128, 10), activation="relu", loss="cross-entropy", init="uniform",
                   optimizer="adam", learning_rate=1e-3, batch=64, epochs=5),
    # A wide MLP with large batches: bound by the matrix products (GFLOP/s).
    "W3": Workload("W3", (784, 1024, 1024, 10), activation="relu", loss="cross-entropy", init="uniform",
                   optimizer="sgd", learning_rate=0.01, batch=512, epochs=1),
    # W2's network (freshly initialized, its accuracy is not the point) predicting.
    "W4": Workload("W4", (784, 256, 128, 10), activation="relu", loss=None, init="uniform",
                   optimizer=None, learning_rate=0.0, batch=1000, epochs=0),
}

# Adam's constants: PyTorch's defaults.
ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8

TRAIN_EXAMPLES, TEST_EXAMPLES, CLASSES = 60_000, 10_000, 10

# W4: single predictions (forward pass and argmax of one example) before the timing, to
# warm caches and compilers; then each of the test set's examples is predicted alone and
# timed alone (the figure is the median); then the whole test set in batches of
# WORKLOADS["W4"].batch, THROUGHPUT_PASSES times (the figure is examples per second).
LATENCY_WARMUP = 1_000
THROUGHPUT_PASSES = 20


def parameter_count(sizes) -> int:
    """Weights and biases of a fully connected network with these layer sizes."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def argument_parser(description: str, workloads=tuple(WORKLOADS)) -> argparse.ArgumentParser:
    """The flags every peer takes (Peers.swift passes these)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--workload", required=True, choices=list(workloads))
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the initialization and the shuffling")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs to train (default: the workload's)")
    return parser


# --- Fashion-MNIST -----------------------------------------------------------------------

DATA_DIR = os.environ.get("FASHION_DIR", "/usr/share/datasets/fashion-mnist")


def _read_idx(path):
    """The array in a gzip-compressed IDX file (big-endian dimensions, unsigned bytes)."""
    with gzip.open(path, "rb") as file:
        data = file.read()
    dimensions = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dimensions)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def load_fashion():
    """(train images, train labels, test images, test labels): images as float32 rows of
    784 pixels / 255, labels as int64."""
    def images(name):
        return _read_idx(f"{DATA_DIR}/{name}").reshape(-1, 784).astype(np.float32) / 255.0

    def labels(name):
        return _read_idx(f"{DATA_DIR}/{name}").astype(np.int64)

    x_train, y_train = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    x_test, y_test = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
    assert x_train.shape == (TRAIN_EXAMPLES, 784) and x_test.shape == (TEST_EXAMPLES, 784)
    return x_train, y_train, x_test, y_test


def one_hot(labels, classes=CLASSES):
    """float32 rows with a 1 at each label."""
    rows = np.zeros((len(labels), classes), dtype=np.float32)
    rows[np.arange(len(labels)), labels] = 1
    return rows


# --- Timing, and the load of other processes ------------------------------------------------

def _machine_jiffies():
    """(busy, total) clock ticks of all cores since boot, from /proc/stat's first line:
    user nice system idle iowait irq softirq steal; idle and iowait are not busy."""
    with open("/proc/stat") as file:
        ticks = [int(value) for value in file.readline().split()[1:9]]
    total = sum(ticks)
    return total - ticks[3] - ticks[4], total


class Section:
    """`with Section() as s:` times its body (s.wall, seconds) and measures how many cores
    this process kept busy (s.own_cores) and OTHER processes kept busy (s.other_cores):
    the machine's busy time meanwhile, less this process's own CPU time, per second.
    An other_cores above about 0.25 means the timing was disturbed."""

    def __enter__(self):
        self._start = time.perf_counter()
        self._busy, _ = _machine_jiffies()
        self._cpu = sum(os.times()[:2])
        return self

    def __exit__(self, *exception):
        self.wall = time.perf_counter() - self._start
        busy, _ = _machine_jiffies()
        own = sum(os.times()[:2]) - self._cpu
        others = (busy - self._busy) / os.sysconf("SC_CLK_TCK") - own
        self.own_cores = own / self.wall if self.wall > 0 else 0.0
        self.other_cores = max(others, 0.0) / self.wall if self.wall > 0 else 0.0
        return False


# --- What a peer reports --------------------------------------------------------------------
#
# One JSON line, keys sorted:
#   every peer:  peer, workload, seed, the library's version under its name (numpy, torch,
#                jax), host, threads, loadavg_end
#   training:    epochs: a list of rows {epoch, train_s, other_cores, [test_acc], ...};
#                W2 and W3 also params, and per row ex_per_s and gflops_6PN
#                (6 × parameters × 60,000 / train_s, the usual count of a training step's
#                floating-point operations); torch and JAX also warmup_s
#   W4:          latency_us_median/_p10/_p90, latency_other_cores,
#                batch1000_ex_per_s_median/_max, throughput_other_cores

def epoch_row(epoch: int, section: Section) -> dict:
    """The start of an epoch's row: its number (from 1), its time and the other load."""
    return {"epoch": epoch, "train_s": section.wall, "other_cores": round(section.other_cores, 2)}


def add_rates(rows, workload: Workload):
    """Adds examples/s and GFLOP/s (6 × parameters × examples / seconds) to epoch rows."""
    for row in rows:
        row["ex_per_s"] = TRAIN_EXAMPLES / row["train_s"]
        row["gflops_6PN"] = 6 * workload.parameters * TRAIN_EXAMPLES / row["train_s"] / 1e9


def inference_figures(latencies_ns, passes_per_s, single: Section, batched: Section) -> dict:
    """W4's keys from the single predictions' times (ns) and the batched passes' rates."""
    latencies_us = np.asarray(latencies_ns, dtype=np.float64) / 1e3
    return {
        "latency_us_median": float(np.median(latencies_us)),
        "latency_us_p10": float(np.percentile(latencies_us, 10)),
        "latency_us_p90": float(np.percentile(latencies_us, 90)),
        "latency_other_cores": round(single.other_cores, 2),
        "batch1000_ex_per_s_median": float(np.median(passes_per_s)),
        "batch1000_ex_per_s_max": float(np.max(passes_per_s)),
        "throughput_other_cores": round(batched.other_cores, 2),
    }


def emit(record: dict):
    """Prints the record as one JSON line (and appends it to the file $PEER_OUT, if set)."""
    record.setdefault("host", platform.node())
    record.setdefault("threads", THREADS)
    with open("/proc/loadavg") as file:
        record.setdefault("loadavg_end", file.read().split()[:3])
    line = json.dumps(record, sort_keys=True)
    print(line, flush=True)
    if os.environ.get("PEER_OUT"):
        with open(os.environ["PEER_OUT"], "a") as file:
            file.write(line + "\n")


def log(*values):
    """Progress, on standard error (standard output carries only the JSON line)."""
    print(*values, file=sys.stderr, flush=True)
