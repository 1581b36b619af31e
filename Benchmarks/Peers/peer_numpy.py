"""The NumPy peer: W1–W4 as a vectorized multilayer perceptron written out by hand.

float32 throughout, examples as rows ([batch, features]), every matrix product through
NumPy's BLAS. The forward pass keeps each layer's activations; the backward pass turns
the output error into the gradients of the batch-mean loss; SGD or Adam applies them.
This is what a careful NumPy programmer would write, and W1 is Nielsen's network.py
with its per-example loop replaced by matrix products.

    python peer_numpy.py --workload W1|W2|W3|W4 [--seed N] [--epochs N]

The workloads are defined in workloads.py; the result is one JSON line on standard output.
"""
import time

import workloads as wl  # first: sets the thread count before NumPy loads its BLAS
import numpy as np

F32 = np.float32


class Network:
    """A fully connected network: weights[i] is [inputs, outputs], biases[i] [outputs]."""

    def __init__(self, workload: wl.Workload, rng: np.random.Generator):
        self.sigmoid = workload.activation == "sigmoid"
        pairs = list(zip(workload.sizes[:-1], workload.sizes[1:]))
        # All the weights are drawn first, then all the biases, in float64 and rounded to float32.
        if workload.init == "normal":
            self.weights = [rng.standard_normal((n_in, n_out)).astype(F32) for n_in, n_out in pairs]
            self.biases = [rng.standard_normal(n_out).astype(F32) for _, n_out in pairs]
        else:
            self.weights = [rng.uniform(-n_in ** -0.5, n_in ** -0.5, (n_in, n_out)).astype(F32)
                            for n_in, n_out in pairs]
            self.biases = [rng.uniform(-n_in ** -0.5, n_in ** -0.5, n_out).astype(F32)
                           for n_in, n_out in pairs]

    @property
    def parameters(self):
        return self.weights + self.biases

    def forward(self, x):
        """The activations of every layer, the input first; the last is the output
        (sigmoids for W1, logits otherwise)."""
        activations = [x]
        last = len(self.weights) - 1
        for layer, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = activations[-1] @ w + b
            if self.sigmoid:
                z = 1.0 / (1.0 + np.exp(-z))
            elif layer < last:
                np.maximum(z, 0, out=z)  # ReLU, in place: z is a fresh array
            activations.append(z)
        return activations

    def gradients(self, x, y):
        """Gradients of the batch-MEAN loss for inputs x and one-hot targets y, in the
        order of `parameters` (weights, then biases)."""
        activations = self.forward(x)
        output, m = activations[-1], x.shape[0]
        # The error at the output layer's pre-activations, already divided by the batch size.
        if self.sigmoid:  # quadratic loss through the output sigmoid: (a − y) σ'(z)
            delta = (output - y) * output * (1 - output) / m
        else:  # softmax cross-entropy: softmax(z) − y (shifted by the row maximum for safety)
            e = np.exp(output - output.max(1, keepdims=True))
            delta = (e / e.sum(1, keepdims=True) - y) / m
        weight_grads, bias_grads = [None] * len(self.weights), [None] * len(self.weights)
        for layer in reversed(range(len(self.weights))):
            weight_grads[layer] = activations[layer].T @ delta
            bias_grads[layer] = delta.sum(0)
            if layer > 0:  # back through this layer's weights and the previous activation
                delta = delta @ self.weights[layer].T
                a = activations[layer]
                delta *= a * (1 - a) if self.sigmoid else (a > 0)
        return weight_grads + bias_grads

    def predict(self, x):
        return self.forward(x)[-1].argmax(1)


class SGD:
    """p −= lr · g (g being the batch mean, this is W1's η/m · Σ)."""

    def __init__(self, parameters, learning_rate):
        self.learning_rate = F32(learning_rate)

    def step(self, parameters, gradients):
        for p, g in zip(parameters, gradients):
            p -= self.learning_rate * g


class Adam:
    """Adam as PyTorch computes it: bias-corrected moments, ε added to √v̂."""

    def __init__(self, parameters, learning_rate):
        self.learning_rate, self.steps = learning_rate, 0
        self.b1, self.b2, self.eps = wl.ADAM_BETA1, wl.ADAM_BETA2, wl.ADAM_EPSILON
        self.m = [np.zeros_like(p) for p in parameters]
        self.v = [np.zeros_like(p) for p in parameters]

    def step(self, parameters, gradients):
        self.steps += 1
        correction1, correction2 = 1 - self.b1 ** self.steps, 1 - self.b2 ** self.steps
        for p, g, m, v in zip(parameters, gradients, self.m, self.v):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            p -= F32(self.learning_rate / correction1) * m / (np.sqrt(v / F32(correction2)) + F32(self.eps))


def train(workload, network, optimizer, data, epochs, rng):
    """Trains for `epochs`, timing each epoch's loop (shuffle included) and measuring the
    test accuracy after it, untimed."""
    x_train, targets, x_test, y_test = data
    rows = []
    for epoch in range(1, epochs + 1):
        with wl.Section() as section:
            order = rng.permutation(len(x_train))
            xs, ys = x_train[order], targets[order]
            for start in range(0, len(xs), workload.batch):
                end = start + workload.batch
                optimizer.step(network.parameters, network.gradients(xs[start:end], ys[start:end]))
        row = wl.epoch_row(epoch, section)
        if workload.test_every_epoch or epoch == epochs:
            row["test_acc"] = float((network.predict(x_test) == y_test).mean())
        rows.append(row)
        wl.log(row)
    return rows


def measure_inference(network, x_test):
    """W4: single-example latency and batched throughput, as workloads.py says."""
    for i in range(wl.LATENCY_WARMUP):
        int(network.predict(x_test[i:i + 1])[0])
    latencies = np.empty(len(x_test))
    with wl.Section() as single:
        for i in range(len(x_test)):
            x = x_test[i:i + 1]
            start = time.perf_counter_ns()
            int(network.predict(x)[0])
            latencies[i] = time.perf_counter_ns() - start
    batch, rates = wl.WORKLOADS["W4"].batch, []
    with wl.Section() as batched:
        for _ in range(wl.THROUGHPUT_PASSES):
            start = time.perf_counter()
            for k in range(0, len(x_test), batch):
                network.predict(x_test[k:k + batch])
            rates.append(len(x_test) / (time.perf_counter() - start))
    return wl.inference_figures(latencies, rates, single, batched)


def main():
    args = wl.argument_parser("NumPy peer for the benchmark workloads W1–W4.").parse_args()
    workload = wl.WORKLOADS[args.workload]
    rng = np.random.default_rng(args.seed)  # initialization first, then each epoch's shuffle
    x_train, y_train, x_test, y_test = wl.load_fashion()
    record = {"peer": "numpy-vectorized", "workload": workload.name, "numpy": np.__version__,
              "seed": args.seed}
    network = Network(workload, rng)
    if workload.optimizer is None:
        record.update(measure_inference(network, x_test))
    else:
        optimizer = (SGD if workload.optimizer == "sgd" else Adam)(network.parameters, workload.learning_rate)
        data = (x_train, wl.one_hot(y_train), x_test, y_test)
        record["epochs"] = train(workload, network, optimizer, data, args.epochs or workload.epochs, rng)
        if workload.name != "W1":
            record["params"] = workload.parameters
            wl.add_rates(record["epochs"], workload)
    wl.emit(record)


if __name__ == "__main__":
    main()
