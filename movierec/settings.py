"""Settings shared by the bot and the offline jobs (train, EDA, tuning, benchmarks), read once in ``main()``.

Each value comes from the environment, falling back to an optional ``.env`` file: real environment
variables win, so a deployment can override a checked-out ``.env`` without editing it. The bot and the
scripts read the file the same way, so they agree on where the data and the trained models are.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_ARTIFACTS_DIR = Path("artifacts")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting is present but unusable; the message names the variable and what is expected."""


def environment_values(environ: Mapping[str, str] | None = None,
                       env_file: Path | None = Path(".env")) -> dict[str, str]:
    """Non-blank settings from ``environ`` (default ``os.environ``) over those of ``env_file``, stripped."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return {name: value.strip() for name, value in values.items() if value.strip()}


def log_level(text: str) -> str:
    """``"debug"`` -> ``"DEBUG"``; an unknown level is an error naming LOG_LEVEL."""
    level = text.upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {text!r}")
    return level


@dataclass(frozen=True)
class DataSettings:
    """Where the data and the trained models are (see ``.env.example`` for each variable).

    ``data_dir``: a MovieLens release folder or zip (MOVIEREC_DATA_DIR); None downloads ML-100k.
    ``artifacts_dir``: where trained model versions are published (MOVIEREC_ARTIFACTS_DIR).
    ``metadata_dir``: a folder holding Kaggle's ``movies_metadata.csv`` and ``credits.csv``
    (MOVIEREC_METADATA_DIR); when set, the catalog is enriched with cast and director.
    ``log_level``: LOG_LEVEL.
    """

    data_dir: Path | None = None
    artifacts_dir: Path = DEFAULT_ARTIFACTS_DIR
    metadata_dir: Path | None = None
    log_level: str = "INFO"

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> DataSettings:
        """From already merged values (see :func:`environment_values`)."""
        data_dir, metadata_dir = values.get("MOVIEREC_DATA_DIR"), values.get("MOVIEREC_METADATA_DIR")
        return cls(data_dir=Path(data_dir).expanduser() if data_dir else None,
                   artifacts_dir=Path(values.get("MOVIEREC_ARTIFACTS_DIR") or DEFAULT_ARTIFACTS_DIR).expanduser(),
                   metadata_dir=Path(metadata_dir).expanduser() if metadata_dir else None,
                   log_level=log_level(values.get("LOG_LEVEL") or "INFO"))

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None,
                         env_file: Path | None = Path(".env")) -> DataSettings:
        """From the environment and ``.env``."""
        return cls.from_values(environment_values(environ, env_file))


def add_data_arguments(parser: argparse.ArgumentParser, *, artifacts: bool = False) -> None:
    """The command-line overrides every offline job offers (each defaults to its variable, then ``.env``)."""
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="a MovieLens release folder or zip (default: $MOVIEREC_DATA_DIR, else download ML-100k)")
    parser.add_argument("--metadata-dir", type=Path, default=None,
                        help="a folder with Kaggle's movies_metadata.csv and credits.csv, to add cast and director "
                             "(default: $MOVIEREC_METADATA_DIR; none: no enrichment)")
    if artifacts:
        parser.add_argument("--artifacts-dir", type=Path, default=None,
                            help="where trained versions are published (default: $MOVIEREC_ARTIFACTS_DIR or artifacts/)")
    parser.add_argument("--log-level", default=None, help=f"one of {', '.join(LOG_LEVELS)} (default: $LOG_LEVEL or INFO)")


def settings_from_arguments(args: argparse.Namespace, environ: Mapping[str, str] | None = None,
                            env_file: Path | None = Path(".env")) -> DataSettings:
    """The environment's settings, with whatever :func:`add_data_arguments`' options the command line gave."""
    settings = DataSettings.from_environment(environ, env_file)
    given = {name: value for name in ("data_dir", "metadata_dir", "artifacts_dir", "log_level")
             if (value := getattr(args, name, None)) is not None}
    if "log_level" in given:
        given["log_level"] = log_level(given["log_level"])
    return dataclasses.replace(settings, **given)


def start_job(args: argparse.Namespace) -> DataSettings:
    """An offline job's settings (see :func:`settings_from_arguments`), with logging set up at their level.

    A bad setting ends the job with one line naming it and exit status 2, as argparse does for bad options.
    """
    try:
        settings = settings_from_arguments(args)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return settings
