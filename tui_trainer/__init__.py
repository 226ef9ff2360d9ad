"""tui-trainer: watch a from-scratch NumPy network train, and see why it fails."""
__version__ = "0.1.0"
