"""Small PyTorch scripts of the kind tutorials and lecture notebooks are made of, run
unmodified but for their import lines (tests/torch_swap.py) on tinygrad_bn and, where it is
installed, on PyTorch: every value a script records in its dict `out` (numbers, lists,
tensors, types, shapes, error classes) must agree, value by value. Parameters come from a
NumPy generator in `parameters()` order, so both libraries start from the same weights (and
the order itself is checked).

Without PyTorch each script still runs on tinygrad_bn and its own assertions hold.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.torch_swap import to_tinygrad_bn

try:
    import torch
except ImportError:
    torch = None

PRELUDE = '''
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(0)


def init_(model):
    """Every parameter from the generator, in parameters() order."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.normal(size=tuple(p.shape)).astype(np.float32)))
    return model


def error_name(call):
    """Whether call() raised, and whether an IndexError (PyTorch's RuntimeError for a bad
    shape or dtype is the project's ValueError or TypeError, by its design notes: not
    compared). On tinygrad_bn the error must be the project's own, not a NumPy traceback."""
    try:
        call()
    except Exception as error:
        if torch.__name__ == "tinygrad_bn":
            assert isinstance(error, torch.TinygradError), repr(error)
        return "IndexError" if isinstance(error, IndexError) else "raised"
    return "no error"


