"""Two TensorFlow workers on 127.0.0.1 (MultiWorkerMirroredStrategy via TF_CONFIG) train to the same
quality as one process (scripts/distributed_demo.py, quick form: ~40 s on an idle 2-core machine)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def test_two_workers_match_single_process_quality() -> None:
    completed = subprocess.run([sys.executable, "-m", "scripts.distributed_demo", "--quick"], cwd=REPO,
                               capture_output=True, text=True, timeout=900)
    summary = json.loads(completed.stdout.strip().splitlines()[-1])
    assert summary["two_workers"]["workers"] == 2 and summary["single_process"]["workers"] == 1
    assert summary["single_process"]["recall_at_100"] > 0.15  # learned something: chance is 100/1000 movies
    assert summary["match"] and completed.returncode == 0, summary
