"""The playground in a real browser: Debian's Chromium, headless, driven by Selenium through
chromium-driver, against the built `backprop playground`. Run by `make test` (which installs
them) with BACKPROP pointing at the binary; SCREENSHOTS names a folder for the README's
screenshots (default: none taken)."""

import base64
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BACKPROP = os.environ.get("BACKPROP", str(Path(__file__).parents[2] / ".build/debug/backprop"))
SCREENSHOTS = os.environ.get("SCREENSHOTS")


@pytest.fixture(scope="module")
def server():
    """`backprop playground --port 0`, as a learner starts it; yields its URL."""
    process = subprocess.Popen([BACKPROP, "playground", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://\S+", line)
    assert match, f"no URL in {line!r}; stderr: {process.stderr.read() if process.poll() is not None else ''}"
    yield match.group(0)
    process.terminate()
    assert process.wait(timeout=30) == 0, "the playground did not stop cleanly on SIGTERM"


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium with its profile and temporary files in a folder of its own, removed
    afterwards. The folder is under /tmp whatever TMPDIR says: Chromium's socket path must
    fit in 108 bytes, which a TMPDIR deep in a checkout can exceed."""
    scratch = tempfile.mkdtemp(prefix="backprop-chromium-", dir="/tmp")
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1500,1300", "--disable-gpu",
                     f"--user-data-dir={scratch}/profile"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service("/usr/bin/chromedriver", env={**os.environ, "TMPDIR": scratch})
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(scratch, ignore_errors=True)


def open_page(browser, url):
    """Loads `url` and waits for the run's first frame."""
    browser.get(url)
    wait(browser, lambda: browser.execute_script("return !!(window.playground && window.playground.snapshot && window.playground.run)"))
    return run_info(browser)


def wait(browser, condition, timeout=60, message="condition"):
    started = time.time()
    WebDriverWait(browser, timeout, poll_frequency=0.1).until(lambda _: condition(), message=message)
    if time.time() - started > 5:
        print(f"waited {time.time() - started:.1f} s for {message}")


def run_info(browser):
    return browser.execute_script("return window.playground.run")


def snapshot(browser):
    return browser.execute_script("return window.playground.snapshot")


def click(browser, element_id):
    browser.find_element(By.ID, element_id).click()


def set_value(browser, element_id, value):
    """Types into an input as a user does, then fires its change event."""
    element = browser.find_element(By.ID, element_id)
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));", element, str(value))


def steps_reached(browser, steps):
    wait(browser, lambda: (snapshot(browser) or {}).get("steps") == steps, message=f"step {steps}")


def errors_in_console(browser):
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def download(url):
    with urllib.request.urlopen(url) as response:
        return response.read()


def backprop(*args):
    result = subprocess.run([BACKPROP, *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def screenshot(browser, name, element_id=None):
    if not SCREENSHOTS:
        return
    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    path = str(Path(SCREENSHOTS) / name)
    if element_id:
        # The whole element, beyond the window's height (Chrome DevTools' capture).
        box = browser.execute_script(
            "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
            "return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}", element_id)
        shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "clip": {**box, "scale": 1}})
        Path(path).write_bytes(base64.b64decode(shot["data"]))
    else:
        browser.save_screenshot(path)


def test_page_loads_without_console_errors(server, browser):
    browser.get_log("browser")  # drop anything from before
    run = open_page(browser, server)
    assert run["settings"]["data"] == "circle" and run["trainCount"] == 250
    # The network is drawn and the lecture view filled in.
    wait(browser, lambda: browser.execute_script("return document.querySelectorAll('#lecture-layers td[data-key]').length") > 0)
    assert browser.execute_script("return document.querySelectorAll('#lecture-layers math').length") >= 5
    assert errors_in_console(browser) == []


