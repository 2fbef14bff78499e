"""Why a movie was picked, and which movies are alike, from the retrieval model.

A pick's reason names the rated movies its score owes most to. A model that can attribute its
scores (:class:`~movierec.models.base.HistoryAttribution`: the served history retrieval, by leaving
each rating out of the query in turn; EASE, exactly) says how much each rating adds to the pick's
score; the reason names the one or two liked movies with the largest positive share of it, and falls
back to "matches your taste overall" when no rating stands out. Only favourites are named (see
``Explainer._nameable``): "because you rated it ★1" reads as the opposite of a reason, and "★3" as a shrug,
whatever the model made of them.

Without such a model, similarity stands in for the contribution: cosine in the model's embedding
space (or genre overlap without embeddings), weighted by how much the user liked the movie.
"""

from __future__ import annotations

from collections.abc import Mapping

import numba
import numpy as np

from movierec.data import schema
from movierec.models.base import EmbeddingModel, HistoryAttribution, ItemScorer, UserQuery
from movierec.serving.catalog import Catalog
from movierec.serving.groups import unit_rows
from movierec.serving.history import RatedHistory

NEUTRAL_STARS = 2.5
NAMED_STARS = 4.0
"""The least stars a rating needs to be named in a reason (see ``Explainer._nameable``)."""
OVERALL_REASON = "matches your taste overall"
MIN_SHARE = 0.2
"""A rating holding this share of a pick's positive pulls (the contributions above zero, summed) is
named. A leave-one-out contribution is in effect the rating's pull minus the history's average pull,
so about half are positive, and in a short history the main one holds a third of them (median, 12
ratings)."""
MIN_LIFT = 2.0
"""…and so is one pulling this many times harder than the average positive pull: in a long history no
rating can hold MIN_SHARE (150 ratings: the largest holds 4%), but the one that stands out is still
the reason. Below both the pick comes from the history as a whole: "matches your taste overall".
With the trained model a reason names a movie for 139 of 150 picks from 12-rating histories
(``python -m scripts.explain_quality --history N`` for other lengths)."""
MOST_NAMED = 2
"""A reason names at most this many movies: more reads as a list, not a reason."""


def format_stars(stars: float) -> str:
    """★4.5 style, without a trailing .0 on whole stars."""
    return f"★{stars:g}"


@numba.njit(cache=True, fastmath=True)
def main_contributors(pulls: np.ndarray, eligible: np.ndarray, min_share: float, min_lift: float,
                      most: int) -> np.ndarray:
    """[candidates, most]: for each column (a candidate) of ``pulls`` [history, candidates], the positions
    of at most ``most`` ``eligible`` history movies with a positive pull that is at least ``min_share``
    of the column's positive pulls summed, or at least ``min_lift`` times their mean; largest first
    (the earlier position on ties), -1 filling the rest.
    Compiled: as NumPy it was a dozen calls per request on arrays of a few dozen numbers."""
    history, candidates = pulls.shape
    named = np.full((candidates, most), -1, np.intp)
    for c in range(candidates):
        positive, pulling = np.float32(0.0), 0
        for i in range(history):
            if pulls[i, c] > 0:
                positive += pulls[i, c]
                pulling += 1
        least = min(min_share * positive, min_lift * positive / max(pulling, 1))
        for slot in range(most):
            best = -1
            for i in range(history):
                pull = pulls[i, c]
                if not eligible[i] or pull <= 0 or pull < least or i in named[c, :slot]:
                    continue
                if best < 0 or pull > pulls[best, c]:
                    best = i
            if best < 0:
                break
            named[c, slot] = best
    return named


