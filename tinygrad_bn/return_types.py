"""PyTorch's named-tuple results: `values, indices = x.max(dim=1)`, `x.sort().indices`, ...

Each is a `NamedTuple` of two tensors, as `torch.return_types.max` etc.: it unpacks like a
tuple and names its fields, so `_, pred = out.max(1)` and `out.max(1).indices` both work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .tensor import Tensor


class max(NamedTuple):  # noqa: N801, A001 (PyTorch's names)
    values: Tensor
    indices: Tensor


class min(NamedTuple):  # noqa: N801, A001
    values: Tensor
    indices: Tensor


class sort(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class topk(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class kthvalue(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class median(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class nanmedian(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class frexp(NamedTuple):  # noqa: N801
    mantissa: Tensor
    exponent: Tensor


class mode(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class cummax(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class cummin(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class aminmax(NamedTuple):  # noqa: N801
    min: Tensor
    max: Tensor


class histogram(NamedTuple):  # noqa: N801
    hist: Tensor
    bin_edges: Tensor


class histogramdd(NamedTuple):  # noqa: N801
    hist: Tensor
    bin_edges: tuple[Tensor, ...]


class slogdet(NamedTuple):  # noqa: N801
    sign: Tensor
    logabsdet: Tensor


class linalg_slogdet(NamedTuple):  # noqa: N801
    sign: Tensor
    logabsdet: Tensor


class linalg_eigh(NamedTuple):  # noqa: N801
    eigenvalues: Tensor
    eigenvectors: Tensor


class linalg_cholesky_ex(NamedTuple):  # noqa: N801
    L: Tensor  # noqa: N815 (PyTorch's name)
    info: Tensor


class linalg_inv_ex(NamedTuple):  # noqa: N801
    inverse: Tensor
    info: Tensor


class linalg_qr(NamedTuple):  # noqa: N801
    Q: Tensor  # noqa: N815
    R: Tensor  # noqa: N815


class linalg_svd(NamedTuple):  # noqa: N801
    U: Tensor  # noqa: N815
    S: Tensor  # noqa: N815
    Vh: Tensor  # noqa: N815


class linalg_lstsq(NamedTuple):  # noqa: N801
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


class linalg_solve_ex(NamedTuple):  # noqa: N801
    result: Tensor
    info: Tensor


class svd(NamedTuple):  # noqa: N801
    U: Tensor  # noqa: N815
    S: Tensor  # noqa: N815
    V: Tensor  # noqa: N815


class qr(NamedTuple):  # noqa: N801
    Q: Tensor  # noqa: N815
    R: Tensor  # noqa: N815


class triangular_solve(NamedTuple):  # noqa: N801
    solution: Tensor
    cloned_coefficient: Tensor


class linalg_lu(NamedTuple):  # noqa: N801
    P: Tensor  # noqa: N815
    L: Tensor  # noqa: N815
    U: Tensor  # noqa: N815


class linalg_lu_factor(NamedTuple):  # noqa: N801
    LU: Tensor  # noqa: N815
    pivots: Tensor


class linalg_lu_factor_ex(NamedTuple):  # noqa: N801
    LU: Tensor  # noqa: N815
    pivots: Tensor
    info: Tensor


class lu_unpack(NamedTuple):  # noqa: N801
    P: Tensor  # noqa: N815
    L: Tensor  # noqa: N815
    U: Tensor  # noqa: N815


class _lu_with_info(NamedTuple):  # noqa: N801 (torch.lu(get_infos=True)'s result)
    LU: Tensor  # noqa: N815
    pivots: Tensor
    info: Tensor
