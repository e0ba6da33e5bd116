"""tg.profiler: counts, shapes, saved bytes and FLOPs against hand computations, times that
add up, the Chrome trace's schema, and nothing installed outside a profile."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, modes, nn
from tinygrad_bn import profiler as tp
from tinygrad_bn.viz.graph import graph_nodes

N, D, H, C = 60, 784, 100, 10


def model() -> nn.Sequential:
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(D, H), nn.BatchNorm1d(H), nn.ReLU(), nn.Linear(H, C))


def batch() -> tuple[Tensor, np.ndarray]:
    rng = np.random.default_rng(0)
    return Tensor(rng.random((N, D), dtype=np.float32)), np.arange(N) % C


def profiled_steps(steps: int = 2, **options) -> tuple[tp.profile, float]:
    net, (x, y) = model(), batch()
    with tp.profile(**options) as prof:
        start = time.perf_counter()
        for _ in range(steps):
            with tp.record_function("train step"):
                F.cross_entropy(net(x), y).backward()
        wall = time.perf_counter() - start
    return prof, wall


def averages(prof: tp.profile, **kwargs) -> dict[str, tp.FunctionEventAvg]:
    return {row.key: row for row in prof.key_averages(**kwargs)}


def test_every_forward_and_backward_is_counted() -> None:
    rows = averages(profiled_steps(steps=3)[0])
    expected = {"train step": 1, "Affine": 2, "FusedBatchNorm": 1, "Rectify": 1,
                "CrossEntropy": 1, "AffineBackward": 2, "FusedBatchNormBackward": 1,
                "RectifyBackward": 1, "CrossEntropyBackward": 1}
    assert {key: row.count for key, row in rows.items()} == {k: 3 * n for k, n in
                                                            expected.items()}


def test_self_times_add_up_to_the_outer_range_and_it_to_the_wall_time() -> None:
    prof, wall = profiled_steps()
    rows = averages(prof)
    total = rows["train step"].cpu_time_total
    assert sum(row.self_cpu_time_total for row in rows.values()) == pytest.approx(total,
                                                                                  rel=1e-9)
    assert 0 < total <= wall * 1e6  # microseconds inside the measured wall time
    for event in prof.events():  # a range's own time is never negative
        assert 0 <= event.self_cpu_time_total <= event.cpu_time_total


def test_shapes_saved_bytes_and_flops_match_hand_computations() -> None:
    prof, _ = profiled_steps(steps=1, record_shapes=True, profile_memory=True,
                             with_flops=True)
    shaped = prof.key_averages(group_by_input_shape=True)
    assert sorted(r.input_shapes for r in shaped if r.key == "Affine") == sorted(
        [str([[N, D], [H, D], [H]]), str([[N, H], [C, H], [C]])])
    rows = averages(prof)
    assert rows["Affine"].flops == 2 * N * D * H + 2 * N * H * C
    assert rows["FusedBatchNorm"].flops == 0
    # BN keeps x (N, H) and gamma (H,) and its mean, invstd and scale (H,) each, float32
    assert rows["FusedBatchNorm"].cpu_memory_usage == 4 * (N * H + H + 3 * H)
    # the same rule the graph pictures use, counted independently from the graph itself
    net, (x, y) = model(), batch()
    loss = F.cross_entropy(net(x), y)
    bn = next(node for node in graph_nodes(loss) if node.name == "FusedBatchNorm")
    assert rows["FusedBatchNorm"].cpu_memory_usage == bn.saved_bytes()
    assert rows["AffineBackward"].cpu_memory_usage == 0


def test_table_sorts_limits_and_shows_the_recorded_columns() -> None:
    prof, _ = profiled_steps(record_shapes=True, profile_memory=True, with_flops=True)
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=3)
    lines = table.splitlines()
    assert "Self CPU %" in lines[1] and "Saved for bwd" in lines[1]
    assert "Total MFLOPs" in lines[1]
    assert len(lines) == 3 + 3 + 2  # rules and header, 3 rows, rule and total
    assert lines[-1].startswith("Self CPU time total: ")
    top = max(prof.key_averages(), key=lambda r: r.self_cpu_time_total)
    shown = (f"{top.self_cpu_time_total / 1e3:.3f}ms" if top.self_cpu_time_total >= 1e3
             else f"{top.self_cpu_time_total:.3f}us")
    assert lines[3].strip().startswith(top.key) and f"  {shown}  " in lines[3]
    with pytest.raises(tg.ArgumentError, match="sort_by must be one of"):
        prof.key_averages().table(sort_by="gpu_time")
    with pytest.raises(tg.ArgumentError, match="record_shapes=True"):
        profiled_steps(steps=1)[0].key_averages(group_by_input_shape=True)


def test_chrome_trace_schema(tmp_path) -> None:
    prof, _ = profiled_steps(record_shapes=True, profile_memory=True, with_flops=True)
    path = prof.export_chrome_trace(tmp_path / "trace.json")
    trace = json.loads(open(path).read())
    events = trace["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "thread_name"}
    assert set(names) == {1, 2, 3}
    complete = [e for e in events if e["ph"] == "X"]
    assert len(complete) == len(prof.events())
    for e in complete:
        assert {"name", "cat", "ph", "ts", "dur", "pid", "tid", "args"} <= e.keys()
        assert isinstance(e["ts"], float) and e["ts"] >= 0 and e["dur"] >= 0
        assert e["tid"] == tp.TRACKS[e["cat"]]
        assert e["name"].endswith("Backward") <= (e["tid"] == 2)  # backward rules on track 2
    assert {e["tid"] for e in complete if e["name"] == "Affine"} == {1}
    assert {e["tid"] for e in complete if e["name"] == "train step"} == {3}
    for tid in (1, 2, 3):  # ranges on one track nest: none starts inside another and ends after
        spans = sorted((e["ts"], e["ts"] + e["dur"]) for e in complete if e["tid"] == tid)
        stack: list[float] = []
        for start, end in spans:
            while stack and stack[-1] <= start:
                stack.pop()
            assert not stack or end <= stack[-1] + 1e-3
            stack.append(end)
    affine = next(e for e in complete if e["name"] == "Affine")
    assert affine["args"]["Input Dims"] == [[N, D], [H, D], [H]]
    assert affine["args"]["FLOPs"] == 2 * N * D * H


def test_nothing_is_installed_outside_a_profile_and_profiles_do_not_nest() -> None:
    assert modes.state.profiler is None and modes.state.op_mode == modes.RECORD
    with tp.record_function("no profiler"):  # a no-op
        Tensor(np.ones(2)) * 2
    with tp.profile() as prof:
        assert modes.state.op_mode == modes.ANOMALY  # the instrumented path
        with pytest.raises(tg.TinygradError, match="already running"):
            tp.profile().start()
    assert modes.state.profiler is None and modes.state.op_mode == modes.RECORD
    assert prof.events() == []


def test_a_profile_watches_its_own_thread_only() -> None:
    def other() -> None:
        for _ in range(5):
            Tensor(np.ones(3)) * 3

    with tp.profile() as prof:
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
        Tensor(np.ones(3)) + 1
    assert [e.name for e in prof.events()] == ["Add"]


def test_profile_and_detect_anomaly_together() -> None:
    x = Tensor(np.zeros(3), requires_grad=True)
    with tp.profile() as prof, tg.detect_anomaly(), pytest.raises(tg.AnomalyError):
        (x * x).sum().sqrt().backward()
    assert {"Mul", "Sum", "Sqrt", "SqrtBackward"} <= {e.name for e in prof.events()}
