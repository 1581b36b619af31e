"""The JAX peer (jit, CPU): W2's training and W4's inference.

The usual JAX pattern: the whole training step (gradient by jax.grad, then Adam written
out, as PyTorch computes it) is one jitted function called once per mini-batch with
NumPy slices; prediction is another. XLA compiles one program per input shape, so both
of W2's batch shapes (64 and the 32-example last batch) are compiled in a warm-up that
is timed apart (warmup_s) and changes nothing.

    python peer_jax.py --workload W2|W4 [--seed N] [--epochs N]

The workloads are defined in workloads.py; the result is one JSON line on standard output.
(XLA's thread pool has no setting: it has one thread per core, whatever PEER_THREADS says.)
"""
import time

import workloads as wl  # first, as in the other peers
import jax
import jax.numpy as jnp
import numpy as np

W2 = wl.WORKLOADS["W2"]


def init(sizes, key):
    """[(weights [inputs, outputs], biases)] from U(±1/√fan_in), nn.Linear's default; each
    layer splits the key into the next key, its weights' and its biases'."""
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, weight_key, bias_key = jax.random.split(key, 3)
        limit = n_in ** -0.5
        params.append((jax.random.uniform(weight_key, (n_in, n_out), jnp.float32, -limit, limit),
                       jax.random.uniform(bias_key, (n_out,), jnp.float32, -limit, limit)))
    return params


def logits(params, x):
    """ReLU after every hidden layer; the output layer's pre-activations."""
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def loss(params, x, labels):
    """Softmax cross-entropy, averaged over the batch."""
    log_probabilities = jax.nn.log_softmax(logits(params, x))
    return -jnp.mean(jnp.take_along_axis(log_probabilities, labels[:, None], 1))


@jax.jit
def train_step(params, m, v, t, x, labels):
    """One Adam step: t counts the steps taken (a float32 scalar), m and v are the moments."""
    grads = jax.grad(loss)(params, x, labels)
    b1, b2, eps, lr = wl.ADAM_BETA1, wl.ADAM_BETA2, wl.ADAM_EPSILON, W2.learning_rate
    t = t + 1
    m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
    correction1, correction2 = 1 - b1 ** t, 1 - b2 ** t
    params = jax.tree.map(lambda p, m, v: p - lr * (m / correction1) / (jnp.sqrt(v / correction2) + eps),
                          params, m, v)
    return params, m, v, t


@jax.jit
def predict(params, x):
    return jnp.argmax(logits(params, x), 1)


def train(params, data, epochs, seed):
    """W2: `epochs` epochs, each timed until its last update is computed; the test
    accuracy after the last, untimed."""
    x_train, labels, x_test, y_test = data
    m = jax.tree.map(jnp.zeros_like, params)
    v = jax.tree.map(jnp.zeros_like, params)
    t = jnp.zeros((), jnp.float32)
    start = time.perf_counter()
    for batch in (W2.batch, len(x_train) % W2.batch):  # compile both shapes; results dropped
        jax.block_until_ready(train_step(params, m, v, t, x_train[:batch], labels[:batch]))
    warmup_s = time.perf_counter() - start

    rng = np.random.default_rng(seed)  # the shuffle (the initialization has its own key)
    rows = []
    for epoch in range(1, epochs + 1):
        with wl.Section() as section:
            order = rng.permutation(len(x_train))
            xs, ys = x_train[order], labels[order]
            for k in range(0, len(xs), W2.batch):
                params, m, v, t = train_step(params, m, v, t, xs[k:k + W2.batch], ys[k:k + W2.batch])
            jax.block_until_ready(params)  # the calls above only queue the work
        row = wl.epoch_row(epoch, section)
        wl.add_rates([row], W2)
        rows.append(row)
        wl.log(row)
    rows[-1]["test_acc"] = float((np.asarray(predict(params, x_test)) == y_test).mean())
    return {"warmup_s": warmup_s, "epochs": rows}


def measure_inference(params, x_test):
    """W4: single-example latency and batched throughput, as workloads.py says; the
    warm-up (and compilation of both shapes) timed apart as warmup_s."""
    batch = wl.WORKLOADS["W4"].batch
    start = time.perf_counter()
    for i in range(wl.LATENCY_WARMUP):
        int(predict(params, x_test[i:i + 1])[0])
    for k in range(0, len(x_test), batch):
        predict(params, x_test[k:k + batch]).block_until_ready()
    warmup_s = time.perf_counter() - start

    latencies = np.empty(len(x_test))
    with wl.Section() as single:
        for i in range(len(x_test)):
            x = x_test[i:i + 1]
            start = time.perf_counter_ns()
            int(predict(params, x)[0])  # int() waits for the result
            latencies[i] = time.perf_counter_ns() - start
    rates = []
    with wl.Section() as batched:
        for _ in range(wl.THROUGHPUT_PASSES):
            start = time.perf_counter()
            outputs = [predict(params, x_test[k:k + batch]) for k in range(0, len(x_test), batch)]
            jax.block_until_ready(outputs)
            rates.append(len(x_test) / (time.perf_counter() - start))
    return {"warmup_s": warmup_s, **wl.inference_figures(latencies, rates, single, batched)}


def main():
    args = wl.argument_parser("JAX peer for the benchmark workloads W2 and W4.", workloads=("W2", "W4")).parse_args()
    x_train, y_train, x_test, y_test = wl.load_fashion()
    params = init(W2.sizes, jax.random.PRNGKey(args.seed))  # W4 predicts with W2's network
    record = {"peer": "jax-jit", "workload": args.workload, "jax": jax.__version__, "seed": args.seed}
    if args.workload == "W2":
        data = (x_train, y_train.astype(np.int32), x_test, y_test)
        record.update(train(params, data, args.epochs or W2.epochs, args.seed))
    else:
        record.update(measure_inference(params, x_test))
    wl.emit(record)


if __name__ == "__main__":
    main()
