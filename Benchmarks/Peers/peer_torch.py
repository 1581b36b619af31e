"""The PyTorch peer: W1–W4 with nn.Linear layers and torch.optim, eagerly or through
torch.compile.

The usual PyTorch training loop, without a DataLoader: each epoch permutes the
preloaded tensors once and slices the mini-batches from them, so the loop measures the
framework rather than data loading.

    python peer_torch.py --workload W1|W2|W3|W4 [--seed N] [--epochs N] [--compile] [--flush-denormal] [--bf16]

With --bf16 the forward pass and loss of each training step run under
torch.autocast("cpu", dtype=torch.bfloat16), PyTorch's mixed precision: nn.Linear's products
(and their gradients) in bfloat16, the parameters and optimizer in float32. The test accuracy
is measured in float32, as Backprop's is.

The workloads are defined in workloads.py; the result is one JSON line on standard output.
"""
import time

import workloads as wl  # first: sets the thread count before torch loads its BLAS and OpenMP
import numpy as np
import torch
from torch import nn

torch.set_num_threads(wl.THREADS)
torch.set_num_interop_threads(1)  # one stream of operators: nothing here runs them in parallel


def build_model(workload: wl.Workload) -> nn.Sequential:
    """Linear layers with nn.Linear's default initialization, U(±1/√fan_in); W1 then draws
    every parameter again from N(0, 1). The activation follows every hidden layer, and
    the output layer too for W1's sigmoids (the other workloads' output is logits)."""
    layers = []
    pairs = list(zip(workload.sizes[:-1], workload.sizes[1:]))
    for i, (n_in, n_out) in enumerate(pairs):
        layers.append(nn.Linear(n_in, n_out))
        if workload.activation == "sigmoid":
            layers.append(nn.Sigmoid())
        elif i < len(pairs) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    if workload.init == "normal":
        with torch.no_grad():
            for p in model.parameters():
                p.normal_(0.0, 1.0)
    return model


def make_step(workload: wl.Workload, model, forward, bf16=False):
    """One training step on a mini-batch: forward (through `forward`, the compiled model
    with --compile), the batch-mean loss, backward, the optimizer's update; with `bf16`
    the forward pass and loss under autocast to bfloat16."""
    params = model.parameters()
    if workload.optimizer == "adam":  # PyTorch's defaults are workloads.py's Adam constants
        optimizer = torch.optim.Adam(params, lr=workload.learning_rate)
    else:
        optimizer = torch.optim.SGD(params, lr=workload.learning_rate)

    if workload.loss == "quadratic":
        def loss_of(x, y):  # ½‖y − a‖² summed over outputs, averaged over the batch (η/m Σ)
            return 0.5 * ((forward(x) - y) ** 2).sum() / x.shape[0]
    else:
        cross_entropy = nn.CrossEntropyLoss()  # softmax cross-entropy, batch mean

        def loss_of(x, y):
            return cross_entropy(forward(x), y)

    def step(x, y):
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = loss_of(x, y)
        loss.backward()
        optimizer.step()
    return step


@torch.inference_mode()
def accuracy(model, x, y):
    return (model(x).argmax(1) == y).float().mean().item()


def train(workload, model, step, data, epochs, generator):
    """Trains for `epochs`, timing each epoch's loop (shuffle included); the test accuracy
    (and its time, eval_s) after each epoch for W1, after the last for the others."""
    x_train, targets, x_test, y_test = data
    rows = []
    for epoch in range(1, epochs + 1):
        with wl.Section() as section:
            order = torch.randperm(len(x_train), generator=generator)
            xs, ys = x_train[order], targets[order]
            for start in range(0, len(xs), workload.batch):
                end = start + workload.batch
                step(xs[start:end], ys[start:end])
        row = wl.epoch_row(epoch, section)
        if workload.test_every_epoch or epoch == epochs:
            start = time.perf_counter()
            row["test_acc"] = accuracy(model, x_test, y_test)
            row["eval_s"] = time.perf_counter() - start
        rows.append(row)
        wl.log(row)
    return rows


