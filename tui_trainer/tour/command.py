"""`tui-trainer tour`: the story as a guided lesson (no model options: the lesson is the story)."""
from __future__ import annotations

import sys


def register(sub, common) -> None:
    what = "the story as a guided lesson on the real engine: enter for each stage, q quits"
    p = sub.add_parser("tour", help=what, description=f"{what}. The lesson's run log is saved to runs/ like any other.")
    p.set_defaults(handler=cmd_tour)


def cmd_tour(args) -> int:
    # Imported here: the headless subcommands need not load Textual.
    from ..screens.tour import TourApp
    app = TourApp(backend=None)   # the training process, like the TUI ($TUI_TRAINER_BACKEND)
    app.run()
    if not app._quitting:  # ended some other way (an error): still try not to lose the run
        app.session.close()
        app.save_unsaved()
    for is_error, line in app.quit_report:
        print(f"tui-trainer: {'error: ' if is_error else ''}{line}", file=sys.stderr if is_error else sys.stdout)
    return app.return_code or 0
