"""Groups of alike popular movies, for onboarding by taste instead of by single ratings.

MovieLens replaced "rate 15 movies" with "pick the groups you like": people finish in half the time.
The groups here are not hand-picked: k-means clusters the best-known movies in the retrieval model's
embedding space (or, without a trained model, by their genres), and each group is shown as the
better-known movies closest to its centre, labelled with the genres that stand out among those shown.

What every well-known movie has in common is taken out before clustering: the trained embeddings
share a large direction (mean cosine 0.55 to it), and left in, it made one cluster of Star Wars,
Contact and The English Patient. A couple more clusters than groups are made and the least coherent
left out (by how alike the model finds the titles shown), so no catch-all cluster is offered; nor is
half of a taste that k-means split, nor a second group under a label already shown while another is
left. ``python -m scripts.explain_quality`` measures the groups of a trained version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from movierec.data.schema import GENRES
from movierec.serving.catalog import Catalog

POPULAR_POOL = 240
"""How many of the most-rated movies are clustered: well-known titles make a group recognisable."""
TITLES_PER_GROUP = 4
SPARE_CLUSTERS = 2
"""Clusters made beyond the groups asked for, so the least coherent can be left out. With the trained
model and 6 groups, against clustering the raw embeddings into 6: the shown titles' mean pairwise
cosine rose from 0.72 (weakest group 0.56) to 0.83 (0.77), and of a newcomer's top 10 picks after
liking one group, 95% (was 73%) carry a genre of its label."""
MAX_CENTRE_COSINE = 0.6
"""A cluster whose centre is closer than this to a shown group's is half of a taste k-means split in
two, not a taste of its own: distinct tastes' centres stay below 0.45 with the trained model."""
LABEL_MIN_SHARE = 0.5
"""A genre is in a label only when at least this share of the shown titles has it."""
RESTARTS = 10
"""k-means runs from different seeds; the tightest clustering is kept, so one unlucky seed cannot
make a weak group."""
ITERATIONS = 50
SEED = 7
"""Fixed, so every process shows the same groups for the same model."""


@dataclass(frozen=True)
class MovieGroup:
    """A taste group: its representative movies (closest to the group's centre first) and a label."""

    movie_ids: tuple[int, ...]
    label: str


def movie_groups(catalog: Catalog, unit_embeddings: np.ndarray | None, k: int) -> list[MovieGroup]:
    """Up to ``k`` groups of ``TITLES_PER_GROUP`` movies each, disjoint, the most coherent first (any
    with a repeated label last)."""
    counts = catalog.movies["rating_count"].to_numpy(dtype=np.float64)
    pool = np.argsort(-counts, kind="stable")[:POPULAR_POOL]
    vectors = _vectors(catalog, unit_embeddings, pool)
    features = unit_rows(vectors - vectors.mean(axis=0))  # less the direction all these well-known movies share
    assignment, centres = _kmeans(features, min(k + SPARE_CLUSTERS, len(pool)))
    genre_share = _genre_matrix(catalog, pool).mean(axis=0)
    candidates = []
    for cluster in range(len(centres)):
        members = np.flatnonzero(assignment == cluster)
        if len(members) < TITLES_PER_GROUP:
            continue
        # of the cluster's better-known half, the titles closest to its centre
        best_known = members[np.argsort(-counts[pool[members]], kind="stable")]
        known = best_known[:max(TITLES_PER_GROUP, (len(members) + 1) // 2)]
        chosen = known[np.argsort(-(features[known] @ centres[cluster]), kind="stable")][:TITLES_PER_GROUP]
        label = _label(_genre_matrix(catalog, pool[chosen]).mean(axis=0), genre_share)
        candidates.append((coherence(vectors[chosen]), cluster, chosen, label))
    candidates.sort(key=lambda candidate: -candidate[0])
    groups: list[MovieGroup] = []
    shown: list[int] = []
    for labels_may_repeat in (False, True):  # a label already shown only when no other cluster is left
        for _, cluster, chosen, label in candidates:
            if len(groups) == k or cluster in shown:
                continue
            if any(float(centres[cluster] @ centres[other]) > MAX_CENTRE_COSINE for other in shown):
                continue  # half of a taste that k-means split
            if not labels_may_repeat and label in {group.label for group in groups}:
                continue
            groups.append(MovieGroup(tuple(int(catalog.movie_ids[pool[i]]) for i in chosen), label))
            shown.append(cluster)
    return groups


def _vectors(catalog: Catalog, unit_embeddings: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
    """Unit vectors of ``rows``: model embeddings when there is a model, else their genre flags."""
    if unit_embeddings is not None:
        return unit_rows(unit_embeddings[rows].astype(np.float64))
    return unit_rows(_genre_matrix(catalog, rows))


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (an all-zero row stays zero)."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def coherence(vectors: np.ndarray) -> float:
    """Mean pairwise cosine of unit vectors (1 for a single one)."""
    n = len(vectors)
    if n < 2:
        return 1.0
    return float(((vectors @ vectors.T).sum() - n) / (n * (n - 1)))


def _genre_matrix(catalog: Catalog, rows: np.ndarray) -> np.ndarray:
    matrix = np.zeros((len(rows), len(GENRES)), dtype=np.float64)
    for i, row in enumerate(rows):
        for genre in catalog.genre_sets[int(row)]:
            if genre in GENRES:
                matrix[i, GENRES.index(genre)] = 1.0
    return matrix


def _kmeans(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means, the best of RESTARTS seeded runs: (cluster of each point, unit centres)."""
    rng = np.random.default_rng(SEED)
    best, best_fit = None, -np.inf
    for _ in range(RESTARTS):
        assignment, centres = _kmeans_run(points, k, rng)
        fit = float(np.sum(points * centres[assignment]))  # summed cosine of each point to its centre
        if fit > best_fit:
            best, best_fit = (assignment, centres), fit
    return best


def _kmeans_run(points: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One spherical k-means run with k-means++ seeding."""
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
    """The two genres most common in the shown titles relative to the pool (lift weighted by share),
    each on at least LABEL_MIN_SHARE of them."""
    lift = shares * shares / np.maximum(overall, 1e-12)
    top = [int(i) for i in np.argsort(-lift, kind="stable")[:2] if shares[i] >= LABEL_MIN_SHARE]
    return " & ".join(GENRES[i] for i in top) or "Mixed"
