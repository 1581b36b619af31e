"""Ranks on different hosts, as `scripts/hosts.sh` makes them on one machine: two network
namespaces with their own addresses on a bridge, `mpirun` across them, the ranks talking
over TCP (no shared memory). Two ranks on two hosts step in lockstep with one process, and
`train --distributed` across them writes the model one process trains. Run by `make test`
(as root: namespaces need CAP_NET_ADMIN) with BACKPROP pointing at the binary."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
HOSTS = str(ROOT / "scripts/hosts.sh")
BACKPROP = os.environ.get("BACKPROP", str(ROOT / ".build/debug/backprop"))
EQUIVALENCE = str(Path(BACKPROP).parent / "mpi-equivalence")
IRIS = str(ROOT / "Tests/Fixtures/iris.csv")
MPI_AS_ROOT = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


def namespaces():
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split("\n")
    return [line.split()[0] for line in listed if line.startswith("bp")]


def transmitted_bytes(link):
    """Bytes the bridge's end of host 1's link has carried, both ways."""
    stats = json.loads(subprocess.run(["ip", "-s", "-j", "link", "show", link], capture_output=True, text=True).stdout)
    return stats[0]["stats64"]["rx"]["bytes"] + stats[0]["stats64"]["tx"]["bytes"]


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    if shutil.which("ip") is None or shutil.which("mpirun") is None:
        pytest.skip("needs iproute2 and Open MPI (make deps installs them)")
    up = subprocess.run([HOSTS, "up", "2"], capture_output=True, text=True)
    if up.returncode != 0:
        subprocess.run([HOSTS, "down"], capture_output=True)
        pytest.skip(f"network namespaces cannot be made here (root and CAP_NET_ADMIN needed): {up.stderr.strip()}")
    try:
        yield tmp_path_factory.mktemp("hosts")
    finally:
        subprocess.run([HOSTS, "down"], check=True)
        assert namespaces() == [], "scripts/hosts.sh down left namespaces behind"


def mpirun(folder, *args):
    env = {**os.environ, **MPI_AS_ROOT, "TMPDIR": str(folder)}
    return subprocess.run([HOSTS, "mpirun", "2", *map(str, args)], capture_output=True, text=True, env=env, timeout=180)


def test_two_hosts_step_in_lockstep_with_one_process(hosts):
    before = transmitted_bytes("bpv1")
    result = mpirun(hosts, EQUIVALENCE)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.split("\n") if line.startswith(("ok ", "FAILED "))]
    assert len(lines) == 11 and all(line.startswith("ok ") for line in lines), result.stdout
    # The gradient sums crossed host 1's link: tens of kilobytes of TCP, not shared memory.
    assert transmitted_bytes("bpv1") - before > 20_000


def test_each_host_has_a_core_of_its_own(hosts):
    # Every daemon sees the whole machine; Open MPI's own binding would put both ranks on
    # core 0 and halve their speed. scripts/hosts.sh gives host i core (i − 1) mod cores.
    result = mpirun(hosts, "sh", "-c", "echo $(hostname) $(taskset -cp $$ | sed 's/.*: //')")
    assert result.returncode == 0, result.stdout + result.stderr
    cores = dict(line.split() for line in result.stdout.split("\n") if line.startswith("bp"))
    expected = {"bp1": "0", "bp2": "1"} if os.cpu_count() > 1 else {"bp1": "0", "bp2": "0"}
    assert cores == expected, result.stdout


def test_distributed_train_across_hosts_matches_one_process(hosts):
    flags = ["--hidden", "16", "--epochs", "5", "--batch-size", "16", "--optimizer", "sgd", "--learning-rate", "0.1"]
    one, two = hosts / "one.safetensors", hosts / "two.safetensors"
    subprocess.run([BACKPROP, "train", IRIS, "--output", one, *flags], check=True, capture_output=True)
    result = mpirun(hosts, BACKPROP, "train", IRIS, "--distributed", "--output", two, *flags)
    assert result.returncode == 0, result.stderr
    assert "Data-parallel on 2 processes" in result.stdout

    def evaluate(model):
        out = subprocess.run([BACKPROP, "evaluate", model, IRIS, "--json"], check=True, capture_output=True, text=True)
        return json.loads(out.stdout)
    a, b = evaluate(one), evaluate(two)
    assert abs(a["loss"] - b["loss"]) <= 1e-4 * a["loss"], (a["loss"], b["loss"])
    assert a["accuracy"] == b["accuracy"]


def test_sharded_train_across_hosts(hosts):
    """`--shard-data` across hosts: each host reads its part of the training and test sets,
    and the test metrics are summed over both parts (all 150 examples)."""
    flags = ["--hidden", "16", "--epochs", "40", "--batch-size", "16", "--validation-split", "0.2", "--json"]
    result = mpirun(hosts, BACKPROP, "train", IRIS, "--distributed", "--shard-data", "--test", IRIS, *flags)
    assert result.returncode == 0, result.stderr
    final = json.loads(result.stdout.strip().split("\n")[-1])
    assert final["test_examples"] == 150
    assert final["test_accuracy"] >= 0.8, final
