"""Fit the rating_stack row's weights on validation ratings carved as scripts/tune.py carves them.

    python -m scripts.tune_rating_stack                          # the registry row's members, splits 42 and 43
    python -m scripts.tune_rating_stack --members ranking_known_users,item_knn,bias --splits 42 --threads 1
    python -m scripts.tune_rating_stack --quick --reports-dir /tmp/r   # tiny members: seconds

The tfrs protocol's split is made with --seed and only its training part is used; each validation
split is the tfrs protocol's own split of that part, seeded with one of --splits (scripts/tune.py
uses the report's seed, 42; a second seed shows how far the weights travel). On each, every member
(a registered RatingPredictor) is fitted on the inner training part and predicts the validation
ratings, and the stack's intercept and weights are their least-squares fit. Reported per split: each
member alone and its training seconds, the stack cross-fitted on two random halves of the split, the
stack with the weights fitted on the other splits, and the chosen weights (fitted on all splits'
ratings pooled) applied to it. The test set is never read. Writes reports/tuning_rating_stack.json and
.md; copy the chosen weights into the registry's "rating_stack" row to use them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from movierec.data.loaders import load_configured
from movierec.data.splits import random_split
from movierec.evaluation.metrics import rmse
from movierec.evaluation.protocols import known_user_queries
from movierec.evaluation.queries import fit_timed, is_rating_predictor
from movierec.models import registry
from movierec.models.base import clip_stars
from movierec.settings import add_data_arguments, start_job
from scripts.tune import TUNING

logger = logging.getLogger(__name__)

ROW = "rating_stack"
"""The registry row whose members are tuned by default."""
SPLITS = (42, 43)


def member_factories(members: Sequence[str], *, quick: bool, threads: int) -> dict[str, Any]:
    """Registry factories of ``members``, TensorFlow ones limited to ``threads``; ValueError for an
    unknown name or a model that predicts no stars."""
    factories = {}
    for name in members:
        spec = registry.spec(name)
        fields = {f.name for f in dataclasses.fields(spec.build_config(quick=quick))}
        factories[name] = spec.factory(quick=quick, **({"threads": threads} if "threads" in fields else {}))
        if not is_rating_predictor(factories[name]()):
            raise ValueError(f"{name!r} predicts no stars: it cannot be stacked")
    return factories


def validation_predictions(train: pd.DataFrame, movies: pd.DataFrame, factories: Mapping[str, Any],
                           split_seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """(member predictions [validation ratings, members], actual stars, training seconds per member) on
    the tfrs protocol's split of ``train`` seeded ``split_seed``."""
    split = random_split(train, seed=split_seed)
    queries, targets = known_user_queries(split)
    wanted = [list(targets[query.user_id]) for query in queries]
    actual = np.concatenate([np.fromiter(targets[q.user_id].values(), np.float64) for q in queries])
    columns, seconds = [], {}
    for name, factory in factories.items():
        model = factory()
        seconds[name] = fit_timed(model, split.train, movies)
        columns.append(np.concatenate(model.predict_ratings(queries, wanted)).astype(np.float64))
        logger.info("split %d, %s: rmse %.4f (%.1f s)", split_seed, name, rmse(columns[-1], actual), seconds[name])
    return np.column_stack(columns), actual, seconds


def least_squares(predictions: np.ndarray, actual: np.ndarray) -> tuple[float, list[float]]:
    """(intercept, weights) minimising the squared error of intercept + predictions @ weights."""
    solution, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(actual)), predictions]), actual, rcond=None)
    return float(solution[0]), solution[1:].tolist()


def stack_rmse(predictions: np.ndarray, actual: np.ndarray, intercept: float, weights: Sequence[float]) -> float:
    """RMSE of the stack as RatingStack predicts: clipped to the star scale."""
    return rmse(clip_stars(intercept + predictions @ np.asarray(weights)), actual)


def cross_fitted_rmse(predictions: np.ndarray, actual: np.ndarray, seed: int) -> float:
    """RMSE when each random half of the ratings is predicted with weights fitted on the other half."""
    half = np.random.default_rng(seed).permutation(len(actual)) < len(actual) // 2
    stacked = np.empty_like(actual)
    for fitted, applied in ((half, ~half), (~half, half)):
        intercept, weights = least_squares(predictions[fitted], actual[fitted])
        stacked[applied] = intercept + predictions[applied] @ np.asarray(weights)
    return rmse(clip_stars(stacked), actual)


