"""Every key of the training screen, in one table.

Each row says which key(s), the short footer label, the help line, and what the key does:
either it sends a session command (`sends`: name and value, applied by the session's handler
for that name) or it runs an app action (`action`: TrainerApp.action_<name>, for what needs
the app: a screen to open, N, the runs folder, quitting). From this table come the app's
BINDINGS (and so the footer), the command palette's entries and the help screen's key list.
The keys are public (README.md's key table): change what one does only with the README.
"""
from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from . import protocol as P

# The diagnosis keys share one footer entry ("gblo Checks") so ? and q still fit at 120 columns.
CHECKS_GROUP = Binding.Group("Checks", compact=True)


@dataclass(frozen=True)
class Key:
    key: str                    # Textual key name
    label: str                  # footer label, short; also the command palette's title
    help: str                   # the help screen's line; "" = said on the line above ("-" under "+")
    sends: tuple = ()           # (command name, value): what the key sends the session
    action: str = ""            # or: the app action it runs (TrainerApp.action_<action>)
    display: str = ""           # the key as shown, when not its name ("+", "?")
    footer: bool = True         # shown in the footer (all keys are in help and the palette)
    paused_only: bool = False   # trains by hand: greyed out while training runs
    group: Binding.Group | None = None
    priority: bool = False      # works whatever has focus, on any screen (quit)
    also: str = ""              # another key doing the same, left out of the footer and help


    @property
    def shown(self) -> str:
        return self.display or self.key

    @property
    def bound(self) -> bool:
        """False for a key a widget handles itself, listed here for the help screen."""
        return bool(self.sends or self.action)

    @property
    def action_call(self) -> tuple[str, tuple]:
        """(action, parameters), as Textual hands them to App.check_action."""
        return ("send", tuple(self.sends)) if self.sends else (self.action, ())

    @property
    def action_string(self) -> str:
        """The Textual action: "send('scale_lr', 2.0)" for a command, else the app action."""
        name, params = self.action_call
        return f"{name}({', '.join(map(repr, params))})" if params else name


KEYS = (
    Key("space", "Step", "one gradient-descent step (paused only)", sends=(P.STEP, 1), paused_only=True),
    Key("n", "N steps", "N steps (paused only)", action="multi_step", paused_only=True),
    # Left out of the footer to make room for readable labels; N is in the status line.
    Key("N", "Cycle N", "cycle N: 10 → 100 → 1000", action="cycle_multi", footer=False),
    Key("r", "Run", "run / pause", sends=(P.RUN,)),
    Key("p", "Pause on trouble", "pause on trouble on/off: running stops at the step a sample dies, a hidden layer "
        "loses another quarter, or the loss diverges or stalls (on at start; r goes on)", sends=(P.TOGGLE_TROUBLE,),
        footer=False),
    Key("t", "Pace", "pace: as fast as possible → 1000 → 100 → 10 steps a second (in the status line)",
        sends=(P.CYCLE_PACE,), footer=False),
    Key("a", "Out act", "output activation: relu → leaky_relu → swish → linear → sigmoid (weights kept)",
        sends=(P.CYCLE_OUTPUT,)),
    Key("h", "Hid act", "hidden activation: relu → leaky_relu → tanh → swish → linear → sigmoid (weights kept)",
        sends=(P.CYCLE_HIDDEN,)),
    Key("plus", "lr×2", "learning rate × 2 / ÷ 2", sends=(P.SCALE_LR, 2.0), display="+"),
    Key("minus", "lr÷2", "", sends=(P.SCALE_LR, 0.5), display="-"),
    Key("z", "Norm", "normalisation on/off: restarts training from step 0", sends=(P.TOGGLE_NORMALIZE,)),
    Key("right_square_bracket", "L2 up", "L2 rate λ up / down: 0 → 0.001 → 0.003 → … → 10 (weights kept)",
        sends=(P.STEP_L2, 1), display="]", footer=False),
    Key("left_square_bracket", "L2 down", "", sends=(P.STEP_L2, -1), display="[", footer=False),
    Key("right_curly_bracket", "L1 up", "L1 rate λ up / down, the same steps", sends=(P.STEP_L1, 1), display="}",
        footer=False),
    Key("left_curly_bracket", "L1 down", "", sends=(P.STEP_L1, -1), display="{", footer=False),
    Key("m", "Batch", "batch size: full → 1 → 4 → 10 → 32 → 100 (mini-batches, reshuffled each epoch)",
        sends=(P.CYCLE_BATCH,), footer=False),
    Key("v", "2-D view", "2-D view (two inputs): the output over the plane with the samples, a thumbnail per "
        "hidden unit, the weights (v or escape: back)", action="plane_view", footer=False),
    Key("s", "Seed", "new seed and re-initialise", sends=(P.NEW_SEED,)),
    Key("0", "Reset", "back to step 0 with the same seed", sends=(P.RESET,)),
    Key("e", "Export", "export the run log (JSONL, events included) to runs/", action="export"),
    Key("g", "Gradient check", "gradient check: backprop vs centred differences, relative error and band per tensor",
        action="gradcheck", group=CHECKS_GROUP),
    Key("b", "Baseline overlay",
        "polynomial baseline on the fit plot: degree 1 → 2 → 3 → 4 → off, its J beside the network's",
        sends=(P.BASELINE,), group=CHECKS_GROUP),
    Key("l", "LR range test", "LR range test on a copy (log-x plot); enter or l there applies the suggested rate",
        action="lr_find", group=CHECKS_GROUP),
    Key("o", "Overfit 2 samples", "overfit a tiny batch (2 samples) on a copy: can the network reach about 0 loss?",
        action="overfit", group=CHECKS_GROUP),
    Key("d", "Dead rows", "sample table: only the dead rows (train and dev) / all rows", action="dead_only",
        footer=False),
    Key("w", "Worst first", "sample table: the largest |ŷ − y| first / in sample order", action="worst_first",
        footer=False),
    Key("enter", "Chain rule",
        "on a row of the sample table (tab or click to focus it): the chain rule for that sample"),
    Key("question_mark", "Help", "this help  (escape closes it)", action="help", display="?"),
    # Textual's default Ctrl+C only says "press ctrl+q"; here it quits like q (and saves).
    Key("q", "Quit", "quit, also while running", action="quit", priority=True, also="ctrl+c"),
)


def bindings(*keys: str, on_app: bool = False) -> list[Binding]:
    """BINDINGS for the given keys in that order (default: every bound key, in the table's order,
    which is the footer's). on_app: for a screen, reaching the app's actions as "app.<action>"."""
    by_key = {k.key: k for k in KEYS if k.bound}
    rows = [by_key[key] for key in keys] if keys else list(by_key.values())
    prefix = "app." if on_app else ""
    out = []
    for k in rows:
        out.append(Binding(k.key, prefix + k.action_string, k.label, show=k.footer, key_display=k.display or None,
                           priority=k.priority, tooltip=k.help, group=k.group))
        if k.also:
            out.append(Binding(k.also, prefix + k.action_string, k.label, show=False, priority=k.priority))
    return out


def help_rows() -> list[tuple[str, str]]:
    """(keys, what they do) for the help screen; a row with no help line of its own joins the
    one above it ("+ / -")."""
    rows: list[tuple[str, str]] = []
    for k in KEYS:
        if k.help:
            rows.append((k.shown, k.help))
        else:
            shown, what = rows[-1]
            rows[-1] = (f"{shown} / {k.shown}", what)
    return rows


# The keys that train by hand, as check_action sees them.
PAUSED_ONLY = {k.action_call for k in KEYS if k.paused_only}
