"""Special and oversized input files through the built `backprop`:
each ends with exit status 1 and one line on stderr naming the file, within a time limit,
with the child's address space capped by `ulimit -v` (so unbounded reading would crash it
instead of ending cleanly), and its own peak memory reported."""
import gzip
import os
import struct
import subprocess
from pathlib import Path

import pytest

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
IRIS = str(Path(__file__).parents[1] / "Fixtures/iris.csv")
LIMIT_KIB = 4 * 1024 * 1024  # 4 GiB of address space: far below what the inputs claim


def run_limited(*args):
    """Runs backprop under `ulimit -v`, with a time limit; returns (status, stderr)."""
    command = f'ulimit -v {LIMIT_KIB}; exec "$@"'
    try:
        result = subprocess.run(["bash", "-c", command, "bash", BACKPROP, *map(str, args)],
                                capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"backprop {' '.join(map(str, args))} ran past 60 s")
    return result.returncode, result.stderr.decode()


def measure(*args):
    """Peak resident KiB of one run, from GNU time if installed, else None."""
    if not os.path.exists("/usr/bin/time"):
        return None
    result = subprocess.run(["/usr/bin/time", "-f", "%M", BACKPROP, *map(str, args)],
                            capture_output=True, text=True, timeout=60)
    return int(result.stderr.strip().split("\n")[-1])


def write_idx_header(f, count, side):
    f.write(struct.pack(">BBBB", 0, 0, 8, 3) + struct.pack(">3I", count, side, side))


def cases(tmp):
    fifo = tmp / "pipe.csv"
    os.mkfifo(fifo)
    folder = tmp / "folder.csv"
    folder.mkdir()
    big = tmp / "big.csv"
    big.write_text("a,b,label\n" + "1,2,x\n3,4,y\n" * 2000)  # 24 kB
    bomb = tmp / "bomb-images-idx3-ubyte.gz"
    # A real gzip bomb at about 1000:1: 64 MiB of zero pixels in ~64 kB, declared by the header.
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        write_idx_header(f, 65536, 32)
        zeros = bytes(1 << 20)
        for _ in range(64):
            f.write(zeros)
    with gzip.open(tmp / "bomb-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, 8, 1) + struct.pack(">I", 65536) + bytes(65536))
    model = tmp / "model.safetensors"
    return [
        ("/dev/zero as CSV", ["train", "/dev/zero", "--epochs", "1"], "/dev/zero", "a device"),
        ("/dev/zero as a model", ["summary", "/dev/zero"], "/dev/zero", "a device"),
        ("a FIFO as CSV", ["train", fifo, "--epochs", "1"], str(fifo), "FIFO"),
        ("a FIFO as a model", ["evaluate", fifo, IRIS], str(fifo), "FIFO"),
        ("a folder as CSV", ["train", folder], str(folder), "a folder"),
        ("a CSV file over --max-input-bytes", ["train", big, "--max-input-bytes", "10000"], str(big), "input limit"),
        ("a model file over --max-input-bytes", ["predict", model, IRIS, "--max-input-bytes", "100"], str(model),
         "input limit"),
        ("a gzip bomb over --max-input-bytes", ["train", bomb, "--max-input-bytes", "1000000"], str(bomb), "input limit"),
    ]


def test_special_and_oversized_files_give_one_line(tmp_path):
    subprocess.run([BACKPROP, "train", IRIS, "--epochs", "1", "--output", tmp_path / "model.safetensors"],
                   check=True, capture_output=True)
    peaks = {}
    for name, args, named, says in cases(tmp_path):
        status, err = run_limited(*args)
        lines = err.strip().split("\n")
        assert status == 1, f"{name}: exit {status}: {err}"
        assert len(lines) == 1 and named in lines[0] and says in lines[0], f"{name}: {err}"
        if "FIFO" not in name:
            peaks[name] = measure(*args)
    print("peak resident KiB per case:", peaks)
    known = [p for p in peaks.values() if p is not None]
    assert all(p < 512 * 1024 for p in known), peaks
