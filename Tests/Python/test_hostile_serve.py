"""Hostile HTTP against the built `backprop serve`: oversized and over-long requests, a flood
of half-sent request heads, framing and conformance cases on raw sockets, cross-origin
requests, garbage and oversized model reloads. Each gets its expected status; afterwards
the server still answers /healthz within 1 s, its peak memory (VmHWM) is under a stated
bound, and SIGTERM ends it with exit 0 within a stated time. Run by `make test`."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
IRIS = str(Path(__file__).parents[1] / "Fixtures/iris.csv")

HEADER_TIMEOUT = 4  # seconds: --header-timeout (the flood must open well within it on a busy machine)
MAX_BODY = 1 << 20  # --max-body-bytes
MAX_EXAMPLES = 64  # --max-request-examples
MAX_MODEL = 100_000  # --max-input-bytes: the largest model file a reload reads
FLOOD = 600  # connections that each send half a request head (over --max-connections, 512)
# The server's peak resident memory after every case: the debug build's own footprint (about
# 60 MB) plus what the limits allow: six requests in flight of at most MAX_BODY bytes and
# MAX_EXAMPLES examples each, and the flood's connections.
PEAK_BOUND_KIB = 200 * 1024
SIGTERM_SECONDS = 5


class Server:
    def __init__(self, process, port, metrics_port, model):
        self.process, self.port, self.metrics_port, self.model = process, port, metrics_port, model


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    trained = folder / "trained.safetensors"
    subprocess.run([BACKPROP, "train", IRIS, "--epochs", "1", "--seed", "1", "--output", trained],
                   check=True, capture_output=True, timeout=60)
    model = folder / "iris.safetensors"
    shutil.copy(trained, model)
    process = subprocess.Popen(
        [BACKPROP, "serve", model, "--port", "0", "--metrics-port", "0", "--header-timeout", str(HEADER_TIMEOUT),
         "--max-body-bytes", str(MAX_BODY), "--max-request-examples", str(MAX_EXAMPLES),
         "--max-input-bytes", str(MAX_MODEL), "--watch-interval", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ports = {}
    for _ in range(2):
        line = process.stdout.readline()
        port = int(re.search(r"http://[^:]+:(\d+)", line).group(1))
        ports["metrics" if "metrics" in line else "main"] = port
    yield Server(process, ports["main"], ports["metrics"], model)
    if process.poll() is None:
        process.kill()
        process.wait()


def exchange(port, data, timeout=5.0):
    """Sends raw bytes, reads until the server closes or `timeout` passes: (bytes, closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out, deadline = b"", time.monotonic() + timeout
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return out, False
            if not chunk:
                return out, True
            out += chunk
        return out, False


def status_of(response):
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else None


def head_and_body(response):
    head, _, body = response.partition(b"\r\n\r\n")
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower().decode()] = value.strip().decode()
    return fields, body


