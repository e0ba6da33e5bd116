"""The profiler's records: one `FunctionEvent` per op forward, op backward or user range, and
their averages by name (`EventList.table` prints PyTorch's table).

Times are kept in nanoseconds from `time.perf_counter_ns` and shown in microseconds or
milliseconds. A range's self time is its time minus the time of the ranges directly inside
it (an op's backward contains the ops its rule runs; a `record_function` range contains
everything called in it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import ArgumentError

# PyTorch's sort keys for key_averages().table(sort_by=...), and what each one reads
SORT_KEYS = {
    "cpu_time_total": "cpu_time_total", "self_cpu_time_total": "self_cpu_time_total",
    "cpu_time": "cpu_time", "self_cpu_time": "self_cpu_time", "count": "count",
    "cpu_memory_usage": "cpu_memory_usage", "self_cpu_memory_usage": "cpu_memory_usage",
    "flops": "flops",
}


@dataclass
class FunctionEvent:
    """One timed range: `name` (an op's class name; `<Op>Backward` for its backward; a
    record_function name), `track` ("forward", "backward" or "user"), start and end in ns,
    input shapes (record_shapes), bytes the op saved for backward (profile_memory), FLOPs
    (with_flops, matmul and convolution)."""

    name: str
    track: str
    start_ns: int
    end_ns: int
    input_shapes: list[tuple[int, ...]] = field(default_factory=list)
    saved_bytes: int = 0
    flops: int = 0
    children_ns: int = 0  # time of the ranges directly inside this one

    @property
    def cpu_time_total(self) -> float:
        """Microseconds from start to end."""
        return (self.end_ns - self.start_ns) / 1e3

    @property
    def self_cpu_time_total(self) -> float:
        """Microseconds not spent in a range directly inside this one."""
        return (self.end_ns - self.start_ns - self.children_ns) / 1e3


@dataclass
class FunctionEventAvg:
    """The events sharing a key (their name, and input shapes when grouped by them)."""

    key: str
    input_shapes: str = ""
    count: int = 0
    cpu_time_total: float = 0.0  # microseconds
    self_cpu_time_total: float = 0.0
    cpu_memory_usage: int = 0  # bytes saved for backward, summed
    flops: int = 0

    @property
    def cpu_time(self) -> float:
        """Average microseconds per call."""
        return self.cpu_time_total / self.count if self.count else 0.0

    @property
    def self_cpu_time(self) -> float:
        return self.self_cpu_time_total / self.count if self.count else 0.0

    def add(self, event: FunctionEvent) -> None:
        self.count += 1
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        self.cpu_memory_usage += event.saved_bytes
        self.flops += event.flops


def _time(us: float) -> str:
    return f"{us / 1e3:.3f}ms" if us >= 1e3 else f"{us:.3f}us"


def _bytes(n: int) -> str:
    for unit, size in (("Gb", 1 << 30), ("Mb", 1 << 20), ("Kb", 1 << 10)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} b"


class EventList(list):
    """A list of events or averages; `table()` formats averages as PyTorch's profiler does."""

    def __init__(self, items: Iterable = (), *, with_shapes: bool = False,
                 with_memory: bool = False, with_flops: bool = False) -> None:
        super().__init__(items)
        self.with_shapes = with_shapes
        self.with_memory = with_memory
        self.with_flops = with_flops

    def table(self, sort_by: str | None = None, row_limit: int = 100,
              max_name_column_width: int = 55, header: str | None = None) -> str:
        """One row per key: self and total CPU time (with their share of the total self
        time), average time, calls; saved bytes, input shapes and FLOPs when recorded.
        `sort_by`: one of PyTorch's keys (cpu_time_total, self_cpu_time_total, cpu_time,
        count, cpu_memory_usage, flops, ...), largest first; `row_limit` rows at most."""
        rows = list(self)
        if sort_by is not None:
            if sort_by not in SORT_KEYS:
                raise ArgumentError(f"table: sort_by must be one of {', '.join(SORT_KEYS)}, "
                                    f"got {sort_by!r}")
            rows.sort(key=lambda r: getattr(r, SORT_KEYS[sort_by]), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        total_self = sum(r.self_cpu_time_total for r in self) or 1.0
        columns = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
        if self.with_memory:
            columns.append("Saved for bwd")
        columns.append("# of Calls")
        if self.with_shapes:
            columns.append("Input Shapes")
        if self.with_flops:
            columns.append("Total MFLOPs")
        body = []
        for r in rows:
            cells = [r.key[:max_name_column_width],
                     f"{100 * r.self_cpu_time_total / total_self:.2f}%",
                     _time(r.self_cpu_time_total), f"{100 * r.cpu_time_total / total_self:.2f}%",
                     _time(r.cpu_time_total), _time(r.cpu_time)]
            if self.with_memory:
                cells.append(_bytes(r.cpu_memory_usage))
            cells.append(str(r.count))
            if self.with_shapes:
                cells.append(r.input_shapes)
            if self.with_flops:
                cells.append(f"{r.flops / 1e6:.3f}" if r.flops else "--")
            body.append(cells)
        widths = [max(len(c), *(len(row[i]) for row in body)) if body else len(c)
                  for i, c in enumerate(columns)]
        rule = "  ".join("-" * w for w in widths)
        lines = ([header] if header else []) + [rule, "  ".join(
            c.rjust(w) for c, w in zip(columns, widths)), rule]
        lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in body]
        lines += [rule, f"Self CPU time total: {_time(sum(r.self_cpu_time_total for r in self))}"]
        return "\n".join(lines)

    def total_average(self) -> FunctionEventAvg:
        """All rows summed into one ("Total")."""
        total = FunctionEventAvg("Total")
        for r in self:
            total.count += r.count
            total.cpu_time_total += r.cpu_time_total
            total.self_cpu_time_total += r.self_cpu_time_total
            total.cpu_memory_usage += r.cpu_memory_usage
            total.flops += r.flops
        return total
