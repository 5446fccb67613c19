"""Helpers shared by the benchmarks: figures printed one per line as ``name=value``."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def figure(name: str, value: float, digits: int = 3) -> None:
    print(f"{name}={value:.{digits}f}", flush=True)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
