"""`train --shuffle-buffer`: a training file larger than the memory the process may use (the
limit of a memory cgroup it runs in) trains as a stream and, interrupted within an epoch,
resumes to exactly the model of the run that was never interrupted, while the same command
holding the file is stopped by the limit; a streamed CSV table's peak memory stays near a
tiny file's while holding it grows with the file; the flag's usage errors. Run by `make test`
with BACKPROP pointing at the binary."""
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
LIMIT = 32 << 20  # bytes of memory the limited runs may use
# Runs the command and prints its peak resident memory in KiB last.
PEAK = "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; " \
       "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"


def memory_cgroup(name):
    """A new memory cgroup limited to LIMIT bytes (v1 or v2), or None where none can be made."""
    for root, limit in (("/sys/fs/cgroup/memory", "memory.limit_in_bytes"), ("/sys/fs/cgroup", "memory.max")):
        folder = Path(root) / name
        try:
            folder.mkdir()
        except OSError:
            continue
        try:
            (folder / limit).write_text(str(LIMIT))
            return folder
        except OSError:
            folder.rmdir()
    return None


@pytest.fixture
def limited():
    """A prefix that runs a command inside a memory cgroup of LIMIT bytes, removed afterwards."""
    folder = memory_cgroup(f"backprop-test-{os.getpid()}")
    if folder is None:
        pytest.skip("cannot make a memory cgroup here (needs a writable /sys/fs/cgroup)")
    yield ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(folder)]
    for _ in range(50):
        try:
            folder.rmdir()
            break
        except OSError:
            time.sleep(0.1)


def images(folder, count=9_000, side=64):
    """IDX images of count × side × side bytes (larger than LIMIT) and their labels, 0 … 9."""
    path = folder / "big-images-idx3-ubyte"
    with open(path, "wb") as out:
        out.write(bytes([0, 0, 8, 3]) + struct.pack(">III", count, side, side))
        block = bytes((i * 37 + i // 700) % 256 for i in range(side * side * 100))
        for _ in range(count // 100):
            out.write(block)
    with open(folder / "big-labels-idx1-ubyte", "wb") as out:
        out.write(bytes([0, 0, 8, 1]) + struct.pack(">I", count) + bytes((i * 7) % 10 for i in range(count)))
    return path


def tensors(path):
    raw = Path(path).read_bytes()
    return raw[8 + int.from_bytes(raw[:8], "little"):]


def test_a_file_larger_than_the_memory_limit_trains_in_a_stream_and_resumes_exactly(tmp_path, limited):
    data = images(tmp_path)
    assert data.stat().st_size > LIMIT
    train = [*limited, BACKPROP, "train", str(data), "--hidden", "8", "--batch-size", "64", "--epochs", "1",
             "--seed", "5", "--checkpoint-dir", str(tmp_path / "ckpt")]
    streamed = [*train, "--shuffle-buffer", "500"]

    whole = subprocess.run([*streamed, "--output", tmp_path / "whole.safetensors"], capture_output=True, text=True, timeout=300)
    assert whole.returncode == 0, whole.stderr

    # Interrupted after batch 60 of the epoch's 141 (the command raises SIGINT itself there).
    paused = subprocess.run(streamed, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "BACKPROP_RAISE_AT": "batch-1-60"})
    assert paused.returncode == 130, paused.stderr
    checkpoint = re.search(r"checkpoint written to (\S+);", paused.stderr).group(1)

    resumed = subprocess.run([*streamed, "--resume", checkpoint, "--output", tmp_path / "resumed.safetensors"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert re.search(r"Resuming \S+ at epoch 1, batch 60\b", resumed.stdout), resumed.stdout
    assert tensors(tmp_path / "resumed.safetensors") == tensors(tmp_path / "whole.safetensors")

    held = subprocess.run(train, capture_output=True, text=True, timeout=300)
    assert held.returncode != 0, "holding the file should not fit in the limit"


def peak(*command):
    result = subprocess.run([sys.executable, "-c", PEAK, BACKPROP, *map(str, command)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


def table(path, rows):
    with open(path, "w") as out:
        out.write(",".join(f"x{j}" for j in range(40)) + ",label\n")
        for i in range(rows):
            out.write(",".join(f"{(i * 7 + j * 13) % 101 / 10:.3f}" for j in range(40)) + f",{i % 3}\n")
    return path


def test_a_streamed_table_holds_little_of_the_file(tmp_path):
    small, large = table(tmp_path / "small.csv", 50), table(tmp_path / "large.csv", 15_000)
    flags = ["--hidden", "4", "--epochs", "1", "--batch-size", "32"]
    base = peak("train", small, *flags, "--shuffle-buffer", "500")
    streamed = peak("train", large, *flags, "--shuffle-buffer", "500") - base
    held = peak("train", large, *flags) - base
    print(f"memory for a {large.stat().st_size}-byte table: streamed {streamed} KiB, held {held} KiB")
    assert held > 10_000, "the data should dominate the measurement"
    assert streamed < 0.25 * held, (streamed, held)


@pytest.mark.parametrize("flags, message", [
    (["--shuffle-buffer", "0"], "--shuffle-buffer must be at least 1"),
    (["--shuffle-buffer", "10", "--validation-split", "0.2"], "cannot hold out --validation-split"),
])
def test_usage_errors(tmp_path, flags, message):
    result = subprocess.run([BACKPROP, "train", table(tmp_path / "data.csv", 10), *flags], capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr, result.stderr
