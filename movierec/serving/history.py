"""A caller's ratings checked against the catalog, once per request, in the forms serving needs.

Everything the Recommender is given passes through :func:`validated_history`: unknown ids and
impossible stars become a ``ValueError`` naming the bad entry, merged duplicates land on their
canonical movie, and the result carries both the mapping the models read and the catalog-row arrays
that blocking and explanations use, so no later step looks the ids up again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from movierec.models.base import MAX_STARS, MIN_STARS, RatingArrays
from movierec.serving.catalog import Catalog

LIKED_STARS = 3.5
"""A movie of a liked onboarding group counts as this rating: a weak positive, below a real 4 or 5."""
_NO_IDS, _NO_ROWS, _NO_STARS = np.zeros(0, np.int64), np.zeros(0, np.intp), np.zeros(0, np.float32)
for _empty in (_NO_IDS, _NO_ROWS, _NO_STARS):
    _empty.setflags(write=False)  # shared by every empty history


@dataclass(frozen=True)
class RatedHistory:
    """Validated ratings (plus liked-group movies): canonical ids, their catalog rows and stars."""

    ratings: RatingArrays
    """Canonical movie id -> stars, one entry per movie, liked-group movies included at :data:`LIKED_STARS`."""
    rows: np.ndarray
    """Catalog rows of ``ratings``' movies, in the same order."""
    liked: frozenset[int]
    """The ids in ``ratings`` that came from a liked group, not a rating."""

    @property
    def stars(self) -> np.ndarray:
        """float32 stars, in ``rows`` order."""
        return self.ratings.stars

    def __bool__(self) -> bool:
        return len(self.rows) > 0

    def without(self, row: int) -> RatedHistory:
        """This history less the movie in catalog row ``row`` (itself when it does not hold that movie)."""
        keep = self.rows != row
        if keep.all():
            return self
        ids = self.ratings.movie_ids[keep]
        return RatedHistory(RatingArrays(ids, self.stars[keep]), self.rows[keep], self.liked & set(ids.tolist()))


def validated_history(catalog: Catalog, ratings: Mapping[int, float], liked: Iterable[int] = ()) -> RatedHistory:
    """``ratings`` checked and canonicalised, with ``liked`` movies added where not rated.

    A real rating of a liked-group movie overrides the group's weak positive."""
    ids, rows, stars = _validated_ratings(catalog, ratings)
    seeds: set[int] = set()
    if liked:
        liked_ids, liked_rows, liked_stars = _validated_ratings(catalog, dict.fromkeys(liked, LIKED_STARS))
        new = ~np.isin(liked_ids, ids)
        seeds = set(liked_ids[new].tolist())
        ids, rows = np.concatenate([liked_ids[new], ids]), np.concatenate([liked_rows[new], rows])
        stars = np.concatenate([liked_stars[new], stars])
    return RatedHistory(RatingArrays(ids, stars), rows, frozenset(seeds))


def _validated_ratings(catalog: Catalog, ratings: Mapping[int, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(canonical ids, catalog rows, float32 stars), one entry per canonical movie; ValueError naming
    the first bad entry.

    Checked as arrays first (a few NumPy calls instead of a Python loop over a long history); only
    input that fails goes through the loop, which finds the entry to name in the error."""
    if not ratings:
        return _NO_IDS, _NO_ROWS, _NO_STARS
    try:
        ids = np.fromiter(ratings.keys(), dtype=np.int64, count=len(ratings))
        stars = np.fromiter(ratings.values(), dtype=np.float64, count=len(ratings))
    except (TypeError, ValueError, OverflowError):
        return _as_arrays(catalog, _validated_one_by_one(catalog, ratings))
    rows = catalog.canonical_rows(ids)
    if rows.min() < 0 or not (stars.min() >= MIN_STARS and stars.max() <= MAX_STARS):  # NaN fails too
        return _as_arrays(catalog, _validated_one_by_one(catalog, ratings))
    canonical = catalog.movie_ids[rows]
    if not (canonical == ids).all():  # merged duplicates given: the dict keeps one rating per canonical movie
        return _as_arrays(catalog, dict(zip(canonical.tolist(), stars.tolist())))
    return ids, rows, stars.astype(np.float32)


def _as_arrays(catalog: Catalog, history: dict[int, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ids = np.fromiter(history.keys(), dtype=np.int64, count=len(history))
    return ids, catalog.rows(ids), np.fromiter(history.values(), dtype=np.float32, count=len(history))


def _validated_one_by_one(catalog: Catalog, ratings: Mapping[int, float]) -> dict[int, float]:
    history: dict[int, float] = {}
    for movie_id, stars in ratings.items():
        canonical = canonical_movie(catalog, movie_id)
        try:
            value = float(stars)
        except (TypeError, ValueError):
            raise ValueError(f"rating {stars!r} for movie {movie_id} is not a number") from None
        if not math.isfinite(value) or not MIN_STARS <= value <= MAX_STARS:
            raise ValueError(f"rating {stars!r} for movie {movie_id} is outside {MIN_STARS}..{MAX_STARS}")
        history[canonical] = value  # a merged duplicate's rating lands on its canonical movie
    return history


def canonical_movie(catalog: Catalog, movie_id: object) -> int:
    """The canonical id of a dataset movie id; ValueError naming it when unknown or not an id."""
    try:
        canonical = catalog.canonical_movie_id(int(movie_id))  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        canonical = None
    if canonical is None:
        raise ValueError(f"unknown movie id {movie_id!r}")
    return canonical