def request(port, method, path, body=b"", headers=(), timeout=10.0):
    """One HTTP/1.1 request with `Connection: close`: (status, fields, body)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    response, _ = exchange(port, ("\r\n".join(lines) + "\r\n\r\n").encode() + body, timeout)
    fields, payload = head_and_body(response)
    return status_of(response), fields, payload


def error_of(payload):
    return json.loads(payload)["error"]


def predict(server, body, headers=()):
    return request(server.port, "POST", "/v1/models/iris:predict", body, headers)


def instances(count):
    return json.dumps({"instances": [[5.1, 3.5, 1.4, 0.2]] * count}).encode()


def test_a_body_over_the_limit_gets_413(server):
    body = b'{"instances": [' + b"[1,2,3,4]," * (MAX_BODY // 10) + b"[1,2,3,4]]}"
    status, _, payload = predict(server, body)
    assert status == 413 and "larger than the server's limit" in error_of(payload)


def test_more_examples_than_the_limit_get_413_naming_the_flag(server):
    assert predict(server, instances(MAX_EXAMPLES))[0] == 200
    status, _, payload = predict(server, instances(MAX_EXAMPLES + 1))
    assert status == 413 and "--max-request-examples" in error_of(payload) and str(MAX_EXAMPLES) in error_of(payload)


def test_six_large_requests_at_once_are_refused_without_holding_their_examples(server):
    body = b'{"instances": [' + b"[1,2,3,4]," * (MAX_BODY // 10 - 10) + b"[1,2,3,4]]}"
    assert len(body) <= MAX_BODY
    results = []
    threads = [threading.Thread(target=lambda: results.append(predict(server, body)[0])) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [413] * 6


def test_a_flood_of_half_heads_leaves_the_probes_answering(server):
    flood = []
    try:
        first = time.monotonic()
        for _ in range(FLOOD):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(b"POST /v1/models/iris:predict HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            flood.append(s)
        start = time.monotonic()
        # The flood holds the main port until the head timeout closes its first connections: a
        # probe there waits.
        assert start - first < HEADER_TIMEOUT - 0.5, f"the flood took {start - first:.1f} s to open"
        assert request(server.port, "GET", "/healthz", timeout=0.3)[0] is None
        # The metrics port answers within 1 s while the flood holds the main port.
        began = time.monotonic()
        status, _, payload = request(server.metrics_port, "GET", "/healthz", timeout=1.0)
        assert status == 200 and time.monotonic() - began < 1.0
        assert request(server.metrics_port, "GET", "/v1/models/iris", timeout=1.0)[0] == 404
        # The main port answers once the head timeout has closed the flood's connections: within
        # HEADER_TIMEOUT + 1 s of the flood's last connection.
        status = request(server.port, "GET", "/healthz", timeout=max(0.1, HEADER_TIMEOUT + 1 - (time.monotonic() - start)))[0]
        assert status == 200, f"the main port did not answer within {HEADER_TIMEOUT + 1} s of the flood"
    finally:
        for s in flood:
            s.close()


def test_http_1_0_is_answered_with_connection_close_and_closed(server):
    response, closed = exchange(server.port, b"GET /healthz HTTP/1.0\r\n\r\n", timeout=2.0)
    fields, body = head_and_body(response)
    assert status_of(response) == 200 and body == b'{"status":"ok"}'
    assert fields.get("connection") == "close" and closed


def test_a_transfer_encoding_other_than_chunked_gets_501_and_a_close(server):
    data = (b"POST /v1/models/iris:predict HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
            b"1a\r\n" + b'{"instances": [[1,2,3,4]]}' + b"\r\n0\r\n\r\n")
    response, closed = exchange(server.port, data, timeout=2.0)
    fields, body = head_and_body(response)
    assert status_of(response) == 501 and "Transfer-Encoding 'gzip, chunked'" in error_of(body) and closed


def test_plain_chunked_is_still_read(server):
    data = (b"POST /v1/models/iris:predict HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"1a\r\n" + b'{"instances": [[1,2,3,4]]}' + b"\r\n0\r\n\r\n")
    assert status_of(exchange(server.port, data)[0]) == 200


def test_a_lower_case_bearer_scheme_is_accepted(server, tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    process = subprocess.Popen([BACKPROP, "serve", server.model, "--port", "0", "--token-file", token, "--watch-interval", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(re.search(r"http://[^:]+:(\d+)", process.stdout.readline()).group(1))
        path, body = "/v1/models/iris:predict", instances(1)
        assert request(port, "POST", path, body, ["Authorization: bearer s3cret"])[0] == 200
        assert request(port, "POST", path, body, ["Authorization: bearer wrong"])[0] == 401
    finally:
        process.terminate()
        assert process.wait(timeout=SIGTERM_SECONDS) == 0


def test_invalid_utf8_in_a_feature_name_gets_400_naming_the_example_and_byte(server):
    body = b'{"instances": [[1,2,3,4], {"sepal_length\xff": 1}]}'
    status, _, payload = predict(server, body)
    message = error_of(payload)
    position = body.index(b"\xff")
    assert status == 400 and "instances[1]" in message and "not valid UTF-8" in message and f"byte {position}" in message


def test_head_on_metadata_is_get_without_the_body(server):
    get_status, get_fields, get_body = request(server.port, "GET", "/v1/models/iris")
    status, fields, body = request(server.port, "HEAD", "/v1/models/iris")
    assert get_status == status == 200 and body == b""
    assert fields["content-length"] == str(len(get_body)) and fields["content-type"] == get_fields["content-type"]
    assert request(server.port, "HEAD", "/healthz")[0] == 200


def test_a_cross_origin_request_gets_403(server):
    status, _, payload = predict(server, instances(1), ["Origin: http://evil.example"])
    assert status == 403 and "Origin 'http://evil.example'" in error_of(payload)
    assert predict(server, instances(1), ["Origin: http://127.0.0.1"])[0] == 200


def wait_for_reload(server, result):
    """Waits until the server has tried a reload with this result (from /metrics)."""
    pattern = re.compile(rf'backprop_model_reloads_total\{{result="{result}"\}} (\d+)')
    def count():
        return int(pattern.search(request(server.metrics_port, "GET", "/metrics")[2].decode()).group(1))
    before, deadline = count(), time.monotonic() + 5
    while count() == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert count() > before, f"no reload with result {result} within 5 s"


def test_garbage_and_oversized_model_files_keep_the_old_version_serving(server):
    version = json.loads(request(server.port, "GET", "/readyz")[2])["version"]
    server.model.write_bytes(b"garbage, not a model")
    wait_for_reload(server, "error")
    with open(server.model, "wb") as f:
        f.write(os.urandom(MAX_MODEL + 1))
    wait_for_reload(server, "error")
    assert json.loads(request(server.port, "GET", "/readyz")[2])["version"] == version
    assert predict(server, instances(1))[0] == 200


def test_afterwards_health_memory_and_sigterm(server):
    began = time.monotonic()
    assert request(server.port, "GET", "/healthz", timeout=1.0)[0] == 200 and time.monotonic() - began < 1.0
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
    print(f"peak resident memory of backprop serve: {peak / 1024:.0f} MiB")
    assert peak < PEAK_BOUND_KIB, f"peak memory {peak} KiB is over {PEAK_BOUND_KIB} KiB"
    began = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=SIGTERM_SECONDS) == 0 and time.monotonic() - began < SIGTERM_SECONDS
