"""PyTorch's nn.Transformer, TransformerDecoderLayer and TransformerDecoder (state dicts
move between the libraries: outputs and parameter gradients agree with PyTorch's in eval
mode, with masks, batch_first and norm_first), Embedding's max_norm and
scale_grad_by_freq, nn.Softmin and nn.Softmax2d, Tensor.detach_ and `x == None`."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tests.test_surface_ops22 import check_refusal
from tinygrad_bn import Tensor

torch = pytest.importorskip("torch")


def _copy(ours, theirs) -> None:
    """PyTorch's weights into our module (the same state_dict keys)."""
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(state) == list(ours.state_dict())
    ours.load_state_dict(state)


def _masks(lib, s: int, t: int, n: int) -> dict:
    pad = np.zeros((n, s), bool)
    pad[0, -1] = True
    tpad = np.zeros((n, t), bool)
    tpad[-1, -2:] = True
    return {"tgt_mask": lib.nn.Transformer.generate_square_subsequent_mask(t),
            "src_key_padding_mask": lib.tensor(pad), "tgt_key_padding_mask": lib.tensor(tpad),
            "memory_key_padding_mask": lib.tensor(pad)}


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_pytorch(batch_first: bool, norm_first: bool) -> None:
    kwargs = {"d_model": 8, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 2,
              "dim_feedforward": 16, "batch_first": batch_first, "norm_first": norm_first,
              "dtype": torch.float64}
    theirs = torch.nn.Transformer(**kwargs).eval()
    ours = tg.nn.Transformer(**{**kwargs, "dtype": tg.float64}).eval()
    _copy(ours, theirs)
    rng = np.random.default_rng(0)
    s, t, n = 5, 4, 3
    shape = (lambda length: (n, length, 8)) if batch_first else (lambda length: (length, n, 8))
    src, tgt = rng.normal(size=shape(s)), rng.normal(size=shape(t))
    for masks in ({}, "masks"):
        a = Tensor(src, requires_grad=True)
        b = torch.tensor(src, requires_grad=True)
        out = ours(a, Tensor(tgt), **(_masks(tg, s, t, n) if masks else {}))
        expected = theirs(b, torch.tensor(tgt), **(_masks(torch, s, t, n) if masks else {}))
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-10)
        up = rng.normal(size=out.shape)
        (out * Tensor(up)).sum().backward()
        (expected * torch.tensor(up)).sum().backward()
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-8, atol=1e-10)
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-8, atol=1e-10,
                                       err_msg=name)
        ours.zero_grad()
        theirs.zero_grad()


def test_decoder_layer_alone_and_its_gradients_of_second_order() -> None:
    layer = tg.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, dtype=tg.float64)
    theirs = torch.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, dtype=torch.float64)
    _copy(layer, theirs)
    rng = np.random.default_rng(1)
    tgt, memory = rng.normal(size=(3, 2, 4)), rng.normal(size=(5, 2, 4))
    np.testing.assert_allclose(layer(Tensor(tgt), Tensor(memory)).data,
                               theirs(torch.tensor(tgt), torch.tensor(memory)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    assert tg.gradgradcheck(lambda x, m: layer(x, m, tgt_is_causal=True, tgt_mask=tg.nn.Transformer
                                               .generate_square_subsequent_mask(3)),
                            [Tensor(tgt, requires_grad=True), Tensor(memory, requires_grad=True)])
    decoder = tg.nn.TransformerDecoder(layer, 2, norm=tg.nn.LayerNorm(4).double())
    assert [n for n, _ in decoder.named_parameters()][:2] == ["layers.0.self_attn.in_proj_weight",
                                                              "layers.0.self_attn.in_proj_bias"]
    assert decoder(Tensor(tgt), Tensor(memory)).shape == (3, 2, 4)


def test_transformer_defaults_mask_and_initialisation_as_pytorch() -> None:
    ours, theirs = tg.nn.Transformer(16, 2, 1, 1, 32), torch.nn.Transformer(16, 2, 1, 1, 32)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    bound = np.sqrt(6 / (16 + 48))  # xavier_uniform_ of in_proj_weight (48, 16)
    w = ours.encoder.layers[0].self_attn.in_proj_weight.data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    np.testing.assert_array_equal(tg.nn.Transformer.generate_square_subsequent_mask(4).data,
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_embedding_max_norm_and_scale_grad_by_freq_as_pytorch() -> None:
    rng = np.random.default_rng(2)
    table = rng.normal(size=(6, 3)) * 2
    idx = np.array([[0, 2, 2], [5, 2, 1]])
    for kwargs in ({"max_norm": 1.0}, {"max_norm": 1.5, "norm_type": 1.0},
                   {"scale_grad_by_freq": True}, {"max_norm": 2.0, "scale_grad_by_freq": True,
                                                  "padding_idx": 1}):
        ours = tg.nn.Embedding.from_pretrained(Tensor(table.copy()), freeze=False, **kwargs)
        theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table.copy()), freeze=False,
                                                    **kwargs)
        out, expected = ours(tg.tensor(idx)), theirs(torch.tensor(idx))
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-12)
        up = rng.normal(size=out.shape)
        (out * Tensor(up)).sum().backward()
        (expected * torch.tensor(up)).sum().backward()
        np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-12,
                                   err_msg=str(kwargs))
    module = tg.nn.Embedding(4, 2, max_norm=0.5)
    module(tg.tensor([1]))
    assert np.linalg.norm(module.weight.data[1]) <= 0.5 + 1e-6


