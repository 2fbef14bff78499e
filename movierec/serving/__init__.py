"""The serving API the bot and the benchmarks call (and nothing else)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from movierec.artifacts import ArtifactsUnavailable
from movierec.serving.catalog import Catalog, MovieInfo
from movierec.serving.recommender import Recommendation, Recommender

logger = logging.getLogger(__name__)

__all__ = ["ArtifactsUnavailable", "Catalog", "MovieInfo", "Recommendation", "Recommender",
           "load_recommender"]


def load_recommender(artifacts_dir: Path | str, data_dir: Path | str | None) -> Recommender:
    """The newest trained models, or — with a warning — the non-personal fallback built from the data."""
    try:
        return Recommender.load(artifacts_dir)
    except ArtifactsUnavailable as error:
        logger.warning("serving non-personal picks only: %s", error)
    from movierec.data.loaders import load_movielens, resolve_data_source

    movielens: Any = load_movielens(resolve_data_source(None if data_dir is None else str(data_dir)))
    return Recommender.fallback(movielens)
