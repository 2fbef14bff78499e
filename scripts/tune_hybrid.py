"""Tune the baseline weights of the retrieval + baseline blends on validation data carved as scripts/tune.py does.

    python -m scripts.tune_hybrid                                  # new_users and top_n, the full weight grid
    python -m scripts.tune_hybrid --protocols top_n --threads 1 --weights 0,0.2,0.5
    python -m scripts.tune_hybrid --quick --reports-dir /tmp/r     # tiny retrieval, few weights: seconds

For each protocol the protocol's own split is made with the seed and only its *training* part is
used: the protocol then runs inside it (:data:`scripts.tune.TUNING`, with its options), so its split
carves the validation users or ratings out of the training data. The test set is never read.

The registered "retrieval" model and the baseline rows (EASE: "ease", l2=400, and "ease_new_users",
l2=3200; implicit ALS: "ials") are each fitted once per protocol; every
:class:`~movierec.models.hybrid.HybridScorer` of the grid (each baseline alone at each of ``--weights``,
and the :data:`PAIRS` at every combination of :data:`PAIR_WEIGHTS`) is handed those fitted parts by the
protocol (:func:`movierec.evaluation.queries.fitted_models`), so scoring the grid trains nothing more.
Weight 0 is the retrieval order alone. Writes reports/tuning_hybrid.json (every cell's metrics, the best
weights per blend, the choice per protocol, seeds, training seconds) and reports/tuning_hybrid.md;
copy a choice into the registry's hybrid rows ("retrieval_ease_new_users", "retrieval_ease_ials") to use it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from movierec.data.loaders import load_configured
from movierec.models import registry
from movierec.models.hybrid import HybridConfig, HybridScorer
from movierec.settings import add_data_arguments, start_job
from scripts.tune import TUNING

logger = logging.getLogger(__name__)

RETRIEVAL = "retrieval"
"""Registry name of the retrieval part (HybridConfig's default)."""
BASELINE_ROWS = ("ease", "ease_new_users", "ials")
"""Registry names of the baseline parts tried: EASE with the top-n (l2=400) and the new-users (l2=3200)
penalty, and implicit ALS."""
WEIGHTS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.75, 1.0, 2.0)
"""Weights tried for a single baseline."""
PAIRS = (("ease", "ials"), ("ease_new_users", "ials"))
"""Two baselines blended with retrieval at once: EASE's item-item and implicit ALS's low-rank evidence."""
PAIR_WEIGHTS = (0.25, 0.5, 0.75, 1.0)
"""Weights tried for each baseline of a pair (every combination)."""


def blends(weights: Sequence[float], pair_weights: Sequence[float]) -> list[tuple[tuple[str, ...], tuple[float, ...]]]:
    """(baselines, weights) of every hybrid in the grid: each baseline alone, then each pair."""
    singles = [((baseline,), (weight,)) for baseline in BASELINE_ROWS for weight in weights]
    return singles + [(pair, (first, second)) for pair in PAIRS for first in pair_weights for second in pair_weights]


def row_name(baselines: Sequence[str], weights: Sequence[float]) -> str:
    return f"{' + '.join(baselines)} w={','.join(f'{w:g}' for w in weights)}"


def grid_models(grid: Sequence[tuple[tuple[str, ...], tuple[float, ...]]], *, quick: bool,
                threads: int) -> dict[str, Callable[[], Any]]:
    """Factories for one protocol call: the parts under their registry names, then one hybrid per grid cell
    named by :func:`row_name`."""
    retrieval = registry.spec(RETRIEVAL).factory(quick=quick, threads=threads)

    def hybrid(baselines: tuple[str, ...], weights: tuple[float, ...]) -> Callable[[], HybridScorer]:
        # the protocol hands each one the fitted parts above (their threads may differ: a run-only setting)
        return lambda: HybridScorer(HybridConfig(retrieval=RETRIEVAL, baselines=baselines, weights=weights,
                                                 quick=quick))

    parts = {RETRIEVAL: retrieval, **{baseline: registry.spec(baseline).factory() for baseline in BASELINE_ROWS}}
    return parts | {row_name(*cell): hybrid(*cell) for cell in grid}