def test_softmin_softmax2d_detach_and_comparison_with_none() -> None:
    x = np.random.default_rng(3).normal(size=(2, 3, 2, 2))
    for make in (lambda lib: lib.nn.Softmin(dim=1), lambda lib: lib.nn.Softmax2d()):
        np.testing.assert_allclose(make(tg)(Tensor(x)).data,
                                   make(torch)(torch.tensor(x)).numpy(), rtol=1e-12)
    y = Tensor(x, requires_grad=True) * 2
    assert y.detach_() is y and not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert (tg.ones(2) == None) is False and (tg.ones(2) != None) is True  # noqa: E711
    assert (torch.ones(2) == None) is False  # noqa: E711  (PyTorch's answer)


REFUSALS = [
    ("Transformer batch sizes", lambda: tg.nn.Transformer(4, 2, 1, 1, 8)(tg.ones(3, 2, 4),
                                                                        tg.ones(3, 5, 4)),
     tg.ShapeError, ("Transformer", "batch")),
    ("Transformer d_model", lambda: tg.nn.Transformer(4, 2, 1, 1, 8)(tg.ones(3, 2, 5),
                                                                    tg.ones(3, 2, 5)),
     tg.ShapeError, ("d_model = 4",)),
    ("TransformerDecoderLayer activation", lambda: tg.nn.TransformerDecoderLayer(
        4, 2, activation="tanh"), tg.ArgumentError, ("activation",)),
    ("TransformerDecoder layer type", lambda: tg.nn.TransformerDecoder(3, 2),
     tg.ArgumentTypeError, ("decoder_layer",)),
    ("Softmax2d rank", lambda: tg.nn.Softmax2d()(tg.ones(2, 3)), tg.ShapeError, ("Softmax2d",)),
    ("Embedding max_norm", lambda: tg.nn.Embedding(3, 2, max_norm=-1.0), tg.ArgumentError,
     ("max_norm",)),
]


@pytest.mark.parametrize("call,error,fragments", [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_bad_input_is_refused_with_a_clear_error(call, error, fragments) -> None:
    check_refusal(call, error, fragments)


@pytest.mark.parametrize("stack, layer", [
    ("TransformerEncoder", lambda: tg.nn.TransformerEncoderLayer(4, 2)),
    ("TransformerDecoder", lambda: tg.nn.TransformerDecoderLayer(4, 2)),
])
def test_stacks_copy_their_layer_and_refuse_bad_arguments(stack, layer) -> None:
    cls = getattr(tg.nn, stack)
    one = layer()
    built = cls(one, 2)
    first, second = (dict(m.named_parameters()) for m in built.layers)
    given = dict(one.named_parameters())
    assert first.keys() == second.keys() == given.keys()
    for name in first:  # copies: neither the given layer's parameters nor each other's
        assert first[name] is not second[name] and first[name] is not given[name]
        np.testing.assert_array_equal(first[name].detach().numpy(), second[name].detach().numpy())
    with pytest.raises(tg.TinygradError, match=f"{stack}: .*must be a Module, got int"):
        cls(3, 2)
    with pytest.raises(tg.TinygradError, match=f"{stack}: num_layers must be a positive int"):
        cls(layer(), 0)
