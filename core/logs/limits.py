"""How large a run log's contents may be. A log is input from anywhere (a file may be cut,
edited or made up), so nothing read from one sizes an allocation or a loop without one of these
limits; each is far above what `tui-trainer run` writes for a network and data it can train."""
from __future__ import annotations

# One line of the file, the run record (which holds the data twice) included: a line is parsed
# whole, so this bounds the memory a single record can take.
MAX_LINE_BYTES = 256 << 20

# Step attempts in a session: rerun and re-execution step up to a logged tick (≈ 30,000 steps/s
# on the story problem, so the largest takes hours, not forever). Under 2**31: a replay keeps
# ticks as 32-bit integers.
MAX_TICK = 10**9

# The network: units per hidden layer (as --hidden), hidden layers, parameters in θ, and the
# activations one forward pass keeps (m samples × units over all layers).
MAX_UNITS = 4096
MAX_HIDDEN_LAYERS = 64
MAX_PARAMS = 1 << 25
MAX_ACTIVATIONS = 1 << 28

# Events a replay keeps (a session changes its settings by hand, a few hundred times at most).
MAX_EVENTS = 100_000

# A name or text field (column name, source, a divergence sentence).
MAX_TEXT_CHARS = 10_000

# Rows (logged steps) a replay keeps in memory; beyond it every other row is dropped, evenly.
MAX_ROWS = 1 << 21
