"""Why a movie was picked, and which movies are alike, from the retrieval model's movie embeddings.

A pick's reason names the rated movie that pulls hardest towards it: cosine similarity in the model's
embedding space, weighted by how much the user liked that movie (stars above 2.5 pull; a disliked
movie is never named).
Without a trained model, genre overlap stands in for the embedding similarity.
"""

from __future__ import annotations

import numba
import numpy as np

from movierec.data import schema
from movierec.serving.catalog import Catalog
from movierec.serving.history import RatedHistory

NEUTRAL_STARS = 2.5
OVERALL_REASON = "matches your taste overall"


@numba.njit(cache=True, fastmath=True)
def _strongest_pulls(unit: np.ndarray, candidate_rows: np.ndarray, rated_rows: np.ndarray,
                     weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each candidate row: the position in ``rated_rows`` of the largest cosine x weight (the first
    on ties, as argmax), and that value. One compiled pass: as NumPy it was a dozen calls per request."""
    best = np.zeros(candidate_rows.shape[0], np.intp)
    value = np.full(candidate_rows.shape[0], -np.inf, np.float32)
    for c in range(candidate_rows.shape[0]):
        candidate = unit[candidate_rows[c]]
        for r in range(rated_rows.shape[0]):
            rated = unit[rated_rows[r]]
            dot = np.float32(0.0)
            for d in range(candidate.shape[0]):
                dot += candidate[d] * rated[d]
            if dot * weights[r] > value[c]:
                value[c] = dot * weights[r]
                best[c] = r
    return best, value


def format_stars(stars: float) -> str:
    """★4.5 style, without a trailing .0 on whole stars."""
    return f"★{stars:g}"


class Explainer:
    """Similarity between catalog movies and the reasons built from it."""

    def __init__(self, catalog: Catalog, embeddings: np.ndarray | None, embedding_rows: np.ndarray | None) -> None:
        self._catalog = catalog
        # by row: every pick's reason names a movie, and a MovieInfo per name costs more than the rest
        self._titles = catalog.movies[schema.DISPLAY_TITLE].astype(str).tolist()
        self._unit: np.ndarray | None = None
        if embeddings is not None and embedding_rows is not None:
            unit = np.zeros((len(catalog), embeddings.shape[1]), dtype=np.float32)
            norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
            unit[embedding_rows] = embeddings / np.maximum(norms, 1e-12)
            self._unit = unit
            one_row = np.zeros(1, np.intp)  # compiled now (or read from numba's cache), not in a user's request
            _strongest_pulls(unit, one_row, one_row, np.ones(1, np.float32))

    @property
    def unit_embeddings(self) -> np.ndarray | None:
        """Unit-length model embeddings by catalog row (zeros for rows the model lacks), or None."""
        return self._unit

    def _genre_similarity(self, rows_a: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
        """Genre overlap in [0, 1] between two sets of catalog rows: the stand-in without embeddings."""
        sets = self._catalog.genre_sets
        return np.array([[len(sets[a] & sets[b]) / max(1, len(sets[a] | sets[b])) for b in rows_b] for a in rows_a],
                        dtype=np.float32)

    def similarity_to(self, movie_id: int) -> np.ndarray:
        """float64 similarity of every catalog movie to ``movie_id``; popularity breaks genre ties."""
        anchor = self._catalog.row(movie_id)
        if self._unit is not None:
            return (self._unit @ self._unit[anchor]).astype(np.float64)
        scores = self._genre_similarity(np.array([anchor]), np.arange(len(self._catalog)))[0].astype(np.float64)
        counts = self._catalog.movies["rating_count"].to_numpy(dtype=np.float64)
        return scores + 1e-3 * np.log1p(counts) / max(1.0, np.log1p(counts.max()))

    def reasons(self, history: RatedHistory, candidate_rows: np.ndarray) -> list[str]:
        """One "because you rated …" line per candidate row; movies of the history that came from a
        liked onboarding group, not a rating, are named as such.

        Only liked movies (stars above neutral) can be a reason: a pick far from a movie someone hated
        is no reason to name that movie."""
        stars = history.stars
        liked = stars > NEUTRAL_STARS
        if not len(candidate_rows) or not liked.any():
            return [OVERALL_REASON] * len(candidate_rows)
        liked_rows, liked_stars = history.rows[liked], stars[liked]
        weights = liked_stars - np.float32(NEUTRAL_STARS)
        if self._unit is not None:
            strongest, pull = _strongest_pulls(self._unit, np.asarray(candidate_rows, np.intp), liked_rows, weights)
        else:
            pulls = self._genre_similarity(np.asarray(candidate_rows), liked_rows) * weights
            strongest = pulls.argmax(axis=1)
            pull = pulls[np.arange(len(strongest)), strongest]
        seeds = history.liked
        lines = []
        for row, star, is_reason in zip(liked_rows[strongest].tolist(), liked_stars[strongest].tolist(),
                                        (pull > 0).tolist()):
            if not is_reason:
                lines.append(OVERALL_REASON)
            elif seeds and int(self._catalog.movie_ids[row]) in seeds:
                lines.append(f"because you liked the group with {self._titles[row]}")
            else:
                lines.append(f"because you rated {self._titles[row]} {format_stars(star)}")
        return lines
