"""PyTorch's own operator database (OpInfo, torch.testing._internal.common_methods_invocations)
as a differential test: for each of its ~700 entries, the sample inputs PyTorch's test
suite uses for that operator are run on torch and on tinygrad_bn, and the results compared.

How an entry is called on tinygrad_bn: an entry whose op is one of torch's functions is
looked up by its name (`nn.functional.conv2d` is tg.nn.functional.conv2d; a name only a
Tensor has, `mT`, is the method or attribute); an entry whose op is a wrapper written in
the OpInfo module (`lambda x, n: torch.polygamma(n, x)`) is called with that module's
`torch` (and `F`) bound to tinygrad_bn for the call. Tensors are copied to tinygrad_bn
before torch runs (some samples are changed in place), torch dtypes and functions in the
arguments become tinygrad_bn's, and the results are compared: tensors by shape, dtype
and values (float64 to 1e-7 relative, float32 to 1e-5 relative to the largest value),
tuples element by element. Ops that draw random numbers or return uninitialised memory
compare by shape and dtype only (so do samples with dropout_p > 0); topk, kthvalue and
mode, whose index of a tied value PyTorch leaves unspecified, compare values and check
that our indices point at them; linalg.eigh's eigenvectors, defined up to sign, are
compared after taking torch's signs. as_strided's samples that view part of a larger
storage are skipped: the copy given to tinygrad_bn has no storage around the view.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

import tinygrad_bn as tg

DTYPE_NAMES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
               "bool")
# entries compared by shape and dtype only: random draws, uninitialised memory
META_ONLY = frozenset("""empty empty_like new_empty empty_strided empty_permuted
    new_empty_strided rand_like randn_like randint randint_like normal multinomial bernoulli
    uniform randn rand cauchy exponential geometric log_normal poisson nn.functional.dropout
    nn.functional.dropout2d nn.functional.dropout3d nn.functional.alpha_dropout
    nn.functional.feature_alpha_dropout nn.functional.fractional_max_pool2d
    nn.functional.fractional_max_pool3d
    nn.functional.rrelu nn.functional.gumbel_softmax""".split())

# entries whose index results are any position of a tied value: PyTorch's topk, kthvalue
# and mode promise no particular one (their CPU kernels' choice follows a quickselect or a
# sort, not a rule: measured, neither the first nor the last occurrence), so the values
# must agree and our indices must point at them; name: (position of dim, of keepdim)
TIED_INDICES = {"kthvalue": (2, 3), "topk": (2, None), "mode": (1, 2)}
# entries whose samples draw random numbers in some cases (compared by shape and dtype then)
DRAWS = {"nn.functional.multi_head_attention_forward":  # dropout_p (positional) in training
         lambda sample: bool(sample.kwargs.get("training", True) and sample.args[9])}
# entries whose eigenvectors or singular vectors (the results at these positions; U and V
# flip together) PyTorch defines only up to sign (torch.linalg.eigh's documentation:
# "unique up to multiplication by -1"; svd_lowrank's depend on its random draw too): ours
# are turned to torch's signs, column by column, before the comparison
SIGNED_VECTORS = {"linalg.eigh": (1,), "svd_lowrank": (0, 2), "pca_lowrank": (0, 2)}

# entries where torch's float64 results are less accurate than ours (measured against mpmath
# at 40 digits on the OpInfo samples: torch's Cephes-style bessel_j0/j1/y1 polynomial
# fits are off by up to 3e-7 absolute, ours by at most 3e-16): both are compared with
# mpmath instead, ours to 1e-14 and torch's to 1e-6 (it is the same function)
MPMATH_REFERENCE = {"special.bessel_j0": ("besselj", 0), "special.bessel_j1": ("besselj", 1),
                    "special.bessel_y1": ("bessely", 1)}


class Unconvertible(TypeError):
    """A sample holds something tinygrad_bn has no counterpart of (complex, sparse...)."""


def to_tg(value: Any, torch: Any) -> Any:
    """value with torch's tensors, dtypes, sizes and functions replaced by tinygrad_bn's."""
    if isinstance(value, torch.Tensor):
        name = str(value.dtype).rsplit(".", 1)[-1]
        if name not in DTYPE_NAMES or value.layout != torch.strided:
            raise Unconvertible(f"a {value.dtype} {value.layout} tensor")
        out = tg.tensor(value.detach().numpy().copy())
        return out.requires_grad_() if value.requires_grad else out
    if isinstance(value, torch.dtype):
        name = str(value).rsplit(".", 1)[-1]
        if name not in DTYPE_NAMES:
            raise Unconvertible(f"dtype {value}")
        return getattr(tg, name)
    if isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, list | tuple):
        return type(value)(to_tg(v, torch) for v in value)
    if isinstance(value, dict):
        return {k: to_tg(v, torch) for k, v in value.items()}
    if isinstance(value, torch.device):
        return "cpu"
    if isinstance(value, torch.memory_format):
        return getattr(tg, str(value).rsplit(".", 1)[-1])
    if isinstance(value, torch.layout):
        return None
    if dataclasses.is_dataclass(value) and type(value).__module__.startswith("torch") and \
            hasattr(tg.nn, type(value).__name__):  # settings (nn.LinearCrossEntropyOptions)
        return getattr(tg.nn, type(value).__name__)(**{
            f.name: to_tg(getattr(value, f.name), torch) for f in dataclasses.fields(value)})
    if isinstance(value, torch.nn.Module) and not any(True for _ in value.parameters()):
        return _module_to_tg(value)
    if callable(value) and getattr(value, "__module__", "") in (
            "torch", "torch.functional", "torch.nn.functional", "torch._C._nn"):
        ours = getattr(tg.nn.functional, value.__name__, None) or getattr(tg, value.__name__,
                                                                          None)
        if ours is None:
            raise Unconvertible(f"torch.{value.__name__}")
        return ours
    return value


def _module_to_tg(module: Any) -> Any:
    """A parameterless torch module (a distance_function=nn.PairwiseDistance()) as
    tinygrad_bn's module of that name, with the same plain settings."""
    ours = getattr(tg.nn, type(module).__name__, None)
    if ours is None:
        raise Unconvertible(f"torch.nn.{type(module).__name__}")
    out = ours()
    for key, setting in vars(module).items():
        if not key.startswith("_") and isinstance(setting, bool | int | float | str | None):
            setattr(out, key, setting)
    return out


