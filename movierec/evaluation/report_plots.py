"""Bar charts of every model against the baselines, one PNG per protocol, for the metrics report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the report runs headless (CI, servers): never ask for a display
import matplotlib.pyplot as plt  # noqa: E402

from movierec.evaluation.references import HEADLINE_METRICS, TARGETS  # noqa: E402

BASELINE_COLOUR, MODEL_COLOUR = "#9e9e9e", "#1f77b4"


def comparison_plot(protocol: str, rows: Mapping[str, Mapping[str, float]], baselines: set[str],
                    out_dir: Path) -> Path | None:
    """``<protocol>_comparison.png``: one panel per headline metric, dashed line at the target if any."""
    metrics = [m for m in HEADLINE_METRICS[protocol] if any(m in row for row in rows.values())]
    if not metrics:
        return None
    figure, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.6), squeeze=False)
    for axis, metric in zip(axes[0], metrics):
        names = [name for name, row in rows.items() if metric in row]
        values = [rows[name][metric] for name in names]
        errors = [rows[name].get(f"{metric}_std", 0.0) for name in names]
        colours = [BASELINE_COLOUR if name in baselines else MODEL_COLOUR for name in names]
        bars = axis.bar(names, values, yerr=errors, color=colours)
        axis.bar_label(bars, fmt="%.3f", fontsize=7)
        for target in TARGETS:
            if target.protocol == protocol and target.metric == metric:
                axis.axhline(target.threshold, linestyle="--", color="#d62728", label=f"target {target.threshold}")
                axis.legend(loc="lower right", fontsize=7)
        axis.set_title(metric)
        axis.tick_params(axis="x", labelrotation=45, labelsize=8)
    figure.suptitle(f"{protocol}: models (blue) against baselines (grey)")
    figure.tight_layout()
    path = out_dir / f"{protocol}_comparison.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def loss_curves_plot(histories: Mapping[str, Mapping[str, list[float]]], out_dir: Path) -> Path | None:
    """``loss_curves.png``: the per-epoch training loss of each served model (one panel each).

    ``histories`` maps a role ("retrieval", "ranking") to Keras' per-epoch logs; the epoch's mean
    loss is drawn (``mean_loss``, see :class:`movierec.models.training.EpochMeanLoss`). Roles without
    it (the closed-form baselines) are left out, and nothing is drawn when none has one.
    """
    curves = {role: logs["mean_loss"] for role, logs in histories.items() if logs.get("mean_loss")}
    if not curves:
        return None
    figure, axes = plt.subplots(1, len(curves), figsize=(4.5 * len(curves), 3.4), squeeze=False)
    for axis, (role, losses) in zip(axes[0], curves.items()):
        axis.plot(range(1, len(losses) + 1), losses, marker=".", color=MODEL_COLOUR)
        axis.set_title(f"{role}: training loss")
        axis.set_xlabel("epoch")
    figure.tight_layout()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "loss_curves.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
