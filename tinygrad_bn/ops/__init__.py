"""The primitive ops, by family: each a `Function` with its forward (ndarrays), backward
(Tensors) and jvp (forward mode, Tensors) side by side under a one-line math docstring.

- binary.py, two inputs elementwise: Add Sub Mul Div Pow FloorDivide TruncDivide Remainder
  Fmod Maximum Minimum Where
- unary.py, one input elementwise: Neg Exp Log Sqrt Abs Sin Cos HyperbolicTangent Logistic
  Rectify Sign ZeroNaN Stepwise Clip Cast Clone
- reduce.py, reductions and scans: Sum Max Min Prod Cumsum Cumprod
- movement.py, moving elements: Reshape Transpose Expand Pad Flip GetItem StridedView
  ScatterAdd IndexCopy IndexPut Concatenate
- linalg.py, products: MatMul Einsum; matrices: Det LogAbsDet Inverse Solve
  EigenvaluesSymmetric EigenvectorsSymmetric
- decompositions.py, factorizations and their solves: SolveTriangular Cholesky QRFactorQ
  QRFactorR SingularValues SVDFactorU SVDFactorVh PseudoInverse LUFactorL LUFactorU
  (adjoints: docs/linalg.md)
- special.py, more elementwise math: Log1p Expm1 Log2 Log10 Exp2 Entr Logit Tan Arcsin Arccos Arctan
  Sinh Cosh Arcsinh Arccosh Arctanh Arctan2 Erf Erfc Erfcx Erfinv, rounding Floor Ceil Round Trunc
- gamma.py, the gamma and Bessel families: Lgamma Polygamma (digamma is n = 0) BesselI0
  BesselI1 BesselI0e BesselI1e, and the float bits' NextAfter

Backward rules are written with Tensor ops, so they are differentiable and
`create_graph=True` gives higher derivatives. Composites (mean, var, softmax, ...) have no
class: they are built from these (tinygrad_bn/tensor_methods/), and their gradients follow.
The ops of layers (affine, convolution, fused batch norm, cross-entropy) live beside their
composite twins in tinygrad_bn/nn/. An index of every rule: docs/autograd.md.
"""

from ..autograd.primitive import sum_tangents
from .binary import (
    Add,
    CopySign,
    Div,
    FloorDivide,
    Fmod,
    Hypot,
    Maximum,
    Minimum,
    Mul,
    Pow,
    Remainder,
    Sub,
    TruncDivide,
    Where,
    XLogY,
)
from .decompositions import (
    Cholesky,
    LUFactorL,
    LUFactorU,
    PseudoInverse,
    QRFactorQ,
    QRFactorR,
    SingularValues,
    SolveTriangular,
    SVDFactorU,
    SVDFactorVh,
)
from .gamma import BesselI0, BesselI0e, BesselI1, BesselI1e, Lgamma, NextAfter, Polygamma
from .linalg import (
    Det,
    EigenvaluesSymmetric,
    EigenvectorsSymmetric,
    Einsum,
    Inverse,
    LogAbsDet,
    MatMul,
    Solve,
)
from .movement import (
    Concatenate,
    Expand,
    Flip,
    GetItem,
    IndexCopy,
    IndexPut,
    Pad,
    Reshape,
    ScatterAdd,
    StridedView,
    Transpose,
    array_index,
    byte_masks,
    index_array,
    ints_first,
    is_basic_index,
)
from .reduce import Cumprod, Cumsum, Max, Min, Prod, Sum, VarianceWithoutFreedom
from .special import (
    Arccos,
    Arccosh,
    Arcsin,
    Arcsinh,
    Arctan,
    Arctan2,
    Arctanh,
    Ceil,
    Cosh,
    Entr,
    Erf,
    Erfc,
    Erfcx,
    Erfinv,
    Exp2,
    Expm1,
    Floor,
    Log1p,
    Log2,
    Log10,
    Logit,
    Round,
    Sinh,
    Tan,
    Trunc,
)
from .unary import (
    Abs,
    Cast,
    Clip,
    Clone,
    Cos,
    Exp,
    HyperbolicTangent,
    Log,
    Logistic,
    Neg,
    Rectify,
    Sign,
    Sin,
    Sqrt,
    Stepwise,
    ZeroNaN,
)

# the names these ops had before they were told apart from the nn modules ReLU, Sigmoid, Tanh
ReLU, Sigmoid, Tanh = Rectify, Logistic, HyperbolicTangent

__all__ = [
    "Abs", "Add", "Arccos", "Arccosh", "Arcsin", "Arcsinh", "Arctan", "Arctan2", "Arctanh",
    "Cast", "Ceil", "Clip", "Clone", "Concatenate", "Cos", "Cosh", "Cumsum", "Div", "Einsum",
    "Erf", "Erfc", "Erfcx", "Erfinv",
    "Exp", "Exp2", "Expand", "Expm1", "Flip", "Floor", "GetItem", "HyperbolicTangent", "Log",
    "Log10", "Log1p", "Log2", "Logistic", "MatMul", "Max", "Maximum", "Min", "Minimum", "Mul",
    "Neg", "Pad", "Pow", "Prod", "ReLU", "Rectify", "Reshape", "Round", "ScatterAdd",
    "StridedView", "Sigmoid", "Sign", "Sin", "Sinh", "Sqrt", "Sub", "Sum", "Tan", "Tanh",
    "Transpose",
    "Trunc", "Where", "array_index", "byte_masks", "index_array", "ints_first", "is_basic_index",
    "sum_tangents", "IndexPut",
    "IndexCopy", "Entr", "Logit",
    "Cumprod", "Det", "EigenvaluesSymmetric", "EigenvectorsSymmetric", "Inverse", "LogAbsDet",
    "SingularValues", "Solve", "BesselI0", "BesselI1", "BesselI0e", "BesselI1e", "Lgamma",
    "NextAfter", "Polygamma",
    "Cholesky", "LUFactorL", "LUFactorU", "PseudoInverse", "QRFactorQ", "QRFactorR",
    "SVDFactorU", "SVDFactorVh", "SolveTriangular",
    "FloorDivide", "Fmod", "Remainder", "TruncDivide", "CopySign", "Hypot", "XLogY",
    "VarianceWithoutFreedom", "Stepwise", "ZeroNaN",
]
