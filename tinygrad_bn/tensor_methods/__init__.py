"""PyTorch's long tail of Tensor methods, as mixins grouped by concern; the class Tensor
(tinygrad_bn/tensor.py) inherits them all.

- elementwise.py, ElementwiseMethods: exp log sqrt abs sin cos tanh sigmoid relu sign
  clip clamp masked_fill isnan isfinite isinf
- reduce.py, ReduceMethods: sum mean var std max min prod cumsum logsumexp norm argmax
  argmin any all
- movement.py, MovementMethods: reshape view transpose permute T swapaxes expand squeeze
  unsqueeze flatten pad flip t gather split chunk repeat
- linalg.py, LinalgMethods: matmul dot
- conversion.py, ConversionMethods: size numel dim to float double ... type_as new_zeros
  new_full new_tensor clone zero_ fill_ copy_

The functions of several tensors live beside the methods of their concern: `where`,
`maximum`, `minimum` (elementwise), `concatenate`, `stack` (movement), `einsum` (linalg).
"""

from .conversion import ConversionMethods
from .elementwise import ElementwiseMethods, maximum, minimum, where
from .linalg import LinalgMethods, einsum
from .movement import MovementMethods, concatenate, stack
from .reduce import ReduceMethods

__all__ = ["ConversionMethods", "ElementwiseMethods", "LinalgMethods", "MovementMethods",
           "ReduceMethods", "concatenate", "einsum", "maximum", "minimum", "stack", "where"]
