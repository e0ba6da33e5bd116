"""MNIST: an embedded 5,000-digit subset offline, or the full IDX files from a directory.

Offline data: 5,000 real MNIST digits (500 per class) ship inside the package as two
gzipped IDX files (``tinygrad_bn/data/embedded/``, about 0.8 MB; its README names the
source and the licence, CC BY-SA 3.0).

The embedded split is fixed and stratified: in each class the first 400 rows
(in file order) are train and the last 100 are test, giving 4,000 train and
1,000 test images with exactly 10% per class in each. The file is sorted by
label, so "first 4,000 rows" would put no 8 or 9 in train. Within a split the
order interleaves classes (0, 1, ..., 9, 0, 1, ...), so even an unshuffled
loader sees every class in each batch of 10 or more.

Full MNIST (60,000 + 10,000): ``MNIST(root, download=True)`` fetches the four
original files into ``root`` when they are missing, each checked against its
published SHA-256 (tinygrad_bn/data/download.py).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from tinygrad_bn.data.dataset import Dataset
from tinygrad_bn.data.download import fetch_files
from tinygrad_bn.data.idx import read_idx
from tinygrad_bn.errors import DataError, DTypeError

__all__ = ["MNIST", "load_mnist", "CLASSES"]

CLASSES: list[str] = [
    "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
    "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
]  # fmt: skip

_TRAIN_FRACTION_NUM, _TRAIN_FRACTION_DEN = 4, 5  # 400 of each class's 500 rows
_ROOT_HINT = "pass root= a directory holding the MNIST IDX files (download=True fetches them)"
_IDX_NAMES = {
    # split prefix -> (images, labels); the dotted spelling is common on mirrors.
    "train": (
        ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
        ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    ),
    "t10k": (
        ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
        ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
    ),
}


# --------------------------------------------------------------------------- embedded subset

_EMBEDDED_DIR = Path(__file__).with_name("embedded")
_EMBEDDED_FILES = ("mnist-5k-images-idx3-ubyte.gz", "mnist-5k-labels-idx1-ubyte.gz")


@functools.lru_cache(maxsize=1)
def _embedded_arrays() -> tuple[np.ndarray, np.ndarray]:
    """All 5,000 embedded digits as read-only uint8 arrays: images (N, 784), labels (N,)."""
    images_path, labels_path = (_EMBEDDED_DIR / name for name in _EMBEDDED_FILES)
    if not images_path.is_file() or not labels_path.is_file():
        raise DataError(f"the embedded MNIST subset is missing from {_EMBEDDED_DIR}: "
                        f"reinstall tinygrad_bn, or {_ROOT_HINT}")
    images, labels = read_idx(images_path), read_idx(labels_path)
    images = images.reshape(len(images), -1)
    for a in (images, labels):
        a.flags.writeable = False  # shared across MNIST instances in this process
    return images, labels


def _embedded_split_indices(labels: np.ndarray, train: bool) -> np.ndarray:
    """Row indices of the fixed stratified split, classes interleaved (see module doc)."""
    order = np.argsort(labels, kind="stable")
    counts = np.bincount(labels, minlength=10)
    # rank[i] = position of row i among the rows of its class, in file order.
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels)) - np.repeat(np.cumsum(counts) - counts, counts)
    n_train = counts * _TRAIN_FRACTION_NUM // _TRAIN_FRACTION_DEN
    in_split = rank < n_train[labels]
    if not train:
        in_split = ~in_split
    rows = np.flatnonzero(in_split)
    # lexsort: last key is primary -> by rank, then by class: 0,1,...,9,0,1,...
    return rows[np.lexsort((labels[rows], rank[rows]))]


# --------------------------------------------------------------------------- IDX directory


def _find_idx_file(root: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        for candidate in (root / name, root / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def _has_split(root: Path, train: bool) -> bool:
    """Are the images and labels of this split in `root` (plain or .gz, either spelling)?"""
    return all(_find_idx_file(root, names) is not None
               for names in _IDX_NAMES["train" if train else "t10k"])


def _load_idx_dir(root: Path, train: bool) -> tuple[np.ndarray, np.ndarray]:
    prefix = "train" if train else "t10k"
    image_names, label_names = _IDX_NAMES[prefix]
    if not root.is_dir():
        raise DataError(f"MNIST root {root} is not a directory")
    images_path = _find_idx_file(root, image_names)
    labels_path = _find_idx_file(root, label_names)
    if images_path is None or labels_path is None:
        missing = image_names[0] if images_path is None else label_names[0]
        raise DataError(
            f"MNIST root {root} has no {missing}[.gz]. Expected {image_names[0]} and "
            f"{label_names[0]} (plain or .gz), as distributed on the MNIST and Fashion-MNIST "
            "pages; or use root=None for the embedded 5,000-digit subset"
        )
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise DataError(
            f"{images_path}: expected uint8 images of shape (N, H, W), "
            f"got {images.dtype} {images.shape}"
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise DataError(
            f"{labels_path}: expected uint8 labels of shape (N,), got {labels.dtype} {labels.shape}"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels"
        )
    if labels.size and labels.max() > 9:
        raise DataError(f"{labels_path}: labels must be in 0..9, found {labels.max()}")
    return images, labels


# --------------------------------------------------------------------------- public API


class MNIST(Dataset):
    """MNIST digits as whole arrays: ``images`` scaled to [0, 1], ``labels`` int64.

    root=None uses the embedded 5,000-digit subset (4,000 train / 1,000 test,
    fixed and stratified; see the module docstring). root=DIR reads
    ``train-*`` or ``t10k-*`` IDX files from DIR (plain or ``.gz``); Fashion-MNIST
    files work too, though ``classes`` keeps the digit names. ``download=True``
    first fetches the four MNIST files into DIR unless they are there (verified
    by SHA-256; ``mirror`` or $TINYGRAD_BN_MNIST_MIRROR picks the server).

    images: (N, H*W) when ``flatten`` else (N, 1, H, W), in ``dtype``.
    ``ds[i]`` returns ``(image, label)``; ``len(ds)`` is N.
    """

    classes: list[str] = CLASSES

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        flatten: bool = True,
        dtype: np.dtype | type = np.float32,
        download: bool = False,
        mirror: str | None = None,
    ) -> None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise DTypeError(f"MNIST dtype must be a floating dtype, got {dtype}")
        self.root = None if root is None else Path(root)
        self.train = bool(train)
        if download:
            if self.root is None:
                raise DataError("MNIST(download=True) needs root=, the directory to download into")
            if not _has_split(self.root, self.train):  # present in any spelling: no download
                fetch_files(self.root, mirror=mirror)
        if self.root is None:
            all_images, all_labels = _embedded_arrays()
            rows = _embedded_split_indices(all_labels, self.train)
            raw_images, raw_labels = all_images[rows].reshape(-1, 28, 28), all_labels[rows]
        else:
            raw_images, raw_labels = _load_idx_dir(self.root, self.train)
        n, height, width = raw_images.shape
        images = raw_images.astype(dtype)
        images /= 255  # in place: no float64 temporary; 255 maps exactly to 1.0
        shape = (n, height * width) if flatten else (n, 1, height, width)
        self.images: np.ndarray = images.reshape(shape)
        self.labels: np.ndarray = raw_labels.astype(np.int64)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.int64]:
        return self.images[index], self.labels[index]

    def __repr__(self) -> str:
        source = "embedded subset" if self.root is None else str(self.root)
        split = "train" if self.train else "test"
        return f"MNIST({split}, {len(self)} images {self.images.shape[1:]}, {source})"


def load_mnist(
    root: str | os.PathLike | None = None,
    flatten: bool = True,
    dtype: np.dtype | type = np.float32,
    download: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(x_train, y_train, x_test, y_test)`` as in :class:`MNIST`."""
    train = MNIST(root, train=True, flatten=flatten, dtype=dtype, download=download)
    test = MNIST(root, train=False, flatten=flatten, dtype=dtype)
    return train.images, train.labels, test.images, test.labels
