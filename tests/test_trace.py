"""The backward trace: what it records equals what the engine does, its text and HTML forms,
and the HTML page stepped through in a real browser (headless Chromium)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import cli, graph_examples, nn
from tinygrad_bn.viz import backward_trace


def small_model():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3))
    x = tg.Tensor(np.random.default_rng(3).standard_normal((8, 4)), requires_grad=True,
                  name="x")
    model.to(np.float64)
    with tg.viz.trace_modules(model) as modules:
        loss = F.cross_entropy(model(x), np.arange(8) % 3)
    return model, x, loss, modules


def test_steps_follow_the_engine_and_leaves_receive_the_engines_gradients():
    model, x, loss, modules = small_model()
    trace = backward_trace.record(loss, params=model, modules=modules, draw=False)
    assert [s.op for s in trace.steps] == ["CrossEntropy", "Affine", "Rectify", "FusedBatchNorm",
                                           "Affine", "leaves"]
    assert all(p.grad is None for p in model.parameters()) and x.grad is None  # untouched
    loss.backward()  # the graph was kept
    totals = {s["to"]: s for s in trace.steps[-1].sends}
    for name, param in [*model.named_parameters(), ("x", x)]:
        assert totals[name]["norm"] == pytest.approx(np.linalg.norm(param.grad.data), rel=1e-12)
        assert totals[name]["values"] == pytest.approx(param.grad.data.ravel()[:4].tolist())
    first = trace.steps[0]
    assert first.grad_in["shape"] == [] and first.grad_in["values"] == [1.0]
    assert (first.computes, first.rule) == backward_trace.op_rules(type(loss.grad_fn))[:2]
    assert first.rule == "dx_n = g (softmax(x_n) - onehot(t_n))."


def test_what_a_step_sends_is_what_the_next_steps_receive():
    model, x, loss, _ = small_model()
    trace = backward_trace.record(loss, params=model, draw=False)
    by_node = {s.node: s for s in trace.steps if s.node}
    for step in trace.steps[:-1]:
        for send in step.sends:
            if send["node"] in by_node:  # an op: it is the only user here, so it gets it all
                assert by_node[send["node"]].grad_in["norm"] == pytest.approx(send["norm"])


def test_a_tensor_used_twice_receives_the_sum_of_both_sends():
    w = tg.Tensor(np.array([0.5, -2.0]), requires_grad=True, name="w")
    y = (w * w.exp()).sum()
    trace = backward_trace.record(y, draw=False)
    sent = [np.array(s["values"]) for step in trace.steps[:-1] for s in step.sends
            if s["to"] == "w"]
    assert len(sent) == 2
    (total,) = [np.array(s["values"]) for s in trace.steps[-1].sends if s["to"] == "w"]
    np.testing.assert_allclose(sent[0] + sent[1], total, rtol=1e-12)
    np.testing.assert_allclose(total, (1 + w.data) * np.exp(w.data), rtol=1e-12)


def test_saved_arrays_are_listed_with_their_bytes():
    _, _, loss, _ = small_model()
    trace = backward_trace.record(loss, draw=False)
    bn = next(s for s in trace.steps if s.op == "FusedBatchNorm")
    assert bn.saved[0] == {"what": bn.saved[0]["what"], "shape": [8, 5], "dtype": "float64",
                           "bytes": 8 * 5 * 8}
    # the op's own items by their names (were "array(5,)" three times)
    assert [item["what"] for item in bn.saved[-3:]] == ["mean", "invstd", "scale"]
    loss_step = next(s for s in trace.steps if s.op == "CrossEntropy")
    assert [item["what"] for item in loss_step.saved] == ["softmax"]


def test_text_form_has_one_line_per_step(capsys):
    assert cli.main(["trace", "bn-fused", "--format", "text"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("BatchNorm1d(4, impl='fused')")
    assert lines[1].split()[:2] == ["0", "FusedBatchNorm"] and "leaves receive" in lines[2]
    assert len(lines) == 3


def test_nothing_to_differentiate_is_a_clear_error():
    with pytest.raises(tg.ArgumentError, match="requires_grad"):
        backward_trace.record(tg.Tensor(np.ones(3)).sum())


def test_the_page_is_self_contained(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    path = tmp_path / "t.html"
    assert cli.main(["trace", "cnn", "-o", str(path)]) == 0
    page = path.read_text()
    assert "<svg" in page and 'id="trace-data"' in page
    for reference in ("http://", "https://", "src=\"", "href=\""):
        assert reference not in page.replace("http://www.w3.org/", "")  # SVG namespaces only


def test_op_rules_read_forward_backward_and_jvp_from_the_docstrings():
    class OneLine:
        """z = x * y;  dx = g * y,
        dy = g * x.

        tz = tx * y + x * ty."""

    class JvpMethod:
        """z = f(x);  dx = f'(x) g."""

        def jvp(self, tx):
            """tz = f'(x) tx.

            More words."""

    assert backward_trace.op_rules(OneLine) == ("z = x * y", "dx = g * y, dy = g * x.",
                                                "tz = tx * y + x * ty.")
    assert backward_trace.op_rules(JvpMethod) == ("z = f(x)", "dx = f'(x) g.", "tz = f'(x) tx.")


def test_trace_returns_a_path_that_displays_inline(tmp_path):
    _, _, loss, _ = small_model()
    page = tg.viz.trace(loss, path=tmp_path / "t.html")
    assert isinstance(page, str) and page == str(tmp_path / "t.html")
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and shown.count("<iframe") == 1
    assert "&lt;script" in shown  # the whole page, escaped into the one attribute
    text = tg.viz.trace(loss, path=tmp_path / "t.txt")
    assert text._repr_html_().startswith("<pre>")
    assert not (tmp_path / "t.txt").read_text().startswith("<")