def tune_protocol(protocol: str, ratings: pd.DataFrame, movies: pd.DataFrame, weights: Sequence[float],
                  pair_weights: Sequence[float], *, quick: bool, seed: int, threads: int) -> dict[str, Any]:
    """Every grid cell's metrics on ``protocol``'s validation data, the best weights per blend (a baseline
    or a pair) and the best cell overall."""
    tuning = TUNING[protocol]
    train = tuning.split(ratings, seed=seed).train  # the test part is never looked at
    cells = blends(weights, pair_weights)
    rows = tuning.evaluate(train, movies, grid_models(cells, quick=quick, threads=threads), seed=seed,
                           **tuning.options)
    metric = tuning.scorer_metric
    grid: dict[str, dict[str, float]] = {}
    for baselines, cell_weights in cells:
        grid.setdefault(" + ".join(baselines), {})[",".join(f"{w:g}" for w in cell_weights)] = \
            rows[row_name(baselines, cell_weights)][metric]
    best = {blend: max(({"weights": [float(w) for w in key.split(",")], "value": v} for key, v in values.items()),
                       key=lambda b: b["value"])
            for blend, values in grid.items()}
    chosen = max(best, key=lambda blend: best[blend]["value"])
    return {"metric": metric, "training_ratings": len(train), "options": dict(tuning.options), "grid": grid,
            "alone": {part: rows[part][metric] for part in (RETRIEVAL, *BASELINE_ROWS)},
            "train_seconds": {part: rows[part]["train_seconds"] for part in (RETRIEVAL, *BASELINE_ROWS)},
            "best": best, "chosen": {"baselines": chosen.split(" + "), **best[chosen]}, "rows": rows}


def registry_rows() -> dict[str, tuple[str, tuple[float, ...]]]:
    """Registered hybrid rows: name -> (their blend as the grid names it, the weights they use now)."""
    rows = {}
    for name, spec in registry.MODELS.items():
        if spec.hybrid and spec.model.endswith(":HybridScorer"):
            config = spec.build_config()
            rows[name] = (" + ".join(config.baselines), tuple(config.weights))
    return rows


def _weights_text(weights: Sequence[float]) -> str:
    return ", ".join(f"{w:g}" for w in weights)


def settings_text(config: Any) -> str:
    """A baseline's config as ``field=value`` pairs, for the table's row labels."""
    return ", ".join(f"{field.name}={getattr(config, field.name):g}" for field in dataclasses.fields(config)
                     if field.name != "seed")


def markdown(results: Mapping[str, Mapping[str, Any]], metadata: Mapping[str, Any]) -> str:
    weights = [f"{weight:g}" for weight in metadata["weights"]]
    pair_weights = [f"{weight:g}" for weight in metadata["pair_weights"]]
    lines = ["# Tuning the retrieval + baseline blends", "",
             f"{metadata['date']}: score = z(retrieval) + the weighted sum of z(baseline) over one or two baselines, "
             f"on validation data carved from each protocol's training part (seed {metadata['seed']}; retrieval seed "
             f"{metadata['retrieval_seed']}, threads={metadata['threads']}, fitted once per protocol; "
             f"quick={metadata['quick']}). Weight 0 is the retrieval order alone; the best cell per blend is in bold. "
             "One retrieval fit and one split: differences of a few thousandths are within their noise."]
    for protocol, result in results.items():
        seconds, grid = result["train_seconds"], result["grid"]
        carve = ", ".join(f"{key}={value}" for key, value in result["options"].items()) or "the protocol's defaults"
        lines += ["", f"## {protocol}: {result['metric']}", "",
                  f"Validation carve: {carve}. Training part: {result['training_ratings']} ratings; retrieval "
                  f"fitted in {seconds[RETRIEVAL]:.0f} s, retrieval alone {result['alone'][RETRIEVAL]:.4f}.", "",
                  "| baseline row \\ weight | " + " | ".join(weights) + " | baseline alone |",
                  "|---|" + "---|" * (len(weights) + 1)]
        for baseline in BASELINE_ROWS:
            lines.append(f"| {baseline} ({metadata['baseline_settings'][baseline]}) | "
                         + " | ".join(_cells(grid[baseline], weights, result["best"][baseline]))
                         + f" | {result['alone'][baseline]:.4f} |")
        for first, second in PAIRS:
            blend = f"{first} + {second}"
            lines += ["", f"{blend}: rows weight {first}, columns weight {second}", "",
                      f"| {first} \\ {second} | " + " | ".join(pair_weights) + " |",
                      "|---|" + "---|" * len(pair_weights)]
            for row in pair_weights:
                lines.append(f"| {row} | " + " | ".join(_cells(grid[blend], [f"{row},{column}" for column in pair_weights],
                                                            result["best"][blend])) + " |")
    lines += ["", "## Chosen", ""]
    for protocol, result in results.items():
        chosen = result["chosen"]
        line = (f"- {protocol}: best cell {' + '.join(chosen['baselines'])} with weights "
                f"{_weights_text(chosen['weights'])} ({result['metric']} {chosen['value']:.4f}). Registered rows here:")
        rows = [(name, blend, used, result["grid"][blend].get(",".join(f"{w:g}" for w in used)))
                for name, (blend, used) in registry_rows().items() if blend in result["grid"]]
        line += "".join(f" {name} ({blend}, {_weights_text(used)})"
                        + (f" {here:.4f}, {here - chosen['value']:+.4f};" if here is not None else " not in the grid;")
                        for name, blend, used, here in rows) or " none"
        lines.append(line.rstrip(";") + ".")
    lines += ["", "The protocols' test parts were never read: only their training parts, split again by the protocol."]
    return "\n".join(lines) + "\n"