def entry_name(op: Any) -> str:
    return op.name + (f".{op.variant_test_name}" if op.variant_test_name else "")


@contextlib.contextmanager
def bound_to_tg(function: Any, names: tuple[str, ...] = ("torch", "F")) -> Iterator[None]:
    """The module-level `names` of function's module (of torch, F = torch.nn.functional and
    nn) bound to tinygrad_bn's while a wrapper runs (the OpInfo module's torch and F;
    common_nn's torch, nn and F)."""
    replacement = {"torch": tg, "F": tg.nn.functional, "nn": tg.nn}
    module = function.__globals__
    saved = {k: module[k] for k in names if k in module}
    module.update({k: replacement[k] for k in saved})
    try:
        yield
    finally:
        module.update(saved)


def ours(op: Any) -> Any:
    """tinygrad_bn's counterpart of an OpInfo entry's op, or None when there is none."""
    if inspect.isfunction(op.op) and op.op.__module__.startswith("torch.testing"):
        def call(*args: Any, **kwargs: Any) -> Any:
            with bound_to_tg(op.op):
                return op.op(*args, **kwargs)
        return call
    owner: Any = tg
    for part in op.name.split("."):
        if not hasattr(owner, part):
            if owner is tg and hasattr(tg.Tensor, part):
                attribute = getattr(tg.Tensor, part)
                if isinstance(attribute, property):
                    return lambda x: getattr(x, part)
                return lambda x, *args, **kwargs: getattr(x, part)(*args, **kwargs)
            return None
        owner = getattr(owner, part)
    return owner


