"""Taste groups for onboarding: built from the model's embeddings (or genres), not hand-picked."""

from __future__ import annotations

import numpy as np
import pandas as pd

from movierec.serving import Catalog, Recommender
from movierec.serving.groups import TITLES_PER_GROUP, movie_groups


def planted_catalog(n: int = 60) -> Catalog:
    """Movies 1..n; odd ids are Comedy, even ids Horror; rating counts fall with the id."""
    return Catalog(pd.DataFrame({
        "movie_id": range(1, n + 1), "title": [f"M{i}" for i in range(1, n + 1)],
        "display_title": [f"Movie {i} (1990)" for i in range(1, n + 1)],
        "name": [f"Movie {i}" for i in range(1, n + 1)],
        "year": [1990] * n, "genres": [["Comedy"] if i % 2 else ["Horror"] for i in range(1, n + 1)],
        "imdb_url": [None] * n, "rating_count": [1000 - i for i in range(1, n + 1)], "rating_mean": [3.5] * n,
    }))


def test_embedding_clusters_are_recovered_across_the_genres() -> None:
    catalog = planted_catalog()
    # Three planted taste clusters that cut across the genres: ids 1-20, 21-40, 41-60.
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8)
    unit = np.array([centres[(i - 1) // 20] + 0.05 * rng.standard_normal(8) for i in range(1, 61)])
    groups = movie_groups(catalog, unit, 3)
    assert sorted({(m - 1) // 20 for m in g.movie_ids}.pop() for g in groups) == [0, 1, 2]
    assert all(len({(m - 1) // 20 for m in g.movie_ids}) == 1 for g in groups)
    assert all(len(g.movie_ids) == TITLES_PER_GROUP for g in groups)
    assert movie_groups(catalog, unit, 3) == groups  # the same groups in every process


def test_without_a_model_groups_follow_the_genres() -> None:
    groups = Recommender(planted_catalog()).movie_groups(2)
    assert sorted(g.label for g in groups) == ["Comedy", "Horror"]
    for group in groups:
        parity = {m % 2 for m in group.movie_ids}
        assert parity == ({1} if group.label == "Comedy" else {0})
        assert list(group.movie_ids) == sorted(group.movie_ids)  # best known first
    seen = [m for g in groups for m in g.movie_ids]
    assert len(seen) == len(set(seen))
