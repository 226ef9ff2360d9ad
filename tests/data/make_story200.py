"""Write story200.csv: a synthetic 200-row version of the story problem (issue 12's large dataset).

x: 200 values evenly spaced over [-2, 20] (two decimals), y = 3x² + 3x plus Gaussian noise of
standard deviation 20 (NumPy default_rng(12)), rounded to two decimals. Synthetic, public domain.
Run from the repository root: python tests/data/make_story200.py
"""
from pathlib import Path

import numpy as np

rng = np.random.default_rng(12)
x = np.round(np.linspace(-2.0, 20.0, 200), 2)
y = np.round(3 * x**2 + 3 * x + rng.normal(0.0, 20.0, x.size), 2)
rows = ["x,y"] + [f"{a:.2f},{b:.2f}" for a, b in zip(x, y)]
Path(__file__).with_name("story200.csv").write_text("\n".join(rows) + "\n")
