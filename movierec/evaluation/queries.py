"""Shared plumbing of the protocols: turning rating frames into queries and timing model fits.

Kept apart from the protocols so that each protocol reads as its definition (split, query, metric)
and the three cannot drift apart in how they build a user's history or time a fit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.models.base import ItemScorer, UserQuery

logger = logging.getLogger(__name__)

ModelFactory = Callable[[], Any]
"""Builds a fresh, untrained model; protocols train one per split."""

DEMOGRAPHIC_COLUMNS = (
    schema.USER_GENDER, schema.RAW_USER_AGE, schema.BUCKETIZED_USER_AGE,
    schema.USER_OCCUPATION_LABEL, schema.USER_OCCUPATION_TEXT, schema.USER_ZIP_CODE,
)

SCORING_BATCH = 256
"""Queries scored at once: bounds the [batch, catalog] score matrix (ML-1M: 256 x 3.7k floats)."""


def histories_by_user(ratings: pd.DataFrame) -> dict[int, dict[int, float]]:
    """user_id -> {movie_id: stars} for every user in ``ratings``."""
    histories: dict[int, dict[int, float]] = {}
    for user_id, group in ratings.groupby(schema.USER_ID, sort=False):
        histories[int(user_id)] = dict(zip(group[schema.MOVIE_ID].astype(int).tolist(),
                                           group[schema.USER_RATING].astype(float).tolist()))
    return histories


def user_features(ratings: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """user_id -> demographics (the schema columns the frame has), for users seen in training."""
    columns = [column for column in DEMOGRAPHIC_COLUMNS if column in ratings.columns]
    if not columns:
        return {}
    first = ratings.groupby(schema.USER_ID, sort=False)[columns].first()
    return {int(user_id): row for user_id, row in zip(first.index, first.to_dict(orient="records"))}


def is_item_scorer(model: Any) -> bool:
    """Whether ``model`` implements :class:`ItemScorer`, judged on its class.

    ``isinstance`` against a runtime protocol reads every member, and an untrained model may
    refuse to answer ``movie_ids``; the class says the same without asking."""
    return all(hasattr(type(model), member) for member in ("fit", "score_items", "movie_ids"))


def is_rating_predictor(model: Any) -> bool:
    """Whether ``model`` implements :class:`RatingPredictor`, judged on its class (see is_item_scorer)."""
    return all(hasattr(type(model), member) for member in ("fit", "predict_ratings"))


def build(factory: ModelFactory) -> Any:
    """A fresh untrained model, refused unless it plays a role the protocols can judge."""
    model = factory()
    if not (is_item_scorer(model) or is_rating_predictor(model)):
        raise ValueError(f"{type(model).__name__} is neither an ItemScorer nor a RatingPredictor")
    return model


def fit_timed(model: Any, train: pd.DataFrame, movies: pd.DataFrame) -> float:
    """Fit ``model`` on ``train``; the wall-clock seconds the fit took."""
    started = time.perf_counter()
    model.fit(train, movies)
    return time.perf_counter() - started


def fitted_models(models: Mapping[str, ModelFactory], train: pd.DataFrame, movies: pd.DataFrame, *,
                  wanted: Callable[[Any], bool] = lambda model: True) -> Iterator[tuple[str, Any, dict[str, float]]]:
    """(name, model fitted on ``train``, its timing) for each model ``wanted`` accepts, in order.

    A pipeline (a model with ``stage_names``, role -> registry name) is handed the fitted models of
    the rows here with those names instead of training its stages again, so it is measured on exactly
    the models its parts were. Its timing: ``train_seconds``, its stages' fits included, and
    ``reused_train_seconds``, the part the rows it reused had already spent. Stages with no row here
    it trains itself."""
    built: dict[str, Any] = {}
    timings: dict[str, dict[str, float]] = {}

    def model_of(name: str) -> Any:
        if name not in built:
            built[name] = build(models[name])
        return built[name]

    def fit(name: str) -> dict[str, float]:
        if name not in timings:
            model, reused = model_of(name), 0.0
            for role, stage in getattr(model, "stage_names", {}).items():
                if stage in models and wanted(model_of(stage)):
                    reused += fit(stage)["train_seconds"]
                    model.use_fitted_stage(role, built[stage])
            timings[name] = {"train_seconds": reused + fit_timed(model, train, movies)}
            if reused:
                timings[name]["reused_train_seconds"] = reused
        return timings[name]

    for name in models:
        if wanted(model_of(name)):
            yield name, built[name], fit(name)
        else:
            logger.info("%s plays no role this protocol judges: no row", name)


def column_lookup(movie_ids: np.ndarray) -> dict[int, int]:
    """movie_id -> column of a model's score matrix."""
    return {int(movie_id): column for column, movie_id in enumerate(movie_ids)}


def columns_of(movie_ids: Sequence[int], lookup: Mapping[int, int]) -> list[int]:
    """Columns of the movies the model knows; unknown movies cannot be scored and are dropped."""
    return [lookup[movie_id] for movie_id in movie_ids if movie_id in lookup]


def scored_batches(model: ItemScorer, queries: Sequence[UserQuery]) -> Iterator[tuple[int, np.ndarray]]:
    """(first query index, scores [batch, catalog]) over ``queries`` in :data:`SCORING_BATCH` chunks."""
    for start in range(0, len(queries), SCORING_BATCH):
        yield start, np.asarray(model.score_items(queries[start:start + SCORING_BATCH]), dtype=np.float64)


def history_mask(queries: Sequence[UserQuery], lookup: Mapping[int, int]) -> np.ndarray:
    """bool [len(queries), catalog]: True where the movie is in that query's history."""
    mask = np.zeros((len(queries), len(lookup)), dtype=bool)
    for row, query in enumerate(queries):
        mask[row, columns_of(list(query.history), lookup)] = True
    return mask
