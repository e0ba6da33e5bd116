"""The `tinygrad-bn` command line: demo, experiments, graphs, gradient checks, benchmarks.

    tinygrad-bn [--version]
    tinygrad-bn demo [--out DIR] [--quick] [--seed S] [--data embedded|full --data-dir DIR]
    tinygrad-bn experiment NAME [--out DIR] [--quick] [--seed S] [--data ... --data-dir DIR]
    tinygrad-bn graph NAME [-o FILE] [--format svg|png|pdf]
    tinygrad-bn trace NAME [NAME ...] [-o FILE] [--format html|text]
    tinygrad-bn gradcheck [--only TEXT] [--ops]
    tinygrad-bn bench [...]        (options: tinygrad-bn bench --help)

`python -m tinygrad_bn` is the same command. Every failure the user can cause
(a bad name, a bad argument, a missing optional dependency, an unwritable
directory) ends with a one-line message and a non-zero exit status, never a
traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__, experiments, graph_examples
from .errors import ArgumentError, TinygradError

FORMATS = ("svg", "png", "pdf")


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {value}")
    return value


def _add_run_options(parser: argparse.ArgumentParser, default_out: str) -> None:
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help=f"directory for the figures and the JSON (default: {default_out})")
    parser.add_argument("--quick", action="store_true",
                        help="a small version that runs in seconds (for CI and trying things)")
    parser.add_argument("--seed", type=_seed, default=0, help="random seed (default: 0)")
    parser.add_argument("--no-progress", action="store_true",
                        help="hide the progress bar (shown only when stderr is a terminal)")
    parser.add_argument("--data", choices=("embedded", "full"), default="embedded",
                        help="MNIST: the embedded 5,000-digit subset (default) or the full "
                             "60,000 + 10,000 digits, downloaded into --data-dir if missing")
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DIR",
                        help="directory of the full MNIST IDX files (default: "
                             f"{experiments.DEFAULT_DATA_DIR})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-bn",
        description="tinygrad_bn: reverse-mode autodiff on NumPy, with batch normalization "
                    "derived twice. Start with `tinygrad-bn demo`.")
    parser.add_argument("--version", action="version", version=f"tinygrad-bn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser(
        "demo", help="train an MNIST MLP with and without batch norm; plots, graphs, JSON",
        description="Train the MLP of the accuracy-and-speed experiment (784-100-100-100-10, "
                    "ReLU, batch 60, SGD lr 0.01) on "
                    "the embedded MNIST subset with and without BatchNorm1d, print accuracy, "
                    "speed and BN's cost per batch, and write a figure, the graph of one BN "
                    "layer (composite and fused) and a JSON record. Offline; under a minute.")
    _add_run_options(demo, "runs/demo")

    names = "\n".join(f"  {name:<20} {summary}"
                      for name, (_, summary) in experiments.EXPERIMENTS.items())
    experiment = sub.add_parser(
        "experiment", help="run one of the experiments (figures + JSON)",
        description=f"Run an experiment; what it tests: docs/sources.md; results and figures: "
                    f"docs/experiments.md.\n\n"
                    f"experiments:\n{names}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    experiment.add_argument("name", metavar="NAME", choices=list(experiments.EXPERIMENTS),
                            help="one of: " + ", ".join(experiments.EXPERIMENTS))
    _add_run_options(experiment, "runs/NAME")

    graph = sub.add_parser(
        "graph", help="draw one of the example computation graphs",
        description="Render a named example graph with Graphviz: "
                    + "; ".join(f"{name}" for name in graph_examples.EXAMPLES) + ".")
    graph.add_argument("name", metavar="NAME", choices=list(graph_examples.EXAMPLES),
                       help="one of: " + ", ".join(graph_examples.EXAMPLES))
    graph.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                       help="output file ending in .svg, .png or .pdf, which sets the format "
                            "(default: graph-NAME.svg)")
    graph.add_argument("--format", choices=FORMATS, default=None, help="default: svg")

    trace = sub.add_parser(
        "trace", help="step through the backward pass of example graphs (HTML or text)",
        description="Record the backward pass of one or more named example graphs node by "
                    "node and write a self-contained HTML page that steps through it (several "
                    "names: side by side, e.g. bn-composite bn-fused), or print one line per "
                    "step with --format text.")
    trace.add_argument("names", metavar="NAME", nargs="+", choices=list(graph_examples.EXAMPLES),
                       help="one or more of: " + ", ".join(graph_examples.EXAMPLES))
    trace.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                       help="output file: .html or .txt, the suffix sets the format (default: "
                            "trace-NAME.html; with --format text, stdout)")
    trace.add_argument("--format", choices=("html", "text"), default=None,
                       help="default: from the suffix of -o, else html")

    check = sub.add_parser(
        "gradcheck", help="check every op's gradients: reverse, jvp, double backward, torch",
        description="Check every case of experiments/op_gradients.py four ways (reverse mode "
                    "and forward mode against central differences, double backward, and a "
                    "float64 cross-check against PyTorch where torch imports) and print a "
                    "table of cases, then a table of the package's op classes: which checks "
                    "reached each ('-': none). Exit status 1 if any case fails.")
    check.add_argument("--only", metavar="TEXT",
                       help="check only cases whose name contains TEXT")
    check.add_argument("--ops", action="store_true", help="print only the op table")

    sub.add_parser("bench", help="benchmarks (options: tinygrad-bn bench --help)", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tinygrad-bn` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # its options belong to the benchmarking module's own parser
        return _bench(argv[1:])
    parser = build_parser()
    if not argv:  # `tinygrad-bn` / `python -m tinygrad_bn` alone: say what there is
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args)
        if args.command == "experiment":
            return _experiment(args)
        if args.command == "graph":
            return _graph(args)
        if args.command == "trace":
            return _trace(args)
        return _gradcheck(args)
    except (TinygradError, OSError) as error:
        print(f"tinygrad-bn {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"tinygrad-bn {args.command}: interrupted", file=sys.stderr)
        return 130


def _output_dir(out: Path) -> Path:
    """Create the output directory now: an unwritable path fails before any training."""
    out.mkdir(parents=True, exist_ok=True)
    return out


def _report(files: list[Path], started: float) -> None:
    print(f"done in {time.perf_counter() - started:.1f}s; wrote:")
    for path in files:
        print(f"  {path}")


def _demo(args: argparse.Namespace) -> int:
    from .experiments import demo

    started = time.perf_counter()
    out = _output_dir(args.out or Path("runs/demo"))
    with experiments.single_threaded_blas(), experiments.data_source(_data_dir(args)):
        files = demo.run(out, quick=args.quick, seed=args.seed, progress=not args.no_progress)
    _report(files, started)
    return 0


def _experiment(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = _output_dir(args.out or Path("runs") / args.name)
    lead = experiments.is_lead_process(args.name)  # under mpiexec only rank 0 reports
    if lead:
        print(f"experiment {args.name}{' (quick)' if args.quick else ''}: "
              f"{experiments.EXPERIMENTS[args.name][1]}")
    files = experiments.run(args.name, out, quick=args.quick, seed=args.seed,
                            progress=not args.no_progress, data_dir=_data_dir(args))
    if lead:
        for path in files:
            if path.suffix == ".json":
                print(experiments.result_table(json.loads(path.read_text())))
        _report(files, started)
    return 0


def _data_dir(args: argparse.Namespace) -> Path | None:
    """Where the full MNIST lives (None: the embedded subset)."""
    if args.data == "embedded":
        if args.data_dir is not None:
            raise ArgumentError("--data-dir is for --data full (the embedded subset ships inside)")
        return None
    return args.data_dir or experiments.DEFAULT_DATA_DIR


def _graph(args: argparse.Namespace) -> int:
    output: Path = args.output or Path(f"graph-{args.name}.{args.format or 'svg'}")
    suffix = output.suffix.lstrip(".").lower()
    if suffix not in FORMATS:
        raise ArgumentError(f"-o {output}: the file name must end in one of "
                            f"{', '.join('.' + f for f in FORMATS)} (it sets the format)")
    fmt = args.format or suffix
    if suffix != fmt:
        raise ArgumentError(f"-o {output} has suffix .{suffix} but --format is {fmt}")
    stem = output.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    path = graph_examples.build(args.name).render(str(stem), format=fmt)
    print(f"wrote {path} (DOT source: {stem}.gv)")
    return 0


def _trace(args: argparse.Namespace) -> int:
    from .viz import backward_trace

    fmt = _trace_format(args.output, args.format)
    traces = [graph_examples.trace(name, draw=fmt == "html") for name in args.names]
    if fmt == "text" and args.output is None:
        for trace in traces:
            print(f"{trace.title}\n{trace.as_text()}")
        return 0
    output = args.output or Path(f"trace-{'-vs-'.join(args.names)}.html")
    output.parent.mkdir(parents=True, exist_ok=True)
    print(f"wrote {backward_trace.write(traces, output, fmt)} "
          f"({sum(len(t.steps) for t in traces)} steps)")
    return 0


TRACE_SUFFIXES = {".html": "html", ".htm": "html", ".txt": "text"}


def _trace_format(output: Path | None, requested: str | None) -> str:
    """The trace's format: the suffix of -o decides (as for graph), --format must agree."""
    if output is None:
        return requested or "html"
    by_suffix = TRACE_SUFFIXES.get(output.suffix.lower())
    if by_suffix is None:
        raise ArgumentError(f"-o {output}: the file name must end in .html or .txt (it sets the "
                            f"format)")
    if requested is not None and requested != by_suffix:
        raise ArgumentError(f"-o {output} has suffix {output.suffix} but --format is "
                            f"{requested}")
    return by_suffix


