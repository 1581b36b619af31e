"""The Open Inference Protocol's REST API ("v2", as KServe and Triton speak it) of the built
`backprop serve`, driven by Triton's own client, tritonclient[http]: metadata and readiness as
the client parses them, inference with JSON and binary tensors both ways, answers equal to
`backprop predict` on the same rows, version selection, a reload's new version, and hostile
requests over raw HTTP, each a 4xx with {"error": "..."}. Run by `make test`."""

import csv
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
IRIS = str(Path(__file__).parents[1] / "Fixtures/iris.csv")
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
CLASSES = ["setosa", "versicolor", "virginica"]
MAX_EXAMPLES = 64
MAX_BODY = 1 << 16


class Server:
    def __init__(self, process, port, model):
        self.process, self.port, self.model = process, port, model
        self.url = f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oip")
    model = folder / "iris.safetensors"
    subprocess.run([BACKPROP, "train", IRIS, "--epochs", "2", "--seed", "1", "--output", model],
                   check=True, capture_output=True, timeout=60)
    process = subprocess.Popen(
        [BACKPROP, "serve", model, "--port", "0", "--max-request-examples", str(MAX_EXAMPLES),
         "--max-body-bytes", str(MAX_BODY)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = int(re.search(r"http://[^:]+:(\d+)", process.stdout.readline()).group(1))
    yield Server(process, port, model)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def rows():
    with open(IRIS) as f:
        return np.array([[float(r[n]) for n in FEATURES] for r in csv.DictReader(f)], dtype=np.float32)[:40]


@pytest.fixture(scope="module")
def reference(server, rows, tmp_path_factory):
    """`backprop predict --probabilities` on the same rows: (classes, probabilities)."""
    path = tmp_path_factory.mktemp("rows") / "rows.csv"
    with open(path, "w") as f:
        f.write(",".join(FEATURES) + "\n")
        for row in rows:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    out = subprocess.run([BACKPROP, "predict", server.model, path, "--probabilities"],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    lines = [line.split(",") for line in out.strip().split("\n")[1:]]
    return [line[0] for line in lines], np.array([[float(v) for v in line[1:]] for line in lines])


def infer(server, rows, binary_in, binary_out, model_version=""):
    client = httpclient.InferenceServerClient(url=server.url)
    tensor = httpclient.InferInput("input", list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows, binary_data=binary_in)
    outputs = [httpclient.InferRequestedOutput(name, binary_data=binary_out) for name in ("probabilities", "class")]
    return client.infer("iris", [tensor], outputs=outputs, model_version=model_version, request_id="req-7")


@pytest.mark.parametrize("binary_in", [False, True])
@pytest.mark.parametrize("binary_out", [False, True])
def test_answers_equal_backprop_predict(server, rows, reference, binary_in, binary_out):
    result = infer(server, rows, binary_in, binary_out)
    probabilities = result.as_numpy("probabilities")
    assert probabilities.dtype == np.float32 and probabilities.shape == (len(rows), 3)
    np.testing.assert_allclose(probabilities, reference[1], atol=1e-6)
    classes = [c.decode() if isinstance(c, bytes) else c for c in result.as_numpy("class")]
    assert classes == reference[0]
    response = result.get_response()
    assert response["model_name"] == "iris" and response["model_version"] == "1" and response["id"] == "req-7"


def test_every_output_binary_when_none_is_named(server, rows, reference):
    client = httpclient.InferenceServerClient(url=server.url)
    tensor = httpclient.InferInput("input", [3, 4], "FP32")
    tensor.set_data_from_numpy(rows[:3])
    result = client.infer("iris", [tensor])  # the client then sets binary_data_output
    np.testing.assert_allclose(result.as_numpy("probabilities"), reference[1][:3], atol=1e-6)
    assert [c.decode() for c in result.as_numpy("class")] == reference[0][:3]


def test_metadata_and_readiness_as_the_client_reads_them(server):
    client = httpclient.InferenceServerClient(url=server.url)
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("iris") and client.is_model_ready("iris", "1")
    assert not client.is_model_ready("iris", "2") and not client.is_model_ready("roses")
    metadata = client.get_server_metadata()
    assert metadata["name"] == "backprop" and "binary_tensor_data" in metadata["extensions"]
    for version in ("", "1"):
        model = client.get_model_metadata("iris", model_version=version)
        assert model["name"] == "iris" and model["versions"] == ["1"]
        assert model["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 4]}]
        assert model["outputs"] == [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 3]},
                                    {"name": "class", "datatype": "BYTES", "shape": [-1]}]
    with pytest.raises(InferenceServerException, match="no version '2'"):
        client.get_model_metadata("iris", model_version="2")


def test_version_selection(server, rows, reference):
    result = infer(server, rows[:2], True, True, model_version="1")
    np.testing.assert_allclose(result.as_numpy("probabilities"), reference[1][:2], atol=1e-6)
    with pytest.raises(InferenceServerException, match="no version '3'"):
        infer(server, rows[:2], True, True, model_version="3")


def post(server, path, body, headers=None):
    """POSTs raw bytes: (status, JSON body)."""
    request = urllib.request.Request(f"http://{server.url}{path}", data=body, headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def header_and_floats(values, shape, size=None, header_length=None):
    """A binary request: its body and headers, with sizes as given (true ones by default)."""
    data = np.asarray(values, dtype="<f4").tobytes()
    header = json.dumps({"inputs": [{"name": "input", "shape": shape, "datatype": "FP32",
                                     "parameters": {"binary_data_size": len(data) if size is None else size}}]}).encode()
    length = str(len(header)) if header_length is None else header_length
    return header + data, {"Inference-Header-Content-Length": length}


def json_request(**tensor):
    body = {"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2]}
    body.update(tensor)
    return json.dumps({"inputs": [body]}).encode(), {}


HOSTILE = [
    ("shape and data disagree", json_request(shape=[2, 4]), 400, "holds 8 values, but its data has 4"),
    ("wrong datatype", json_request(datatype="INT32"), 400, "reads FP32"),
    ("unknown input", json_request(name="pixels"), 400, "no input 'pixels'"),
    ("negative dimension", json_request(shape=[-1, 4]), 400, "a dimension is 0 or more"),
    ("huge shape", json_request(shape=[10**18, 4]), 413, "--max-request-examples"),
    ("more examples than the limit", json_request(shape=[MAX_EXAMPLES + 1, 4], data=[1.0] * 4 * (MAX_EXAMPLES + 1)), 413,
     "--max-request-examples"),
    ("duplicate inputs", (json.dumps({"inputs": [json.loads(json_request()[0])["inputs"][0]] * 2}).encode(), {}), 400,
     "appears twice"),
    ("binary size larger than the body", header_and_floats([1, 2, 3, 4], [1, 4], size=32), 400, "only 16 bytes"),
    ("binary size smaller than the body", header_and_floats([1, 2, 3, 4], [1, 4], size=8), 400, "add up to 8"),
    ("binary size past Int64", header_and_floats([1, 2, 3, 4], [1, 4], size=2**70), 400, "expected an integer"),
    ("binary shape past the data", header_and_floats([1, 2, 3, 4], [2, 4]), 400, "takes 32 bytes"),
    ("NaN in binary data", header_and_floats([1, float("nan"), 3, 4], [1, 4]), 400, "send finite numbers"),
    ("infinity in binary data", header_and_floats([1, 2, 3, float("inf")], [1, 4]), 400, "send finite numbers"),
    ("header length larger than the body", header_and_floats([1, 2, 3, 4], [1, 4], header_length="99999"), 400,
     "Inference-Header-Content-Length is 99999"),
    ("header length not a number", header_and_floats([1, 2, 3, 4], [1, 4], header_length="twelve"), 400,
     "must be a count of bytes"),
    ("body over --max-body-bytes", json_request(data=[1.0] * 14000), 413, "larger than the server's limit"),
]


@pytest.mark.parametrize("name,request_,status,error", HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_requests(server, name, request_, status, error):
    body, headers = request_
    got, answer = post(server, "/v2/models/iris/infer", body, headers)
    assert got == status, answer
    assert list(answer) == ["error"] and error in answer["error"], answer


@pytest.mark.parametrize("path", ["/v2/models/..%2F..%2Fetc%2Fpasswd/infer", "/v2/models/iris%00/infer",
                                  "/v2/models/iris/versions/..%2F1/infer"])
def test_model_names_with_path_characters(server, path):
    got, answer = post(server, path, json_request()[0])
    assert got == 404 and "error" in answer


def test_docs_example(server):
    """The Python example of docs/serving.md, line for line."""
    url, name = server.url, "iris"
    import numpy as np
    import tritonclient.http as httpclient

    client = httpclient.InferenceServerClient(url=url)  # e.g. "localhost:8126"
    assert client.is_server_live() and client.is_model_ready(name)
    print(client.get_model_metadata(name)["inputs"])  # [{'name': 'input', 'datatype': 'FP32', 'shape': [-1, 4]}]
    rows = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]], dtype=np.float32)
    tensor = httpclient.InferInput("input", list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows, binary_data=True)
    outputs = [httpclient.InferRequestedOutput("probabilities", binary_data=True),
               httpclient.InferRequestedOutput("class", binary_data=True)]
    result = client.infer(name, [tensor], outputs=outputs)
    probabilities = result.as_numpy("probabilities")  # float32, shape (2, 3)
    classes = [c.decode() for c in result.as_numpy("class")]  # e.g. ['setosa', 'virginica']

    assert probabilities.shape == (2, 3) and probabilities.dtype == np.float32
    assert len(classes) == 2 and set(classes) <= set(CLASSES)


def test_reload_answers_with_the_new_version(server, rows):
    """Last in the file: SIGHUP makes version 2, which the answers and the metadata name."""
    server.process.send_signal(signal.SIGHUP)
    client = httpclient.InferenceServerClient(url=server.url)
    deadline = time.monotonic() + 10
    while not client.is_model_ready("iris", "2"):
        assert time.monotonic() < deadline, "the reload did not happen"
        time.sleep(0.05)
    assert infer(server, rows[:1], True, True).get_response()["model_version"] == "2"
    assert client.get_model_metadata("iris")["versions"] == ["2"]
    assert not client.is_model_ready("iris", "1")
