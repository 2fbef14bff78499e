"""Uniform access to the files of one MovieLens release, in a folder or inside its zip.

Reading straight from ``ml-*.zip`` means a user can point MOVIEREC_DATA_DIR at the archive they
downloaded without unpacking it; every error names the file (``archive.zip!ml-100k/u.item``) so the
user knows which one to fix.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

logger = logging.getLogger(__name__)

LATIN_1 = "ISO-8859-1"


class DataFormatError(ValueError):
    """A MovieLens file is missing, malformed or inconsistent; the message names file and line."""


class ReleaseFiles:
    """The files of one release, whether they sit in a folder or inside a zip (read without extracting)."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if source.is_dir():
            self.names = {path.name for path in source.iterdir() if path.is_file()}
        elif source.is_file() and zipfile.is_zipfile(source):
            self._zip = zipfile.ZipFile(source)
            members = [PurePosixPath(name) for name in self._zip.namelist() if not name.endswith("/")]
            markers = [m for m in members if m.name in ("u.data", "ratings.dat", "ratings.csv")]
            folder = markers[0].parent if markers else PurePosixPath("")
            self._prefix = "" if str(folder) == "." else f"{folder}/"
            self.names = {m.name for m in members if m.parent == folder}
        else:
            raise DataFormatError(f"{source} is neither a MovieLens folder nor a zip archive")

    @property
    def folder_name(self) -> str:
        """Name of the release folder ("ml-25m"), used to tell the CSV releases apart."""
        return PurePosixPath(self._prefix).name if self._prefix else self.source.stem

    def label(self, name: str) -> str:
        """How to name a file in an error message."""
        return f"{self.source}!{self._prefix}{name}" if self._zip else str(self.source / name)

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        """Binary stream of one file of the release."""
        if name not in self.names:
            raise DataFormatError(f"{self.label(name)} is missing")
        if self._zip is not None:
            try:
                with self._zip.open(self._prefix + name) as stream:
                    yield stream
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                # Raised while the caller reads (a bad CRC or a damaged deflate stream), hence caught here.
                raise DataFormatError(f"{self.label(name)} is damaged inside the archive ({error}); "
                                      "download the archive again") from error
        else:
            with (self.source / name).open("rb") as stream:
                yield stream

    def read_text(self, name: str, encoding: str) -> str:
        """A small text file decoded; a UTF-8 file where Latin-1 is expected is accepted with a warning."""
        with self.open(name) as stream:
            raw = stream.read()
        if encoding == LATIN_1 and not raw.isascii():
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return raw.decode(LATIN_1)
            logger.warning("%s is UTF-8 rather than the published ISO-8859-1; reading it as UTF-8", self.label(name))
            return text
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as error:
            line = raw[:error.start].count(b"\n") + 1
            raise DataFormatError(f"{self.label(name)} line {line}: bytes that are not {encoding} "
                                  f"({raw[error.start:error.start + 4]!r})") from error

    def close(self) -> None:
        """Release the zip handle (a folder holds nothing open)."""
        if self._zip is not None:
            self._zip.close()
