"""Bad input to the nn modules, the functional layers' arguments, the random generator and
the DataLoader raises a project error (a `TinygradError`, and the fitting builtin) whose
message names the op and the value given: each case below raised a raw Python or NumPy
exception (or a plain TypeError) before issue 12."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tests.error_cases import assert_project_error
from tinygrad_bn import Tensor, nn
from tinygrad_bn.data import DataLoader


def _linear() -> nn.Linear:
    return nn.Linear(2, 3)


def _assign_ndarray_to_parameter() -> None:
    _linear().weight = np.ones((3, 2), np.float32)


def _ragged_batch() -> list:
    return list(DataLoader([(np.ones(2), 0), (np.ones(3), 1)], batch_size=2))


def _uneven_fields() -> list:
    return list(DataLoader([(np.ones(2), 0), (np.ones(2),)], batch_size=2))


# name: (bad call, project error, builtin it also is, fragments the message must contain)
CASES: dict[str, tuple[Callable[[], object], type, type, tuple[str, ...]]] = {
    "Dropout str": (lambda: nn.Dropout("0.5"), tg.ArgumentTypeError, TypeError,
                    ("Dropout", "p", "'0.5'")),
    "Dropout None": (lambda: nn.Dropout(None), tg.ArgumentTypeError, TypeError,
                     ("Dropout", "None")),
    "Dropout nan": (lambda: nn.Dropout(float("nan")), tg.ArgumentError, ValueError,
                    ("Dropout", "nan")),
    "F.dropout str": (lambda: F.dropout(Tensor(np.ones(3)), "0.5"), tg.ArgumentTypeError,
                      TypeError, ("dropout", "'0.5'")),
    "F.dropout generator int": (lambda: F.dropout(Tensor(np.ones(3)), 0.5, generator=42),
                                tg.ArgumentTypeError, TypeError, ("dropout", "generator", "42")),
    "init generator": (lambda: nn.init.uniform_(_linear().weight, generator="x"),
                       tg.ArgumentTypeError, TypeError, ("uniform_", "generator")),
    "init not a tensor": (lambda: nn.init.normal_(np.ones(3)), tg.ArgumentTypeError, TypeError,
                          ("normal_", "ndarray")),
    "manual_seed str": (lambda: tg.manual_seed("abc"), tg.ArgumentTypeError, TypeError,
                        ("manual_seed", "'abc'")),
    "manual_seed -1": (lambda: tg.manual_seed(-1), tg.ArgumentError, ValueError,
                       ("manual_seed", "-1")),
    "load_state_dict None": (lambda: _linear().load_state_dict(None), tg.ArgumentTypeError,
                             TypeError, ("load_state_dict", "Linear", "NoneType")),
    "to nonsense": (lambda: _linear().to("nonsense"), tg.DTypeError, TypeError,
                    ("Linear.to", "'nonsense'")),
    "Linear huge": (lambda: nn.Linear(10**6, 10**6), tg.AllocationError, MemoryError,
                    ("Linear(1000000, 1000000)", "4,000,000,000,000 bytes")),
    "Conv2d huge": (lambda: nn.Conv2d(10**5, 10**5, 1000), tg.AllocationError, MemoryError,
                    ("Conv2d weight", "bytes")),
    "Sequential class": (lambda: nn.Sequential(nn.Linear, 5), tg.ArgumentTypeError, TypeError,
                         ("Sequential", "argument 0", "class Linear", "Linear(...)")),
    "Sequential int": (lambda: nn.Sequential(_linear(), 5), tg.ArgumentTypeError, TypeError,
                       ("Sequential", "argument 1", "int")),
    "ndarray to Parameter": (_assign_ndarray_to_parameter, tg.ArgumentTypeError, TypeError,
                             ("Linear", "ndarray", "parameter 'weight'")),
    "register_buffer list": (lambda: _linear().register_buffer("b", [1, 2]),
                             tg.ArgumentTypeError, TypeError, ("register_buffer('b')", "list")),
    "register_parameter array": (lambda: _linear().register_parameter("p", np.ones(2)),
                                 tg.ArgumentTypeError, TypeError,
                                 ("register_parameter('p')", "ndarray")),
    "register_buffer name int": (lambda: _linear().register_buffer(3, None),
                                 tg.ArgumentTypeError, TypeError, ("name", "int")),
    "register_buffer dotted name": (lambda: _linear().register_buffer("a.b", None),
                                    tg.ArgumentError, ValueError, ("'a.b'",)),
    # found by tests/test_bad_input_nn.py
    "mse_loss None target": (lambda: F.mse_loss(Tensor(np.ones(())), None),
                             tg.ArgumentTypeError, TypeError, ("mse_loss", "target", "None")),
    "mse_loss str target": (lambda: F.mse_loss(Tensor(np.ones(2)), "a"), tg.ArgumentTypeError,
                            TypeError, ("mse_loss", "'a'")),
    "Flatten bool axis": (lambda: nn.Flatten(1, True), tg.ArgumentTypeError, TypeError,
                          ("Flatten", "end_dim", "True")),
    "LayerNorm eps None": (lambda: nn.LayerNorm(3, eps=None), tg.ArgumentTypeError, TypeError,
                           ("LayerNorm", "eps", "None")),
    "BatchNorm1d momentum str": (lambda: nn.BatchNorm1d(3, momentum="a"), tg.ArgumentTypeError,
                                 TypeError, ("BatchNorm1d", "momentum", "'a'")),
    "LayerNorm shape None": (lambda: nn.LayerNorm(None), tg.ArgumentError, ValueError,
                             ("LayerNorm", "normalized_shape", "None")),
    "DataLoader ragged": (_ragged_batch, tg.DataError, ValueError,
                          ("field 0", "dataset[1]", "(3,)", "(2,)")),
    "DataLoader uneven tuples": (_uneven_fields, tg.DataError, ValueError,
                                 ("dataset[1]", "1 fields", "2")),
    "DataLoader ragged arrays": (lambda: DataLoader(([[1, 2], [3]],)), tg.DataError, ValueError,
                                 ("DataLoader array 0", "rectangular")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_nn_input_raises_project_error_naming_op_and_value(name: str) -> None:
    assert_project_error(*CASES[name])


def test_a_refused_load_state_dict_or_to_leaves_the_module_as_it_was() -> None:
    model = _linear()
    before = {k: v.clone() for k, v in model.state_dict().items()}  # a snapshot
    for call in (lambda: model.load_state_dict(None), lambda: model.to("nonsense")):
        with pytest.raises(tg.TinygradError):
            call()
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) and before[k].dtype == after[k].dtype
               for k in before)


def test_manual_seed_still_seeds_reproducibly() -> None:
    tg.manual_seed(np.int64(7))
    first = nn.Linear(3, 2).weight.data.copy()
    tg.manual_seed(7)
    assert np.array_equal(nn.Linear(3, 2).weight.data, first)
