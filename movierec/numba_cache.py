"""A folder numba can always write its cache of compiled functions to.

Every ``@numba.njit(cache=True)`` picks its cache folder when the function is defined, that is at import:
next to the source file, else under ``~/.cache``. With neither writable (a read-only install run by a
user without a writable home, as in many containers) the import fails with "cannot cache function …:
no locator available". ``movierec/__init__.py`` therefore points ``NUMBA_CACHE_DIR`` here before anything
imports numba, which reads the variable once.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def writable_cache_dir() -> str:
    """``~/.cache/movierec/numba``; when that cannot be written, a private temporary folder removed at exit
    (compiled functions are then rebuilt at each start, a second or two)."""
    try:
        folder = Path.home() / ".cache" / "movierec" / "numba"
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return str(folder)
    except (OSError, RuntimeError):  # RuntimeError: no home directory at all
        pass
    folder = tempfile.mkdtemp(prefix="movierec-numba-")  # private (0700): numba's cache files are pickles
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