out = {}
'''


def _run(source: str, swap: bool, **names: Any) -> dict:
    script = PRELUDE + textwrap.dedent(source)
    if swap:
        script = to_tinygrad_bn(script)
    namespace: dict[str, Any] = dict(names)
    exec(compile(script, "<idiom>", "exec"), namespace)  # noqa: S102 (the test's own script)
    return namespace["out"]


def _plain(value: Any) -> Any:
    """A recorded value as NumPy / Python data, whichever library made it."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return np.asarray(value.detach().numpy())
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if type(value).__name__ == "Size":
        return tuple(value)
    if isinstance(value, np.dtype) or type(value).__name__ == "dtype":  # torch's and NumPy's
        return str(value).replace("torch.", "")
    return value


def _same(ours: Any, theirs: Any, where: str, rtol: float) -> None:
    if isinstance(theirs, np.ndarray):
        ours = np.asarray(ours)
        assert ours.shape == theirs.shape, (where, ours.shape, theirs.shape)
        assert ours.dtype == theirs.dtype, (where, ours.dtype, theirs.dtype)
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol, err_msg=where)
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (where, ours, theirs)
        for k, (a, b) in enumerate(zip(ours, theirs)):
            _same(a, b, f"{where}[{k}]", rtol)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), (where, ours, theirs)
        for k in theirs:
            _same(ours[k], theirs[k], f"{where}[{k!r}]", rtol)
    elif isinstance(theirs, float):
        assert isinstance(ours, float), (where, type(ours), ours, theirs)
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol, err_msg=where)
    else:
        assert type(ours) is type(theirs) and ours == theirs, (where, ours, theirs)


def check(source: str, rtol: float = 1e-5, **names: Any) -> dict:
    """Run the script on tinygrad_bn (and on PyTorch when installed) and compare `out`."""
    ours = _run(source, True, **names)
    if torch is not None:
        theirs = _run(source, False, **names)
        assert list(ours) == list(theirs)
        for key in theirs:
            _same(_plain(ours[key]), _plain(theirs[key]), key, rtol)
    return ours


# ---------------------------------------------------------------- training loops


def test_manual_sgd_loop_under_no_grad() -> None:
    """The first tutorial: weights as leaf tensors, updated under no_grad, grads zeroed."""
    check('''
        x = torch.from_numpy(rng.normal(size=(32, 3)).astype(np.float32))
        y = x @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.3
        w = torch.zeros(3, 1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        losses = []
        for step in range(20):
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                for p in (w, b):
                    p -= 0.1 * p.grad
                    p.grad.zero_()
            losses.append(loss.item())
        out["losses"] = losses
        out["w"] = w
        out["w is leaf"] = w.is_leaf
        out["w requires grad"] = w.requires_grad
        out["no grad_fn under no_grad"] = (w * 2).grad_fn is None
        with torch.no_grad():
            out["under no_grad"] = (w * 2).requires_grad
        assert losses[-1] < losses[0]
    ''')


def test_module_training_with_optimizer_and_scheduler() -> None:
    """nn.Module subclass, Adam, zero_grad(set_to_none), StepLR, train()/eval()."""
    check('''
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(4, 8)
                self.drop = nn.Dropout(0.5)
                self.fc2 = nn.Linear(8, 3)

            def forward(self, x):
                return self.fc2(self.drop(F.relu(self.fc1(x))))

        model = init_(Net())
        x = torch.from_numpy(rng.normal(size=(16, 4)).astype(np.float32))
        y = torch.from_numpy(rng.integers(0, 3, size=16))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-3)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        model.eval()  # dropout off: both libraries see the same function
        lrs, losses = [], []
        for epoch in range(5):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr()[0])
            losses.append(loss.item())
        out["lrs"] = lrs
        out["losses"] = losses
        out["params"] = [p for p in model.parameters()]
        out["names"] = [n for n, _ in model.named_parameters()]
        optimizer.zero_grad(set_to_none=True)
        out["grad after set_to_none"] = [p.grad is None for p in model.parameters()]
        model(x).sum().backward()
        optimizer.zero_grad(set_to_none=False)
        out["grad after zeroing"] = [p.grad for p in model.parameters()]
        out["training flags"] = [model.training, model.fc1.training]
        model.train()
        out["training flags after train()"] = [model.training, model.drop.training]
    ''', rtol=1e-4)


def test_sequential_modulelist_moduledict() -> None:
    check('''
        seq = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 5)})
        for m in (seq, layers, heads):
            init_(m)
        x = torch.from_numpy(rng.normal(size=(5, 3)).astype(np.float32))
        h = seq(x)
        for layer in layers:
            h = h + torch.relu(layer(h))
        out["a"] = heads["a"](h)
        out["b"] = heads["b"](h)
        out["seq[0]"] = seq[0](x)
        out["seq[-1] type"] = type(seq[-1]).__name__
        out["seq[:2] len"] = len(seq[:2])
        out["len"] = [len(seq), len(layers), len(heads)]
        out["keys"] = list(heads.keys())
        out["state keys"] = list(seq.state_dict().keys()) + list(layers.state_dict().keys())
        out["numel"] = sum(p.numel() for p in seq.parameters())
        out["children"] = [type(c).__name__ for c in seq.children()]
        out["modules"] = len(list(seq.modules()))
        layers.append(nn.Linear(2, 2))
        seq.add_module("act", nn.Sigmoid())
        out["after append"] = [len(layers), len(seq)]
    ''')


def test_state_dict_save_and_load(tmp_path: Path) -> None:
    check('''
        model = init_(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)))
        x = torch.from_numpy(rng.normal(size=(6, 3)).astype(np.float32))
        model.train()
        model(x)  # moves the running statistics
        path = str(TMP / "model.pt")
        torch.save(model.state_dict(), path)
        fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
        result = fresh.load_state_dict(torch.load(path))
        out["missing, unexpected"] = [list(result.missing_keys), list(result.unexpected_keys)]
        model.eval()
        fresh.eval()
        out["same output"] = torch.equal(model(x), fresh(x))
        out["keys"] = list(fresh.state_dict())
        out["running_mean"] = fresh.state_dict()["1.running_mean"]
        out["num_batches_tracked"] = fresh.state_dict()["1.num_batches_tracked"]
        out["strict refusal"] = error_name(
            lambda: fresh.load_state_dict({"0.weight": torch.ones(4, 3)}))
        result = fresh.load_state_dict({"0.weight": torch.ones(4, 3)}, strict=False)
        out["not strict"] = [sorted(result.missing_keys)[:2], list(result.unexpected_keys)]
    ''', TMP=tmp_path)


def test_dataloader_over_a_tensor_dataset() -> None:
    check('''
        from torch.utils.data import DataLoader, TensorDataset
        xs = torch.arange(20, dtype=torch.float32).reshape(10, 2)
        ys = torch.arange(10)
        data = TensorDataset(xs, ys)
        out["len"] = len(data)
        out["item"] = list(data[3])
        batches = [(x, y) for x, y in DataLoader(data, batch_size=4)]
        out["batches"] = batches
        out["drop_last"] = [len(y) for _, y in DataLoader(data, batch_size=4, drop_last=True)]
        out["len(loader)"] = [len(DataLoader(data, batch_size=4)),
                              len(DataLoader(data, batch_size=4, drop_last=True))]
        torch.manual_seed(0)
        first = [y.tolist() for _, y in DataLoader(data, batch_size=5, shuffle=True)]
        torch.manual_seed(0)
        again = [y.tolist() for _, y in DataLoader(data, batch_size=5, shuffle=True)]
        out["shuffle reproducible"] = first == again
        out["shuffle is a permutation"] = sorted(sum(first, [])) == list(range(10))
        out["batch dtypes"] = [batches[0][0].dtype, batches[0][1].dtype]
    ''')


def test_manual_seed_reproduces_draws_and_dropout() -> None:
    ours = check('''
        torch.manual_seed(42)
        a = torch.randn(3, 4)
        d1 = F.dropout(torch.ones(8), 0.5)
        torch.manual_seed(42)
        b = torch.randn(3, 4)
        d2 = F.dropout(torch.ones(8), 0.5)
        out["same"] = [torch.equal(a, b), torch.equal(d1, d2)]
        out["different seed differs"] = not torch.equal(torch.randn(3, 4), b)
        g = torch.Generator().manual_seed(1)
        c = torch.rand(2, generator=g)
        g.manual_seed(1)
        out["generator"] = torch.equal(c, torch.rand(2, generator=g))
        out["dropout scale"] = sorted(set(d1.tolist()))
    ''')
    assert ours["same"] == [True, True]


# ---------------------------------------------------------------- tensors


def test_item_tolist_numpy() -> None:
    check('''
        x = torch.tensor([[1.5, 2.0], [3.0, -4.0]])
        out["item"] = x[0, 0].item()
        out["item of int"] = torch.tensor(3).item()
        out["item of bool"] = (x > 0).all().item()
        out["tolist"] = x.tolist()
        out["tolist ints"] = torch.arange(3).tolist()
        out["numpy"] = x.numpy()
        out["numpy shares memory"] = np.shares_memory(x.numpy(), x.numpy())
        w = torch.ones(2, requires_grad=True)
        out["detach().numpy()"] = w.detach().numpy()
        out["item of a vector"] = error_name(lambda: x.item())
        out["float()"] = float(x[1, 1])
        out["int()"] = int(torch.tensor(7))
        out["len"] = len(x)
        out["format"] = f"{x.sum().item():.3f}"
    ''')


def test_indexing_masking_scatter_gather() -> None:
    check('''
        x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        out["row"] = x[1]
        out["column list"] = x[:, [0, 2]]
        out["mask"] = x[x > 5]
        out["fancy"] = x[torch.tensor([0, 2]), torch.tensor([1, 3])]
        out["ellipsis none"] = x[..., None].shape
        out["negative"] = x[-1, -2:]
        out["step"] = x[:, ::2]
        y = x.clone()
        y[y > 5] = 0
        out["masked assign"] = y
        y[0] = torch.tensor([9.0, 8.0, 7.0, 6.0])
        out["row assign"] = y
        y[:, 1] += 1
        out["column add"] = y
        idx = torch.tensor([[0, 1], [2, 3], [1, 1]])
        out["gather"] = x.gather(1, idx)
        out["scatter"] = torch.zeros(3, 4).scatter(1, idx, torch.ones(3, 2))
        out["scatter_add"] = torch.zeros(3, 4).scatter_add(1, idx, torch.ones(3, 2))
        z = torch.zeros(3, 4)
        z.scatter_(1, idx, 2.0)
        out["scatter_ value"] = z
        out["index_select"] = x.index_select(0, torch.tensor([2, 0]))
        out["masked_fill"] = x.masked_fill(x < 3, -1.0)
        out["nonzero"] = (x % 5 == 0).nonzero()
        out["nonzero as_tuple"] = list((x % 5 == 0).nonzero(as_tuple=True))
        out["where"] = torch.where(x > 4, x, torch.zeros_like(x))
        out["where scalar"] = torch.where(x > 4, x, 0.0)
        out["where 1-arg"] = list(torch.where(x > 9))
        out["out of range"] = error_name(lambda: x[3])
        out["bool index dtype"] = x[x > 100].shape
        w = torch.ones(3, 4, requires_grad=True)
        (w[x > 5] * 2).sum().backward()
        out["mask gradient"] = w.grad
    ''')


def test_einsum_and_products() -> None:
    check('''
        a = torch.from_numpy(rng.normal(size=(2, 3, 4)).astype(np.float32))
        b = torch.from_numpy(rng.normal(size=(2, 4, 5)).astype(np.float32))
        v = torch.from_numpy(rng.normal(size=4).astype(np.float32))
        out["bmm"] = torch.einsum("bij,bjk->bik", a, b)
        out["trace"] = torch.einsum("ii", a[0, :3, :3])
        out["diag"] = torch.einsum("ii->i", a[0, :3, :3])
        out["outer"] = torch.einsum("i,j->ij", v, v)
        out["sum all"] = torch.einsum("bij->", a)
        out["ellipsis"] = torch.einsum("...ij,...jk->...ik", a, b)
        out["transpose"] = torch.einsum("bij->bji", a)
        out["list form"] = torch.einsum("ij,j->i", [a[0], v])
        out["matmul broadcast"] = a @ v
        out["matmul batch"] = torch.matmul(a, b)
        out["@ vector vector"] = v @ v
        out["mm"] = a[0].mm(b[0])
        out["bad spec"] = error_name(lambda: torch.einsum("ij,jk->ik", a, b))
    ''')


def test_view_reshape_permute_contiguous() -> None:
    check('''
        x = torch.arange(24).reshape(2, 3, 4)
        out["view"] = x.view(6, 4)
        out["view -1"] = x.view(-1, 2).shape
        out["permute"] = x.permute(2, 0, 1)
        out["transposed contiguous"] = [x.transpose(1, 2).is_contiguous(),
                                        x.transpose(1, 2).contiguous().is_contiguous()]
        out["view of a transpose"] = error_name(lambda: x.transpose(1, 2).view(-1))
        out["reshape of a transpose"] = x.transpose(1, 2).reshape(-1)
        out["contiguous().view"] = x.transpose(1, 2).contiguous().view(2, -1)
        out["flatten"] = x.flatten(1).shape
        out["unsqueeze squeeze"] = [x.unsqueeze(1).shape, x[:1].squeeze(0).shape]
        out["size"] = [x.size(), x.size(1), x.size(-1)]
        out["view shares"] = x.view(-1).data_ptr() == x.data_ptr()
        v = x.view(-1)
        v[0] = 100
        out["write through view"] = x[0, 0, 0].item()
        out["bad view"] = error_name(lambda: x.view(5, 5))
        out["expand"] = torch.ones(3, 1).expand(3, 4).shape
        out["expand -1"] = torch.ones(3, 1).expand(-1, 2).shape
        out["repeat"] = torch.tensor([1, 2]).repeat(2, 2)
        out["chunk"] = [c.shape for c in torch.arange(10).chunk(3)]
        out["split"] = [c.tolist() for c in torch.arange(5).split([2, 3])]
    ''')


def test_broadcasting_and_in_place_errors() -> None:
    check('''
        a = torch.ones(3)
        out["broadcast add"] = (torch.ones(2, 1) + torch.arange(3)).shape
        def widen():
            b = torch.ones(3)
            b += torch.ones(2, 3)
        out["in-place widening"] = error_name(widen)
        def mismatch():
            return torch.ones(2, 3) + torch.ones(4)
        out["mismatch"] = error_name(mismatch)
        a.add_(torch.ones(1))
        out["in-place broadcast ok"] = a
        w = torch.ones(2, requires_grad=True)
        def leaf():
            w.add_(1)
        out["in-place on a leaf"] = error_name(leaf)
        with torch.no_grad():
            w.add_(1)
        out["in-place under no_grad"] = w
        x = torch.ones(2, requires_grad=True)
        y = x.exp()
        y.add_(1)
        def saved():
            y.sum().backward()
        out["exp output modified"] = error_name(saved)
        def int_true_div():
            i = torch.ones(3, dtype=torch.int64)
            i /= 2
        out["int /= 2"] = error_name(int_true_div)
        f = torch.ones(3)
        f *= torch.tensor(2, dtype=torch.int64)
        out["float *= int"] = f
    ''')


def test_requires_grad_detach_clone() -> None:
    check('''
        x = torch.tensor([1.0, 2.0, 3.0])
        out["default"] = x.requires_grad
        x.requires_grad_()
        out["after requires_grad_"] = [x.requires_grad, x.is_leaf]
        y = x * 2
        out["non-leaf"] = [y.requires_grad, y.is_leaf, y.grad_fn is not None]
        d = y.detach()
        out["detach"] = [d.requires_grad, d.is_leaf, d.grad_fn is None]
        d[0] = 10.0
        out["detach shares storage"] = y[0].item()
        c = y.clone()
        c.retain_grad()
        out["clone"] = [c.requires_grad, c.grad_fn is not None]
        (c * c).sum().backward()
        out["x.grad"] = x.grad.clone()  # (PyTorch adds later gradients into this tensor)
        out["c.grad (retained)"] = c.grad
        out["y.grad (not retained)"] = y.grad is None
        (x * 3).sum().backward()
        out["accumulates"] = x.grad
        out["int requires grad"] = error_name(
            lambda: torch.ones(2, dtype=torch.long).requires_grad_())
        z = torch.ones(2, requires_grad=True)
        z2 = z.detach().requires_grad_()
        out["detach().requires_grad_()"] = [z2.is_leaf, z2.requires_grad]
        out["backward twice"] = error_name(lambda: [v.backward() for v in [(z.exp()).sum()] * 2])
    ''')


def test_cat_stack_argmax_topk_sort() -> None:
    check('''
        a = torch.tensor([[3.0, 1.0, 2.0], [0.5, 4.0, 4.0]])
        out["cat 0"] = torch.cat([a, a], 0)
        out["cat 1"] = torch.cat((a, a[:, :1]), dim=1)
        out["stack"] = torch.stack([a, a * 2])
        out["stack dim -1"] = torch.stack([a, a], dim=-1).shape
        out["cat mismatch"] = error_name(lambda: torch.cat([a, torch.ones(2, 2)], 0))
        out["argmax"] = a.argmax()
        out["argmax dim"] = a.argmax(dim=1)
        out["argmax keepdim"] = a.argmax(1, keepdim=True)
        out["max dim"] = list(a.max(dim=1))
        out["max values"] = a.max(1).values
        out["topk"] = list(a.topk(2, dim=1))
        out["topk smallest"] = list(a.topk(2, largest=False))
        out["sort"] = list(a.sort(dim=1, descending=True))
        out["sort stable"] = list(torch.tensor([2, 1, 2, 1, 0]).sort(stable=True))
        out["argsort"] = a.argsort(dim=1)
        out["accuracy"] = (a.argmax(1) == torch.tensor([0, 1])).float().mean().item()
        out["min"] = a.min()
        out["cummax"] = list(a.cummax(1))
    ''')


def test_cross_entropy_label_smoothing_ignore_index() -> None:
    check('''
        logits = torch.from_numpy(rng.normal(size=(6, 4)).astype(np.float64))
        logits.requires_grad_()
        target = torch.tensor([0, 3, -100, 1, 2, 2])
        weight = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64)
        for name, kwargs in [("plain", {"ignore_index": -100}),
                             ("smoothing", {"label_smoothing": 0.2}),
                             ("weight", {"weight": weight}),
                             ("all", {"weight": weight, "label_smoothing": 0.1,
                                      "ignore_index": -100}),
                             ("sum", {"reduction": "sum", "label_smoothing": 0.3}),
                             ("none", {"reduction": "none", "ignore_index": 3})]:
            t = target if kwargs.get("ignore_index", -100) == -100 else target.clamp(min=0)
            loss = F.cross_entropy(logits, t, **kwargs)
            g, = torch.autograd.grad(loss.sum(), logits)
            out[name] = [loss, g]
        probs = torch.softmax(torch.from_numpy(rng.normal(size=(6, 4))), dim=1)
        out["probability targets"] = F.cross_entropy(logits, probs, label_smoothing=0.1)
        out["module"] = nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)(
            logits, target.clamp(min=0))
        out["nll"] = F.nll_loss(F.log_softmax(logits, dim=1), target)
        out["all ignored"] = F.cross_entropy(logits[:1], torch.tensor([-100]))
        out["3-d input"] = F.cross_entropy(logits.reshape(2, 4, 3),
                                           torch.tensor([[0, 1, 2], [3, 0, 1]]))
    ''', rtol=1e-10)


def test_embedding_and_recurrent_layers() -> None:
    check('''
        emb = init_(nn.Embedding(10, 4, padding_idx=0))
        with torch.no_grad():
            emb.weight[0].zero_()  # as nn.Embedding's own initialisation leaves it
        tokens = torch.tensor([[1, 0, 3], [4, 4, 9]])
        e = emb(tokens)
        e.sum().backward()
        out["embedding"] = e
        out["padding row gets no gradient"] = emb.weight.grad[0]
        out["repeated row gradient"] = emb.weight.grad[4]
        out["embedding out of range"] = error_name(lambda: emb(torch.tensor([10])))
        for kind in ("LSTM", "GRU", "RNN"):
            layer = init_(getattr(nn, kind)(4, 3, num_layers=2, batch_first=True))
            with torch.no_grad():
                for p in layer.parameters():
                    p.mul_(0.3)
            result, state = layer(e.detach())
            out[kind + " names"] = [n for n, _ in layer.named_parameters()]
            out[kind] = result
            out[kind + " state"] = list(state) if kind == "LSTM" else state
            result.sum().backward()
            out[kind + " grads"] = [p.grad for p in layer.parameters()]
        cell = init_(nn.LSTMCell(4, 2))
        h, c = cell(e[0].detach())
        out["LSTMCell"] = [h, c]
        bidirectional = init_(nn.GRU(4, 2, bidirectional=True))
        out["bidirectional"] = [t.shape for t in bidirectional(e.detach())]
    ''', rtol=1e-4)


def test_clamp_with_tensors_and_where() -> None:
    check('''
        x = torch.tensor([[-2.0, 0.5, 3.0], [1.0, -1.0, 0.0]], requires_grad=True)
        lo = torch.tensor([-1.0, 0.0, 1.0])
        hi = torch.tensor([0.0, 1.0, 2.0])
        y = torch.clamp(x, min=lo, max=hi)
        y.sum().backward()
        out["clamp tensors"] = y
        out["clamp grad"] = x.grad
        out["clamp min only"] = x.clamp(min=lo)
        out["clamp scalar"] = x.clamp(-0.5, 0.5)
        out["clip"] = torch.clip(x, max=hi)
        out["clamp int"] = torch.arange(5).clamp(1, 3)
        out["clamp nothing"] = error_name(lambda: x.clamp())
        out["where grad"] = torch.autograd.grad(torch.where(x > 0, x * x, -x).sum(), x)[0]
        out["maximum"] = torch.maximum(x, lo)
        out["minimum"] = torch.minimum(x, hi)
    ''')


def test_autograd_grad_with_create_graph() -> None:
    check('''
        x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
        y = (x ** 3).sum() + (x.sin() * x).sum()
        g, = torch.autograd.grad(y, x, create_graph=True)
        out["first"] = g
        out["first requires grad"] = g.requires_grad
        h, = torch.autograd.grad(g.sum(), x)
        out["second"] = h
        w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        loss = (w ** 2).sum()
        grad_w, = torch.autograd.grad(loss, w, create_graph=True)
        penalty = (grad_w ** 2).sum()  # a gradient penalty, as in WGAN-GP
        penalty.backward()
        out["penalty grad"] = w.grad
        a = torch.tensor([1.0, 2.0], requires_grad=True)
        b = torch.tensor([3.0], requires_grad=True)
        out["unused"] = list(torch.autograd.grad((a * 2).sum(), [a, b], allow_unused=True))
        out["unused refused"] = error_name(lambda: torch.autograd.grad((a * 2).sum(), [a, b]))
        out["grad_outputs"] = torch.autograd.grad(
            a * 3, a, grad_outputs=torch.tensor([1.0, -1.0]))[0]
        v = a.exp()
        out["retain_graph"] = [t.tolist() for t in
                               (torch.autograd.grad(v.sum(), a, retain_graph=True)[0],
                                torch.autograd.grad(v.sum(), a)[0])]
        out["backward of a vector"] = error_name(lambda: (a * 2).backward())
    ''')


def test_parameter_order_and_state_dict_keys_of_common_layers() -> None:
    """The order of parameters() is what init_ and optimizers' state rely on."""
    check('''
        for model in [nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.LayerNorm(4),
                      nn.LSTM(3, 2, num_layers=2, bidirectional=True), nn.GRUCell(3, 2),
                      nn.MultiheadAttention(4, 2), nn.TransformerEncoderLayer(4, 2, 8),
                      nn.Embedding(5, 2), nn.ConvTranspose2d(2, 3, 2), nn.GroupNorm(1, 3)]:
            name = type(model).__name__
            out[name + " parameters"] = [n for n, _ in model.named_parameters()]
            out[name + " shapes"] = [tuple(p.shape) for p in model.parameters()]
            out[name + " state_dict"] = list(model.state_dict())
    ''')


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_the_harness_notices_a_difference() -> None:
    with pytest.raises(AssertionError):
        check('''
            out["differs"] = torch.__name__
        ''')


def test_what_a_script_catches_as_runtime_error_is_one() -> None:
    """`except RuntimeError` in a script: a state_dict that does not fit, an unused input
    to autograd.grad, mixed dtypes in a layer (PyTorch's RuntimeErrors)."""
    import tinygrad_bn as tg

    model = tg.nn.Linear(2, 2)
    for call in (lambda: model.load_state_dict({"weight": tg.ones(2, 2)}),
                 lambda: model.load_state_dict({"weight": tg.ones(3, 2), "bias": tg.ones(2)}),
                 lambda: tg.autograd.grad(model.weight.sum(), [model.weight, model.bias]),
                 lambda: model(tg.ones(1, 2, dtype=tg.float64))):
        with pytest.raises(RuntimeError) as info:
            call()
        assert isinstance(info.value, tg.TinygradError)
    assert tg.autograd.grad(model.weight.sum(), [model.weight, model.bias],
                            allow_unused=True)[1] is None
    assert tg.grad(model.weight.sum(), [model.weight, model.bias])[1] is None  # tg's own
    zeros = tg.autograd.grad(model.weight.sum(), [model.bias], materialize_grads=True)
    assert isinstance(zeros, tuple) and zeros[0].tolist() == [0.0, 0.0]
