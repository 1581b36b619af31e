"""The Open Inference Protocol over gRPC (`backprop serve --grpc-port`, the service
inference.GRPCInferenceService that Triton serves on 8001) driven by Triton's own client,
tritonclient[grpc]: readiness and metadata as the client parses them, inference with raw and
numeric tensors, answers equal to `backprop predict` on the same rows, version selection,
the bearer token, the metrics, and hostile messages sent through the client's generated stub,
each a gRPC error with a status code and a message that names the fault, never a crash.
Run by `make test`."""

import csv
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import grpc
import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.grpc import service_pb2, service_pb2_grpc
from tritonclient.utils import InferenceServerException

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
IRIS = str(Path(__file__).parents[1] / "Fixtures/iris.csv")
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
CLASSES = ["setosa", "versicolor", "virginica"]
MAX_EXAMPLES = 64
MAX_BODY = 1 << 16
TOKEN = "s3cret-token"


class Server:
    def __init__(self, process, http_port, grpc_port, model):
        self.process, self.model = process, model
        self.http, self.url = f"127.0.0.1:{http_port}", f"127.0.0.1:{grpc_port}"


def start(model, *flags):
    """`backprop serve MODEL --grpc-port 0 FLAGS`, once both ports are printed."""
    process = subprocess.Popen(
        [BACKPROP, "serve", model, "--port", "0", "--grpc-port", "0", "--max-request-examples", str(MAX_EXAMPLES),
         "--max-body-bytes", str(MAX_BODY), *flags],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ports = {}
    while len(ports) < 2:
        line = process.stdout.readline()
        assert line, "serve exited before printing its ports"
        if match := re.search(r"gRPC at [^ ]+:(\d+)", line):
            ports["grpc"] = int(match.group(1))
        elif match := re.search(r"http://[^:]+:(\d+)", line):
            ports["http"] = int(match.group(1))
    return Server(process, ports["http"], ports["grpc"], model)


def stop(server):
    server.process.send_signal(signal.SIGTERM)
    try:
        assert server.process.wait(timeout=10) == 0
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        raise


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("grpc") / "iris.safetensors"
    subprocess.run([BACKPROP, "train", IRIS, "--epochs", "2", "--seed", "1", "--output", path],
                   check=True, capture_output=True, timeout=60)
    return path


@pytest.fixture(scope="module")
def server(model):
    server = start(model)
    yield server
    stop(server)


@pytest.fixture(scope="module")
def rows():
    with open(IRIS) as f:
        return np.array([[float(r[n]) for n in FEATURES] for r in csv.DictReader(f)], dtype=np.float32)[:40]


@pytest.fixture(scope="module")
def reference(model, rows, tmp_path_factory):
    """`backprop predict --probabilities` on the same rows: (classes, probabilities)."""
    path = tmp_path_factory.mktemp("rows") / "rows.csv"
    with open(path, "w") as f:
        f.write(",".join(FEATURES) + "\n")
        for row in rows:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    out = subprocess.run([BACKPROP, "predict", model, path, "--probabilities"],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    lines = [line.split(",") for line in out.strip().split("\n")[1:]]
    return [line[0] for line in lines], np.array([[float(v) for v in line[1:]] for line in lines])


def infer(server, rows, model_version="", outputs=("probabilities", "class"), headers=None):
    client = grpcclient.InferenceServerClient(url=server.url)
    tensor = grpcclient.InferInput("input", list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows)
    requested = [grpcclient.InferRequestedOutput(name) for name in outputs]
    return client.infer("iris", [tensor], outputs=requested, model_version=model_version, request_id="req-9",
                        headers=headers)


def test_answers_equal_backprop_predict(server, rows, reference):
    result = infer(server, rows)
    probabilities = result.as_numpy("probabilities")
    assert probabilities.dtype == np.float32 and probabilities.shape == (len(rows), 3)
    np.testing.assert_allclose(probabilities, reference[1], atol=1e-6)
    assert [c.decode() for c in result.as_numpy("class")] == reference[0]
    response = result.get_response()
    assert response.model_name == "iris" and response.model_version == "1" and response.id == "req-9"


def test_one_output_by_name(server, rows, reference):
    result = infer(server, rows[:5], outputs=("class",))
    assert [output.name for output in result.get_response().outputs] == ["class"]
    assert [c.decode() for c in result.as_numpy("class")] == reference[0][:5]


def test_numeric_contents_as_kserve_sends_them(server, rows, reference):
    """fp32_contents instead of raw_input_contents: the same answer."""
    request = service_pb2.ModelInferRequest(model_name="iris")
    tensor = request.inputs.add(name="input", datatype="FP32", shape=[3, 4])
    tensor.contents.fp32_contents.extend(rows[:3].ravel().tolist())
    response = stub(server).ModelInfer(request, timeout=10)
    probabilities = np.frombuffer(response.raw_output_contents[0], dtype="<f4").reshape(3, 3)
    np.testing.assert_allclose(probabilities, reference[1][:3], atol=1e-6)
    assert [output.name for output in response.outputs] == ["probabilities", "class"]


def test_metadata_and_readiness_as_the_client_reads_them(server):
    client = grpcclient.InferenceServerClient(url=server.url)
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("iris") and client.is_model_ready("iris", "1")
    assert not client.is_model_ready("iris", "2") and not client.is_model_ready("roses")
    metadata = client.get_server_metadata(as_json=True)
    assert metadata["name"] == "backprop" and "binary_tensor_data" in metadata["extensions"]
    for version in ("", "1"):
        model = client.get_model_metadata("iris", model_version=version)
        assert model.name == "iris" and list(model.versions) == ["1"] and model.platform == "backprop"
        assert [(t.name, t.datatype, list(t.shape)) for t in model.inputs] == [("input", "FP32", [-1, 4])]
        assert [(t.name, t.datatype, list(t.shape)) for t in model.outputs] == [
            ("probabilities", "FP32", [-1, 3]), ("class", "BYTES", [-1])]
    with pytest.raises(InferenceServerException, match="no version '2'") as error:
        client.get_model_metadata("iris", model_version="2")
    assert error.value.status() == "StatusCode.NOT_FOUND"


def test_version_selection(server, rows, reference):
    np.testing.assert_allclose(infer(server, rows[:2], model_version="1").as_numpy("probabilities"),
                               reference[1][:2], atol=1e-6)
    with pytest.raises(InferenceServerException, match="no version '3'") as error:
        infer(server, rows[:2], model_version="3")
    assert error.value.status() == "StatusCode.NOT_FOUND"


def test_calls_beyond_the_service_are_unimplemented(server):
    client = grpcclient.InferenceServerClient(url=server.url)
    with pytest.raises(InferenceServerException) as error:
        client.get_model_config("iris")
    assert error.value.status() == "StatusCode.UNIMPLEMENTED"


def stub(server):
    return service_pb2_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(server.url))


def message(shape=(1, 4), values=(5.1, 3.5, 1.4, 0.2), datatype="FP32", name="input", model="iris", raw=None):
    """A ModelInferRequest as the client's stub sends it, with raw contents as given."""
    request = service_pb2.ModelInferRequest(model_name=model)
    request.inputs.add(name=name, datatype=datatype, shape=list(shape))
    request.raw_input_contents.append(np.asarray(values, dtype="<f4").tobytes() if raw is None else raw)
    return request


def two_raw_contents():
    request = message()
    request.raw_input_contents.append(b"\0" * 16)
    return request


def raw_and_numbers():
    request = message()
    request.inputs[0].contents.fp32_contents.extend([1, 2, 3, 4])
    return request


def two_inputs():
    request = message()
    request.inputs.add(name="input", datatype="FP32", shape=[1, 4])
    request.raw_input_contents.append(b"\0" * 16)
    return request


HOSTILE = [
    ("shape and data disagree", message(shape=[2, 4]), "INVALID_ARGUMENT", "takes 32 bytes"),
    ("raw size not a whole number of floats", message(raw=b"\0" * 15), "INVALID_ARGUMENT", "takes 16 bytes"),
    ("wrong datatype", message(datatype="INT32"), "INVALID_ARGUMENT", "reads FP32"),
    ("unknown input", message(name="pixels"), "INVALID_ARGUMENT", "no input 'pixels'"),
    ("negative dimension", message(shape=[-1, 4]), "INVALID_ARGUMENT", "a dimension is 0 or more"),
    ("three dimensions", message(shape=[1, 2, 2]), "INVALID_ARGUMENT", "reads shape [N, 4]"),
    ("huge shape", message(shape=[10**18, 4]), "RESOURCE_EXHAUSTED", "--max-request-examples"),
    ("more examples than the limit", message(shape=[MAX_EXAMPLES + 1, 4], values=[1.0] * 4 * (MAX_EXAMPLES + 1)),
     "RESOURCE_EXHAUSTED", "--max-request-examples"),
    ("raw contents not one per input", two_raw_contents(), "INVALID_ARGUMENT", "1 input but 2 raw_input_contents"),
    ("raw and numeric contents", raw_and_numbers(), "INVALID_ARGUMENT", "both contents and raw_input_contents"),
    ("the same input twice", two_inputs(), "INVALID_ARGUMENT", "appears twice"),
    ("NaN in raw data", message(values=[1, float("nan"), 3, 4]), "INVALID_ARGUMENT", "send finite numbers"),
    ("infinity in raw data", message(values=[1, 2, 3, float("-inf")]), "INVALID_ARGUMENT", "send finite numbers"),
    ("a name with path characters", message(model="../../etc/passwd"), "NOT_FOUND", "no model named '../../etc/passwd'"),
    ("a name with a NUL", message(model="iris\0"), "NOT_FOUND", "no model named"),
]


@pytest.mark.parametrize("name,request_,code,error", HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_messages(server, name, request_, code, error):
    with pytest.raises(grpc.RpcError) as raised:
        stub(server).ModelInfer(request_, timeout=10)
    assert raised.value.code().name == code, raised.value.details()
    assert error in raised.value.details()
    assert grpcclient.InferenceServerClient(url=server.url).is_server_live()


def test_message_over_the_body_limit(server):
    """grpc-swift's transport stops reading a message longer than --max-body-bytes at its length
    prefix and resets the stream (grpc-java did the same until 2024): the client sees CANCELLED
    rather than RESOURCE_EXHAUSTED, and the server never holds the message."""
    with pytest.raises(grpc.RpcError) as raised:
        stub(server).ModelInfer(message(raw=b"\0" * (MAX_BODY + 1)), timeout=10)
    assert raised.value.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.RESOURCE_EXHAUSTED)
    assert grpcclient.InferenceServerClient(url=server.url).is_server_live()


def test_metadata_that_overflows_the_headers(server):
    """16 MiB of metadata: refused by the transport, and the server answers the next call."""
    with pytest.raises(grpc.RpcError) as raised:
        stub(server).ModelInfer(message(), metadata=[("x-padding", "a" * (16 << 20))], timeout=10)
    assert raised.value.code() != grpc.StatusCode.OK
    assert infer(server, np.array([[5.1, 3.5, 1.4, 0.2]], dtype=np.float32)).as_numpy("class").shape == (1,)


def test_metrics_count_grpc_calls(server, rows):
    infer(server, rows[:1])
    with pytest.raises(InferenceServerException):
        infer(server, rows[:1], model_version="7")
    with urllib.request.urlopen(f"http://{server.http}/metrics", timeout=10) as response:
        text = response.read().decode()
    assert re.search(r'backprop_requests_total\{handler="grpc_infer",code="200"\} [1-9]', text)
    assert re.search(r'backprop_requests_total\{handler="grpc_infer",code="404"\} [1-9]', text)


def test_bearer_token(model, rows, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    server = start(model, "--token-file", str(token_file))
    try:
        client = grpcclient.InferenceServerClient(url=server.url)
        assert client.is_server_live() and client.is_server_ready()  # health checks need no token
        with pytest.raises(InferenceServerException, match="needs a bearer token") as error:
            client.get_model_metadata("iris")
        assert error.value.status() == "StatusCode.UNAUTHENTICATED"
        with pytest.raises(InferenceServerException, match="not this server's") as error:
            infer(server, rows[:1], headers={"authorization": "Bearer wrong"})
        assert error.value.status() == "StatusCode.UNAUTHENTICATED"
        assert infer(server, rows[:1], headers={"authorization": f"Bearer {TOKEN}"}).as_numpy("class").shape == (1,)
    finally:
        stop(server)


def test_docs_example(server):
    """The Python example of docs/serving.md, line for line."""
    url, name = server.url, "iris"
    import numpy as np
    import tritonclient.grpc as grpcclient

    client = grpcclient.InferenceServerClient(url=url)  # e.g. "localhost:8001"
    assert client.is_server_live() and client.is_model_ready(name)
    rows = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]], dtype=np.float32)
    tensor = grpcclient.InferInput("input", list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows)
    result = client.infer(name, [tensor])
    probabilities = result.as_numpy("probabilities")  # float32, shape (2, 3)
    classes = [c.decode() for c in result.as_numpy("class")]  # e.g. ['setosa', 'virginica']

    assert probabilities.shape == (2, 3) and probabilities.dtype == np.float32
    assert len(classes) == 2 and set(classes) <= set(CLASSES)


