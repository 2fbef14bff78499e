"""numba's cache of compiled functions must never stop movierec from importing (``movierec/numba_cache.py``).

The failure needs a source folder and a home that cannot be written. File permissions do not stop root,
and the tests run as root, so both are blocked the way they block root too: a regular file where numba
would create its ``__pycache__`` folder, and a home below a regular file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import movierec

# Imports a module with an @njit(cache=True) function, runs it (compiling and caching it), and says where
# numba cached it.
CODE = """
import os
import numpy as np
from movierec.serving import explain
explain.main_contributors(np.ones((2, 3), np.float32), np.ones(2, np.bool_), 0.2, 2.0, 2)
print(os.environ["NUMBA_CACHE_DIR"])
"""


def _run(tmp_path: Path, home: Path, package_parent: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run CODE with this home; from ``package_parent``'s copy of movierec when given (never the checkout's:
    the working folder is tmp_path, and ``python -c`` imports from its working folder first)."""
    env = {key: value for key, value in os.environ.items() if key not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME")}
    env.update(HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
    if package_parent is not None:
        env["PYTHONPATH"] = str(package_parent)
    return subprocess.run([sys.executable, "-c", CODE], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)


def test_a_read_only_install_without_a_writable_home_still_imports(tmp_path: Path) -> None:
    install = tmp_path / "install"
    shutil.copytree(Path(movierec.__file__).parent, install / "movierec",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for package in ("serving", "models"):  # the folders of the @njit(cache=True) functions
        (install / "movierec" / package / "__pycache__").write_text("not a folder")
    (tmp_path / "a-file").write_text("not a folder")

    result = _run(tmp_path, tmp_path / "a-file" / "home", install)

    assert result.returncode == 0, result.stderr[-2000:]
    cache = Path(result.stdout.split()[-1])
    assert cache.parent == Path(tempfile.gettempdir()) and cache.name.startswith("movierec-numba-")
    assert not cache.exists()  # the private temporary folder is removed at exit


def test_the_cache_lives_in_the_users_cache_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()

    result = _run(tmp_path, home)

    assert result.returncode == 0, result.stderr[-2000:]
    cache = home / ".cache" / "movierec" / "numba"
    assert result.stdout.split()[-1] == str(cache)
    assert list(cache.rglob("explain.main_contributors-*.nbi"))  # compiled once, reused by the next start