def difference(expected: Any, got: Any, meta_only: bool = False) -> str | None:
    """How got differs from expected (torch's), or None."""
    if type(expected).__name__ == "Tensor":
        if not isinstance(got, tg.Tensor):
            return f"a {type(got).__name__} where torch gives a Tensor"
        if tuple(expected.shape) != tuple(got.shape):
            return f"shape {tuple(got.shape)}, torch {tuple(expected.shape)}"
        if str(expected.dtype).rsplit(".", 1)[-1] != str(got.dtype):
            return f"dtype {got.dtype}, torch {str(expected.dtype).rsplit('.', 1)[-1]}"
        if meta_only:
            return None
        want, have = expected.detach().numpy(), got.detach().numpy()
        if want.dtype.kind == "f" and want.size:
            finite = want[np.isfinite(want)]
            scale = float(np.abs(finite).max(initial=1.0))
            rtol = 1e-7 if want.dtype == np.float64 else 1e-4
            atol = rtol * scale if want.dtype != np.float64 else 1e-10 * scale
            close = np.allclose(have.astype(np.float64), want, rtol=rtol, atol=atol,
                                equal_nan=True)
            return None if close else "values differ"
        return None if np.array_equal(have, want) else "values differ"
    if isinstance(expected, tuple | list):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return f"a {type(got).__name__} where torch gives {len(expected)} results"
        for want, have in zip(expected, got, strict=True):
            if (why := difference(want, have, meta_only)) is not None:
                return why
        return None
    if isinstance(expected, bool | int | float) and not isinstance(got, tg.Tensor):
        try:
            same = expected == got or math.isclose(float(expected), float(got),
                                                   rel_tol=1e-7) or \
                (math.isnan(float(expected)) and math.isnan(float(got)))
        except (TypeError, ValueError):
            return f"{got!r:.60}, torch {expected!r:.60}"
        return None if same else f"{got!r:.60}, torch {expected!r:.60}"
    return None


