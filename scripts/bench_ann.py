"""Exact versus approximate top-k retrieval over a movie embedding table (NumPy only, no TensorFlow).

ScaNN is used through its NumPy API, from a folder outside the virtualenv named by ``SCANN_PATH``
(``pip install --no-deps --target /tmp/scann-site scann``). Never install it *into* the virtualenv:
scann 1.4.2's TensorFlow ops are built against another TensorFlow than ours (undefined absl symbol),
and tensorflow_recommenders imports them whenever scann is importable, which breaks every model.
For the same reason this module hides TensorFlow from ``import scann`` (run it without TensorFlow loaded).
The NumPy IVF index (k-means partitions, search the nearest few) is the fallback and a reference point.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata
from typing import Any

import numpy as np

from scripts.bench_stats import summarise, time_calls


def _recall(found: list[np.ndarray], exact: list[np.ndarray]) -> float:
    return float(np.mean([len(np.intersect1d(f, e)) / len(e) for f, e in zip(found, exact, strict=True)]))


def exact_top_k(movies: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    return np.argpartition(-(movies @ query), k)[:k]


class IvfIndex:
    """Inverted-file index: k-means cells; a query scores only the movies of its ``probe`` best cells."""

    def __init__(self, movies: np.ndarray, cells: int, probe: int, iterations: int = 8, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        centroids = movies[rng.choice(len(movies), cells, replace=False)]
        for _ in range(iterations):  # Lloyd's k-means on all movies: a few seconds at 62k x 32
            assign = np.argmax(movies @ centroids.T, axis=1)
            for c in range(cells):
                members = movies[assign == c]
                if len(members):
                    centroids[c] = members.mean(axis=0)
        self.centroids, self.probe, self.movies = centroids, probe, movies
        order = np.argsort(assign, kind="stable")
        self.members = np.split(order, np.cumsum(np.bincount(assign, minlength=cells))[:-1])

    def search(self, query: np.ndarray, k: int) -> np.ndarray:
        cells = np.argpartition(-(self.centroids @ query), self.probe)[: self.probe]
        candidates = np.concatenate([self.members[c] for c in cells])
        return candidates[exact_top_k(self.movies[candidates], query, min(k, len(candidates) - 1))]


def _scann(movies: np.ndarray, k: int) -> tuple[Any, str]:
    if not os.environ.get("SCANN_PATH"):
        return None, "not measured: set SCANN_PATH to a folder holding scann (see scripts/bench_ann.py)"
    sys.path.append(os.environ["SCANN_PATH"])
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]  # see the module docstring
    try:
        import scann
    except ImportError as error:
        return None, f"not usable here ({error}); NumPy IVF only"
    leaves = int(np.sqrt(len(movies)))
    searcher = (scann.scann_ops_pybind.builder(movies, k, "dot_product")
                .tree(num_leaves=leaves, num_leaves_to_search=max(1, leaves // 10), training_sample_size=len(movies))
                .score_ah(2, anisotropic_quantization_threshold=0.2).reorder(4 * k).build())
    return searcher, (f"scann {metadata.version('scann')} through its NumPy API: tree {leaves} leaves, "
                      f"search {max(1, leaves // 10)}, asymmetric hashing, reorder {4 * k}")


def bench_retrieval(movies: np.ndarray, queries: np.ndarray, k: int, repeats: int) -> dict[str, Any]:
    movies = np.ascontiguousarray(movies, dtype=np.float32)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    picked = [queries[i % len(queries)] for i in range(repeats)]
    exact = [exact_top_k(movies, q, k) for q in picked]
    methods: dict[str, Any] = {"exact brute force (NumPy)": summarise(
        time_calls(lambda i: exact_top_k(movies, picked[i], k), repeats))}
    cells = int(np.sqrt(len(movies)))
    ivf = IvfIndex(movies, cells, probe=max(1, cells // 10))
    found = [ivf.search(q, k) for q in picked]
    methods[f"IVF NumPy ({cells} cells, probe {ivf.probe})"] = {
        **summarise(time_calls(lambda i: ivf.search(picked[i], k), repeats)), "recall": round(_recall(found, exact), 4)}
    searcher, note = _scann(movies, k)
    if searcher is not None:
        found = [searcher.search(q, final_num_neighbors=k)[0].astype(np.int64) for q in picked]
        methods["ScaNN"] = {**summarise(time_calls(lambda i: searcher.search(picked[i], final_num_neighbors=k),
                                                   repeats)), "recall": round(_recall(found, exact), 4)}
    return {"movies": len(movies), "dim": int(movies.shape[1]), "k": k, "methods": methods, "scann_note": note}
