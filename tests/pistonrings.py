"""Montgomery's piston-ring inside diameters (mm), 40 subgroups of five, as test data.

Source (found with the search tools, not typed from memory): R package qcc,
luca-scr/qcc data/pistonrings.txt ("diameter sample trial"), which ships Montgomery,
Introduction to Statistical Quality Control, Tables 6.3 (samples 1-25, phase I, trial =
TRUE) and the 15 later samples (26-40, phase II).

One difference was found: subgroup 21. qcc has 73.988, 74.001, 74.009, 74.005, 73.996;
Montgomery's printed Table 6.3 (as restated on two public exercise pages, and confirmed by
the table's own printed s₂₁ = 0.0122, which the qcc row cannot give: its s is 0.0082)
has 73.982, 74.001, 74.015, 74.005, 73.996. The qcc row reproduces qcc's printed output;
the textbook row reproduces the book's printed x̄̄, R̄ and s̄. Both versions are kept.
"""

from __future__ import annotations

import pandas as pd

QCC_SAMPLES: list[tuple[float, ...]] = [
    (74.030, 74.002, 74.019, 73.992, 74.008),  # 1
    (73.995, 73.992, 74.001, 74.011, 74.004),  # 2
    (73.988, 74.024, 74.021, 74.005, 74.002),  # 3
    (74.002, 73.996, 73.993, 74.015, 74.009),  # 4
    (73.992, 74.007, 74.015, 73.989, 74.014),  # 5
    (74.009, 73.994, 73.997, 73.985, 73.993),  # 6
    (73.995, 74.006, 73.994, 74.000, 74.005),  # 7
    (73.985, 74.003, 73.993, 74.015, 73.988),  # 8
    (74.008, 73.995, 74.009, 74.005, 74.004),  # 9
    (73.998, 74.000, 73.990, 74.007, 73.995),  # 10
    (73.994, 73.998, 73.994, 73.995, 73.990),  # 11
    (74.004, 74.000, 74.007, 74.000, 73.996),  # 12
    (73.983, 74.002, 73.998, 73.997, 74.012),  # 13
    (74.006, 73.967, 73.994, 74.000, 73.984),  # 14
    (74.012, 74.014, 73.998, 73.999, 74.007),  # 15
    (74.000, 73.984, 74.005, 73.998, 73.996),  # 16
    (73.994, 74.012, 73.986, 74.005, 74.007),  # 17
    (74.006, 74.010, 74.018, 74.003, 74.000),  # 18
    (73.984, 74.002, 74.003, 74.005, 73.997),  # 19
    (74.000, 74.010, 74.013, 74.020, 74.003),  # 20
    (73.988, 74.001, 74.009, 74.005, 73.996),  # 21 (qcc's row)
    (74.004, 73.999, 73.990, 74.006, 74.009),  # 22
    (74.010, 73.989, 73.990, 74.009, 74.014),  # 23
    (74.015, 74.008, 73.993, 74.000, 74.010),  # 24
    (73.982, 73.984, 73.995, 74.017, 74.013),  # 25
    (74.012, 74.015, 74.030, 73.986, 74.000),  # 26: phase II from here
    (73.995, 74.010, 73.990, 74.015, 74.001),  # 27
    (73.987, 73.999, 73.985, 74.000, 73.990),  # 28
    (74.008, 74.010, 74.003, 73.991, 74.006),  # 29
    (74.003, 74.000, 74.001, 73.986, 73.997),  # 30
    (73.994, 74.003, 74.015, 74.020, 74.004),  # 31
    (74.008, 74.002, 74.018, 73.995, 74.005),  # 32
    (74.001, 74.004, 73.990, 73.996, 73.998),  # 33
    (74.015, 74.000, 74.016, 74.025, 74.000),  # 34
    (74.030, 74.005, 74.000, 74.016, 74.012),  # 35
    (74.001, 73.990, 73.995, 74.010, 74.024),  # 36
    (74.015, 74.020, 74.024, 74.005, 74.019),  # 37
    (74.035, 74.010, 74.012, 74.015, 74.026),  # 38
    (74.017, 74.013, 74.036, 74.025, 74.026),  # 39
    (74.010, 74.005, 74.029, 74.000, 74.020),  # 40
]
TEXTBOOK_ROW_21 = (73.982, 74.001, 74.015, 74.005, 73.996)
MONTGOMERY_TABLE_6_3 = QCC_SAMPLES[:20] + [TEXTBOOK_ROW_21] + QCC_SAMPLES[21:25]


def readings(samples: list[tuple[float, ...]], start: str = "2026-01-05 06:00") -> pd.DataFrame:
    """One row per reading; subgroup i starts i − 1 hours after ``start``."""
    rows = [
        {
            "subgroup": i,
            "subgroup_start": pd.Timestamp(start) + pd.Timedelta(hours=i - 1),
            "value": v,
        }
        for i, sample in enumerate(samples, start=1)
        for v in sample
    ]
    return pd.DataFrame(rows)
