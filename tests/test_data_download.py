"""fetch_movielens against a local HTTP server: verified download, tampering, refused connection, cache reuse."""

from __future__ import annotations

import functools
import hashlib
import logging
import socket
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from movierec.data.download import RELEASES, DataDownloadError, ReleaseArchive, fetch_movielens
from tests.conftest import write_100k


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        """Keep test output clean."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    """A folder served on http://127.0.0.1:<port>/ (the port is written to tmp_path/port); yields the folder."""
    root = tmp_path / "served"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    (tmp_path / "port").write_text(str(server.server_address[1]))
    yield root
    server.shutdown()
    server.server_close()
    thread.join()


def _make_zip(path: Path, source: Path, unsafe: bool = False) -> ReleaseArchive:
    with zipfile.ZipFile(path, "w") as bundle:
        for file in sorted(write_100k(source / "ml-100k").iterdir()):
            bundle.write(file, f"ml-100k/{file.name}")
        if unsafe:
            bundle.writestr("../escaped.txt", "outside")
    data = path.read_bytes()
    return ReleaseArchive(url="", size=len(data), sha256=hashlib.sha256(data).hexdigest(), folder="ml-100k")


def _archive_for(served: Path, name: str, tmp_path: Path, unsafe: bool = False) -> ReleaseArchive:
    archive = _make_zip(served / name, tmp_path / "source", unsafe)
    port = (tmp_path / "port").read_text()
    return ReleaseArchive(f"http://127.0.0.1:{port}/{name}", archive.size, archive.sha256, archive.folder)


def test_good_download_is_verified_extracted_and_reused(served: Path, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    archive = _archive_for(served, "ml-100k.zip", tmp_path)
    cache = tmp_path / "cache"
    folder = fetch_movielens("100k", cache, archive=archive, show_progress=False)
    assert folder == cache / "ml-100k" and (folder / "u.data").is_file()
    assert (cache / "ml-100k.zip").stat().st_size == archive.size
    assert sorted(p.name for p in cache.iterdir()) == ["ml-100k", "ml-100k.zip"]

    def offline(url: str, timeout: float) -> None:
        raise AssertionError("a verified cached archive must not be downloaded again")

    with caplog.at_level(logging.INFO):
        assert fetch_movielens("100k", cache, archive=archive, opener=offline) == folder
    assert f"cached MovieLens 100k archive in {cache}" in caplog.text


def test_tampered_download_is_refused_and_leaves_nothing(served: Path, tmp_path: Path) -> None:
    archive = _archive_for(served, "ml-100k.zip", tmp_path)
    data = bytearray((served / "ml-100k.zip").read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte changed
    (served / "ml-100k.zip").write_bytes(bytes(data))
    cache = tmp_path / "cache"
    with pytest.raises(DataDownloadError, match=r"corrupt or was tampered with \(SHA-256.*MOVIEREC_DATA_DIR"):
        fetch_movielens("100k", cache, archive=archive, show_progress=False)
    assert list(cache.iterdir()) == []


def test_truncated_download_is_refused(served: Path, tmp_path: Path) -> None:
    archive = _archive_for(served, "ml-100k.zip", tmp_path)
    (served / "ml-100k.zip").write_bytes((served / "ml-100k.zip").read_bytes()[:100])
    with pytest.raises(DataDownloadError, match=f"100 bytes instead of {archive.size}"):
        fetch_movielens("100k", tmp_path / "cache", archive=archive, show_progress=False)
    assert list((tmp_path / "cache").iterdir()) == []


def test_refused_connection_and_missing_file_are_clear_errors(served: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    refused = ReleaseArchive(f"http://127.0.0.1:{free_port}/ml-100k.zip", 10, "0" * 64, "ml-100k")
    with pytest.raises(DataDownloadError, match=r"could not download .*refused.*MOVIEREC_DATA_DIR"):
        fetch_movielens("100k", tmp_path / "cache", archive=refused, show_progress=False)
    port = (tmp_path / "port").read_text()
    missing = ReleaseArchive(f"http://127.0.0.1:{port}/nothing.zip", 10, "0" * 64, "ml-100k")
    with pytest.raises(DataDownloadError, match="HTTP 404"):
        fetch_movielens("100k", tmp_path / "cache", archive=missing, show_progress=False)
    assert list((tmp_path / "cache").iterdir()) == []


def test_corrupt_cached_archive_is_downloaded_again(served: Path, tmp_path: Path) -> None:
    archive = _archive_for(served, "ml-100k.zip", tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "ml-100k.zip").write_bytes(b"half a download")
    folder = fetch_movielens("100k", cache, archive=archive, show_progress=False)
    assert (folder / "u.item").is_file() and (cache / "ml-100k.zip").stat().st_size == archive.size


def test_unsafe_zip_paths_are_refused(served: Path, tmp_path: Path) -> None:
    archive = _archive_for(served, "ml-100k.zip", tmp_path, unsafe=True)
    with pytest.raises(DataDownloadError, match="unsafe path"):
        fetch_movielens("100k", tmp_path / "cache", archive=archive, show_progress=False)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "cache" / "ml-100k").exists()


def test_default_cache_is_under_the_home_folder(served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _archive_for(served, "ml-100k.zip", tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    folder = fetch_movielens("100k", archive=archive, show_progress=False)
    assert folder == tmp_path / "home" / ".cache" / "movierec" / "ml-100k"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fetch_movielens("100k", archive=archive, show_progress=False) == tmp_path / "xdg" / "movierec" / "ml-100k"


def test_a_damaged_extracted_folder_is_extracted_again(served: Path, tmp_path: Path) -> None:
    archive = _archive_for(served, "ml-100k.zip", tmp_path)
    cache = tmp_path / "cache"
    folder = fetch_movielens("100k", cache, archive=archive, show_progress=False)
    expected = (folder / "u.data").read_bytes()
    (folder / "u.data").unlink()
    (folder / "u.item").write_bytes(b"edited")
    assert fetch_movielens("100k", cache, archive=archive, show_progress=False) == folder
    assert (folder / "u.data").read_bytes() == expected and (folder / "u.item").stat().st_size > len(b"edited")


def test_the_download_shows_a_progress_bar(served: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = _archive_for(served, "ml-100k.zip", tmp_path)
    fetch_movielens("100k", tmp_path / "cache", archive=archive, show_progress=True)
    bar = capsys.readouterr().err
    assert "ml-100k.zip" in bar and "100%" in bar


def test_release_table_and_unknown_release(tmp_path: Path) -> None:
    assert set(RELEASES) == {"100k", "1m", "latest-small", "20m", "25m"}
    assert all(len(entry.sha256) == 64 and entry.url.endswith(f"{entry.folder}.zip") for entry in RELEASES.values())
    with pytest.raises(ValueError, match="unknown MovieLens release '7m'"):
        fetch_movielens("7m", tmp_path)
