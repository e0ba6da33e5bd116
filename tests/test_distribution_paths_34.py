"""PyTorch's per-family module paths under torch.distributions
(tinygrad_bn/distributions/paths.py): `from torch.distributions.normal import Normal` and
the like work with the import swapped, each path holding the names PyTorch's module of
that name exports that this package has. Failed before (no such modules)."""

from __future__ import annotations

import importlib

import pytest

import tinygrad_bn.distributions as D
from tinygrad_bn.distributions.paths import PATHS


def test_a_script_imports_families_from_their_modules() -> None:
    from tinygrad_bn.distributions.categorical import Categorical
    from tinygrad_bn.distributions.multivariate_normal import MultivariateNormal
    from tinygrad_bn.distributions.normal import Normal
    assert Normal is D.Normal and Categorical is D.Categorical
    assert MultivariateNormal is D.MultivariateNormal
    assert D.normal.Normal is D.Normal  # as an attribute too (torch.distributions.normal)


@pytest.mark.parametrize("name", sorted(PATHS))
def test_every_path_holds_the_names_the_package_has(name: str) -> None:
    module = importlib.import_module(f"tinygrad_bn.distributions.{name}")
    for export in PATHS[name]:
        if hasattr(D, export):
            assert getattr(module, export) is getattr(D, export)


def test_the_paths_are_pytorchs() -> None:
    pytest.importorskip("torch")
    import pkgutil

    import torch.distributions as TD
    theirs = {m.name for m in pkgutil.iter_modules(TD.__path__)}
    assert set(PATHS) <= theirs
    for name, exports in PATHS.items():
        module = importlib.import_module(f"torch.distributions.{name}")
        assert set(exports) <= set(getattr(module, "__all__", ())), name