class Explainer:
    """Similarity between catalog movies and the reasons built from the retrieval model."""

    def __init__(self, catalog: Catalog, model: ItemScorer | None, model_rows: np.ndarray | None) -> None:
        """``model_rows``: the catalog row of each of ``model``'s score columns."""
        self._catalog = catalog
        # by row: every pick's reason names a movie, and a MovieInfo per name costs more than the rest
        self._titles = catalog.movies[schema.DISPLAY_TITLE].astype(str).tolist()
        self._unit: np.ndarray | None = None
        if isinstance(model, EmbeddingModel):
            embeddings = model.movie_embeddings()
            unit = np.zeros((len(catalog), embeddings.shape[1]), dtype=np.float32)
            unit[model_rows] = unit_rows(embeddings)
            self._unit = unit
        self._attribution: HistoryAttribution | None = None
        if isinstance(model, HistoryAttribution):
            self._attribution = model
            self._column_of_row = np.full(len(catalog), -1, np.intp)  # -1: a movie the model does not score
            self._column_of_row[model_rows] = np.arange(len(model_rows))
        # compiled now (or read from numba's cache), not in a user's request
        main_contributors(np.ones((1, 1), np.float32), np.ones(1, bool), MIN_SHARE, MIN_LIFT, MOST_NAMED)

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

    def reasons(self, history: RatedHistory, candidate_rows: np.ndarray,
                group_labels: Mapping[int, str] | None = None) -> list[str]:
        """One "because you rated …" line per candidate row; movies of the history that came from a
        liked onboarding group, not a rating, are named by their group's label (``group_labels``: movie
        id -> the label of the group showing it) or, for a group no longer shown, by their title."""
        nameable = self._nameable(history)
        if not len(candidate_rows) or not nameable.any():
            return [OVERALL_REASON] * len(candidate_rows)
        candidate_rows = np.asarray(candidate_rows, np.intp)
        if self._attribution is not None:
            named = main_contributors(self._contributions(history, candidate_rows), nameable, MIN_SHARE, MIN_LIFT,
                                      MOST_NAMED)
        else:
            named = main_contributors(self._similarity_pulls(history, candidate_rows), nameable, 0.0, 0.0, 1)
        # a line per pick, with at most MOST_NAMED names each: plain Python from here is the cheapest
        rows, stars = history.rows.tolist(), history.stars.tolist()
        seeds = None
        if history.liked:
            labels = group_labels or {}
            seeds = [labels.get(movie_id, "") if movie_id in history.liked else None
                     for movie_id in history.ratings.movie_ids.tolist()]
        return [self._because([i for i in positions if i >= 0], rows, stars, seeds) for positions in named.tolist()]

    @staticmethod
    def _nameable(history: RatedHistory) -> np.ndarray:
        """Which history movies a reason may name: the user's favourites and the liked groups' movies.

        "Because you rated Die Hard 2 ★3" reads as a shrug, not a reason, beside the user's ★5s; so a rating
        must reach NAMED_STARS, or the user's own best where that is lower (a harsh rater's ★3.5 is praise),
        and stay above neutral."""
        stars = history.stars
        if not len(stars):
            return np.zeros(0, bool)
        threshold = max(min(NAMED_STARS, float(stars.max())), NEUTRAL_STARS + 0.5)
        nameable = stars >= threshold
        if history.liked:
            nameable |= np.isin(history.ratings.movie_ids, np.fromiter(history.liked, np.int64))
        return nameable

    def _contributions(self, history: RatedHistory, candidate_rows: np.ndarray) -> np.ndarray:
        """[history, candidates]: what each rating adds to each candidate's score, by the model itself."""
        query = UserQuery(history=history.ratings)
        columns = self._column_of_row[candidate_rows]
        scored = columns >= 0
        if scored.all():  # always, when the model scores the whole catalog
            return self._attribution.history_contributions(query, columns)
        contributions = np.zeros((len(history.rows), len(candidate_rows)), np.float32)
        contributions[:, scored] = self._attribution.history_contributions(query, columns[scored])
        return contributions

    def _similarity_pulls(self, history: RatedHistory, candidate_rows: np.ndarray) -> np.ndarray:
        """[history, candidates]: similarity × (stars − neutral), the stand-in for a contribution."""
        if self._unit is not None:
            similarity = self._unit[history.rows] @ self._unit[candidate_rows].T
        else:
            similarity = self._genre_similarity(history.rows, candidate_rows)
        return similarity * (history.stars - np.float32(NEUTRAL_STARS))[:, None]

    def _because(self, positions: list[int], rows: list[int], stars: list[float],
                 seeds: list[str | None] | None) -> str:
        """The reason naming these history positions: rated movies with their stars, liked groups as such
        (``seeds``: per history movie, None for a rating, else its liked group's label, "" if unknown;
        None when no movie came from a liked group)."""
        if not positions:
            return OVERALL_REASON
        from_group = [i for i in positions if seeds and seeds[i] is not None]
        rated = [f"{self._titles[rows[i]]} {format_stars(stars[i])}" for i in positions if i not in from_group]
        parts = ["rated " + " and ".join(rated)] if rated else []
        if from_group:  # one group is named: two names could be of one group or of two
            first = from_group[0]
            parts.append(f"liked the {seeds[first]} group" if seeds[first]
                         else f"liked the group with {self._titles[rows[first]]}")
        return "because you " + " and ".join(parts)
