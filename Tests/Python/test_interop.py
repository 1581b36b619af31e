"""Backprop's model files and ONNX export against the real tools: safetensors, NumPy and
ONNX Runtime. Run by `make test` (which installs them) with BACKPROP pointing at the binary."""
import csv
import gzip
import json
import struct
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
IRIS = str(Path(__file__).parents[1] / "Fixtures/iris.csv")


def backprop(*args):
    result = subprocess.run([BACKPROP, *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def iris_features():
    with open(IRIS) as f:
        rows = list(csv.DictReader(f))
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    return np.array([[float(r[n]) for n in names] for r in rows], dtype=np.float32)


def predicted_probabilities(model, data):
    lines = backprop("predict", model, data, "--probabilities").strip().split("\n")
    return np.array([[float(v) for v in line.split(",")[1:]] for line in lines[1:]])


ACTIVATIONS = {
    "identity": lambda x, s: x,
    "sigmoid": lambda x, s: 1 / (1 + np.exp(-x)),
    "tanh": lambda x, s: np.tanh(x),
    "relu": lambda x, s: np.maximum(x, 0),
    "leaky-relu": lambda x, s: np.where(x > 0, x, s * x),
    "softmax": lambda x, s: np.exp(x - x.max(1, keepdims=True)) / np.exp(x - x.max(1, keepdims=True)).sum(1, keepdims=True),
}


def numpy_forward(path, x):
    """The forward pass of a Backprop model file, from its tensors and metadata alone."""
    tensors = load_file(path)
    with safe_open(path, framework="numpy") as f:
        meta = f.metadata()
    assert meta["format"] == "backprop" and meta["format_version"] == "1"
    model = json.loads(meta["model"])
    divided = x.astype(np.float64) / model.get("input_divisor", 1)
    a = (divided - np.array(model["scaler"]["shift"])) / np.array(model["scaler"]["scale"])
    for i, layer in enumerate(model["layers"]):
        w, b = tensors[f"layers.{i}.weight"], tensors[f"layers.{i}.bias"]
        assert w.shape == (layer["output_size"], layer["input_size"]) and w.dtype == np.float32
        a = ACTIVATIONS[layer["activation"]](a @ w.T.astype(np.float64) + b, layer.get("slope", 0.01))
    return a


def relative_difference(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-6))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky-relu"])
def test_numpy_reads_backprop_models(tmp_path, activation):
    model = tmp_path / "iris.safetensors"
    backprop("train", IRIS, "--hidden", "8,6", "--activation", activation, "--epochs", "30", "--output", model)
    ours = predicted_probabilities(model, IRIS)
    theirs = numpy_forward(str(model), iris_features())
    assert ours.shape == (150, 3)
    assert relative_difference(theirs, ours) <= 1e-5


def test_backprop_reads_python_written_models(tmp_path):
    rng = np.random.default_rng(7)
    tensors = {
        "layers.0.weight": rng.normal(size=(5, 4)).astype(np.float32),
        "layers.0.bias": rng.normal(size=5).astype(np.float32),
        "layers.1.weight": rng.normal(size=(3, 5)).astype(np.float32),
        "layers.1.bias": rng.normal(size=3).astype(np.float32),
    }
    description = {
        "layers": [
            {"input_size": 4, "output_size": 5, "activation": "tanh"},
            {"input_size": 5, "output_size": 3, "activation": "softmax"},
        ],
        "loss": "cross-entropy",
        "labels": {"task": "classification", "class_names": ["setosa", "versicolor", "virginica"]},
        "scaler": {"kind": "standardize", "shift": [5.8, 3.0, 3.7, 1.2], "scale": [0.8, 0.4, 1.8, 0.8]},
        "feature_names": ["sepal_length", "sepal_width", "petal_length", "petal_width"],
        "label_name": "species",
        "input": "table",
    }
    path = tmp_path / "python.safetensors"
    save_file(tensors, str(path), metadata={"format": "backprop", "format_version": "1", "model": json.dumps(description)})
    ours = predicted_probabilities(path, IRIS)
    theirs = numpy_forward(str(path), iris_features())
    assert relative_difference(ours, theirs) <= 1e-5
    assert "5×4" in backprop("summary", path)


@pytest.mark.parametrize("activation,loss", [
    ("relu", "cross-entropy"), ("tanh", "binary-cross-entropy"), ("sigmoid", "quadratic"),
    ("leaky-relu", "cross-entropy"), ("identity", "cross-entropy"),
])
def test_onnx_runtime_runs_exported_models(tmp_path, activation, loss):
    model, exported = tmp_path / "m.safetensors", tmp_path / "m.onnx"
    data = IRIS
    if loss == "binary-cross-entropy":  # two classes: one sigmoid output
        data = tmp_path / "two.csv"
        lines = open(IRIS).read().strip().split("\n")
        data.write_text("\n".join([lines[0]] + [l for l in lines[1:] if not l.endswith("setosa")]) + "\n")
    backprop("train", data, "--hidden", "8", "--activation", activation, "--loss", loss, "--epochs", "20", "--output", model)
    backprop("export", model, "--onnx", exported)
    session = onnxruntime.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    x = np.array([[float(v) for v in l.split(",")[:4]] for l in open(data).read().strip().split("\n")[1:]], dtype=np.float32)
    (onnx_out,) = session.run(["output"], {"input": x})
    ours = predicted_probabilities(model, data)
    if onnx_out.shape[1] == 1 and ours.shape[1] == 2:  # predict lists both classes for one sigmoid output
        ours = ours[:, 1:]
    assert onnx_out.shape == ours.shape
    assert relative_difference(onnx_out, ours) <= 1e-5


def write_idx(path, array):
    """An IDX file of unsigned bytes, as MNIST ships them (gzipped when the name ends in .gz)."""
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_exported_image_models_take_raw_pixel_bytes(tmp_path):
    """Every step from a file's values to the network's input is in the graph: ONNX Runtime
    given an IDX file's pixel bytes (0-255) agrees with `backprop predict` on that file."""
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 3, size=90)
    images = np.clip(rng.normal(60 + 60 * labels[:, None, None], 40, size=(90, 6, 6)), 0, 255).astype(np.uint8)
    images_path = tmp_path / "small-images-idx3-ubyte.gz"
    write_idx(images_path, images)
    write_idx(tmp_path / "small-labels-idx1-ubyte.gz", labels)
    model, exported = tmp_path / "m.safetensors", tmp_path / "m.onnx"
    backprop("train", images_path, "--hidden", "8", "--epochs", "15", "--output", model)
    backprop("export", model, "--onnx", exported)
    session = onnxruntime.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    raw = images.reshape(90, 36).astype(np.float32)
    (onnx_out,) = session.run(["output"], {"input": raw})
    ours = predicted_probabilities(model, images_path)
    assert onnx_out.shape == ours.shape == (90, 3)
    assert relative_difference(onnx_out, ours) <= 1e-5
    assert relative_difference(numpy_forward(str(model), raw), ours) <= 1e-5
