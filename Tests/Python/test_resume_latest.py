"""`train --resume latest`: the newest whole checkpoint in the checkpoint folder, as a cluster
script's restart loop uses it; one that does not read is passed over, and a folder without
any starts a new run (a restart loop's first start), one whose every checkpoint is damaged
is an error. Run by `make test` with BACKPROP pointing at the binary."""
import os
import subprocess
from pathlib import Path

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
IRIS = str(Path(__file__).parents[1] / "Fixtures/iris.csv")
FLAGS = ["--hidden", "8", "--epochs", "10", "--batch-size", "16", "--seed", "4"]


def train(*args):
    return subprocess.run([BACKPROP, "train", IRIS, *FLAGS, *map(str, args)], capture_output=True, text=True)


def tensors(path):
    """The model file's tensor bytes (its header holds the run's record, timings included)."""
    data = Path(path).read_bytes()
    length = int.from_bytes(data[:8], "little")
    return data[8 + length:]


def test_resume_latest_continues_from_the_newest_checkpoint(tmp_path):
    folder = tmp_path / "ckpt"
    whole = train("--checkpoint-every", "3", "--checkpoint-dir", folder, "--output", tmp_path / "whole.safetensors")
    assert whole.returncode == 0, whole.stderr
    assert sorted(p.name for p in folder.iterdir()) == [f"checkpoint-epoch-{e}.safetensors" for e in (3, 6, 9)]
    resumed = train("--checkpoint-dir", folder, "--resume", "latest", "--output", tmp_path / "resumed.safetensors")
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming {folder}/checkpoint-epoch-9.safetensors at epoch 10" in resumed.stdout
    assert tensors(tmp_path / "resumed.safetensors") == tensors(tmp_path / "whole.safetensors")


def test_a_damaged_newest_checkpoint_is_passed_over(tmp_path):
    folder = tmp_path / "ckpt"
    assert train("--checkpoint-every", "3", "--checkpoint-dir", folder).returncode == 0
    newest = folder / "checkpoint-epoch-9.safetensors"
    newest.write_bytes(newest.read_bytes()[:100])  # as if the host died while copying it elsewhere
    resumed = train("--checkpoint-dir", folder, "--resume", "latest")
    assert resumed.returncode == 0, resumed.stderr
    assert f"passing over {newest}" in resumed.stderr
    assert "checkpoint-epoch-6.safetensors at epoch 7" in resumed.stdout


def test_no_checkpoint_starts_a_new_run_and_only_damaged_ones_are_an_error(tmp_path):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    fresh = train("--checkpoint-dir", folder, "--resume", "latest", "--output", tmp_path / "fresh.safetensors")
    assert fresh.returncode == 0, fresh.stderr
    assert f"no checkpoint (checkpoint-epoch-*.safetensors) in {folder} yet; starting a new run" in fresh.stderr
    assert "Resuming" not in fresh.stdout
    assert train("--output", tmp_path / "plain.safetensors").returncode == 0
    assert tensors(tmp_path / "fresh.safetensors") == tensors(tmp_path / "plain.safetensors")
    (folder / "checkpoint-epoch-2.safetensors").write_bytes(b"not a checkpoint")
    damaged = train("--checkpoint-dir", folder, "--resume", "latest")
    assert damaged.returncode == 1
    assert f"--resume latest: no readable checkpoint (checkpoint-epoch-*.safetensors) in {folder}" in damaged.stderr
