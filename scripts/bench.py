"""Benchmarks of serving, title matching, the bot end to end, start-up and training.

    python -m scripts.bench                       # full run on the published models -> reports/bench.{md,json}
    python -m scripts.bench --quick --out DIR      # seconds-scale smoke run (CI): trains tiny models itself
    python -m scripts.bench --sections serving,titles   # only some sections; others keep their last results
    python -m scripts.bench --train                # also time the default training (minutes) and its peak RSS

Scale figures (synthetic ML-25M-format data) come from ``python -m scripts.bench_scale`` and are kept
in the same JSON under "scale". Targets from issue 5 are printed next to each figure, never asserted:
timings on a shared machine are for people to read, not for tests to fail on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from movierec.data.loaders import resolve_data_source
from movierec.settings import settings_from_arguments
from scripts.bench_report import render
from scripts.bench_stats import children_peak_rss_mb, target

SECTIONS = ("training", "serving", "titles", "e2e")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny repetitions and models: seconds, for CI")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="folder for bench.md and bench.json")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="a MovieLens release folder or zip (default: $MOVIEREC_DATA_DIR, else download ML-100k)")
    parser.add_argument("--artifacts-dir", type=Path, default=None,
                        help="trained versions to serve (default: $MOVIEREC_ARTIFACTS_DIR or artifacts/; "
                             "with --quick, tiny models trained into a temporary folder)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--train", action="store_true", help="time the default training (minutes) and its RSS")
    parser.add_argument("--repeats", type=int, default=None, help="timed calls per figure (default 300; quick 20)")
    parser.add_argument("--users", type=int, default=None, help="simulated bot users (default 100; quick 4)")
    parser.add_argument("--messages", type=int, default=None, help="messages per user (default 20; quick 6)")
    parser.add_argument("--think-s", type=float, default=None,
                        help="mean pause between a reply and the user's next message (default 6; quick 0.2)")
    parser.add_argument("--saturated-messages", type=int, default=None,
                        help="messages per user of the no-pause capacity run (default 5; quick 2; 0 skips it)")
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    args.repeats = args.repeats or (20 if args.quick else 300)
    args.users = args.users or (4 if args.quick else 100)
    args.messages = args.messages or (6 if args.quick else 20)
    args.think_s = args.think_s if args.think_s is not None else (0.2 if args.quick else 6.0)
    if args.saturated_messages is None:
        args.saturated_messages = 2 if args.quick else 5
    return args


def run_training(artifacts_dir: Path, data_dir: Path, *, quick: bool) -> dict[str, Any]:
    """Run scripts.train in a child process: wall time and the child's peak RSS."""
    command = [sys.executable, "-m", "scripts.train", "--artifacts-dir", str(artifacts_dir),
               "--data-dir", str(data_dir), "--log-level", "WARNING"] + (["--quick"] if quick else [])
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL)
    wall = round(time.perf_counter() - started, 1)
    result = {"settings": "quick" if quick else "default", "wall_s": wall, "peak_rss_mb": children_peak_rss_mb()}
    if not quick:
        result["targets"] = {"wall_s": target(wall, 180.0, "s")}
    return result


def recorded_training(artifacts_dir: Path) -> dict[str, Any]:
    """The training times the published version recorded in its manifest."""
    from movierec.artifacts import latest_version_dir, read_manifest

    manifest = read_manifest(latest_version_dir(artifacts_dir))
    seconds = {role: m.get("train_seconds") for role, m in manifest["models"].items()}
    total = round(sum(s for s in seconds.values() if s is not None), 1)
    return {"settings": "default" if not manifest.get("serving", {}).get("quick") else "quick",
            "source": f"manifest of {manifest['version']}",
            "model_train_s": json.dumps(seconds), "wall_s": total,
            "targets": {"wall_s": target(total, 180.0, "s")}}


def recorded_report(metrics_json: Path) -> dict[str, Any]:
    """How long the last full metrics report (``python -m scripts.train --report``) took, as it recorded."""
    metadata = json.loads(metrics_json.read_text())["metadata"]
    wall = round(float(metadata["total_seconds"]), 1)
    return {"source": f"{metrics_json.name} of {metadata['date']}", "quick": metadata.get("quick"),
            "wall_s": wall, "targets": {"wall_s": target(wall, 900.0, "s")}}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = settings_from_arguments(args)  # as the bot and training read them: the same data and artifacts
    args.data_dir = resolve_data_source(settings.data_dir)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    out_json = args.out / "bench.json"
    results: dict[str, Any] = json.loads(out_json.read_text()) if out_json.is_file() else {}
    with tempfile.TemporaryDirectory(prefix="movierec-bench-") as tmp:
        workdir = Path(tmp)
        artifacts = settings.artifacts_dir
        if args.quick and args.artifacts_dir is None:
            artifacts = workdir / "artifacts"
            results["training"] = run_training(artifacts, args.data_dir, quick=True)
        elif "training" in args.sections:  # a measured run (--train) is kept until the next one
            results["training_recorded"] = recorded_training(artifacts)
            if (args.out / "metrics.json").is_file():
                results["report_recorded"] = recorded_report(args.out / "metrics.json")
            if args.train:
                results["training"] = run_training(workdir / "trained", args.data_dir, quick=False)
        results["meta"] = {"quick": args.quick, "artifacts": str(artifacts), "data_dir": str(args.data_dir),
                           "repeats": args.repeats, "python": platform.python_version(),
                           "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared)",
                           "finished_at": ""}
        _run_sections(args, artifacts, workdir, results)
    results["meta"]["finished_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    args.out.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (args.out / "bench.md").write_text(render(results))
    print(f"wrote {out_json} and {args.out / 'bench.md'}")
    return 0


def _run_sections(args: argparse.Namespace, artifacts: Path, workdir: Path, results: dict[str, Any]) -> None:
    from movierec.data.loaders import load_movielens
    from movierec.serving import Recommender
    from scripts.bench_e2e import run_e2e
    from scripts.bench_serving import bench_recommender, bench_title_matching

    recommender = Recommender.load(artifacts)
    movielens = load_movielens(args.data_dir)
    if "serving" in args.sections:
        results["serving"] = bench_recommender(recommender, movielens.ratings, args.repeats)
    if "titles" in args.sections:
        results["title_matching"] = bench_title_matching(recommender.catalog, args.repeats, p99_target_ms=5.0)
    if "e2e" in args.sections:
        results["e2e"] = asyncio.run(run_e2e(recommender.catalog, artifacts.resolve(), args.data_dir.resolve(),
                                             workdir, users=args.users, messages=args.messages,
                                             think_s=args.think_s, light_users=0 if args.quick else 5,
                                             saturated_messages=args.saturated_messages))


if __name__ == "__main__":
    sys.exit(main())