def measure_inference(forward, x_test):
    """W4: single-example latency and batched throughput, as workloads.py says. The
    warm-up (also torch.compile's compilation) is timed apart, as warmup_s."""
    batch = wl.WORKLOADS["W4"].batch
    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(wl.LATENCY_WARMUP):
            j = i % len(x_test)
            forward(x_test[j:j + 1]).argmax(1).item()
        for k in range(0, len(x_test), batch):
            forward(x_test[k:k + batch]).argmax(1)
    warmup_s = time.perf_counter() - start

    latencies = np.empty(len(x_test))
    clock = time.perf_counter_ns  # a local name: one lookup less inside the timed region
    with torch.inference_mode(), wl.Section() as single:
        for i in range(len(x_test)):
            x = x_test[i:i + 1]
            start = clock()
            forward(x).argmax(1).item()
            latencies[i] = clock() - start
    rates = []
    with torch.inference_mode(), wl.Section() as batched:
        for _ in range(wl.THROUGHPUT_PASSES):
            start = time.perf_counter()
            for k in range(0, len(x_test), batch):
                forward(x_test[k:k + batch]).argmax(1)
            rates.append(len(x_test) / (time.perf_counter() - start))
    return {"warmup_s": warmup_s, **wl.inference_figures(latencies, rates, single, batched)}


def main():
    parser = wl.argument_parser("PyTorch peer for the benchmark workloads W1–W4.")
    parser.add_argument("--compile", action="store_true", help="run the model through torch.compile")
    parser.add_argument("--flush-denormal", action="store_true",
                        help="torch.set_flush_denormal(True): denormals read and written as zero (FTZ/DAZ)")
    parser.add_argument("--bf16", action="store_true",
                        help="train under torch.autocast(\"cpu\", dtype=torch.bfloat16)")
    args = parser.parse_args()
    if args.flush_denormal:
        assert torch.set_flush_denormal(True), "this CPU cannot flush denormals"
    workload = wl.WORKLOADS[args.workload]
    torch.manual_seed(args.seed)  # the initialization
    generator = torch.Generator().manual_seed(args.seed)  # each epoch's shuffle
    x_train, y_train, x_test, y_test = map(torch.from_numpy, wl.load_fashion())
    peer = ("torch-compile" if args.compile else "torch-eager") + ("+ftz" if args.flush_denormal else "")
    peer += " bf16" if args.bf16 else ""
    record = {"peer": peer, "workload": workload.name, "torch": torch.__version__, "seed": args.seed}

    model = build_model(workload)
    if workload.optimizer is None:
        model.eval()
        forward = torch.compile(model) if args.compile else model
        record.update(measure_inference(forward, x_test))
        wl.emit(record)
        return

    forward = torch.compile(model) if args.compile else model
    step = make_step(workload, model, forward, bf16=args.bf16)
    # The quadratic loss compares with one-hot rows; cross-entropy takes the labels.
    targets = torch.nn.functional.one_hot(y_train, wl.CLASSES).float() if workload.loss == "quadratic" else y_train
    epochs = args.epochs or workload.epochs
    if workload.name == "W1":
        record["epochs"] = train(workload, model, step, (x_train, targets, x_test, y_test), epochs, generator)
    else:
        # Warm-up, timed apart as warmup_s: with --compile (the compilation) and for W3 (its
        # large first products), two steps on the first full batch and one on the smaller
        # last batch's shape. They are ordinary training steps on the first examples.
        start = time.perf_counter()
        if args.compile or workload.name == "W3":
            for _ in range(2):
                step(x_train[:workload.batch], targets[:workload.batch])
            tail = len(x_train) % workload.batch
            if tail:
                step(x_train[:tail], targets[:tail])
        record["warmup_s"] = time.perf_counter() - start
        record["epochs"] = train(workload, model, step, (x_train, targets, x_test, y_test), epochs, generator)
        record["params"] = workload.parameters
        wl.add_rates(record["epochs"], workload)
    wl.emit(record)


if __name__ == "__main__":
    main()