def tune(ratings: pd.DataFrame, movies: pd.DataFrame, factories: Mapping[str, Any], splits: Sequence[int], *,
         seed: int) -> dict[str, Any]:
    """Per split: members alone, seconds, cross-fitted and transferred stack RMSE; the chosen weights."""
    train = TUNING["tfrs"].split(ratings, seed=seed).train  # the test part is never looked at
    data = {split: validation_predictions(train, movies, factories, split) for split in splits}
    fits = {split: least_squares(predictions, actual) for split, (predictions, actual, _) in data.items()}
    chosen = least_squares(np.vstack([d[0] for d in data.values()]), np.concatenate([d[1] for d in data.values()]))
    results = {}
    for split, (predictions, actual, seconds) in data.items():
        others = [s for s in splits if s != split]
        transferred = least_squares(np.vstack([data[s][0] for s in others]),
                                    np.concatenate([data[s][1] for s in others])) if others else None
        results[str(split)] = {
            "validation_ratings": len(actual), "train_seconds": seconds,
            "alone": {name: rmse(predictions[:, i], actual) for i, name in enumerate(factories)},
            "fitted": {"intercept": fits[split][0], "weights": fits[split][1]},
            "cross_fitted_rmse": cross_fitted_rmse(predictions, actual, seed),
            "transferred_rmse": None if transferred is None else stack_rmse(predictions, actual, *transferred),
            "chosen_rmse": stack_rmse(predictions, actual, *chosen)}
    return {"training_ratings": len(train), "members": list(factories), "splits": results,
            "chosen": {"intercept": chosen[0], "weights": chosen[1]}}


def markdown(result: Mapping[str, Any], metadata: Mapping[str, Any]) -> str:
    members, splits = result["members"], result["splits"]
    lines = ["# Tuning the rating stack", "",
             f"{metadata['date']}: stars = intercept + sum of weight * member's stars, least squares on validation "
             f"ratings carved from the tfrs protocol's training part (seed {metadata['seed']}, "
             f"{result['training_ratings']} ratings; one inner split per seed below; threads={metadata['threads']}, "
             f"quick={metadata['quick']}).", "",
             "| split | ratings | " + " | ".join(f"{m} alone" for m in members)
             + " | stack, halves cross-fitted | stack, other splits' weights | stack, chosen weights | train s |",
             "|---|" + "---|" * (len(members) + 5)]
    for split, row in splits.items():
        transferred = "-" if row["transferred_rmse"] is None else f"{row['transferred_rmse']:.4f}"
        lines.append(f"| {split} | {row['validation_ratings']} | "
                     + " | ".join(f"{row['alone'][m]:.4f}" for m in members)
                     + f" | {row['cross_fitted_rmse']:.4f} | {transferred} | **{row['chosen_rmse']:.4f}** | "
                     + f"{sum(row['train_seconds'].values()):.0f} |")
    lines += ["", "| weights fitted on | intercept | " + " | ".join(members) + " |", "|---|" + "---|" * (len(members) + 1)]
    fitted = {f"split {s}": row["fitted"] for s, row in splits.items()} | {"all (chosen)": result["chosen"]}
    for label, fit in fitted.items():
        lines.append(f"| {label} | {fit['intercept']:.3f} | " + " | ".join(f"{w:.3f}" for w in fit["weights"]) + " |")
    lines += ["", "Training seconds per member: " + "; ".join(
        f"{m} " + " / ".join(f"{row['train_seconds'][m]:.1f}" for row in splits.values()) for m in members) + ".",
        "", "The protocol's test part was never read: only its training part, split again as the protocol splits."]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--members", default=None,
                        help=f"comma-separated registry names (default: the {ROW!r} row's members)")
    parser.add_argument("--splits", default=",".join(map(str, SPLITS)),
                        help="comma-separated seeds of the validation splits (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow threads per member fit (default: 2)")
    parser.add_argument("--reports-dir", type=Path, default=Path("reports"))
    parser.add_argument("--seed", type=int, default=42, help="seed of the tfrs protocol's own split")
    parser.add_argument("--quick", action="store_true", help="the members' tiny test settings: for tests")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = start_job(args)
    try:
        members = ([m.strip() for m in args.members.split(",") if m.strip()] if args.members
                   else list(registry.spec(ROW).build_config().members))
        splits = [int(s) for s in args.splits.split(",") if s.strip()]
        if not members or len(set(members)) != len(members) or not splits or len(set(splits)) != len(splits):
            raise ValueError(f"--members and --splits need distinct entries, got {args.members!r}, {args.splits!r}")
        factories = member_factories(members, quick=args.quick, threads=args.threads)
        _, movielens = load_configured(settings)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tuned_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    result = tune(movielens.ratings, movielens.movies, factories, splits, seed=args.seed)
    metadata = {"date": tuned_at, "seed": args.seed, "splits": splits, "quick": args.quick, "threads": args.threads,
                "ratings": len(movielens.ratings)}
    args.reports_dir.mkdir(parents=True, exist_ok=True)
    (args.reports_dir / "tuning_rating_stack.json").write_text(
        json.dumps({**result, "metadata": metadata}, indent=2), encoding="utf-8")
    (args.reports_dir / "tuning_rating_stack.md").write_text(markdown(result, metadata), encoding="utf-8")
    print(markdown(result, metadata))
    return 0


if __name__ == "__main__":
    sys.exit(main())
