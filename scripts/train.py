"""Train the bot's models (and, with --report, run every evaluation protocol).

    python -m scripts.train                      # train the served models on MovieLens, publish a version
    python -m scripts.train --if-missing         # the same, only when no trained version exists (make bot)
    python -m scripts.train --report             # also write reports/metrics.{json,md} and plots
    python -m scripts.train --quick ...          # tiny settings, for tests and smoke runs

Settings come from the command line, falling back to MOVIEREC_DATA_DIR, MOVIEREC_METADATA_DIR,
MOVIEREC_ARTIFACTS_DIR and LOG_LEVEL (from the environment or .env, as for the bot).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from movierec.artifacts import ArtifactsUnavailable, latest_version_dir
from movierec.data.download import DataDownloadError
from movierec.data.loaders import load_configured
from movierec.models.registry import spec
from movierec.models.two_stage import TwoStageConfig
from movierec.settings import add_data_arguments, start_job
from movierec.training.served import SERVED_ROLES, check_servable, train_served_models

logger = logging.getLogger("movierec.train")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(parser, artifacts=True)
    parser.add_argument("--reports-dir", type=Path, default=Path("reports"), help="where --report writes")
    parser.add_argument("--models", default=None,
                        help="comma-separated registry names for --report (default: every registered model)")
    parser.add_argument("--retrieval", default=TwoStageConfig.retrieval, help="registry name of the served retrieval model")
    parser.add_argument("--ranking", default=TwoStageConfig.ranking, help="registry name of the served ranking model")
    parser.add_argument("--epochs", type=int, default=None, help="override the models' epochs")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="tiny settings: seconds, for tests")
    parser.add_argument("--report", action="store_true", help="run every evaluation protocol and write reports/")
    parser.add_argument("--tensorboard", type=Path, default=None, metavar="DIR",
                        help="write TensorBoard training logs of the served models under DIR")
    parser.add_argument("--no-train", action="store_true", help="with --report: skip training the served models")
    parser.add_argument("--if-missing", action="store_true", help="do nothing when a trained version already exists")
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        parser.error("--epochs must be at least 1")
    args.models = [n.strip() for n in args.models.split(",") if n.strip()] if args.models else None
    for name in [args.retrieval, args.ranking, *(args.models or [])]:
        try:
            spec(name)
        except ValueError as error:
            parser.error(str(error))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = start_job(args)  # the bot reads the same settings: both find the same artifacts
    if args.if_missing:
        try:
            version_dir = latest_version_dir(settings.artifacts_dir)
            print(f"trained models found ({version_dir.name}); skipping training")
            return 0
        except ArtifactsUnavailable:
            print(f"no trained models in {settings.artifacts_dir}: training the default models (about 2 minutes)")
    try:
        for role in () if args.no_train else SERVED_ROLES:  # refuse a report-only row before any download
            check_servable(role, getattr(args, role))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        source, movielens = load_configured(settings)
    except (DataDownloadError, OSError, ValueError) as error:
        print(f"error: cannot load MovieLens: {error}", file=sys.stderr)
        return 2
    if not args.no_train:
        started = time.perf_counter()
        served = TwoStageConfig(retrieval=args.retrieval, ranking=args.ranking)
        version, summary = train_served_models(movielens, settings.artifacts_dir, served, quick=args.quick,
                                               epochs=args.epochs, seed=args.seed, source=str(source),
                                               tensorboard_dir=args.tensorboard)
        print(f"published version {version} in {settings.artifacts_dir} "
              f"({time.perf_counter() - started:.0f} s): "
              + json.dumps({role: m["train_seconds"] for role, m in summary["models"].items()}))
    if args.report:
        from movierec.evaluation.report import run_report  # the report pulls in plotting; only load it when asked
        from movierec.evaluation.report_plots import loss_curves_plot

        if not args.no_train:
            loss_curves_plot(summary["histories"], args.reports_dir)
        run_report(movielens, args.models, args.reports_dir, quick=args.quick, seed=args.seed)
        print(f"metrics written to {args.reports_dir}/metrics.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
