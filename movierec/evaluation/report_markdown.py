"""Renders the metrics report as Markdown: tables per protocol with the references beside our rows,
targets marked met or missed, and a plain sentence for every TFRS model that loses to a baseline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from movierec.evaluation.references import (
    HEADLINE_METRICS, PROTOCOLS, REFERENCES, TABLE_COLUMNS, TARGETS, Target, lower_is_better,
)

Rows = Mapping[str, Mapping[str, float]]

PROTOCOL_TITLES = {
    "tfrs": "Protocol 1 — tfrs: random 80/20 split, factorized top-k over all movies (seen movies not excluded "
            "unless *masked*), RMSE on test ratings",
    "top_n": "Protocol 2 — top-n: per-user stratified 75/25 split, top-10 lists without training movies",
    "new_users": "Protocol 3 — new users: 20% of users never seen in training; H of their ratings given, "
                 "the rest is the test (hN = H of N)",
}


def _format(metric: str, row: Mapping[str, float]) -> str:
    if metric not in row:
        return ""
    value = row[metric]
    digits = 1 if metric == "train_seconds" else 3
    text = f"{value:.{digits}f}"
    if f"{metric}_std" in row:
        text += f" ± {row[f'{metric}_std']:.{digits}f}"
    return text


def _table(protocol: str, rows: Rows, baselines: set[str]) -> list[str]:
    references = [r for r in REFERENCES if r.protocol == protocol]
    columns = [c for c in TABLE_COLUMNS[protocol]
               if any(c in row for row in rows.values()) or any(r.metric == c for r in references)]
    lines = ["| model | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, row in rows.items():
        label = f"{name} (baseline)" if name in baselines else f"**{name}**"
        lines.append(f"| {label} | " + " | ".join(_format(c, row) for c in columns) + " |")
    by_source: dict[str, dict[str, float]] = {}
    for reference in references:
        by_source.setdefault(reference.source, {})[reference.metric] = reference.value
    for source, values in by_source.items():
        lines.append(f"| *ref: {source}* | " + " | ".join(_format(c, values) for c in columns) + " |")
    return lines


def _best(rows: Rows, names: Sequence[str], metric: str) -> tuple[str, float] | None:
    scored = [(name, rows[name][metric]) for name in names if metric in rows.get(name, {})]
    if not scored:
        return None
    pick = min if lower_is_better(metric) else max
    return pick(scored, key=lambda item: item[1])


def target_verdicts(results: Mapping[str, Rows], baselines: set[str], hybrids: set[str] = frozenset()
                    ) -> list[dict[str, Any]]:
    """For each target: the best non-baseline model and whether it meets it, the best of them that blends
    no baseline in (``hybrids`` do) and whether that meets it, and the best baseline."""
    verdicts = []
    for target in TARGETS:
        rows = results.get(target.protocol, {})
        ours = _best(rows, [n for n in rows if n not in baselines], target.metric)
        alone = _best(rows, [n for n in rows if n not in baselines | hybrids], target.metric)
        reference = _best(rows, [n for n in rows if n in baselines], target.metric)
        verdicts.append({"target": target.label, "protocol": target.protocol, "metric": target.metric,
                         "best_model": ours[0] if ours else None, "value": ours[1] if ours else None,
                         "met": target.met_by(ours[1]) if ours else None,
                         "best_tfrs_only": alone[0] if alone else None,
                         "tfrs_only_value": alone[1] if alone else None,
                         "tfrs_only_met": target.met_by(alone[1]) if alone else None,
                         "best_baseline": reference[0] if reference else None,
                         "baseline_value": reference[1] if reference else None,
                         "baseline_meets_it": target.met_by(reference[1]) if reference else None})
    return verdicts


def _verdict_line(target: Target, verdict: Mapping[str, Any], hybrids: set[str]) -> str:
    def named(label: str, name: str, value: float, met: bool) -> str:
        return f"{label} {name} {value:.3f} — {'**met**' if met else '**missed**'}"

    if verdict["best_model"] is None:
        line = f"- {target.label}: no TFRS model in this run — **not evaluated**"
    elif verdict["best_model"] in hybrids:
        line = f"- {target.label}: " + named("best model, a TFRS + baseline hybrid,", verdict["best_model"],
                                             verdict["value"], verdict["met"])
        if verdict["best_tfrs_only"] is not None:
            line += "; " + named("best TFRS model alone", verdict["best_tfrs_only"], verdict["tfrs_only_value"],
                                 verdict["tfrs_only_met"])
    else:
        line = f"- {target.label}: " + named("best TFRS model", verdict["best_model"], verdict["value"], verdict["met"])
    if verdict["best_baseline"] is not None:
        line += f"; best baseline {verdict['best_baseline']} {verdict['baseline_value']:.3f}"
        if verdict["baseline_meets_it"]:
            line += " (the baseline alone meets it)"
    return line


def loss_sentences(protocol: str, rows: Rows, baselines: set[str]) -> list[str]:
    """One sentence per (TFRS model, headline metric) where some baseline does better."""
    sentences = []
    for name, row in rows.items():
        if name in baselines:
            continue
        for metric in HEADLINE_METRICS[protocol]:
            best = _best(rows, sorted(baselines), metric)
            if metric not in row or best is None:
                continue
            worse = row[metric] > best[1] if lower_is_better(metric) else row[metric] < best[1]
            if worse:
                sentences.append(f"{name} loses to the {best[0]} baseline on {metric}: "
                                 f"{row[metric]:.3f} against {best[1]:.3f}.")
    return sentences


def reuse_sentences(rows: Rows) -> list[str]:
    """One sentence per pipeline row measured on models fitted for other rows of the same table."""
    return [f"{name} reuses models fitted for other rows of this table as its stages instead of training them again: "
            f"{row['reused_train_seconds']:.1f} of its {row['train_seconds']:.1f} train_seconds are theirs."
            for name, row in rows.items() if row.get("reused_train_seconds")]


def render_markdown(results: Mapping[str, Rows], metadata: Mapping[str, Any], baselines: set[str],
                    plots: Sequence[str], hybrids: set[str] = frozenset()) -> str:
    """The whole ``metrics.md``."""
    lines = ["# Metrics report", "",
             f"Generated {metadata['date']} on {metadata['dataset']['name']} "
             f"({metadata['dataset']['ratings']} ratings, {metadata['dataset']['users']} users, "
             f"{metadata['dataset']['movies']} movies); seeds {metadata['seeds']}; {metadata['cpu_cores']} CPU cores; "
             f"commit {metadata['git_commit'] or 'unknown'}; quick={metadata['quick']}. "
             f"Full run {metadata['total_seconds']:.0f} s. Configs are in metrics.json.", "",
             "## Targets", ""]
    for target, verdict in zip(TARGETS, target_verdicts(results, baselines, hybrids)):
        lines.append(_verdict_line(target, verdict, hybrids))
    for protocol in PROTOCOLS:
        rows = results.get(protocol, {})
        lines += ["", f"## {PROTOCOL_TITLES[protocol]}", ""] + _table(protocol, rows, baselines)
        if protocol == "new_users" and rows:
            first = next(iter(rows.values()))
            counts = [f"H={key.removeprefix('users_h')}: {int(first[key])} users"
                      f" ({int(first['skipped_' + key])} skipped, fewer than H+1 ratings)"
                      for key in first if key.startswith("users_h")]
            lines += ["", "Users evaluated — " + "; ".join(counts) + "."]
        notes = reuse_sentences(rows) + loss_sentences(protocol, rows, baselines)
        if notes:
            lines += [""] + [f"- {sentence}" for sentence in notes]
    if plots:
        lines += ["", "## Plots", ""] + [f"![{plot}]({plot})" for plot in plots]
    return "\n".join(lines) + "\n"
