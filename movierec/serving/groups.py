"""Groups of alike popular movies, for onboarding by taste instead of by single ratings.

MovieLens replaced "rate 15 movies" with "pick the groups you like": people finish in half the time.
The groups here are not hand-picked: k-means clusters the best-known movies in the retrieval model's
embedding space (or, without a trained model, by their genres), and each group is shown as the
best-known movies close to its centre, labelled with the genres that stand out in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from movierec.data.schema import GENRES
from movierec.serving.catalog import Catalog

POPULAR_POOL = 240
"""How many of the most-rated movies are clustered: well-known titles make a group recognisable."""
TITLES_PER_GROUP = 4
ITERATIONS = 50
SEED = 7
"""Fixed, so every process shows the same groups for the same model."""


@dataclass(frozen=True)
class MovieGroup:
    """A taste group: its representative movies (most typical and best known first) and a label."""

    movie_ids: tuple[int, ...]
    label: str


def movie_groups(catalog: Catalog, unit_embeddings: np.ndarray | None, k: int) -> list[MovieGroup]:
    """Up to ``k`` groups of ``TITLES_PER_GROUP`` movies each, disjoint, in cluster-size order."""
    counts = catalog.movies["rating_count"].to_numpy(dtype=np.float64)
    pool = np.argsort(-counts, kind="stable")[:POPULAR_POOL]
    features = _features(catalog, unit_embeddings, pool)
    assignment, centres = _kmeans(features, min(k, len(pool)))
    genre_share = _genre_matrix(catalog, pool).mean(axis=0)
    groups = []
    for cluster in np.argsort(-np.bincount(assignment, minlength=len(centres)), kind="stable"):
        members = np.flatnonzero(assignment == cluster)
        if len(members) < TITLES_PER_GROUP:
            continue
        closeness = features[members] @ centres[cluster]
        typical = members[closeness >= np.median(closeness)]  # the core of the cluster…
        chosen = typical[np.argsort(-counts[pool[typical]], kind="stable")][:TITLES_PER_GROUP]  # …best known first
        if len(chosen) < TITLES_PER_GROUP:
            chosen = members[np.argsort(-closeness, kind="stable")][:TITLES_PER_GROUP]
        label = _label(_genre_matrix(catalog, pool[members]).mean(axis=0), genre_share)
        groups.append(MovieGroup(tuple(int(catalog.movie_ids[pool[i]]) for i in chosen), label))
    return groups


def _features(catalog: Catalog, unit_embeddings: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
    """Unit vectors to cluster: model embeddings when there is a model, else normalised genre flags."""
    if unit_embeddings is not None:
        vectors = unit_embeddings[rows].astype(np.float64)
    else:
        vectors = _genre_matrix(catalog, rows)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _genre_matrix(catalog: Catalog, rows: np.ndarray) -> np.ndarray:
    matrix = np.zeros((len(rows), len(GENRES)), dtype=np.float64)
    for i, row in enumerate(rows):
        for genre in catalog.genre_sets[int(row)]:
            if genre in GENRES:
                matrix[i, GENRES.index(genre)] = 1.0
    return matrix


def _kmeans(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means with k-means++ seeding: (cluster of each point, unit centres)."""
    rng = np.random.default_rng(SEED)
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        distance = np.min([np.sum((points - c) ** 2, axis=1) for c in centres], axis=0)
        total = distance.sum()
        pick = rng.choice(len(points), p=distance / total) if total > 0 else rng.integers(len(points))
        centres.append(points[pick])
    centre_matrix = np.array(centres)
    assignment = np.zeros(len(points), dtype=np.int64)
    for _ in range(ITERATIONS):
        new_assignment = np.argmax(points @ centre_matrix.T, axis=1)
        for cluster in range(k):
            members = points[new_assignment == cluster]
            if len(members):
                mean = members.mean(axis=0)
                centre_matrix[cluster] = mean / max(np.linalg.norm(mean), 1e-12)
        if np.array_equal(new_assignment, assignment):
            break
        assignment = new_assignment
    return assignment, centre_matrix


def _label(shares: np.ndarray, overall: np.ndarray) -> str:
    """The two genres most common in the group relative to the pool (lift weighted by share)."""
    lift = shares * shares / np.maximum(overall, 1e-12)
    top = [int(i) for i in np.argsort(-lift, kind="stable")[:2] if shares[i] >= 0.25]
    return " & ".join(GENRES[i] for i in top) or "Mixed"
