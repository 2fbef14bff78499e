"""Timing and memory helpers shared by the benchmark scripts.

Every figure is a distribution (median, p95, p99 over repeated runs), never a single run: on a
shared machine one run says little. Where a physical floor exists, it is timed in the same process,
alternating call by call with the figure, and the ratio of medians is reported, because ratios
survive machine drift.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def summarise(samples_s: list[float] | np.ndarray) -> dict[str, float]:
    """Median/p95/p99 in milliseconds and calls per second (from the median) of timings in seconds."""
    ms = np.asarray(samples_s, dtype=np.float64) * 1000.0
    if not ms.size:
        return {"n": 0}
    p50 = float(np.median(ms))
    return {"n": int(ms.size), "p50_ms": round(p50, 4), "p95_ms": round(float(np.percentile(ms, 95)), 4),
            "p99_ms": round(float(np.percentile(ms, 99)), 4),
            "calls_per_s": round(1000.0 / p50, 1) if p50 > 0 else None}


def time_calls(fn: Callable[[int], Any], repeats: int, warmup: int = 3) -> list[float]:
    """Seconds per call of ``fn(i)`` for i in range(repeats), after ``warmup`` untimed calls."""
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(repeats):
        started = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - started)
    return samples


def time_with_floor(fn: Callable[[int], Any], floor_fn: Callable[[int], Any], repeats: int,
                    warmup: int = 3) -> tuple[list[float], list[float]]:
    """Seconds per call of ``fn(i)`` and of ``floor_fn(i)``, timed alternately call by call, so both see
    the same load on a shared machine (timed one after the other, a burst of load from a neighbour
    can land on one of them only and skew the ratio by 2x)."""
    for i in range(warmup):
        fn(i)
        floor_fn(i)
    figure, floor = [], []
    for i in range(repeats):
        started = time.perf_counter()
        fn(i)
        middle = time.perf_counter()
        floor_fn(i)
        figure.append(middle - started)
        floor.append(time.perf_counter() - middle)
    return figure, floor


def with_floor(figure: list[float], floor: list[float]) -> dict[str, Any]:
    """A figure, its floor and the ratio of their medians (how far above the floor we are)."""
    result = summarise(figure)
    result["floor"] = summarise(floor)
    result["ratio_to_floor"] = round(result["p50_ms"] / result["floor"]["p50_ms"], 2)
    return result


def target(value: float | None, limit: float, unit: str, *, at_most: bool = True) -> dict[str, Any]:
    """A target shown next to a figure: pass/fail is reported, never asserted."""
    passed = None if value is None else (value <= limit if at_most else value >= limit)
    return {"value": value, "limit": limit, "unit": unit, "at_most": at_most, "pass": passed}


def peak_rss_mb(pid: int | None = None) -> float | None:
    """Peak resident memory (VmHWM) of a live process, in MB; None when /proc cannot tell."""
    try:
        for line in Path(f"/proc/{pid or os.getpid()}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        return None
    return None


def children_peak_rss_mb() -> float:
    """The largest peak RSS of any finished, waited-for child process (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0, 1)
