"""PyTorch's long tail of Tensor methods, as mixins grouped by concern; the class Tensor
(tinygrad_bn/tensor.py) inherits them all.

- elementwise.py, ElementwiseMethods: exp log sqrt abs sin cos tanh sigmoid relu sign
  clip clamp masked_fill isnan isfinite isinf
- reduce.py, ReduceMethods: sum mean var std max min prod cumsum logsumexp norm argmax
  argmin any all
- movement.py, MovementMethods: reshape view transpose permute T mT swapaxes expand squeeze
  unsqueeze flatten pad flip t gather split chunk unbind repeat
- linalg.py, LinalgMethods: matmul dot
- math.py, MathMethods: log1p expm1 log2 log10 exp2 logaddexp xlogy logit tan asin acos
  atan sinh cosh asinh acosh atanh atan2 hypot floor ceil round trunc frac add sub mul div
  true_divide floor_divide remainder fmod pow neg reciprocal rsqrt square copysign lerp
  addcmul addcdiv
- comparison.py, ComparisonMethods: eq ne lt le gt ge equal isclose allclose logical_* bitwise_*
  is_floating_point
- indexing.py, IndexingMethods: sort argsort topk kthvalue index_select take take_along_dim
  masked_select nonzero scatter scatter_add index_add index_fill tril triu diagonal diag trace
  roll repeat_interleave narrow movedim unflatten tile diff
- scans.py, ScanMethods: cumprod cumprod_ cummax cummin logcumsumexp bincount histc unique
  unique_consecutive; functions searchsorted, bucketize
- placing.py, PlacingMethods: scatter_reduce index_copy masked_scatter, and in place
  scatter_ scatter_add_ scatter_reduce_ index_add_ index_copy_ index_fill_ masked_scatter_
- statistics.py, StatisticsMethods: median nanmedian mode aminmax histogram
- matrix.py, MatrixMethods: det logdet slogdet inverse cross; the functions of tg.linalg
  (vector_norm matrix_norm norm solve eigh eigvalsh svdvals vecdot cross)
- decompositions.py, DecompositionMethods: cholesky cholesky_solve cholesky_inverse svd qr
  pinverse matrix_power matrix_exp triangular_solve lu lu_solve; the functions
  chain_matmul lu lu_unpack (torch.*). The rest of tg.linalg lives beside it, below the
  Tensor methods that call it:
  factorizations.py (cholesky cholesky_ex qr svd), solvers.py (solve_triangular inv_ex
  lstsq pinv matrix_rank matrix_power multi_dot), matrix_functions.py (matrix_exp cond
  vander solve_ex tensorinv tensorsolve), lu.py (lu lu_factor lu_factor_ex lu_solve)
- arrangements.py, ArrangementMethods: broadcast_to ravel flipud fliplr diagflat unfold
  addr addbmm dist cov corrcoef; the functions tensordot broadcast_tensors
  broadcast_shapes vander (torch.*)
- shaping.py, ShapingMethods: rot90 diag_embed tensor_split kron; functions block_diag
  cartesian_prod meshgrid atleast_1d atleast_2d atleast_3d tril_indices triu_indices
- special_math.py, SpecialMathMethods: lgamma digamma polygamma mvlgamma i0 sinc logaddexp2
  positive signbit frexp nextafter
- conversion.py, ConversionMethods: size numel dim to float double ... type type_as
  contiguous is_contiguous new_zeros new_empty new_full new_tensor clone
- inplace.py, InplaceMethods: add_ mul_ ... clamp_ exp_ ... zero_ fill_ copy_ fill_diagonal_
  index_put_ apply_ t_, += -= *= /= **=, x[index] = v (in-place writes and their autograd)
- inplace_math.py, InplaceMathMethods: the in-place twins of the math methods (floor_ erf_
  erfinv_ atan2_ lerp_ eq_ logical_not_ addmm_ ...), written through InplaceMethods
- random.py, RandomMethods: bernoulli multinomial, and the fills normal_ uniform_ bernoulli_
  exponential_ geometric_ cauchy_ log_normal_ random_ (each with generator=)

- PyTorchSurfaceMethods (surface31), one mixin of six by concern: inplace_more.py
  (digamma_ lgamma_ i0_ sinc_ polygamma_ mvlgamma_ nextafter_ addbmm_ addr_
  conj_physical_), attributes.py (is_cpu
  layout get_device is_signed is_nonzero storage_offset cuda conj real imag H adjoint byte
  char short new ...), choosing.py (fmax fmin maximum minimum where isneginf isposinf
  isreal angle sum_to_size; function isin), pairs.py (renorm renorm_; functions
  combinations pdist), positions.py (as_strided put put_ index_put slice_scatter
  select_scatter diagonal_scatter; function unravel_index), stacking.py (hsplit vsplit
  dsplit split_with_sizes; functions hstack vstack row_stack dstack column_stack),
  memory_views.py (view(dtype) __dlpack__ new_empty_strided dim_order narrow_copy); and
  the functions of calculus.py (trapezoid trapz cumulative_trapezoid gradient)
- grad_hooks.py, GradHookMethods (in PyTorchSurfaceMethods): register_post_accumulate_grad_hook

The functions of several tensors live beside the methods of their concern: `where`,
`maximum`, `minimum` (elementwise), `concatenate`, `stack` (movement), `einsum` (linalg).
"""

from .arrangements import ArrangementMethods
from .attributes import AttributeMethods
from .choosing import ChoosingMethods
from .comparison import ComparisonMethods
from .conversion import ConversionMethods
from .decompositions import DecompositionMethods
from .elementwise import ElementwiseMethods, maximum, minimum, where
from .grad_hooks import GradHookMethods
from .indexing import IndexingMethods
from .inplace import InplaceMethods
from .inplace_math import InplaceMathMethods
from .inplace_more import InplaceMoreMethods
from .linalg import LinalgMethods, einsum
from .math import MathMethods
from .matrix import MatrixMethods
from .memory_views import MemoryMethods
from .movement import MovementMethods, concatenate, stack
from .pairs import PairMethods
from .placing import PlacingMethods
from .positions import PositionMethods
from .random import RandomMethods
from .reduce import ReduceMethods
from .scans import ScanMethods, bucketize, searchsorted
from .shaping import (
    ShapingMethods,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    cartesian_prod,
    meshgrid,
    tril_indices,
    triu_indices,
)
from .special_math import SpecialMathMethods
from .stacking import StackingMethods
from .statistics import StatisticsMethods


class PyTorchSurfaceMethods(AttributeMethods, ChoosingMethods, InplaceMoreMethods, PairMethods,
                            PositionMethods, StackingMethods, GradHookMethods,
                            MemoryMethods):
    """The mixins added by surface31 (and grad_hooks.py's, memory_views.py's), joined so
    that Tensor takes them as one base."""

    __slots__ = ()


__all__ = ["ArrangementMethods", "ComparisonMethods", "ConversionMethods",
           "DecompositionMethods", "ElementwiseMethods",
           "IndexingMethods", "InplaceMathMethods", "InplaceMethods", "LinalgMethods",
           "MathMethods", "MovementMethods", "ReduceMethods", "ScanMethods", "bucketize",
           "PlacingMethods",
           "RandomMethods", "ShapingMethods", "StatisticsMethods", "block_diag", "cartesian_prod",
           "meshgrid", "MatrixMethods", "concatenate", "einsum", "maximum", "minimum",
           "searchsorted", "stack", "where", "SpecialMathMethods", "atleast_1d", "atleast_2d",
           "atleast_3d", "tril_indices", "triu_indices", "PyTorchSurfaceMethods"]
