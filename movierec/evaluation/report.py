"""Runs every protocol for every model and writes reports/metrics.json, metrics.md and the plots.

The single place that turns models into published numbers, so the README, the issue's targets and
the comparison with the baselines always come from the same seeded run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from movierec.data import schema
from movierec.evaluation.protocols import new_users_protocol, top_n_protocol, tfrs_protocol
from movierec.evaluation.references import PROTOCOLS
from movierec.evaluation.report_markdown import render_markdown, target_verdicts
from movierec.evaluation.report_plots import comparison_plot
from movierec.models import registry

logger = logging.getLogger(__name__)

DEFAULT_SEED = 42
PROTOCOL_FUNCTIONS: dict[str, Callable[..., dict[str, dict[str, float]]]] = {
    "tfrs": tfrs_protocol, "top_n": top_n_protocol, "new_users": new_users_protocol,
}


def _git_commit() -> str | None:
    """The checked-out commit, so a published number can be traced to code; None outside a checkout."""
    try:
        completed = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                                   capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() or None


def _dataset_summary(movielens: Any, ratings: pd.DataFrame, movies: pd.DataFrame) -> dict[str, Any]:
    return {"name": f"MovieLens {getattr(movielens, 'release', '')}".strip(),
            "ratings": len(ratings), "users": int(ratings[schema.USER_ID].nunique()), "movies": len(movies)}


def _extra_rows(name: str, ratings: pd.DataFrame, movies: pd.DataFrame, out_dir: Path, quick: bool,
                seed: int) -> dict[str, dict[str, float]]:
    """Rows from a module's own report helper (DCN mean ± std, heatmap), see registry.EXTRA_REPORTS."""
    helper = registry.import_object(registry.EXTRA_REPORTS[name])
    return helper(ratings, movies, out_dir, quick=quick, seed=seed)


def run_report(movielens: Any, models: Sequence[str] | None, out_dir: Path, *, quick: bool,
               seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Evaluate the registered ``models`` under all three protocols, each seeded with ``seed``.

    ``models`` are names from ``registry.MODELS`` or ``registry.EXTRA_REPORTS``; None means all of them.

    ``movielens`` is what :func:`movierec.data.loaders.load_movielens` returns (``.ratings``,
    ``.movies``). Returns and writes ``{protocol: {model: {metric: value}}, "metadata": {...}}``.
    ``quick`` uses each model's tiny test settings.
    """
    started = time.perf_counter()
    ratings, movies = movielens.ratings, movielens.movies
    names = [*registry.MODELS, *registry.EXTRA_REPORTS] if models is None else list(models)
    model_names = [name for name in names if name not in registry.EXTRA_REPORTS]
    factories = {name: registry.spec(name).factory(quick=quick) for name in model_names}
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, dict[str, float]]] = {protocol: {} for protocol in PROTOCOLS}
    # every model of a protocol in one call: one split, whose fitted models a pipeline row reuses
    steps = [(protocol, None) for protocol in PROTOCOLS if factories]
    steps += [("tfrs", name) for name in names if name in registry.EXTRA_REPORTS]  # their rows are RMSE rows
    for protocol, extra in tqdm(steps, desc="report (protocol, extra rows)", unit="step"):
        if extra is None:
            results[protocol] |= PROTOCOL_FUNCTIONS[protocol](ratings, movies, factories, seed=seed)
        else:
            results[protocol] |= _extra_rows(extra, ratings, movies, out_dir, quick, seed)

    baselines = {name for name in model_names if registry.spec(name).baseline}
    hybrids = {name for name in model_names if registry.spec(name).hybrid}
    plots = [path for protocol in PROTOCOLS
             if (path := comparison_plot(protocol, results[protocol], baselines, out_dir)) is not None]
    plot_names = sorted({p.name for p in plots} | {p.name for p in out_dir.glob("*.png")})
    metadata = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": _dataset_summary(movielens, ratings, movies),
        "seeds": {protocol: seed for protocol in PROTOCOLS},
        "configs": {name: dataclasses.asdict(registry.spec(name).build_config(quick=quick)) for name in model_names},
        "baselines": sorted(baselines),
        "hybrids": sorted(hybrids),
        "cpu_cores": os.cpu_count(),
        "git_commit": _git_commit(),
        "quick": quick,
        "total_seconds": time.perf_counter() - started,
        "plots": plot_names,
    }
    report = {**results, "targets": target_verdicts(results, baselines, hybrids), "metadata": metadata}
    (out_dir / "metrics.json").write_text(json.dumps(report, indent=2, default=_json_value), encoding="utf-8")
    (out_dir / "metrics.md").write_text(render_markdown(results, metadata, baselines, plot_names, hybrids), encoding="utf-8")
    logger.info("metrics report written to %s in %.0f s", out_dir, metadata["total_seconds"])
    return report


def _json_value(value: Any) -> Any:
    """NumPy scalars and tuples inside configs become plain JSON values."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot write {type(value).__name__} to metrics.json")
