"""The report: targets evaluated from one run's ratios, the machine, Markdown tables."""

from __future__ import annotations

import math
import os
import platform
from types import ModuleType
from typing import Any

import numpy as np

from .cases import CNN_NAME, scaling_name
from .measure import NP, NP_SLICED, TG, TG_COMPILED, TG_SLICED, TORCH


def _time(results: dict[str, Any], name: str, impl: str, statistic: str,
          key: str = "times") -> float | None:
    entry = results.get(name, {}).get(key, {}).get(impl)
    return entry.get(statistic) if entry else None


def _target(description: str, value: float | None, op: str, threshold: float,
            note: str = "") -> dict[str, Any]:
    met = None if value is None else (value <= threshold if op == "<=" else value >= threshold)
    return {"target": description, "value": value, "op": op, "threshold": threshold, "met": met,
            "note": note}


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a / b


def evaluate_targets(results: dict[str, Any], memory: dict[str, Any], smoke: bool = False,
                     loaded: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The targets, from the ratios of this run's medians (None where a number is missing);
    each also carries the same ratio of the fastest calls (`fastest`), which is steadier on
    a shared machine. Whether a target is met is decided by the medians, and never by a
    smoke run (`smoke`: every implementation ran once, untimed conditions): there `met` is
    None for every target. `loaded`: the results of the pass under background load."""
    targets = _targets(results, memory, "median_s", loaded)
    for target, fastest in zip(targets, _targets(results, memory, "min_s", loaded)):
        target["fastest"] = fastest["value"]
        if smoke:
            target["met"] = None
    return targets


def slowest_default(results: dict[str, Any], statistic: str = "median_s"
                    ) -> tuple[float | None, str]:
    """The largest time at default threads / time at one thread over every tinygrad_bn
    implementation of every workload, and where it is ("workload: impl")."""
    worst, where = None, ""
    for name, entry in results.items():
        for impl, one in entry.get("times", {}).items():
            default = entry.get("times_default", {}).get(impl)
            if not impl.startswith(TG) or default is None:
                continue
            ratio = default[statistic] / one[statistic]
            if worst is None or ratio > worst:
                worst, where = ratio, f"{name}: {impl}"
    return worst, where


# "Slower at default threads": a paired test per row over the interleaved rounds, with the
# family-wise error held by Holm's procedure and checked on control rows (docs/performance.md,
# "Batch norm on two cores, stop 30", has the rule and its simulated error rates).
SLOWER_ALPHA = 0.05  # chance that a run with no slower row flags any row at all
# Rows that cannot depend on the thread setting: the NumPy bounds (no pool) and the compiled
# replays (recorded in the calling thread, replayed without the pool).
CONTROLS = (NP, NP_SLICED, TG_COMPILED, TG_SLICED)


def t_sf(t: float, df: int) -> float:
    """P(T >= t) for Student's t with a positive integer number of degrees of freedom: the
    closed forms of P(|T| < t) in terms of theta = atan(t / sqrt(df)) (Abramowitz and
    Stegun 26.7.3 and 26.7.4), a finite sum of powers of cos(theta)."""
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    theta = math.atan(abs(t) / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2:  # odd: (2/pi) (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...))
        term, series = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 1) // 2):
            term *= c2 * 2 * k / (2 * k + 1)
            series += term
        inside = 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * series)
    else:  # even: sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
        term = series = 1.0
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            series += term
        inside = math.sin(theta) * series
    upper = (1 - inside) / 2
    return upper if t >= 0 else 1 - upper


def slower_test(one: dict[str, Any], default: dict[str, Any]) -> tuple[float, float, int] | None:
    """Paired test of "default threads slower" over the interleaved rounds: d_j = ln(default
    block j / one-thread block j); returns (exp(mean d), the ratio of the rounds' geometric
    means; the one-sided p-value of Student's t on the d_j; the number of rounds). None
    without per-round times of at least 3 rounds. Each round's ratio pairs blocks that ran
    side by side, so slow phases of the machine cancel; the t-test weighs a row by its own
    scatter, so a row whose rounds scatter by 30% needs a larger shift than one that
    scatters by 2% (a fixed count of slower rounds, the old sign test, treats them alike
    and at 5 rounds cannot go below p = 1/32)."""
    a, b = one.get("rounds_s"), default.get("rounds_s")
    if not a or not b or len(a) != len(b) or len(a) < 3:
        return None
    d = [math.log(y / x) for x, y in zip(a, b)]
    n = len(d)
    mean = sum(d) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in d) / (n - 1))
    if sd == 0:  # identical ratios in every round (synthetic data)
        return math.exp(mean), 0.0 if mean > 0 else 1.0, n
    return math.exp(mean), t_sf(mean / (sd / math.sqrt(n)), n - 1), n


def holm(pvalues: dict[str, float], alpha: float = SLOWER_ALPHA) -> list[str]:
    """The keys Holm's step-down procedure rejects at family-wise error `alpha`: the
    smallest p against alpha / m, the next against alpha / (m - 1), ..., stopping at the
    first that is not below its bound."""
    rejected = []
    ordered = sorted(pvalues.items(), key=lambda item: item[1])
    for i, (key, p) in enumerate(ordered):
        if p > alpha / (len(ordered) - i):
            break
        rejected.append(key)
    return rejected


def slower_rows(results: dict[str, Any]) -> dict[str, Any]:
    """Every row ("workload: impl") tested by `slower_test`, in two families: the tinygrad_bn
    rows that may depend on the thread setting (`tested`) and the `CONTROLS`; each family's
    rows that Holm's procedure calls slower (`slower`, `controls_slower`) and every row's
    (ratio, p, rounds) (`tests`). A flagged control means this run's noise broke the
    test's assumptions (the rounds are not exchangeable): then no verdict."""
    tests: dict[str, tuple[float, float, int]] = {}
    families: dict[str, dict[str, float]] = {"tested": {}, "controls": {}}
    for name, entry in results.items():
        for impl, one in entry.get("times", {}).items():
            default = entry.get("times_default", {}).get(impl)
            if default is None or not impl.startswith((TG, NP)):
                continue
            test = slower_test(one, default)
            if test is None:
                continue
            row = f"{name}: {impl}"
            tests[row] = test
            families["controls" if impl in CONTROLS else "tested"][row] = test[1]
    return {"tests": tests, "tested": len(families["tested"]),
            "controls": len(families["controls"]),
            "slower": holm(families["tested"]), "controls_slower": holm(families["controls"])}


def _slower_target(results: dict[str, Any], label: str) -> dict[str, Any]:
    found = slower_rows(results)
    notes = [f"{row} ({found['tests'][row][0]:.3f}x, p {found['tests'][row][1]:.2g})"
             for row in found["slower"]]
    target = _target(
        f"tinygrad_bn workloads slower at default threads than at one thread (paired t-test "
        f"over the rounds, Holm, family-wise {SLOWER_ALPHA}; {found['tested']} rows) ({label})",
        len(found["slower"]), "<=", 0, note="; ".join(notes))
    if found["controls_slower"]:
        target["met"] = None  # the controls moved: this run cannot tell
        target["note"] = "; ".join(notes + [f"no verdict: control {row} flagged too"
                                            for row in found["controls_slower"]])
    return target


MLP_B, MLP_B_BN = "seed-B MLP relu (batch 60)", "seed-B MLP relu +BN (batch 60)"
BN2D = "BatchNorm2d (64, 64, 16, 16) fwd+bwd"


def _targets(results: dict[str, Any], memory: dict[str, Any], statistic: str,
             loaded: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Issue 25's targets (one thread each, and default threads), and issue 15's and issue
    7's that still hold (BN's cost per batch, the scaling rows, composite/fused, memory)."""
    t = lambda name, impl: _time(results, name, impl, statistic)  # noqa: E731
    td = lambda name, impl: _time(results, name, impl, statistic, "times_default")  # noqa: E731
    targets = []
    for name, label in ((MLP_B, "seed-B MLP"), (MLP_B_BN, "seed-B MLP +BN")):
        targets += [
            _target(f"{label} eager: steps/s / PyTorch's (1 thread)",
                    _ratio(t(name, TORCH), t(name, TG)), ">=", 1.5),
            _target(f"{label} eager: time / NumPy bound (1 thread)",
                    _ratio(t(name, TG), t(name, NP)), "<=", 1.25),
            _target(f"{label} compiled, sliced batches: time / NumPy bound on the same "
                    f"slices (1 thread)",
                    _ratio(t(name, TG_SLICED), t(name, NP_SLICED)), "<=", 1.05,
                    note=_sliced_note(results.get(name, {}), statistic)),
            _target(f"{label} compiled, sliced batches: steps/s / PyTorch's (1 thread)",
                    _ratio(t(name, TORCH), t(name, TG_SLICED)), ">=", 2.0),
            _target(f"{label} compiled: time / NumPy bound (1 thread)",
                    _ratio(t(name, TG_COMPILED), t(name, NP)), "<=", 1.05),
        ]
    targets += [
        _target("BN2d (64,64,16,16) fused fwd+bwd: time / PyTorch's (1 thread)",
                _ratio(t(BN2D, f"{TG} fused"), t(BN2D, TORCH)), "<=", 0.9),
        _target("small CNN train step, eager: time / PyTorch's (1 thread)",
                _ratio(t(CNN_NAME, TG), t(CNN_NAME, TORCH)), "<=", 1.3,
                note=_maybe("compiled", _ratio(t(CNN_NAME, TG_COMPILED), t(CNN_NAME, TORCH)))),
        _target("BN2d (64,64,16,16) fused fwd+bwd: time / PyTorch's (default threads)",
                _ratio(td(BN2D, f"{TG} fused"), td(BN2D, TORCH)), "<=", 1.0),
        _target("small CNN train step, eager: time / PyTorch's (default threads)",
                _ratio(td(CNN_NAME, TG), td(CNN_NAME, TORCH)), "<=", 1.5,
                note=_maybe("compiled", _ratio(td(CNN_NAME, TG_COMPILED),
                                               td(CNN_NAME, TORCH)))),
    ]
    for label, res in (("no background load", results), ("one busy background process",
                                                         loaded)):
        worst, where = slowest_default(res or {}, statistic)
        targets.append(_target(f"every tinygrad_bn workload: time at default threads / at one "
                               f"thread, worst ({label})", worst, "<=", 1.0, note=where))
        if res and any("rounds_s" in one for entry in res.values()
                       for one in entry.get("times", {}).values()):
            targets.append(_slower_target(res, label))
    targets.append(_target(
        "seed-B MLP compiled: BN's cost per batch (time with BN / without)",
        _ratio(t(MLP_B_BN, TG_COMPILED), t(MLP_B, TG_COMPILED)), "<=", 1.3,
        note=", ".join(f"{impl} {r:.2f}" for impl in (TG, NP, TORCH)
                       if (r := _ratio(t(MLP_B_BN, impl), t(MLP_B, impl))) is not None)))
    for batch, width in ((60, 1600), (1024, 100)):
        name = scaling_name(batch, width)
        targets.append(_target(f"{name} eager: time / NumPy bound",
                               _ratio(t(name, TG), t(name, NP)), "<=", 1.05))
    targets.append(_target("BN2d (64,64,16,16): composite time / fused time",
                           _ratio(t(BN2D, f"{TG} composite"), t(BN2D, f"{TG} fused")),
                           ">=", 2.5))
    fused, composite = memory.get(f"{TG} fused"), memory.get(f"{TG} composite")
    targets.append(_target(  # counting x, which both keep: the stricter reading
        "BN2d fwd+bwd bytes kept for backward (with the input): fused / composite",
        _ratio(fused["saved_bytes_with_inputs"], composite["saved_bytes_with_inputs"])
        if fused and composite else None, "<=", 1 / 3))
    return targets


def _maybe(label: str, value: float | None) -> str:
    return "" if value is None else f"{label} {value:.2f}"


def _sliced_note(entry: dict[str, Any], statistic: str) -> str:
    """How the sliced-batch calls ran (replayed, or eagerly), and the same time over the
    bound on one fixed batch, which stays in cache from call to call."""
    stats = entry.get("compiled", {}).get(TG_SLICED)
    parts = [", ".join(f"{k} {v}" for k, v in stats.items())] if stats else []
    times = entry.get("times", {})
    fixed = _ratio(*(times.get(i, {}).get(statistic) for i in (TG_SLICED, NP)))
    if fixed is not None:
        parts.append(f"{fixed:.2f} over the bound on one fixed batch")
    return "; ".join(parts)


def machine_info(torch: ModuleType | None) -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{blas.get('name')} {blas.get('version')}"
    except (TypeError, KeyError):
        blas = "unknown"
    info = {
        "cpus": os.cpu_count(), "cpu_model": cpu, "python": platform.python_version(),
        "numpy": np.__version__, "blas": blas,
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
    }
    if torch is not None:
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    return info


def _fmt_time(seconds: float | None, unit: str) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1e6:.2f} µs" if unit == "us" else f"{seconds * 1e3:.3f} ms"


def _fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 2**20:.2f} MiB" if n >= 2**20 else f"{n / 2**10:.1f} KiB"


def noisy(times: dict[str, Any]) -> bool:
    """A row is noisy when its interquartile range is wider than its median: the middle half
    of its calls spread over more than the typical call's own time."""
    return times["q3_s"] - times["q1_s"] > times["median_s"]


SMOKE_BANNER = ("**Smoke run (`--quick`)**: every implementation ran once, without warm-up or "
                "repeats. These times are not measurements and decide no target.")


SCALING_ROWS = [(16, 100), (60, 100), (256, 100), (1024, 100), (60, 400), (60, 1600)]


def scaling_table(results: dict[str, Any]) -> list[str]:
    """The seed-B ReLU step across batch sizes and hidden widths (medians): eager, compiled,
    the NumPy bound and PyTorch, and their ratios. Empty if those workloads did not run."""
    rows = []
    for batch, width in SCALING_ROWS:
        times = results.get(scaling_name(batch, width), {}).get("times")
        if not times:
            continue
        m = {impl: times.get(impl, {}).get("median_s") for impl in (TG, TG_COMPILED, NP, TORCH)}
        ratio = lambda a, b: "-" if a is None or b is None else f"{a / b:.2f}"  # noqa: E731
        rows.append(f"| {batch} | {width} | " + " | ".join(
            "-" if m[i] is None else f"{m[i] * 1e3:.3f}" for i in (TG, TG_COMPILED, NP, TORCH))
            + f" | {ratio(m[TG], m[NP])} | {ratio(m[TG_COMPILED], m[NP])} | "
            f"{ratio(m[TORCH], m[TG_COMPILED])} |")
    if not rows:
        return []
    return ["", "Scaling: the seed-B ReLU step (784-w-w-w-10), medians in ms:", "",
            "| batch | width | eager | compiled | NumPy bound | PyTorch | eager / bound | "
            "compiled / bound | PyTorch / compiled |", "|---|---|---|---|---|---|---|---|---|",
            *rows]


def threads_table(results: dict[str, Any], title: str) -> list[str]:
    """Medians at one thread and at the default thread count, side by side, and their
    ratio (default / one: above 1 means the default threads' median lost), and the paired
    test over the rounds (`slower_test`: the rounds' ratio and its one-sided p-value before
    Holm's correction): **slower** marks a row that `slower_rows` flags (a control row:
    **control slower**); without per-round times, a tinygrad_bn row whose ratio is above
    1. Empty without both settings."""
    found = slower_rows(results)
    rows = []
    for name, entry in results.items():
        unit = "us" if entry["group"] == "engine" else "ms"
        for impl, one in entry.get("times", {}).items():
            default = entry.get("times_default", {}).get(impl)
            if default is None:
                continue
            ratio = default["median_s"] / one["median_s"]
            row = f"{name}: {impl}"
            test = found["tests"].get(row)
            flag = ""
            if row in found["slower"] or (test is None and ratio > 1.0 and impl.startswith(TG)
                                          and impl not in CONTROLS):
                flag = " **slower**"
            elif row in found["controls_slower"]:
                flag = " **control slower**"
            rounds = "-" if test is None else f"{test[0]:.3f}x over {test[2]} (p {test[1]:.2g})"
            rows.append(f"| {name} | {impl} | {_fmt_time(one['median_s'], unit)} | "
                        f"{_fmt_time(default['median_s'], unit)} | {ratio:.2f}{flag} | "
                        f"{rounds} |")
    if not rows:
        return []
    return ["", title, "", "| workload | impl | one thread | default threads | default / one | "
            "rounds: paired ratio (p) |", "|---|---|---|---|---|---|", *rows,
            "", f"**slower**: Holm's procedure over the {found['tested']} tinygrad_bn rows "
            f"that may depend on the thread setting rejects \"not slower\" at family-wise "
            f"{SLOWER_ALPHA}; the same over the {found['controls']} control rows (NumPy, "
            f"compiled replays) should flag none (docs/performance.md, \"Batch norm on two "
            f"cores, stop 30\")."]


def format_report(report: dict[str, Any]) -> str:
    """The results as Markdown tables (workloads, memory, targets); a smoke run says so
    first, and a noisy row (see `noisy`) is flagged in its IQR cell."""
    smoke = bool(report.get("smoke"))
    lines = [SMOKE_BANNER, ""] if smoke else []
    flagged = False
    lines += ["| workload | impl | median | IQR | fastest | vs NumPy bound | vs PyTorch |",
             "|---|---|---|---|---|---|---|"]
    for name, entry in report["results"].items():
        times = entry["times"]
        unit = "us" if entry["group"] == "engine" else "ms"
        np_t = times.get(NP, {}).get("median_s")
        torch_t = times.get(TORCH, {}).get("median_s")
        for impl, m in times.items():
            vs_np = f"{m['median_s'] / np_t:.2f}x" if np_t and impl != NP else ""
            vs_torch = f"{m['median_s'] / torch_t:.2f}x" if torch_t and impl != TORCH else ""
            iqr = f"{_fmt_time(m['q1_s'], unit)} – {_fmt_time(m['q3_s'], unit)}"
            if not smoke and noisy(m):
                iqr += " **noisy**"
                flagged = True
            lines.append(f"| {name} | {impl} | {_fmt_time(m['median_s'], unit)} | {iqr} | "
                         f"{_fmt_time(m.get('min_s'), unit)} | {vs_np} | {vs_torch} |")
        if entry["max_rel_diff"] > 1e-3:
            lines.append(f"| {name} | **results disagree** (max rel diff "
                         f"{entry['max_rel_diff']:.2g}) | | | | |")
    if flagged:
        lines += ["", "**noisy**: the row's interquartile range is wider than its median; "
                  "its ratios are not to be trusted (see docs/performance.md, Noise)."]
    lines += scaling_table(report["results"])
    threads = report.get("threads", {})
    lines += threads_table(report["results"], f"One thread vs the default thread count "
                           f"(tinygrad_bn {threads.get('tinygrad_bn_default')}, PyTorch "
                           f"{threads.get('torch_default')}), medians, same interleaved rounds:")
    if report.get("results_loaded"):
        lines += threads_table(report["results_loaded"], f"The same with "
                               f"{report.get('background_processes')} busy background "
                               f"process(es) running:")
    memory = report["memory"]
    lines += ["", f"BN2d {tuple(memory['shape'])} fwd+bwd memory (input "
              f"{_fmt_bytes(memory['input_bytes'])}):", "",
              "| impl | kept for backward, beyond the inputs | with the inputs | "
              "tracemalloc peak of fwd+bwd |", "|---|---|---|---|"]
    for impl in (f"{TG} fused", f"{TG} composite", TORCH):
        if impl in memory:
            m = memory[impl]
            lines.append(f"| {impl} | {_fmt_bytes(m['saved_bytes'])} | "
                         f"{_fmt_bytes(m.get('saved_bytes_with_inputs'))} | "
                         f"{_fmt_bytes(m.get('peak_bytes'))} |")
    lines += ["", "Targets (time ratios are of medians: < 1 means tinygrad_bn is faster):", "",
              "| target | measured | wanted | met | of the fastest calls | the same ratio for |",
              "|---|---|---|---|---|---|"]
    for t in report["targets"]:
        value, fastest = ("-" if v is None else f"{v:.2f}"
                          for v in (t["value"], t.get("fastest")))
        met = {True: "yes", False: "**no**", None: "n/a"}[t["met"]]
        if smoke:
            met = "n/a (smoke run)"
        lines.append(f"| {t['target']} | {value} | {t['op']} {t['threshold']:.2f} | {met} | "
                     f"{fastest} | {t.get('note', '')} |")
    return "\n".join(lines)

