"""tui-trainer: watch a from-scratch NumPy network train, and see why it fails."""
import os

# One BLAS thread unless the user chose otherwise: on a 2-core machine that also draws the
# screen, OpenBLAS's spinning workers fight the UI for the cores and the step gets several
# times slower and erratic (docs/PERFORMANCE.md). Set here, before anything imports NumPy;
# the training process inherits the environment.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

__version__ = "0.1.0"
