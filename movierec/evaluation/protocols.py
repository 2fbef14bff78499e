"""The three seeded evaluation protocols; each returns ``{model name: {metric: value}}``.

1. :func:`tfrs_protocol` reproduces the TFRS tutorials' numbers (random 80/20 split, factorized
   top-k accuracy over the whole catalog, seen movies not excluded) so we can compare with them.
2. :func:`top_n_protocol` is the Microsoft Recommenders ML-100k setting (per-user 75/25 split,
   top-10 lists without the training movies).
3. :func:`new_users_protocol` is the bot's real situation: people the models never saw give H ratings.

A model factory is called once per protocol; every row records the training time in seconds. A
pipeline row (two-stage) is measured on the models fitted for its stages' rows in the same call.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.data.splits import Split, held_out_users_split, per_user_split, random_split
from movierec.evaluation.metrics import (
    NO_ITEM, average_precision_at_k, ndcg_at_k, precision_at_k, recall_at_k, rmse, target_ranks, top_k_indices,
)
from movierec.evaluation.queries import (
    ModelFactory, column_lookup, fitted_models, histories_by_user, history_mask, is_item_scorer,
    is_rating_predictor, scored_batches, user_features,
)
from movierec.models.base import ItemScorer, RatingPredictor, UserQuery

logger = logging.getLogger(__name__)

TFRS_KS = (1, 5, 10, 50, 100)
HISTORY_SIZES = (1, 5, 10, 20)
LIST_LENGTH = 10


def tfrs_protocol(ratings: pd.DataFrame, movies: pd.DataFrame, models: Mapping[str, ModelFactory], *,
                  test_fraction: float = 0.2, seed: int = 42, ks: Sequence[int] = TFRS_KS) -> dict[str, dict[str, float]]:
    """Random split; every test rating is a (user, target) pair whose query is the user's training
    history, id and demographics. Reports ``factorized_top_{k}`` (seen movies can outrank the target,
    as in TFRS's FactorizedTopK), ``factorized_top_{k}_masked`` (training movies removed) and ``rmse``."""
    split = random_split(ratings, test_fraction=test_fraction, seed=seed)
    queries, targets_by_user = known_user_queries(split)
    results = {}
    for name, model, timing in fitted_models(models, split.train, movies):
        row = dict(timing)
        if is_item_scorer(model):
            row |= _factorized_top_k(model, queries, targets_by_user, ks)
        if is_rating_predictor(model):
            row["rmse"] = _rating_rmse(model, queries, [targets_by_user[q.user_id] for q in queries])
        results[name] = row
        logger.info("tfrs protocol, %s: %s", name, row)
    return results


def known_user_queries(split: Split) -> tuple[list[UserQuery], dict[int, dict[int, float]]]:
    """The tfrs protocol's queries, one per test user (training history, id, demographics), and each
    test user's test ratings (user_id -> {movie_id: stars})."""
    histories, features = histories_by_user(split.train), user_features(split.train)
    test_users = split.test[schema.USER_ID].astype(int).unique()
    queries = [UserQuery(history=histories.get(u, {}), user_id=int(u), features=features.get(u, {})) for u in test_users]
    return queries, histories_by_user(split.test)


def _factorized_top_k(model: ItemScorer, queries: Sequence[UserQuery], targets_by_user: Mapping[int, Mapping[int, float]],
                      ks: Sequence[int]) -> dict[str, float]:
    lookup = column_lookup(model.movie_ids)
    catalog_size = len(lookup)
    # a model that already drops the history from its scores (the served pipeline) has no unmasked number
    suffixes = ("_masked",) if getattr(model, "excludes_history", False) else ("", "_masked")
    hits = {f"factorized_top_{k}{suffix}": 0 for k in ks for suffix in suffixes}
    total = 0
    for start, scores in scored_batches(model, queries):
        batch = queries[start:start + len(scores)]
        masked_scores = np.where(history_mask(batch, lookup), -np.inf, scores)
        rows, targets, missing = [], [], 0
        for row, query in enumerate(batch):
            for movie_id in targets_by_user[query.user_id]:
                if movie_id in lookup:
                    rows.append(row)
                    targets.append(lookup[movie_id])
                else:  # a movie the model cannot score is a miss at every k
                    missing += 1
        total += len(rows) + missing
        rows_array = np.asarray(rows, dtype=np.int64)
        for suffix, matrix in (("", scores), ("_masked", masked_scores)):
            if suffix not in suffixes:
                continue
            ranks = target_ranks(matrix[rows_array], targets) if rows else np.full(0, catalog_size)
            for k in ks:
                hits[f"factorized_top_{k}{suffix}"] += int((ranks < k).sum())
    return {metric: count / total for metric, count in hits.items()}


def _rating_rmse(model: RatingPredictor, queries: Sequence[UserQuery], targets: Sequence[Mapping[int, float]]) -> float:
    predicted = model.predict_ratings(queries, [list(target) for target in targets])
    actual = [np.fromiter(target.values(), dtype=np.float64, count=len(target)) for target in targets]
    return rmse(np.concatenate(predicted), np.concatenate(actual))


def _top_n_movie_ids(model: ItemScorer, queries: Sequence[UserQuery], k: int) -> list[list[int]]:
    """The k best movie ids per query, each query's history excluded (NO_ITEM pads short lists).

    Lists hold movie ids, not columns, so a relevant movie the model cannot score still counts
    against it: it is what the user went on to rate."""
    lookup = column_lookup(model.movie_ids)
    padded_ids = np.append(model.movie_ids, NO_ITEM)  # column NO_ITEM (-1) reads the pad
    lists = []
    for start, scores in scored_batches(model, queries):
        columns = top_k_indices(scores, k, history_mask(queries[start:start + len(scores)], lookup))
        lists.extend(padded_ids[columns].tolist())
    return lists


def top_n_protocol(ratings: pd.DataFrame, movies: pd.DataFrame, models: Mapping[str, ModelFactory], *,
                   test_fraction: float = 0.25, seed: int = 42, k: int = LIST_LENGTH) -> dict[str, dict[str, float]]:
    """Per-user stratified split; top-k lists without training movies; every test movie is relevant.
    Only ItemScorers get rows: a pure rating model has no list to judge."""
    split = per_user_split(ratings, test_fraction=test_fraction, seed=seed)
    histories, features = histories_by_user(split.train), user_features(split.train)
    relevant_by_user = histories_by_user(split.test)
    users = sorted(relevant_by_user)
    queries = [UserQuery(history=histories.get(u, {}), user_id=u, features=features.get(u, {})) for u in users]
    results = {}
    for name, model, timing in fitted_models(models, split.train, movies, wanted=is_item_scorer):
        sums = dict.fromkeys((f"precision_at_{k}", f"recall_at_{k}", f"ndcg_at_{k}", f"map_at_{k}"), 0.0)
        for user, recommended in zip(users, _top_n_movie_ids(model, queries, k)):
            relevant = relevant_by_user[user].keys()
            sums[f"precision_at_{k}"] += precision_at_k(recommended, relevant, k)
            sums[f"recall_at_{k}"] += recall_at_k(recommended, relevant, k)
            sums[f"ndcg_at_{k}"] += ndcg_at_k(recommended, relevant, k)
            sums[f"map_at_{k}"] += average_precision_at_k(recommended, relevant, k)
        results[name] = timing | {"users": len(users)} | {m: v / len(users) for m, v in sums.items()}
        logger.info("top-n protocol, %s: %s", name, results[name])
    return results


def _new_user_cases(held_out: pd.DataFrame, history_size: int, seed: int
                    ) -> tuple[list[UserQuery], list[dict[int, float]], int]:
    """For each held-out user with more than ``history_size`` ratings: a query holding a random
    ``history_size`` of them (no id, no demographics: the bot's users give neither) and the rest
    as the test. Returns queries, tests and the number of users skipped for having too few ratings."""
    rng = np.random.default_rng([seed, history_size])  # same cases whatever models are compared
    queries, tests, skipped = [], [], 0
    for user_id, ratings in sorted(histories_by_user(held_out).items()):
        if len(ratings) <= history_size:
            skipped += 1
            continue
        movie_ids = list(ratings)
        given = set(rng.permutation(len(movie_ids))[:history_size].tolist())
        queries.append(UserQuery(history={movie_ids[i]: ratings[movie_ids[i]] for i in sorted(given)}))
        tests.append({m: ratings[m] for i, m in enumerate(movie_ids) if i not in given})
    return queries, tests, skipped


def new_users_protocol(ratings: pd.DataFrame, movies: pd.DataFrame, models: Mapping[str, ModelFactory], *,
                       user_fraction: float = 0.2, seed: int = 42, history_sizes: Sequence[int] = HISTORY_SIZES,
                       k: int = LIST_LENGTH) -> dict[str, dict[str, float]]:
    """Models train without the held-out users; each is then served H of a held-out user's ratings.
    Keys per H: ``precision_at_{k}_h{H}``, ``ndcg_at_{k}_h{H}`` (history excluded) for ItemScorers,
    ``rmse_h{H}`` for RatingPredictors, and ``users_h{H}`` / ``skipped_users_h{H}`` (too few ratings)."""
    split = held_out_users_split(ratings, user_fraction=user_fraction, seed=seed)
    cases = {h: _new_user_cases(split.test, h, seed) for h in history_sizes}
    for h, (queries, _, skipped) in cases.items():
        logger.info("new-users protocol, H=%d: %d users, %d skipped with <= %d ratings", h, len(queries), skipped, h)
    results = {}
    for name, model, timing in fitted_models(models, split.train, movies):
        row = dict(timing)
        for h, (queries, tests, skipped) in cases.items():
            row[f"users_h{h}"], row[f"skipped_users_h{h}"] = len(queries), skipped
            if not queries:
                continue
            if is_item_scorer(model):
                lists = _top_n_movie_ids(model, queries, k)
                row[f"precision_at_{k}_h{h}"] = float(np.mean([precision_at_k(r, t.keys(), k) for r, t in zip(lists, tests)]))
                row[f"ndcg_at_{k}_h{h}"] = float(np.mean([ndcg_at_k(r, t.keys(), k) for r, t in zip(lists, tests)]))
            if is_rating_predictor(model):
                row[f"rmse_h{h}"] = _rating_rmse(model, queries, tests)
        results[name] = row
        logger.info("new-users protocol, %s: %s", name, row)
    return results