@pytest.mark.parametrize("path, fmt, message", [
    ("t.svg", None, "must end in .html or .txt"),
    ("t.txt", "html", "suffix .txt but format is 'html'"),
])
def test_trace_checks_the_suffix(tmp_path, path, fmt, message):
    _, _, loss, _ = small_model()
    with pytest.raises(tg.ArgumentError, match=message):
        tg.viz.trace(loss, path=tmp_path / path, format=fmt)


# ---------------------------------------------------------------- in a real browser


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None or shutil.which("dot") is None:
        pytest.skip("needs chromium, chromedriver and Graphviz (scripts/test.sh installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--window-size=1400,900"):
        options.add_argument(flag)
    from selenium.webdriver.chrome.service import Service

    session = webdriver.Chrome(service=Service(driver), options=options)
    yield session
    session.quit()


def test_stepping_through_the_page_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By

    trace = graph_examples.trace("cnn")
    path = Path(backward_trace.write(trace, tmp_path / "cnn.html"))
    browser.get(path.as_uri())
    text = lambda id_: browser.find_element(By.ID, id_).text  # noqa: E731

    def current_titles():
        return [g.find_element(By.TAG_NAME, "title").get_attribute("textContent")
                for g in browser.find_elements(By.CSS_SELECTOR, "#graph-ops g.node.current")]

    assert text("step-label") == f"step 1 of {len(trace.steps)}"
    assert text("op-name") == trace.steps[0].op == "CrossEntropy"
    assert current_titles() == [trace.steps[0].node]
    next_button = browser.find_element(By.ID, "next")
    next_button.click()
    next_button.click()
    step = trace.steps[2]
    assert text("step-label") == f"step 3 of {len(trace.steps)}"
    assert text("op-name") == step.op and current_titles() == [step.node]
    assert text("rule") == step.rule
    receiving = {g.find_element(By.TAG_NAME, "title").get_attribute("textContent") for g in
                 browser.find_elements(By.CSS_SELECTOR, "#graph-ops g.node.receives")}
    assert receiving == {s["node"] for s in step.sends}
    assert len(browser.find_elements(By.CSS_SELECTOR, "#sends tr.send")) == len(step.sends)
    browser.find_element(By.ID, "prev").click()
    assert text("op-name") == trace.steps[1].op
    last = len(trace.steps) - 1
    browser.execute_script(f"show({last})")
    assert text("op-name") == "leaves" and text("grad-in") == "(the end)"
    assert current_titles() == []


def test_modules_collapse_into_boxes_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By

    _, _, loss, modules = small_model()
    trace = backward_trace.record(loss, modules=modules)
    path = Path(backward_trace.write(trace, tmp_path / "m.html"))
    browser.get(path.as_uri() + "#step=3")
    assert browser.find_element(By.ID, "op-name").text == trace.steps[3].op
    browser.find_element(By.ID, "collapse").click()
    assert browser.find_element(By.ID, "graph-modules").is_displayed()
    assert not browser.find_element(By.ID, "graph-ops").is_displayed()
    boxes = [g.find_element(By.TAG_NAME, "title").get_attribute("textContent") for g in
             browser.find_elements(By.CSS_SELECTOR, "#graph-modules g.node.current")]
    assert boxes == [trace.boxes[trace.steps[3].node]]


def label_px(browser) -> float | None:
    """Rendered height in px of the current node's first label line (None: no current node
    in the shown drawing)."""
    return browser.execute_script(
        "const svg = [...document.querySelectorAll('#graph svg')]"
        ".find((s) => s.getBoundingClientRect().width > 0);"
        "const t = svg && svg.querySelector('g.node.current text');"
        "return t ? t.getBoundingClientRect().height : null;")


@pytest.mark.parametrize("name", ["mlp", "cnn", "bn-composite"])
def test_current_node_is_readable_at_every_step_at_1400x900(browser, tmp_path, name):
    from selenium.webdriver.common.by import By

    trace = graph_examples.trace(name)
    browser.get(Path(backward_trace.write(trace, tmp_path / f"{name}.html")).as_uri())
    pane = browser.find_element(By.ID, "graph").rect
    for i, step in enumerate(trace.steps[:-1]):
        browser.execute_script(f"show({i})")
        assert label_px(browser) >= 10, f"step {i} ({step.op})"
        box = browser.execute_script(
            "const r = document.querySelector('#graph-ops g.node.current')"
            ".getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];")
        assert pane["x"] <= box[0] and box[2] <= pane["x"] + pane["width"]  # in view
        assert pane["y"] <= box[1] and box[3] <= pane["y"] + pane["height"]
    last = len(trace.steps) - 1
    browser.execute_script(f"show({last})")
    assert browser.find_element(By.ID, "sends-heading").text == \
        "what each leaf received in total"


def test_side_by_side_frames_are_readable_and_the_view_zooms(browser, tmp_path):
    from selenium.webdriver.common.by import By

    traces = [graph_examples.trace(name) for name in ("bn-composite", "bn-fused")]
    browser.get(Path(backward_trace.write(traces, tmp_path / "bn.html")).as_uri())
    for frame in browser.find_elements(By.TAG_NAME, "iframe"):
        browser.switch_to.frame(frame)
        browser.execute_script("show(0)")
        before = label_px(browser)
        assert before >= 10
        browser.find_element(By.ID, "zoom-in").click()
        assert label_px(browser) == pytest.approx(before * 1.25, rel=0.05)
        browser.find_element(By.ID, "fit").click()
        browser.find_element(By.ID, "focus").click()
        assert label_px(browser) == pytest.approx(before, rel=0.05)
        browser.switch_to.default_content()
