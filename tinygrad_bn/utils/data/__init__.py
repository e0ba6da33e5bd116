"""PyTorch's `torch.utils.data`: datasets, samplers and a DataLoader yielding Tensors.

The submodules have PyTorch's paths: `dataset` (Dataset, IterableDataset, TensorDataset,
StackDataset, Subset, ConcatDataset, ChainDataset, random_split), `sampler` (Sampler,
SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler,
BatchSampler), `dataloader` (DataLoader, default_collate, default_convert) and
`distributed` (DistributedSampler, resolved on first access: it needs the `mpi` extra).
Datasets and samplers live in tinygrad_bn.data, beside the NumPy DataLoader that shares
them; these modules give them PyTorch's import paths.
"""

from typing import Any

from . import dataloader, dataset, distributed, sampler
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [  # noqa: F822 (DistributedSampler is resolved by __getattr__)
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
    "DistributedSampler", "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler",
    "StackDataset", "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
    "dataloader", "dataset", "default_collate", "distributed", "default_convert", "get_worker_info",
    "random_split", "sampler",
]


def __getattr__(name: str) -> Any:
    if name == "DistributedSampler":
        return distributed.DistributedSampler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
