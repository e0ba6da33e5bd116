"""PyTorch's module-level functions: `tg.exp(x)`, `tg.sum(x, dim=1)`, `tg.flatten(x, 1)` ...

Each is the Tensor method of the same name applied to `as_tensor(input)`
(so an ndarray or a number works too), with the method's arguments and
semantics; the math of each is in the method's docstring (tensor.py and
tensor_methods/). `tg.max(x, dim=1)` is the values, as `x.max(dim=1)`
(docs/autograd.md, design notes). At the end, the functions PyTorch has without a
Tensor method of the same name: std_mean, var_mean, cdist.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError, names_errors
from .keywords import unbiased_overload
from .out_argument import accepts_out, refuses_out
from .tensor import Tensor, as_tensor, where
from .tensor_methods.axis_alias import takes_axis
from .tensor_methods.operands import refuse_numbers
from .tensor_methods.reduce import floating

__all__ = [
    "abs", "acos", "acosh", "add", "addmm", "addmv", "all", "allclose", "any", "arccos",
    "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin",
    "argsort", "argwhere", "asin", "asinh", "atan", "atan2", "atanh", "baddbmm", "bincount",
    "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "bmm", "ceil", "chunk", "clamp", "clip", "clone", "copysign", "cos", "cosh",
    "count_nonzero", "cummax", "cummin", "cumsum", "diag", "diagonal", "diff", "div", "divide",
    "eq", "equal", "exp", "exp2", "expm1", "fix", "flatten", "flip", "floor", "floor_divide",
    "fmod", "frac", "gather", "ge", "ger", "greater", "greater_equal", "gt", "histc", "hypot",
    "index_add", "index_fill", "index_select", "inner", "is_complex", "is_floating_point",
    "isclose", "isfinite", "isinf", "isnan", "kthvalue", "le", "lerp", "less", "less_equal",
    "log", "log10", "log1p", "log2", "logaddexp", "logcumsumexp", "logical_and", "logical_not",
    "logical_or", "logical_xor", "logit", "logsumexp", "lt", "masked_fill", "masked_select",
    "matmul", "max", "mean", "min", "mm", "moveaxis", "movedim", "msort", "mul", "multiply",
    "mv", "narrow", "ne", "neg", "negative", "nonzero", "norm", "not_equal", "numel", "outer",
    "permute", "pow", "prod", "reciprocal", "relu", "remainder", "repeat_interleave",
    "reshape", "roll", "round", "rsqrt", "scatter", "scatter_add", "sigmoid", "sign", "sin",
    "sinh", "sort", "split", "sqrt", "square", "squeeze", "std", "sub", "subtract", "sum",
    "swapdims", "t", "take", "take_along_dim", "tan", "tanh", "tile", "topk", "trace",
    "transpose", "tril", "triu", "true_divide", "trunc", "unflatten", "unique",
    "unique_consecutive", "unbind", "unsqueeze", "var", "xlogy",
    "nanmean", "nanquantile", "nansum", "quantile",
    "cdist", "std_mean", "var_mean",
]
# issue 22 (fn22): the error functions, the normalized exponentials, more elementwise math
__all__ += ["erf", "erfc", "erfinv", "log_softmax", "softmax"]
__all__ += ["absolute", "addcdiv", "addcmul", "clamp_max", "clamp_min", "deg2rad", "float_power",
            "gcd", "heaviside", "lcm", "ldexp", "nan_to_num", "rad2deg", "sgn"]


# PyTorch's functions that take a Python number as `input` (a Scalar overload); the others
# refuse one (torch.fmod(2, t), torch.exp(2.0): TypeError), and so do ours
_NUMBER_INPUT = frozenset("add sub subtract mul multiply div divide true_divide floor_divide "
                          "remainder pow float_power xlogy bitwise_and bitwise_or bitwise_xor "
                          "bitwise_left_shift bitwise_right_shift".split())
# ... of which these take a number as `input` only with a tensor `other` (torch.pow(2, 3):
# TypeError; torch.add(2, 3) is a tensor)
_NOT_TWO_NUMBERS = frozenset("remainder pow float_power xlogy bitwise_and bitwise_or "
                             "bitwise_xor bitwise_left_shift bitwise_right_shift".split())
# and these refuse a number as `other` too (no Scalar overload: torch.atan2(t, 2) TypeError)
_TENSOR_OTHER = frozenset("allclose arctan2 atan2 gcd hypot inner isclose lcm ldexp logaddexp "
                          "logical_and logical_or logical_xor take take_along_dim".split())
_NUMBER = (bool, int, float)
# PyTorch's functions whose binding takes no out= (a TypeError there, and here)
_NO_OUT = frozenset("""
    allclose argsort argwhere bincount broadcast_to chunk clone corrcoef count_nonzero cov
    det diag_embed diagflat diagonal dist equal flatten flip fliplr flipud index_fill
    is_complex is_floating_point isclose isfinite isinf isnan logdet masked_fill
    masked_scatter matrix_exp moveaxis movedim narrow numel permute pinverse positive ravel
    relu repeat_interleave reshape roll rot90 select split squeeze swapdims t tensor_split
    tile trace transpose unbind unflatten unique unique_consecutive unsqueeze""".split())


def tensor_input(name: str, value: Any) -> Tensor:
    """`input` of a function PyTorch binds to Tensor only: a Python number refused (its
    TypeError), anything else as_tensor."""
    refuse_numbers(name, (value,), (0,))
    return as_tensor(value)


def _function(name: str) -> Callable[..., Any]:
    method = getattr(Tensor, name)

    def function(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 (PyTorch's name)
        if type(input) in _NUMBER and (name not in _NUMBER_INPUT or name in _NOT_TWO_NUMBERS
                                       and (not args or type(args[0]) in _NUMBER)):
            refuse_numbers(name, (input,), (0,))
        if name in _TENSOR_OTHER:
            refuse_numbers(name, (input, *args[:1]), (1,))
        if type(input) is not Tensor and hasattr(input, "__tg_function__"):
            return input.__tg_function__(name, args, kwargs)  # a ComplexTensor's own
        if type(input) in (bool, int, float) and args and isinstance(args[0], Tensor):
            # a number before a tensor (tg.remainder(-4, t)) is PyTorch's weak scalar: it
            # takes t's dtype where its kind allows, as in -4 % t
            return method(args[0]._coerce(input, name), *args, **kwargs)
        return method(as_tensor(input), *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    takes_out = name not in _NO_OUT
    function.__doc__ = f"`tg.{name}(x, ...)` is `x.{name}(...)` (PyTorch's torch.{name})" + \
        (", with PyTorch's out= (out_argument.py). " if takes_out else ". ") + \
        (method.__doc__ or "")
    # an inner op's error ("Div: ...") names this op first
    return names_errors(name)((accepts_out if takes_out else refuses_out)(name, function))


abs = _function("abs")  # noqa: A001
acos = _function("acos")
acosh = _function("acosh")
add = _function("add")
addmm = _function("addmm")
addmv = _function("addmv")
all = _function("all")  # noqa: A001
allclose = _function("allclose")
any = _function("any")  # noqa: A001
arccos = _function("arccos")
arccosh = _function("arccosh")
arcsin = _function("arcsin")
arcsinh = _function("arcsinh")
arctan = _function("arctan")
arctan2 = _function("arctan2")
arctanh = _function("arctanh")
argmax = _function("argmax")
argmin = _function("argmin")
argsort = _function("argsort")
argwhere = _function("argwhere")
asin = _function("asin")
asinh = _function("asinh")
atan = _function("atan")
atan2 = _function("atan2")
atanh = _function("atanh")
baddbmm = _function("baddbmm")
bincount = _function("bincount")
bitwise_and = _function("bitwise_and")
bitwise_left_shift = _function("bitwise_left_shift")
bitwise_not = _function("bitwise_not")
bitwise_or = _function("bitwise_or")
bitwise_right_shift = _function("bitwise_right_shift")
bitwise_xor = _function("bitwise_xor")
bmm = _function("bmm")
ceil = _function("ceil")
chunk = _function("chunk")
clamp = _function("clamp")
clip = _function("clip")
clone = _function("clone")
copysign = _function("copysign")
cos = _function("cos")
cosh = _function("cosh")
count_nonzero = _function("count_nonzero")
cummax = _function("cummax")
cummin = _function("cummin")
cumsum = _function("cumsum")
diag = _function("diag")
diagonal = _function("diagonal")
diff = _function("diff")
div = _function("div")
divide = _function("divide")
eq = _function("eq")
equal = _function("equal")
exp = _function("exp")
exp2 = _function("exp2")
expm1 = _function("expm1")
fix = _function("fix")
flatten = _function("flatten")
flip = _function("flip")
floor = _function("floor")
floor_divide = _function("floor_divide")
fmod = _function("fmod")
frac = _function("frac")
gather = _function("gather")
ge = _function("ge")
ger = _function("ger")
greater = _function("greater")
greater_equal = _function("greater_equal")
gt = _function("gt")
histc = _function("histc")
hypot = _function("hypot")
index_add = _function("index_add")
index_fill = _function("index_fill")
index_select = _function("index_select")
inner = _function("inner")
is_complex = _function("is_complex")
is_floating_point = _function("is_floating_point")
isclose = _function("isclose")
isfinite = _function("isfinite")
isinf = _function("isinf")
isnan = _function("isnan")
kthvalue = _function("kthvalue")
le = _function("le")
lerp = _function("lerp")
less = _function("less")
less_equal = _function("less_equal")
log = _function("log")
log10 = _function("log10")
log1p = _function("log1p")
log2 = _function("log2")
logaddexp = _function("logaddexp")
logcumsumexp = _function("logcumsumexp")
logical_and = _function("logical_and")
logical_not = _function("logical_not")
logical_or = _function("logical_or")
logical_xor = _function("logical_xor")
logit = _function("logit")
logsumexp = _function("logsumexp")
lt = _function("lt")
masked_fill = _function("masked_fill")
masked_select = _function("masked_select")
matmul = _function("matmul")
max = _function("max")  # noqa: A001
mean = _function("mean")
min = _function("min")  # noqa: A001
mm = _function("mm")
moveaxis = _function("moveaxis")
movedim = _function("movedim")
msort = _function("msort")
mul = _function("mul")
multiply = _function("multiply")
mv = _function("mv")
nanmean = _function("nanmean")
nanquantile = _function("nanquantile")
nansum = _function("nansum")
narrow = _function("narrow")
ne = _function("ne")
neg = _function("neg")
negative = _function("negative")
nonzero = _function("nonzero")
norm = _function("norm")
not_equal = _function("not_equal")
numel = _function("numel")
outer = _function("outer")
permute = _function("permute")
pow = _function("pow")  # noqa: A001
prod = _function("prod")
quantile = _function("quantile")
reciprocal = _function("reciprocal")
relu = _function("relu")
remainder = _function("remainder")
repeat_interleave = _function("repeat_interleave")
reshape = _function("reshape")
roll = _function("roll")
round = _function("round")  # noqa: A001
rsqrt = _function("rsqrt")
scatter = _function("scatter")
scatter_add = _function("scatter_add")
sigmoid = _function("sigmoid")
sign = _function("sign")
sin = _function("sin")
sinh = _function("sinh")
sort = _function("sort")
split = _function("split")
sqrt = _function("sqrt")
square = _function("square")
squeeze = _function("squeeze")
std = _function("std")
sub = _function("sub")
subtract = _function("subtract")
sum = _function("sum")  # noqa: A001
swapdims = _function("swapdims")
t = _function("t")
take = _function("take")
take_along_dim = _function("take_along_dim")
tan = _function("tan")
tanh = _function("tanh")
tile = _function("tile")
topk = _function("topk")
trace = _function("trace")
transpose = _function("transpose")
tril = _function("tril")
triu = _function("triu")
true_divide = _function("true_divide")
trunc = _function("trunc")
unflatten = _function("unflatten")
unique = _function("unique")
unique_consecutive = _function("unique_consecutive")
unbind = _function("unbind")
unsqueeze = _function("unsqueeze")
var = _function("var")
xlogy = _function("xlogy")

# reductions, scans, indexing, shapes and matrices of issue 22 (tensor_methods/placing.py,
# statistics.py, shaping.py, scans.py, matrix.py); the functions of several tensors (block_diag,
# cartesian_prod, meshgrid) are imported by the package from tensor_methods/shaping.py
__all__ += ["aminmax", "cross", "cumprod", "det", "diag_embed", "histogram", "index_copy",
            "inverse", "logdet", "masked_scatter", "median", "mode", "rot90", "scatter_reduce",
            "slogdet"]
aminmax = _function("aminmax")
cross = _function("cross")
cumprod = _function("cumprod")
det = _function("det")
diag_embed = _function("diag_embed")
histogram = _function("histogram")
index_copy = _function("index_copy")
inverse = _function("inverse")
logdet = _function("logdet")
masked_scatter = _function("masked_scatter")
median = _function("median")
mode = _function("mode")
rot90 = _function("rot90")
scatter_reduce = _function("scatter_reduce")
slogdet = _function("slogdet")

# the rest of what PyTorch scripts call at module level (issue 21's idioms)
__all__ += ["dot", "vdot"]
dot = _function("dot")
vdot = _function("vdot")
# issue 22 (fn22): the error functions, the normalized exponentials, more elementwise math
erf = _function("erf")
erfc = _function("erfc")
erfinv = _function("erfinv")
log_softmax = _function("log_softmax")
softmax = _function("softmax")
absolute = _function("absolute")
addcdiv = _function("addcdiv")
addcmul = _function("addcmul")
clamp_max = _function("clamp_max")
clamp_min = _function("clamp_min")
deg2rad = _function("deg2rad")
float_power = _function("float_power")
gcd = _function("gcd")
heaviside = _function("heaviside")
lcm = _function("lcm")
ldexp = _function("ldexp")
nan_to_num = _function("nan_to_num")
rad2deg = _function("rad2deg")
sgn = _function("sgn")
# the special functions and shapes of surface29 (tensor_methods/special_math.py, shaping.py,
# statistics.py); polygamma takes n first, as PyTorch's
__all__ += ["digamma", "frexp", "i0", "igamma", "igammac", "kron", "lgamma", "logaddexp2",
            "mvlgamma", "nanmedian", "nextafter", "polygamma", "positive", "select", "signbit",
            "sinc", "tensor_split"]
digamma = _function("digamma")
frexp = _function("frexp")
igamma = _function("igamma")
igammac = _function("igammac")
i0 = _function("i0")
kron = _function("kron")
lgamma = _function("lgamma")
logaddexp2 = _function("logaddexp2")
mvlgamma = _function("mvlgamma")
nanmedian = _function("nanmedian")
nextafter = _function("nextafter")
positive = _function("positive")
select = _function("select")
signbit = _function("signbit")
sinc = _function("sinc")
tensor_split = _function("tensor_split")


@names_errors("polygamma")
def polygamma(n: int, input: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
    """psi^(n)(x), the n-th derivative of digamma (`tg.polygamma(n, x)` is
    `x.polygamma(n)`, PyTorch's order of arguments)."""
    return as_tensor(input).polygamma(n)


# ---- functions PyTorch has without a Tensor method of the same name ----
@takes_axis
def std_mean(input: Any, dim: Any = None, unbiased: bool | None = None,  # noqa: A002
             keepdim: bool = False, *, correction: float | None = None
             ) -> tuple[Tensor, Tensor]:
    """(x.std(...), x.mean(...)) over the same axes, in PyTorch's order and with its
    default correction of 1 (unbiased; `correction=0` or `unbiased=False` divides by n)."""
    x = floating("std_mean", as_tensor(input), "std_mean only supports floating tensors")
    dim, unbiased = unbiased_overload("std_mean", dim, unbiased)
    return (x.std(dim, unbiased, keepdim, correction=correction),
            x.mean(dim=dim, keepdim=keepdim))


@takes_axis
def var_mean(input: Any, dim: Any = None, unbiased: bool | None = None,  # noqa: A002
             keepdim: bool = False, *, correction: float | None = None
             ) -> tuple[Tensor, Tensor]:
    """(x.var(...), x.mean(...)) over the same axes, in PyTorch's order and with its
    default correction of 1."""
    x = floating("var_mean", as_tensor(input), "var_mean only supports floating tensors")
    dim, unbiased = unbiased_overload("var_mean", dim, unbiased)
    return (x.var(dim, unbiased, keepdim, correction=correction),
            x.mean(dim=dim, keepdim=keepdim))


def _power_of_positive(t: Tensor, exponent: float) -> Tensor:
    """t ** exponent where t > 0, else 0, with gradient 0 where t = 0: the power is taken
    of t with its zeros replaced by 1, so no inf (from a root's or a small power's slope at
    0) ever enters the gradient, of any order."""
    positive = t > 0
    return where(positive, where(positive, t, 1.0) ** exponent, 0.0)


def cdist(x1: Any, x2: Any, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2
    (..., R, M), batch axes broadcast: out[..., i, j] = (sum_k |x1[i, k] - x2[j, k]|^p)^(1/p)
    (p = 0: the count of differing coordinates; p = inf: the largest |difference|).
    Differentiable; as PyTorch's, the gradient is 0 where a distance (or a coordinate's
    difference) is 0 rather than NaN. `compute_mode` is accepted for PyTorch's signature:
    the differences are always formed directly (exact, memory P * R * M)."""
    a, b = as_tensor(x1), as_tensor(x2)
    if isinstance(p, bool) or not isinstance(p, int | float):
        raise ArgumentTypeError(f"cdist: p must be a number, got {type(p).__name__} {p!r}")
    if p < 0 or math.isnan(p):
        raise ArgumentError(f"cdist: p must be non-negative, got {p}")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ArgumentError(f"cdist: unknown compute_mode {compute_mode!r}")
    for name, t in (("x1", a), ("x2", b)):
        if t.dtype.kind != "f":
            raise DTypeError(f"cdist: {name} must be floating, got dtype {t.dtype}")
        if t.ndim < 2:
            raise ShapeError(f"cdist: {name} must have at least 2 dims (rows, columns), got "
                             f"shape {t.shape}")
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"cdist: x1 and x2 must have the same number of columns, got shapes "
                         f"{a.shape} and {b.shape}")
    try:
        diff = a.unsqueeze(-2) - b.unsqueeze(-3)  # (..., P, R, M)
    except ShapeError as error:
        raise ShapeError(f"cdist: the batch axes of x1 {a.shape} and x2 {b.shape} do not "
                         f"broadcast") from error
    if p == 0:  # a count: constant in the inputs (gradient 0), still in the graph
        return (diff != 0).sum(-1).astype(diff.dtype) + 0.0 * diff.sum(-1)
    if math.isinf(p):
        return diff.abs().amax(-1)
    if p == 1:
        return diff.abs().sum(-1)
    powered = (diff * diff) if p == 2 else _power_of_positive(diff.abs(), float(p))
    return _power_of_positive(powered.sum(-1), 1.0 / p)
# PyTorch's top-level linear algebra older than torch.linalg (tensor_methods/decompositions.py,
# which also holds the functions chain_matmul, lu and lu_unpack, imported by the package)
__all__ += ["cholesky", "cholesky_inverse", "cholesky_solve", "lu_solve", "matrix_exp",
            "matrix_power", "pinverse", "qr", "svd", "triangular_solve"]
# tensor_methods/arrangements.py (its functions of several tensors: imported by the package)
__all__ += ["addbmm", "addr", "broadcast_to", "corrcoef", "cov", "diagflat", "dist", "fliplr",
            "flipud", "ravel"]
addbmm = _function("addbmm")
addr = _function("addr")
broadcast_to = _function("broadcast_to")
corrcoef = _function("corrcoef")
cov = _function("cov")
diagflat = _function("diagflat")
dist = _function("dist")
fliplr = _function("fliplr")
flipud = _function("flipud")
ravel = _function("ravel")
cholesky = _function("cholesky")
cholesky_inverse = _function("cholesky_inverse")
cholesky_solve = _function("cholesky_solve")
lu_solve = _function("lu_solve")
matrix_exp = _function("matrix_exp")
matrix_power = _function("matrix_power")
pinverse = _function("pinverse")
qr = _function("qr")
svd = _function("svd")
triangular_solve = _function("triangular_solve")