def check_entry(op: Any, torch: Any, dtypes: tuple[Any, ...], samples_per_dtype: int
                ) -> tuple[int, str | None]:
    """(samples compared, the first difference) for one OpInfo entry."""
    function = ours(op)
    if function is None:
        return 0, f"no tinygrad_bn counterpart of {op.name}"
    compared = 0
    meta_only = op.name in META_ONLY
    for dtype in dtypes:
        if dtype not in op.supported_dtypes("cpu"):
            continue
        try:  # only the samples compared are drawn (each is drawn from a fresh seed)
            samples = list(itertools.islice(op.sample_inputs("cpu", dtype, requires_grad=False),
                                            samples_per_dtype))
        except Exception:  # noqa: BLE001, S112 (torch's own generator failing is not ours)
            continue
        for sample in samples:
            if op.name.startswith("as_strided") and _partial_view(sample.input):
                continue  # it reads the storage around the view, which a copy does not carry
            try:
                args = to_tg((sample.input, *sample.args), torch)
                kwargs = to_tg(sample.kwargs, torch)
            except Unconvertible:
                continue
            try:
                expected = op.op(sample.input, *sample.args, **sample.kwargs)
            except Exception:  # noqa: BLE001, S112 (a sample torch refuses is no case)
                continue
            try:
                got = function(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 (the difference we report)
                return compared, f"{dtype}: raises {type(error).__name__}: " \
                                 f"{str(error)[:160]} on {_describe(sample)}"
            if op.name in SIGNED_VECTORS:
                got = _signs_as(expected, got, SIGNED_VECTORS[op.name])
            # a sample with dropout_p > 0 (scaled_dot_product_attention's) draws: no values
            random = meta_only or bool(sample.kwargs.get("dropout_p", 0)) or \
                DRAWS.get(op.name, lambda _: False)(sample)
            if op.name in TIED_INDICES:
                why = _tied_difference(op.name, sample, expected, got, torch)
            elif op.name in MPMATH_REFERENCE and dtype == torch.float64:
                why = _mpmath_difference(op.name, sample.input, expected, got)
            else:
                why = difference(expected, got, random)
            if why is not None:
                return compared, f"{dtype}: {why} on {_describe(sample)}"
            compared += 1
    return compared, None


def _signs_as(expected: Any, got: Any, at: tuple[int, ...]) -> Any:
    """got with the columns of its results `at` multiplied by -1 where that makes the
    first's point the way torch's do (a positive dot product); values compared after."""
    want, have = expected[at[0]].detach().numpy(), got[at[0]].detach().numpy()
    if want.shape != have.shape:
        return got
    signs = np.where((want * have).sum(axis=-2, keepdims=True) < 0, -1, 1).astype(have.dtype)
    out = list(got)
    for k in at:
        out[k] = tg.tensor(got[k].detach().numpy() * signs)
    return tuple(out)


def _tied_difference(name: str, sample: Any, expected: Any, got: Any, torch: Any
                     ) -> str | None:
    """How (values, indices) differs from torch's where indices of ties may differ: the
    values compared as usual, and the input read at our indices must give them."""
    if (why := difference(expected[0], got[0])) is not None or \
            (why := difference(expected[1], got[1], meta_only=True)) is not None:
        return why
    dim_at, keepdim_at = TIED_INDICES[name]
    args = (sample.input, *sample.args)
    dim = args[dim_at] if len(args) > dim_at else sample.kwargs.get("dim", -1)
    keepdim = keepdim_at is None or (args[keepdim_at] if len(args) > keepdim_at
                                      else sample.kwargs.get("keepdim", False))
    x, index = sample.input, torch.from_numpy(got[1].numpy().copy())
    if x.ndim == 0:
        return None if bool((index == 0).all()) else "indices of a 0-d input are not 0"
    values = expected[0] if keepdim else expected[0].unsqueeze(dim)
    index = index if keepdim else index.unsqueeze(dim)
    picked = torch.gather(x, dim, index)
    return None if torch.equal(picked, values) else "indices point at other values"


def _mpmath_difference(name: str, x: Any, expected: Any, got: Any) -> str | None:
    """How ours and torch's values differ from mpmath's (40 digits) beyond 1e-14 and 1e-6."""
    import mpmath

    function, order = MPMATH_REFERENCE[name]
    with mpmath.workdps(40):
        exact = [float(getattr(mpmath, function)(order, float(v))) if np.isfinite(v) and
                 (function != "bessely" or v > 0) else np.nan
                 for v in x.numpy().ravel()]
    exact = np.array(exact).reshape(x.shape)
    known = ~np.isnan(exact)
    ours, theirs = got.detach().numpy(), expected.numpy()
    if not np.allclose(ours[known], exact[known], rtol=1e-14, atol=1e-15):
        return "ours differs from mpmath"
    return None if np.allclose(theirs[known], exact[known], rtol=1e-6, atol=1e-6) else \
        "torch's differs from mpmath by more than its known error"


def _partial_view(x: Any) -> bool:
    """Whether tensor x views part of a larger storage (OpInfo's as_strided.partial_views:
    as_strided then reads outside x, where the harness's copy of x has nothing)."""
    return bool(x.storage_offset()) or \
        x.untyped_storage().nbytes() > x.numel() * x.element_size()


def _describe(sample: Any) -> str:
    def short(v: Any) -> str:
        if type(v).__name__ == "Tensor":
            return f"T{tuple(v.shape)}"
        if isinstance(v, list | tuple):
            return "[" + ", ".join(short(x) for x in v) + "]"
        return repr(v)[:30]
    parts = [short(sample.input)] + [short(a) for a in sample.args] + \
        [f"{k}={short(v)}" for k, v in sample.kwargs.items()]
    return "(" + ", ".join(parts) + ")"