def test_reload_answers_with_the_new_version(server, rows):
    """Last in the file: SIGHUP makes version 2, which the answers and the metadata name."""
    server.process.send_signal(signal.SIGHUP)
    client = grpcclient.InferenceServerClient(url=server.url)
    deadline = time.monotonic() + 10
    while not client.is_model_ready("iris", "2"):
        assert time.monotonic() < deadline, "the reload did not happen"
        time.sleep(0.05)
    assert infer(server, rows[:1]).get_response().model_version == "2"
    assert list(client.get_model_metadata("iris").versions) == ["2"]


def test_sigterm_finishes_the_calls_in_flight(model, rows):
    """Clients call while SIGTERM comes: each call is answered, or refused as UNAVAILABLE once
    the server stops taking calls; none is cut off, and the server exits 0."""
    server = start(model, "--max-delay-us", "20000")
    outcomes, lock = [], threading.Lock()

    def client():
        client = grpcclient.InferenceServerClient(url=server.url)
        tensor = grpcclient.InferInput("input", [4, 4], "FP32")
        tensor.set_data_from_numpy(rows[:4])
        for _ in range(200):
            try:
                client.infer("iris", [tensor])
                outcome = "answered"
            except InferenceServerException as error:
                outcome = error.status()
            with lock:
                outcomes.append(outcome)
            if outcome != "answered":
                return

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    while len(outcomes) < 20:
        time.sleep(0.01)
    server.process.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(timeout=30)
    assert server.process.wait(timeout=30) == 0
    assert "answered" in outcomes
    assert set(outcomes) <= {"answered", "StatusCode.UNAVAILABLE"}, set(outcomes)
