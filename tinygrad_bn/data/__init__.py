"""Datasets and batching on plain NumPy: MNIST (offline subset or IDX files) and DataLoader."""

from tinygrad_bn.data import download
from tinygrad_bn.data.idx import read_idx, write_idx
from tinygrad_bn.data.loader import DataLoader
from tinygrad_bn.data.mnist import MNIST, load_mnist

__all__ = ["MNIST", "DataLoader", "download", "load_mnist", "read_idx", "write_idx"]
