"""`backprop serve DIR`: a repository of models and versions (DIR/NAME/VERSION/model.safetensors)
served by version policy, gaining and losing versions while clients query it over REST and
gRPC (tritonclient.grpc), with no failed request. Run by `make test` against the built binary ($BACKPROP)."""

import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import tritonclient.grpc as grpcclient

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
IRIS = str(Path(__file__).parents[1] / "Fixtures/iris.csv")
ROW = [5.1, 3.5, 1.4, 0.2]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Two iris models trained differently: their answers tell them apart."""
    folder = tmp_path_factory.mktemp("models")
    paths = []
    for seed, epochs in [(1, 1), (2, 30)]:
        path = folder / f"iris-{seed}.safetensors"
        subprocess.run([BACKPROP, "train", IRIS, "--epochs", str(epochs), "--seed", str(seed), "--output", path],
                       check=True, capture_output=True)
        paths.append(path)
    return paths


def place(repository, name, version, model):
    """Writes `model` as NAME/VERSION, as a deployment does: to a temporary name, then renamed."""
    folder = repository / name / str(version)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, folder / "model.tmp")
    os.replace(folder / "model.tmp", folder / "model.safetensors")


class Server:
    def __init__(self, repository, *arguments):
        self.process = subprocess.Popen(
            [BACKPROP, "serve", repository, "--port", "0", "--watch-interval", "0.2", *arguments],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The HTTP and gRPC servers start side by side: their lines come in either order.
        self.banner, self.grpc = None, None
        while self.banner is None or ("--grpc-port" in arguments and self.grpc is None):
            line = self.process.stdout.readline()
            assert line, ("serve exited before printing its ports", self.process.stderr.read())
            if match := re.search(r"gRPC at (\S+:\d+)", line):
                self.grpc = match.group(1)
            elif match := re.search(r"http://([^/]+)/", line):
                self.banner, self.url = line, f"http://{match.group(1)}/"

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def predict(self, name, version=None):
        path = f"v1/models/{name}" + (f"/versions/{version}" if version else "") + ":predict"
        request = urllib.request.Request(self.url + path, data=json.dumps({"instances": [ROW]}).encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def index(self):
        status, index = self.get("v2/repository/index")
        assert status == 200
        return sorted((entry["name"], int(entry["version"])) for entry in index)

    def wait_for(self, expected, seconds=10):
        deadline = time.monotonic() + seconds
        while self.index() != expected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.index() == expected

    def stop(self):
        self.process.terminate()
        assert self.process.wait(timeout=30) == 0


def test_versions_by_policy(tmp_path, models):
    repository = tmp_path / "repository"
    for version in (1, 2, 3):
        place(repository, "iris", version, models[version % 2])
    place(repository, "setosa", 7, models[0])
    for policy, expected in [
        ("latest:1", [("iris", 3), ("setosa", 7)]),
        ("latest:2", [("iris", 2), ("iris", 3), ("setosa", 7)]),
        ("all", [("iris", 1), ("iris", 2), ("iris", 3), ("setosa", 7)]),
        ("specific:1,7", [("iris", 1), ("setosa", 7)]),
    ]:
        server = Server(repository, "--version-policy", policy)
        try:
            assert server.index() == expected, policy
            status, ready = server.get("readyz")
            assert status == 200 and len(ready["models"]) == len(expected)
            # A request without a version gets the newest served; one for a version not served is 404.
            newest = max(v for n, v in expected if n == "iris")
            status, answer = server.predict("iris")
            assert status == 200 and answer == server.predict("iris", newest)[1]
            status, answer = server.predict("iris", 9)
            assert status == 404 and "has no version '9'" in answer["error"]
            status, metadata = server.get(f"v1/models/iris/versions/{newest}")
            assert status == 200 and metadata["version"] == newest
            assert server.predict("nothing")[0] == 404
            # The Open Inference Protocol sees the same versions.
            status, v2 = server.get("v2/models/iris")
            assert status == 200 and sorted(v2["versions"]) == sorted(str(v) for n, v in expected if n == "iris")
            infer = {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": ROW}]}
            request = urllib.request.Request(
                server.url + f"v2/models/iris/versions/{newest}/infer", data=json.dumps(infer).encode(), method="POST")
            with urllib.request.urlopen(request, timeout=10) as response:
                assert json.loads(response.read())["model_version"] == str(newest)
        finally:
            server.stop()


def test_a_repository_that_changes_under_load(tmp_path, models):
    """Four clients, two over REST and two over gRPC, query iris without a version while
    versions appear, a broken one comes and goes, and the newest is removed: every request is
    answered, by the version the policy serves at that moment."""
    repository = tmp_path / "repository"
    place(repository, "iris", 1, models[0])
    server = Server(repository, "--grpc-port", "0")
    answers = {json.dumps(server.predict("iris")[1])}
    failures, stop = [], threading.Event()
    grpc_versions = set()

    def client():
        while not stop.is_set():
            status, answer = server.predict("iris")
            if status != 200:
                failures.append((status, answer))

    def grpc_client():
        client = grpcclient.InferenceServerClient(url=server.grpc)
        tensor = grpcclient.InferInput("input", [1, 4], "FP32")
        tensor.set_data_from_numpy(np.array([ROW], dtype=np.float32))
        while not stop.is_set():
            try:
                grpc_versions.add(client.infer("iris", [tensor]).get_response().model_version)
            except Exception as error:  # noqa: BLE001 -- any failure is the test's finding
                failures.append(("grpc", str(error)))

    clients = [threading.Thread(target=f) for f in (client, client, grpc_client, grpc_client)]
    for thread in clients:
        thread.start()
    try:
        place(repository, "iris", 2, models[1])
        server.wait_for([("iris", 2)])
        answers.add(json.dumps(server.predict("iris")[1]))
        broken = repository / "iris" / "3"
        broken.mkdir()
        (broken / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}")  # a header and no tensors
        time.sleep(0.6)
        assert server.index() == [("iris", 2)]
        shutil.rmtree(broken)
        shutil.rmtree(repository / "iris" / "2")
        server.wait_for([("iris", 1)])
        place(repository, "wine", 1, models[1])
        server.wait_for([("iris", 1), ("wine", 1)])
    finally:
        stop.set()
        for thread in clients:
            thread.join()
    assert failures == []
    assert len(answers) == 2  # the two versions answer differently
    assert grpc_versions == {"1", "2"}
    server.stop()


def test_a_repository_and_a_name_do_not_go_together(tmp_path, models):
    repository = tmp_path / "repository"
    place(repository, "iris", 1, models[0])
    result = subprocess.run([BACKPROP, "serve", repository, "--name", "x"], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "repository folder" in result.stderr
    result = subprocess.run([BACKPROP, "serve", repository, "--version-policy", "newest"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 64 or result.returncode == 2
    assert "--version-policy newest: expected latest:N" in result.stderr