def test_controls_are_built_from_the_servers_options(server, browser):
    """The dataset buttons, the selects, the feature boxes and the number inputs' limits come
    from GET /api/options (an end a limit leaves out is one step inside it)."""
    open_page(browser, server)
    options = json.loads(download(server + "api/options"))
    values = lambda selector, attribute: browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.getAttribute(arguments[1]))", selector, attribute)
    assert values("#datasets button", "data-data") == options["data"]
    assert values("#optimizer option", "value") == options["optimizers"]
    assert values("#loss option", "value") == [""] + options["losses"]
    assert values("#features input", "data-feature") == options["features"]
    assert values(".layer-control[data-layer='0'] .activation option", "value") == options["activations"]
    limits = {name: (values(f"#{name}", "min")[0], values(f"#{name}", "max")[0])
              for name in ["noise", "count", "trainFraction", "learningRate", "batchSize", "l2", "dropout"]}
    assert limits == {"noise": ("0", "1"), "count": ("4", str(options["limits"]["count"]["maximum"])), "trainFraction": ("0.1", "0.9"),
                      "learningRate": ("0", "10"), "batchSize": ("1", str(options["limits"]["batchSize"]["maximum"])),
                      "l2": ("0", "1"), "dropout": ("0", "0.95")}
    assert errors_in_console(browser) == []


def test_play_makes_the_test_loss_fall_on_xor(server, browser):
    open_page(browser, server + "?data=xor&hidden=8,8&act=tanh,tanh&opt=adam&lr=0.03&seed=3")
    start = snapshot(browser)["testLoss"]
    assert start > 0.1
    click(browser, "play")
    seen = {}

    def fell():
        seen.update(snapshot(browser))
        return seen["testLoss"] < 0.1
    wait(browser, fell, timeout=120, message="test loss below 0.1")
    assert seen["testAccuracy"] > 0.95
    click(browser, "play")  # pause
    wait(browser, lambda: not snapshot(browser)["playing"], message="paused")
    # Adam at this rate wobbles: the steps run between the check above and the pause may
    # lift the loss a little (0.19 seen once), never back towards the start's.
    final = snapshot(browser)
    assert final["testLoss"] < start / 2, (start, final["testLoss"])

    def shown():
        return float(browser.find_element(By.ID, "test-loss").get_attribute("data-value"))
    wait(browser, lambda: shown() == snapshot(browser)["testLoss"], message="the paused loss on the page")
    browser.execute_script("document.getElementById('show-test').click()")
    screenshot(browser, "playground-xor.png")
    assert errors_in_console(browser) == []


def lecture_numbers(browser):
    """Every number of the lecture view, by its path in the explanation JSON."""
    return browser.execute_script(
        "const out = {}; for (const e of document.querySelectorAll('#lecture-layers [data-key]')) out[e.dataset.key] = Number(e.dataset.value); return out;")


def at(tree, path):
    for part in path.split("."):
        tree = tree[int(part)] if isinstance(tree, list) else tree[part]
    return tree


def test_lecture_view_equals_backprop_explain(server, browser, tmp_path):
    run = open_page(browser, server + "?data=circle&hidden=3,2&act=tanh,sigmoid&opt=sgd&lr=0.1&features=x1,x2,x1%5E2&seed=5")
    for steps in range(1, 4):
        click(browser, "step")
        steps_reached(browser, steps)
    example = run["trainCount"] + 7  # a test point
    set_value(browser, "example", example)
    wait(browser, lambda: browser.execute_script(
        "const l = document.getElementById('lecture-layers'); return l.dataset.example == arguments[0] && l.dataset.steps == '3'", example))
    numbers = lecture_numbers(browser)
    model = tmp_path / "circle.safetensors"
    model.write_bytes(download(server + f"api/runs/{run['id']}/model.safetensors"))
    a1 = [numbers[f"a.0.{k}"] for k in range(3)]
    target = [numbers[f"target.{k}"] for k in range(2)]
    explained = json.loads(backprop("explain", "--json", "--model", model, "--input", ",".join(map(repr, a1)),
                                    "--target", ",".join(map(repr, target))))
    assert len(numbers) > 40
    for path, value in numbers.items():
        expected = at(explained, path)
        assert abs(value - expected) <= 1e-6 * max(1, abs(expected)), (path, value, expected)
    assert abs(float(browser.find_element(By.ID, "example-info").get_attribute("data-loss")) - explained["loss"]) < 1e-9

    # One step on this example: every weight moves by −η ∂C/∂w, and C on it falls.
    click(browser, "lecture-step")
    wait(browser, lambda: browser.execute_script("return !!document.getElementById('lecture-step-summary')"))
    cells = browser.execute_script(
        "return [...document.querySelectorAll('#lecture-update td')].map(td => [Number(td.dataset.before), Number(td.dataset.gradient), Number(td.dataset.after)])")
    assert len(cells) == 3 * 3 + 2 * 3 + 2 * 2
    for before, gradient, after in cells:
        assert abs(after - (before - 0.1 * gradient)) <= 1e-6 * max(1, abs(before)), (before, gradient, after)
    assert any(gradient != 0 for _, gradient, _ in cells)
    summary = browser.find_element(By.ID, "lecture-step-summary")
    assert float(summary.get_attribute("data-after")) < float(summary.get_attribute("data-before"))

    # The gradient check: finite differences beside backpropagation for every parameter.
    click(browser, "gradient-check")
    wait(browser, lambda: browser.execute_script("return !!document.getElementById('gradient-summary')"))
    rows = browser.execute_script("return document.querySelectorAll('.gradient-check tbody tr').length")
    assert rows == 3 * 3 + 3 + 2 * 3 + 2 + 2 * 2 + 2
    assert float(browser.find_element(By.ID, "gradient-summary").get_attribute("data-maximum")) < 1e-6
    screenshot(browser, "playground-lecture.png", "lecture")
    assert errors_in_console(browser) == []


