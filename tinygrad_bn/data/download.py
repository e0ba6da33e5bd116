"""Fetch the full MNIST IDX files, verified by their published SHA-256, with pooch.

`pooch <https://www.fatiando.org/pooch>`_ (the ``data`` extra) does the fetching: it
streams each file into a temporary file beside the target, checks the hash, and only
then moves it into place, so a corrupt or truncated download never lands under its real
name; a failed attempt (dropped connection, wrong hash) is retried with a growing wait.
A file already present with the right hash is never downloaded again.

The mirror is, in order: the ``mirror`` argument, the ``TINYGRAD_BN_MNIST_MIRROR``
environment variable, then :data:`DEFAULT_MIRROR` (the mirror PyTorch's datasets use).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from tinygrad_bn.errors import DataError, DependencyError

__all__ = ["DEFAULT_MIRROR", "MIRROR_ENV", "MNIST_SHA256", "RETRIES", "fetch_files"]

DEFAULT_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MIRROR_ENV = "TINYGRAD_BN_MNIST_MIRROR"
RETRIES = 3  # after the first attempt; waits of 1, 2, 3 s between them
# The published SHA-256 of the four original files (as TensorFlow Datasets and Keras pin them).
MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",  # noqa: E501
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",  # noqa: E501
}


def _pooch() -> tuple[ModuleType, type[Exception]]:
    """pooch, and the base class of the connection errors of requests (which pooch uses)."""
    try:
        import pooch
        import requests
    except ImportError as error:
        raise DependencyError(
            'downloading MNIST needs the package pooch: pip install "tinygrad_bn[data]"'
        ) from error
    return pooch, requests.exceptions.RequestException


def _progress_bar(name: str, show: bool | None):  # noqa: ANN202 (tqdm or False)
    """A live tqdm bar on a terminal, nothing in a log (no carriage-return fragments)."""
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        return False
    from tqdm.auto import tqdm

    return tqdm(total=0, desc=name, unit="B", unit_scale=True, leave=False)


def fetch_files(
    root: str | os.PathLike,
    files: Mapping[str, str] | None = None,
    mirror: str | None = None,
    retries: int | None = None,
    progress: bool | None = None,
) -> list[Path]:
    """Make sure every file of ``files`` (name -> SHA-256; default :data:`MNIST_SHA256`)
    is in ``root`` with its hash.

    Missing files are fetched from ``mirror + name``; a file whose download fails or
    whose hash differs is retried ``retries`` times (default :data:`RETRIES`), then
    refused with a DataError, nothing left under its name. ``progress``: a live bar
    (default: when stderr is a terminal). Returns the paths, in the order of ``files``.
    """
    pooch, connection_error = _pooch()
    files = MNIST_SHA256 if files is None else files
    retries = RETRIES if retries is None else retries
    base = mirror or os.environ.get(MIRROR_ENV) or DEFAULT_MIRROR
    if not base.endswith("/"):
        base += "/"
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"MNIST download: cannot create the directory {root}: {error}") from error
    registry = pooch.create(path=root, base_url=base, retry_if_failed=retries,
                            registry={name: f"sha256:{digest}" for name, digest in files.items()})
    paths = []
    for name in files:
        bar = _progress_bar(name, progress)
        try:
            paths.append(Path(registry.fetch(name, downloader=pooch.HTTPDownloader(
                progressbar=bar, timeout=30))))
        except ValueError as error:  # pooch: hash mismatch after every attempt
            raise DataError(f"MNIST download: {base}{name} does not have the published SHA-256 "
                            f"{files[name]} (refused, nothing kept): {error}") from error
        except connection_error as error:  # refused, dropped, timed out, HTTP 404
            raise DataError(f"MNIST download: cannot fetch {base}{name} after {retries + 1} "
                            f"attempts: {error}") from error
        finally:
            if bar:
                bar.close()
    return paths
