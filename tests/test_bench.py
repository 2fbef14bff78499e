"""The benchmark runs end to end in its quick form and writes every figure (timings are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot_support import data_dir

pytestmark = pytest.mark.realdata
REPO = Path(__file__).resolve().parents[1]


def test_quick_bench_writes_every_figure(tmp_path: Path) -> None:
    completed = subprocess.run([sys.executable, "-m", "scripts.bench", "--quick", "--out", str(tmp_path),
                                "--data-dir", str(data_dir())], cwd=REPO, capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads((tmp_path / "bench.json").read_text())
    assert {"meta", "training", "serving", "title_matching", "e2e"} <= results.keys()
    serving = results["serving"]
    assert set(serving["recommend"]) == {"ratings_0", "ratings_5", "ratings_20", "ratings_200"}
    for figure in [*serving["recommend"].values(), serving["predict_ratings_100"], serving["similar"],
                   results["title_matching"]]:
        assert {"p50_ms", "p95_ms", "p99_ms", "calls_per_s", "floor", "ratio_to_floor"} <= figure.keys()
        assert figure["n"] == results["meta"]["repeats"]
    e2e = results["e2e"]
    assert e2e["messages_sent"] == e2e["users"] * e2e["messages_per_user"]
    saturated = e2e["saturated"]
    assert saturated["messages_sent"] == saturated["users"] * saturated["messages_per_user"]
    assert e2e["think_s"] > 0 and saturated["messages_per_s"] > 0
    assert e2e["replies_missing"] == 0 and e2e["ratings_lost"] == 0  # the count check holds even when quick
    assert e2e["ratings_acknowledged"] > 0 and e2e["startup_s"] > 0 and e2e["bot_peak_rss_mb"] > 0
    assert {"wall_s", "peak_rss_mb"} <= results["training"].keys()
    markdown = (tmp_path / "bench.md").read_text()
    assert "## Bot end to end" in markdown and "× floor" in markdown