def test_csv_upload_with_three_string_classes_trains(server, browser, tmp_path):
    import random
    generator = random.Random(4)
    centres = {"red": (0, 0, 3), "green": (4, 1, -2), "blue": (-3, 5, 0)}
    lines = ["width,height,depth,colour"]
    for _ in range(120):
        name = generator.choice(sorted(centres))
        x = [c + generator.gauss(0, 1) for c in centres[name]]
        lines.append(",".join(f"{v:.4f}" for v in x) + "," + name)
    table = tmp_path / "colours.csv"
    table.write_text("\n".join(lines) + "\n")
    open_page(browser, server + "?hidden=6&act=relu&opt=adam&lr=0.01")
    browser.find_element(By.ID, "csv-file").send_keys(str(table))
    wait(browser, lambda: len((run_info(browser) or {}).get("classNames", [])) == 3 and snapshot(browser) is not None, message="the table's run")
    run = run_info(browser)
    assert sorted(run["classNames"]) == ["blue", "green", "red"]
    assert run["featureNames"] == ["width", "height", "depth"]
    assert run["settings"]["table"]
    start = snapshot(browser)["testLoss"]
    table_url = browser.current_url
    click(browser, "play")
    wait(browser, lambda: snapshot(browser)["testAccuracy"] > 0.9 and snapshot(browser)["testLoss"] < start / 2,
         timeout=120, message="the table learned")
    click(browser, "play")
    wait(browser, lambda: not snapshot(browser)["playing"], message="paused")
    assert "table=" in table_url
    assert errors_in_console(browser) == []
    # A link to a table the server does not have falls back to the built-in data, saying why.
    open_page(browser, re.sub(r"table=[0-9a-f]+", "table=0123456789ab", table_url))
    wait(browser, lambda: run_info(browser)["settings"].get("table") is None and "no uploaded table" in browser.find_element(By.ID, "status").text)
    assert run_info(browser)["settings"]["hidden"] == [6]
    # The refused request is the only error the browser logged.
    assert [e for e in errors_in_console(browser) if "/api/runs - " not in e["message"] or "404" not in e["message"]] == []


