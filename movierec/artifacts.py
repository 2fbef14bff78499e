"""Versioned, atomically switched folders of trained models.

Layout under the artifacts root (``MOVIEREC_ARTIFACTS_DIR``, default ``artifacts/``)::

    artifacts/
      LATEST                     <- name of the version being served (replaced atomically)
      20261128T181500Z-1a2b3c/   <- one complete version: manifest.json, catalog.json, one folder per model
      .building-…/               <- a version being written; never read

A version is written into a hidden temporary folder and renamed into place only when complete, and
``LATEST`` is switched with ``os.replace``. A crash while training therefore leaves the served model
untouched, and a bot that reloads mid-training only ever sees complete versions.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
LATEST_FILE = "LATEST"
# Bumped whenever the manifest or folder layout changes incompatibly; older versions are refused.
FORMAT_VERSION = 1


class ArtifactsUnavailable(RuntimeError):
    """No usable trained version: missing, incomplete, or written by an incompatible release."""


def new_version_name(now: datetime | None = None) -> str:
    """A sortable, unique version name such as ``20261128T181500Z-1a2b3c``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class StagedVersion:
    """A version being written: its final name and the hidden folder to write into."""

    version: str
    folder: Path


@contextmanager
def building_version(root: Path, manifest: dict[str, Any]) -> Iterator[StagedVersion]:
    """Yield a temporary folder to write a version into; publish it only if the block succeeds.

    ``manifest`` is written last, with ``version`` and ``format`` filled in, so a folder without a
    manifest is never a complete version.
    """
    root.mkdir(parents=True, exist_ok=True)
    version = new_version_name()
    staging = root / f".building-{version}"
    staging.mkdir()
    try:
        yield StagedVersion(version, staging)
        manifest = {**manifest, "version": version, "format": FORMAT_VERSION,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        final = root / version
        os.replace(staging, final)
        _point_latest_at(root, version)
        logger.info("published model version %s in %s", version, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _point_latest_at(root: Path, version: str) -> None:
    tmp = root / f".{LATEST_FILE}.{uuid.uuid4().hex}"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, root / LATEST_FILE)


def latest_version_dir(root: Path) -> Path:
    """The folder of the version to serve: the one ``LATEST`` names, else the newest complete one."""
    if not root.is_dir():
        raise ArtifactsUnavailable(f"no trained models: {root} does not exist (run `make train`)")
    latest = root / LATEST_FILE
    if latest.is_file():
        name = latest.read_text(encoding="utf-8").strip()
        # LATEST may only name a direct child: a crafted "../elsewhere" must not redirect loading.
        if name and "/" not in name and "\\" not in name and not name.startswith("."):
            candidate = root / name
            if (candidate / MANIFEST_FILE).is_file():
                return candidate
        logger.warning("%s names %r, which is not a complete version; using the newest one", latest, name)
    complete = sorted(p for p in root.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST_FILE).is_file())
    if not complete:
        raise ArtifactsUnavailable(f"no complete trained version in {root} (run `make train`)")
    return complete[-1]


def read_manifest(version_dir: Path) -> dict[str, Any]:
    """The manifest of a version folder; ArtifactsUnavailable when unreadable or incompatible."""
    try:
        manifest = json.loads((version_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ArtifactsUnavailable(f"unreadable manifest in {version_dir}: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise ArtifactsUnavailable(
            f"{version_dir} was written in artifact format {manifest.get('format') if isinstance(manifest, dict) else '?'}"
            f", this release reads format {FORMAT_VERSION}: retrain with `make train`")
    return manifest
