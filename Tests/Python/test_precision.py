"""`--precision bf16` and `--save-precision bf16` on the built binary: what the JSON reports,
the note on a CPU without bfloat16 instructions, the same bits from every kernel family,
and BF16 model files as safetensors stores them. Run by `make test` with BACKPROP set."""
import json
import os
import struct
import subprocess
from pathlib import Path

import numpy as np

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
IRIS = str(Path(__file__).parents[1] / "Fixtures/iris.csv")
NOTE = "no bfloat16 instructions"


def run(*args, env=None):
    result = subprocess.run([BACKPROP, *map(str, args)], capture_output=True, text=True,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr
    return result


def has_bf16_instructions():
    flags = Path("/proc/cpuinfo").read_text().split()
    return "avx512_bf16" in flags


def train(tmp_path, name, *extra, env=None):
    model = tmp_path / f"{name}.safetensors"
    result = run("train", IRIS, "--hidden", "16", "--epochs", "20", "--seed", "3", "--json",
                 "--output", model, *extra, env=env)
    return json.loads(result.stdout.strip().split("\n")[-1]), result.stderr, model


def tensors(path):
    """The tensors of a safetensors file as float32 arrays, BF16 widened, with their dtypes."""
    data = Path(path).read_bytes()
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = body[begin:end]
        if entry["dtype"] == "BF16":
            values = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            values = np.frombuffer(raw, dtype="<f4")
        out[name] = (entry["dtype"], values.reshape(entry["shape"]))
    return out


def round_bf16(x):
    """float32 to bfloat16 (as float32), to nearest with ties to even."""
    u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16
    return u.astype(np.uint32).view(np.float32)


def test_bf16_training_reports_its_precision_and_kernels(tmp_path):
    final, stderr, _ = train(tmp_path, "bf16", "--precision", "bf16")
    assert final["precision"] == "bf16"
    assert final["kernels"] in ("avx512-bf16", "avx2", "portable")
    # Said once, and only where the CPU lacks the instructions.
    assert stderr.count(NOTE) == (0 if has_bf16_instructions() else 1), stderr
    plain, stderr, _ = train(tmp_path, "fp32")
    assert plain["precision"] == "fp32" and NOTE not in stderr


def test_every_kernel_family_trains_the_same_bits(tmp_path):
    """The portable kernel and the fastest one sum in the same order: the trained parameters
    are bit for bit the same (the files differ only in the run's record: kernels, seconds);
    and they are not the float32 run's."""
    _, _, fast = train(tmp_path, "fast", "--precision", "bf16")
    final, _, portable = train(tmp_path, "portable", "--precision", "bf16", env={"BACKPROP_ISA": "portable"})
    assert final["kernels"] == "portable"
    _, _, fp32 = train(tmp_path, "fp32")
    fast, portable, fp32 = tensors(fast), tensors(portable), tensors(fp32)
    for name, (_, values) in fast.items():
        assert values.tobytes() == portable[name][1].tobytes(), name
    assert any(values.tobytes() != fp32[name][1].tobytes() for name, (_, values) in fast.items())


def test_amx_kernels_run_only_when_asked_for(tmp_path):
    """BACKPROP_ISA=amx adds the AMX kernel where the CPU has AMX-BF16, and the run trains as
    well as the default kernels' (its sums are in TDPBF16PS's order, so not the same bits);
    without it, or on a CPU without AMX, the kernels are the default ones."""
    def bf16_run(env=None):
        result = run("train", IRIS, "--hidden", "16", "--epochs", "20", "--seed", "3", "--json",
                     "--precision", "bf16", env=env)
        lines = [json.loads(line) for line in result.stdout.strip().split("\n")]
        return lines[-1]["kernels"], lines[-2]["train_loss"]

    default, default_loss = bf16_run()
    asked, asked_loss = bf16_run({"BACKPROP_ISA": "amx"})
    flags = Path("/proc/cpuinfo").read_text().split()
    has_amx = "amx_bf16" in flags and "amx_tile" in flags
    assert default != "amx-bf16"
    assert asked == ("amx-bf16" if has_amx else default)
    assert abs(asked_loss - default_loss) < 0.02, (asked_loss, default_loss)


def test_save_precision_bf16_writes_rounded_bf16_tensors(tmp_path):
    _, _, f32 = train(tmp_path, "f32", "--precision", "bf16")
    _, _, bf16 = train(tmp_path, "b16", "--precision", "bf16", "--save-precision", "bf16")
    full, half = tensors(f32), tensors(bf16)
    assert set(full) == set(half)
    for name, (dtype, values) in half.items():
        assert dtype == "BF16"
        np.testing.assert_array_equal(values, round_bf16(full[name][1]))
    assert bf16.stat().st_size < f32.stat().st_size
    # The BF16 file serves as any model file: evaluate and predict read it.
    report = json.loads(run("evaluate", bf16, IRIS, "--json").stdout)
    assert report["accuracy"] > 0.8


def test_evaluate_and_predict_in_bf16(tmp_path):
    _, _, model = train(tmp_path, "m")
    exact = json.loads(run("evaluate", model, IRIS, "--json").stdout)
    mixed_run = run("evaluate", model, IRIS, "--json", "--precision", "bf16")
    mixed = json.loads(mixed_run.stdout)
    assert exact["precision"] == "fp32" and mixed["precision"] == "bf16"
    assert abs(mixed["accuracy"] - exact["accuracy"]) <= 0.04
    assert mixed["loss"] != exact["loss"]
    rows = run("predict", model, IRIS, "--precision", "bf16").stdout.strip().split("\n")
    assert rows[0] == "prediction" and len(rows) == 151