def test_downloaded_model_is_accepted_by_backprop_evaluate(server, browser, tmp_path):
    run = open_page(browser, server + "?data=gaussians&hidden=2&act=tanh&opt=sgd&lr=0.1&noise=0.1")
    click(browser, "step")
    steps_reached(browser, 1)
    base = server + f"api/runs/{run['id']}/"
    model, examples = tmp_path / "gaussians.safetensors", tmp_path / "gaussians.csv"
    href = browser.find_element(By.ID, "download-safetensors").get_attribute("href")
    assert href == base + "model.safetensors"
    model.write_bytes(download(href))
    examples.write_bytes(download(browser.find_element(By.ID, "download-examples").get_attribute("href")))
    report = json.loads(backprop("evaluate", model, examples, "--json"))
    # The same examples, the same network: evaluate agrees with the page on all 500.
    page = snapshot(browser)
    expected = (page["trainAccuracy"] * run["trainCount"] + page["testAccuracy"] * run["testCount"]) / 500
    assert abs(report["accuracy"] - expected) < 1e-9, (report["accuracy"], expected)
    onnx = download(browser.find_element(By.ID, "download-onnx").get_attribute("href"))
    import numpy as np
    import onnxruntime
    session = onnxruntime.InferenceSession(onnx)
    rows = [line.split(",")[:2] for line in examples.read_text().splitlines()[1:6]]
    x = np.array(rows, dtype=np.float32)
    (probabilities,) = session.run(None, {session.get_inputs()[0].name: x})
    assert probabilities.shape == (5, 2) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)

    # Uploading the saved model continues from it: same weights, same settings.
    weights = snapshot(browser)["weights"]
    open_page(browser, server + "?data=gaussians&hidden=5,5&act=relu,relu&noise=0.1")
    browser.find_element(By.ID, "model-file").send_keys(str(model))
    wait(browser, lambda: run_info(browser)["settings"]["hidden"] == [2] and snapshot(browser) is not None
         and snapshot(browser)["weights"] == weights, message="the uploaded model's run")
    assert errors_in_console(browser) == []


def test_reloading_a_shared_url_restores_the_state(server, browser):
    open_page(browser, server)
    browser.find_element(By.CSS_SELECTOR, "#datasets button[data-data='spiral']").click()
    wait(browser, lambda: run_info(browser)["settings"]["data"] == "spiral")
    click(browser, "add-layer")
    wait(browser, lambda: len(run_info(browser)["settings"]["hidden"]) == 3)
    browser.find_element(By.CSS_SELECTOR, ".layer-control[data-layer='0'] .add-neuron").click()
    wait(browser, lambda: run_info(browser)["settings"]["hidden"][0] == 5)
    set_value(browser, "learningRate", "0.1")
    wait(browser, lambda: run_info(browser)["settings"]["learningRate"] == 0.1)
    set_value(browser, "optimizer", "adam")
    wait(browser, lambda: run_info(browser)["settings"]["optimizer"] == "adam")
    browser.find_element(By.CSS_SELECTOR, "#features input[data-feature='sin(x1)']").click()
    wait(browser, lambda: "sin(x1)" in run_info(browser)["settings"]["features"])
    set_value(browser, "noise", "0.25")
    set_value(browser, "seed", "7")
    wait(browser, lambda: run_info(browser)["settings"]["seed"] == 7 and run_info(browser)["settings"]["noise"] == 0.25)
    wait(browser, lambda: snapshot(browser) is not None and snapshot(browser)["steps"] == 0)
    shared = browser.current_url
    settings, first = run_info(browser)["settings"], snapshot(browser)
    points = run_info(browser)["points"]
    browser.get("about:blank")
    open_page(browser, shared)
    assert run_info(browser)["settings"] == settings
    assert run_info(browser)["points"] == points
    assert snapshot(browser)["weights"] == first["weights"] and snapshot(browser)["output"] == first["output"]
    screenshot(browser, "playground-spiral.png")
    assert errors_in_console(browser) == []


def test_frames_per_second_while_training_8x8x8(server, browser):
    """Prints how fast the page draws an 8×8×8 network while the server trains it flat out
    (a figure for the README, not a pass/fail: timing depends on the machine)."""
    open_page(browser, server + "?data=spiral&hidden=8,8,8&act=tanh,tanh,tanh&opt=adam&lr=0.01")
    browser.execute_script("document.getElementById('rate').value = arguments[0]", os.environ.get('RATE', ''))
    browser.execute_script("window.playground.stats = {frames: 0, renderMs: 0, events: 0}")
    click(browser, "play")
    started = time.time()
    time.sleep(5)
    stats = browser.execute_script("return window.playground.stats")
    elapsed = time.time() - started
    steps = snapshot(browser)["steps"]
    click(browser, "play")
    wait(browser, lambda: not snapshot(browser)["playing"], message="paused")
    print(f"\n8×8×8 on the spiral for {elapsed:.1f} s: {stats['events'] / elapsed:.1f} frames/s received, "
          f"{stats['frames'] / elapsed:.1f} drawn, {stats['renderMs'] / max(1, stats['frames']):.2f} ms to draw one; "
          f"{steps / elapsed:.0f} mini-batches/s trained")
    assert stats["frames"] > 0 and steps > 0
