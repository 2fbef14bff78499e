"""Downloads a MovieLens release from GroupLens once, verifies it and keeps it in a local cache.

The MovieLens licence forbids redistributing the files, so the project never ships them: a user
either points ``MOVIEREC_DATA_DIR`` at a local copy or lets this module fetch the official archive.
A download is written to a temporary file and only renamed into the cache after its size and
SHA-256 match the published values, so an interrupted or tampered download never leaves a file that
a later run would mistake for a good one.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

logger = logging.getLogger(__name__)

DATA_DIR_ENV = "MOVIEREC_DATA_DIR"
_CHUNK_BYTES = 1 << 16
_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ReleaseArchive:
    """Where a MovieLens release is published and what its zip must look like."""

    url: str
    size: int
    """Exact size of the zip in bytes."""
    sha256: str
    """Hex SHA-256 of the zip, from GroupLens' checksum files."""
    folder: str
    """Name of the top-level folder inside the zip, e.g. ``ml-100k``."""


_GROUPLENS = "https://files.grouplens.org/datasets/movielens/"
RELEASES: dict[str, ReleaseArchive] = {
    "100k": ReleaseArchive(_GROUPLENS + "ml-100k.zip", 4924029,
                           "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229", "ml-100k"),
    "1m": ReleaseArchive(_GROUPLENS + "ml-1m.zip", 5917549,
                         "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20", "ml-1m"),
    "latest-small": ReleaseArchive(_GROUPLENS + "ml-latest-small.zip", 978202,
                                   "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
                                   "ml-latest-small"),
    "20m": ReleaseArchive(_GROUPLENS + "ml-20m.zip", 198702078,
                          "96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3", "ml-20m"),
    "25m": ReleaseArchive(_GROUPLENS + "ml-25m.zip", 261978986,
                          "8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa", "ml-25m"),
}

Opener = Callable[..., Any]
"""``urllib.request.urlopen``-compatible: ``opener(url, timeout=...)`` returns a readable response."""


