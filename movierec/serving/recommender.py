"""The serving API: the one object the bot and the benchmarks talk to.

Two stages, as in TensorFlow Recommenders: a retrieval model scores the whole catalog and keeps the
best ~100 candidates; a ranking model predicts the stars of those candidates, and the final order
blends the two. Everything the caller passes is validated here, so a model never sees an unknown id
or an impossible rating, and merged duplicate movies can never appear twice.

Without trained models (first start, broken artifacts) the same object serves a non-personal list:
well-rated popular movies by a Bayesian average, flagged ``personal=False``.
"""

from __future__ import annotations

import importlib
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from movierec.artifacts import ArtifactsUnavailable, latest_version_dir, read_manifest
from movierec.models.base import (MAX_STARS, MIN_STARS, EmbeddingModel, ItemScorer, RatingPredictor, UserQuery,
                                  clip_stars)
from movierec.models.two_stage import TwoStageConfig, blend
from movierec.serving.catalog import Catalog, MovieInfo
from movierec.serving.explain import Explainer
from movierec.serving.groups import MovieGroup, movie_groups

logger = logging.getLogger(__name__)

FALLBACK_VERSION = "fallback"
LIKED_STARS = 3.5
"""A movie of a liked onboarding group counts as this rating: a weak positive, below a real 4 or 5."""


@dataclass(frozen=True)
class Recommendation:
    """One pick, ready to show."""

    movie_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    score: float
    """What the list is ordered by: the retrieval score, or the z-scored blend when ranking is blended in."""
    predicted_rating: float | None
    reason: str
    personal: bool


def _serving_config(values: Any) -> TwoStageConfig:
    """The blend settings a version was published with (defaults for anything missing)."""
    if not isinstance(values, Mapping):
        raise ArtifactsUnavailable("the manifest's serving settings are not a mapping")
    known = {f.name for f in fields(TwoStageConfig)}
    try:
        return TwoStageConfig(**{k: v for k, v in values.items() if k in known})
    except TypeError as error:
        raise ArtifactsUnavailable(f"unreadable serving settings: {error}") from error


def _load_model(spec: Mapping[str, Any], version_dir: Path) -> Any:
    """Rebuild a model from its manifest entry; only classes under ``movierec.models`` are accepted."""
    class_path = str(spec.get("class", ""))
    module_name, _, class_name = class_path.partition(":")
    if not module_name.startswith("movierec.models.") or not class_name.isidentifier():
        raise ArtifactsUnavailable(f"refusing to load model class {class_path!r}")
    folder = (version_dir / str(spec.get("folder", ""))).resolve()
    if version_dir.resolve() not in folder.parents:
        raise ArtifactsUnavailable(f"model folder {spec.get('folder')!r} lies outside {version_dir}")
    try:
        model_class = getattr(importlib.import_module(module_name), class_name)
        return model_class.load(folder)
    except ArtifactsUnavailable:
        raise
    except Exception as error:  # any failure to rebuild means "this version is unusable"
        raise ArtifactsUnavailable(f"cannot load {class_path} from {folder}: {error}") from error


