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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from movierec.artifacts import ArtifactsUnavailable, latest_version_dir, read_manifest
from movierec.models.base import ItemScorer, RatingPredictor, UserQuery, clip_stars
from movierec.models.two_stage import TwoStageConfig, blend
from movierec.serving.catalog import Catalog, MovieInfo
from movierec.serving.explain import Explainer
from movierec.serving.groups import MovieGroup, movie_groups
from movierec.serving.history import RatedHistory, canonical_movie, validated_history

logger = logging.getLogger(__name__)

FALLBACK_VERSION = "fallback"


class Recommendation(NamedTuple):
    """One pick, ready to show (a NamedTuple: a request builds ten, and a frozen dataclass costs 4× more)."""

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


@contextmanager
def _unusable_on_failure(what: str) -> Iterator[None]:
    """Turn any failure into ArtifactsUnavailable naming ``what`` failed: a damaged version can break in
    more ways than any check foresees (a missing key, a list where a mapping belongs, weights of the wrong
    shape), and every one of them must mean "serve the fallback", never a crash at start-up."""
    try:
        yield
    except ArtifactsUnavailable:
        raise
    except Exception as error:
        raise ArtifactsUnavailable(f"{what}: {type(error).__name__}: {error}") from error


def _load_model(spec: Any, version_dir: Path) -> Any:
    """Rebuild a model from its manifest entry; only classes under ``movierec.models`` are accepted."""
    if not isinstance(spec, Mapping):
        raise ArtifactsUnavailable(f"the manifest in {version_dir} has a model entry that is not a mapping: {spec!r}")
    class_path = str(spec.get("class", ""))
    module_name, _, class_name = class_path.partition(":")
    if not module_name.startswith("movierec.models.") or not class_name.isidentifier():
        raise ArtifactsUnavailable(f"refusing to load model class {class_path!r}")
    folder = (version_dir / str(spec.get("folder", ""))).resolve()
    if version_dir.resolve() not in folder.parents:
        raise ArtifactsUnavailable(f"model folder {spec.get('folder')!r} lies outside {version_dir}")
    with _unusable_on_failure(f"cannot load {class_path} from {folder}"):
        model_class = getattr(importlib.import_module(module_name), class_name)
        return model_class.load(folder)


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
        # the usual case: the model scores exactly the catalog, in catalog order, so no reordering is needed
        self._retrieval_in_catalog_order = (self._retrieval_rows is not None and len(self._retrieval_rows) == len(catalog)
                                            and bool((self._retrieval_rows == np.arange(len(catalog))).all()))
        self._explainer = Explainer(catalog, retrieval, self._retrieval_rows)
        self._groups: dict[int, list[MovieGroup]] = {}
        self._labels: dict[int, str] | None = None

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def load(cls, artifacts_dir: Path | str) -> Recommender:
        """The newest complete trained version, checked by serving one request; ArtifactsUnavailable when
        there is none usable."""
        version_dir = latest_version_dir(Path(artifacts_dir))
        manifest = read_manifest(version_dir)
        version, models = manifest.get("version"), manifest.get("models")
        if not isinstance(version, str) or not version:
            raise ArtifactsUnavailable(f"the manifest in {version_dir} names no version")
        if not isinstance(models, Mapping) or "retrieval" not in models:
            raise ArtifactsUnavailable(f"{version_dir} has no retrieval model")
        with _unusable_on_failure(f"unreadable catalog in {version_dir}"):
            catalog = Catalog.load(version_dir)
        retrieval = _load_model(models["retrieval"], version_dir)
        ranking = _load_model(models["ranking"], version_dir) if "ranking" in models else None
        config = _serving_config(manifest.get("serving", {}))
        with _unusable_on_failure(f"the models and catalog in {version_dir} do not work together"):
            recommender = cls(catalog, retrieval=retrieval, ranking=ranking, version=version, config=config)
            recommender._serve_one_request()
        logger.info("loaded model version %s from %s", version, version_dir)
        return recommender

    def _serve_one_request(self) -> None:
        """Recommend and predict once, so that parts which load but do not fit together (weights of the
        wrong shape, say) are refused now rather than failing every user's request later."""
        ratings = {self.onboarding_movies(k=1)[0].movie_id: 5.0}
        picks = self.recommend(ratings, k=1)
        self.predict_ratings(ratings, [pick.movie_id for pick in picks])

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

    @property
    def genres(self) -> tuple[str, ...]:
        """The genres some recommendable movie has (of :data:`movierec.data.schema.GENRES`)."""
        return self._catalog.genres

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
        history = validated_history(self._catalog, ratings, liked)
        k = self._validated_k(k)
        allowed = self._catalog.genre_mask(genres)
        allowed[history.rows] = False
        allowed[self._known_rows(exclude)] = False
        if not history or self.retrieval is None:
            return self._popular(allowed, k)
        return self._personal(history, allowed, k)

    def reason(self, ratings: Mapping[int, float], movie_id: int, liked: Iterable[int] = ()) -> str | None:
        """Why ``movie_id`` suits someone with these ratings and liked-group movies, as a pick's reason
        would say it; None when there is nothing to go on yet. A movie is never its own reason (a liked
        group may hold it)."""
        row = self._catalog.row(self._require_movie(movie_id))
        history = validated_history(self._catalog, ratings, liked).without(row)
        if not history:
            return None
        return self._explainer.reasons(history, np.array([row]), self._group_labels(history))[0]

    def _group_labels(self, history: RatedHistory) -> dict[int, str]:
        """Movie id -> the label of the onboarding group showing it, for reasons naming a liked group (the
        groups are computed once per model: only when some history holds a liked group's movie)."""
        if not history.liked:
            return {}
        if self._labels is None:
            self._labels = {movie_id: group.label for group in self.movie_groups() for movie_id in group.movie_ids}
        return self._labels

    def movie_groups(self, k: int = 6) -> list[MovieGroup]:
        """Up to ``k`` taste groups of well-known movies for onboarding (computed once per model)."""
        k = self._validated_k(k)
        if k not in self._groups:
            self._groups[k] = movie_groups(self._catalog, self._explainer.unit_embeddings, k)
        return self._groups[k]

    def predict_ratings(self, ratings: Mapping[int, float], movie_ids: Sequence[int]) -> list[float]:
        """Predicted stars (0.5..5) for each movie id, given the user's ratings."""
        history = validated_history(self._catalog, ratings)
        canonical = [self._require_movie(m) for m in movie_ids]
        if not canonical:
            return []
        if self.ranking is None or not history:
            return [float(x) for x in self._baseline_predictions(history, canonical)]
        predicted = self.ranking.predict_ratings([UserQuery(history=history.ratings)], [canonical])[0]
        return predicted.tolist()  # RatingPredictor's stars are clipped float32s already

    def similar(self, movie_id: int, k: int = 10, *, exclude: Iterable[int] = ()) -> list[Recommendation]:
        """Movies most like ``movie_id`` (by the model's movie embeddings, or by genre without a model),
        never an ``exclude``d one."""
        anchor = self._require_movie(movie_id)
        k = self._validated_k(k)
        scores = self._explainer.similarity_to(anchor)
        scores[self._catalog.row(anchor)] = -np.inf
        scores[self._known_rows(exclude)] = -np.inf
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

    def _personal(self, history: RatedHistory, allowed: np.ndarray, k: int) -> list[Recommendation]:
        query = UserQuery(history=history.ratings)
        scores = self.retrieval.score_items([query])[0]
        if self._retrieval_in_catalog_order:
            retrieval_scores = np.where(allowed, scores, -np.inf)
        else:
            retrieval_scores = np.full(len(self._catalog), -np.inf, dtype=np.float32)
            retrieval_scores[self._retrieval_rows] = scores
            retrieval_scores[~allowed] = -np.inf
        blended = self.ranking is not None and self.config.rating_weight != 0
        # without a blend the order is retrieval's, so only the k shown picks need ranking's stars
        candidates = _top_rows(retrieval_scores, max(k, self.config.candidates) if blended else k)
        if not candidates.size:
            return []
        predicted = self._predicted_stars(query, candidates)
        final = retrieval_scores[candidates]
        if blended:
            final = blend(final, predicted, self.config.rating_weight)
            order = np.argsort(-final, kind="stable")[:k]
            candidates, final, predicted = candidates[order], final[order], predicted[order]
        reasons = self._explainer.reasons(history, candidates, self._group_labels(history))
        stars = [None] * len(candidates) if predicted is None else predicted.tolist()
        return [self._recommendation(row, score, predicted_stars, reason, personal=True)
                for row, score, predicted_stars, reason in zip(candidates.tolist(), final.tolist(), stars, reasons,
                                                               strict=True)]

    def _predicted_stars(self, query: UserQuery, rows: np.ndarray) -> np.ndarray | None:
        """The ranking model's stars for these catalog rows, or None without a ranking model."""
        if self.ranking is None:
            return None
        return self.ranking.predict_ratings([query], [self._catalog.movie_ids[rows]])[0]

    def _baseline_predictions(self, history: RatedHistory, movie_ids: Sequence[int]) -> np.ndarray:
        """Bayesian movie mean shifted by how the user rates compared with those movies' means."""
        item_means = self._catalog.bayesian_mean
        if history:
            offset = float(np.mean(history.stars - item_means[history.rows]))
            offset *= len(history.rows) / (len(history.rows) + 5.0)  # shrink: five ratings say little about a person
        else:
            offset = 0.0
        return clip_stars(item_means[self._catalog.rows(movie_ids)] + offset)

    def _recommendation(self, row: int, score: float, predicted: float | None, reason: str, *,
                        personal: bool) -> Recommendation:
        info = self._catalog.movie_at(row)
        return Recommendation(info.movie_id, info.display_title, info.year, info.genres, score,
                              predicted, reason, personal)

    def _known_rows(self, movie_ids: Iterable[int]) -> np.ndarray:
        """Catalog rows of the ids the catalog serves (merged duplicates on their canonical row); others are
        skipped: an excluded movie a newer catalog dropped excludes nothing."""
        rows = self._catalog.canonical_rows(np.fromiter(movie_ids, dtype=np.int64))
        return rows[rows >= 0]

    def _require_movie(self, movie_id: Any) -> int:
        return canonical_movie(self._catalog, movie_id)

    def _validated_k(self, k: Any) -> int:
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"k must be a positive whole number, got {k!r}")
        return min(int(k), len(self._catalog))


def _top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest finite scores, best first."""
    top = np.argpartition(scores, scores.size - k)[scores.size - k:] if k < scores.size else np.arange(scores.size)
    top = top[np.argsort(-scores[top], kind="stable")]
    return top[np.isfinite(scores[top])]
