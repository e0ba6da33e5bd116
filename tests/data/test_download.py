"""MNIST(download=True) against a real HTTP server on the loopback address.

The server serves small generated IDX files; their SHA-256 are computed here, so the
tests check the fetching (hash verification, retries, mirrors, no second download),
not the published values of the real files.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pooch")

from tinygrad_bn.data import MNIST, download, write_idx  # noqa: E402
from tinygrad_bn.errors import DataError  # noqa: E402


class Server(http.server.ThreadingHTTPServer):
    """Serves `files` (name -> bytes); `corrupt` names get other bytes, `drops[name]`
    first requests get half the body and a closed connection; every request is logged."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.files: dict[str, bytes] = {}
        self.corrupt: set[str] = set()
        self.drops: dict[str, int] = {}
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/mnist/"


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        name = self.path.rsplit("/", 1)[-1]
        self.server.requests.append(name)
        body = self.server.files.get(name)
        if body is None or not self.path.startswith("/mnist/"):
            self.send_error(404)
            return
        if name in self.server.corrupt:
            body = body[:-1] + bytes([body[-1] ^ 0xFF])
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.server.drops.get(name, 0) > 0:
            self.server.drops[name] -= 1
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _idx_gz(tmp: Path, name: str, array: np.ndarray) -> bytes:
    write_idx(tmp / name, array)
    return (tmp / name).read_bytes()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, dict[str, str], dict]]:
    """A server with a 6-image train set and a 4-image test set; their hashes; the arrays."""
    rng = np.random.default_rng(7)
    arrays = {}
    srv = Server()
    source = tmp_path / "source"
    source.mkdir()
    for prefix, n in (("train", 6), ("t10k", 4)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        srv.files[f"{prefix}-images-idx3-ubyte.gz"] = _idx_gz(source, f"{prefix}-i.gz", images)
        srv.files[f"{prefix}-labels-idx1-ubyte.gz"] = _idx_gz(source, f"{prefix}-l.gz", labels)
        arrays[prefix] = (images, labels)
    hashes = {name: hashlib.sha256(body).hexdigest() for name, body in srv.files.items()}
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv, hashes, arrays
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def local_hashes(server, monkeypatch):
    """MNIST(download=True) checks against the generated files' hashes."""
    srv, hashes, _ = server
    monkeypatch.setattr(download, "MNIST_SHA256", hashes)
    monkeypatch.setattr(download, "RETRIES", 1)
    return hashes


def test_download_fetches_verifies_and_loads_every_file(server, local_hashes, tmp_path):
    srv, hashes, arrays = server
    root = tmp_path / "mnist"
    train = MNIST(root, download=True, mirror=srv.url, flatten=False)
    assert sorted(srv.requests) == sorted(hashes)
    for name, digest in hashes.items():
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == digest
    images, labels = arrays["train"]
    np.testing.assert_array_equal(train.labels, labels)
    np.testing.assert_array_equal(np.rint(train.images[:, 0] * 255), images)
    test = MNIST(root, train=False)
    np.testing.assert_array_equal(test.labels, arrays["t10k"][1])


def test_files_present_are_never_downloaded_again(server, local_hashes, tmp_path):
    srv, _, _ = server
    MNIST(tmp_path, download=True, mirror=srv.url)
    srv.requests.clear()
    MNIST(tmp_path, download=True, mirror=srv.url)
    MNIST(tmp_path, train=False, download=True, mirror=srv.url)
    assert srv.requests == []


def test_corrupted_file_is_refused_and_deleted(server, local_hashes, tmp_path):
    srv, _, _ = server
    bad = "train-labels-idx1-ubyte.gz"
    srv.corrupt.add(bad)
    root = tmp_path / "mnist"
    with pytest.raises(DataError) as info:
        MNIST(root, download=True, mirror=srv.url)
    message = str(info.value)
    assert bad in message and "SHA-256" in message and local_hashes[bad] in message
    assert not (root / bad).exists()
    leftovers = [p.name for p in root.iterdir() if p.name not in local_hashes]
    assert leftovers == []  # no temporary file left beside the good ones
    assert srv.requests.count(bad) == 2  # one retry


def test_dropped_connection_is_retried(server, local_hashes, tmp_path):
    srv, _, arrays = server
    name = "train-images-idx3-ubyte.gz"
    srv.drops[name] = 1
    train = MNIST(tmp_path, download=True, mirror=srv.url, flatten=False)
    assert srv.requests.count(name) == 2
    np.testing.assert_array_equal(np.rint(train.images[:, 0] * 255), arrays["train"][0])


def test_connection_dropping_every_time_is_a_clear_error(server, local_hashes, tmp_path):
    srv, _, _ = server
    name = "train-images-idx3-ubyte.gz"
    srv.drops[name] = 10
    with pytest.raises(DataError, match=f"cannot fetch .*{name}.* 2 attempts"):
        MNIST(tmp_path, download=True, mirror=srv.url)
    assert not (tmp_path / name).exists()


def test_mirror_from_the_environment(server, local_hashes, tmp_path, monkeypatch):
    srv, hashes, _ = server
    monkeypatch.setenv(download.MIRROR_ENV, srv.url)
    MNIST(tmp_path, download=True)
    assert sorted(srv.requests) == sorted(hashes)


def test_unknown_file_on_the_mirror_is_a_clear_error(server, local_hashes, tmp_path):
    srv, _, _ = server
    with pytest.raises(DataError, match="cannot fetch"):
        MNIST(tmp_path, download=True, mirror=srv.url.replace("/mnist/", "/elsewhere/"))


def test_published_hashes_are_the_real_files_digests():
    """The four pinned digests are SHA-256 values (64 hex digits), one per original file."""
    assert sorted(download.MNIST_SHA256) == sorted(
        f"{p}-{k}-idx{d}-ubyte.gz" for p in ("train", "t10k")
        for k, d in (("images", 3), ("labels", 1)))
    for digest in download.MNIST_SHA256.values():
        assert len(digest) == 64 and int(digest, 16) >= 0


def test_uncompressed_files_present_are_not_downloaded(server, local_hashes, tmp_path):
    srv, _, arrays = server
    images, labels = arrays["t10k"]
    write_idx(tmp_path / "t10k-images-idx3-ubyte", images)
    write_idx(tmp_path / "t10k-labels.idx1-ubyte", labels)  # the dotted spelling of mirrors
    test = MNIST(tmp_path, train=False, download=True, mirror=srv.url)
    assert srv.requests == [] and np.array_equal(test.labels, labels)
