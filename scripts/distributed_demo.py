"""Data-parallel training across processes: two TensorFlow workers on 127.0.0.1 versus one process.

    python -m scripts.distributed_demo            # ~300k synthetic ratings, 3 epochs
    python -m scripts.distributed_demo --quick    # ~60k ratings, 2 epochs (the test runs this)

Both runs train the same streaming two-tower (``movierec.training.streaming``) on the same
synthetic ML-25M-format data with the same global batch; the two workers run under
``tf.distribute.MultiWorkerMirroredStrategy`` configured by ``TF_CONFIG`` (each reads its half of
the rows and gradients are all-reduced every step), exactly as they would on two machines. The demo
prints both recall@100 on held-out ratings and exits 1 when they differ by more than the tolerance.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOLERANCE = 0.03
"""Largest accepted |recall@100 (2 workers) - recall@100 (1 process)|: float all-reduce order and
sharded reading change the run a little, never this much."""


def train(data: Path, epochs: int, batch: int, distributed: bool) -> dict:
    """Runs inside a worker (or the single process): train, then score the held-out ratings."""
    import tensorflow as tf

    from movierec.training.streaming import (StreamingConfig, build_model, read_movie_ids, recall_at_k,
                                             training_batches)

    config = StreamingConfig(batch_size=batch, epochs=epochs, user_buckets=1 << 14)
    movie_ids = read_movie_ids(data / "movies.csv")
    strategy = tf.distribute.MultiWorkerMirroredStrategy() if distributed else tf.distribute.get_strategy()
    with strategy.scope():
        model = build_model(movie_ids, config)
    started = time.perf_counter()
    history = model.fit(training_batches(data / "ratings.csv", config, global_batch=batch), epochs=epochs, verbose=0)
    return {"workers": strategy.num_replicas_in_sync, "train_s": round(time.perf_counter() - started, 1),
            "final_loss": round(float(history.history["loss"][-1]), 2),
            "recall_at_100": round(recall_at_k(model, data / "ratings.csv", movie_ids), 4)}


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _child(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scripts.distributed_demo", *args], cwd=REPO,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _result(process: subprocess.Popen, timeout: float) -> dict:
    stdout, stderr = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"training process failed:\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch", type=int, default=512, help="global batch (each of 2 workers gets half)")
    parser.add_argument("--role", choices=["single", "worker"], default=None, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    epochs = args.epochs or (2 if args.quick else 3)
    if args.role:
        print(json.dumps(train(args.data, epochs, args.batch, distributed=args.role == "worker")))
        return 0
    from scripts.synth_movielens import main as synthesise

    with tempfile.TemporaryDirectory(prefix="movierec-distributed-") as tmp:
        data = Path(tmp)
        synthesise([str(data), "--ratings", "60000" if args.quick else "300000", "--movies", "1000" if args.quick
                    else "2000", "--seed", "7"])
        common = ["--data", str(data), "--epochs", str(epochs), "--batch", str(args.batch)]
        started = time.perf_counter()
        single = _result(_child(["--role", "single", *common]), 600)
        ports = _free_ports(2)
        cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
        workers = [_child(["--role", "worker", *common],
                          {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})})
                   for i in range(2)]
        chief, other = _result(workers[0], 900), _result(workers[1], 120)
    difference = abs(chief["recall_at_100"] - single["recall_at_100"])
    summary = {"single_process": single, "two_workers": chief, "second_worker_recall": other["recall_at_100"],
               "recall_difference": round(difference, 4), "tolerance": TOLERANCE, "match": difference <= TOLERANCE,
               "wall_s": round(time.perf_counter() - started, 1)}
    print(json.dumps(summary))
    return 0 if summary["match"] else 1


if __name__ == "__main__":
    sys.exit(main())
