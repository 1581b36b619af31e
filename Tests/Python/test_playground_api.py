"""The playground server's API without a browser: what the page relies on, and every kind of
bad request answered with a 4xx and a message that says what was wrong (never a crash).
Run by `make test` against the built `backprop playground`."""

import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))


@pytest.fixture(scope="module")
def url():
    process = subprocess.Popen([BACKPROP, "playground", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    match = re.search(r"http://\S+", process.stdout.readline())
    assert match
    yield match.group(0)
    process.terminate()
    assert process.wait(timeout=30) == 0


def call(url, method="GET", body=None, content_type="application/json"):
    """(status, parsed JSON or raw bytes)."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, payload


def new_run(url, **settings):
    status, run = call(url + "api/runs", "POST", json.dumps(settings))
    assert status == 201, run
    return run


def test_a_run_trains_explains_and_checks(url):
    run = new_run(url, data="xor", hidden=[5], activations=["tanh"], optimizer="adam", seed=2)
    assert run["settings"]["hidden"] == [5] and run["trainCount"] == 250 and len(run["points"]["x1"]) == 500
    base = url + f"api/runs/{run['id']}/"
    status, first = call(base + "snapshot")
    assert status == 200 and first["steps"] == 0 and len(first["output"]) == 50 * 50 and len(first["neurons"][0]) == 5
    status, after = call(base + "step?batches=200", "POST")
    assert status == 200 and after["steps"] == 200 and after["epoch"] == 8
    assert after["testLoss"] < first["testLoss"]
    status, explained = call(base + "explain?example=499")
    assert status == 200 and explained["sizes"] == [2, 5, 2] and explained["loss_name"] == "cross-entropy"
    status, check = call(base + "gradient-check?example=0")
    assert status == 200 and len(check["parameters"]) == 5 * 2 + 5 + 2 * 5 + 2 and check["maximumRelativeError"] < 1e-6
    status, step = call(base + "lecture-step?example=3", "POST")
    eta = step["learning_rate"]
    for l, rows in enumerate(step["before"]["weights"]):
        for j, row in enumerate(rows):
            for k, w in enumerate(row):
                g = step["before"]["weight_gradients"][l][j][k]
                assert abs(step["after"]["weights"][l][j][k] - (w - eta * g)) < 1e-6
    status, csv = call(base + "examples.csv")
    assert status == 200 and csv.decode().splitlines()[0] == "x1,x2,label" and len(csv.decode().splitlines()) == 501


def test_play_and_pause(url):
    run = new_run(url, data="circle", seed=3)
    base = url + f"api/runs/{run['id']}/"
    assert call(base + "play?rate=200", "POST") == (200, {"playing": True})
    # The stream's first event arrives at once, then frames while it trains.
    with urllib.request.urlopen(base + "events", timeout=30) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        steps = []
        for line in stream:
            if line.startswith(b"data: "):
                steps.append(json.loads(line[6:])["steps"])
            if len(steps) == 5:
                break
    assert steps == sorted(steps) and steps[-1] > steps[0]
    assert call(base + "pause", "POST") == (200, {"playing": False})
    status, paused = call(base + "snapshot")
    status, again = call(base + "snapshot")
    assert paused["steps"] == again["steps"]


@pytest.mark.parametrize("body, message", [
    ("{", "settings: the body is not JSON"),
    ('{"hidden": "x"}', "settings: 'hidden' must be a list"),
    ('{"hidden": [99]}', "hidden is 99, expected widths 1 … 64"),
    ('{"hidden": [4,4,4,4,4,4,4,4,4,4,4]}', "at most 10 hidden layers"),
    ('{"data": "moons"}', "'data'"),
    ('{"noise": 2}', "noise is 2.0, expected a number in [0, 1]"),
    ('{"learningRate": -1}', "learningRate"),
    ('{"features": []}', "features"),
    ('{"activations": ["softmax", "tanh"]}', "activations"),
    ('{"optimizer": "lbfgs"}', "sgd, momentum, adam, adamw or rmsprop"),
    ('{"data": "surface", "loss": "cross-entropy"}', "quadratic, for a regression"),
    ('{"count": 3}', "count"),
    ('{"table": "nope"}', "no uploaded table 'nope'"),
])
def test_bad_settings_are_refused_with_the_reason(url, body, message):
    status, answer = call(url + "api/runs", "POST", body)
    assert status == 400 or (status == 404 and "table" in body), answer
    assert message in answer["error"], answer


# The numbers the server checks (PlaygroundSettings.validate), each with its limit in GET
# /api/options; the whole-number ones among them.
CHECKED = {"noise", "count", "trainFraction", "hiddenLayers", "hidden", "learningRate", "batchSize", "l2", "dropout"}
WHOLE = {"count", "hiddenLayers", "hidden", "batchSize"}


def settings_with(name, value):
    """Settings that set `name` to `value` and nothing else the server would refuse."""
    if name == "hidden":
        return {"hidden": [value], "activations": ["tanh"]}
    if name == "hiddenLayers":
        return {"hidden": [2] * value, "activations": ["tanh"] * value}
    return {name: value}


def ends(name, limit):
    """(value, accepted) at and just past each end of `limit`."""
    step = 1 if name in WHOLE else 1e-6
    values = []
    if "minimum" in limit:
        values += [(limit["minimum"], True), (limit["minimum"] - step, False)]
    else:
        values.append((limit["exclusiveMinimum"], False))
    if "maximum" in limit:
        values += [(limit["maximum"], True), (limit["maximum"] + step, False)]
    else:
        values.append((limit["exclusiveMaximum"], False))
    # No list has fewer than no hidden layers; a run of a million points would only make the test slow.
    return [(v, ok) for v, ok in values if not (name == "hiddenLayers" and v < 0) and not (name == "count" and ok and v > 1000)]


def test_options_are_what_the_server_offers_and_enforces(url):
    """The page builds its controls from GET /api/options: the option lists, the defaults
    (what a run that sets nothing gets) and a limit for every number the server checks, at
    whose ends the server accepts and just past which it refuses (400, naming the setting)."""
    status, options = call(url + "api/options")
    assert status == 200
    assert options["data"] == ["circle", "xor", "gaussians", "spiral", "surface"]
    assert options["features"] == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert options["activations"] == ["identity", "sigmoid", "tanh", "relu", "leaky-relu"]
    assert options["losses"] == ["quadratic", "binary-cross-entropy", "cross-entropy"]
    assert options["optimizers"] == ["sgd", "momentum", "adam", "adamw", "rmsprop"]
    assert new_run(url)["settings"] == options["defaults"]
    assert new_run(url, hidden=[3, 3, 3])["settings"]["activations"] == [options["defaultActivation"]] * 3
    limits = options["limits"]
    assert set(limits) == CHECKED
    assert limits["hidden"] == {"minimum": 1, "maximum": 64} and limits["dropout"] == {"minimum": 0, "exclusiveMaximum": 1}
    for name, limit in limits.items():
        for value, accepted in ends(name, limit):
            status, answer = call(url + "api/runs", "POST", json.dumps(settings_with(name, value)))
            if accepted:
                assert status == 201, (name, value, answer)
            else:
                assert status == 400 and ("hidden" if name == "hiddenLayers" else name) in answer["error"], (name, value, answer)


def test_bad_requests_on_a_run(url):
    run = new_run(url)
    base = url + f"api/runs/{run['id']}/"
    assert call(url + "api/runs/unknown/snapshot")[0] == 404
    status, answer = call(base + "explain?example=500")
    assert status == 400 and "0 … 499" in answer["error"]
    assert call(base + "explain?example=-1")[0] == 400
    assert call(base + "step?batches=0", "POST")[0] == 400
    assert call(base + "play?rate=nan", "POST")[0] == 400
    status, answer = call(base + "model", "POST", b"not a model", "application/octet-stream")
    assert status == 400 and answer["error"].startswith("the uploaded model"), answer
    assert call(url + "api/nothing")[0] == 404


def test_uploaded_tables_name_the_line_that_is_wrong(url):
    good = "a,b,kind\n1,2,x\n2,1,y\n3,3,z\n4,1,x\n0,2,y\n5,5,z\n"
    status, table = call(url + "api/tables?name=../../etc/kinds.csv", "POST", good, "text/csv")
    assert status == 201 and table["name"] == "kinds.csv"
    run = new_run(url, table=table["table"], hidden=[3], activations=["relu"])
    assert run["classNames"] == ["x", "y", "z"] and run["featureNames"] == ["a", "b"] and run.get("points") is None
    status, snapshot = call(url + f"api/runs/{run['id']}/step", "POST")
    assert status == 200 and snapshot["output"] == [] and snapshot["steps"] == 1
    assert call(url + f"api/runs/{run['id']}/examples.csv")[0] == 404
    status, answer = call(url + "api/tables?name=broken.csv", "POST", "a,b,kind\n1,2,x\n1,oops,y\n", "text/csv")
    assert status == 400 and answer["error"].startswith("broken.csv: line 3, column 2 ('b'): 'oops'"), answer
    status, answer = call(url + "api/tables?name=t.csv&label=missing", "POST", good, "text/csv")
    assert status == 400 and "missing" in answer["error"], answer


def test_sigterm_ends_open_event_streams_and_exits_0():
    """A page still connected must not keep the server from stopping: SIGTERM ends the event
    streams (and a run that is playing), then the process exits 0."""
    process = subprocess.Popen([BACKPROP, "playground", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    server = re.search(r"http://\S+", process.stdout.readline()).group(0)
    run = new_run(server, data="spiral")
    call(server + f"api/runs/{run['id']}/play?rate=100", "POST")
    stream = urllib.request.urlopen(server + f"api/runs/{run['id']}/events", timeout=30)
    assert stream.readline().startswith(b": run ")
    process.terminate()
    assert process.wait(timeout=20) == 0
    stream.read()  # the server closed it: read returns instead of timing out after 30 s
    assert stream.read() == b""
    assert "stopped" in process.stderr.read()
