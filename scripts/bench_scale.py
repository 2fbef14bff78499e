"""Scale benchmarks on synthetic ML-25M-format data (``scripts/synth_movielens.py``).

    python -m scripts.bench_scale --data /tmp/synth_1m [--data /tmp/synth_5m] [--distributed] --out reports

For each data folder: one epoch of the streaming two-tower (``movierec.training.streaming``) in a child
process, so its peak RSS is its own. Then, on the movie embeddings that training produced (62k
movies), exact brute-force top-100 against ScaNN and a NumPy IVF index (recall@100 against exact,
latency of each), and title matching over the 62k synthetic titles. With --distributed, the
two-worker training demo too. Results go under "scale" in
bench.json (the other sections are kept) and bench.md is re-rendered.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scripts.bench_ann import bench_retrieval
from scripts.bench_report import render
from scripts.bench_serving import bench_title_matching
from scripts.bench_stats import peak_rss_mb

REPO = Path(__file__).resolve().parents[1]


def stream_child(data: Path, epochs: int, embeddings_out: Path) -> dict[str, Any]:
    """Runs in its own process: train the streaming two-tower, save its embeddings, report time and memory."""
    from movierec.training.streaming import (EpochTimer, StreamingConfig, build_model, read_movie_ids,
                                             training_batches)

    config = StreamingConfig(epochs=epochs)
    movie_ids = read_movie_ids(data / "movies.csv")
    model = build_model(movie_ids, config)
    timer = EpochTimer()
    history = model.fit(training_batches(data / "ratings.csv", config), epochs=epochs, callbacks=[timer], verbose=0)
    movies = model.movie_model(movie_ids).numpy()
    users = model.user_model(np.arange(1, 1001, dtype=np.int64)).numpy()
    np.savez(embeddings_out, movies=movies, users=users)
    return {"epoch_s": [round(s, 1) for s in timer.seconds], "final_loss": round(history.history["loss"][-1], 2),
            "batch_size": config.batch_size, "embedding_dim": config.embedding_dim,
            "peak_rss_mb": peak_rss_mb()}


def synthetic_movies(data: Path) -> pd.DataFrame:
    """The movies frame the title matcher needs, with rating counts read from ratings.csv in chunks."""
    from movierec.data import schema
    from movierec.data.cleaning import add_title_columns

    movies = pd.read_csv(data / "movies.csv", dtype={"title": str}, keep_default_na=False)
    counts = np.zeros(int(movies["movieId"].max()) + 1, dtype=np.int64)
    for chunk in pd.read_csv(data / "ratings.csv", usecols=["movieId"], chunksize=2_000_000):
        counts += np.bincount(chunk["movieId"].to_numpy(), minlength=len(counts))
    frame = pd.DataFrame({schema.MOVIE_ID: movies["movieId"].astype("int64"), schema.TITLE: movies["title"],
                          schema.RELEASE_DATE: pd.NaT})
    frame[schema.RELEASE_DATE] = pd.to_datetime(frame[schema.RELEASE_DATE])
    frame = add_title_columns(frame)
    frame[schema.RATING_COUNT] = counts[frame[schema.MOVIE_ID].to_numpy()]
    return frame


def run(data_dirs: list[Path], out: Path, epochs: int, repeats: int) -> dict[str, Any]:
    scale: dict[str, Any] = {"streaming_training": {}}
    embeddings = out / "scale_embeddings.npz"
    for data in data_dirs:
        rows = sum(1 for _ in (data / "ratings.csv").open()) - 1
        started = time.perf_counter()
        child = subprocess.run([sys.executable, "-m", "scripts.bench_scale", "--child", str(data),
                                "--epochs", str(epochs), "--embeddings", str(embeddings)],
                               cwd=REPO, capture_output=True, text=True, check=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        result.update(ratings=rows, process_wall_s=round(time.perf_counter() - started, 1),
                      csv_mb=round((data / "ratings.csv").stat().st_size / 2**20, 1))
        result["ratings_per_s"] = round(rows / result["epoch_s"][-1])
        scale["streaming_training"][f"{rows / 1e6:.1f}M ratings"] = result
        print(f"{data}: {result}", flush=True)
    trained = np.load(embeddings)
    scale["retrieval"] = bench_retrieval(trained["movies"], trained["users"], k=100, repeats=repeats)
    embeddings.unlink()
    scale["title_matching"] = bench_title_matching(synthetic_movies(data_dirs[0]), repeats, p99_target_ms=20.0)
    return scale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", default=[], help="a synthetic data folder (repeatable)")
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--distributed", action="store_true",
                        help="also run scripts.distributed_demo --quick (two TF workers vs one process)")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--embeddings", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(stream_child(args.child, args.epochs, args.embeddings)))
        return 0
    if not args.data and not args.distributed:
        parser.error("give --data folders (make them with python -m scripts.synth_movielens) and/or --distributed")
    args.out.mkdir(parents=True, exist_ok=True)
    out_json = args.out / "bench.json"
    results = json.loads(out_json.read_text()) if out_json.is_file() else {"meta": {"quick": False}}
    scale = results.setdefault("scale", {})
    if args.data:
        measured = run(args.data, args.out, args.epochs, args.repeats)
        scale.setdefault("streaming_training", {}).update(measured.pop("streaming_training"))  # keep other sizes
        scale.update(measured)
    if args.distributed:
        demo = subprocess.run([sys.executable, "-m", "scripts.distributed_demo", "--quick"], cwd=REPO,
                              capture_output=True, text=True)
        scale["distributed_demo"] = {"command": "python -m scripts.distributed_demo --quick", "exit_code":
                                     demo.returncode, **json.loads(demo.stdout.strip().splitlines()[-1])}
    out_json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if "finished_at" in results["meta"]:
        (args.out / "bench.md").write_text(render(results))
    print(f"wrote the scale section of {out_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