class DataDownloadError(RuntimeError):
    """The archive could not be fetched or did not verify; says how to use local files instead."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem}. To use MovieLens files you already have, set {DATA_DIR_ENV} to the "
                         f"folder holding them (e.g. {DATA_DIR_ENV}=/path/to/ml-100k).")


def fetch_movielens(release: str = "100k", cache_dir: Path | None = None, *,
                    archive: ReleaseArchive | None = None, opener: Opener = urllib.request.urlopen,
                    show_progress: bool = True) -> Path:
    """Return the extracted folder of ``release``, downloading and verifying it first if needed.

    ``archive`` replaces the published entry of :data:`RELEASES` (a mirror, or a local test server);
    ``opener`` replaces ``urllib.request.urlopen``. Raises :class:`DataDownloadError` on any network,
    size, checksum or archive problem, leaving nothing half-written in the cache.
    """
    if archive is None:
        if release not in RELEASES:
            raise ValueError(f"unknown MovieLens release {release!r}; choose one of {', '.join(RELEASES)}")
        archive = RELEASES[release]
    cache = (cache_dir or default_cache_dir()).expanduser()
    cache.mkdir(parents=True, exist_ok=True)
    zip_path = cache / f"{archive.folder}.zip"
    extracted = cache / archive.folder

    if zip_path.exists() and _verify(zip_path, archive) is None:
        logger.info("using the cached MovieLens %s archive in %s", release, cache)
    else:
        if zip_path.exists():
            logger.warning("cached %s does not match the published checksum; downloading it again", zip_path)
            zip_path.unlink()
            shutil.rmtree(extracted, ignore_errors=True)
        _download(archive, zip_path, opener, show_progress)
        logger.info("downloaded MovieLens %s into the cache %s", release, cache)
    if not _fully_extracted(zip_path, extracted, archive.folder):
        shutil.rmtree(extracted, ignore_errors=True)  # a file was deleted or changed since: extract afresh
        _extract(zip_path, archive.folder, cache)
    return extracted


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/movierec``, else ``~/.cache/movierec`` (the freedesktop convention)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "movierec"


def _fully_extracted(zip_path: Path, extracted: Path, folder: str) -> bool:
    """Every file of the verified archive is in ``extracted`` with its size (a cheap check, no hashing)."""
    if not extracted.is_dir():
        return False
    with zipfile.ZipFile(zip_path) as bundle:
        return all((file := extracted.parent / member.filename).is_file() and file.stat().st_size == member.file_size
                   for member in bundle.infolist()
                   if not member.is_dir() and member.filename.startswith(f"{folder}/"))


def _download(archive: ReleaseArchive, zip_path: Path, opener: Opener, show_progress: bool) -> None:
    """Stream the archive into a temp file beside ``zip_path``; rename it only once it verifies."""
    handle, temp_name = tempfile.mkstemp(dir=zip_path.parent, prefix=zip_path.name, suffix=".part")
    temp_path = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                with opener(archive.url, timeout=_TIMEOUT_S) as response:
                    _copy_with_progress(response, out, archive, show_progress)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
                reason = f"HTTP {error.code} {error.reason}" if isinstance(error, urllib.error.HTTPError) \
                    else getattr(error, "reason", error)
                raise DataDownloadError(f"could not download {archive.url}: {reason}") from error
        problem = _verify(temp_path, archive)
        if problem is not None:
            raise DataDownloadError(f"the download of {archive.url} is corrupt or was tampered with ({problem})")
        temp_path.replace(zip_path)
    finally:
        temp_path.unlink(missing_ok=True)


def _copy_with_progress(response: IO[bytes], out: IO[bytes], archive: ReleaseArchive, show_progress: bool) -> None:
    """Copy in chunks so a 260 MB archive never sits in memory, with a progress bar for the user."""
    with tqdm(total=archive.size, unit="B", unit_scale=True, desc=Path(archive.url).name,
              disable=not show_progress) as bar:
        copied = 0
        while chunk := response.read(_CHUNK_BYTES):
            out.write(chunk)
            copied += len(chunk)
            bar.update(len(chunk))
            if copied > archive.size:
                # Stop early: a response larger than the archive can never verify.
                return


def _verify(path: Path, archive: ReleaseArchive) -> str | None:
    """None when ``path`` has the published size and SHA-256, else what is wrong."""
    size = path.stat().st_size
    if size != archive.size:
        return f"{size} bytes instead of {archive.size}"
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != archive.sha256.lower():
        return f"SHA-256 {digest.hexdigest()} instead of {archive.sha256}"
    return None


def _extract(zip_path: Path, folder: str, cache: Path) -> None:
    """Unzip into a temp folder and move the release folder into place, so extraction is all-or-nothing."""
    with tempfile.TemporaryDirectory(dir=cache, prefix=f".{folder}-") as staging:
        staging_path = Path(staging).resolve()
        try:
            with zipfile.ZipFile(zip_path) as bundle:
                for member in bundle.namelist():
                    # Never write outside the staging folder, whatever names the zip holds.
                    if not (staging_path / member).resolve().is_relative_to(staging_path):
                        raise DataDownloadError(f"{zip_path} holds an unsafe path {member!r}")
                bundle.extractall(staging_path)
        except zipfile.BadZipFile as error:
            raise DataDownloadError(f"{zip_path} is not a readable zip archive ({error})") from error
        if not (staging_path / folder).is_dir():
            raise DataDownloadError(f"{zip_path} has no top-level folder {folder!r}")
        try:
            (staging_path / folder).rename(cache / folder)
        except OSError:
            if not (cache / folder).is_dir():
                raise
            # Another process extracted the same verified archive first; its copy is as good as ours.
            logger.info("%s was extracted by another process meanwhile; using it", cache / folder)