def _gradcheck(args: argparse.Namespace) -> int:
    from .experiments import op_coverage, op_gradients
    from .experiments.common import Progress

    cases = [c for c in op_gradients.OPS if args.only is None or args.only.lower() in
             c.name.lower()]
    if not cases:
        print(f"no case name contains {args.only!r}; cases: {', '.join(op_gradients.names())}",
              file=sys.stderr)
        return 1
    bar = Progress(len(cases), "gradcheck", enabled=True)
    results = []
    for case in cases:
        results.append(op_coverage.check_case(case))
        bar.update(1)
    bar.close()
    if not args.ops:
        print(op_coverage.format_cases(results))
        print()
    table = op_coverage.coverage(results)
    print(op_coverage.format_ops(table))
    failed = [r for r in results if not r.passed]
    gaps = op_coverage.gaps(table)
    print(f"{len(results) - len(failed)}/{len(results)} cases pass; "
          f"{len(table) - len(gaps)}/{len(table)} op classes reached"
          + (f"; reached by no case: {', '.join(gaps)}" if gaps and args.only is None else ""))
    if op_coverage.torch_module() is None:
        print("(torch does not import here: no cross-check ran)")
    for r in failed:
        print(f"FAILED {r.name}:", *r.notes, sep="\n    ")
    return 1 if failed else 0


def _bench(argv: list[str]) -> int:
    if importlib.util.find_spec("tinygrad_bn.benchmarking") is None:
        print("tinygrad-bn bench: not available yet (the module tinygrad_bn.benchmarking is "
              "missing from this installation)", file=sys.stderr)
        return 1
    from . import benchmarking

    try:
        return benchmarking.main(argv)
    except (TinygradError, OSError) as error:
        print(f"tinygrad-bn bench: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
