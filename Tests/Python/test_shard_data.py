"""`train --distributed --shard-data`: each rank reads and holds only its part of the data
file, so that its memory for the data is about half of one process's on 2 ranks (peak
resident memory measured per process, less the same command's on a file of 8 rows); a
sharded run resumes exactly from its checkpoint; the flag without `--distributed` is a usage
error. Run by `make test` with BACKPROP pointing at the binary (skipped without mpirun)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
MPI_AS_ROOT = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
# Runs the command and writes its peak resident memory in KiB to $PEAKS/<rank>.
PEAK = "import os, resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; " \
       "rank = os.environ.get('OMPI_COMM_WORLD_RANK', '0'); " \
       "open(os.path.join(os.environ['PEAKS'], rank), 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); " \
       "sys.exit(code)"
FEATURES = 40

needs_mpi = pytest.mark.skipif(shutil.which("mpirun") is None, reason="needs Open MPI (make deps installs it)")


def table(path, rows):
    """A CSV table of `rows` examples: FEATURES numbers each and a class label 0 … 2."""
    with open(path, "w") as out:
        out.write(",".join(f"x{j}" for j in range(FEATURES)) + ",label\n")
        for i in range(rows):
            out.write(",".join(f"{(i * 7 + j * 13) % 101 / 10:.3f}" for j in range(FEATURES)) + f",{i % 3}\n")
    return path


def peaks(*command, ranks=1, folder):
    """The peak resident memory in KiB of each process `command` runs as (one per rank)."""
    launcher = ["mpirun", "-np", str(ranks)] if ranks > 1 else []
    shutil.rmtree(folder / "peaks", ignore_errors=True)
    (folder / "peaks").mkdir()
    env = {**os.environ, **MPI_AS_ROOT, "TMPDIR": str(folder), "PEAKS": str(folder / "peaks")}
    result = subprocess.run([*launcher, sys.executable, "-c", PEAK, BACKPROP, *map(str, command)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return [int((folder / "peaks" / str(rank)).read_text()) for rank in range(ranks)]


def train(data, *flags, ranks, folder):
    shard = ["--distributed", "--shard-data"] if ranks > 1 else []
    return peaks("train", data, "--hidden", "4", "--epochs", "1", "--batch-size", "256", *shard, *flags,
                 ranks=ranks, folder=folder)


@needs_mpi
def test_each_rank_holds_about_half_the_data(tmp_path):
    small, large = table(tmp_path / "small.csv", 8), table(tmp_path / "large.csv", 30_000)
    flags = ["--batch-size", "4"]
    one = train(large, ranks=1, folder=tmp_path)[0] - train(small, *flags, ranks=1, folder=tmp_path)[0]
    base = max(train(small, *flags, ranks=2, folder=tmp_path))
    two = [peak - base for peak in train(large, ranks=2, folder=tmp_path)]
    print(f"memory for the data: one process {one} KiB, each of 2 sharded ranks {two} KiB")
    assert one > 20_000, "the data should dominate the measurement"
    assert all(0.3 * one <= rank <= 0.65 * one for rank in two), (one, two)


@needs_mpi
def test_a_sharded_run_resumes_exactly(tmp_path):
    data = table(tmp_path / "data.csv", 300)
    common = ["--hidden", "6", "--batch-size", "20", "--seed", "3", "--distributed", "--shard-data"]
    env = {**os.environ, **MPI_AS_ROOT, "TMPDIR": str(tmp_path)}

    def run(*flags):
        result = subprocess.run(["mpirun", "-np", "2", BACKPROP, "train", data, *common, *map(str, flags)],
                                capture_output=True, text=True, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        return result
    run("--epochs", "4", "--checkpoint-every", "2", "--checkpoint-dir", tmp_path / "ckpt", "--output", tmp_path / "whole.safetensors")
    run("--epochs", "4", "--resume", tmp_path / "ckpt/checkpoint-epoch-2.safetensors", "--output", tmp_path / "resumed.safetensors")

    def tensors(path):
        raw = Path(path).read_bytes()
        return raw[8 + int.from_bytes(raw[:8], "little"):]
    assert tensors(tmp_path / "resumed.safetensors") == tensors(tmp_path / "whole.safetensors")


def test_shard_data_needs_distributed(tmp_path):
    data = table(tmp_path / "data.csv", 10)
    result = subprocess.run([BACKPROP, "train", data, "--shard-data"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "--shard-data needs --distributed" in result.stderr
