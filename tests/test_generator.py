"""tg.Generator and tg.default_generator as PyTorch's: manual_seed returns the generator,
seed/initial_seed, get_state/set_state round trips, generator= on every random function
(a generator's draws ignore the global seed; a np.random.Generator is accepted too), and
the PyTorch signatures of the creation functions, side by side with torch where installed."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn
from tinygrad_bn.nn import functional as F

# every random function, called with a generator: name -> call(generator)
RANDOM_CALLS = {
    "rand": lambda g: tg.rand(3, 4, generator=g),
    "randn": lambda g: tg.randn((3, 4), generator=g),
    "randint": lambda g: tg.randint(0, 10, (3, 4), generator=g),
    "randint(high, size=)": lambda g: tg.randint(10, size=(5,), generator=g),
    "randperm": lambda g: tg.randperm(20, generator=g),
    "rand_like": lambda g: tg.rand_like(tg.zeros(3), generator=g),
    "randn_like": lambda g: tg.randn_like(tg.zeros(3), generator=g),
    "randint_like": lambda g: tg.randint_like(tg.zeros(3), 7, generator=g),
    "normal": lambda g: tg.normal(tg.zeros(4), tg.ones(4), generator=g),
    "normal(floats, size)": lambda g: tg.normal(2.0, 3.0, size=(4,), generator=g),
    "bernoulli": lambda g: tg.bernoulli(tg.full((6,), 0.5), generator=g),
    "multinomial": lambda g: tg.multinomial(tg.tensor([1.0, 2.0, 3.0]), 2, generator=g),
    "poisson": lambda g: tg.poisson(tg.full((6,), 3.0), generator=g),
    "init.uniform_": lambda g: nn.init.uniform_(tg.zeros(3, 4), generator=g),
    "init.normal_": lambda g: nn.init.normal_(tg.zeros(3, 4), generator=g),
    "init.kaiming_uniform_": lambda g: nn.init.kaiming_uniform_(tg.zeros(3, 4), generator=g),
    "init.kaiming_normal_": lambda g: nn.init.kaiming_normal_(tg.zeros(3, 4), generator=g),
    "init.xavier_uniform_": lambda g: nn.init.xavier_uniform_(tg.zeros(3, 4), generator=g),
    "init.xavier_normal_": lambda g: nn.init.xavier_normal_(tg.zeros(3, 4), generator=g),
    "init.trunc_normal_": lambda g: nn.init.trunc_normal_(tg.zeros(3, 4), generator=g),
    "init.orthogonal_": lambda g: nn.init.orthogonal_(tg.zeros(3, 4), generator=g),
    "F.dropout": lambda g: F.dropout(tg.ones(20), 0.5, generator=g),
}


def values(result):
    return np.asarray(result.data if isinstance(result, Tensor) else result)


def test_manual_seed_returns_the_default_generator_as_pytorch_does() -> None:
    returned = tg.manual_seed(3)
    assert returned is tg.default_generator and isinstance(returned, tg.Generator)
    assert tg.initial_seed() == 3 == tg.default_generator.initial_seed()
    torch = pytest.importorskip("torch")
    assert torch.manual_seed(3) is torch.default_generator  # the behaviour we copy


def test_generator_methods_return_what_pytorch_returns() -> None:
    g = tg.Generator()
    assert g.manual_seed(5) is g and g.initial_seed() == 5 and g.device == "cpu"
    chosen = g.seed()
    assert isinstance(chosen, int) and g.initial_seed() == chosen and 0 <= chosen < 2**64
    assert tg.seed() == tg.initial_seed()
    torch = pytest.importorskip("torch")
    t = torch.Generator()
    assert tg.Generator().initial_seed() == t.initial_seed()  # a fresh one: the same seed
    assert t.manual_seed(5) is t and t.initial_seed() == 5


@pytest.mark.parametrize("name", sorted(RANDOM_CALLS))
def test_every_random_function_follows_its_generator_not_the_global_seed(name) -> None:
    call = RANDOM_CALLS[name]
    tg.manual_seed(1)
    a = values(call(tg.Generator().manual_seed(7)))
    tg.manual_seed(2)  # the global seed must not matter
    b = values(call(tg.Generator().manual_seed(7)))
    c = values(call(tg.Generator().manual_seed(8)))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # a np.random.Generator is accepted where a tg.Generator is
    np.testing.assert_array_equal(values(call(np.random.default_rng(9))),
                                  values(call(np.random.default_rng(9))))


@pytest.mark.parametrize("name", sorted(RANDOM_CALLS))
def test_without_a_generator_the_default_one_is_used(name) -> None:
    call = RANDOM_CALLS[name]
    first = values(call(tg.manual_seed(4)))
    tg.manual_seed(4)
    np.testing.assert_array_equal(values(call(None)), first)


def test_get_state_set_state_round_trip() -> None:
    g = tg.Generator().manual_seed(11)
    tg.rand(5, generator=g)
    state = g.get_state()
    assert isinstance(state, np.ndarray) and state.dtype == np.uint8 and state.shape == (45,)
    ahead = tg.rand(7, generator=g).data
    tg.rand(3, generator=g)
    assert g.set_state(state) is g
    np.testing.assert_array_equal(tg.rand(7, generator=g).data, ahead)
    other = tg.Generator().set_state(Tensor(state))  # a Tensor of it too, across generators
    assert other.initial_seed() == 11
    np.testing.assert_array_equal(tg.rand(7, generator=other).data, ahead)
    # the module-level spelling works on the default generator
    tg.manual_seed(2)
    saved = tg.get_rng_state()
    first = tg.randn(4).data
    tg.set_rng_state(saved)
    np.testing.assert_array_equal(tg.randn(4).data, first)


def test_state_survives_a_cached_half_draw() -> None:
    g = tg.Generator().manual_seed(0)
    g_np = tg.seeding.generator(g)
    g_np.integers(0, 2**16, dtype=np.uint32)  # leaves a cached 32-bit half in PCG64
    state = g.get_state()
    ahead = g_np.integers(0, 2**16, 5, dtype=np.uint32)
    g.set_state(state)
    np.testing.assert_array_equal(tg.seeding.generator(g).integers(0, 2**16, 5,
                                                                    dtype=np.uint32), ahead)


@pytest.mark.parametrize("state, error, fragment", [
    (np.zeros(45, np.float32), tg.ArgumentTypeError, "uint8"),
    (Tensor(np.zeros(45, np.float32)), tg.ArgumentTypeError, "uint8"),
    ([0] * 45, tg.ArgumentTypeError, "uint8"),
    (Tensor(np.zeros(3, np.uint8)), tg.ArgumentError, "45-byte"),
    (Tensor(np.zeros(45, np.uint8)), tg.ArgumentError, "45-byte"),  # even increment
])
def test_set_state_refuses_what_get_state_did_not_make(state, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        tg.Generator().set_state(state)


@pytest.mark.parametrize("seed, error", [
    ("abc", tg.ArgumentTypeError), (1.5, tg.ArgumentTypeError), (True, tg.ArgumentTypeError),
    (-1, tg.ArgumentError), (2**64, tg.ArgumentError)])
def test_bad_seeds(seed, error) -> None:
    with pytest.raises(error, match="seed"):
        tg.Generator().manual_seed(seed)


@pytest.mark.parametrize("bad", [42, "gen", object()])
def test_a_generator_of_the_wrong_type_is_named(bad) -> None:
    with pytest.raises(tg.ArgumentTypeError, match="randn: generator must be a tg.Generator"):
        tg.randn(2, generator=bad)


def test_generator_on_another_device_is_refused() -> None:
    with pytest.raises(tg.ArgumentError, match="CPU only"):
        tg.Generator(device="cuda")
    assert tg.Generator(device=tg.device("cpu")).device == "cpu"


def test_seeding_in_one_thread_leaves_a_running_draw_alone() -> None:
    """manual_seed replaces the wrapped NumPy generator: a draw that already read it keeps
    its own stream (no torn state)."""
    g = tg.Generator().manual_seed(0)
    results = []

    def draw():
        results.append(tg.rand(200_000, generator=g, dtype=tg.float64).data)

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for t in threads:
        t.start()
    for _ in range(50):
        g.manual_seed(0)
    for t in threads:
        t.join()
    stream = tg.rand(400_000, generator=tg.Generator().manual_seed(0), dtype=tg.float64).data
    assert len(results) == 2
    for r in results:  # a whole block of one seed-0 stream: the first or the second
        assert np.array_equal(r, stream[:200_000]) or np.array_equal(r, stream[200_000:])


def test_cuda_seeding_is_accepted_and_changes_nothing() -> None:
    tg.manual_seed(0)
    expected = tg.rand(3).data
    tg.manual_seed(0)
    assert tg.cuda.manual_seed(123) is None and tg.cuda.manual_seed_all(5) is None
    np.testing.assert_array_equal(tg.rand(3).data, expected)


def test_accelerator_and_backends_answer_like_a_cpu_only_torch() -> None:
    assert tg.accelerator.is_available() is False
    assert tg.accelerator.current_accelerator() is None
    assert tg.backends.mps.is_available() is False and tg.backends.cudnn.is_available() is False
    tg.backends.cudnn.deterministic = True  # a reproducibility preamble
    tg.backends.cudnn.benchmark = False
    torch = pytest.importorskip("torch")
    assert torch.accelerator.is_available() is False  # the CPU build we compare with
    assert torch.accelerator.current_accelerator() is None


# ---- the creation functions' PyTorch signatures ----

SIGNATURES = [
    ("zeros", (2, 3), {}), ("zeros", ((2, 3),), {}), ("zeros", ([2, 3],), {}),
    ("zeros", (), {"size": (2, 3)}), ("ones", (4,), {"dtype": "float64"}),
    ("empty", (), {"size": (1, 2)}), ("full", ((2, 2), 7), {}), ("full", ((2,), 1.5), {}),
    ("full", ((2,), True), {}), ("arange", (5,), {}), ("arange", (), {"end": 4}),
    ("arange", (1, 7, 2), {}), ("arange", (0.0, 1.0, 0.25), {}),
    ("arange", (), {"start": 2, "end": 5}), ("linspace", (0, 1, 5), {}), ("eye", (3,), {}),
    ("eye", (2, 3), {}), ("rand", (2, 3), {}), ("randn", (), {"size": (4,)}),
    ("randint", (10, (3,)), {}), ("randint", (10,), {"size": (3,)}),
    ("randint", (3, 10, (2, 2)), {}), ("randint", (), {"high": 5, "size": (4,)}),
    ("randint", (), {"low": 2, "high": 5, "size": (4,)}), ("randperm", (6,), {}),
    ("zeros", (2,), {"requires_grad": True}), ("ones", (2,), {"device": "cpu"}),
]


@pytest.mark.parametrize("name, args, kwargs", SIGNATURES)
def test_creation_signatures_give_pytorch_shapes_and_dtypes(name, args, kwargs) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(tg, name)(*args, **kwargs)
    kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    theirs = getattr(torch, name)(*args, **kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.requires_grad == theirs.requires_grad
    if name not in ("empty", "rand", "randn", "randint", "randperm"):  # empty: torch's garbage
        np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
    elif name == "randperm":
        assert sorted(ours.tolist()) == list(range(args[0]))


@pytest.mark.parametrize("call, fragment", [
    (lambda: tg.randint(5, 3), "size"), (lambda: tg.randint(5, 2, (3,)), "low < high"),
    (lambda: tg.randint(1.5, (3,)), "int"), (lambda: tg.zeros(2, size=(3,)), "twice"),
    (lambda: tg.randperm(-1), "non-negative"),
    (lambda: tg.normal(tg.zeros(2), -1.0), "std >= 0"),
    (lambda: tg.normal(0.0, 1.0), "size"),
    (lambda: tg.normal(tg.zeros(2), tg.ones(3)), "broadcast"),
    (lambda: tg.bernoulli(tg.tensor([1.5])), r"\[0, 1\]"),
    (lambda: tg.bernoulli(tg.tensor([1, 0])), "floating"),
    (lambda: tg.multinomial(tg.tensor([1.0, 0.0]), 2), "without replacement"),
    (lambda: tg.multinomial(tg.tensor([-1.0, 2.0]), 1), ">= 0"),
    (lambda: tg.multinomial(tg.zeros(2, 2, 2), 1), "1-d or 2-d"),
    (lambda: tg.poisson(tg.tensor([-1.0])), ">= 0"),
])
def test_bad_random_calls_are_named(call, fragment) -> None:
    with pytest.raises(tg.TinygradError, match=fragment):
        call()


def test_sampling_functions_have_the_right_distributions() -> None:
    g = tg.Generator().manual_seed(0)
    n = 200_000
    x = tg.normal(tg.full((n,), 2.0), tg.full((n,), 3.0), generator=g).data
    assert abs(x.mean() - 2.0) < 0.03 and abs(x.std() - 3.0) < 0.03
    b = tg.bernoulli(tg.full((n,), 0.3, dtype=tg.float64), generator=g)
    assert b.dtype == np.float64 and set(np.unique(b.data)) <= {0.0, 1.0}
    assert abs(b.data.mean() - 0.3) < 0.01
    m = tg.multinomial(tg.tensor([1.0, 3.0]), n, replacement=True, generator=g)
    assert m.dtype == np.int64 and abs(np.mean(m.data) - 0.75) < 0.01  # m.data.mean(): torch's
    rows = tg.multinomial(tg.tensor([[0.0, 1.0, 1.0], [5.0, 0.0, 2.0]]), 2, generator=g)
    assert rows.shape == (2, 2) and sorted(rows.data[0].tolist()) == [1, 2]
    assert sorted(rows.data[1].tolist()) == [0, 2]
    p = tg.poisson(tg.full((n,), 4.0), generator=g).data
    assert abs(p.mean() - 4.0) < 0.03 and abs(p.var() - 4.0) < 0.1
    r = tg.randint(-3, 3, (n,), generator=g).data
    assert r.min() == -3 and r.max() == 2


def test_sampling_shapes_and_dtypes_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        (lambda m: m.normal(m.zeros(2, 1), m.ones(3)), None),
        (lambda m: m.normal(m.zeros(2, dtype=m.float64), 1.0), None),
        (lambda m: m.normal(2.0, 3.0, size=(4,)), None),
        (lambda m: m.bernoulli(m.zeros(3, dtype=m.float64)), None),
        (lambda m: m.multinomial(m.ones(2, 5), 3), None),
        (lambda m: m.poisson(m.ones(4)), None),
        (lambda m: m.randperm(5), None),
    ]
    for make, _ in cases:
        ours, theirs = make(tg), make(torch)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_determinism_flag_is_recorded_like_pytorchs() -> None:
    assert tg.are_deterministic_algorithms_enabled() is False
    try:
        tg.use_deterministic_algorithms(True, warn_only=True)
        assert tg.are_deterministic_algorithms_enabled() is True
        assert tg.is_deterministic_algorithms_warn_only_enabled() is True
    finally:
        tg.use_deterministic_algorithms(False)
    with pytest.raises(tg.ArgumentTypeError, match="mode must be a bool"):
        tg.use_deterministic_algorithms("yes")
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.use_deterministic_algorithms("yes")
