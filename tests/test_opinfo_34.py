"""PyTorch's operator database (OpInfo) run on tinygrad_bn: every entry's sample inputs
(float64, float32 and int64; the first 8 of each) compared with torch 2.13's results
(tests/opinfo_harness.py explains how). Skipped without torch and expecttest (which
PyTorch's test module imports).

MISSING lists the entries tinygrad_bn has no counterpart of; DIFFERS the entries that
differ on some sample, found by this sweep and not yet fixed (each test says how it
differs): both are expected to fail until fixed, and a fixed entry simply passes (then it
can leave its list). Every other entry must agree.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")
if not torch.__version__.startswith("2.13"):
    pytest.skip("the OpInfo database is torch 2.13's", allow_module_level=True)

from torch.testing._internal.common_methods_invocations import op_db  # noqa: E402

from tests.opinfo_harness import check_entry, entry_name  # noqa: E402

SAMPLES = 8
DTYPES = (torch.float64, torch.float32, torch.int64)
MISSING = frozenset("""
    __rdiv__ _batch_norm_with_update _chunk_cat _native_batch_norm_legit
    _segment_reduce.lengths _segment_reduce.offsets _softmax_backward_data
    _unsafe_masked_index _unsafe_masked_index_put_accumulate _upsample_bilinear2d_aa cdouble
    cfloat complex fft.fft fft.fft2 fft.fftn fft.ifft fft.ifft2 fft.ifftn fft.ihfft
    fft.ihfft2 fft.ihfftn fft.rfft fft.rfft2 fft.rfftn geqrf grid_sampler_2d grid_sampler_3d
    hash_tensor istft jiterator_2inputs_2outputs jiterator_4inputs_with_extra_args
    jiterator_binary jiterator_binary_return_by_ref jiterator_unary linalg.eig
    linalg.eigvals linalg.householder_product linalg.ldl_factor linalg.ldl_factor_ex
    linalg.ldl_solve masked.amax masked.amin masked.argmax masked.argmin masked.cumprod
    masked.cumsum masked.log_softmax masked.logaddexp masked.logsumexp masked.mean
    masked.median masked.norm masked.normalize masked.prod masked.softmax masked.softmin
    masked.std masked.sum masked.var native_batch_norm native_dropout_backward
    native_group_norm native_layer_norm ormqr polar slice sparse.mm.reduce
    sparse.sampled_addmm stft torch._scaled_mm torch._scaled_mm_v2
    torch.ops.aten._efficient_attention_forward torch.ops.aten._flash_attention_forward
    torch.ops.aten._safe_softmax.default view_as_complex
""".split())
DIFFERS: frozenset[str] = frozenset()
# differences kept on purpose, with the reason
DIFFERS |= frozenset({
    # PyTorch returns an empty 1-D input (and its empty running stats) unchanged; a 1-D
    # input has no (N, C, *) layout, and batch_norm refuses it with that message whatever
    # its size, which is what a user with a misshapen input needs to read
    "nn.functional.batch_norm",
})
# no counterpart either: NumPy has no bfloat16 nor complex32 (x.bfloat16() raises a clear
# DTypeError), and tinygrad_bn has no sparse layout
MISSING |= frozenset({"bfloat16", "chalf", "to_sparse"})
# nor of ATen's internal max_pool2d_with_indices_backward (torch.ops.aten, no public name)
MISSING |= frozenset({"max_pool2d_with_indices_backward"})
ENTRIES = {entry_name(op): op for op in op_db}


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_opinfo_samples_agree_with_torch(name: str) -> None:
    compared, difference = check_entry(ENTRIES[name], torch, DTYPES, SAMPLES)
    if name in MISSING or name in DIFFERS:
        if difference is not None:
            pytest.xfail(difference)
        return
    assert difference is None, f"{name}: {difference}"


def test_the_lists_name_entries() -> None:
    """Every listed name is an entry of the database (a renamed entry is noticed)."""
    assert len(ENTRIES) > 600
    assert (MISSING | DIFFERS) <= set(ENTRIES), sorted((MISSING | DIFFERS) - set(ENTRIES))
