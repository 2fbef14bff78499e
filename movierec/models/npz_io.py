"""Pickle-free persistence shared by the NumPy models: a config JSON plus one ``np.savez`` file.

Artifacts are loaded by the serving process, so they must never execute code when read: JSON for
settings and ``allow_pickle=False`` arrays for weights.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

CONFIG_FILE = "config.json"
ARRAYS_FILE = "arrays.npz"

Config = TypeVar("Config")


@dataclass(frozen=True)
class StoredModel(Generic[Config]):
    """What :func:`load_model_files` read back: the model's config, its saved numbers and its arrays."""

    config: Config
    numbers: dict[str, float]
    arrays: dict[str, np.ndarray]


def save_model_files(path: Path, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write ``config`` as JSON and ``arrays`` as an uncompressed npz under ``path`` (created)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")
    np.savez(path / ARRAYS_FILE, **arrays)


def load_model_files(path: Path, config_class: type[Config], expected_arrays: tuple[str, ...],
                     expected_numbers: tuple[str, ...] = ()) -> StoredModel[Config]:
    """Read what :func:`save_model_files` wrote; ``ValueError`` names what is missing or unreadable.

    The JSON holds the config's fields under ``"config"`` and each of ``expected_numbers`` at its top level.
    """
    try:
        stored = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
        with np.load(path / ARRAYS_FILE, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is not a saved model folder: {error}") from error
    missing = [name for name in expected_arrays if name not in arrays]
    if missing:
        raise ValueError(f"{path / ARRAYS_FILE} lacks arrays {missing}")
    try:
        config = config_class(**stored["config"])
        numbers = {name: float(stored[name]) for name in expected_numbers}
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path / CONFIG_FILE} holds an unreadable {config_class.__name__}: {error!r}") from error
    return StoredModel(config, numbers, arrays)
