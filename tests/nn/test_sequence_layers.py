"""RNN, LSTM, GRU (and their cells), MultiheadAttention and the Transformer encoder against
PyTorch: the same state-dict keys and shapes, and with PyTorch's state dict loaded, the same
outputs, final states, input gradients and parameter gradients in float64 (1e-10) on random
sequences, for options drawn by Hypothesis (layers, directions, batch_first, bias, proj_size,
initial states, unbatched input, masks, need_weights ...). Plus second derivatives through a
GRU, dropout between layers, initialisation bounds and shape errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn

torch = pytest.importorskip("torch")

ATOL = 1e-10


def _flat(out) -> list:
    """Every tensor of a (possibly nested) output, in order; None dropped."""
    if out is None:
        return []
    if isinstance(out, tuple | list):
        return [t for o in out for t in _flat(o)]
    return [out]


def compare(theirs, ours, arrays: list[np.ndarray], kwargs: dict | None = None,
            seed: int = 0) -> None:
    """Load theirs' state dict into ours, run both on `arrays` (+ kwargs, numpy arrays given
    to torch as tensors), pull a random upstream gradient through every output and compare
    outputs, input gradients and parameter gradients."""
    kwargs = kwargs or {}
    assert list(theirs.state_dict()) == list(ours.state_dict())
    result = ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    o_in = [Tensor(a, requires_grad=True) for a in arrays]
    t_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    t_out, o_out = _flat(theirs(*t_in, **t_kw)), _flat(ours(*o_in, **kwargs))
    assert len(t_out) == len(o_out)
    rng = np.random.default_rng(seed)
    t_loss, o_loss = 0.0, 0.0
    for t, o in zip(t_out, o_out):
        assert tuple(t.shape) == o.shape
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=0, atol=ATOL)
        up = rng.normal(size=o.shape)
        t_loss = t_loss + (t * torch.tensor(up)).sum()
        o_loss = o_loss + (o * Tensor(up)).sum()
    t_loss.backward()
    o_loss.backward()
    for t, o in zip(t_in, o_in):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=0, atol=ATOL)
    t_params, o_params = dict(theirs.named_parameters()), dict(ours.named_parameters())
    assert list(t_params) == list(o_params)
    for name, p in t_params.items():
        np.testing.assert_allclose(o_params[name].grad.numpy(), p.grad.numpy(), rtol=0,
                                   atol=ATOL, err_msg=name)


@st.composite
def recurrent_cases(draw: st.DrawFn) -> dict:
    kind = draw(st.sampled_from(["RNN", "LSTM", "GRU"]))
    options = {"num_layers": draw(st.integers(1, 2)), "bias": draw(st.booleans()),
               "batch_first": draw(st.booleans()), "bidirectional": draw(st.booleans())}
    if kind == "RNN":
        options["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    if kind == "LSTM" and draw(st.booleans()):
        options["proj_size"] = draw(st.integers(1, 3))
    if options["num_layers"] > 1 and draw(st.booleans()):
        options["dropout"] = 0.3  # inactive in eval mode, where the comparison runs
    return {"kind": kind, "options": options, "length": draw(st.integers(1, 5)),
            "batch": draw(st.sampled_from([None, 1, 3])), "states": draw(st.booleans()),
            "seed": draw(st.integers(0, 2**16))}


@settings(max_examples=30)
@given(recurrent_cases())
def test_recurrent_layers_match_pytorch(case: dict) -> None:
    kind, options = case["kind"], case["options"]
    input_size, hidden = 3, 4
    torch.manual_seed(case["seed"])
    theirs = getattr(torch.nn, kind)(input_size, hidden, **options).double().eval()
    ours = getattr(nn, kind)(input_size, hidden, **options).to(np.float64).eval()
    rng = np.random.default_rng(case["seed"])
    n, length = case["batch"], case["length"]
    if n is None:
        x = rng.normal(size=(length, input_size))
    else:
        x = rng.normal(size=(n, length, input_size) if options["batch_first"]
                       else (length, n, input_size))
    arrays = [x]
    if case["states"]:
        layers = options["num_layers"] * (2 if options["bidirectional"] else 1)
        lead = (layers,) if n is None else (layers, n)
        h = rng.normal(size=lead + (options.get("proj_size") or hidden,))
        arrays.append(h)
        if kind == "LSTM":
            arrays.append(rng.normal(size=lead + (hidden,)))
    if kind == "LSTM" and len(arrays) == 3:
        compare(_PairState(theirs), _PairState(ours), arrays, seed=case["seed"])
    else:
        compare(theirs, ours, arrays, seed=case["seed"])


class _PairState:
    """Calls an LSTM with (x, h, c) as x, (h, c); forwards state dicts and parameters."""

    def __init__(self, module) -> None:
        self.module = module

    def __call__(self, x, h, c):
        return self.module(x, (h, c))

    def state_dict(self):
        return self.module.state_dict()

    def load_state_dict(self, state):
        return self.module.load_state_dict(state)

    def named_parameters(self):
        return self.module.named_parameters()


@settings(max_examples=15)
@given(kind=st.sampled_from(["RNNCell", "LSTMCell", "GRUCell"]), bias=st.booleans(),
       batch=st.sampled_from([None, 1, 3]), state=st.booleans(), seed=st.integers(0, 2**16))
def test_cells_match_pytorch(kind: str, bias: bool, batch: int | None, state: bool,
                             seed: int) -> None:
    torch.manual_seed(seed)
    extra = {"nonlinearity": "relu"} if kind == "RNNCell" and seed % 2 else {}
    theirs = getattr(torch.nn, kind)(3, 4, bias=bias, **extra).double()
    ours = getattr(nn, kind)(3, 4, bias=bias, **extra).to(np.float64)
    rng = np.random.default_rng(seed)
    lead = () if batch is None else (batch,)
    arrays = [rng.normal(size=lead + (3,))]
    if state:
        arrays += [rng.normal(size=lead + (4,)) for _ in range(2 if kind == "LSTMCell" else 1)]
    if kind == "LSTMCell" and state:
        compare(_PairState(theirs), _PairState(ours), arrays, seed=seed)
    else:
        compare(theirs, ours, arrays, seed=seed)


def test_parameter_layout_and_default_init_match_pytorch() -> None:
    theirs = torch.nn.LSTM(5, 6, num_layers=2, bidirectional=True, proj_size=2)
    ours = nn.LSTM(5, 6, num_layers=2, bidirectional=True, proj_size=2)
    assert {k: tuple(v.shape) for k, v in theirs.state_dict().items()} == \
        {k: v.shape for k, v in ours.state_dict().items()}
    bound = 1 / np.sqrt(6)
    values = np.concatenate([p.data.ravel() for p in ours.parameters()])
    assert values.dtype == np.float32 and np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.9 * bound  # uniform over the whole interval
    mha = nn.MultiheadAttention(8, 2, add_bias_kv=True)
    np.testing.assert_array_equal(mha.in_proj_bias.data, 0)
    np.testing.assert_array_equal(mha.out_proj.bias.data, 0)
    assert np.abs(mha.in_proj_weight.data).max() <= np.sqrt(6 / (8 + 24))
    assert {k: tuple(v.shape) for k, v in
            torch.nn.MultiheadAttention(8, 2, add_bias_kv=True).state_dict().items()} == \
        {k: v.shape for k, v in mha.state_dict().items()}


def test_dropout_acts_between_layers_in_training_only() -> None:
    tg.manual_seed(0)
    lstm = nn.GRU(3, 4, num_layers=2, dropout=0.5).to(np.float64)
    x = Tensor(np.random.default_rng(0).normal(size=(5, 2, 3)))
    train = lstm(x)[0].numpy()
    lstm.eval()
    evaluation = lstm(x)[0].numpy()
    assert not np.allclose(train, evaluation)
    np.testing.assert_array_equal(lstm(x)[0].numpy(), evaluation)  # eval is deterministic
    single = nn.GRU(3, 4, num_layers=1, dropout=0.0).to(np.float64)
    np.testing.assert_array_equal(single(x)[0].numpy(), single.eval()(x)[0].numpy())


def test_gru_second_derivatives() -> None:
    gru = nn.GRU(2, 2, bidirectional=True).to(np.float64)
    x = np.random.default_rng(1).normal(size=(3, 1, 2))
    assert tg.gradgradcheck(lambda x: gru(x)[0], [Tensor(x, requires_grad=True)])
    cell = nn.LSTMCell(2, 3).to(np.float64)
    assert tg.gradgradcheck(lambda x: cell(x)[1], [Tensor(x[0], requires_grad=True)])


@pytest.mark.parametrize("call, message", [
    (lambda: nn.LSTM(3, 4)(Tensor(np.zeros((2, 1, 5)))), "H_in = 3"),
    (lambda: nn.GRU(3, 4)(tg.zeros(2, 1, 3), tg.zeros(2, 1, 4)),
     "hx of shape (1, 1, 4)"),
    (lambda: nn.LSTM(3, 4)(tg.zeros(2, 1, 3), tg.zeros(1, 1, 4)),
     "pair"),
    (lambda: nn.LSTM(3, 4, proj_size=4), "proj_size"),
    (lambda: nn.RNNBase("GRU", 3, 4, proj_size=2), "LSTM only"),
    (lambda: nn.RNN(3, 4, nonlinearity="gelu"), "nonlinearity"),
    (lambda: nn.RNN(3, 0), "hidden_size"),
    (lambda: nn.MultiheadAttention(6, 4), "divisible"),
    (lambda: nn.MultiheadAttention(4, 2)(*[Tensor(np.zeros((2, 1, 3)))] * 3), "E = "),
    (lambda: nn.MultiheadAttention(4, 2)(*[tg.zeros(2, 1, 4)] * 3,
                                         attn_mask=np.zeros((3, 3))), "attn_mask"),
    (lambda: nn.MultiheadAttention(4, 2)(*[tg.zeros(2, 1, 4)] * 3,
                                         key_padding_mask=np.zeros((2, 2), bool)),
     "key_padding_mask"),
    (lambda: nn.MultiheadAttention(4, 2)(*[tg.zeros(2, 1, 4)] * 3,
                                         attn_mask=np.zeros((2, 2), np.int64)), "dtype"),
    (lambda: nn.TransformerEncoderLayer(4, 2, activation="tanh"), "activation"),
])
def test_bad_arguments_raise_project_errors(call, message: str) -> None:
    with pytest.raises(tg.TinygradError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


@st.composite
def attention_cases(draw: st.DrawFn) -> dict:
    options = {"bias": draw(st.booleans()), "add_bias_kv": draw(st.booleans()),
               "add_zero_attn": draw(st.booleans()), "batch_first": draw(st.booleans())}
    if draw(st.booleans()):
        options.update(kdim=draw(st.integers(1, 5)), vdim=draw(st.integers(1, 5)))
    call = {"need_weights": draw(st.booleans()), "average_attn_weights": draw(st.booleans())}
    mask = draw(st.sampled_from([None, "bool", "float", "causal"]))
    padding = draw(st.booleans())
    return {"options": options, "call": call, "mask": mask, "padding": padding,
            "batch": draw(st.sampled_from([None, 1, 2])), "length": draw(st.integers(1, 4)),
            "source": draw(st.integers(2, 4)), "seed": draw(st.integers(0, 2**16))}


@settings(max_examples=30)
@given(attention_cases())
def test_multihead_attention_matches_pytorch(case: dict) -> None:
    e, heads = 4, 2
    options, call, n = case["options"], dict(case["call"]), case["batch"]
    torch.manual_seed(case["seed"])
    theirs = torch.nn.MultiheadAttention(e, heads, **options).double()
    ours = nn.MultiheadAttention(e, heads, **options).to(np.float64)
    rng = np.random.default_rng(case["seed"])
    length, source = case["length"], case["source"]
    if case["mask"] == "causal":
        source = length
    dims = (e, options.get("kdim", e), options.get("vdim", e))

    def seq(size: int, d: int) -> np.ndarray:
        if n is None:
            return rng.normal(size=(size, d))
        return rng.normal(size=(n, size, d) if options["batch_first"] else (size, n, d))

    arrays = [seq(length, dims[0]), seq(source, dims[1]), seq(source, dims[2])]
    if case["mask"] == "bool":
        mask = rng.random((length, source)) < 0.3
        mask[:, 0] = False  # every query keeps one key: no all-masked row (NaN in both)
        call["attn_mask"] = mask
    elif case["mask"] == "float":
        call["attn_mask"] = rng.normal(size=(length, source))
    elif case["mask"] == "causal":
        call["attn_mask"] = np.triu(np.ones((length, source), bool), 1)
        call["is_causal"] = True
    if case["padding"]:
        pad = np.zeros((source,) if n is None else (n, source), bool)
        pad[..., -1] = True
        if case["mask"] == "float":
            pad = np.where(pad, -np.inf, 0.0)  # PyTorch wants one mask kind
        call["key_padding_mask"] = pad
    compare(theirs, ours, arrays, call, seed=case["seed"])


@settings(max_examples=10)
@given(norm_first=st.booleans(), batch_first=st.booleans(),
       activation=st.sampled_from(["relu", "gelu"]), bias=st.booleans(),
       final_norm=st.booleans(), mask=st.booleans(), seed=st.integers(0, 2**16))
def test_transformer_encoder_matches_pytorch(norm_first: bool, batch_first: bool,
                                             activation: str, bias: bool, final_norm: bool,
                                             mask: bool, seed: int) -> None:
    torch.manual_seed(seed)
    options = dict(dim_feedforward=6, dropout=0.0, activation=activation,
                   batch_first=batch_first, norm_first=norm_first, bias=bias)
    theirs = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(4, 2, **options), 2,
        norm=torch.nn.LayerNorm(4) if final_norm else None, enable_nested_tensor=False)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, **options), 2,
                                 norm=nn.LayerNorm(4) if final_norm else None)
    theirs.double()
    ours.to(np.float64)
    rng = np.random.default_rng(seed)
    n, length = 2, 3
    x = rng.normal(size=(n, length, 4) if batch_first else (length, n, 4))
    call = {}
    if mask:
        call = {"mask": np.triu(np.ones((length, length), bool), 1),
                "src_key_padding_mask": np.array([[False, False, True], [False] * 3])}
    compare(theirs, ours, [x], call, seed=seed)