def _cells(values: Mapping[str, float], keys: Sequence[str], best: Mapping[str, Any]) -> list[str]:
    """Table cells for ``keys`` of one blend's grid, its best cell in bold."""
    best_key = ",".join(f"{w:g}" for w in best["weights"])
    return [f"**{values[key]:.4f}**" if key == best_key else f"{values[key]:.4f}" for key in keys]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--protocols", default="new_users,top_n",
                        help=f"comma-separated, of {', '.join(sorted(TUNING))} (default: new_users,top_n)")
    parser.add_argument("--weights", default=",".join(f"{w:g}" for w in WEIGHTS),
                        help="comma-separated baseline weights >= 0 (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow threads for the retrieval fit (default: 2)")
    parser.add_argument("--reports-dir", type=Path, default=Path("reports"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="tiny retrieval and the first two weights: for tests")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = start_job(args)
    protocols = [p.strip() for p in args.protocols.split(",") if p.strip()]
    try:
        unknown = [p for p in protocols if p not in TUNING]
        if unknown or not protocols:
            raise ValueError(f"unknown protocols {unknown}; choose from {sorted(TUNING)}")
        weights = [float(w) for w in args.weights.split(",") if w.strip()]
        if not weights or any(not w >= 0 for w in weights):
            raise ValueError(f"--weights must be numbers >= 0, got {args.weights!r}")
        _, movielens = load_configured(settings)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    weights = weights[:2] if args.quick else weights
    pair_weights = PAIR_WEIGHTS[:1] if args.quick else PAIR_WEIGHTS
    tuned_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results = {protocol: tune_protocol(protocol, movielens.ratings, movielens.movies, weights, pair_weights,
                                       quick=args.quick, seed=args.seed, threads=args.threads)
               for protocol in protocols}
    metadata = {"date": tuned_at, "seed": args.seed, "quick": args.quick, "threads": args.threads,
                "retrieval_seed": registry.spec(RETRIEVAL).build_config(quick=args.quick).seed,
                "baseline_settings": {baseline: settings_text(registry.spec(baseline).build_config())
                                      for baseline in BASELINE_ROWS},
                "weights": weights, "pair_weights": pair_weights, "ratings": len(movielens.ratings)}
    args.reports_dir.mkdir(parents=True, exist_ok=True)
    (args.reports_dir / "tuning_hybrid.json").write_text(
        json.dumps({"protocols": results, "metadata": metadata}, indent=2), encoding="utf-8")
    (args.reports_dir / "tuning_hybrid.md").write_text(markdown(results, metadata), encoding="utf-8")
    print(markdown(results, metadata))
    return 0


if __name__ == "__main__":
    sys.exit(main())