class Recommender:
    """Personal picks, rating predictions and similar movies over one catalog."""

    def __init__(self, catalog: Catalog, *, retrieval: ItemScorer | None = None,
                 ranking: RatingPredictor | None = None, version: str = FALLBACK_VERSION,
                 config: TwoStageConfig | None = None) -> None:
        self._catalog = catalog
        self.retrieval = retrieval
        self.ranking = ranking
        self.version = version
        self.config = config or TwoStageConfig()
        self._retrieval_rows = catalog.rows(retrieval.movie_ids) if retrieval is not None else None
        embeddings = retrieval.movie_embeddings() if isinstance(retrieval, EmbeddingModel) else None
        self._explainer = Explainer(catalog, embeddings, self._retrieval_rows)
        self._groups: dict[int, list[MovieGroup]] = {}

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def load(cls, artifacts_dir: Path | str) -> Recommender:
        """The newest complete trained version; ArtifactsUnavailable when there is none usable."""
        version_dir = latest_version_dir(Path(artifacts_dir))
        manifest = read_manifest(version_dir)
        try:
            catalog = Catalog.load(version_dir)
        except (OSError, ValueError, KeyError) as error:
            raise ArtifactsUnavailable(f"unreadable catalog in {version_dir}: {error}") from error
        models = manifest.get("models", {})
        if "retrieval" not in models:
            raise ArtifactsUnavailable(f"{version_dir} has no retrieval model")
        retrieval = _load_model(models["retrieval"], version_dir)
        ranking = _load_model(models["ranking"], version_dir) if "ranking" in models else None
        logger.info("loaded model version %s from %s", manifest["version"], version_dir)
        return cls(catalog, retrieval=retrieval, ranking=ranking, version=str(manifest["version"]),
                   config=_serving_config(manifest.get("serving", {})))

    @classmethod
    def fallback(cls, movielens: Any) -> Recommender:
        """A non-personal recommender built from the data alone (no trained models)."""
        return cls(Catalog(movielens.movies, movielens.merged_ids))

    # ---- facts --------------------------------------------------------------------------------
    @property
    def is_fallback(self) -> bool:
        return self.retrieval is None

    @property
    def catalog(self):  # -> pd.DataFrame
        """The movies frame (schema columns) of every movie that can be recommended."""
        return self._catalog.movies

    def canonical_movie_id(self, movie_id: int) -> int | None:
        return self._catalog.canonical_movie_id(movie_id)

    def movie(self, movie_id: int) -> MovieInfo:
        """Details of a movie; ValueError when the id is unknown."""
        return self._catalog.movie(self._require_movie(movie_id))

    # ---- the API ------------------------------------------------------------------------------
    def recommend(self, ratings: Mapping[int, float], k: int = 10, *, genres: Iterable[str] | None = None,
                  exclude: Iterable[int] = (), liked: Iterable[int] = ()) -> list[Recommendation]:
        """Top ``k`` movies for someone with these ratings; never a rated, excluded or duplicate movie.

        ``liked`` movies (from liked onboarding groups) join the history as weak positives, so a
        newcomer's picks are personal before their first rating; a real rating of one overrides it.
        """
        history, seeds = self._history_with_liked(ratings, liked)
        k = self._validated_k(k)
        allowed = self._catalog.genre_mask(genres)
        blocked = list(history) + [m for m in (self.canonical_movie_id(e) for e in exclude) if m is not None]
        if blocked:
            allowed[self._catalog.rows(blocked)] = False
        if not history or self.retrieval is None:
            return self._popular(allowed, k)
        return self._personal(history, allowed, k, liked=seeds)

    def reason(self, ratings: Mapping[int, float], movie_id: int, liked: Iterable[int] = ()) -> str | None:
        """Why ``movie_id`` suits someone with these ratings and liked-group movies, as a pick's reason
        would say it; None when there is nothing to go on yet."""
        history, seeds = self._history_with_liked(ratings, liked)
        if not history:
            return None
        rows = np.array([self._catalog.row(self._require_movie(movie_id))])
        return self._explainer.reasons(history, rows, liked=seeds)[0]

    def movie_groups(self, k: int = 6) -> list[MovieGroup]:
        """Up to ``k`` taste groups of well-known movies for onboarding (computed once per model)."""
        k = self._validated_k(k)
        if k not in self._groups:
            self._groups[k] = movie_groups(self._catalog, self._explainer.unit_embeddings, k)
        return self._groups[k]

    def predict_ratings(self, ratings: Mapping[int, float], movie_ids: Sequence[int]) -> list[float]:
        """Predicted stars (0.5..5) for each movie id, given the user's ratings."""
        history = self._validated_history(ratings)
        canonical = [self._require_movie(m) for m in movie_ids]
        if not canonical:
            return []
        if self.ranking is None or not history:
            return [float(x) for x in self._baseline_predictions(history, canonical)]
        predicted = self.ranking.predict_ratings([UserQuery(history=history)], [canonical])[0]
        return [float(x) for x in clip_stars(predicted)]

    def similar(self, movie_id: int, k: int = 10) -> list[Recommendation]:
        """Movies most like ``movie_id`` (by the model's movie embeddings, or by genre without a model)."""
        anchor = self._require_movie(movie_id)
        k = self._validated_k(k)
        scores = self._explainer.similarity_to(anchor)
        scores[self._catalog.row(anchor)] = -np.inf
        rows = _top_rows(scores, k)
        anchor_title = self._catalog.movie(anchor).display_title
        return [self._recommendation(row, float(scores[row]), None, f"similar to {anchor_title}", personal=False)
                for row in rows]

    def onboarding_movies(self, k: int = 5, exclude: Iterable[int] = ()) -> list[Recommendation]:
        """Well-known movies of varied genres, for a newcomer's first ratings."""
        excluded = {m for m in (self.canonical_movie_id(e) for e in exclude) if m is not None}
        counts = self._catalog.movies["rating_count"].to_numpy()
        order = np.argsort(-counts, kind="stable")[: max(60, 6 * k)]
        chosen: list[int] = []
        covered: set[str] = set()
        pool = [int(r) for r in order if int(self._catalog.movie_ids[r]) not in excluded]
        while pool and len(chosen) < k:
            # most new genres first, then the better-known film
            row = max(pool, key=lambda r: (len(self._catalog.genre_sets[r] - covered), counts[r]))
            pool.remove(row)
            chosen.append(row)
            covered |= self._catalog.genre_sets[row]
        return [self._recommendation(row, float(counts[row]), None, "one of the most rated movies", personal=False)
                for row in chosen]

    # ---- internals ----------------------------------------------------------------------------
    def _popular(self, allowed: np.ndarray, k: int) -> list[Recommendation]:
        scores = np.where(allowed, self._catalog.bayesian_mean, -np.inf)
        rows = _top_rows(scores, k)
        infos = [self._catalog.movie(int(self._catalog.movie_ids[row])) for row in rows]
        return [self._recommendation(
            row, float(scores[row]), None,
            f"popular and well rated: ★{info.rating_mean:.1f} average from {info.rating_count} ratings",
            personal=False) for row, info in zip(rows, infos, strict=True)]

    def _personal(self, history: dict[int, float], allowed: np.ndarray, k: int,
                  liked: Iterable[int] = ()) -> list[Recommendation]:
        query = UserQuery(history=history)
        retrieval_scores = np.full(len(self._catalog), -np.inf, dtype=np.float64)
        retrieval_scores[self._retrieval_rows] = self.retrieval.score_items([query])[0]
        retrieval_scores[~allowed] = -np.inf
        candidates = _top_rows(retrieval_scores, max(k, self.config.candidates))
        if not candidates.size:
            return []
        blended = self.ranking is not None and self.config.rating_weight != 0
        # without a blend the order is retrieval's, so only the k shown picks need their stars predicted
        predicted = self._predicted_stars(query, candidates if blended else candidates[:k])
        if blended:
            final = blend(retrieval_scores[candidates], predicted, self.config.rating_weight)
            order = np.argsort(-final, kind="stable")[:k]
        else:
            final, order = retrieval_scores[candidates], np.arange(min(k, candidates.size))
        reasons = self._explainer.reasons(history, candidates[order], liked=set(liked))
        return [self._recommendation(int(candidates[i]), float(final[i]),
                                     None if predicted is None else float(predicted[i]), reason, personal=True)
                for i, reason in zip(order, reasons, strict=True)]

    def _predicted_stars(self, query: UserQuery, rows: np.ndarray) -> np.ndarray | None:
        """The ranking model's stars for these catalog rows, or None without a ranking model."""
        if self.ranking is None:
            return None
        movie_ids = self._catalog.movie_ids[rows].tolist()
        return clip_stars(self.ranking.predict_ratings([query], [movie_ids])[0])

    def _baseline_predictions(self, history: Mapping[int, float], movie_ids: Sequence[int]) -> np.ndarray:
        """Bayesian movie mean shifted by how the user rates compared with those movies' means."""
        item_means = self._catalog.bayesian_mean
        if history:
            rows = self._catalog.rows(history)
            offset = float(np.mean(np.fromiter(history.values(), dtype=np.float64) - item_means[rows]))
            offset *= len(history) / (len(history) + 5.0)  # shrink: five ratings say little about a person
        else:
            offset = 0.0
        return clip_stars(item_means[self._catalog.rows(movie_ids)] + offset)

    def _recommendation(self, row: int, score: float, predicted: float | None, reason: str, *,
                        personal: bool) -> Recommendation:
        info = self._catalog.movie(int(self._catalog.movie_ids[row]))
        return Recommendation(info.movie_id, info.display_title, info.year, info.genres, score,
                              predicted, reason, personal)

    def _require_movie(self, movie_id: Any) -> int:
        try:
            canonical = self._catalog.canonical_movie_id(int(movie_id))
        except (TypeError, ValueError):
            canonical = None
        if canonical is None:
            raise ValueError(f"unknown movie id {movie_id!r}")
        return canonical

    def _history_with_liked(self, ratings: Mapping[int, float], liked: Iterable[int]
                            ) -> tuple[dict[int, float], set[int]]:
        """The validated ratings plus liked-group movies at LIKED_STARS, and which movies are such seeds."""
        rated = self._validated_history(ratings)
        seeds = set(self._validated_history({m: LIKED_STARS for m in liked})) - set(rated)
        return {**dict.fromkeys(seeds, LIKED_STARS), **rated}, seeds

    def _validated_history(self, ratings: Mapping[int, float]) -> dict[int, float]:
        """Ratings keyed by canonical movie id; ValueError naming the first bad entry.

        Checked as arrays first (one pass of NumPy instead of a Python loop over a long history); only
        input that fails goes through the loop, which finds the entry to name in the error."""
        if not ratings:
            return {}
        try:
            ids = np.fromiter(ratings.keys(), dtype=np.int64, count=len(ratings))
            stars = np.fromiter(ratings.values(), dtype=np.float64, count=len(ratings))
        except (TypeError, ValueError, OverflowError):
            return self._validated_history_one_by_one(ratings)
        canonical = self._catalog.canonical_ids(ids)
        if (canonical < 0).any() or not ((stars >= MIN_STARS) & (stars <= MAX_STARS)).all():  # NaN fails too
            return self._validated_history_one_by_one(ratings)
        return dict(zip(canonical.tolist(), stars.tolist()))  # a merged duplicate lands on its canonical movie

    def _validated_history_one_by_one(self, ratings: Mapping[int, float]) -> dict[int, float]:
        history: dict[int, float] = {}
        for movie_id, stars in ratings.items():
            canonical = self._require_movie(movie_id)
            try:
                value = float(stars)
            except (TypeError, ValueError):
                raise ValueError(f"rating {stars!r} for movie {movie_id} is not a number") from None
            if not math.isfinite(value) or not MIN_STARS <= value <= MAX_STARS:
                raise ValueError(f"rating {stars!r} for movie {movie_id} is outside {MIN_STARS}..{MAX_STARS}")
            history[canonical] = value  # a merged duplicate's rating lands on its canonical movie
        return history

    def _validated_k(self, k: Any) -> int:
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"k must be a positive whole number, got {k!r}")
        return min(int(k), len(self._catalog))


def _top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest finite scores, best first."""
    finite = np.flatnonzero(np.isfinite(scores))
    if finite.size > k:
        finite = finite[np.argpartition(-scores[finite], k - 1)[:k]]
    return finite[np.argsort(-scores[finite], kind="stable")]

